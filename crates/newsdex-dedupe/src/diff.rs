//! How two members of a story differ, paragraph by paragraph: what a republisher added,
//! cut or edited, and whether it moved paragraphs around.
//!
//! Paragraphs are compared by their words (case, punctuation and spacing ignored), as a
//! multiset: the same paragraph in another place is "same" and sets
//! [`ParagraphDiff::reordered`]. A paragraph left over on each side sharing at least half
//! its words with one on the other is an edit (a sentence trimmed, a name respelt), not a
//! cut plus an addition.
//!
//! An edited paragraph is compared word by word ([`diff_words`]: a Myers diff of words
//! and the spaces between them, from the `similar` crate), so a page can show the words a
//! republisher changed (a date, a figure) instead of the whole paragraph struck out and
//! added again.

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
    /// For each of [`ParagraphDiff::edited`], in the same order: the edit word by word.
    pub edited_words: Vec<Vec<WordRun>>,
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

/// Whether a run of words is in both texts, only the base, or only the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Same,
    /// In the base only (a copy cut it).
    Cut,
    /// In the other text only (a copy added it).
    Added,
}

/// Consecutive words (with the spacing between them, as written) of one [`Change`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WordRun {
    pub change: Change,
    pub text: String,
}

/// Longest paragraph (in bytes, each side) compared word by word; a longer edit is shown
/// as the whole base paragraph cut and the other added.
const MAX_WORD_DIFF: usize = 64 << 10;

/// How `other` differs from `base` word by word: runs of words kept, cut and added, in
/// reading order (a cut run before the run that replaces it). Concatenating the `Same`
/// and `Cut` runs gives `base`, the `Same` and `Added` runs `other`.
pub fn diff_words(base: &str, other: &str) -> Vec<WordRun> {
    let mut runs: Vec<WordRun> = Vec::new();
    let mut push = |change: Change, text: &str| {
        if text.is_empty() {
            return;
        }
        match runs.last_mut() {
            Some(last) if last.change == change => last.text.push_str(text),
            _ => runs.push(WordRun { change, text: text.to_string() }),
        }
    };
    if base.len() > MAX_WORD_DIFF || other.len() > MAX_WORD_DIFF {
        push(Change::Cut, base);
        push(Change::Added, other);
        return runs;
    }
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .timeout(std::time::Duration::from_millis(200))
        .diff_words(base, other);
    // A stretch of changes with only spaces between them is one cut run and one added
    // run, the spaces in both ("<del>on Monday</del><ins>today</ins>" rather than
    // alternating word by word).
    let changes: Vec<(similar::ChangeTag, &str)> = diff.iter_all_changes().map(|c| (c.tag(), c.value())).collect();
    let changed = |k: usize| changes.get(k).is_some_and(|c| c.0 != similar::ChangeTag::Equal);
    let mut i = 0;
    while i < changes.len() {
        if !changed(i) {
            push(Change::Same, changes[i].1);
            i += 1;
            continue;
        }
        let start = i;
        while i < changes.len() && (changed(i) || (changes[i].1.trim().is_empty() && changed(i + 1))) {
            i += 1;
        }
        let stretch = &changes[start..i];
        let has = |t: similar::ChangeTag| stretch.iter().any(|c| c.0 == t);
        if has(similar::ChangeTag::Delete) && has(similar::ChangeTag::Insert) {
            let side = |t: similar::ChangeTag| -> String {
                stretch.iter().filter(|c| c.0 == t || c.0 == similar::ChangeTag::Equal).map(|c| c.1).collect()
            };
            push(Change::Cut, &side(similar::ChangeTag::Delete));
            push(Change::Added, &side(similar::ChangeTag::Insert));
        } else {
            // Only cut or only added: spaces between are the same in both.
            for &(tag, value) in stretch {
                let change = match tag {
                    similar::ChangeTag::Equal => Change::Same,
                    similar::ChangeTag::Delete => Change::Cut,
                    similar::ChangeTag::Insert => Change::Added,
                };
                push(change, value);
            }
        }
    }
    runs
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
    let mut edited_words = Vec::new();
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
            edited_words.push(diff_words(a[i], b[j]));
        }
    }
    let added = (0..b.len()).filter(|&j| !used_b[j]).map(|j| b[j].to_string()).collect();
    let cut = (0..a.len()).filter(|&i| !used_a[i]).map(|i| a[i].to_string()).collect();
    ParagraphDiff { same, added, cut, edited, edited_words, reordered }
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

    fn runs(r: &[WordRun]) -> Vec<(Change, &str)> {
        r.iter().map(|w| (w.change, w.text.as_str())).collect()
    }

    #[test]
    fn words_changed_within_a_paragraph_are_runs() {
        let r = diff_words("The bank will reopen on Monday as a branch.", "The bank will reopen today as a branch.");
        assert_eq!(
            runs(&r),
            vec![
                (Change::Same, "The bank will reopen "),
                (Change::Cut, "on Monday"),
                (Change::Added, "today"),
                (Change::Same, " as a branch."),
            ]
        );
        // Only added, only cut: the spaces between stay the same.
        let r = diff_words("Rates rose.", "Rates rose sharply again.");
        assert_eq!(
            runs(&r),
            vec![(Change::Same, "Rates "), (Change::Cut, "rose."), (Change::Added, "rose sharply again.")]
        );
        let r = diff_words("a b c d e", "a d e");
        let base: String = r.iter().filter(|w| w.change != Change::Added).map(|w| w.text.as_str()).collect();
        let other: String = r.iter().filter(|w| w.change != Change::Cut).map(|w| w.text.as_str()).collect();
        assert_eq!((base.as_str(), other.as_str()), ("a b c d e", "a d e"));
        assert!(r.iter().any(|w| w.change == Change::Cut) && !r.iter().any(|w| w.change == Change::Added));
        assert_eq!(runs(&diff_words("same", "same")), vec![(Change::Same, "same")]);
    }

    /// Reuters-21578 ran "TWO UTAH FINANCIAL INSTITUTIONS FAIL" twice, two days apart,
    /// with one word changed ("reopen Monday" became "reopen today"): the copy's diff is
    /// one edited paragraph whose only change is that word (skipped without ../shared).
    #[test]
    fn a_real_reuters_copy_where_only_the_day_changed() {
        let Some(path) = newsdex_testkit::shared_data("news-reuters21578/reuters21578.jsonl.zst") else { return };
        let bytes = zstd::decode_all(&std::fs::read(path).unwrap()[..]).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let body = |id: &str| -> String {
            let needle = format!("\"id\": \"{id}\"");
            let line = text.lines().find(|l| l.contains(&needle)).unwrap();
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            v["text"].as_str().unwrap().to_string()
        };
        let d = diff_paragraphs(&body("reuters-16090"), &body("reuters-16199"));
        assert!(d.added.is_empty() && d.cut.is_empty() && !d.reordered, "{d:?}");
        assert_eq!(d.edited.len(), 1, "{d:?}");
        assert_eq!(
            runs(&d.edited_words[0]),
            vec![
                (Change::Same, "Its three offices will reopen "),
                (Change::Cut, "Monday"),
                (Change::Added, "today"),
                (Change::Same, " as branches of Dixie"),
            ]
        );
        assert!(d.same > 10, "{}", d.summary());
    }
}
