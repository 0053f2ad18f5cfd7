//! Same-story grouping scored against a gold clustering: B-cubed precision and recall
//! (per article: how much of its predicted story is its gold story, and how much of its
//! gold story it was grouped with; averaged over articles) and pairwise precision/recall
//! (over all pairs of articles put in one story).
//!
//! Sets: `../shared/data/news-same-story-uci/headlines.jsonl` (headlines with the news
//! aggregator's story ids; titles only, so only the headline signal can work there).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use newsdex_dedupe::{Config, Grouper, Item};

/// One article with its gold story.
#[derive(Debug, Clone)]
pub struct Labelled {
    pub title: String,
    pub body: String,
    pub published: Option<i64>,
    pub story: String,
}

/// The UCI News Aggregator headlines.
pub fn load_uci(path: &Path) -> Result<Vec<Labelled>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            let v: serde_json::Value = serde_json::from_str(l).with_context(|| format!("line {}", i + 1))?;
            Ok(Labelled {
                title: v["title"].as_str().unwrap_or_default().to_string(),
                body: String::new(),
                published: v["timestamp_ms"].as_i64().map(|ms| ms / 1000),
                story: v["story"].as_str().unwrap_or_default().to_string(),
            })
        })
        .collect()
}

/// Scores of one grouping.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Scores {
    pub articles: usize,
    pub gold_stories: usize,
    pub predicted_stories: usize,
    pub bcubed_precision: f64,
    pub bcubed_recall: f64,
    pub bcubed_f1: f64,
    pub pair_precision: f64,
    pub pair_recall: f64,
    pub pair_f1: f64,
    pub seconds: f64,
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
}

/// Score `predicted[i]` (a story label per article) against `gold[i]`.
pub fn score<P: std::hash::Hash + Eq, G: std::hash::Hash + Eq>(predicted: &[P], gold: &[G]) -> (f64, f64, f64, f64) {
    let n = predicted.len();
    let mut by_pair: HashMap<(&P, &G), usize> = HashMap::new();
    let mut by_p: HashMap<&P, usize> = HashMap::new();
    let mut by_g: HashMap<&G, usize> = HashMap::new();
    for (p, g) in predicted.iter().zip(gold) {
        *by_pair.entry((p, g)).or_default() += 1;
        *by_p.entry(p).or_default() += 1;
        *by_g.entry(g).or_default() += 1;
    }
    // B-cubed: each article in cell (p, g) has precision |cell|/|p| and recall |cell|/|g|.
    let (mut bp, mut br) = (0.0, 0.0);
    for (&(p, g), &c) in &by_pair {
        bp += c as f64 * c as f64 / by_p[p] as f64;
        br += c as f64 * c as f64 / by_g[g] as f64;
    }
    let pairs = |c: usize| (c * c.saturating_sub(1) / 2) as f64;
    let together: f64 = by_pair.values().map(|&c| pairs(c)).sum();
    let predicted_pairs: f64 = by_p.values().map(|&c| pairs(c)).sum();
    let gold_pairs: f64 = by_g.values().map(|&c| pairs(c)).sum();
    let pp = if predicted_pairs == 0.0 { 1.0 } else { together / predicted_pairs };
    let pr = if gold_pairs == 0.0 { 1.0 } else { together / gold_pairs };
    (bp / n.max(1) as f64, br / n.max(1) as f64, pp, pr)
}

/// Group the articles with newsdex's [`Grouper`]: each article's story, and the seconds it took.
pub fn group<'a>(set: impl IntoIterator<Item = &'a Labelled>, config: Config) -> (Vec<u64>, f64) {
    let started = std::time::Instant::now();
    let mut g = Grouper::new(config);
    let mut n = 0u64;
    for a in set {
        g.add(&Item { key: n, title: &a.title, body: &a.body, published: a.published, seq: n });
        n += 1;
    }
    let stories = g.stories();
    let seconds = started.elapsed().as_secs_f64();
    ((0..n).map(|k| stories[&k]).collect(), seconds)
}

