//! Encoding repair on ftfy's test cases (`../shared/data/mojibake-ftfy/cases.jsonl`): a
//! case passes when the repaired text equals the case's `fixed_encoding` (the text with
//! only its encoding damage undone), both in NFC. Negative cases (text that only looks
//! odd) pass only if left alone.

use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

/// One case.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub original: String,
    pub expected: String,
}

/// Read the cases file.
pub fn load(path: &Path) -> anyhow::Result<Vec<Case>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l)?;
            let s = |k: &str| v[k].as_str().map(str::to_string);
            Ok(Case {
                id: s("id").context("a case without id")?,
                original: s("original").context("a case without original")?,
                expected: s("fixed_encoding").or_else(|| s("fixed")).context("a case without fixed_encoding")?,
            })
        })
        .collect()
}

/// Pass count of `outputs` (id → text) over `cases`.
#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub cases: usize,
    pub passed: usize,
    pub failed_ids: Vec<String>,
    /// For each failed case: the input, what came out, what was expected.
    #[serde(skip)]
    pub failures: Vec<(String, String, String)>,
    pub what: String,
}

pub fn score(cases: &[Case], output: impl Fn(&Case) -> Option<String>, what: &str) -> Score {
    let mut failed_ids = Vec::new();
    let mut failures = Vec::new();
    for c in cases {
        let got = output(c);
        let ok = got.as_ref().is_some_and(|o| o.nfc().eq(c.expected.nfc()));
        if !ok {
            failed_ids.push(c.id.clone());
            failures.push((c.original.clone(), got.unwrap_or_default(), c.expected.clone()));
        }
    }
    Score { cases: cases.len(), passed: cases.len() - failed_ids.len(), failed_ids, failures, what: what.to_string() }
}
