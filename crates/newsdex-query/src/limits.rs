//! What one query may cost: every limit in one place ([`QueryLimits`]), and the typed
//! refusal ([`TooCostly`]) that says what was too much and what the limit is.
//!
//! A search engine open to anyone must not let one request take the machine: a 45-byte
//! sloppy phrase once passed 3 GB (issue #14). So every query is checked against a budget
//! *before* it runs. The parser checks what it can see in the text (length, nesting,
//! clauses, slop); `newsdex-index` checks what needs the analyzers or the index (phrase
//! cost after analysis, spellings a word is widened to, words a prefix matches) and
//! bounds facet work; the engine adds a wall-clock deadline.
//!
//! The defaults were chosen from measurements (see each field): no query of the Reuters
//! query log (`bench/queries/reuters.txt`), of the CISI and Cranfield query sets, or of
//! the test suites comes near any of them.

use std::fmt;

/// Longest query accepted, in bytes (default of [`QueryLimits::max_bytes`]).
pub const MAX_QUERY_BYTES: usize = 4096;
/// Deepest nesting of groups (default of [`QueryLimits::max_depth`]).
pub const MAX_DEPTH: usize = 32;
/// Most words, phrases, prefixes and ranges in one query (default of
/// [`QueryLimits::max_clauses`]).
pub const MAX_CLAUSES: usize = 1024;
/// Largest `~N` after a phrase (default of [`QueryLimits::max_slop`]).
pub const MAX_SLOP: u32 = 100;

/// Budgets for one query. [`QueryLimits::default`] is what the CLI and the server use;
/// a caller may loosen or tighten any of them (e.g. a trusted batch job).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueryLimits {
    /// Longest query, in bytes. Default 4,096: the longest real query measured is a CISI
    /// request of 2,023 bytes.
    pub max_bytes: usize,
    /// Deepest nesting of groups after normalisation. Default 32 (real queries: 2).
    pub max_depth: usize,
    /// Most words, phrases, prefixes and date ranges, as written. Default 1,024: the
    /// longest real query measured has 334 words (CISI, searched as a bag of words).
    pub max_clauses: usize,
    /// Largest slop after a phrase (`"a b"~N`). Default 100; at most 255 (tantivy carries
    /// a phrase's spent slop in a byte).
    pub max_slop: u32,
    /// Most a sloppy phrase may cost, counted as `(words − 3) × slop` over its words as
    /// indexed (phrases of up to three words cost nothing). Default 100. Why this
    /// measure: tantivy's sloppy phrase matching re-lists every in-window position of
    /// each word from the fourth on, so its work grows with slop to the power of the
    /// words beyond the third; `newsdex-index`'s `query` module has the measurements.
    /// At 100, the worst case on Reuters-21578 is 0.3 million positions (1.6 MB) for one
    /// document; the 45-byte query of issue #14 (10 words at slop 100) costs 700.
    pub max_phrase_cost: u64,
    /// Most all sloppy phrases of one query may cost together (each spelling of each
    /// phrase counts). Default 200.
    pub max_total_phrase_cost: u64,
    /// Most spellings one word is searched as: itself, its variants, its stems and its
    /// sound key. Default 64: real queries reach 8; the worst a builtin word can reach is
    /// 57 (the largest variant group has 23 spellings, and an archive in every language
    /// with a stemmer gives a word up to 33 stems).
    pub max_spellings_per_word: usize,
    /// Most spellings one query is searched as, all words together. Default 4,096: the
    /// most a real query reaches is 862 (a CISI request); the Reuters log's, 13.
    pub max_spellings: usize,
    /// Most words of the index a prefix (`uygh*`) may match, counted in the term
    /// dictionaries (title and body, every segment: what tantivy reads) before the search
    /// runs, since tantivy reads every match's postings while preparing a segment, where
    /// no deadline can stop it. Default 50,000: the Reuters log's prefixes match at most
    /// 99 on Reuters-21578, where `con*` matches 726 and `co*` 1,961.
    pub max_prefix_terms: u64,
    /// Outlets listed in the outlet facet; the matches of the others are summed as
    /// "other". Default 50.
    pub facet_outlets: u32,
    /// Memory the language and outlet facet counts may take, in bytes (tantivy's
    /// aggregation limit; an outlet costs a few bytes per segment). Default 256 MiB.
    pub max_facet_bytes: u64,
    /// When facets count stories or outlets: most distinct (facet value, story or outlet)
    /// pairs held while counting (about 100 bytes each at most). Default 1,000,000.
    /// Stories of one article are counted without being held, so when counting stories
    /// only matches that have copies count towards this.
    pub max_distinct_pairs: u64,
}