/// Group like [`group`], also keeping every link the grouper made (article, article it
/// was linked to, why), for `--worst`.
pub fn group_links<'a>(
    set: impl IntoIterator<Item = &'a Labelled>,
    config: Config,
) -> (Vec<u64>, Vec<(usize, usize, newsdex_dedupe::Link)>) {
    let mut g = Grouper::new(config);
    let mut links = Vec::new();
    let mut n = 0u64;
    for a in set {
        for (other, why) in g.add(&Item { key: n, title: &a.title, body: &a.body, published: a.published, seq: n }) {
            links.push((n as usize, other as usize, why));
        }
        n += 1;
    }
    let stories = g.stories();
    ((0..n).map(|k| stories[&k]).collect(), links)
}

/// The links the grouper made between articles of different gold stories with either in
/// `split`, in article order.
pub fn false_links(
    set: &[Labelled],
    links: &[(usize, usize, newsdex_dedupe::Link)],
    split: Split,
) -> Vec<(usize, usize, newsdex_dedupe::Link)> {
    let mut out: Vec<(usize, usize, newsdex_dedupe::Link)> = links
        .iter()
        .filter(|(a, b, _)| set[*a].story != set[*b].story)
        .filter(|(a, b, _)| split.has(&set[*a].story) || split.has(&set[*b].story))
        .copied()
        .collect();
    out.sort_by_key(|(a, b, _)| (*a, *b));
    out
}

/// Score a grouping of `set`.
pub fn scores<'a>(set: impl IntoIterator<Item = &'a Labelled>, predicted: &[u64], seconds: f64) -> Scores {
    let gold: Vec<&str> = set.into_iter().map(|a| a.story.as_str()).collect();
    let (bp, br, pp, pr) = score(predicted, &gold);
    Scores {
        articles: gold.len(),
        gold_stories: gold.iter().collect::<std::collections::HashSet<_>>().len(),
        predicted_stories: predicted.iter().collect::<std::collections::HashSet<_>>().len(),
        bcubed_precision: bp,
        bcubed_recall: br,
        bcubed_f1: f1(bp, br),
        pair_precision: pp,
        pair_recall: pr,
        pair_f1: f1(pp, pr),
        seconds,
    }
}

/// Group and score.
pub fn run(set: &[Labelled], config: Config) -> Scores {
    let (predicted, seconds) = group(set, config);
    scores(set, &predicted, seconds)
}

/// Stories of a JSON Lines file (`title`, `text`, `published` as `YYYY-MM-DDTHH:MM:SS`),
/// those with at least `min_words` words.
pub fn load_jsonl(path: &Path, min_words: usize) -> Result<Vec<(String, String, Option<i64>)>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for l in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(l)?;
        let body = v["text"].as_str().unwrap_or_default();
        if body.split_whitespace().count() < min_words {
            continue;
        }
        let published = v["published"].as_str().and_then(epoch_seconds);
        out.push((v["title"].as_str().unwrap_or_default().to_string(), body.to_string(), published));
    }
    Ok(out)
}

