//! Extract every page of a set with newsdex (timed), or read another tool's predictions,
//! and score them against the gold.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use newsdex_extract::{Hints, RecordKind};
use serde::{Deserialize, Serialize};

use crate::datasets::{Dataset, Layout, read_page};
use crate::metrics::{self, Prf, Snippets, squash};

/// What a tool extracted from one page; the format other tools' outputs are read in
/// (one JSON object per line).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prediction {
    pub id: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub author: Option<String>,
    /// `YYYY-MM-DD` (longer values are cut to their date).
    #[serde(default)]
    pub date: Option<String>,
    /// The outlet (publisher) named for the page.
    #[serde(default)]
    pub outlet: Option<String>,
}

/// Extraction speed over a set.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Timing {
    pub pages: usize,
    pub bytes: usize,
    /// Extraction only (pages already in memory), best of the repeats.
    pub seconds: f64,
    pub pages_per_s: f64,
    pub mb_per_s: f64,
}

/// Run newsdex's extractor over every page: predictions in set order, and the time of the
/// fastest of `repeat` passes over all pages (one thread).
pub fn run_newsdex(set: &Dataset, repeat: usize) -> anyhow::Result<(Vec<Prediction>, Timing)> {
    let pages: Vec<Vec<u8>> = set.cases.iter().map(|c| read_page(&c.html)).collect::<anyhow::Result<_>>()?;
    let bytes = pages.iter().map(Vec::len).sum();
    let mut best = f64::INFINITY;
    let mut predictions = Vec::new();
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        let out: Vec<Prediction> = set
            .cases
            .iter()
            .zip(&pages)
            .map(|(case, bytes)| {
                let hints = Hints::default();
                match newsdex_extract::extract(bytes, RecordKind::Html, &hints) {
                    Ok(a) => Prediction {
                        id: case.id.clone(),
                        text: Some(a.body),
                        title: Some(a.title).filter(|t| !t.is_empty()),
                        author: a.authors.first().cloned(),
                        date: a.published.map(|p| p.display()),
                        outlet: a.outlet,
                    },
                    Err(_) => Prediction { id: case.id.clone(), ..Prediction::default() },
                }
            })
            .collect();
        best = best.min(started.elapsed().as_secs_f64());
        predictions = out;
    }
    let n = set.cases.len();
    Ok((
        predictions,
        Timing { pages: n, bytes, seconds: best, pages_per_s: n as f64 / best, mb_per_s: bytes as f64 / 1e6 / best },
    ))
}

/// Read predictions written by another tool (JSON Lines of [`Prediction`]).
pub fn read_predictions(path: &Path) -> anyhow::Result<Vec<Prediction>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).with_context(|| format!("{}:{}: not a prediction", path.display(), i + 1))
        })
        .collect()
}

/// Share of gold values matched, over the pages whose gold has one.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Accuracy {
    pub correct: usize,
    pub total: usize,
    pub accuracy: f64,
}

impl Accuracy {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        self.correct += usize::from(ok);
        self.accuracy = self.correct as f64 / self.total as f64;
    }
}

/// Every score of one tool on one set.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub dataset: String,
    pub layout: Layout,
    pub pages: usize,
    /// Pages the tool gave no prediction (or no text) for.
    pub missing: usize,
    /// Whole-text sets: ScrapingHub shingle precision/recall/F1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Prf>,
    /// goose3: recall of the gold beginning's shingles, and how often the text starts with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix_recall: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix_exact: Option<Accuracy>,
    /// trafilatura: must-include / must-exclude snippets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippets: Option<SnippetScores>,
    pub title: Accuracy,
    pub author: Accuracy,
    pub date: Accuracy,
    /// Outlet right (see [`outlet_right`]) over the pages with a known address or site name.
    pub outlet: Accuracy,
    /// Of the right outlets, how many were the site's name rather than its domain.
    pub outlet_named: usize,
    /// Pages whose outlet was wrong: (id, expected site, outlet given).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outlet_wrong: Vec<(String, String, String)>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct SnippetScores {
    #[serde(flatten)]
    pub counts: Snippets,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub accuracy: f64,
}

