//! One snapshot per real page of the extraction test sets in ../shared (the pages of
//! Mozilla Readability's, newspaper4k's and goose3's own test suites, and the ScrapingHub
//! benchmark): what newsdex extracts from each, so that any change in a title, a date or a
//! paragraph shows in review.
//!
//! The pages are third-party articles for evaluation use only, so neither they nor their
//! full text are copied here: a snapshot holds the metadata and, per paragraph, its length
//! and first words. Skipped, saying so, when ../shared is absent.

use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};

use newsdex_extract::{Hints, RecordKind, extract};

/// The HTML pages of a set, sorted, with a short name for the snapshot.
fn pages(set: &str) -> Option<Vec<(String, PathBuf)>> {
    let dir = newsdex_testkit::shared_data(set)?;
    let mut out = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            // Readability's `expected.html` is its gold output, not a page.
            if !(name.ends_with(".html") || name.ends_with(".html.gz")) || name.starts_with("expected") {
                continue;
            }
            // readability: pages/<id>/source.html.gz; others: <dir>/<id>.html[.gz].
            let id = if name.starts_with("source.html") {
                p.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned()
            } else {
                name.trim_end_matches(".gz").trim_end_matches(".html").to_string()
            };
            out.push((id, p));
        }
    }
    out.sort();
    let mut names: Vec<&String> = out.iter().map(|(id, _)| id).collect();
    names.dedup();
    assert_eq!(names.len(), out.len(), "two pages of {set} share a name");
    Some(out)
}

fn read(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut out).unwrap();
        out
    } else {
        raw
    }
}

/// At most `n` characters of `s`, marking a cut.
fn head(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

/// What a snapshot shows of one page.
fn digest(bytes: &[u8]) -> String {
    let a = match extract(bytes, RecordKind::Html, &Hints::default()) {
        Ok(a) => a,
        Err(e) => return format!("rejected: {e}\n"),
    };
    let mut s = String::new();
    let opt = |v: Option<&str>| v.map_or_else(|| "-".to_string(), str::to_string);
    writeln!(s, "title: {}", a.title).unwrap();
    writeln!(s, "authors: {}", a.authors.join("; ")).unwrap();
    writeln!(s, "published: {}", opt(a.published.map(|p| p.display()).as_deref())).unwrap();
    writeln!(s, "modified: {}", opt(a.extra.get("modified").and_then(|v| v.as_str()))).unwrap();
    writeln!(s, "outlet: {}", opt(a.outlet.as_deref())).unwrap();
    writeln!(s, "url: {}", opt(a.url.as_deref())).unwrap();
    writeln!(s, "lang: {}", opt(a.lang.as_deref())).unwrap();
    let description = a.extra.get("description").and_then(|v| v.as_str()).map(|d| head(d, 60));
    writeln!(s, "description: {}", opt(description.as_deref())).unwrap();
    let images = a.extra.get("images").and_then(|v| v.as_array()).map_or(0, Vec::len);
    writeln!(s, "images: {images}").unwrap();
    let warnings: Vec<&str> = a.warnings.iter().map(|w| w.code.as_str()).collect();
    writeln!(s, "warnings: {}", warnings.join(", ")).unwrap();
    let paragraphs: Vec<&str> = a.body.split("\n\n").filter(|p| !p.is_empty()).collect();
    writeln!(s, "body: {} paragraphs, {} characters", paragraphs.len(), a.body.chars().count()).unwrap();
    for p in paragraphs {
        writeln!(s, "  {:>5} | {}", p.chars().count(), head(&p.replace('\n', " "), 40)).unwrap();
    }
    s
}

fn snapshot_set(set: &str, short: &str) {
    let Some(pages) = pages(set) else { return };
    assert!(!pages.is_empty(), "no pages in {set}");
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots/pages");
    settings.bind(|| {
        for (id, path) in &pages {
            let name = format!("{short}__{}", id.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"));
            insta::assert_snapshot!(name, digest(&read(path)));
        }
    });
}

#[test]
fn readability_pages() {
    snapshot_set("extraction-readability", "readability");
}

#[test]
fn newspaper4k_pages() {
    snapshot_set("extraction-newspaper4k", "newspaper4k");
}

#[test]
fn goose3_pages() {
    snapshot_set("extraction-goose3", "goose3");
}

#[test]
fn scrapinghub_pages() {
    snapshot_set("extraction-scrapinghub", "scrapinghub");
}