/// `YYYY-MM-DD[THH:MM:SS]` or Reuters' `26-FEB-1987 15:01:01.79` as seconds since the
/// epoch (UTC), by the civil-from-days formula.
fn epoch_seconds(s: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    let s = s.trim();
    if let [day, month, rest] = s.splitn(3, '-').collect::<Vec<_>>()[..]
        && let Some(m) = MONTHS.iter().position(|x| month.eq_ignore_ascii_case(x))
        && day.len() <= 2
    {
        let (year, time) = rest.split_once(' ').unwrap_or((rest, "00:00:00"));
        let iso = format!("{year}-{:02}-{:0>2}T{}", m + 1, day, time.get(..8).unwrap_or("00:00:00"));
        return epoch_seconds(&iso);
    }
    let num = |a: usize, b: usize| s.get(a..b)?.parse::<i64>().ok();
    let (y, m, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hh, mm, ss) = (num(11, 13).unwrap_or(0), num(14, 16).unwrap_or(0), num(17, 19).unwrap_or(0));
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// The edits a republisher makes, one per copy in turn.
pub const EDITS: [&str; 5] = ["boilerplate", "truncated", "new headline", "reordered", "mis-decoded"];

fn edit(kind: usize, title: &str, text: &str) -> (String, String) {
    let paragraphs: Vec<&str> = text.split("\n\n").filter(|p| !p.trim().is_empty()).collect();
    let sentences: Vec<&str> = text.split_inclusive(". ").collect();
    match kind {
        // The republisher's own furniture around the story.
        0 => (
            title.to_string(),
            format!(
                "Share this article: Facebook Twitter LinkedIn Email Print\n\n{text}\n\n\
                 Copyright Daily Example. All rights reserved. Subscribe to our newsletter for more business news.\n\n\
                 Related: Markets close higher as investors weigh earnings"
            ),
        ),
        // Cut after about 60% of its sentences.
        1 => (title.to_string(), sentences[..(sentences.len() * 3).div_ceil(5)].concat()),
        // A rewritten headline (the words of the original, reordered, with a tag).
        2 => {
            let mut w: Vec<&str> = title.split_whitespace().collect();
            w.reverse();
            (format!("UPDATE 2 - {}", w.join(" ")), text.to_string())
        }
        // Paragraphs (or, for one-paragraph stories, halves) in another order.
        3 => {
            if paragraphs.len() >= 3 {
                let mut p = paragraphs.clone();
                p.rotate_left(paragraphs.len() / 2);
                (title.to_string(), p.join("\n\n"))
            } else {
                let half = sentences.len() / 2;
                (title.to_string(), [sentences[half..].concat(), sentences[..half].concat()].join(" "))
            }
        }
        // Typeset quotes and dashes, then UTF-8 read as windows-1252 and not repaired.
        _ => {
            let typeset = text.replace(" - ", " – ").replace("'s", "’s").replace('"', "”");
            let (mis, _, _) = encoding_rs::WINDOWS_1252.decode(typeset.as_bytes());
            (title.to_string(), mis.into_owned())
        }
    }
}

/// A syndication set from real stories: every `every`-th story gets one republished copy
/// with the next edit of [`EDITS`], published a day later; the rest stay as distractors.
/// Gold stories: each original with its copy, and stories the collection itself
/// repeats word for word (Reuters-21578 has such duplicates) as one.
pub fn syndication(stories: &[(String, String, Option<i64>)], every: usize) -> Vec<(Labelled, Option<usize>)> {
    let mut gold_of_text: HashMap<[u8; 16], String> = HashMap::new();
    let mut out = Vec::new();
    let mut copies = 0usize;
    for (i, (title, text, published)) in stories.iter().enumerate() {
        let key = newsdex_dedupe::exact_key(title, text);
        let story = gold_of_text.entry(key).or_insert_with(|| format!("s{i}")).clone();
        out.push((
            Labelled { title: title.clone(), body: text.clone(), published: *published, story: story.clone() },
            None,
        ));
        if every > 0 && i % every == 0 {
            let kind = copies % EDITS.len();
            copies += 1;
            let (t, b) = edit(kind, title, text);
            out.push((Labelled { title: t, body: b, published: published.map(|p| p + 86_400), story }, Some(kind)));
        }
    }
    out
}

/// Which half of a set an article is scored in: by a hash of its gold story's id, so a
/// story is never in both. Thresholds are chosen on [`Split::Dev`] and reported on
/// [`Split::Test`] too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    All,
    Dev,
    Test,
}

impl Split {
    /// Whether the gold story `story` is in this split (FNV-1a of its id: even = dev).
    pub fn has(self, story: &str) -> bool {
        let h = story.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        match self {
            Split::All => true,
            Split::Dev => h % 2 == 0,
            Split::Test => h % 2 == 1,
        }
    }
}

