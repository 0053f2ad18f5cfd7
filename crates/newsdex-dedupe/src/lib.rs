//! Stories: which articles are copies of one another, or reports of the same event.
//!
//! [`Grouper`] takes articles one at a time, in any order, and links each to those already
//! seen by three signals, strongest first:
//!
//! * **exact**: the same words in the same order once case, punctuation and spacing are
//!   ignored (a hash of the normalised text);
//! * **near**: estimated Jaccard similarity of word 5-gram shingles at or above
//!   [`Config::threshold`] (MinHash signatures in an LSH index, from the `gaoya` crate:
//!   a republisher that adds a line, trims the end or reorders paragraphs still shares most
//!   shingles);
//!   two rules keep shared furniture and templates from joining different articles: a
//!   short body ([`Config::short_words`]; mostly furniture when a blurb is in it) links
//!   only if the headlines agree ([`headlines_agree`]) or the texts are nearly the same
//!   ([`Config::short_threshold`]), and articles published days apart
//!   ([`Config::apart_secs`]: a template filled in again) only if nearly the same
//!   ([`Config::apart_threshold`]); and texts whose figures were *replaced* (each has
//!   [`Config::figures_replaced`] figures the other lacks: a table or market report filled
//!   in again with other prices) do not link at all, while a copy that only adds or cuts
//!   keeps its figures. Lines an outlet repeats are not compared at all: the engine
//!   strips learned boilerplate before grouping;
//! * **headline**: headlines sharing at least [`Config::headline_terms`] content words, the
//!   rarer ones weighing more, published within [`Config::window_secs`] of each other
//!   (same event, different wording; off when the article has no date). Off by default:
//!   measured on the UCI News Aggregator headlines it reaches B-cubed precision 0.36 at
//!   recall 0.62 (3 shared words) or 0.91 at 0.27 (4), and on Reuters-21578 it joins
//!   distinct same-day reports on one subject; see BENCHMARKS.md.
//!
//! A story is a connected component of these links, so the grouping does not depend on the
//! order articles arrive in (the rules look at the two articles of a link only). Its id
//! is its first member: the earliest published, ties broken by the smaller [`Item::seq`]
//! (ingest order), then the key; undated members come after dated ones, so the first is
//! *canonical* (decided by a date) only if it has one, else merely *first seen*. Every article points
//! straight at its story and every story of two or more lists its members, so a merge
//! reports exactly which earlier articles changed story ([`Added::moved`]) for the caller
//! to store.
//!
//! Text work ([`Preparer::prepare`]: words, shingles, MinHash) is separate from grouping
//! ([`Grouper::insert`]) so that it can run on many threads and be stored: a grouper is
//! rebuilt from stored [`Prepared`] values by [`Grouper::restore`] without reading text.
//!
//! Memory: per article the LSH index's 8 bits of each of its `bands × rows` MinHash values
//! and its bucket chains (about 320 bytes by default, `lsh.rs`), a column of each field
//! the link rules read (key, story, date, order, headline words as 32-bit hashes, and
//! for an article with figures at most [`FIGURE_SKETCH`] 16-bit figure hashes), and
//! hash tables from key to slot and from exact key to slot; measured in BENCHMARKS.md.

mod diff;
mod lsh;

pub use diff::{Change, ParagraphDiff, WordRun, diff_paragraphs, diff_words, paragraphs};

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::BuildHasherDefault;

use gaoya::minhash::{MinHasher, MinHasher32};
use rustc_hash::FxHashMap;

use crate::lsh::Lsh;

