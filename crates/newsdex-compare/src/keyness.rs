//! Keyness: the words and word pairs a search's matches use more than the rest of the
//! archive, per language.
//!
//! **Statistic.** For a term with `a` occurrences among the `c` terms of the matches
//! (the target) and `b` among the `d` terms of the rest of the archive (the reference:
//! every other document of the same language), the log-likelihood
//! `G² = 2 Σ O ln(O / E)` over the 2×2 table of occurrences and non-occurrences (Dunning
//! 1993, as Rayson and Garside compute it over the two occurrence cells). G² tests whether
//! the difference is more than chance and, unlike χ², stays reliable for the rare words
//! news text is full of; but it grows with the size of the corpora, so it says how sure,
//! not how large. The size is the **log ratio** `log2((a/c) / (b/d))` (Hardie 2014): 1
//! means twice as frequent in the matches, 3 eight times; a term the reference never uses
//! counts `b = 0.5` there so the ratio stays finite. Terms are kept when they are used
//! more in the target, at least [`KeynessOptions::min_freq`] times, with G² at least
//! [`KeynessOptions::min_g2`] (10.83 is p < 0.001 at one degree of freedom), and ranked by
//! G² (ties: larger log ratio, then the term).
//!
//! **Terms.** Words come from the engine (the index's tokenizer, so they are the words a
//! search sees), lower-cased; tokens without a letter (numbers, marks) and single Latin
//! letters are dropped; stop words of the document's language are dropped (the
//! `stop-words` crate's lists, compiled in: NLTK's where it has the language, as they
//! hold only function words, else stopwords-iso's, whose English list also drops
//! content words such as "world", "million" and "states"). Phrases are two kept words next to
//! each other; a dropped token between them breaks the pair, so "bank of england" gives
//! no pair "bank england". Title and body are separate segments (no pair across them).
//!
//! **Memory.** The target is read first and its terms counted; the reference is then
//! counted only for those terms (and its totals), so memory holds the matches' vocabulary,
//! at most [`KeynessOptions::max_terms`] terms per language (past it new terms are not
//! counted and [`LangKeywords::truncated`] says so).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

/// What keyness keeps and how many it lists.
#[derive(Debug, Clone, PartialEq)]
pub struct KeynessOptions {
    /// Fewest uses in the matches.
    pub min_freq: u64,
    /// Smallest G².
    pub min_g2: f64,
    /// Most words and most phrases listed per language.
    pub top: usize,
    /// Drop the language's stop words.
    pub stop_words: bool,
    /// Most distinct terms (words and pairs) counted per language.
    pub max_terms: usize,
}

impl Default for KeynessOptions {
    fn default() -> KeynessOptions {
        KeynessOptions { min_freq: 5, min_g2: 10.83, top: 20, stop_words: true, max_terms: 2_000_000 }
    }
}

/// One key term.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Keyword {
    pub term: String,
    /// Uses in the matches.
    pub target: u64,
    /// Uses in the rest of the archive (same language).
    pub reference: u64,
    pub g2: f64,
    pub log_ratio: f64,
}

/// Key terms of one language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LangKeywords {
    /// The documents' language code (`und` when none was found).
    pub lang: String,
    pub target_docs: u64,
    pub reference_docs: u64,
    /// Words counted (after stop words) in the matches and in the rest.
    pub target_words: u64,
    pub reference_words: u64,
    pub words: Vec<Keyword>,
    pub phrases: Vec<Keyword>,
    /// Whether terms went uncounted at [`KeynessOptions::max_terms`].
    pub truncated: bool,
    /// Whether stop words were dropped (a list exists for the language and was asked for).
    pub stop_words: bool,
}

#[derive(Debug, Default)]
struct Side {
    docs: u64,
    words: u64,
    pairs: u64,
}

#[derive(Debug, Default)]
struct Lang {
    /// Term → (uses in target, uses in reference). Pairs are `first second`.
    words: HashMap<String, (u64, u64)>,
    pairs: HashMap<String, (u64, u64)>,
    target: Side,
    reference: Side,
    truncated: bool,
}

/// Counts for keyness: target documents first ([`Keyness::add_target`]), then the rest of
/// the archive ([`Keyness::add_reference`]), then [`Keyness::finish`].
#[derive(Debug)]
pub struct Keyness {
    opts: KeynessOptions,
    langs: BTreeMap<String, Lang>,
    stops: HashMap<String, Option<HashSet<&'static str>>>,
}

/// Stop words of a language, when the compiled-in lists have it.
pub fn stop_words(lang: &str) -> Option<&'static [&'static str]> {
    stop_words::lookup(lang)
}

impl Keyness {
    pub fn new(opts: KeynessOptions) -> Keyness {
        Keyness { opts, langs: BTreeMap::new(), stops: HashMap::new() }
    }