/// Titles, names and dates compared leniently: whitespace squashed, case folded, and
/// quotes and dashes unified.
fn same(gold: &str, got: &str) -> bool {
    fn norm(s: &str) -> String {
        squash(s)
            .chars()
            .map(|c| match c {
                '“' | '”' | '„' | '«' | '»' => '"',
                '‘' | '’' => '\'',
                '–' | '—' => '-',
                c => c,
            })
            .flat_map(char::to_lowercase)
            .collect()
    }
    norm(gold) == norm(got)
}

/// A title is right when it is the gold title, or the gold title with a site name
/// before or after a separator (`Headline | Site`, `Site - Headline`): newsdex drops the
/// site's name on purpose, as the gold of some sets does not.
fn same_title(gold: &str, got: &str) -> bool {
    if same(gold, got) {
        return true;
    }
    const SEPS: [&str; 8] = [" | ", " - ", " – ", " — ", " :: ", " » ", " · ", "_"];
    let (g, t) = (squash(gold), squash(got));
    !t.is_empty()
        && SEPS.iter().any(|sep| {
            g.strip_prefix(t.as_str()).is_some_and(|rest| rest.starts_with(sep))
                || g.strip_suffix(t.as_str()).is_some_and(|rest| rest.ends_with(sep))
        })
}

/// Per-page text scores (whole-text sets only), worst first: (id, precision, recall).
pub fn per_page(set: &Dataset, predictions: &[Prediction]) -> Vec<(String, f64, f64)> {
    let by_id: HashMap<&str, &Prediction> = predictions.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut out: Vec<(String, f64, f64)> = set
        .cases
        .iter()
        .filter_map(|c| {
            let gold = c.gold.text.as_deref()?;
            let text = by_id.get(c.id.as_str()).and_then(|p| p.text.as_deref()).unwrap_or_default();
            let k = metrics::compare(gold, text);
            let p = if k.tp + k.fp > 0.0 { k.tp / (k.tp + k.fp) } else { 1.0 };
            let r = if k.tp + k.fn_ > 0.0 { k.tp / (k.tp + k.fn_) } else { 1.0 };
            Some((c.id.clone(), p, r))
        })
        .collect();
    let f1 = |p: f64, r: f64| if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
    out.sort_by(|a, b| f1(a.1, a.2).total_cmp(&f1(b.1, b.2)));
    out
}

/// Score `predictions` (any order; matched by id) against `set`.
pub fn score(set: &Dataset, predictions: &[Prediction]) -> Report {
    let by_id: HashMap<&str, &Prediction> = predictions.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut counts = Vec::new();
    let mut prefix_recalls = Vec::new();
    let mut prefix_exact = Accuracy::default();
    let mut snippets = Snippets::default();
    let mut has_snippets = false;
    let (mut title, mut author, mut date) = (Accuracy::default(), Accuracy::default(), Accuracy::default());
    let (mut outlet, mut outlet_named, mut outlet_wrong) = (Accuracy::default(), 0, Vec::new());
    let mut missing = 0;
    let empty = Prediction::default();
    for case in &set.cases {
        let p = by_id.get(case.id.as_str()).copied().unwrap_or(&empty);
        let text = p.text.as_deref().unwrap_or_default();
        if text.trim().is_empty() {
            missing += 1;
        }
        let g = &case.gold;
        if let Some(gold) = &g.text {
            counts.push(metrics::compare(gold, text));
        }
        if let Some(prefix) = &g.prefix {
            let c = metrics::compare(prefix, text);
            prefix_recalls.push(if c.tp + c.fn_ > 0.0 { c.tp / (c.tp + c.fn_) } else { 1.0 });
            prefix_exact.add(squash(text).starts_with(&squash(prefix)));
        }
        if !g.with.is_empty() || !g.without.is_empty() {
            has_snippets = true;
            snippets.add(text, &g.with, &g.without);
        }
        if let Some(t) = &g.title {
            title.add(p.title.as_deref().is_some_and(|got| same_title(t, got)));
        }
        if let Some(a) = &g.author {
            author.add(p.author.as_deref().is_some_and(|got| same(a, got)));
        }
        if let Some(d) = &g.date {
            date.add(p.date.as_deref().and_then(|got| got.get(..10)).is_some_and(|got| got == d));
        }
        let site = case.url.as_deref().and_then(site_of);
        if site.is_some() || g.site_name.is_some() {
            let got = p.outlet.as_deref().unwrap_or_default();
            let ok = outlet_right(got, site.as_deref(), g.site_name.as_deref());
            outlet.add(ok);
            if ok && site.as_deref() != Some(got.to_lowercase().as_str()) {
                outlet_named += 1;
            }
            if !ok {
                let want = site.or_else(|| g.site_name.clone()).unwrap_or_default();
                outlet_wrong.push((case.id.clone(), want, got.to_string()));
            }
        }
    }
    Report {
        dataset: set.name.clone(),
        layout: set.layout,
        pages: set.cases.len(),
        missing,
        text: (!counts.is_empty()).then(|| Prf::of(&counts)),
        prefix_recall: (!prefix_recalls.is_empty())
            .then(|| prefix_recalls.iter().sum::<f64>() / prefix_recalls.len() as f64),
        prefix_exact: (prefix_exact.total > 0).then_some(prefix_exact),
        snippets: has_snippets.then(|| SnippetScores {
            counts: snippets,
            precision: snippets.precision(),
            recall: snippets.recall(),
            f1: snippets.f1(),
            accuracy: snippets.accuracy(),
        }),
        title,
        author,
        date,
        outlet,
        outlet_named,
        outlet_wrong,
    }
}