/// Tuning.
#[derive(Debug, Clone)]
pub struct Config {
    /// Words per shingle.
    pub shingle: usize,
    /// Estimated Jaccard similarity from which two texts are copies.
    pub threshold: f64,
    /// LSH bands × rows = MinHash values per signature.
    pub bands: usize,
    pub rows: usize,
    /// Headline words two headlines must share (0, the default, turns the headline signal off).
    pub headline_terms: usize,
    /// Seconds within which same-headline reports are one story.
    pub window_secs: i64,
    /// A compared body under this many words is *short*: a near link to or from it also
    /// needs the headlines to agree ([`headlines_agree`]) or a similarity of at least
    /// [`Config::short_threshold`] (0 turns the rule off). A short text is mostly its
    /// outlet's furniture when a shared blurb or template is in it: AG News ran one
    /// 29-word blurb under eight different headlines.
    pub short_words: usize,
    /// Least similarity for a near link to or from a short body whose headline does not
    /// agree.
    pub short_threshold: f64,
    /// Articles published more than this many seconds apart (both dated) need a
    /// similarity of at least [`Config::apart_threshold`] for a near link: a template
    /// filled in again days later (the Fed's daily "adds reserves via customer
    /// repurchases", a weekly price table) shares most of its words but is a new report.
    /// 0 turns the rule off.
    pub apart_secs: i64,
    /// Least similarity of a near link between articles [`Config::apart_secs`] apart.
    pub apart_threshold: f64,
    /// A near link needs the texts' figures to agree: it does not hold when each text
    /// has at least this many figures the other lacks (counted as [`figures_only`]
    /// counts), i.e. figures were *replaced*, not added or cut: a table or market
    /// report filled in again (USDA's "national average prices for farmer-owned
    /// reserve" two days apart, the same words around other prices). A copy cut short
    /// or with a republisher's lines added keeps its figures. 0 turns the rule off.
    pub figures_replaced: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            shingle: 5,
            threshold: 0.5,
            bands: 32,
            rows: 4,
            headline_terms: 0,
            window_secs: 2 * 86_400,
            short_words: SHORT_LINK_WORDS,
            short_threshold: SHORT_LINK_THRESHOLD,
            apart_secs: APART_SECS,
            apart_threshold: APART_THRESHOLD,
            figures_replaced: FIGURES_REPLACED,
        }
    }
}

/// One article.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    /// The caller's id for it (newsdex: the document id).
    pub key: u64,
    pub title: &'a str,
    pub body: &'a str,
    /// Publication time, seconds since the epoch.
    pub published: Option<i64>,
    /// Ingest order (tie-break for the canonical member).
    pub seq: u64,
}

/// Why two articles are in one story.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Link {
    Exact,
    /// Estimated shingle Jaccard similarity (at or above the threshold).
    Near(f64),
    /// Shared headline words.
    Headline(usize),
}

/// What [`Grouper::insert`] needs of an article's text, computed by [`Preparer::prepare`]
/// (the costly part, which needs no shared state and so can run on many threads) and
/// kept by callers that rebuild a grouper later ([`Grouper::restore`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// Hash of the normalised text ([`exact_key`]).
    pub exact: [u8; 16],
    /// MinHash signature of the text's shingles (none for a text without words).
    pub signature: Option<Vec<u32>>,
    /// Written mostly without spaces (shingled by characters): copies must be closer
    /// ([`UNSPACED_THRESHOLD`]). Only needed when linking, so not stored.
    pub unspaced: bool,
    /// Words of the compared text ([`hash_words`]'s count), stored after the signature
    /// (one more value); `None` for rows stored before it was (taken as not short).
    pub words: Option<u32>,
    /// The text's figures ([`figures`]), stored after the word count; `None` for rows
    /// stored before they were (the figures rule does not apply to them).
    pub figures: Option<Figures>,
}

/// Figures kept per article: the smallest [`FIGURE_SKETCH`] hashes of its distinct
/// figures (a bottom-k sketch: all of them when it has that few) and how many it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub count: u32,
    /// Sorted, distinct, 16 bits each.
    pub sketch: Box<[u16]>,
}

/// Figure hashes kept per article ([`Figures`]).
pub const FIGURE_SKETCH: usize = 32;

/// Default [`Config::figures_replaced`] (chosen on the dev half, BENCHMARKS.md).
pub const FIGURES_REPLACED: usize = 2;

