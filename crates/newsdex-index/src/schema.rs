//! Fields and analyzers.
//!
//! | field | kind | for |
//! |---|---|---|
//! | `doc` | u64, indexed, fast, stored | the document id as a number |
//! | `ids` | raw strings | `id:` queries: the hex id and any id the source gave |
//! | `title`, `body` | text, positions, stored | BM25 search, phrases, snippets |
//! | `outlet` | text, stored | `outlet:` queries (case-insensitive, word-wise) |
//! | `outlet_facet` | raw string, fast | exact outlet for facets |
//! | `url` | text, stored | `url:` queries by host or path words |
//! | `lang` | raw string, fast, stored | language filter and facet |
//! | `published` | date, indexed, fast, stored | date ranges, histograms |
//! | `published_text` | stored | the date as the source gave it (time zone kept) |
//! | `source` | stored | the input path or URL it was read from |
//! | `seq` | u64, indexed, fast | the batch that added it (crash recovery) |

use tantivy::Index;
use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RemoveLongFilter, TextAnalyzer};

use crate::tokenizer::{Nfkc, WordTokenizer};

use crate::{IndexError, Result};

/// Version of the field layout and analyzers. An index with another version is rebuilt by
/// `newsdex reindex` (the engine checks it on open).
pub const INDEX_LAYOUT: u32 = 1;

/// Analyzer for article text: words ([`WordTokenizer`]: CJK as bigrams), compatibility
/// forms normalised (NFKC), lower-cased, accents folded.
pub const TEXT_ANALYZER: &str = "newsdex_text";

/// Handles on every field.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub doc: Field,
    pub ids: Field,
    pub title: Field,
    pub body: Field,
    pub outlet: Field,
    pub outlet_facet: Field,
    pub url: Field,
    pub lang: Field,
    pub published: Field,
    pub published_text: Field,
    pub source: Field,
    pub seq: Field,
}

pub(crate) fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |stored: bool| {
        let idx = TextFieldIndexing::default()
            .set_tokenizer(TEXT_ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let o = TextOptions::default().set_indexing_options(idx);
        if stored { o.set_stored() } else { o }
    };
    let fields = Fields {
        doc: b.add_u64_field("doc", INDEXED | FAST | STORED),
        ids: b.add_text_field("ids", STRING),
        title: b.add_text_field("title", text(true)),
        body: b.add_text_field("body", text(true)),
        outlet: b.add_text_field("outlet", text(true)),
        outlet_facet: b.add_text_field("outlet_facet", STRING | FAST),
        url: b.add_text_field("url", text(true)),
        lang: b.add_text_field("lang", STRING | FAST | STORED),
        published: b.add_date_field(
            "published",
            DateOptions::from(INDEXED | STORED | FAST).set_precision(DateTimePrecision::Seconds),
        ),
        published_text: b.add_text_field("published_text", STORED),
        source: b.add_text_field("source", STORED),
        seq: b.add_u64_field("seq", INDEXED | FAST),
    };
    (b.build(), fields)
}

impl Fields {
    pub(crate) fn from_schema(schema: &Schema) -> Result<Fields> {
        let f = |name: &str| schema.get_field(name).map_err(|_| IndexError::Layout(format!("no field {name}")));
        Ok(Fields {
            doc: f("doc")?,
            ids: f("ids")?,
            title: f("title")?,
            body: f("body")?,
            outlet: f("outlet")?,
            outlet_facet: f("outlet_facet")?,
            url: f("url")?,
            lang: f("lang")?,
            published: f("published")?,
            published_text: f("published_text")?,
            source: f("source")?,
            seq: f("seq")?,
        })
    }
}

pub(crate) fn register_analyzers(index: &Index) {
    let analyzer = TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(Nfkc)
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    index.tokenizers().register(TEXT_ANALYZER, analyzer);
}
