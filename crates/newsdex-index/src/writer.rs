//! Adding documents and committing them with the batch number.

use newsdex_core::Article;
use tantivy::query::RangeQuery;
use tantivy::schema::Term;
use tantivy::tokenizer::{PreTokenizedString, TextAnalyzer, Token};
use tantivy::{DateTime, Index, TantivyDocument};

use crate::analysis::{deaccent, stemmer_for};
use crate::{Fields, Result};

/// Adds articles to the index. Nothing is visible or durable until [`IndexWriter::commit`].
pub struct IndexWriter {
    writer: tantivy::IndexWriter<TantivyDocument>,
    fields: Fields,
    /// What stemmers are given ([`crate::schema::UNFOLDED_ANALYZER`]).
    unfolded: TextAnalyzer,
}

impl std::fmt::Debug for IndexWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexWriter").finish_non_exhaustive()
    }
}

impl IndexWriter {
    pub(crate) fn new(index: &Index, fields: Fields, threads: usize, memory_bytes: usize) -> Result<IndexWriter> {
        let writer = index.writer_with_num_threads(threads.max(1), memory_bytes.max(15_000_000 * threads.max(1)))?;
        Ok(IndexWriter { writer, fields, unfolded: crate::schema::unfolded_analyzer() })
    }

    /// Queue `article`, read from `source` and added by batch `seq`.
    pub fn add(&self, article: &Article, source: &str, seq: u64) -> Result<()> {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.doc, article.id.as_u64());
        doc.add_text(f.ids, article.id.to_string());
        if let Some(serde_json::Value::String(ext)) = article.extra.get("id") {
            doc.add_text(f.ids, ext);
        }
        doc.add_text(f.title, &article.title);
        doc.add_text(f.body, &article.body);
        doc.add_text(f.title_key, &article.title);
        doc.add_text(f.body_key, &article.body);
        let lang = article.lang.as_deref();
        let title_lang = article.extra.get("title_lang").and_then(|v| v.as_str()).or(lang);
        if let Some(t) = self.stemmed(&article.title, title_lang) {
            doc.add_pre_tokenized_text(f.title_stem, t);
        }
        if let Some(t) = self.stemmed(&article.body, lang) {
            doc.add_pre_tokenized_text(f.body_stem, t);
        }
        if let Some(o) = &article.outlet {
            doc.add_text(f.outlet, o);
            doc.add_text(f.outlet_facet, o);
        }
        if let Some(u) = &article.url {
            doc.add_text(f.url, u);
        }
        if let Some(l) = &article.lang {
            doc.add_text(f.lang, l);
        }
        if let Some(p) = &article.published {
            doc.add_date(f.published, DateTime::from_timestamp_secs(p.timestamp()));
            doc.add_text(f.published_text, p.display());
        }
        doc.add_text(f.source, source);
        doc.add_u64(f.seq, seq);
        self.writer.add_document(doc)?;
        Ok(())
    }

    /// `text`'s words stemmed for `lang` (then without accents), if it has a stemmer.
    fn stemmed(&self, text: &str, lang: Option<&str>) -> Option<PreTokenizedString> {
        let stemmer = frostem::Stemmer::new(stemmer_for(lang?)?);
        let mut analyzer = self.unfolded.clone();
        let mut stream = analyzer.token_stream(text);
        let mut tokens: Vec<Token> = Vec::new();
        while stream.advance() {
            let t = stream.token();
            let stem = deaccent(&stemmer.stem(&t.text)).into_owned();
            tokens.push(Token { text: stem, ..t.clone() });
        }
        Some(PreTokenizedString { text: String::new(), tokens })
    }

    /// Remove every document added by batches after `seq` (used when the document store
    /// lost its last transactions in an OS crash and the index is ahead of it).
    pub fn delete_after(&self, seq: u64) -> Result<()> {
        let lower = Term::from_field_u64(self.fields.seq, seq + 1);
        let q = RangeQuery::new(std::ops::Bound::Included(lower), std::ops::Bound::Unbounded);
        self.writer.delete_query(Box::new(q))?;
        Ok(())
    }

    /// Make everything added so far durable and searchable, recorded as batch `seq`.
    pub fn commit(&mut self, seq: u64) -> Result<()> {
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(&seq.to_string());
        prepared.commit()?;
        Ok(())
    }

    /// Drop everything and start empty (reindex builds into a fresh directory instead).
    pub fn wait_merging_threads(self) -> Result<()> {
        self.writer.wait_merging_threads()?;
        Ok(())
    }
}
