//! From the query language's AST ([`newsdex_query::Node`]) to tantivy queries.
//!
//! Words are run through the same analyzer as the documents; a word that analyzes to
//! several tokens (`al-Qaeda`, `U.S.`, a Chinese word's bigrams) becomes a phrase, and
//! dictionary words the analyzer adds beside bigrams only raise the score. Unfielded words
//! search the title (boosted ×[`TITLE_BOOST`] by default; [`Ranking`] per search) and the body. Filters (language, outlet,
//! dates) never change scores.
//!
//! Unless the word is marked exact (`=Uighur`) or expansion is off, a word also matches,
//! at lower weights, what [`crate::expand`] can show to be the same word: its forms in the
//! documents' languages ([`STEM_WEIGHT`]), the other spellings of its group in the variants
//! file and a Chinese word in the other script ([`VARIANT_WEIGHT`]), and for a name its transliteration in the other cased scripts
//! ([`KEY_WEIGHT`]). What was added is reported ([`Expansion`]), with how many documents
//! it added (`Expansion::added`, counted by the search).
//!
//! # Budgets
//!
//! Translation is where a query's cost becomes known (words as indexed, spellings,
//! prefix matches), so it is where [`QueryLimits`] are enforced, before anything runs;
//! a query over a limit is refused with a [`TooCostly`] that names it.
//!
//! **Sloppy phrases** are the one part of a query whose cost is not roughly linear in
//! what it reads (issue #14: `"the the the the the the the the the the"~100`, 45 bytes,
//! passed 3 GB in a minute; a 3 KB variant took a server to 23 GB). The cause is in
//! tantivy 0.27's phrase matching (`query/phrase_query/phrase_scorer.rs`), not in
//! expansion (`--exact` did not help) nor in per-document buffers as such. For a phrase
//! of three or more words with a slop, `compute_phrase_match` walks the words in order,
//! keeping a list of candidate positions (`left_positions`) and meeting it with each next
//! word's positions in `intersection_count_with_carrying_slop`. On every match that
//! function writes into the new list not one position but the whole run of the smaller
//! side's positions up to the larger one, and the next match (one step further on each
//! side) writes its overlapping run again: duplicates are only merged when they are
//! adjacent, and the list comes out unsorted. So each word multiplies the list by about
//! the number of that word's positions within the slop window, and the list of the
//! third word on feeds the next intersection: the memory for one document grows like
//! (positions in the window)^(words − 3). Repeated words are the easy trigger (every
//! "the" is in the window of every other, and the query needs no knowledge of the
//! archive), but any frequent words do it. Measured with a copy of the function fed the
//! positions of a plain lower-cased word split of Reuters-21578: in the document with the
//! most "the" (80 in 904 words), the list for the ten "the" at slop 100 reached 109
//! million positions (about 550 MB with its slop bytes, before the vectors double), nine
//! words 19 million, eight 3 million; at slop 20 the ten words stay under 17 thousand in
//! every document. Two-word phrases use a linear intersection, and with three words the
//! one list-building step starts from a sorted list, so it is bounded by
//! (slop + 3) × positions.
//!
//! Hence the budget: a phrase costs `(words − 3) × slop` (nothing up to three words),
//! at most [`QueryLimits::max_phrase_cost`] each and
//! [`QueryLimits::max_total_phrase_cost`] together. On the whole of Reuters-21578 the
//! worst list at the limit (one word repeated, for the densest words: `0`, `nil`, `the`,
//! `mln`; eleven ways of spending the 100, from 4 words at ~100 to 103 words at ~1) is
//! 0.3 million positions for one document; `words × slop ≤ 300`, the obvious alternative, let `0` repeated 15 times at
//! slop 20 reach 89 million. The deadline cannot help here: one document's match is
//! never interrupted. The budget is set for real text: a document written to defeat it (a
//! word at every other position for thousands of words) can still cost more at the
//! limit; only a phrase matcher of our own, linear in the positions, would close that.

use std::ops::Bound;

use newsdex_core::normalize_lang;
use newsdex_query::{DateRange, Field as QField, Limit, Node, Occur as QOccur, QueryLimits, TooCostly};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, EmptyQuery, InvertedIndexRangeQuery,
    Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Term};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DateTime, Searcher};

