//! Comparisons: several searches (or one search split by outlet or language) side by side
//! over time, and the words and phrases that set a search's matches apart from the rest
//! of the archive.
//!
//! Pure: the engine counts (per-period counts from the index's time facet, the words of
//! documents from the index's tokenizer) and this crate turns counts into tables:
//!
//! - [`table`]: per-period counts of articles, stories and outlets of each series, aligned
//!   on one axis of periods, with the share of coverage (matching articles ÷ all articles
//!   of the period, as Media Cloud's Explorer normalises) and the undated counted apart.
//! - [`keyness`]: log-likelihood G² of each word and word pair of the matches against the
//!   rest of the archive, per language, with the log ratio as effect size.
//! - [`Split`]: what `--split outlet=a.com,b.com` / `--split lang=en,fr` asks for.

pub mod keyness;
pub mod table;

pub use keyness::{Keyness, KeynessOptions, Keyword, LangKeywords};
pub use table::{Point, Series, SeriesCounts, Table};

/// Bad input to a comparison, named with what was wrong.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CompareError {
    #[error("bad split {0:?}: {1}")]
    Split(String, &'static str),
    #[error("nothing to compare: give at least one query")]
    NoQuery,
    #[error("too many series ({0}): at most {MAX_SERIES} can be compared at once")]
    TooMany(usize),
    #[error("a split compares one query across outlets or languages; {0} queries were given")]
    SplitNeedsOneQuery(usize),
}

/// Most series compared at once (queries, or outlets/languages of a split): each costs
/// four searches, and a chart of more lines cannot be read.
pub const MAX_SERIES: usize = 12;

/// What a split separates one query's matches by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitBy {
    Outlet,
    Lang,
}

/// One query across chosen outlets or languages: `outlet=a.com,b.com` or `lang=en,fr`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Split {
    pub by: SplitBy,
    pub values: Vec<String>,
}

impl Split {
    /// Parse `outlet=a,b` or `lang=en,fr` (values trimmed, empty ones and repeats refused).
    pub fn parse(s: &str) -> Result<Split, CompareError> {
        let bad = |why| CompareError::Split(s.to_string(), why);
        let (key, values) = s.split_once('=').ok_or_else(|| bad("expected outlet=A,B or lang=X,Y"))?;
        let by = match key.trim() {
            "outlet" => SplitBy::Outlet,
            "lang" => SplitBy::Lang,
            _ => return Err(bad("split by outlet or lang")),
        };
        let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
        if values.iter().any(String::is_empty) {
            return Err(bad("an empty value"));
        }
        let mut seen = std::collections::HashSet::new();
        if !values.iter().all(|v| seen.insert(v)) {
            return Err(bad("a value given twice"));
        }
        if values.len() > MAX_SERIES {
            return Err(CompareError::TooMany(values.len()));
        }
        Ok(Split { by, values })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits() {
        assert_eq!(
            Split::parse("outlet=a.com, b.com").unwrap(),
            Split { by: SplitBy::Outlet, values: vec!["a.com".into(), "b.com".into()] }
        );
        assert_eq!(Split::parse("lang=en").unwrap().by, SplitBy::Lang);
        for bad in ["outlet", "site=a", "lang=en,", "lang=en,en", "=en"] {
            assert!(Split::parse(bad).is_err(), "{bad}");
        }
    }
}
