//! Where a query's words are in one document's title and text, for showing the whole
//! document with them marked (the article page): every word the search matched, as
//! typed, as another spelling, as a word form of the document's language or, for a name,
//! by its transliteration. The query is translated as for the search, and the text is
//! analyzed by the same analyzers as the fields those words were searched in, so what is
//! marked is what matched; a word form searched only in another language's documents is
//! not marked.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use tantivy::schema::Field;
use tantivy::snippet::collapse_overlapped_ranges;
use tantivy::tokenizer::TextAnalyzer;

use crate::{Result, SearchIndex, SearchRequest, schema};

/// Byte ranges of a text, sorted and not overlapping.
pub type Marks = Vec<Range<usize>>;

impl SearchIndex {
    /// Byte ranges of `title` and of `body` (a document in language `lang`) that match
    /// `req`'s query: sorted, never overlapping, empty when nothing matches.
    pub fn highlights(
        &self,
        req: &SearchRequest<'_>,
        lang: Option<&str>,
        title: &str,
        body: &str,
    ) -> Result<(Marks, Marks)> {
        let searcher = self.reader.searcher();
        let built = self.build(req, &searcher, req.expand)?;
        let mut terms: HashMap<Field, HashSet<String>> = HashMap::new();
        built.query.query_terms(&mut |term, _| {
            if let Some(text) = term.value().as_str() {
                terms.entry(term.field()).or_default().insert(text.to_string());
            }
        });
        // Words as the index holds them (lower case, folded): what the terms are compared with.
        let analyzed = |words: &mut dyn Iterator<Item = &str>| {
            let mut t = HashSet::new();
            let mut a = schema::text_analyzer();
            for w in words {
                let mut s = a.token_stream(w);
                while s.advance() {
                    t.insert(s.token().text.clone());
                }
            }
            t
        };
        // Word forms searched only in other languages' documents did not match this one;
        // spellings (variants) were searched in every language.
        let mut foreign: HashSet<&str> = HashSet::new();
        let mut own: HashSet<String> = HashSet::new();
        for e in &built.expansions {
            own.extend(analyzed(&mut e.variants.iter().map(String::as_str)));
            for f in &e.forms {
                if Some(f.lang.as_str()) == lang {
                    own.extend(f.words.iter().cloned());
                } else {
                    foreign.extend(f.words.iter().map(String::as_str));
                }
            }
        }
        let typed = analyzed(&mut req.query.positive_terms().into_iter().map(|t| t.text));
        let matched = |field: Field, word: &str| {
            terms.get(&field).is_some_and(|w| w.contains(word))
                && (typed.contains(word) || own.contains(word) || !foreign.contains(word))
        };
        let f = &self.fields;
        let mark = |text: &str, field: Field, names: Option<Field>| {
            let mut out: Marks = Vec::new();
            let mut add = |mut analyzer: TextAnalyzer, field: Field| {
                let mut tokens = analyzer.token_stream(text);
                while tokens.advance() {
                    let t = tokens.token();
                    if matched(field, &t.text) {
                        out.push(t.offset_from..t.offset_to);
                    }
                }
            };
            add(schema::text_analyzer(), field);
            if let Some(names) = names {
                add(schema::names_analyzer(), names);
            }
            collapse_overlapped_ranges(&out)
        };
        Ok((mark(title, f.title, None), mark(body, f.body, Some(f.names))))
    }
}

#[cfg(test)]
mod tests {
    use crate::SearchRequest;
    use crate::testdata::{index, reports};

    #[test]
    fn every_match_in_a_whole_text_is_marked_as_typed_or_as_a_form_of_its_language() {
        let (articles, _) = reports();
        let tmp = tempfile::tempdir().unwrap();
        let index = index(tmp.path(), &articles);
        let q = newsdex_query::parse("harvests report", newsdex_query::DefaultOp::And).unwrap();
        let req = SearchRequest::new(&q);
        let body = "Report number 3 on the harvest, and the Harvest; reporting harvested.";
        let (title, marks) = index.highlights(&req, Some("en"), "Report 3", body).unwrap();
        assert_eq!(title, std::slice::from_ref(&(0..6)));
        let words: Vec<&str> = marks.iter().map(|r| &body[r.clone()]).collect();
        // `harvests` is widened to the English forms the archive holds (`harvest`); forms no
        // indexed document holds (`reporting`, `harvested`) were not searched, so not marked.
        assert_eq!(words, ["Report", "harvest", "Harvest"], "{marks:?}");
        // A document of another language (or none) was not searched with English forms.
        let (_, marks) = index.highlights(&req, None, "", body).unwrap();
        let words: Vec<&str> = marks.iter().map(|r| &body[r.clone()]).collect();
        assert_eq!(words, ["Report"], "{marks:?}");
        let (_, marks) = index.highlights(&req, Some("de"), "", body).unwrap();
        let words: Vec<&str> = marks.iter().map(|r| &body[r.clone()]).collect();
        assert_eq!(words, ["Report"], "{marks:?}");
        let (_, none) = index.highlights(&req, Some("en"), "", "Nothing to see here.").unwrap();
        assert!(none.is_empty());
    }
}
