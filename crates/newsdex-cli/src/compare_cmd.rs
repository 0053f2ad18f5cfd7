//! `newsdex compare`: several searches, or one across outlets or languages, over time
//! (newsdex-compare's tables, counted by the engine), and each query's key words.
//! `--format json` and `csv` print what `GET /api/compare` answers.

use std::fmt::Write;
use std::path::Path;

use anyhow::Context;
use clap::Args;
use newsdex_compare::table::format_share;
use newsdex_compare::{KeynessOptions, Split};
use newsdex_engine::{CompareRequest, Comparison, Engine, Keywords, Period, SearchOptions};

use crate::output::{expansion_lines, safe};
use crate::{Done, MatchArgs, emit};

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// The queries, one argument each (quote a query of several words: 'oil prices').
    #[arg(required = true, num_args = 1..)]
    queries: Vec<String>,
    /// Count by day, week (ISO, named by its Monday) or month, UTC.
    #[arg(long, value_parser = ["day", "week", "month"], default_value = "month")]
    by: String,
    /// Show each period's share of all articles (matches ÷ all articles of the period,
    /// with that denominator) beside the counts.
    #[arg(long)]
    normalize: bool,
    /// One query across outlets or languages: outlet=a.com,b.com or lang=en,fr.
    #[arg(long)]
    split: Option<String>,
    #[command(flatten)]
    filters: MatchArgs,
    /// Answer as of this snapshot (a batch number a search, export or compare named).
    #[arg(long)]
    snapshot: Option<u64>,
    /// table (for reading), csv (one row per series and period) or json (as the API).
    #[arg(long, value_parser = ["table", "csv", "json"], default_value = "table")]
    format: String,
    /// Also the key words and phrases of each query's matches against the rest of the
    /// archive, per language (log-likelihood G²; reads the whole archive). Not with csv.
    #[arg(long)]
    keywords: bool,
    /// Key words and phrases listed per language.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=100))]
    top: u64,
    /// Fewest uses in the matches for a key term.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    min_freq: u64,
    /// Give up after this many seconds per search (0: never).
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
}

pub fn compare(data: &Path, args: CompareArgs) -> anyhow::Result<Done> {
    if args.keywords && args.format == "csv" {
        anyhow::bail!("--keywords is given in the table and json formats only, not csv");
    }
    let split = args.split.as_deref().map(Split::parse).transpose()?;
    let engine = Engine::open_read(data).with_context(|| format!("opening {}", data.display()))?;
    let opts = args.filters.options(SearchOptions {
        snapshot: args.snapshot,
        timeout: std::time::Duration::try_from_secs_f64(args.timeout).ok().filter(|d| !d.is_zero()),
        ..SearchOptions::default()
    });
    let req = CompareRequest {
        queries: args.queries.clone(),
        split,
        period: Period::parse(&args.by).unwrap_or_default(),
        opts: opts.clone(),
    };
    let c = engine.compare(&req)?;
    let keywords = if args.keywords {
        let kopts = KeynessOptions { top: args.top as usize, min_freq: args.min_freq, ..KeynessOptions::default() };
        let mut o = opts;
        o.snapshot = Some(c.snapshot);
        Some(engine.keywords(&args.queries, &o, &kopts)?)
    } else {
        None
    };
    match args.format.as_str() {
        "csv" => emit(&c.table.to_csv())?,
        "json" => emit(&format!(
            "{}\n",
            serde_json::to_string(&newsdex_server::wire::CompareResponse::new(&c, keywords.as_deref()))?
        ))?,
        _ => {
            let mut out = table_text(&c, args.normalize);
            if let Some(k) = &keywords {
                out.push_str(&keywords_text(k));
            }
            emit(&out)?
        }
    }
    Ok(Done::Ok)
}

/// The comparison for reading: a line per series, then a row per period with each
/// series' articles, stories and outlets (and all articles and share with `normalize`).
pub fn table_text(c: &Comparison, normalize: bool) -> String {
    let t = &c.table;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Compared by {}, as of snapshot {}{}",
        t.period,
        c.snapshot,
        if normalize { "; share = matching articles ÷ all articles of the period" } else { "" }
    );
    for (i, (s, n)) in t.series.iter().zip(&c.notes).enumerate() {
        let typed = match n.total_as_typed {
            Some(a) if a as u64 != s.total => format!(" ({a} as typed)"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "[{}] {}: {} article{}{typed} in {} stor{}, {} without a date",
            i + 1,
            safe(&s.name),
            s.total,
            if s.total == 1 { "" } else { "s" },
            s.total_stories,
            if s.total_stories == 1 { "y" } else { "ies" },
            s.undated.articles
        );
        out.push_str(&expansion_lines(&n.expansions));
    }
    let per = if normalize { 5 } else { 3 };
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut head = vec!["period".to_string()];
    for i in 0..t.series.len() {
        head.extend([format!("[{}] articles", i + 1), "stories".into(), "outlets".into()]);
        if normalize {
            head.extend(["all".into(), "share".into()]);
        }
    }
    rows.push(head);
    let cells = |p: &newsdex_compare::Point| {
        let mut v = vec![p.articles.to_string(), p.stories.to_string(), p.outlets.to_string()];
        if normalize {
            v.push(p.all_articles.to_string());
            v.push(p.share.map(format_share).unwrap_or_else(|| "-".into()));
        }
        v
    };
    for (j, period) in t.periods.iter().enumerate() {
        let mut row = vec![period.clone()];
        for s in &t.series {
            row.extend(cells(&s.points[j]));
        }
        rows.push(row);
    }
    let mut row = vec!["undated".to_string()];
    for s in &t.series {
        row.extend(cells(&s.undated));
    }
    rows.push(row);
    let cols = 1 + per * t.series.len();
    let widths: Vec<usize> = (0..cols).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    for r in &rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            if c == 0 {
                let _ = write!(line, "{cell:<w$}", w = widths[0]);
            } else {
                let gap = if (c - 1) % per == 0 { "   " } else { " " };
                let _ = write!(line, "{gap}{cell:>w$}", w = widths[c]);
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// Key words per query and language, for reading.
pub fn keywords_text(ks: &[Keywords]) -> String {
    let mut out = String::new();
    for k in ks {
        let _ = writeln!(
            out,
            "\nKey words of {} ({} matches) against the rest of the archive in the same language, by log-likelihood G² (10.83: p < 0.001); log ratio = log2 of how many times more frequent:",
            safe(&k.query),
            k.total
        );
        for l in &k.langs {
            let _ = writeln!(
                out,
                "  {}: {} matching, {} other documents{}",
                safe(&l.lang),
                l.target_docs,
                l.reference_docs,
                if l.stop_words { "" } else { " (no stop-word list for this language)" }
            );
            for (what, list) in [("words", &l.words), ("phrases", &l.phrases)] {
                let _ = writeln!(
                    out,
                    "    {what:<8} {:<28} {:>8} {:>10} {:>9} {:>9}",
                    "term", "matches", "elsewhere", "G²", "log ratio"
                );
                if list.is_empty() {
                    let _ = writeln!(out, "             (none passes the thresholds)");
                }
                for w in list {
                    let _ = writeln!(
                        out,
                        "             {:<28} {:>8} {:>10} {:>9.1} {:>9.2}",
                        safe(&w.term),
                        w.target,
                        w.reference,
                        w.g2,
                        w.log_ratio
                    );
                }
            }
        }
    }
    out
}
