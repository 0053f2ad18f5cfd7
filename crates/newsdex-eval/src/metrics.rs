//! Scores for extracted text, as published benchmarks compute them, so our numbers sit
//! beside theirs.
//!
//! * [`shingle_counts`] / [`Prf`]: the ScrapingHub article-extraction benchmark's measure.
//!   Text is split into tokens (runs of word characters), tokens into overlapping
//!   4-token shingles (a text of fewer than 4 tokens is one shingle), and the gold and
//!   predicted shingle multisets are compared: true positives are the shared counts, false
//!   positives the predicted surplus, false negatives the gold surplus. Each page's three
//!   counts are divided by their sum, so long pages do not outweigh short ones. Precision
//!   is the mean over pages with `tp + fp > 0`, recall the mean over pages with
//!   `tp + fn > 0` (a page with nothing predicted and nothing expected scores 1 on both);
//!   F1 is the harmonic mean of those two means.
//! * [`Snippets`]: trafilatura's evaluation, where each page lists snippets the text must
//!   contain and snippets it must not.
//!
//! A word character is a Unicode letter, digit or `_`, as Python's `\w`; Rust's
//! `char::is_alphanumeric` also counts a few combining vowel signs as letters, which only
//! moves Indic-script scores, never English ones.

use std::collections::HashMap;

/// The word tokens of `text`.
pub fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let word = c.is_alphanumeric() || c == '_';
        match (word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(&text[s..i]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

/// Shingle multiset of `text`: each run of `n` consecutive tokens, counted.
pub fn shingle_counts(text: &str, n: usize) -> HashMap<Vec<&str>, u32> {
    let t = tokens(text);
    let mut out = HashMap::new();
    if t.is_empty() {
        return out;
    }
    let windows = t.len().saturating_sub(n) + 1;
    for i in 0..windows.max(1) {
        let end = (i + n).min(t.len());
        *out.entry(t[i..end].to_vec()).or_insert(0) += 1;
    }
    out
}

/// One page's true positives, false positives and false negatives, normalised to sum 1
/// (all zero when both texts are empty).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Counts {
    pub tp: f64,
    pub fp: f64,
    pub fn_: f64,
}

/// Compare a predicted text with the gold text by 4-token shingles.
pub fn compare(gold: &str, predicted: &str) -> Counts {
    let g = shingle_counts(gold, 4);
    let p = shingle_counts(predicted, 4);
    let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
    for (k, &gc) in &g {
        let pc = p.get(k).copied().unwrap_or(0);
        tp += f64::from(gc.min(pc));
        fn_ += f64::from(gc.saturating_sub(pc));
    }
    for (k, &pc) in &p {
        let gc = g.get(k).copied().unwrap_or(0);
        fp += f64::from(pc.saturating_sub(gc));
    }
    let sum = tp + fp + fn_;
    if sum > 0.0 { Counts { tp: tp / sum, fp: fp / sum, fn_: fn_ / sum } } else { Counts::default() }
}

/// Precision, recall and F1 over pages.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub pages: usize,
}

impl Prf {
    pub fn of(pages: &[Counts]) -> Prf {
        let precision = mean(pages.iter().filter(|c| c.tp + c.fp > 0.0).map(|c| precision(*c)));
        let recall = mean(pages.iter().filter(|c| c.tp + c.fn_ > 0.0).map(|c| recall(*c)));
        let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
        Prf { precision, recall, f1, pages: pages.len() }
    }
}

fn precision(c: Counts) -> f64 {
    if c.fp == 0.0 && c.fn_ == 0.0 {
        1.0
    } else if c.tp == 0.0 && c.fp == 0.0 {
        0.0
    } else {
        c.tp / (c.tp + c.fp)
    }
}

fn recall(c: Counts) -> f64 {
    if c.fp == 0.0 && c.fn_ == 0.0 {
        1.0
    } else if c.tp == 0.0 && c.fn_ == 0.0 {
        0.0
    } else {
        c.tp / (c.tp + c.fn_)
    }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// Must-include / must-exclude snippet counts over pages (trafilatura's evaluation):
/// a wanted snippet found is a true positive, missing a false negative; an unwanted
/// snippet found is a false positive, absent a true negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Snippets {
    pub tp: u64,
    pub fn_: u64,
    pub fp: u64,
    pub tn: u64,
}

impl Snippets {
    /// Count one page. Snippets and text are compared with whitespace runs collapsed.
    pub fn add(&mut self, text: &str, with: &[String], without: &[String]) {
        let text = squash(text);
        for s in with {
            if text.contains(&squash(s)) { self.tp += 1 } else { self.fn_ += 1 }
        }
        for s in without {
            if text.contains(&squash(s)) { self.fp += 1 } else { self.tn += 1 }
        }
    }

    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 }
    }

    pub fn accuracy(&self) -> f64 {
        ratio(self.tp + self.tn, self.tp + self.tn + self.fp + self.fn_)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Whitespace runs to one space, trimmed; soft hyphens (invisible, and removed by
/// newsdex's text hygiene) dropped.
pub fn squash(s: &str) -> String {
    s.split_whitespace().map(|w| w.replace('\u{ad}', "")).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_word_runs() {
        assert_eq!(tokens("Don't stop—now! 3.5 km_h"), ["Don", "t", "stop", "now", "3", "5", "km_h"]);
        assert_eq!(tokens("维吾尔 Уйгур"), ["维吾尔", "Уйгур"]);
    }

    #[test]
    fn short_texts_are_one_shingle() {
        assert_eq!(shingle_counts("a b", 4).len(), 1);
        assert!(shingle_counts("", 4).is_empty());
        assert_eq!(shingle_counts("a b c d e", 4).len(), 2);
        assert_eq!(shingle_counts("x x x x x x", 4)[&vec!["x", "x", "x", "x"]], 3);
    }

    #[test]
    fn perfect_missing_and_extra_text() {
        let gold = "one two three four five six seven";
        assert_eq!(compare(gold, gold), Counts { tp: 1.0, fp: 0.0, fn_: 0.0 });
        let c = compare(gold, "");
        assert_eq!((c.tp, c.fn_), (0.0, 1.0));
        // Two of the six predicted shingles are right: precision 1/3, recall 1.
        let c = compare("a b c d e", "a b c d e x y z w");
        let p = Prf::of(&[c]);
        assert!((p.recall - 1.0).abs() < 1e-9 && (p.precision - 1.0 / 3.0).abs() < 1e-9, "{p:?}");
        // Nothing expected and nothing predicted is perfect.
        let p = Prf::of(&[compare("", "")]);
        assert_eq!((p.precision, p.recall), (0.0, 0.0), "no page qualifies for either mean");
    }

    #[test]
    fn snippets_count_both_ways() {
        let mut s = Snippets::default();
        s.add(
            "The GEMA  dreht\nvöllig am Zeiger! Impressum",
            &["GEMA dreht völlig".into(), "absent".into()],
            &["Impressum".into(), "31. Mai".into()],
        );
        assert_eq!(s, Snippets { tp: 1, fn_: 1, fp: 1, tn: 1 });
        assert_eq!((s.precision(), s.recall(), s.accuracy()), (0.5, 0.5, 0.5));
    }
}
