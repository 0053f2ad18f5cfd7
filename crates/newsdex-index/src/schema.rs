//! Fields and analyzers.
//!
//! | field | kind | for |
//! |---|---|---|
//! | `doc` | u64, indexed, fast, stored | the document id as a number |
//! | `ids` | raw strings | `id:` queries: the hex id and any id the source gave |
//! | `title` | text, positions, stored | BM25 search, phrases, the title shown |
//! | `body` | text, positions | BM25 search, phrases (the text is read from the document store, [`crate::Texts`]) |
//! | `names` | text, frequencies | the keys of the body's name-like words ([`crate::key`]): names across scripts, and whether a word is a name |
//! | `outlet` | text, stored | `outlet:` queries (case-insensitive, word-wise) |
//! | `outlet_facet` | raw string, fast | exact outlet for facets |
//! | `url` | text, stored | `url:` queries by host or path words |
//! | `lang` | raw string, fast, stored | language filter and facet |
//! | `published` | date, indexed, fast, stored | date ranges, histograms |
//! | `published_text` | stored | the date as the source gave it (time zone kept) |
//! | `source` | stored | the input path or URL it was read from |
//! | `seq` | u64, indexed, fast | the batch that added it (crash recovery; snapshots: kept by a reindex) |

use tantivy::Index;
use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};
use tantivy::tokenizer::{LowerCaser, TextAnalyzer, TextAnalyzerBuilder, Tokenizer};

use crate::analysis::{Fold, Marked, deaccented, script_folded, short_enough};
use crate::tokenizer::{Nfkc, WordTokenizer};

use crate::{IndexError, Result};

/// Version of the field layout and analyzers. An index with another version is rebuilt by
/// `newsdex reindex` (the engine checks it on open).
///
/// 3: the stemmed and sound-key fields are gone (word forms are found in the term
/// dictionary at query time, in the language of the documents, see [`crate::expand`]);
/// `names` holds the keys of name-like words.
/// 4: `date_guessed` marks articles whose date was guessed rather than read from their
/// metadata, so that the coverage counts can say how many such dates they hold.
/// 5: Vietnamese syllables are indexed with their marks beside the unmarked spelling; a
/// title taken from the text is not indexed as a title; text in capitals has no names.
/// 6: each character of a Chinese or Japanese run is also indexed alone, beside its
/// bigrams; the longest word indexed is counted in characters, not bytes
/// ([`crate::analysis::short_enough`]).
pub const INDEX_LAYOUT: u32 = 6;

/// Name of the fast field marking guessed dates.
pub(crate) const DATE_GUESSED: &str = "date_guessed";

/// Analyzer for article text: words ([`WordTokenizer`]: CJK as bigrams and dictionary
/// words, Thai and its neighbours by ICU), compatibility forms normalised (NFKC),
/// lower-cased, script spellings folded ([`fold_script`]), Latin accents dropped (a
/// Vietnamese syllable also kept with its marks, [`crate::analysis::Marked`]).
pub const TEXT_ANALYZER: &str = "newsdex_text";
/// The same without dropping accents: what stemmers are given.
pub const UNFOLDED_ANALYZER: &str = "newsdex_unfolded";
/// Keys of the name-like words of a text ([`crate::key`]).
pub const NAMES_ANALYZER: &str = "newsdex_names";

/// Handles on every field.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub doc: Field,
    pub ids: Field,
    pub title: Field,
    pub body: Field,
    pub names: Field,
    pub outlet: Field,
    pub outlet_facet: Field,
    pub url: Field,
    pub lang: Field,
    pub published: Field,
    pub published_text: Field,
    pub source: Field,
    pub seq: Field,
    /// 1 when the article's date was guessed (from its text or address), absent otherwise.
    pub date_guessed: Field,
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
        body: b.add_text_field("body", text(false)),
        names: b.add_text_field("names", freqs(NAMES_ANALYZER)),
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
        date_guessed: b.add_u64_field(DATE_GUESSED, FAST),
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
            names: f("names")?,
            outlet: f("outlet")?,
            outlet_facet: f("outlet_facet")?,
            url: f("url")?,
            lang: f("lang")?,
            published: f("published")?,
            published_text: f("published_text")?,
            source: f("source")?,
            seq: f("seq")?,
            date_guessed: f(DATE_GUESSED)?,
        })
    }
}

/// What every text analyzer starts with: words, capped in length, NFKC, lower case, and
/// one spelling per script.
fn unfolded_words() -> TextAnalyzerBuilder<impl Tokenizer> {
    words_from(WordTokenizer::default())
}

fn words_from(tokenizer: WordTokenizer) -> TextAnalyzerBuilder<impl Tokenizer> {
    TextAnalyzer::builder(tokenizer)
        .filter(Fold(short_enough))
        .filter(Nfkc)
        .filter(LowerCaser)
        .filter(Fold(script_folded))
}

/// The analyzer for article text (see [`TEXT_ANALYZER`]).
pub(crate) fn text_analyzer() -> TextAnalyzer {
    unfolded_words().filter(Marked).build()
}

/// The text analyzer without the dictionary words of Chinese and Japanese (see
/// [`WordTokenizer::without_dictionary`]): the same tokens at each position first, for
/// what compares spellings by them (the variants file, read at every opening).
pub(crate) fn main_tokens_analyzer() -> TextAnalyzer {
    words_from(WordTokenizer::without_dictionary()).filter(Marked).build()
}

/// See [`UNFOLDED_ANALYZER`].
pub(crate) fn unfolded_analyzer() -> TextAnalyzer {
    unfolded_words().build()
}

/// See [`NAMES_ANALYZER`]: name-like words, each as its key.
pub(crate) fn names_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(crate::key::NameWords::default())
        .filter(Fold(short_enough))
        .filter(Nfkc)
        .filter(LowerCaser)
        .filter(Fold(script_folded))
        .filter(Fold(deaccented))
        .filter(Fold(crate::key::keyed))
        .build()
}

pub(crate) fn register_analyzers(index: &Index) {
    index.tokenizers().register(TEXT_ANALYZER, text_analyzer());
    index.tokenizers().register(UNFOLDED_ANALYZER, unfolded_analyzer());
    index.tokenizers().register(NAMES_ANALYZER, names_analyzer());
}