/// The registrable domain of a page's address (an archived copy's archived site), by
/// the public-suffix list.
fn site_of(url: &str) -> Option<String> {
    newsdex_extract::outlet::site_of(url)
}

/// Sites whose own name is written in a script a domain cannot be compared with, judged
/// by hand once per site (the name the site's pages give themselves in their titles and
/// footers).
const NAMES_IN_OTHER_SCRIPTS: &[(&str, &str)] =
    &[("xinhuanet.com", "新华网"), ("news.cn", "新华网"), ("chinadaily.com.cn", "中国日报网")];

/// The outlet rule, fixed before any result was looked at. An outlet is right when it is
/// 1. the registrable domain of the page's address (`taz.de`; for an archived copy the
///    archived page's site), or a host name on that domain; or
/// 2. a name that agrees with that domain: the domain's label is the name's words run
///    together ("The Guardian" ~ theguardian.com, "BBC News" ~ bbc.co.uk), their initials
///    ("Radio Free Asia" ~ rfa.org), or a prefix of each word with the last word whole
///    ("The New York Times" ~ nytimes.com), diacritics folded (ü as u or ue); or
/// 3. the set's own gold site name (readability's `site_name`), compared case- and
///    space-insensitively; or
/// 4. for a name in a script other than Latin, the name listed for the site in
///    [`NAMES_IN_OTHER_SCRIPTS`].
///
/// A handle ("tazgezwitscher"), a section ("Política"), an archive's host or no outlet
/// is wrong.
pub fn outlet_right(got: &str, site: Option<&str>, gold_name: Option<&str>) -> bool {
    let got = got.trim();
    if got.is_empty() {
        return false;
    }
    if let Some(name) = gold_name
        && squash(name).to_lowercase() == squash(got).to_lowercase()
    {
        return true;
    }
    let Some(site) = site else { return false };
    let lower = got.to_lowercase();
    if lower == site || lower.ends_with(&format!(".{site}")) {
        return true;
    }
    if newsdex_extract::outlet::name_agrees(got, site) {
        return true;
    }
    NAMES_IN_OTHER_SCRIPTS.iter().any(|(s, n)| *s == site && *n == got)
}

impl Report {
    /// The headline figure of the set: text F1, snippet F1, or prefix recall.
    pub fn headline(&self) -> (&'static str, f64) {
        if let Some(t) = &self.text {
            ("text F1", t.f1)
        } else if let Some(s) = &self.snippets {
            ("snippet F1", s.f1)
        } else {
            ("prefix recall", self.prefix_recall.unwrap_or(0.0))
        }
    }
}