/// The figures of a text: maximal runs of digits, with a `.` or `,` between digits kept
/// inside ("1,979,000" and "1979000" are one figure, "12.8" is not "128").
pub fn figures(text: &str) -> Figures {
    let mut hashes: Vec<u16> = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        while i < b.len() {
            let c = b[i];
            let inner = (c == b'.' || c == b',') && b.get(i + 1).is_some_and(u8::is_ascii_digit);
            if c.is_ascii_digit() || (c == b'.' && inner) {
                h = (h ^ u64::from(c)).wrapping_mul(0x0000_0100_0000_01b3);
            } else if !inner {
                break;
            }
            i += 1;
        }
        // FNV-1a's high bits barely change between short inputs: mix before keeping 16.
        hashes.push(((h ^ (h >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as u16);
    }
    hashes.sort_unstable();
    hashes.dedup();
    let count = u32::try_from(hashes.len()).unwrap_or(u32::MAX);
    hashes.truncate(FIGURE_SKETCH);
    Figures { count, sketch: hashes.into_boxed_slice() }
}

/// How many figures each of two texts has that the other lacks, counted over the hash
/// range both sketches cover in full (exact when both have at most [`FIGURE_SKETCH`]).
pub fn figures_only(a: &Figures, b: &Figures) -> (usize, usize) {
    only_figures((a.count, &a.sketch), (b.count, &b.sketch))
}

/// [`figures_only`] of two texts' figures given as their count and sketch.
fn only_figures(a: (u32, &[u16]), b: (u32, &[u16])) -> (usize, usize) {
    let full =
        |(count, sketch): (u32, &[u16])| if count as usize > sketch.len() { sketch.last().copied() } else { None };
    let limit = match (full(a), full(b)) {
        (Some(x), Some(y)) => x.min(y),
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => u16::MAX,
    };
    let only = |x: &[u16], y: &[u16]| x.iter().filter(|h| **h <= limit && y.binary_search(h).is_err()).count();
    (only(a.1, b.1), only(b.1, a.1))
}

/// Least similarity for copies of text in Chinese, Japanese or Thai. Measured on the demo
/// corpus's Japanese Wikinews: distinct typhoon and earthquake bulletins written from one
/// template reach 0.50–0.58 in ten-character shingles; copies with a republisher's edits
/// are found as well at 0.6 (BENCHMARKS.md).
pub const UNSPACED_THRESHOLD: f64 = 0.6;

/// First byte of a signature stored in 16-bit values ([`Prepared::signature_bytes`]).
/// Its length is odd; signatures stored before were 32-bit values, a multiple of 4 long.
const SIGNATURE_16: u8 = 1;

impl Prepared {
    /// The signature for storage: [`SIGNATURE_16`], then each MinHash value's low 16 bits
    /// (all the LSH index compares), then the word count (32 bits), then the
    /// figures' count (32 bits) and their sketch ([`FIGURE_SKETCH`] values at most, 16
    /// bits each), little-endian; empty without a signature. 16-bit values halve what
    /// 32-bit ones took (648 bytes an article, 0.65 GB at 1M articles).
    pub fn signature_bytes(&self) -> Vec<u8> {
        let Some(sig) = &self.signature else { return Vec::new() };
        let mut out = Vec::with_capacity(1 + 2 * sig.len() + 8 + 2 * FIGURE_SKETCH);
        out.push(SIGNATURE_16);
        out.extend(sig.iter().flat_map(|v| (*v as u16).to_le_bytes()));
        if let Some(w) = self.words {
            out.extend(w.to_le_bytes());
            if let Some(f) = &self.figures {
                out.extend(f.count.to_le_bytes());
                out.extend(f.sketch.iter().flat_map(|h| h.to_le_bytes()));
            }
        }
        out
    }

    /// Back from [`Prepared::signature_bytes`] (or from the 32-bit values stored before,
    /// with or without the word count and figures after them) for a grouper with
    /// `config`; `None` if the bytes are neither.
    pub fn from_parts(exact: [u8; 16], signature: &[u8], config: &Config) -> Option<Prepared> {
        let n = config.bands * config.rows;
        let (sig, words, figures) = match signature.first() {
            None => (Vec::new(), None, None),
            Some(&SIGNATURE_16) if signature.len() % 2 == 1 => from_16(&signature[1..], n)?,
            Some(_) => from_32(signature, n)?,
        };
        Some(Prepared { exact, signature: (!sig.is_empty()).then_some(sig), unspaced: false, words, figures })
    }
}

/// A signature, word count and figures as parts of a stored signature.
type StoredParts = (Vec<u32>, Option<u32>, Option<Figures>);

/// The 16-bit layout after its first byte.
fn from_16(b: &[u8], n: usize) -> Option<StoredParts> {
    let u16s = |b: &[u8]| -> Vec<u16> { b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect() };
    let u32_at = |i: usize| b.get(i..i + 4).map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")));
    if b.len() < 2 * n {
        return None;
    }
    let sig: Vec<u32> = u16s(&b[..2 * n]).into_iter().map(u32::from).collect();
    let rest = 2 * n;
    match b.len() - rest {
        0 => Some((sig, None, None)),
        4 => Some((sig, u32_at(rest), None)),
        more if more >= 8 => {
            let count = u32_at(rest + 4)?;
            if more - 8 > 2 * FIGURE_SKETCH {
                return None;
            }
            let sketch = u16s(&b[rest + 8..]).into_boxed_slice();
            Some((sig, u32_at(rest), Some(Figures { count, sketch })))
        }
        _ => None,
    }
}

/// The 32-bit layout stored before [`SIGNATURE_16`]: the values, then the word count (one
/// more value), then the figures' count and [`FIGURE_SKETCH`] values (`u32::MAX` for none).
fn from_32(b: &[u8], n: usize) -> Option<StoredParts> {
    if !b.len().is_multiple_of(4) {
        return None;
    }
    let mut sig: Vec<u32> = b.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))).collect();
    let mut figures = None;
    if sig.len() == n + 2 + FIGURE_SKETCH {
        let tail = sig.split_off(n + 1);
        let sketch = tail[1..].iter().filter(|v| **v != u32::MAX).map(|v| *v as u16).collect();
        figures = Some(Figures { count: tail[0], sketch });
    }
    let words = match sig.len() {
        l if l == n => None,
        l if l == n + 1 => sig.pop(),
        _ => return None,
    };
    Some((sig, words, figures))
}

