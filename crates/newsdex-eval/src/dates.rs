//! Publication dates right to the day (issue #16), newsdex beside the peers, on every
//! extraction set whose gold has dates.
//!
//! Each set's dated pages are split by a hash of the page's file name (its gold id,
//! FNV-1a 64, even = **dev**, odd = **test**): dev pages may be looked at and tuned on,
//! test pages are only reported. The peers (trafilatura and htmldate, run by
//! `bench/peers/dates_peers.py` in the same run) are scored on the same pages.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use serde::Serialize;

use crate::datasets::Dataset;
use crate::extraction::{self, Prediction};

/// Which half of a set a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Dev,
    Test,
}

/// FNV-1a 64 of the page's id: even → dev, odd → test.
pub fn part(id: &str) -> Part {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    if h.is_multiple_of(2) { Part::Dev } else { Part::Test }
}

/// Counts over the dated pages of one part.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    pub right: usize,
    pub wrong: usize,
    pub missing: usize,
}

impl Counts {
    pub fn total(&self) -> usize {
        self.right + self.wrong + self.missing
    }
    pub fn accuracy(&self) -> f64 {
        if self.total() == 0 { 0.0 } else { self.right as f64 / self.total() as f64 }
    }
    fn add(&mut self, o: Counts) {
        self.right += o.right;
        self.wrong += o.wrong;
        self.missing += o.missing;
    }
}

/// One tool on one set.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub dataset: String,
    pub tool: String,
    pub dev: Counts,
    pub test: Counts,
    /// Pages whose date differs from the gold: (id, part, gold, predicted or "").
    #[serde(skip)]
    pub misses: Vec<(String, Part, String, String)>,
}

impl Row {
    pub fn all(&self) -> Counts {
        let mut c = self.dev;
        c.add(self.test);
        c
    }
}

/// Score one tool's predictions (matched by id; the first 10 characters of a date are
/// its day) on the dated pages of `set`.
pub fn score(set: &Dataset, tool: &str, predictions: &[Prediction]) -> Row {
    let by_id: HashMap<&str, &Prediction> = predictions.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut row = Row {
        dataset: set.name.clone(),
        tool: tool.to_string(),
        dev: Counts::default(),
        test: Counts::default(),
        misses: Vec::new(),
    };
    for case in &set.cases {
        let Some(gold) = &case.gold.date else { continue };
        let got = by_id.get(case.id.as_str()).and_then(|p| p.date.as_deref()).and_then(|d| d.get(..10));
        let which = part(&case.id);
        let c = if which == Part::Dev { &mut row.dev } else { &mut row.test };
        match got {
            Some(d) if d == gold => c.right += 1,
            Some(d) => {
                c.wrong += 1;
                row.misses.push((case.id.clone(), which, gold.clone(), d.to_string()));
            }
            None => {
                c.missing += 1;
                row.misses.push((case.id.clone(), which, gold.clone(), String::new()));
            }
        }
    }
    row
}

/// Run the peers' script over `sets` with `python`, writing into `out`; returns the
/// summary lines it printed (versions, timings).
pub fn run_peers(python: &Path, script: &Path, out: &Path, sets: &[PathBuf]) -> anyhow::Result<Vec<String>> {
    let output = Command::new(python)
        .arg(script)
        .arg(out)
        .args(sets)
        .output()
        .with_context(|| format!("running {} {}", python.display(), script.display()))?;
    if !output.status.success() {
        bail!("{} failed: {}", script.display(), String::from_utf8_lossy(&output.stderr));
    }
    Ok(String::from_utf8_lossy(&output.stdout).lines().map(str::to_string).collect())
}

/// The row of newsdex's plain-text dating (the date a text's first lines open with, its
/// year completed from the dates it cites when it has none), run on the title and text
/// newsdex extracted from each page, the page's markup and metadata gone: how text dumps
/// and JSON Lines records without a date field are dated, measured on real articles
/// whose date is known. Most pages' texts do not open with a date, so most are missing.
pub const AS_TEXT: &str = "newsdex on the page's text only";

fn as_plain_text(preds: &[Prediction]) -> Vec<Prediction> {
    preds
        .iter()
        .map(|p| {
            let text = format!("{}\n\n{}", p.title.as_deref().unwrap_or(""), p.text.as_deref().unwrap_or(""));
            let date =
                newsdex_extract::extract(text.as_bytes(), newsdex_extract::RecordKind::Text, &Default::default())
                    .ok()
                    .and_then(|a| a.published)
                    .map(|d| d.display());
            Prediction { id: p.id.clone(), date, ..Prediction::default() }
        })
        .collect()
}

/// Every tool on every set: newsdex extracted now, the peers read from `peers_out`
/// (`<tool>-<set>.jsonl`) when given.
pub fn evaluate(dirs: &[PathBuf], peers_out: Option<&Path>) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for dir in dirs {
        let set = Dataset::load(dir)?;
        let (preds, _) = extraction::run_newsdex(&set, 1)?;
        rows.push(score(&set, "newsdex", &preds));
        rows.push(score(&set, AS_TEXT, &as_plain_text(&preds)));
        if let Some(out) = peers_out {
            for tool in ["trafilatura", "htmldate"] {
                let path = out.join(format!("{tool}-{}.jsonl", set.name));
                let preds = extraction::read_predictions(&path)?;
                rows.push(score(&set, tool, &preds));
            }
        }
    }
    Ok(rows)
}

/// The rows as a Markdown table: dev, test and all pages per set and tool.
pub fn table(rows: &[Row]) -> String {
    let mut s = String::from(
        "| set | tool | dev right | dev (wrong, missing) | **test right** | test (wrong, missing) | all right |\n|---|---|---|---|---|---|---|\n",
    );
    let cell = |c: Counts| format!("{:.3} ({}/{})", c.accuracy(), c.right, c.total());
    for r in rows {
        s += &format!(
            "| {} | {} | {} | {}, {} | **{}** | {}, {} | {} |\n",
            r.dataset.trim_start_matches("extraction-"),
            r.tool,
            cell(r.dev),
            r.dev.wrong,
            r.dev.missing,
            cell(r.test),
            r.test.wrong,
            r.test.missing,
            cell(r.all())
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_is_fixed_and_about_even() {
        assert_eq!(part("correiobraziliense.com.br-poderes.html"), part("correiobraziliense.com.br-poderes.html"));
        let dev = (0..1000).filter(|i| part(&format!("page-{i}.html")) == Part::Dev).count();
        assert!((450..550).contains(&dev), "{dev}");
    }
}
