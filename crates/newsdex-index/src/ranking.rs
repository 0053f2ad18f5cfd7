//! Ranking parameters, settable per search ([`Ranking`], carried by
//! [`SearchRequest::ranking`](crate::SearchRequest::ranking)).
//!
//! A query word's score is built from BM25 scores (tantivy's: k1 = 1.2, b = 0.75) of
//! its spellings in the title and body fields:
//!
//! * per spelling, title and body are combined by [`Ranking::field_tie`]: the better
//!   field plus `field_tie` × the other (1: their sum, tantivy's `BooleanQuery`; 0: the
//!   better field only, a "best field" dis-max), the title's score first weighted by
//!   [`Ranking::title`];
//! * the word's spellings (as typed, other spellings from the variants file, word forms
//!   of the documents' language, a name's transliteration), weighted by
//!   [`Ranking::variant`], [`Ranking::stem`] and [`Ranking::key`], are combined the same
//!   way by [`Ranking::spelling_tie`];
//! * the query's words are summed;
//! * with [`Ranking::proximity`] above 0, each pair of neighbouring words of the query
//!   adds its BM25 score as a phrase with a little slop (tantivy's sloppy phrase: the
//!   second word at most two positions from where it would follow the first, so in
//!   order with up to two words between, or swapped side by side: `gas oil` for
//!   `oil gas`), weighted by `proximity`: a bag of words ranks first the documents that
//!   keep its words together, as the sequential dependence model of Metzler and Croft
//!   (2005) does with its windows.
//!
//! **BM25's k1 and b are constants in tantivy 0.27** (`query/bm25.rs`), not settable.
//! What tantivy does let a search change is the statistics BM25 reads
//! ([`tantivy::query::Bm25StatisticsProvider`]); [`Ranking::length`] multiplies every
//! field's average length by a factor c. Since tantivy's term-frequency part is
//! `tf / (tf + k1 (1 − b + b·dl/(c·avgdl)))`, that is BM25 with
//! k1' = k1(1 − b) + k1·b/c and b' = (k1·b/c) / k1' (the constant (k1 + 1) in front
//! does not change an order): c = 1 is k1 1.2, b 0.75; c = 2 is k1 0.75, b 0.6; c = 0.5
//! is k1 2.1, b 0.86. One of the two parameters can be moved, along that line, not both.

use tantivy::query::{Bm25StatisticsProvider, EnableScoring, Explanation, Query, Weight};
use tantivy::schema::Field;
use tantivy::{DocAddress, Searcher, Term};

use crate::query::{KEY_WEIGHT, STEM_WEIGHT, TITLE_BOOST, VARIANT_WEIGHT};

/// How matches are weighted and combined (see the module doc). The default is what
/// newsdex ships.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Ranking {
    /// Weight of a title match relative to a body match.
    pub title: f32,
    /// Weight of a match on another word form (`flows` → `flow`) relative to the word as typed.
    pub stem: f32,
    /// Weight of a match on another spelling from the variants file.
    pub variant: f32,
    /// Weight of a match on a name's transliteration only.
    pub key: f32,
    /// Title and body of one spelling: the better plus this much of the other (1: sum).
    pub field_tie: f32,
    /// Spellings of one word: the best plus this much of the others (1: sum).
    pub spelling_tie: f32,
    /// Factor on every field's average length in BM25's length normalisation (1:
    /// tantivy's k1 1.2, b 0.75; above 1, weaker normalisation and saturation).
    pub length: f32,
    /// Weight of two neighbouring query words found near each other (in order with at
    /// most [`crate::query::PROXIMITY_SLOP`] words between them, or side by side the
    /// other way round), relative to a word's own match. 0: off. It only adds to the
    /// score of documents the query matches anyway: totals, facets and pages'
    /// membership never change with it.
    #[serde(default)]
    pub proximity: f32,
}

impl Default for Ranking {
    fn default() -> Ranking {
        Ranking {
            title: TITLE_BOOST,
            stem: STEM_WEIGHT,
            variant: VARIANT_WEIGHT,
            key: KEY_WEIGHT,
            field_tie: crate::query::FIELD_TIE,
            spelling_tie: 1.0,
            length: 1.0,
            proximity: crate::query::PROXIMITY_WEIGHT,
        }
    }
}

impl Ranking {
    /// The BM25 parameters [`Ranking::length`] amounts to: `(k1, b)`.
    pub fn bm25(&self) -> (f32, f32) {
        let (k1, b) = (1.2f32, 0.75f32);
        let c = if self.length > 0.0 { self.length } else { 1.0 };
        let k = k1 * (1.0 - b) + k1 * b / c;
        (k, (k1 * b / c) / k)
    }
}

/// `inner`, scored with every field's average length multiplied by `factor`.
pub(crate) fn with_length(inner: Box<dyn Query>, factor: f32) -> Box<dyn Query> {
    if factor == 1.0 || !(factor > 0.0 && factor.is_finite()) {
        return inner;
    }
    Box::new(LengthScaled { inner, factor })
}

#[derive(Debug)]
struct LengthScaled {
    inner: Box<dyn Query>,
    factor: f32,
}

impl Clone for LengthScaled {
    fn clone(&self) -> LengthScaled {
        LengthScaled { inner: self.inner.box_clone(), factor: self.factor }
    }
}

struct ScaledStatistics<'a> {
    inner: &'a dyn Bm25StatisticsProvider,
    factor: f32,
}

impl Bm25StatisticsProvider for ScaledStatistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        let n = self.inner.total_num_tokens(field)?;
        Ok((n as f64 * f64::from(self.factor)).round() as u64)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.inner.total_num_docs()
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        self.inner.doc_freq(term)
    }
}

impl Query for LengthScaled {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        match scoring {
            EnableScoring::Enabled { searcher, statistics_provider } => {
                let scaled = ScaledStatistics { inner: statistics_provider, factor: self.factor };
                self.inner.weight(EnableScoring::enabled_from_statistics_provider(&scaled, searcher))
            }
            disabled => self.inner.weight(disabled),
        }
    }

    fn explain(&self, searcher: &Searcher, doc: DocAddress) -> tantivy::Result<Explanation> {
        let scaled = ScaledStatistics { inner: searcher, factor: self.factor };
        let weight = self.inner.weight(EnableScoring::enabled_from_statistics_provider(&scaled, searcher))?;
        let reader = searcher.segment_reader(doc.segment_ord);
        weight.explain(reader, doc.doc_id)
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.inner.query_terms(visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_factor_is_bm25_along_a_line() {
        let (k, b) = Ranking::default().bm25();
        assert!((k - 1.2).abs() < 1e-6 && (b - 0.75).abs() < 1e-6);
        let (k, b) = Ranking { length: 2.0, ..Ranking::default() }.bm25();
        assert!((k - 0.75).abs() < 1e-6 && (b - 0.6).abs() < 1e-6, "{k} {b}");
    }
}