    /// The kept terms of one document: its words, and its pairs of adjacent kept words.
    fn terms(&mut self, lang: &str, segments: &[Vec<&str>]) -> (Vec<String>, Vec<String>) {
        let use_stops = self.opts.stop_words;
        let stops = self
            .stops
            .entry(lang.to_string())
            .or_insert_with(|| use_stops.then(|| stop_words(lang).map(|l| l.iter().copied().collect())).flatten());
        let mut words = Vec::new();
        let mut pairs = Vec::new();
        for seg in segments {
            let mut prev: Option<String> = None;
            for tok in seg {
                match keep(tok, stops.as_ref()) {
                    Some(w) => {
                        if let Some(p) = prev.take() {
                            pairs.push(format!("{p} {w}"));
                        }
                        words.push(w.clone());
                        prev = Some(w);
                    }
                    None => prev = None,
                }
            }
        }
        (words, pairs)
    }

    /// Count a matching document (`segments`: its title's words, its body's words).
    pub fn add_target(&mut self, lang: &str, segments: &[Vec<&str>]) {
        let (words, pairs) = self.terms(lang, segments);
        let max = self.opts.max_terms;
        let l = self.langs.entry(lang.to_string()).or_default();
        l.target.docs += 1;
        l.target.words += words.len() as u64;
        l.target.pairs += pairs.len() as u64;
        for (terms, map) in [(words, &mut l.words), (pairs, &mut l.pairs)] {
            for t in terms {
                if let Some(e) = map.get_mut(&t) {
                    e.0 += 1;
                } else if map.len() < max {
                    map.insert(t, (1, 0));
                } else {
                    l.truncated = true;
                }
            }
        }
    }

    /// Whether documents of `lang` count for the reference (the matches have some).
    pub fn wants(&self, lang: &str) -> bool {
        self.langs.contains_key(lang)
    }

    /// Count a document of the archive that does not match. Only the totals and the
    /// terms the matches use are kept; a language without matches is not counted.
    pub fn add_reference(&mut self, lang: &str, segments: &[Vec<&str>]) {
        if !self.langs.contains_key(lang) {
            return;
        }
        let (words, pairs) = self.terms(lang, segments);
        let Some(l) = self.langs.get_mut(lang) else { return };
        l.reference.docs += 1;
        l.reference.words += words.len() as u64;
        l.reference.pairs += pairs.len() as u64;
        for (terms, map) in [(words, &mut l.words), (pairs, &mut l.pairs)] {
            for t in terms {
                if let Some(e) = map.get_mut(&t) {
                    e.1 += 1;
                }
            }
        }
    }

    /// Key terms per language, languages with most matches first (ties by code).
    pub fn finish(self) -> Vec<LangKeywords> {
        let opts = &self.opts;
        let mut out: Vec<LangKeywords> = self
            .langs
            .into_iter()
            .map(|(lang, l)| {
                let stop_words = opts.stop_words && stop_words(&lang).is_some();
                LangKeywords {
                    words: ranked(&l.words, l.target.words, l.reference.words, opts),
                    phrases: ranked(&l.pairs, l.target.pairs, l.reference.pairs, opts),
                    target_docs: l.target.docs,
                    reference_docs: l.reference.docs,
                    target_words: l.target.words,
                    reference_words: l.reference.words,
                    truncated: l.truncated,
                    stop_words,
                    lang,
                }
            })
            .collect();
        out.sort_by(|a, b| b.target_docs.cmp(&a.target_docs).then_with(|| a.lang.cmp(&b.lang)));
        out
    }
}

/// A token as a term: lower-cased; `None` without a letter, a single Latin letter, or a
/// stop word.
fn keep(tok: &str, stops: Option<&HashSet<&'static str>>) -> Option<String> {
    if !tok.chars().any(char::is_alphabetic) {
        return None;
    }
    let mut chars = tok.chars();
    if let (Some(c), None) = (chars.next(), chars.next())
        && c.is_ascii()
    {
        return None;
    }
    let w = tok.to_lowercase();
    // Words written with a typographic apostrophe are listed with the plain one.
    let w = if w.contains('\u{2019}') { w.replace('\u{2019}', "'") } else { w };
    if stops.is_some_and(|s| s.contains(w.as_str())) {
        return None;
    }
    Some(w)
}

fn ranked(map: &HashMap<String, (u64, u64)>, c: u64, d: u64, opts: &KeynessOptions) -> Vec<Keyword> {
    let mut out: Vec<Keyword> = map
        .iter()
        .filter(|(_, (a, _))| *a >= opts.min_freq)
        .filter_map(|(t, &(a, b))| {
            let g2 = log_likelihood(a, b, c, d);
            let lr = log_ratio(a, b, c, d);
            (lr > 0.0 && g2 >= opts.min_g2).then(|| Keyword {
                term: t.clone(),
                target: a,
                reference: b,
                g2,
                log_ratio: lr,
            })
        })
        .collect();
    out.sort_by(|x, y| {
        y.g2.total_cmp(&x.g2).then_with(|| y.log_ratio.total_cmp(&x.log_ratio)).then_with(|| x.term.cmp(&y.term))
    });
    out.truncate(opts.top);
    out
}

