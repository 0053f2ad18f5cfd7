//! Extraction evaluation sets, read from their folders in the layouts of
//! `../shared/data/extraction-*` (each folder's PROVENANCE.md describes its files):
//!
//! | layout | found by | gold |
//! |---|---|---|
//! | ScrapingHub | `ground-truth.jsonl` | whole article text |
//! | Readability | `expected.jsonl` + `pages/` | whole text (derived from `expected.html`), title, byline, date |
//! | trafilatura | `evaldata.jsonl` | snippets that must / must not appear; title, author, date |
//! | newspaper4k | `expected.jsonl` + `txt/` | whole text, title, authors, date (`metadata/`) |
//! | goose3 | `expected.jsonl` + `content/` | the text's beginning (a prefix), title |
//!
//! A new page set in any of these layouts is scored the same way.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::Value;

/// Which published layout a folder follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    ScrapingHub,
    Readability,
    Trafilatura,
    Newspaper4k,
    Goose3,
}

/// What a page's extraction should give.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gold {
    /// The whole article text.
    pub text: Option<String>,
    /// The beginning of the article text (goose3).
    pub prefix: Option<String>,
    /// Snippets the text must contain / must not contain (trafilatura).
    pub with: Vec<String>,
    pub without: Vec<String>,
    pub title: Option<String>,
    pub author: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    /// The site's name as the set's gold gives it (readability's `site_name`), if any.
    pub site_name: Option<String>,
}

/// One page.
#[derive(Debug, Clone)]
pub struct Case {
    /// The page's key in the set's gold file.
    pub id: String,
    pub html: PathBuf,
    pub url: Option<String>,
    pub gold: Gold,
}

/// A loaded set.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: String,
    pub layout: Layout,
    pub cases: Vec<Case>,
}

fn jsonl(path: &Path) -> anyhow::Result<Vec<Value>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).with_context(|| format!("{}:{}: not JSON", path.display(), i + 1)))
        .collect()
}

/// A non-empty string field (`"None"` and `"null"` in upstream dumps count as absent).
fn field(v: &Value, key: &str) -> Option<String> {
    let s = v.get(key)?.as_str()?.trim();
    (!s.is_empty() && s != "None" && s != "null").then(|| s.to_string())
}

fn date(v: &Value, key: &str) -> Option<String> {
    field(v, key).and_then(|d| {
        let d = d.get(..10)?.to_string();
        (d.len() == 10 && d.as_bytes()[4] == b'-' && d.as_bytes()[7] == b'-').then_some(d)
    })
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|s| s.as_str()).map(str::to_string).collect())
        .unwrap_or_default()
}

impl Dataset {
    /// Load the set in `dir`, recognising its layout by its files.
    pub fn load(dir: &Path) -> anyhow::Result<Dataset> {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (layout, cases) = if dir.join("ground-truth.jsonl").exists() {
            (Layout::ScrapingHub, Self::scrapinghub(dir)?)
        } else if dir.join("evaldata.jsonl").exists() {
            (Layout::Trafilatura, Self::trafilatura(dir)?)
        } else if dir.join("expected.jsonl").exists() && dir.join("pages").is_dir() {
            (Layout::Readability, Self::readability(dir)?)
        } else if dir.join("expected.jsonl").exists() && dir.join("txt").is_dir() {
            (Layout::Newspaper4k, Self::newspaper4k(dir)?)
        } else if dir.join("expected.jsonl").exists() && dir.join("content").is_dir() {
            (Layout::Goose3, Self::goose3(dir)?)
        } else {
            bail!(
                "{}: not an extraction set (expected ground-truth.jsonl, evaldata.jsonl, or expected.jsonl with pages/, txt/ or content/)",
                dir.display()
            )
        };
        if cases.is_empty() {
            bail!("{}: no pages", dir.display());
        }
        Ok(Dataset { name, layout, cases })
    }

