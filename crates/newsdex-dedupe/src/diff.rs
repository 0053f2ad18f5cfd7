//! How two members of a story differ, paragraph by paragraph: what a republisher added,
//! cut or edited, and whether it moved paragraphs around.
//!
//! Paragraphs are compared by their words (case, punctuation and spacing ignored), as a
//! multiset: the same paragraph in another place is "same" and sets
//! [`ParagraphDiff::reordered`]. A paragraph left over on each side sharing at least half
//! its words with one on the other is an edit (a sentence trimmed, a name respelt), not a
//! cut plus an addition.

use std::collections::HashSet;

use crate::words;

/// Longest run of paragraphs compared; beyond it the rest counts as one paragraph.
const MAX_PARAGRAPHS: usize = 1000;

/// The differences of `other` from `base`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ParagraphDiff {
    /// Paragraphs in both.
    pub same: usize,
    /// Paragraphs of `other` that `base` lacks.
    pub added: Vec<String>,
    /// Paragraphs of `base` that `other` lacks.
    pub cut: Vec<String>,
    /// Paragraphs changed: (in `base`, in `other`).
    pub edited: Vec<(String, String)>,
    /// Whether paragraphs both have are in another order.
    pub reordered: bool,
}

impl ParagraphDiff {
    /// Nothing added, cut or edited, and in the same order.
    pub fn is_identical(&self) -> bool {
        self.added.is_empty() && self.cut.is_empty() && self.edited.is_empty() && !self.reordered
    }

    /// In words: "12 paragraphs the same, 1 added, 2 cut, 1 edited, reordered".
    pub fn summary(&self) -> String {
        if self.is_identical() {
            return format!("the same paragraphs ({})", self.same);
        }
        format!(
            "{} paragraph{} the same, {} added, {} cut, {} edited{}",
            self.same,
            if self.same == 1 { "" } else { "s" },
            self.added.len(),
            self.cut.len(),
            self.edited.len(),
            if self.reordered { ", reordered" } else { "" }
        )
    }
}

/// A text's paragraphs: its non-blank lines, trimmed.
pub fn paragraphs(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if out.len() > MAX_PARAGRAPHS {
        out.truncate(MAX_PARAGRAPHS);
    }
    out
}

/// Compare `other` with `base` (the story's canonical member).
pub fn diff_paragraphs(base: &str, other: &str) -> ParagraphDiff {
    let a = paragraphs(base);
    let b = paragraphs(other);
    let norm = |p: &&str| -> String { words(p).join(" ") };
    let na: Vec<String> = a.iter().map(norm).collect();
    let nb: Vec<String> = b.iter().map(norm).collect();
    let mut used_a = vec![false; a.len()];
    let mut used_b = vec![false; b.len()];
    // Same paragraphs: for each of `other`'s, the first unused equal one of `base`.
    let mut order = Vec::new();
    let mut same = 0;
    for (j, q) in nb.iter().enumerate() {
        if q.is_empty() {
            used_b[j] = true;
            continue;
        }
        if let Some(i) = (0..a.len()).find(|&i| !used_a[i] && na[i] == *q) {
            used_a[i] = true;
            used_b[j] = true;
            order.push(i);
            same += 1;
        }
    }
    for (i, p) in na.iter().enumerate() {
        if p.is_empty() {
            used_a[i] = true;
        }
    }
    let reordered = order.windows(2).any(|w| w[0] > w[1]);
    // Edits: leftovers sharing at least half their words.
    let mut edited = Vec::new();
    for j in 0..b.len() {
        if used_b[j] {
            continue;
        }
        let sb = word_set(&nb[j]);
        let best = (0..a.len())
            .filter(|&i| !used_a[i])
            .map(|i| {
                let sa = word_set(&na[i]);
                let inter = sa.intersection(&sb).count() as f64;
                (inter / sa.len().min(sb.len()).max(1) as f64, i)
            })
            .filter(|(sim, _)| *sim >= 0.5)
            .max_by(|x, y| x.0.total_cmp(&y.0).then(y.1.cmp(&x.1)));
        if let Some((_, i)) = best {
            used_a[i] = true;
            used_b[j] = true;
            edited.push((a[i].to_string(), b[j].to_string()));
        }
    }
    let added = (0..b.len()).filter(|&j| !used_b[j]).map(|j| b[j].to_string()).collect();
    let cut = (0..a.len()).filter(|&i| !used_a[i]).map(|i| a[i].to_string()).collect();
    ParagraphDiff { same, added, cut, edited, reordered }
}

fn word_set(s: &str) -> HashSet<&str> {
    s.split(' ').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_republisher_adding_cutting_and_trimming_is_described() {
        let base =
            "First paragraph about Xinjiang.\n\nSecond paragraph, with detail.\n\nThird one, the last of all here.";
        let other = "Share this on Facebook\nsecond paragraph with DETAIL\nFirst paragraph about Xinjiang.\nThird one, the last";
        let d = diff_paragraphs(base, other);
        assert_eq!(d.same, 2);
        assert_eq!(d.added, vec!["Share this on Facebook"]);
        assert!(d.cut.is_empty());
        assert_eq!(d.edited, vec![("Third one, the last of all here.".into(), "Third one, the last".into())]);
        assert!(d.reordered);
        assert!(!d.is_identical());
        assert_eq!(d.summary(), "2 paragraphs the same, 1 added, 0 cut, 1 edited, reordered");
        assert!(diff_paragraphs(base, &base.replace("\n\n", "\n")).is_identical());
    }

    #[test]
    fn what_the_copy_lacks_is_cut() {
        let d = diff_paragraphs("One two three.\nFour five six.\nSeven eight nine.", "One two three.");
        assert_eq!(d.cut, vec!["Four five six.", "Seven eight nine."]);
        assert!(d.added.is_empty() && !d.reordered);
    }
}