/// Shingles and hashes texts; shareable across threads.
pub struct Preparer {
    shingle: usize,
    hasher: MinHasher32<BuildHasherDefault<DefaultHasher>>,
}

impl std::fmt::Debug for Preparer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Preparer").field("shingle", &self.shingle).finish()
    }
}

impl Preparer {
    pub fn new(config: &Config) -> Preparer {
        let hasher =
            MinHasher32::new_with_hasher_and_seed(config.bands * config.rows, BuildHasherDefault::default(), 3);
        Preparer { shingle: config.shingle, hasher }
    }

    /// The exact key and MinHash signature of an article (its body; headline and body
    /// for a short body).
    pub fn prepare(&self, title: &str, body: &str) -> Prepared {
        let text = grouping_text(title, compared_part(body));
        let (exact, words) = hash_words(&text);
        // A character says less than a word: for text mostly in unspaced scripts,
        // shingles of twice as many characters (measured on Japanese Wikinews: 5
        // characters join unrelated short articles, pair precision 0.78).
        let unspaced = text.chars().filter(|c| is_unspaced(*c)).count();
        let unspaced = unspaced * 2 > words.len();
        let sh = shingles(&words, if unspaced { self.shingle * 2 } else { self.shingle });
        let signature = (!sh.is_empty()).then(|| self.hasher.create_signature(sh.iter()));
        let words = Some(u32::try_from(words.len()).unwrap_or(u32::MAX));
        Prepared { exact, signature, unspaced, words, figures: Some(figures(&text)) }
    }
}

/// What adding one article did.
#[derive(Debug, Clone, PartialEq)]
pub struct Added {
    /// Its story (the canonical member's key).
    pub story: u64,
    /// The articles it was linked to, and why.
    pub links: Vec<(u64, Link)>,
    /// Articles seen before whose story changed to `story` (stories merged, or the new
    /// article is earlier than their canonical member).
    pub moved: Vec<u64>,
}

/// Incremental grouping; see the module documentation.
pub struct Grouper {
    config: Config,
    preparer: Preparer,
    /// Near copies, by slot.
    lsh: Lsh,
    /// Key → slot: the order articles were first seen, which indexes [`Articles`].
    slots: FxHashMap<u64, u32>,
    articles: Articles,
    /// Exact key → the slot of the first article with it.
    exact: FxHashMap<[u8; 16], u32>,
    /// Headline word → articles with it (key, published).
    headlines: HashMap<String, Vec<(u64, i64)>>,
    /// Story → every member's key, for stories of two or more.
    members: FxHashMap<u64, Vec<u64>>,
}

/// What the grouper keeps of each article, one column per field, indexed by slot: a
/// million articles' maps of key to date, story, headline words and figures took about
/// 330 MB (a hash table for each, each table up to twice the articles), these columns
/// about 110 MB.
#[derive(Default)]
struct Articles {
    keys: Vec<u64>,
    /// The story: its canonical member's key (always that member itself, never a chain).
    story: Vec<u64>,
    /// Publication time, or [`UNDATED`].
    published: Vec<i64>,
    seq: Vec<u64>,
    /// Whether the body is short ([`Config::short_words`]).
    short: Vec<bool>,
    /// Headline words ([`headline_hashes`]) of slot `i`: `words[words_end[i - 1]..words_end[i]]`
    /// (kept only when [`Config::short_words`] is on).
    words: Vec<u32>,
    words_end: Vec<u32>,
    /// Figures of slot `i`, if it has at least [`Config::figures_replaced`] of them (else a
    /// count of 0): their count and `sketch[sketch_end[i - 1]..sketch_end[i]]`.
    figure_count: Vec<u32>,
    sketch: Vec<u16>,
    sketch_end: Vec<u32>,
}

/// [`Articles::published`] of an undated article.
const UNDATED: i64 = i64::MIN;

impl Articles {
    fn len(&self) -> usize {
        self.keys.len()
    }