use crate::guard::Phrase;
use crate::ranking::Ranking;
use crate::variants::Variants;
use crate::{Fields, IndexError, Result};

// The defaults are the choice of `newsdex-eval ir`'s shipped-defaults rule (the grid
// point with the best mean nDCG@10 over CISI, Cranfield, TIME and XQuAD-R; chosen again
// on 2026-12-07 when the proximity weight joined the grid: title and body combined as
// the better plus 0.3 of the other, neighbouring words together weighted 0.1;
// BENCHMARKS.md "Ranking" gives its leave-one-collection-out scores). The rule chose a
// transliteration weight of 0, a tie: no collection has a query in another script, so
// nothing measures it, and 0.5, the grid's other point, is kept.

/// Title and body of one spelling: the better plus this much of the other (the default
/// of [`Ranking::field_tie`]).
pub const FIELD_TIE: f32 = 0.3;

/// Weight of a title match relative to a body match (the default of [`Ranking::title`]).
pub const TITLE_BOOST: f32 = 1.0;
/// Weight of a match on another form of the word (`flows` → `flow`) relative to the word itself.
pub const STEM_WEIGHT: f32 = 0.5;
/// Weight of a match on another spelling from the variants file.
pub const VARIANT_WEIGHT: f32 = 0.9;
/// Weight of a match on a name's transliteration in another script.
pub const KEY_WEIGHT: f32 = 0.5;

/// Weight of neighbouring query words found together (the default of
/// [`Ranking::proximity`]).
pub const PROXIMITY_WEIGHT: f32 = 0.1;
/// How far the second of two neighbouring query words may be from where it would follow
/// the first for them to count as found together (tantivy's phrase slop: two words
/// between them in order, or the two swapped side by side).
pub const PROXIMITY_SLOP: u32 = 2;
/// Pairs of neighbouring words scored at most (the first ones of a long query).
const MAX_PROXIMITY_PAIRS: usize = 32;

/// Spellings a name's transliterations into the other cased scripts can add.
const KEY_SPELLINGS: usize = 4;

/// What a query word was expanded to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Expansion {
    /// The word as typed.
    pub term: String,
    /// Whether it was taken for a name (typed with a capital, or written as a name in most
    /// documents that hold it): names get no word forms but their own case endings.
    pub name: bool,
    /// Other spellings searched: from the variants file (as written there), a place's
    /// names in other languages from the gazetteer, and a Chinese word's spellings in the
    /// other script (Simplified or Traditional).
    pub variants: Vec<String>,
    /// Names of the place the archive also holds that were not searched (past
    /// [`crate::gazetteer::MAX_SPELLINGS`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub left_out: usize,
    /// For a name: its transliteration, searched in the other cased scripts.
    pub key: Option<String>,
    /// Word forms searched, each only in documents of its language.
    pub forms: Vec<crate::expand::Forms>,
    /// Documents that only these spellings matched (not the word as typed), with the
    /// search's filters: what this expansion added to the total.
    pub added: u64,
}

impl Expansion {
    /// Every spelling searched besides the word, for display.
    pub fn spellings(&self) -> Vec<String> {
        let mut out = self.variants.clone();
        for f in &self.forms {
            out.extend(f.words.iter().cloned());
        }
        out
    }
}

/// One expanded word's queries, for counting what its expansion added.
pub(crate) struct Widened {
    /// The word as typed.
    pub exact: Box<dyn Query>,
    /// Everything else it was searched as.
    pub others: Box<dyn Query>,
}

pub(crate) struct Translator<'v> {
    fields: Fields,
    analyzer: TextAnalyzer,
    variants: &'v Variants,
    /// Expansion on at all (off: `expand=false`, `--exact`).
    expand: bool,
    /// Weights and how matches combine.
    pub(crate) ranking: Ranking,
    /// The query's language, when its text says so clearly.
    query_lang: Option<String>,
    /// The query is written in capitals ([`crate::key::in_capitals`]): a word's first
    /// capital then says nothing of whether it is a name, and how the archive writes the
    /// word decides, as the index already does for texts in capitals.
    pub(crate) in_capitals: bool,
    pub(crate) expansions: Vec<Expansion>,
    /// Per expansion, its queries (same order as `expansions`).
    pub(crate) widened: Vec<Widened>,
    /// For counting what a prefix matches.
    searcher: &'v Searcher,
    /// What widening read from this searcher's view, shared with other queries.
    cache: &'v crate::expand::WidenCache,
    limits: &'v QueryLimits,
    /// Spent so far: spellings searched, sloppy phrase cost.
    spellings: usize,
    phrase_cost: u64,
}

