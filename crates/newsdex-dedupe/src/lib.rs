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
//! * **headline**: headlines sharing at least [`Config::headline_terms`] content words, the
//!   rarer ones weighing more, published within [`Config::window_secs`] of each other
//!   (same event, different wording; off when the article has no date). Off by default:
//!   measured on the UCI News Aggregator headlines it reaches B-cubed precision 0.36 at
//!   recall 0.62 (3 shared words) or 0.91 at 0.27 (4), and on Reuters-21578 it joins
//!   distinct same-day reports on one subject; see BENCHMARKS.md.
//!
//! A story is a connected component of these links, so the grouping does not depend on the
//! order articles arrive in. Its id is its canonical member: the earliest published, ties
//! broken by the smaller [`Item::seq`] (ingest order), then the key. Every article points
//! straight at its story and every story of two or more lists its members, so a merge
//! reports exactly which earlier articles changed story ([`Added::moved`]) for the caller
//! to store.
//!
//! Text work ([`Preparer::prepare`]: words, shingles, MinHash) is separate from grouping
//! ([`Grouper::insert`]) so that it can run on many threads and be stored: a grouper is
//! rebuilt from stored [`Prepared`] values by [`Grouper::restore`] without reading text.
//!
//! Memory: per article one MinHash signature of `bands × rows` 32-bit values (512 bytes by
//! default) held by the LSH index with its band keys, the exact key, and a few words for
//! the story maps; measured in BENCHMARKS.md.

mod diff;
mod lsh;

pub use diff::{ParagraphDiff, diff_paragraphs, paragraphs};

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::BuildHasherDefault;

use gaoya::minhash::{MinHasher, MinHasher32};

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
}

impl Default for Config {
    fn default() -> Config {
        Config { shingle: 5, threshold: 0.5, bands: 32, rows: 4, headline_terms: 0, window_secs: 2 * 86_400 }
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

#[derive(Debug, Clone, Copy)]
struct Meta {
    published: Option<i64>,
    seq: u64,
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
}

/// Least similarity for copies of text in Chinese, Japanese or Thai. Measured on the demo
/// corpus's Japanese Wikinews: distinct typhoon and earthquake bulletins written from one
/// template reach 0.50–0.58 in ten-character shingles; copies with a republisher's edits
/// are found as well at 0.6 (BENCHMARKS.md).
pub const UNSPACED_THRESHOLD: f64 = 0.6;

impl Prepared {
    /// The signature as little-endian bytes (empty without one), for storage.
    pub fn signature_bytes(&self) -> Vec<u8> {
        self.signature.iter().flatten().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// Back from [`Prepared::signature_bytes`]; `None` if the length is not whole values.
    pub fn from_parts(exact: [u8; 16], signature: &[u8]) -> Option<Prepared> {
        if !signature.len().is_multiple_of(4) {
            return None;
        }
        let sig: Vec<u32> =
            signature.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))).collect();
        Some(Prepared { exact, signature: (!sig.is_empty()).then_some(sig), unspaced: false })
    }
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
        Prepared { exact, signature, unspaced }
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
    lsh: Lsh,
    exact: HashMap<[u8; 16], u64>,
    /// Headline word → articles with it (key, published).
    headlines: HashMap<String, Vec<(u64, i64)>>,
    /// Article → its story (always the canonical member itself, never a chain).
    story: HashMap<u64, u64>,
    /// Story → every member, for stories of two or more.
    members: HashMap<u64, Vec<u64>>,
    meta: HashMap<u64, Meta>,
}