/// Score the articles of `set` in `split` (by their gold story) against a grouping of the
/// whole set. Clusters are taken whole: an article's B-cubed precision counts every
/// member of its predicted story, and a predicted pair counts against the split's pair
/// precision if either article is in it (a wrong join across the split is not hidden).
pub fn scores_in(set: &[Labelled], predicted: &[u64], seconds: f64, split: Split) -> Scores {
    let gold: Vec<&str> = set.iter().map(|a| a.story.as_str()).collect();
    let inside: Vec<bool> = gold.iter().map(|g| split.has(g)).collect();
    let mut cell: HashMap<(u64, &str), usize> = HashMap::new();
    let mut by_p: HashMap<u64, (usize, usize)> = HashMap::new();
    let mut by_g: HashMap<&str, usize> = HashMap::new();
    for i in 0..set.len() {
        *cell.entry((predicted[i], gold[i])).or_default() += 1;
        let e = by_p.entry(predicted[i]).or_default();
        e.0 += 1;
        e.1 += usize::from(inside[i]);
        *by_g.entry(gold[i]).or_default() += 1;
    }
    let pairs = |c: usize| (c * c.saturating_sub(1) / 2) as f64;
    let (mut bp, mut br, mut n) = (0.0, 0.0, 0usize);
    for i in (0..set.len()).filter(|&i| inside[i]) {
        let c = cell[&(predicted[i], gold[i])] as f64;
        bp += c / by_p[&predicted[i]].0 as f64;
        br += c / by_g[gold[i]] as f64;
        n += 1;
    }
    let together: f64 = cell.iter().filter(|((_, g), _)| split.has(g)).map(|(_, &c)| pairs(c)).sum();
    let predicted_pairs: f64 = by_p.values().map(|&(all, ins)| pairs(all) - pairs(all - ins)).sum();
    let gold_pairs: f64 = by_g.iter().filter(|(g, _)| split.has(g)).map(|(_, &c)| pairs(c)).sum();
    let pp = if predicted_pairs == 0.0 { 1.0 } else { together / predicted_pairs };
    let pr = if gold_pairs == 0.0 { 1.0 } else { together / gold_pairs };
    let (bp, br) = (bp / n.max(1) as f64, br / n.max(1) as f64);
    let kept: std::collections::HashSet<u64> = (0..set.len()).filter(|&i| inside[i]).map(|i| predicted[i]).collect();
    Scores {
        articles: n,
        gold_stories: by_g.keys().filter(|g| split.has(g)).count(),
        predicted_stories: kept.len(),
        bcubed_precision: bp,
        bcubed_recall: br,
        bcubed_f1: f1(bp, br),
        pair_precision: pp,
        pair_recall: pr,
        pair_f1: f1(pp, pr),
        seconds,
    }
}

/// Most seconds between two Reuters versions of one report ([`reissues`]).
pub const REISSUE_SECS: i64 = 36 * 3600;
/// Default least share of words two versions of one report have in common, in order
/// ([`reissues`]; BENCHMARKS.md shows the scores at 0.7 and 0.9 too).
pub const REISSUE_RATIO: f64 = 0.8;

