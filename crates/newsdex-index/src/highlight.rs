//! Where a query's words are in one document's title and text, for showing the whole
//! document with them marked (the article page): every word the search matched, whether
//! as typed, as another spelling, by its stem in the document's language or by its sound
//! key. The query is translated as for the search, and the text is analyzed by the same
//! analyzers as the fields those words were searched in, so what is marked is what
//! matched.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use tantivy::schema::Field;
use tantivy::snippet::collapse_overlapped_ranges;
use tantivy::tokenizer::TextAnalyzer;

use crate::analysis::{StemTokenizer, stem_input, stemmer_for};
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
        let (query, _) = self.build(req, &searcher)?;
        let mut terms: HashMap<Field, HashSet<String>> = HashMap::new();
        query.query_terms(&mut |term, _| {
            if let Some(text) = term.value().as_str() {
                terms.entry(term.field()).or_default().insert(text.to_string());
            }
        });
        let f = &self.fields;
        let mark = |text: &str, exact: Field, stem: Field, key: Field| {
            let mut out: Marks = Vec::new();
            let mut add = |mut analyzer: TextAnalyzer, field: Field, input: &str| {
                let Some(wanted) = terms.get(&field) else { return };
                let mut tokens = analyzer.token_stream(input);
                while tokens.advance() {
                    let t = tokens.token();
                    if wanted.contains(&t.text) {
                        out.push(t.offset_from..t.offset_to);
                    }
                }
            };
            add(schema::text_analyzer(), exact, text);
            add(schema::key_analyzer(), key, text);
            if let Some(lang) = lang.filter(|l| stemmer_for(l).is_some()) {
                // The stem analyzer reads the language from a tag before the text; its
                // offsets are in the text after the tag.
                let stems = TextAnalyzer::from(StemTokenizer { unfolded: schema::unfolded_analyzer() });
                add(stems, stem, &stem_input(lang, text));
            }
            collapse_overlapped_ranges(&out)
        };
        Ok((mark(title, f.title, f.title_stem, f.title_key), mark(body, f.body, f.body_stem, f.body_key)))
    }
}

#[cfg(test)]
mod tests {
    use crate::SearchRequest;
    use crate::testdata::{index, reports};

    #[test]
    fn every_match_in_a_whole_text_is_marked_as_typed_by_stem_or_sound() {
        let (articles, _) = reports();
        let tmp = tempfile::tempdir().unwrap();
        let index = index(tmp.path(), &articles);
        let q = newsdex_query::parse("harvests report", newsdex_query::DefaultOp::And).unwrap();
        let req = SearchRequest::new(&q);
        let body = "Report number 3 on the harvest, and the Harvest; reporting harvested.";
        let (title, marks) = index.highlights(&req, Some("en"), "Report 3", body).unwrap();
        assert_eq!(title, std::slice::from_ref(&(0..6)));
        let words: Vec<&str> = marks.iter().map(|r| &body[r.clone()]).collect();
        // `harvests` is searched by its English stem: every form of it is marked.
        assert_eq!(words, ["Report", "harvest", "Harvest", "reporting", "harvested"], "{marks:?}");
        // Without a language, no stems: only what is written as searched.
        let (_, marks) = index.highlights(&req, None, "", body).unwrap();
        let words: Vec<&str> = marks.iter().map(|r| &body[r.clone()]).collect();
        assert_eq!(words, ["Report"], "{marks:?}");
        let (_, none) = index.highlights(&req, Some("en"), "", "Nothing to see here.").unwrap();
        assert!(none.is_empty());
    }
}