impl std::fmt::Debug for Grouper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grouper").field("config", &self.config).field("articles", &self.meta.len()).finish()
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
            exact: HashMap::new(),
            headlines: HashMap::new(),
            story: HashMap::new(),
            members: HashMap::new(),
            meta: HashMap::new(),
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
        self.meta.len()
    }

    pub fn is_empty(&self) -> bool {
        self.meta.is_empty()
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
        if let Some(&story) = self.story.get(&item.key) {
            return Added { story, links: Vec::new(), moved: Vec::new() };
        }
        let mut links: Vec<(u64, Link)> = Vec::new();
        match self.exact.get(&prepared.exact) {
            Some(&other) => links.push((other, Link::Exact)),
            None => {
                self.exact.insert(prepared.exact, item.key);
            }
        }
        let exact_copy = !links.is_empty();
        if let Some(sig) = &prepared.signature {
            let threshold =
                if prepared.unspaced { self.config.threshold.max(UNSPACED_THRESHOLD) } else { self.config.threshold };
            for (other, sim) in self.lsh.query(sig, threshold) {
                if !links.iter().any(|(k, _)| *k == other) {
                    links.push((other, Link::Near(sim)));
                }
            }
        }
        for (other, n) in self.headline_matches(item) {
            if !links.iter().any(|(o, _)| *o == other) {
                links.push((other, Link::Headline(n)));
            }
        }
        self.remember(item, if exact_copy { None } else { prepared.signature.as_deref() }, item.key);

        // The new article's story is the union of its own and those of everything it links to.
        let mut roots: Vec<u64> = links.iter().map(|(o, _)| self.story[o]).collect();
        roots.push(item.key);
        roots.sort_unstable();
        roots.dedup();
        let best = *roots.iter().min_by_key(|r| self.rank(**r)).expect("at least the article itself");
        let mut moved = Vec::new();
        if roots.len() > 1 {
            let mut merged = self.members.remove(&best).unwrap_or_else(|| vec![best]);
            for r in roots.into_iter().filter(|r| *r != best) {
                for m in self.members.remove(&r).unwrap_or_else(|| vec![r]) {
                    self.story.insert(m, best);
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
        if self.story.contains_key(&item.key) {
            return;
        }
        let first = match self.exact.entry(prepared.exact) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(item.key);
                true
            }
        };
        if self.config.headline_terms > 0 {
            // Nothing to link: only remember its headline words.
            self.headline_matches(item);
        }
        self.remember(item, if first { prepared.signature.as_deref() } else { None }, story);
        if item.key != story {
            self.members.entry(story).or_insert_with(|| vec![story]).push(item.key);
        }
    }

    /// Note an article's date, signature and story. An exact copy's signature is not
    /// indexed: the text it copies is, in the same story.
    fn remember(&mut self, item: &Item<'_>, signature: Option<&[u32]>, story: u64) {
        self.meta.insert(item.key, Meta { published: item.published, seq: item.seq });
        self.story.insert(item.key, story);
        if let Some(sig) = signature {
            self.lsh.insert(item.key, sig);
        }
    }

    /// Make room for `articles` more articles (a restore knows how many it will add), so
    /// the index is not rebuilt as it grows.
    pub fn reserve(&mut self, articles: usize) {
        self.lsh.reserve(articles);
        self.story.reserve(articles);
        self.meta.reserve(articles);
        self.exact.reserve(articles);
    }

    /// Approximate bytes held: the LSH index, and the maps of stories, dates and exact
    /// keys (hashbrown: key, value and a control byte per bucket).
    pub fn heap_bytes(&self) -> usize {
        self.lsh.heap_bytes()
            + self.story.capacity() * 17
            + self.meta.capacity() * (8 + std::mem::size_of::<Meta>() + 1)
            + self.exact.capacity() * 25
            + self.members.values().map(|m| m.capacity() * 8 + 33).sum::<usize>()
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
        let m = self.meta[&k];
        (m.published.unwrap_or(i64::MAX), m.seq, k)
    }

    /// The story of an article: its canonical member's key.
    pub fn story(&self, key: u64) -> Option<u64> {
        self.story.get(&key).copied()
    }

    /// The members of a story (the story's own key first if it is known).
    pub fn members(&self, story: u64) -> Vec<u64> {
        match self.members.get(&story) {
            Some(m) => {
                let mut m = m.clone();
                m.sort_unstable_by_key(|k| (*k != story, *k));
                m
            }
            None if self.story.get(&story) == Some(&story) => vec![story],
            None => Vec::new(),
        }
    }

    /// Every article's story.
    pub fn stories(&self) -> HashMap<u64, u64> {
        self.story.clone()
    }
}

#[cfg(test)]
mod tests;
