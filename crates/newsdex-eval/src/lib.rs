//! newsdex-eval: score newsdex, or any other tool's output, on real evaluation sets, the
//! way the sets' own benchmarks score them, so the numbers are comparable.
//!
//! * [`datasets`]: the extraction sets' layouts (ScrapingHub, Readability, trafilatura,
//!   newspaper4k, goose3), read from their folders.
//! * [`metrics`]: shingle precision/recall/F1 (ScrapingHub) and must-include/exclude
//!   snippet counts (trafilatura).
//! * [`extraction`]: run newsdex's extractor over a set (timed), read another tool's
//!   predictions, score either.
//! * [`dates`]: publication dates right to the day, newsdex beside trafilatura and
//!   htmldate, on dev and test halves of each set (issue #16).
//! * [`mojibake`]: encoding repair on ftfy's test cases.
//! * [`mojibake_gen`]: encoding repair on generated damage of real multilingual text,
//!   with a dev and a test split (issue #16).
//! * [`langid`]: language identification accuracy per language (lingua's sentences).
//! * [`stories`]: same-story grouping against gold clusters (B-cubed and pairwise P/R).
//! * [`ir`]: ranking quality (nDCG@10, MAP) on CISI, Cranfield, TIME and XQuAD-R, as
//!   `bench/lucene` scores Lucene; [`cv`]: parameters chosen by cross-validation,
//!   bootstrap intervals.
//! * [`expansion`]: precision, recall and count ratios of query expansion over a news
//!   archive, judged by [`judge`] against the gold data of [`gold`] (issue #15).
//!
//! The binary: `cargo run --release -p newsdex-eval -- extraction DIR [--predictions FILE]`.

pub mod cv;
pub mod datasets;
pub mod dates;
pub mod expansion;
pub mod extraction;
pub mod gold;
pub mod ir;
pub mod judge;
pub mod langid;
pub mod metrics;
pub mod mojibake;
pub mod mojibake_gen;
pub mod stories;
