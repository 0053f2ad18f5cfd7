//! Helpers shared by tests and benchmarks (never by the product).
//!
//! * [`shared_data`]: a path under `../shared/data`, which CI and development machines
//!   have and a user's clone does not; callers skip, saying so, when it is absent.
//! * [`reuters`]: Reuters-21578 from its original SGML to newsdex JSON Lines.
//! * [`warc`]: WARC files in CC-NEWS's record layout around real pages.

pub mod reuters;
pub mod warc;

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

/// `../shared/data/<rel>` if present; otherwise prints `SKIPPED: …` and returns `None`.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let p = repo_root().join("../shared/data").join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("SKIPPED: {} is absent (it is in ../shared on CI and dev machines)", p.display());
        None
    }
}

/// The lines of eight words or more of a seed article in `testdata/seeds` (its paragraphs,
/// without the repeated title lines and short navigation debris): real scraped text for
/// tests that build copies of an article.
pub fn seed_paragraphs(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("testdata/seeds").join(name)).expect("seed article");
    text.lines().map(str::trim).filter(|l| l.split_whitespace().count() >= 8).map(str::to_string).collect()
}

/// Seed 004 (RFA, "Background of the risks of Uyghur visits to Central Asia").
pub const SEED_004: &str = "004_28fc068abbfc2ab4.txt";