    fn published(&self, slot: u32) -> Option<i64> {
        let p = self.published[slot as usize];
        (p != UNDATED).then_some(p)
    }

    fn range(ends: &[u32], slot: u32) -> std::ops::Range<usize> {
        let i = slot as usize;
        let start = if i == 0 { 0 } else { ends[i - 1] as usize };
        start..ends[i] as usize
    }

    fn words(&self, slot: u32) -> Option<&[u32]> {
        (!self.words_end.is_empty()).then(|| &self.words[Self::range(&self.words_end, slot)])
    }

    fn figures(&self, slot: u32) -> Option<(u32, &[u16])> {
        let count = self.figure_count[slot as usize];
        (count > 0).then(|| (count, &self.sketch[Self::range(&self.sketch_end, slot)]))
    }

    fn reserve(&mut self, more: usize, words: bool) {
        self.keys.reserve(more);
        self.story.reserve(more);
        self.published.reserve(more);
        self.seq.reserve(more);
        self.short.reserve(more);
        self.figure_count.reserve(more);
        self.sketch_end.reserve(more);
        if words {
            self.words_end.reserve(more);
        }
    }

    fn heap_bytes(&self) -> usize {
        self.keys.capacity() * 8
            + self.story.capacity() * 8
            + self.published.capacity() * 8
            + self.seq.capacity() * 8
            + self.short.capacity()
            + (self.words.capacity() + self.words_end.capacity()) * 4
            + (self.figure_count.capacity() + self.sketch_end.capacity()) * 4
            + self.sketch.capacity() * 2
    }
}

impl std::fmt::Debug for Grouper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grouper").field("config", &self.config).field("articles", &self.articles.len()).finish()
    }
}

/// Lower-cased words of letters and digits.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// How many words `text` has, for people: whitespace-separated tokens with a letter or
/// digit in them ("U.S." and "don't" are one word each, a lone dash none), except that
/// each Han, kana or Thai character is a word of its own (those scripts put no spaces
/// between words, so a whole Japanese paragraph would otherwise count as one).
pub fn word_count(text: &str) -> usize {
    let mut n = 0;
    for token in text.split_whitespace() {
        // A run of spaced-script characters counts once, if it has a letter or digit.
        let mut run_has_word = false;
        for c in token.chars() {
            if is_unspaced(c) {
                n += usize::from(run_has_word) + 1;
                run_has_word = false;
            } else {
                run_has_word |= c.is_alphanumeric();
            }
        }
        n += usize::from(run_has_word);
    }
    n
}

/// Hash of the normalised text (exact copies).
pub fn exact_key(title: &str, body: &str) -> [u8; 16] {
    hash_words(&grouping_text(title, body)).0
}

/// A body shorter than this many words is compared with its headline in front.
pub const SHORT_BODY_WORDS: usize = 10;

/// Default [`Config::short_words`]: chosen on the dev half of the Reuters syndication set
/// (BENCHMARKS.md, "Same-story grouping").
pub const SHORT_LINK_WORDS: usize = 50;
/// Default [`Config::short_threshold`].
pub const SHORT_LINK_THRESHOLD: f64 = 0.8;
/// Default [`Config::apart_secs`]: three days (chosen on the dev half, as above).
pub const APART_SECS: i64 = 3 * 86_400;
/// Default [`Config::apart_threshold`].
pub const APART_THRESHOLD: f64 = 0.8;

/// Whether two headlines agree: at least half the content words of the one with fewer
/// ([`headline_terms`]) are in the other. Word order and case do not matter, so a
/// rewritten "UPDATE 2 - …" headline with the same words agrees; an empty headline
/// agrees with nothing.
pub fn headlines_agree(a: &str, b: &str) -> bool {
    terms_agree(&headline_hashes(a), &headline_hashes(b))
}

/// The headline's words ([`headline_terms`]), each as 32 bits of its hash, sorted: two
/// words of a pair of headlines share a hash by chance about once in 4·10⁹ comparisons.
fn headline_hashes(title: &str) -> Vec<u32> {
    let mut h: Vec<u32> =
        headline_terms(title).iter().map(|t| hash_words(t).1.first().map_or(0, |h| (h ^ (h >> 32)) as u32)).collect();
    h.sort_unstable();
    h.dedup();
    h
}

fn terms_agree(a: &[u32], b: &[u32]) -> bool {
    let fewer = a.len().min(b.len());
    if fewer == 0 {
        return false;
    }
    let shared = a.iter().filter(|x| b.binary_search(x).is_ok()).count();
    shared * 2 >= fewer
}