    fn scrapinghub(dir: &Path) -> anyhow::Result<Vec<Case>> {
        jsonl(&dir.join("ground-truth.jsonl"))?
            .iter()
            .map(|v| {
                let id = field(v, "id").context("ground-truth.jsonl: a record without id")?;
                Ok(Case {
                    html: dir.join(field(v, "html_file").unwrap_or_else(|| format!("html/{id}.html.gz"))),
                    url: field(v, "url"),
                    gold: Gold { text: Some(v["text"].as_str().unwrap_or_default().to_string()), ..Gold::default() },
                    id,
                })
            })
            .collect()
    }

    fn readability(dir: &Path) -> anyhow::Result<Vec<Case>> {
        jsonl(&dir.join("expected.jsonl"))?
            .iter()
            .map(|v| {
                let id = field(v, "id").context("expected.jsonl: a record without id")?;
                Ok(Case {
                    html: dir.join(field(v, "source_file").unwrap_or_else(|| format!("pages/{id}/source.html.gz"))),
                    url: None,
                    gold: Gold {
                        text: Some(v["text"].as_str().unwrap_or_default().to_string()),
                        title: field(v, "title"),
                        author: field(v, "byline"),
                        date: date(v, "published"),
                        site_name: field(v, "site_name"),
                        ..Gold::default()
                    },
                    id,
                })
            })
            .collect()
    }

    fn trafilatura(dir: &Path) -> anyhow::Result<Vec<Case>> {
        jsonl(&dir.join("evaldata.jsonl"))?
            .iter()
            .map(|v| {
                let id = field(v, "id").context("evaldata.jsonl: a record without id")?;
                Ok(Case {
                    html: dir.join(field(v, "html_file").unwrap_or_else(|| format!("html/{id}.gz"))),
                    url: field(v, "url"),
                    gold: Gold {
                        with: strings(v, "with"),
                        without: strings(v, "without"),
                        title: field(v, "title"),
                        author: field(v, "author"),
                        date: date(v, "date"),
                        ..Gold::default()
                    },
                    id,
                })
            })
            .collect()
    }

    fn newspaper4k(dir: &Path) -> anyhow::Result<Vec<Case>> {
        jsonl(&dir.join("expected.jsonl"))?
            .iter()
            .map(|v| {
                let id = field(v, "id").context("expected.jsonl: a record without id")?;
                let text = match field(v, "text_file") {
                    Some(f) => std::fs::read_to_string(dir.join(&f)).with_context(|| format!("reading {f}"))?,
                    None => v["text"].as_str().unwrap_or_default().to_string(),
                };
                let meta: Value = match field(v, "metadata_file") {
                    Some(f) => serde_json::from_str(&std::fs::read_to_string(dir.join(&f))?)
                        .with_context(|| format!("{f}: not JSON"))?,
                    None => Value::Null,
                };
                let author =
                    meta.get("authors").and_then(Value::as_array).and_then(|a| a.first()).and_then(|a| a.as_str());
                Ok(Case {
                    html: dir.join(field(v, "html_file").unwrap_or_else(|| format!("html/{id}.html.gz"))),
                    url: field(&meta, "url"),
                    gold: Gold {
                        text: Some(text),
                        title: field(&meta, "title"),
                        author: author.map(str::to_string),
                        date: date(&meta, "publish_date"),
                        ..Gold::default()
                    },
                    id,
                })
            })
            .collect()
    }

    fn goose3(dir: &Path) -> anyhow::Result<Vec<Case>> {
        jsonl(&dir.join("expected.jsonl"))?
            .iter()
            .map(|v| {
                let id = field(v, "id").context("expected.jsonl: a record without id")?;
                let e = &v["expected"];
                Ok(Case {
                    html: dir.join(field(v, "html_file").unwrap_or_else(|| format!("content/{id}.html"))),
                    url: field(v, "url"),
                    gold: Gold { prefix: field(e, "cleaned_text"), title: field(e, "title"), ..Gold::default() },
                    id,
                })
            })
            .collect()
    }
}

/// A page's bytes, gunzipped if the file is `.gz`.
pub fn read_page(path: &Path) -> anyhow::Result<Vec<u8>> {
    let raw = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::with_capacity(raw.len() * 4);
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .with_context(|| format!("{}: bad gzip", path.display()))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}