/// The gold with Reuters' re-issues: Reuters-21578 carries successive versions of many
/// reports (a word respelt, a sentence added, the lead rewritten: "A U.S. judge today
/// dismissed…" and "A U.S. Judge dismissed…" hours apart), which the word-for-word gold
/// keeps apart although they are one story. Two originals become one gold story when
/// both are dated at most [`REISSUE_SECS`] apart and their word sequences agree on at
/// least `ratio` of their words ([`REISSUE_RATIO`] by default) (a word-level diff from the `similar` crate:
/// nothing of newsdex's shingles or MinHash), unless every word that differs is a figure
/// (a table or template filled in again the same day is another report). Candidates are
/// pairs sharing a word 8-gram that at most 8 originals have. Returns how many stories
/// were merged; copies follow their original.
pub fn reissues(set: &mut [(Labelled, Option<usize>)], ratio: f64) -> usize {
    let originals: Vec<usize> = (0..set.len()).filter(|&i| set[i].1.is_none()).collect();
    let words: HashMap<usize, Vec<String>> =
        originals.iter().map(|&i| (i, newsdex_dedupe::words(&set[i].0.body))).collect();
    let mut by_gram: HashMap<&[String], Vec<usize>> = HashMap::new();
    for &i in &originals {
        let w = &words[&i];
        let mut seen = std::collections::HashSet::new();
        for g in w.windows(8) {
            if seen.insert(g) {
                by_gram.entry(g).or_default().push(i);
            }
        }
    }
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    for list in by_gram.values().filter(|l| l.len() > 1 && l.len() <= 8) {
        for (k, &a) in list.iter().enumerate() {
            for &b in &list[k + 1..] {
                candidates.push((a.min(b), a.max(b)));
            }
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    // Union of gold labels.
    let mut parent: HashMap<String, String> = HashMap::new();
    fn find(parent: &HashMap<String, String>, x: &str) -> String {
        let mut x = x.to_string();
        while let Some(p) = parent.get(&x).filter(|p| **p != x) {
            x = p.clone();
        }
        x
    }
    let mut merged = 0;
    for (a, b) in candidates {
        let (la, lb) = (find(&parent, &set[a].0.story), find(&parent, &set[b].0.story));
        if la == lb {
            continue;
        }
        let (Some(pa), Some(pb)) = (set[a].0.published, set[b].0.published) else { continue };
        if (pa - pb).abs() > REISSUE_SECS {
            continue;
        }
        let (wa, wb) = (&words[&a], &words[&b]);
        let ra: Vec<&str> = wa.iter().map(String::as_str).collect();
        let rb: Vec<&str> = wb.iter().map(String::as_str).collect();
        let diff = similar::TextDiff::configure().timeout(std::time::Duration::from_millis(500)).diff_slices(&ra, &rb);
        if f64::from(diff.ratio()) < ratio {
            continue;
        }
        let figures_only = diff
            .iter_all_changes()
            .filter(|c| c.tag() != similar::ChangeTag::Equal)
            .all(|c| c.value().chars().any(|ch| ch.is_ascii_digit()));
        if figures_only {
            continue;
        }
        let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
        parent.insert(hi, lo);
        merged += 1;
    }
    for (a, _) in set.iter_mut() {
        a.story = find(&parent, &a.story);
    }
    merged
}

/// Recall of each edit: the share of copies grouped with their original.
pub fn recall_by_edit(set: &[(Labelled, Option<usize>)], predicted: &[u64]) -> Vec<(&'static str, usize, usize)> {
    let mut first_of_story: HashMap<&str, usize> = HashMap::new();
    for (i, (a, kind)) in set.iter().enumerate() {
        if kind.is_none() {
            first_of_story.entry(a.story.as_str()).or_insert(i);
        }
    }
    let mut found = [(0usize, 0usize); EDITS.len()];
    for (i, (a, kind)) in set.iter().enumerate() {
        if let Some(k) = kind {
            found[*k].1 += 1;
            if predicted[i] == predicted[first_of_story[a.story.as_str()]] {
                found[*k].0 += 1;
            }
        }
    }
    EDITS.iter().zip(found).map(|(e, (f, n))| (*e, f, n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_by_hand() {
        // Gold {0,1,2} {3}; predicted {0,1} {2,3}.
        let (bp, br, pp, pr) = score(&[1, 1, 2, 2], &["a", "a", "a", "b"]);
        // B-cubed precision: 0,1 → 1; 2 → 1/2; 3 → 1/2: 3/4. Recall: 0,1 → 2/3; 2 → 1/3; 3 → 1.
        assert!((bp - 0.75).abs() < 1e-12, "{bp}");
        assert!((br - (2.0 / 3.0 * 2.0 + 1.0 / 3.0 + 1.0) / 4.0).abs() < 1e-12, "{br}");
        // Pairs: predicted (0,1) (2,3); gold (0,1) (0,2) (1,2); together (0,1).
        assert!((pp - 0.5).abs() < 1e-12 && (pr - 1.0 / 3.0).abs() < 1e-12, "{pp} {pr}");
        assert_eq!(score(&[1, 2, 3], &[4, 5, 6]), (1.0, 1.0, 1.0, 1.0));
    }

    /// Reuters-21578 repeats some stories word for word under other ids: every such group
    /// (by a naive model: equal normalised text) is one story, and republished copies with
    /// each kind of edit are found (skipped without ../shared).
    #[test]
    fn reuters_duplicates_and_syndicated_copies_are_found() {
        let Some(dir) = newsdex_testkit::shared_data("news-reuters21578/original") else { return };
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("reuters.jsonl");
        std::fs::write(&path, newsdex_testkit::reuters::jsonl(&dir).unwrap()).unwrap();
        // Stories of 60 words or more: shorter ones drown in a republisher's furniture
        // (measured: 902 of 941 such copies found at 20 words and up).
        let stories = load_jsonl(&path, 60).unwrap();
        let set = syndication(&stories, 4);
        let (predicted, _) = group(set.iter().map(|(a, _)| a), Config::default());
        // The naive model: texts equal once case, punctuation and spacing are ignored.
        let mut naive: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, (a, kind)) in set.iter().enumerate() {
            if kind.is_none() {
                naive.entry(newsdex_dedupe::words(&a.body).join(" ")).or_default().push(i);
            }
        }
        let groups: Vec<&Vec<usize>> = naive.values().filter(|g| g.len() > 1).collect();
        assert!(groups.len() > 100, "Reuters-21578 has hundreds of repeated stories, found {}", groups.len());
        for g in &groups {
            assert!(g.iter().all(|&i| predicted[i] == predicted[g[0]]), "duplicates {g:?} split");
        }
        for (edit, found, copies) in recall_by_edit(&set, &predicted) {
            let floor = if edit == "truncated" { 0.9 } else { 0.99 };
            assert!(found as f64 >= floor * copies as f64, "{edit}: {found}/{copies}");
        }
    }

    #[test]
    fn split_scores_count_joins_across_the_split() {
        let a =
            |story: &str| Labelled { title: String::new(), body: String::new(), published: None, story: story.into() };
        let set: Vec<Labelled> = ["x", "x", "y"].iter().map(|s| a(s)).collect();
        let predicted = [1, 1, 1];
        let all = scores_in(&set, &predicted, 0.0, Split::All);
        assert_eq!(score(&predicted, &["x", "x", "y"]).2, all.pair_precision);
        for split in [Split::Dev, Split::Test] {
            let s = scores_in(&set, &predicted, 0.0, split);
            // The split with x: 1 true pair of the 3 predicted; with y only: 0 of 2.
            let expect = match (split.has("x"), split.has("y")) {
                (true, _) => 1.0 / 3.0,
                (false, true) => 0.0,
                (false, false) => 1.0,
            };
            assert!((s.pair_precision - expect).abs() < 1e-12, "{split:?} {s:?}");
        }
    }

    #[test]
    fn epoch_seconds_by_hand() {
        assert_eq!(epoch_seconds("1970-01-01"), Some(0));
        assert_eq!(epoch_seconds("1987-02-26T15:01:01"), Some(541_350_061));
        assert_eq!(epoch_seconds("2000-03-01T00:00:00"), Some(951_868_800));
        assert_eq!(epoch_seconds("26-FEB-1987 15:01:01.79"), Some(541_350_061));
        assert_eq!(epoch_seconds("junk"), None);
    }
}