/// The text an article is compared by: its body, or for a short body (a brief, a
/// placeholder such as Reuters' 1,600 headline-only items whose body is "Blah blah
/// blah.") headline and body together, so briefs with other headlines are not copies.
/// Most bytes of a text compared for grouping: copies are found by their first eight
/// megabytes (an article is a thousandth of that), so a huge document costs bounded time.
pub const MAX_COMPARED: usize = 8 << 20;

fn compared_part(body: &str) -> &str {
    &body[..body.floor_char_boundary(MAX_COMPARED)]
}

fn grouping_text<'a>(title: &'a str, body: &'a str) -> std::borrow::Cow<'a, str> {
    if body.split_whitespace().nth(SHORT_BODY_WORDS - 1).is_some() {
        std::borrow::Cow::Borrowed(body)
    } else {
        std::borrow::Cow::Owned(format!("{title}\n{body}"))
    }
}

/// In one pass over `text`'s words (as [`words`] splits them): the exact key (BLAKE3 of
/// the words joined by spaces) and each word's 64-bit hash (FNV-1a of its lower case).
fn hash_words(text: &str) -> ([u8; 16], Vec<u64>) {
    let mut exact = blake3::Hasher::new();
    let mut hashes = Vec::new();
    let mut word = String::new();
    let mut push = |word: &str, hashes: &mut Vec<u64>| {
        if !hashes.is_empty() {
            exact.update(b" ");
        }
        exact.update(word.as_bytes());
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in word.as_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        hashes.push(h);
    };
    for w in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        word.clear();
        for c in w.chars() {
            // Chinese and Japanese write no spaces: each character is a word of its own,
            // so shingles are runs of characters rather than whole sentences.
            if is_unspaced(c) {
                if !word.is_empty() {
                    push(&word, &mut hashes);
                    word.clear();
                }
                push(c.encode_utf8(&mut [0; 4]), &mut hashes);
            } else {
                word.extend(c.to_lowercase());
            }
        }
        if !word.is_empty() {
            push(&word, &mut hashes);
        }
    }
    (exact.finalize().as_bytes()[..16].try_into().expect("16 bytes"), hashes)
}

/// Han ideographs, kana and Thai: scripts written without spaces between words.
fn is_unspaced(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x0E00..=0x0E7F | 0x20000..=0x2FFFF)
}

/// Hashes of the `k`-word shingles (one for a shorter text, none for no words).
fn shingles(words: &[u64], k: usize) -> Vec<u64> {
    let hash = |ws: &[u64]| {
        ws.iter().fold(0x243F_6A88_85A3_08D3u64, |h, w| (h.rotate_left(23) ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15))
    };
    if words.len() <= k {
        return if words.is_empty() { Vec::new() } else { vec![hash(words)] };
    }
    words.windows(k).map(hash).collect()
}

/// Headline words that say something: four or more characters, or any run of
/// non-Latin letters (CJK headlines have no spaces to split on).
fn headline_terms(title: &str) -> Vec<String> {
    let mut t: Vec<String> =
        words(title).into_iter().filter(|w| w.chars().count() >= 4 || w.chars().any(|c| c as u32 > 0x2FF)).collect();
    t.sort();
    t.dedup();
    t
}

