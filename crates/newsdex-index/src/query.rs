//! From the query language's AST ([`newsdex_query::Node`]) to tantivy queries.
//!
//! Words are run through the same analyzer as the documents; a word that analyzes to
//! several tokens (`al-Qaeda`, `U.S.`) becomes a phrase. Unfielded words search the title
//! (boosted ×[`TITLE_BOOST`]) and the body. Filters (language, outlet, dates) never change
//! scores.

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

use crate::{Fields, IndexError, Result};

/// Weight of a title match relative to a body match.
pub const TITLE_BOOST: f32 = 2.0;

pub(crate) struct Translator {
    fields: Fields,
    analyzer: TextAnalyzer,
}

impl Translator {
    pub(crate) fn new(index: &Index, fields: Fields) -> Result<Translator> {
        let analyzer = index.tokenizer_for_field(fields.body)?;
        Ok(Translator { fields, analyzer })
    }

    fn tokens(&mut self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut stream = self.analyzer.token_stream(text);
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    /// Translate `node`. `None` means the node matches nothing useful on its own (a word of
    /// only punctuation), and the caller drops it.
    pub(crate) fn translate(&mut self, node: &Node) -> Result<Option<Box<dyn Query>>> {
        Ok(match node {
            Node::All => Some(Box::new(AllQuery)),
            Node::Term { field, text, .. } => self.words(*field, text, 0)?,
            Node::Phrase { field, text, slop, .. } => self.words(*field, text, *slop)?,
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

    fn words(&mut self, field: Option<QField>, text: &str, slop: u32) -> Result<Option<Box<dyn Query>>> {
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
        if tokens.is_empty() {
            return Ok(None);
        }
        let mut per_field: Vec<Box<dyn Query>> = Vec::new();
        for (f, boost) in self.text_fields(field)? {
            let q: Box<dyn Query> = if tokens.len() == 1 {
                Box::new(TermQuery::new(Term::from_field_text(f, &tokens[0]), IndexRecordOption::WithFreqs))
            } else {
                let terms = tokens.iter().enumerate().map(|(i, t)| (i, Term::from_field_text(f, t))).collect();
                Box::new(PhraseQuery::new_with_offset_and_slop(terms, slop))
            };
            per_field.push(if boost == 1.0 { q } else { Box::new(BoostQuery::new(q, boost)) });
        }
        Ok(Some(one_of(per_field)))
    }

    fn prefix(&mut self, field: Option<QField>, text: &str) -> Result<Option<Box<dyn Query>>> {
        let tokens = self.tokens(text);
        let [token] = tokens.as_slice() else {
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
            if let Some(q) = self.words(Some(field), v, 0)? {
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
