//! Fields and analyzers.
//!
//! | field | kind | for |
//! |---|---|---|
//! | `doc` | u64, indexed, fast, stored | the document id as a number |
//! | `ids` | raw strings | `id:` queries: the hex id and any id the source gave |
//! | `title`, `body` | text, positions, stored | BM25 search, phrases, snippets |
//! | `title_stem`, `body_stem` | text, frequencies | the words stemmed in the document's language |
//! | `title_key`, `body_key` | text, frequencies | the words' sound keys (spellings across scripts) |
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
use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, TextAnalyzer, TextAnalyzerBuilder, Tokenizer};

use crate::analysis::{Fold, deaccented, script_folded};
use crate::tokenizer::{Nfkc, WordTokenizer};

use crate::{IndexError, Result};

/// Version of the field layout and analyzers. An index with another version is rebuilt by
/// `newsdex reindex` (the engine checks it on open).
/// 3: the stem fields are tokenized by [`STEM_ANALYZER`] from tagged text instead of
/// being given pre-tokenized (same terms, a tenth of the memory).
pub const INDEX_LAYOUT: u32 = 3;

/// Analyzer for article text: words ([`WordTokenizer`]: CJK as bigrams and dictionary
/// words, Thai and its neighbours by ICU), compatibility forms normalised (NFKC),
/// lower-cased, script spellings folded ([`fold_script`]), Latin accents dropped.
pub const TEXT_ANALYZER: &str = "newsdex_text";
/// The same without dropping accents: what stemmers are given.
pub const UNFOLDED_ANALYZER: &str = "newsdex_unfolded";
/// Sound keys of words ([`crate::key`]).
pub const KEY_ANALYZER: &str = "newsdex_key";
/// Words stemmed in the language their text is tagged with ([`crate::analysis::stem_input`]).
pub const STEM_ANALYZER: &str = "newsdex_stem";

/// Handles on every field.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub doc: Field,
    pub ids: Field,
    pub title: Field,
    pub body: Field,
    pub title_stem: Field,
    pub body_stem: Field,
    pub title_key: Field,
    pub body_key: Field,
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
    let freqs = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let fields = Fields {
        doc: b.add_u64_field("doc", INDEXED | FAST | STORED),
        ids: b.add_text_field("ids", STRING),
        title: b.add_text_field("title", text(true)),
        body: b.add_text_field("body", text(true)),
        title_stem: b.add_text_field("title_stem", freqs(STEM_ANALYZER)),
        body_stem: b.add_text_field("body_stem", freqs(STEM_ANALYZER)),
        title_key: b.add_text_field("title_key", freqs(KEY_ANALYZER)),
        body_key: b.add_text_field("body_key", freqs(KEY_ANALYZER)),
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
            title_stem: f("title_stem")?,
            body_stem: f("body_stem")?,
            title_key: f("title_key")?,
            body_key: f("body_key")?,
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

/// What every text analyzer starts with: words, capped in length, NFKC, lower case, and
/// one spelling per script.
fn unfolded_words() -> TextAnalyzerBuilder<impl Tokenizer> {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(Nfkc)
        .filter(LowerCaser)
        .filter(Fold(script_folded))
}

/// The analyzer for article text (see [`TEXT_ANALYZER`]).
pub(crate) fn text_analyzer() -> TextAnalyzer {
    unfolded_words().filter(Fold(deaccented)).build()
}

/// See [`UNFOLDED_ANALYZER`].
pub(crate) fn unfolded_analyzer() -> TextAnalyzer {
    unfolded_words().build()
}

/// See [`KEY_ANALYZER`]: the text analyzer's words, each as its sound key.
pub(crate) fn key_analyzer() -> TextAnalyzer {
    unfolded_words().filter(Fold(deaccented)).filter(Fold(crate::key::keyed)).build()
}

pub(crate) fn register_analyzers(index: &Index) {
    index.tokenizers().register(TEXT_ANALYZER, text_analyzer());
    index.tokenizers().register(UNFOLDED_ANALYZER, unfolded_analyzer());
    index.tokenizers().register(KEY_ANALYZER, key_analyzer());
    index
        .tokenizers()
        .register(STEM_ANALYZER, TextAnalyzer::from(crate::analysis::StemTokenizer { unfolded: unfolded_analyzer() }));
}