impl Grouper {
    pub fn new(config: Config) -> Grouper {
        let preparer = Preparer::new(&config);
        let lsh = Lsh::new(config.bands, config.rows, config.threshold);
        Grouper {
            config,
            preparer,
            lsh,
            slots: FxHashMap::default(),
            articles: Articles::default(),
            exact: FxHashMap::default(),
            headlines: HashMap::new(),
            members: FxHashMap::default(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The text hasher this grouper's signatures must come from.
    pub fn preparer(&self) -> &Preparer {
        &self.preparer
    }

    /// Articles seen.
    pub fn len(&self) -> usize {
        self.articles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.articles.len() == 0
    }

    /// Add an article; returns the articles it was linked to and why. Adding a key twice
    /// changes nothing.
    pub fn add(&mut self, item: &Item<'_>) -> Vec<(u64, Link)> {
        let prepared = self.preparer.prepare(item.title, item.body);
        self.insert(item, &prepared).links
    }

    /// Add an article whose text was prepared already (by this grouper's [`Preparer`]).
    /// Adding a key twice changes nothing.
    pub fn insert(&mut self, item: &Item<'_>, prepared: &Prepared) -> Added {
        if let Some(story) = self.story(item.key) {
            return Added { story, links: Vec::new(), moved: Vec::new() };
        }
        let slot = self.articles.len() as u32;
        let mut links: Vec<(u64, Link)> = Vec::new();
        match self.exact.get(&prepared.exact) {
            Some(&other) => links.push((self.articles.keys[other as usize], Link::Exact)),
            None => {
                self.exact.insert(prepared.exact, slot);
            }
        }
        if let Some(sig) = &prepared.signature {
            let threshold =
                if prepared.unspaced { self.config.threshold.max(UNSPACED_THRESHOLD) } else { self.config.threshold };
            let words = headline_hashes(item.title);
            let short = self.is_short(prepared);
            let figures = prepared.figures.as_ref().map(|f| (f.count, &f.sketch[..]));
            for (other, sim) in self.lsh.query(sig, threshold) {
                let key = self.articles.keys[other as usize];
                if !links.iter().any(|(k, _)| *k == key)
                    && self.short_link_holds(short, &words, other, sim)
                    && self.apart_link_holds(item.published, other, sim)
                    && self.figures_link_holds(figures, other)
                {
                    links.push((key, Link::Near(sim)));
                }
            }
        }
        for (other, n) in self.headline_matches(item) {
            if !links.iter().any(|(o, _)| *o == other) {
                links.push((other, Link::Headline(n)));
            }
        }
        self.remember(item, prepared, item.key);

        // The new article's story is the union of its own and those of everything it links to.
        let mut roots: Vec<u64> =
            links.iter().map(|(o, _)| self.story(*o).expect("a linked article is known")).collect();
        roots.push(item.key);
        roots.sort_unstable();
        roots.dedup();
        let best = *roots.iter().min_by_key(|r| self.rank(**r)).expect("at least the article itself");
        let mut moved = Vec::new();
        if roots.len() > 1 {
            let mut merged = self.members.remove(&best).unwrap_or_else(|| vec![best]);
            for r in roots.into_iter().filter(|r| *r != best) {
                for m in self.members.remove(&r).unwrap_or_else(|| vec![r]) {
                    let s = self.slots[&m];
                    self.articles.story[s as usize] = best;
                    if m != item.key {
                        moved.push(m);
                    }
                    merged.push(m);
                }
            }
            moved.sort_unstable();
            self.members.insert(best, merged);
        }
        Added { story: best, links, moved }
    }

    /// Put back an article grouped before (from storage): its story is taken as given,
    /// nothing is linked. Restore every article before inserting new ones.
    pub fn restore(&mut self, item: &Item<'_>, prepared: &Prepared, story: u64) {
        if self.slots.contains_key(&item.key) {
            return;
        }
        let slot = self.articles.len() as u32;
        self.exact.entry(prepared.exact).or_insert(slot);
        if self.config.headline_terms > 0 {
            // Nothing to link: only remember its headline words.
            self.headline_matches(item);
        }
        self.remember(item, prepared, story);
        if item.key != story {
            self.members.entry(story).or_insert_with(|| vec![story]).push(item.key);
        }
    }

    /// Note an article in a new slot: its date, story, signature, whether it is short,
    /// its headline words and its figures. An exact copy's signature is indexed too: the
    /// link rules look at each article's own date and headline, so a later article must
    /// be able to link to either copy whatever order they came in.
    fn remember(&mut self, item: &Item<'_>, prepared: &Prepared, story: u64) {
        let slot = self.articles.len() as u32;
        let a = &mut self.articles;
        self.slots.insert(item.key, slot);
        a.keys.push(item.key);
        a.story.push(story);
        a.published.push(item.published.unwrap_or(UNDATED));
        a.seq.push(item.seq);
        a.short.push(prepared.words.is_some_and(|w| (w as usize) < self.config.short_words));
        if self.config.short_words > 0 {
            a.words.extend(headline_hashes(item.title));
            a.words_end.push(end(a.words.len()));
        }
        let k = self.config.figures_replaced;
        match &prepared.figures {
            Some(f) if k > 0 && f.count as usize >= k => {
                a.figure_count.push(f.count);
                a.sketch.extend_from_slice(&f.sketch);
            }
            _ => a.figure_count.push(0),
        }
        a.sketch_end.push(end(a.sketch.len()));
        if let Some(sig) = &prepared.signature {
            self.lsh.insert(slot, sig);
        }
    }

    /// Whether a prepared text is short ([`Config::short_words`]).
    fn is_short(&self, prepared: &Prepared) -> bool {
        prepared.words.is_some_and(|w| (w as usize) < self.config.short_words)
    }

    /// A near link at `sim` between the new article (whether it is short, its headline
    /// words) and `other`: if either is short, their headlines agree or `sim` reaches
    /// [`Config::short_threshold`].
    fn short_link_holds(&self, short: bool, words: &[u32], other: u32, sim: f64) -> bool {
        let Some(theirs) = self.articles.words(other) else { return true };
        !(short || self.articles.short[other as usize])
            || sim >= self.config.short_threshold
            || terms_agree(words, theirs)
    }

    /// A near link at `sim` between an article published at `published` and `other`: if
    /// both are dated and further apart than [`Config::apart_secs`], `sim` reaches
    /// [`Config::apart_threshold`].
    fn apart_link_holds(&self, published: Option<i64>, other: u32, sim: f64) -> bool {
        match (published, self.articles.published(other)) {
            (Some(a), Some(b)) if self.config.apart_secs > 0 && (a - b).abs() > self.config.apart_secs => {
                sim >= self.config.apart_threshold
            }
            _ => true,
        }
    }

    /// A near link between an article with figures `mine` and `other`: unless each has
    /// at least [`Config::figures_replaced`] figures the other lacks ([`figures_only`]).
    fn figures_link_holds(&self, mine: Option<(u32, &[u16])>, other: u32) -> bool {
        let k = self.config.figures_replaced;
        let (Some(mine), Some(theirs)) = (mine, self.articles.figures(other)) else { return true };
        let (a, b) = only_figures(mine, theirs);
        k == 0 || a.min(b) < k
    }

    /// Make room for `articles` more articles (a restore knows how many it will add), so
    /// the index is not rebuilt as it grows.
    pub fn reserve(&mut self, articles: usize) {
        self.lsh.reserve(articles);
        self.slots.reserve(articles);
        self.exact.reserve(articles);
        self.articles.reserve(articles, self.config.short_words > 0);
    }

    /// Approximate bytes held: the LSH index, the columns of [`Articles`], and the maps of
    /// slots, exact keys and story members (hashbrown: key, value and a control byte per
    /// bucket, about 8/7 buckets per entry it has room for).
    pub fn heap_bytes(&self) -> usize {
        let table = |capacity: usize, entry: usize| capacity * 8 / 7 * (entry + 1);
        self.lsh.heap_bytes()
            + self.articles.heap_bytes()
            + table(self.slots.capacity(), 12)
            + table(self.exact.capacity(), 20)
            + table(self.members.capacity(), 32)
            + self.members.values().map(|m| m.capacity() * 8).sum::<usize>()
    }

    /// Earlier articles whose headline shares enough words with this one's within the
    /// window (and remember this one's words).
    fn headline_matches(&mut self, item: &Item<'_>) -> Vec<(u64, usize)> {
        if self.config.headline_terms == 0 {
            return Vec::new();
        }
        let Some(at) = item.published else { return Vec::new() };
        let terms = headline_terms(item.title);
        let mut shared: HashMap<u64, usize> = HashMap::new();
        for t in &terms {
            if let Some(list) = self.headlines.get(t) {
                for &(k, p) in list {
                    if (p - at).abs() <= self.config.window_secs {
                        *shared.entry(k).or_default() += 1;
                    }
                }
            }
        }
        let mut found: Vec<(u64, usize)> =
            shared.into_iter().filter(|(_, n)| *n >= self.config.headline_terms).collect();
        found.sort_unstable();
        for t in terms {
            self.headlines.entry(t).or_default().push((item.key, at));
        }
        found
    }

    fn rank(&self, k: u64) -> (i64, u64, u64) {
        let s = self.slots[&k];
        let published = self.articles.published(s).unwrap_or(i64::MAX);
        (published, self.articles.seq[s as usize], k)
    }

    /// The story of an article: its canonical member's key.
    pub fn story(&self, key: u64) -> Option<u64> {
        self.slots.get(&key).map(|&s| self.articles.story[s as usize])
    }

    /// The members of a story (the story's own key first if it is known).
    pub fn members(&self, story: u64) -> Vec<u64> {
        match self.members.get(&story) {
            Some(m) => {
                let mut m = m.clone();
                m.sort_unstable_by_key(|k| (*k != story, *k));
                m
            }
            None if self.story(story) == Some(story) => vec![story],
            None => Vec::new(),
        }
    }

    /// Every article's story.
    pub fn stories(&self) -> HashMap<u64, u64> {
        self.articles.keys.iter().copied().zip(self.articles.story.iter().copied()).collect()
    }
}

/// An end offset into a column of [`Articles`].
fn end(len: usize) -> u32 {
    u32::try_from(len).expect("fewer than 2^32 values in a column")
}

#[cfg(test)]
mod tests;
