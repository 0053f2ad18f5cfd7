//! Adding documents and committing them with the batch number.

use newsdex_core::Article;
use tantivy::query::RangeQuery;
use tantivy::schema::Term;

use tantivy::{DateTime, Index, TantivyDocument};

use crate::{Fields, Result};

/// Most bytes of an article's text that are indexed (the rest is kept and shown, not
/// searched; the engine records a warning on such a document). Indexing costs memory by
/// distinct words, and a hostile text of random words (five million of them in 30 MB)
/// took 900 MB; real articles are a thousandth of this.
pub const MAX_INDEXED_BODY: usize = 8 << 20;

/// The part of `body` that is indexed: at most [`MAX_INDEXED_BODY`] bytes, cut at a
/// character boundary.
pub fn indexed_body(body: &str) -> &str {
    &body[..body.floor_char_boundary(MAX_INDEXED_BODY)]
}

/// Adds articles to the index. Nothing is visible or durable until [`IndexWriter::commit`].
pub struct IndexWriter {
    writer: tantivy::IndexWriter<TantivyDocument>,
    fields: Fields,
}

impl std::fmt::Debug for IndexWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexWriter").finish_non_exhaustive()
    }
}

impl IndexWriter {
    pub(crate) fn new(index: &Index, fields: Fields, threads: usize, memory_bytes: usize) -> Result<IndexWriter> {
        let writer = index.writer_with_num_threads(threads.max(1), memory_bytes.max(15_000_000 * threads.max(1)))?;
        Ok(IndexWriter { writer, fields })
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
        let body = indexed_body(&article.body);
        // A title taken from the text is not searched as a title: its words would count
        // twice, once with a short field's length normalisation (on TIME, where every
        // article's first 200 characters stood in, Lucene given the same lost 0.08 nDCG@10).
        // It is shown from the text's first line ([`crate::search`]).
        doc.add_text(f.title, if article.title_from_body() { "" } else { article.title.as_str() });
        doc.add_text(f.body, body);
        doc.add_text(f.names, body);
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
            if article.warnings.iter().any(|w| w.code == "date-guessed") {
                doc.add_u64(f.date_guessed, 1);
            }
        }
        doc.add_text(f.source, source);
        doc.add_u64(f.seq, seq);
        self.writer.add_document(doc)?;
        Ok(())
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