impl<'v> Translator<'v> {
    pub(crate) fn new(
        index: &'v crate::SearchIndex,
        searcher: &'v Searcher,
        expand: bool,
        query_lang: Option<String>,
        limits: &'v QueryLimits,
    ) -> Result<Translator<'v>> {
        let fields = index.fields;
        let analyzer = index.index.tokenizer_for_field(fields.body)?;
        Ok(Translator {
            fields,
            analyzer,
            variants: &index.variants,
            cache: &index.widen,
            expand,
            ranking: Ranking::default(),
            query_lang,
            in_capitals: false,
            expansions: Vec::new(),
            widened: Vec::new(),
            searcher,
            limits,
            spellings: 0,
            phrase_cost: 0,
        })
    }

    /// Spend the cost of one phrase spelling of `words` words at `slop` (see the module
    /// doc); `what` is the phrase as typed.
    fn spend_phrase(&mut self, what: &str, words: usize, slop: u32) -> Result<()> {
        let cost = (words.saturating_sub(3) as u64).saturating_mul(u64::from(slop));
        if cost == 0 {
            return Ok(());
        }
        let allowed = self.limits.max_phrase_cost;
        if cost > allowed {
            let found = cost;
            return Err(IndexError::Refused(TooCostly {
                limit: Limit::PhraseCost,
                what: what.to_string(),
                words,
                slop,
                found,
                allowed,
            }));
        }
        self.phrase_cost = self.phrase_cost.saturating_add(cost);
        let allowed = self.limits.max_total_phrase_cost;
        if self.phrase_cost > allowed {
            return Err(IndexError::Refused(TooCostly::new(Limit::TotalPhraseCost, what, self.phrase_cost, allowed)));
        }
        Ok(())
    }

    /// Spend `n` spellings on the word `what`.
    fn spend_spellings(&mut self, what: &str, n: usize) -> Result<()> {
        let allowed = self.limits.max_spellings_per_word;
        if n > allowed {
            return Err(IndexError::Refused(TooCostly::new(Limit::SpellingsPerWord, what, n as u64, allowed as u64)));
        }
        self.spellings = self.spellings.saturating_add(n);
        let allowed = self.limits.max_spellings;
        if self.spellings > allowed {
            return Err(IndexError::Refused(TooCostly::new(
                Limit::Spellings,
                what,
                self.spellings as u64,
                allowed as u64,
            )));
        }
        Ok(())
    }

    /// Words of `field` in the term dictionaries that start with `prefix`, summed over
    /// segments, counting stops past `stop_after`.
    fn count_prefixed(&self, field: Field, prefix: &str, stop_after: u64) -> Result<u64> {
        let mut n = 0u64;
        crate::expand::for_each_prefixed(self.searcher, field, prefix, |_| {
            n += 1;
            n <= stop_after
        })?;
        Ok(n)
    }

    /// `q`, matching only documents in language `lang` (the filter adds nothing to scores).
    fn in_lang(&self, q: Box<dyn Query>, lang: &str) -> Box<dyn Query> {
        let lang = TermQuery::new(Term::from_field_text(self.fields.lang, lang), IndexRecordOption::Basic);
        Box::new(BooleanQuery::new(vec![
            (Occur::Must, q),
            (Occur::Must, Box::new(ConstScoreQuery::new(Box::new(lang), 0.0))),
        ]))
    }

    /// `q`, matching only documents not in language `lang`.
    fn not_in_lang(&self, q: Box<dyn Query>, lang: &str) -> Box<dyn Query> {
        let lang = TermQuery::new(Term::from_field_text(self.fields.lang, lang), IndexRecordOption::Basic);
        Box::new(BooleanQuery::new(vec![(Occur::Must, q), (Occur::MustNot, Box::new(lang))]))
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

    /// What [`Ranking::proximity`] adds to the score: each pair of neighbouring unfielded
    /// words of the query's top level (not negated), the last token of the first and the
    /// first of the second, as a phrase with [`PROXIMITY_SLOP`] on title and body, as
    /// typed (no other spellings). `None` without such a pair or with the weight at 0.
    /// Only ever joined to the query as an optional clause: it matches nothing the
    /// query does not.
    pub(crate) fn proximity(&mut self, root: &Node) -> Result<Option<Box<dyn Query>>> {
        let weight = self.ranking.proximity;
        if !(weight > 0.0 && weight.is_finite()) {
            return Ok(None);
        }
        let words: Vec<Option<&str>> = match root {
            Node::Bool(clauses) => clauses
                .iter()
                .map(|(occur, child)| match child {
                    Node::Term { field: None, text, .. } if *occur != QOccur::MustNot => Some(text.as_str()),
                    _ => None,
                })
                .collect(),
            _ => return Ok(None),
        };
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut prev: Option<String> = None;
        for word in words {
            let Some(word) = word else {
                prev = None;
                continue;
            };
            let mut main: Vec<String> = Vec::new();
            let mut last_pos = None;
            for (t, p) in self.tokens(word) {
                if last_pos != Some(p) {
                    main.push(t);
                    last_pos = Some(p);
                }
            }
            if let (Some(a), Some(b)) = (prev.take(), main.first()) {
                pairs.push((a, b.clone()));
            }
            prev = main.pop();
            if pairs.len() >= MAX_PROXIMITY_PAIRS {
                break;
            }
        }
        if pairs.is_empty() {
            return Ok(None);
        }
        let fields = self.text_fields(None)?;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (a, b) in &pairs {
            for &(field, boost) in &fields {
                let terms = vec![(0, Term::from_field_text(field, a)), (1, Term::from_field_text(field, b))];
                let phrase: Box<dyn Query> =
                    Box::new(Phrase(PhraseQuery::new_with_offset_and_slop(terms, PROXIMITY_SLOP)));
                let q: Box<dyn Query> = if boost == 1.0 { phrase } else { Box::new(BoostQuery::new(phrase, boost)) };
                clauses.push((Occur::Should, q));
            }
        }
        Ok(Some(Box::new(BoostQuery::new(Box::new(BooleanQuery::new(clauses)), weight))))
    }

    fn text_fields(&self, field: Option<QField>) -> Result<Vec<(Field, f32)>> {
        let f = &self.fields;
        Ok(match field {
            None => vec![(f.title, self.ranking.title), (f.body, 1.0)],
            Some(QField::Title) => vec![(f.title, 1.0)],
            Some(QField::Body) => vec![(f.body, 1.0)],
            Some(QField::Outlet) => vec![(f.outlet, 1.0)],
            Some(QField::Url) => vec![(f.url, 1.0)],
            Some(other) => return Err(IndexError::Query(format!("{other:?} takes no words"))),
        })
    }

    /// Whether some document holds every token of `toks` in one of `fields` (each token
    /// somewhere: a cheap test that a spelling is in the archive at all).
    fn holds(&self, fields: &[(Field, f32)], toks: &[(String, usize)]) -> Result<bool> {
        for &(field, _) in fields {
            let mut all = true;
            for (t, _) in toks {
                if self.searcher.doc_freq(&Term::from_field_text(field, t))? == 0 {
                    all = false;
                    break;
                }
            }
            if all {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The other names of the place `text` names ([`crate::gazetteer`]) that the archive
    /// holds: each word of the spelling in some document, and a one-word spelling of a
    /// script with capitals written as a name in most documents that hold it (so a
    /// spelling that is also a common word of the archive is left out). At most
    /// [`crate::gazetteer::MAX_SPELLINGS`] and `room`, those in most documents first; how
    /// many more there were is returned beside them.
    fn place_names(
        &mut self,
        text: &str,
        main: &[String],
        fields: &[(Field, f32)],
        widener: &crate::expand::Widener<'_>,
        room: usize,
    ) -> Result<(Vec<String>, usize)> {
        let others = crate::gazetteer::Gazetteer::builtin().others(text.trim());
        let mut found: Vec<(u64, String)> = Vec::new();
        // Spellings the index reads as one (`Moscú`, `Moscù`, `Moscu`) are searched once.
        let mut searched: std::collections::HashSet<Vec<String>> = std::collections::HashSet::new();
        searched.insert(main.to_vec());
        for written in others {
            let mut words: Vec<(String, usize)> = Vec::new();
            for (t, p) in self.tokens(written) {
                if words.last().is_none_or(|(_, q)| *q != p) {
                    words.push((t, p));
                }
            }
            if words.is_empty()
                || !searched.insert(words.iter().map(|(t, _)| t.clone()).collect())
                || !self.holds(fields, &words)?
            {
                continue;
            }
            if let [(one, _)] = words.as_slice()
                && written.chars().any(char::is_uppercase)
                && !widener.written_as_name(one)?
            {
                continue;
            }
            let df = self.searcher.doc_freq(&Term::from_field_text(self.fields.body, &words[0].0))?;
            found.push((df, written.to_string()));
        }
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let most = crate::gazetteer::MAX_SPELLINGS.min(room);
        let left_out = found.len().saturating_sub(most);
        found.truncate(most);
        Ok((found.into_iter().map(|(_, s)| s).collect(), left_out))
    }

    /// The words of one spelling as a query on `fields`: a term, or a phrase of the
    /// main tokens with the dictionary words beside them as optional extras. A sloppy
    /// phrase spends its cost (`what` is the phrase as typed, for the refusal).
    fn spelled(
        &mut self,
        what: &str,
        fields: &[(Field, f32)],
        tokens: &[(String, usize)],
        slop: u32,
    ) -> Result<Option<Box<dyn Query>>> {
        let mut main: Vec<(usize, &str)> = Vec::new();
        let mut extras: Vec<&str> = Vec::new();
        for (t, p) in tokens {
            if let Some(&(q, m)) = main.last()
                && q == *p
            {
                // A Vietnamese syllable's spelling without marks is the same occurrence
                // ([`crate::analysis::Marked`]): counted once, as the word typed, not
                // again as an extra (which doubled the weight of every marked word
                // against a name written without marks).
                if crate::analysis::vietnamese_syllable(m) && crate::analysis::deaccent(m) == t.as_str() {
                    continue;
                }
                // A Chinese or Japanese character alone beside its bigram is not scored
                // again: on 990 XQuAD-R questions never reported, weighting those
                // characters 0.3 and 1 beside the question's bigrams lowered nDCG@10
                // (0.8210 → 0.8185, 0.8125).
                if !one_cjk_char(t) {
                    extras.push(t);
                }
            } else {
                main.push((*p, t));
            }
        }
        let Some(&(first, _)) = main.first() else { return Ok(None) };
        self.spend_phrase(what, main.len(), slop)?;
        let mut per_field: Vec<Box<dyn Query>> = Vec::new();
        for &(f, boost) in fields {
            let core: Box<dyn Query> = if main.len() == 1 {
                Box::new(TermQuery::new(Term::from_field_text(f, main[0].1), IndexRecordOption::WithFreqs))
            } else {
                let terms = main.iter().map(|(p, t)| (p - first, Term::from_field_text(f, t))).collect();
                Box::new(Phrase(PhraseQuery::new_with_offset_and_slop(terms, slop)))
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
        Ok(Some(best_of(per_field, self.ranking.field_tie)))
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
        let Some(base) = self.spelled(text, &fields, &tokens, slop)? else { return Ok(None) };
        let widenable = matches!(field, None | Some(QField::Title) | Some(QField::Body));
        if exact || !self.expand || !widenable {
            self.spend_spellings(text, 1)?;
            return Ok(Some(base));
        }
        let mut others: Vec<Box<dyn Query>> = Vec::new();
        let mut expansion = Expansion {
            term: text.to_string(),
            name: false,
            variants: Vec::new(),
            left_out: 0,
            key: None,
            forms: Vec::new(),
            added: 0,
        };
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
        let variants: Vec<(String, Vec<String>)> =
            self.variants.others(&main).into_iter().map(|(s, t)| (s.to_string(), t.to_vec())).collect();
        for (written, toks) in variants {
            let positioned: Vec<(String, usize)> = toks.into_iter().enumerate().map(|(i, t)| (t, i)).collect();
            if let Some(q) = self.spelled(text, &fields, &positioned, slop)? {
                others.push(Box::new(BoostQuery::new(q, self.ranking.variant)));
                expansion.variants.push(written);
            }
        }
        // A Vietnamese syllable is indexed with its marks (`crate::analysis::Marked`); a
        // query that is not Vietnamese also finds it written without them (`Nguyễn` →
        // `Nguyen` in an English article), outside Vietnamese documents, where the unmarked
        // spelling is another word.
        if self.query_lang.as_deref() != Some("vi") {
            let unmarked: Vec<(String, usize)> =
                main.iter().enumerate().map(|(i, t)| (crate::analysis::deaccent(t).into_owned(), i)).collect();
            if unmarked.iter().zip(&main).any(|((u, _), t)| u != t)
                && self.holds(&fields, &unmarked)?
                && let Some(q) = self.spelled(text, &fields, &unmarked, slop)?
            {
                others.push(Box::new(BoostQuery::new(self.not_in_lang(q, "vi"), self.ranking.variant)));
                expansion.variants.push(crate::analysis::deaccent(text.trim()).into_owned());
            }
        }
        // A Chinese word's spellings in the other script (东京 ↔ 東京), where the archive
        // holds them, searched in Chinese documents.
        for written in crate::hanzi::other_script(text.trim()) {
            if expansion.variants.contains(&written) {
                continue;
            }
            let toks = self.tokens(&written);
            if toks.is_empty() || !self.holds(&fields, &toks)? {
                continue;
            }
            if let Some(q) = self.spelled(text, &fields, &toks, slop)? {
                // Only in Chinese documents: Japanese writes many of the same characters
                // (影響, 組織) as words of its own.
                others.push(Box::new(BoostQuery::new(self.in_lang(q, "zh"), self.ranking.variant)));
                expansion.variants.push(written);
            }
        }
        let widener = crate::expand::Widener { searcher: self.searcher, fields: self.fields, cache: self.cache };
        expansion.name = (!self.in_capitals && typed_as_name(text))
            || matches!(main.as_slice(), [word] if widener.written_as_name(word)?);
        // A place's names in other languages and scripts, where the archive holds them:
        // for a name, or a word of a script without capitals (`中国`, `العراق`), which
        // the gazetteer's whole-word lookup keeps from matching common words.
        if expansion.name || !text.chars().any(|c| c.is_uppercase() || c.is_lowercase()) {
            // Leave room in the word's budget for its own forms and transliterations.
            let room = self
                .limits
                .max_spellings_per_word
                .saturating_sub(1 + expansion.variants.len() + crate::expand::MAX_FORMS + KEY_SPELLINGS);
            // The same on this view of the index for every query with the word (10,000
            // watches share their words): looked up once.
            let key = (text.to_string(), main.clone(), fields.iter().map(|(f, _)| f.field_id()).collect(), room);
            let (names, left_out) =
                widener.place_names(key, || self.place_names(text, &main, &fields, &widener, room))?;
            expansion.left_out = left_out;
            for written in names {
                if expansion.variants.contains(&written) {
                    continue;
                }
                let toks = self.tokens(&written);
                if let Some(q) = self.spelled(text, &fields, &toks, slop)? {
                    // A name in another language is a translation: it finds, it does not
                    // rank. A constant score (the transliteration weight) puts the articles
                    // only it found below those with the word as typed whenever their BM25
                    // score passes it, as it does for seed 004 and `Tashkent` (server
                    // tests); scored by BM25, a Japanese name's several rare bigrams
                    // outranked the word itself.
                    others.push(Box::new(ConstScoreQuery::new(q, self.ranking.key)));
                    expansion.variants.push(written);
                }
            }
        }
        let mut spellings = 1 + expansion.variants.len();
        // One word: a name's other scripts, and the word's forms in its languages.
        if let [word] = main.as_slice() {
            if expansion.name {
                let keys: Vec<String> = crate::key::other_script_keys(word)
                    .into_iter()
                    .filter(|k| self.searcher.doc_freq(&Term::from_field_text(self.fields.names, k)).unwrap_or(0) > 0)
                    .collect();
                if !keys.is_empty() {
                    let clauses = keys
                        .iter()
                        .map(|k| {
                            let t = Term::from_field_text(self.fields.names, k);
                            Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs)) as Box<dyn Query>
                        })
                        .collect();
                    others
                        .push(Box::new(BoostQuery::new(best_of(clauses, self.ranking.spelling_tie), self.ranking.key)));
                    expansion.key = keys.first().map(|k| k[2..].to_string());
                    spellings += keys.len();
                }
            }
            let kind = if expansion.name { crate::expand::Kind::Name } else { crate::expand::Kind::Common };
            let langs = match &self.query_lang {
                Some(l) => vec![l.clone()],
                None => widener.languages(word)?,
            };
            for lang in langs {
                let forms = widener.forms(word, &lang, kind)?;
                if forms.is_empty() {
                    continue;
                }
                let mut per: Vec<Box<dyn Query>> = Vec::new();
                for f in &forms {
                    let mut in_fields: Vec<Box<dyn Query>> = Vec::new();
                    for &(fld, boost) in &fields {
                        let q = TermQuery::new(Term::from_field_text(fld, f), IndexRecordOption::WithFreqs);
                        in_fields.push(if boost == 1.0 {
                            Box::new(q)
                        } else {
                            Box::new(BoostQuery::new(Box::new(q), boost))
                        });
                    }
                    per.push(best_of(in_fields, self.ranking.field_tie));
                }
                others.push(Box::new(BoostQuery::new(
                    self.in_lang(best_of(per, self.ranking.spelling_tie), &lang),
                    self.ranking.stem,
                )));
                spellings += forms.len();
                expansion.forms.push(crate::expand::Forms { lang, words: forms });
            }
        }
        self.spend_spellings(text, spellings)?;
        if others.is_empty() {
            return Ok(Some(base));
        }
        let widened = one_of(others.iter().map(|q| q.box_clone()).collect());
        self.widened.push(Widened { exact: base.box_clone(), others: widened });
        self.expansions.push(expansion);
        let mut all = vec![base];
        all.extend(others);
        Ok(Some(best_of(all, self.ranking.spelling_tie)))
    }

    fn prefix(&mut self, field: Option<QField>, text: &str) -> Result<Option<Box<dyn Query>>> {
        let tokens = self.tokens(text);
        let [(token, _)] = tokens.as_slice() else {
            return Err(IndexError::Query(format!("prefix {text:?}* must be a single word")));
        };
        // Count what the prefix matches before tantivy reads every match's postings (which
        // it does while building the scorer, where no deadline can stop it).
        let fields = self.text_fields(field)?;
        let allowed = self.limits.max_prefix_terms;
        let mut matched = 0u64;
        for &(f, _) in &fields {
            matched += self.count_prefixed(f, token, allowed - matched.min(allowed))?;
            if matched > allowed {
                return Err(IndexError::Refused(TooCostly::new(Limit::PrefixTerms, text, matched, allowed)));
            }
        }
        // The terms that start with the prefix are one range of the term dictionary:
        // [prefix, prefix + 0xFF), as no UTF-8 text holds the byte 0xFF. (A regular
        // expression `prefix.*` matched the same terms, but compiling its automaton cost
        // more than the rest of the query: half of a watch run's time in a profile.)
        let mut per_field: Vec<Box<dyn Query>> = Vec::new();
        for (f, boost) in fields {
            let lower = Term::from_field_text(f, token);
            let mut upper = lower.clone();
            upper.append_bytes(&[0xFF]);
            let q = InvertedIndexRangeQuery::new(Bound::Included(lower), Bound::Excluded(upper));
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

    /// Documents committed in batches `first..=last` (the `seq` field); never scores.
    pub(crate) fn batch_range(&self, first: u64, last: u64) -> Box<dyn Query> {
        let term = |seq: u64| Term::from_field_u64(self.fields.seq, seq);
        let q = RangeQuery::new(Bound::Included(term(first)), Bound::Included(term(last)));
        Box::new(ConstScoreQuery::new(Box::new(q), 0.0))
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

/// The best of `qs` plus `tie` × the rest (1: their sum, as [`one_of`]).
fn best_of(qs: Vec<Box<dyn Query>>, tie: f32) -> Box<dyn Query> {
    if tie == 1.0 || qs.len() < 2 {
        return one_of(qs);
    }
    Box::new(DisjunctionMaxQuery::with_tie_breaker(qs, tie))
}

/// Whether `t` is one Chinese character or kana: a character the tokenizer also gives
/// alone beside its bigrams.
fn one_cjk_char(t: &str) -> bool {
    let mut c = t.chars();
    c.next().is_some_and(crate::tokenizer::is_cjk) && c.next().is_none()
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A word typed as a name: its first letter is a capital.
fn typed_as_name(text: &str) -> bool {
    text.chars().find(|c| c.is_alphabetic()).is_some_and(char::is_uppercase)
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