/// G² of a term used `a` times in `c` target terms and `b` times in `d` reference terms.
pub fn log_likelihood(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let (a, b, c, d) = (a as f64, b as f64, c as f64, d as f64);
    if c + d == 0.0 {
        return 0.0;
    }
    let e1 = c * (a + b) / (c + d);
    let e2 = d * (a + b) / (c + d);
    let term = |o: f64, e: f64| if o > 0.0 && e > 0.0 { o * (o / e).ln() } else { 0.0 };
    2.0 * (term(a, e1) + term(b, e2))
}

/// `log2` of the relative frequency in the target over that in the reference, a zero
/// count taken as 0.5 (Hardie 2014); 0 when either side is empty.
pub fn log_ratio(a: u64, b: u64, c: u64, d: u64) -> f64 {
    if c == 0 || d == 0 {
        return 0.0;
    }
    let a = if a == 0 { 0.5 } else { a as f64 };
    let b = if b == 0 { 0.5 } else { b as f64 };
    ((a / c as f64) / (b / d as f64)).log2()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// G² over all four cells of the contingency table, written out the long way.
    fn naive_g2(a: u64, b: u64, c: u64, d: u64) -> f64 {
        let cells = [[a as f64, b as f64], [(c - a) as f64, (d - b) as f64]];
        let n = (c + d) as f64;
        let rows = [cells[0][0] + cells[0][1], cells[1][0] + cells[1][1]];
        let cols = [c as f64, d as f64];
        let mut g = 0.0;
        for i in 0..2 {
            for j in 0..2 {
                let e = rows[i] * cols[j] / n;
                if cells[i][j] > 0.0 {
                    g += cells[i][j] * (cells[i][j] / e).ln();
                }
            }
        }
        2.0 * g
    }

    proptest! {
        /// The two-cell form agrees with the full table when the term is rare (the two
        /// forms differ by the non-occurrence cells, which vanish as terms get rare), and
        /// is never negative; it is zero when the proportions are equal.
        #[test]
        fn g2_agrees_with_the_full_table_for_rare_terms(a in 0u64..50, b in 0u64..50, k in 1u64..4) {
            let (c, d) = (1_000_000 * k, 3_000_000);
            let ours = log_likelihood(a, b, c, d);
            prop_assert!(ours >= 0.0);
            let full = naive_g2(a, b, c, d);
            prop_assert!((ours - full).abs() <= 0.01 + 0.001 * full, "{} vs {}", ours, full);
        }

        #[test]
        fn equal_proportions_are_not_key(a in 1u64..1000, k in 1u64..5) {
            prop_assert!(log_likelihood(a, a * k, 10_000, 10_000 * k) < 1e-9);
            prop_assert!(log_ratio(a, a * k, 10_000, 10_000 * k).abs() < 1e-9);
        }
    }

    #[test]
    fn known_values() {
        // Rayson's log-likelihood calculator example layout: 10 in 1,000 vs 5 in 10,000.
        let g = log_likelihood(10, 5, 1_000, 10_000);
        let (e1, e2) = (1_000.0 * 15.0 / 11_000.0, 10_000.0 * 15.0 / 11_000.0);
        let expected = 2.0 * (10.0 * f64::ln(10.0 / e1) + 5.0 * f64::ln(5.0 / e2));
        assert!((g - expected).abs() < 1e-12);
        assert!((g - 29.8156).abs() < 0.001, "{g}");
        assert!((log_ratio(10, 5, 1_000, 10_000) - 20f64.log2()).abs() < 1e-12);
        assert!((log_ratio(4, 0, 100, 100) - 3.0).abs() < 1e-12);
    }

    #[test]
    fn stop_words_and_pairs() {
        let mut k = Keyness::new(KeynessOptions { min_freq: 1, min_g2: 0.0, ..KeynessOptions::default() });
        let title = vec!["Bank", "of", "England", "raises", "rates"];
        let body = vec!["The", "Bank", "of", "England", "said", "2004", "X", "rates"];
        for _ in 0..3 {
            k.add_target("en", &[title.clone(), body.clone()]);
        }
        k.add_reference("en", &[vec!["rates", "fell", "said"]]);
        k.add_reference("fr", &[vec!["banque"]]);
        let out = k.finish();
        assert_eq!(out.len(), 1, "a language without matches is not counted");
        let en = &out[0];
        assert!(en.stop_words);
        let words: Vec<&str> = en.words.iter().map(|w| w.term.as_str()).collect();
        for gone in ["of", "the", "2004", "x"] {
            assert!(!words.contains(&gone), "{gone} in {words:?}");
        }
        assert!(words.contains(&"bank") && words.contains(&"england"), "{words:?}");
        let pairs: Vec<&str> = en.phrases.iter().map(|w| w.term.as_str()).collect();
        assert!(pairs.contains(&"england raises"), "{pairs:?}");
        assert!(!pairs.iter().any(|p| *p == "bank england" || *p == "rates bank"), "{pairs:?}");
        assert_eq!((en.target_docs, en.reference_docs), (3, 1));
    }
}