impl Default for QueryLimits {
    fn default() -> QueryLimits {
        QueryLimits {
            max_bytes: MAX_QUERY_BYTES,
            max_depth: MAX_DEPTH,
            max_clauses: MAX_CLAUSES,
            max_slop: MAX_SLOP,
            max_phrase_cost: 100,
            max_total_phrase_cost: 200,
            max_spellings_per_word: 64,
            max_spellings: 4096,
            max_prefix_terms: 50_000,
            facet_outlets: 50,
            max_facet_bytes: 256 << 20,
            max_distinct_pairs: 1_000_000,
        }
    }
}

/// Which limit a query went over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    PhraseCost,
    TotalPhraseCost,
    SpellingsPerWord,
    Spellings,
    PrefixTerms,
    FacetBytes,
    DistinctPairs,
}

impl Limit {
    /// The [`QueryLimits`] field that sets it.
    pub fn field(self) -> &'static str {
        match self {
            Limit::PhraseCost => "max_phrase_cost",
            Limit::TotalPhraseCost => "max_total_phrase_cost",
            Limit::SpellingsPerWord => "max_spellings_per_word",
            Limit::Spellings => "max_spellings",
            Limit::PrefixTerms => "max_prefix_terms",
            Limit::FacetBytes => "max_facet_bytes",
            Limit::DistinctPairs => "max_distinct_pairs",
        }
    }
}

/// A query refused because it would cost more than a limit allows. Its `Display` is a
/// sentence for the person who typed the query: what was too much, by how much, what the
/// limit is, and what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooCostly {
    pub limit: Limit,
    /// The part of the query at fault as typed (a phrase, a word, a prefix), if any.
    pub what: String,
    /// Words of the phrase, for [`Limit::PhraseCost`] (as indexed).
    pub words: usize,
    /// Slop of the phrase, for [`Limit::PhraseCost`].
    pub slop: u32,
    /// What the query would take (for a prefix, how far counting went: a lower bound).
    pub found: u64,
    /// The limit.
    pub allowed: u64,
}

impl TooCostly {
    pub fn new(limit: Limit, what: impl Into<String>, found: u64, allowed: u64) -> TooCostly {
        TooCostly { limit, what: what.into(), words: 0, slop: 0, found, allowed }
    }
}

/// `text` shortened to about 60 characters for a message.
fn short(text: &str) -> String {
    let mut words: Vec<&str> = text.split_whitespace().collect();
    let long = text.chars().count() > 60;
    if long && words.len() > 6 {
        let tail = words.split_off(words.len() - 2);
        words.truncate(3);
        return format!("{} … {}", words.join(" "), tail.join(" "));
    }
    if long {
        let cut: String = text.chars().take(57).collect();
        return format!("{cut}…");
    }
    text.to_string()
}

impl fmt::Display for TooCostly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (found, allowed) = (self.found, self.allowed);
        let what = short(&self.what);
        match self.limit {
            Limit::PhraseCost => write!(
                f,
                "the phrase \"{what}\"~{slop} is too costly to search: {words} words within {slop} positions cost \
                 ({words} − 3) × {slop} = {found}, and the limit is {allowed}. Phrases of up to 3 words may use \
                 any ~N; use fewer words or a smaller ~N",
                slop = self.slop,
                words = self.words,
            ),
            Limit::TotalPhraseCost => write!(
                f,
                "the query's phrases with ~N are too costly together: they cost {found} (each phrase (words − 3) × \
                 slop), and the limit is {allowed}; use fewer or shorter phrases, or smaller ~N"
            ),
            Limit::SpellingsPerWord => write!(
                f,
                "\"{what}\" would be searched as {found} spellings (itself, other spellings, stems and its sound key), \
                 and the limit is {allowed}; search =\"{what}\" (or without expansion) for the word as written"
            ),
            Limit::Spellings => write!(
                f,
                "the query would be searched as {found} spellings (words with their other spellings, stems and \
                 sound keys), and the limit is {allowed}; use fewer words, or search without expansion"
            ),
            Limit::PrefixTerms => write!(
                f,
                "the prefix {what}* matches more than {allowed} words in this archive (the limit); type more letters \
                 before the *"
            ),
            Limit::FacetBytes => write!(
                f,
                "counting the matches by language and outlet would take more than {} (the limit); narrow the query \
                 or search without facets",
                if allowed >= 1 << 20 { format!("{} MB", allowed >> 20) } else { format!("{allowed} bytes") }
            ),
            Limit::DistinctPairs => write!(
                f,
                "counting distinct stories or outlets over these matches would hold more than {allowed} (value, \
                 story or outlet) pairs (the limit); count articles instead, or narrow the query"
            ),
        }
    }
}

impl std::error::Error for TooCostly {}
