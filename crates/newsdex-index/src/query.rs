//! From the query language's AST ([`newsdex_query::Node`]) to tantivy queries.
//!
//! Words are run through the same analyzer as the documents; a word that analyzes to
//! several tokens (`al-Qaeda`, `U.S.`, a Chinese word's bigrams) becomes a phrase, and
//! dictionary words the analyzer adds beside bigrams only raise the score. Unfielded words
//! search the title (boosted ×[`TITLE_BOOST`]) and the body. Filters (language, outlet,
//! dates) never change scores.
//!
//! Unless the word is marked exact (`=Uighur`) or expansion is off, a word also matches,
//! at lower weights: its stems in the documents' languages ([`STEM_WEIGHT`]), the other
//! spellings of its group in the variants file ([`VARIANT_WEIGHT`]), and words with the
//! same sound key ([`KEY_WEIGHT`]). What was added is reported ([`Expansion`]).

use std::collections::BTreeSet;
use std::ops::Bound;

use newsdex_core::normalize_lang;
use newsdex_query::{DateRange, Field as QField, Node, Occur as QOccur};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery, RegexQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Term};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DateTime, Index};

use crate::analysis::{deaccent, stemmer_for};
use crate::variants::Variants;
use crate::{Fields, IndexError, Result};

/// Weight of a title match relative to a body match.
pub const TITLE_BOOST: f32 = 1.5;
/// Weight of a match on a stem (`flows` → `flow`) relative to the word itself.
pub const STEM_WEIGHT: f32 = 1.0;
/// Weight of a match on another spelling from the variants file.
pub const VARIANT_WEIGHT: f32 = 0.9;
/// Weight of a match on the sound key only.
pub const KEY_WEIGHT: f32 = 0.5;

/// What a query word was expanded to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Expansion {
    /// The word as typed.
    pub term: String,
    /// Other spellings searched, from the variants file (as written there).
    pub variants: Vec<String>,
    /// The sound key searched, when the word has one.
    pub key: Option<String>,
    /// Stems searched.
    pub stems: Vec<String>,
}

pub(crate) struct Translator<'v> {
    fields: Fields,
    analyzer: TextAnalyzer,
    unfolded: TextAnalyzer,
    variants: &'v Variants,
    /// Expansion on at all (off: `expand=false`, `--exact`).
    expand: bool,
    /// Languages whose stemmers apply to query words.
    stem_langs: Vec<String>,
    pub(crate) expansions: Vec<Expansion>,
}

