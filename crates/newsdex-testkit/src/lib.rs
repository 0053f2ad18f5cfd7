//! Helpers shared by tests and benchmarks (never by the product).
//!
//! * [`shared_data`]: a path under `../shared/data`, which CI and development machines
//!   have and a user's clone does not; callers skip, saying so, when it is absent.
//! * [`reuters`]: Reuters-21578 from its original SGML to newsdex JSON Lines.

pub mod reuters;

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