impl<'v> Translator<'v> {
    pub(crate) fn new(
        index: &Index,
        fields: Fields,
        variants: &'v Variants,
        expand: bool,
        stem_langs: Vec<String>,
    ) -> Result<Translator<'v>> {
        let analyzer = index.tokenizer_for_field(fields.body)?;
        Ok(Translator {
            fields,
            analyzer,
            unfolded: crate::schema::unfolded_analyzer(),
            variants,
            expand,
            stem_langs,
            expansions: Vec::new(),
        })
    }

    /// Tokens of `text` with their positions (dictionary words share a position).
    fn tokens(&mut self, text: &str) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        let mut stream = self.analyzer.token_stream(text);
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.position));
        }
        out
    }

    /// Translate `node`. `None` means the node matches nothing useful on its own (a word of
    /// only punctuation), and the caller drops it.
    pub(crate) fn translate(&mut self, node: &Node) -> Result<Option<Box<dyn Query>>> {
        Ok(match node {
            Node::All => Some(Box::new(AllQuery)),
            Node::Term { field, text, exact } => self.words(*field, text, 0, *exact)?,
            Node::Phrase { field, text, slop, exact } => self.words(*field, text, *slop, *exact)?,
            Node::Prefix { field, text } => self.prefix(*field, text)?,
            Node::DateRange(r) => Some(self.date_range(r)),
            Node::Bool(clauses) => {
                let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (occur, child) in clauses {
                    if let Some(q) = self.translate(child)? {
                        out.push((occur_of(*occur), q));
                    }
                }
                if out.is_empty() {
                    return Ok(None);
                }
                if out.iter().all(|(o, _)| *o == Occur::MustNot) {
                    out.push((Occur::Must, Box::new(AllQuery)));
                }
                Some(Box::new(BooleanQuery::new(out)))
            }
        })
    }

    fn text_fields(&self, field: Option<QField>) -> Result<Vec<(Field, f32)>> {
        let f = &self.fields;
        Ok(match field {
            None => vec![(f.title, TITLE_BOOST), (f.body, 1.0)],
            Some(QField::Title) => vec![(f.title, 1.0)],
            Some(QField::Body) => vec![(f.body, 1.0)],
            Some(QField::Outlet) => vec![(f.outlet, 1.0)],
            Some(QField::Url) => vec![(f.url, 1.0)],
            Some(other) => return Err(IndexError::Query(format!("{other:?} takes no words"))),
        })
    }

    /// The title/body pairs of derived fields for `field` (none for outlet and url).
    fn derived(&self, field: Option<QField>, title: Field, body: Field) -> Vec<(Field, f32)> {
        match field {
            None => vec![(title, TITLE_BOOST), (body, 1.0)],
            Some(QField::Title) => vec![(title, 1.0)],
            Some(QField::Body) => vec![(body, 1.0)],
            _ => vec![],
        }
    }

    /// The words of one spelling as a query on `fields`: a term, or a phrase of the
    /// main tokens with the dictionary words beside them as optional extras.
    fn spelled(&self, fields: &[(Field, f32)], tokens: &[(String, usize)], slop: u32) -> Option<Box<dyn Query>> {
        let mut main: Vec<(usize, &str)> = Vec::new();
        let mut extras: Vec<&str> = Vec::new();
        for (t, p) in tokens {
            if main.last().is_some_and(|(q, _)| q == p) {
                extras.push(t);
            } else {
                main.push((*p, t));
            }
        }
        let first = main.first()?.0;
        let mut per_field: Vec<Box<dyn Query>> = Vec::new();
        for &(f, boost) in fields {
            let core: Box<dyn Query> = if main.len() == 1 {
                Box::new(TermQuery::new(Term::from_field_text(f, main[0].1), IndexRecordOption::WithFreqs))
            } else {
                let terms = main.iter().map(|(p, t)| (p - first, Term::from_field_text(f, t))).collect();
                Box::new(PhraseQuery::new_with_offset_and_slop(terms, slop))
            };
            let q: Box<dyn Query> = if extras.is_empty() {
                core
            } else {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, core)];
                for e in &extras {
                    let t = Term::from_field_text(f, e);
                    clauses.push((Occur::Should, Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs))));
                }
                Box::new(BooleanQuery::new(clauses))
            };
            per_field.push(if boost == 1.0 { q } else { Box::new(BoostQuery::new(q, boost)) });
        }
        Some(one_of(per_field))
    }

    fn words(&mut self, field: Option<QField>, text: &str, slop: u32, exact: bool) -> Result<Option<Box<dyn Query>>> {
        match field {
            Some(QField::Lang) => {
                let code = normalize_lang(text).ok_or_else(|| {
                    IndexError::Query(format!("{text:?} is not a language code (try en, ru, zh, ug…)"))
                })?;
                return Ok(Some(Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.lang, &code),
                    IndexRecordOption::Basic,
                ))));
            }
            Some(QField::Id) => {
                let term = Term::from_field_text(self.fields.ids, text.trim());
                return Ok(Some(Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
            }
            Some(QField::Published) => {
                return Err(IndexError::Query("published: takes a date or a date range".into()));
            }
            _ => {}
        }
        let tokens = self.tokens(text);
        let fields = self.text_fields(field)?;
        let Some(base) = self.spelled(&fields, &tokens, slop) else { return Ok(None) };
        let stem_fields = self.derived(field, self.fields.title_stem, self.fields.body_stem);
        if exact || !self.expand || stem_fields.is_empty() {
            return Ok(Some(base));
        }
        let mut alternatives: Vec<Box<dyn Query>> = vec![base];
        let mut expansion = Expansion { term: text.to_string(), variants: Vec::new(), key: None, stems: Vec::new() };
        // Other spellings from the variants file.
        let main: Vec<String> = {
            let mut m: Vec<(usize, String)> = Vec::new();
            for (t, p) in &tokens {
                if m.last().is_none_or(|(q, _)| q != p) {
                    m.push((*p, t.clone()));
                }
            }
            m.into_iter().map(|(_, t)| t).collect()
        };
        let others: Vec<(String, Vec<String>)> =
            self.variants.others(&main).into_iter().map(|(s, t)| (s.to_string(), t.to_vec())).collect();
        for (written, toks) in others {
            let positioned: Vec<(String, usize)> = toks.into_iter().enumerate().map(|(i, t)| (t, i)).collect();
            if let Some(q) = self.spelled(&fields, &positioned, slop) {
                alternatives.push(Box::new(BoostQuery::new(q, VARIANT_WEIGHT)));
                expansion.variants.push(written);
            }
        }
        // One word: its stems and its sound key.
        if main.len() == 1 {
            let word = main[0].clone();
            let mut unfolded = Vec::new();
            {
                let mut st = self.unfolded.token_stream(text);
                while st.advance() {
                    unfolded.push(st.token().text.clone());
                }
            }
            if let [u] = unfolded.as_slice() {
                let stems: BTreeSet<String> = self
                    .stem_langs
                    .iter()
                    .filter_map(|l| stemmer_for(l))
                    .map(|a| deaccent(&frostem::Stemmer::new(a).stem(u)).into_owned())
                    .collect();
                let mut clauses: Vec<Box<dyn Query>> = Vec::new();
                for s in &stems {
                    for &(f, boost) in &stem_fields {
                        let q = TermQuery::new(Term::from_field_text(f, s), IndexRecordOption::WithFreqs);
                        clauses.push(Box::new(BoostQuery::new(Box::new(q), boost)));
                    }
                }
                if !clauses.is_empty() {
                    alternatives.push(Box::new(BoostQuery::new(one_of(clauses), STEM_WEIGHT)));
                    expansion.stems = stems.into_iter().collect();
                }
            }
            if let Some(k) = crate::key::key(&word) {
                let key_fields = self.derived(field, self.fields.title_key, self.fields.body_key);
                let clauses: Vec<Box<dyn Query>> = key_fields
                    .iter()
                    .map(|&(f, boost)| {
                        let q = TermQuery::new(Term::from_field_text(f, &k), IndexRecordOption::WithFreqs);
                        Box::new(BoostQuery::new(Box::new(q), boost)) as Box<dyn Query>
                    })
                    .collect();
                alternatives.push(Box::new(BoostQuery::new(one_of(clauses), KEY_WEIGHT)));
                expansion.key = Some(k);
            }
        }
        if !expansion.variants.is_empty() || expansion.key.is_some() || !expansion.stems.is_empty() {
            self.expansions.push(expansion);
        }
        Ok(Some(one_of(alternatives)))
    }

    fn prefix(&mut self, field: Option<QField>, text: &str) -> Result<Option<Box<dyn Query>>> {
        let tokens = self.tokens(text);
        let [(token, _)] = tokens.as_slice() else {
            return Err(IndexError::Query(format!("prefix {text:?}* must be a single word")));
        };
        let pattern = format!("{}.*", regex_escape(token));
        let mut per_field: Vec<Box<dyn Query>> = Vec::new();
        for (f, boost) in self.text_fields(field)? {
            let q = RegexQuery::from_pattern(&pattern, f)?;
            per_field.push(Box::new(BoostQuery::new(Box::new(q), boost)));
        }
        Ok(Some(one_of(per_field)))
    }

    pub(crate) fn date_range(&self, r: &DateRange) -> Box<dyn Query> {
        // Bounds outside the dates the index holds are clamped (`published:9999` then matches
        // nothing instead of overflowing tantivy's nanosecond timestamps).
        let term = |secs: i64| {
            let secs = secs.clamp(newsdex_core::EARLIEST, newsdex_core::LATEST);
            Term::from_field_date(self.fields.published, DateTime::from_timestamp_secs(secs))
        };
        let lower = r.start.map_or(Bound::Unbounded, |s| Bound::Included(term(s)));
        let upper = r.end.map_or(Bound::Unbounded, |e| Bound::Excluded(term(e)));
        Box::new(ConstScoreQuery::new(Box::new(RangeQuery::new(lower, upper)), 0.0))
    }

    /// A filter on an exact-valued field (language) or outlet words; never scores.
    pub(crate) fn filter_any(&mut self, field: QField, values: &[String]) -> Result<Box<dyn Query>> {
        let mut alts = Vec::new();
        for v in values {
            if let Some(q) = self.words(Some(field), v, 0, true)? {
                alts.push(q);
            }
        }
        if alts.is_empty() {
            return Ok(Box::new(EmptyQuery));
        }
        Ok(Box::new(ConstScoreQuery::new(one_of(alts), 0.0)))
    }
}

fn one_of(mut qs: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if qs.len() == 1 {
        return qs.pop().expect("one query");
    }
    Box::new(BooleanQuery::new(qs.into_iter().map(|q| (Occur::Should, q)).collect()))
}

fn occur_of(o: QOccur) -> Occur {
    match o {
        QOccur::Must => Occur::Must,
        QOccur::Should => Occur::Should,
        QOccur::MustNot => Occur::MustNot,
    }
}

fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
