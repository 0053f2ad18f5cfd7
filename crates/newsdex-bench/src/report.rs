//! Results of one `bench/run` (JSON Lines from newsdex-bench, newsdex-eval and the
//! peers' drivers, each tagged with `row`, `engine` and `label`) rendered as the Markdown
//! section of BENCHMARKS.md, with every comparison as a ratio to newsdex.

use std::fmt::Write;
use std::path::Path;

use anyhow::Context;
use serde_json::Value;

const BEGIN: &str = "<!-- bench/run: begin (generated; edit bench/run, not this section) -->";
const END: &str = "<!-- bench/run: end -->";

fn num(v: &Value, k: &str) -> Option<f64> {
    v.get(k).and_then(Value::as_f64)
}

fn body(v: &Value) -> &Value {
    v.get("result").unwrap_or(v)
}

fn engine(v: &Value) -> &str {
    v["engine"].as_str().or_else(|| v["tool"].as_str()).unwrap_or("?")
}

fn label(v: &Value) -> &str {
    v["label"].as_str().unwrap_or("")
}

fn f(x: Option<f64>, digits: usize) -> String {
    x.map_or("–".into(), |x| format!("{x:.digits$}"))
}

fn thousands(n: f64) -> String {
    let s = format!("{:.0}", n);
    let (neg, digits) = s.strip_prefix('-').map_or((false, s.as_str()), |d| (true, d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if neg { format!("-{out}") } else { out }
}

fn mb(bytes: Option<f64>) -> String {
    bytes.map_or("–".into(), |b| format!("{:.1} MB", b / 1e6))
}

/// `a / b` as `×1.23`.
fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("×{:.2}", a / b),
        _ => "–".into(),
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<f64>().ok()))
        .map(|kb| format!("{:.0} GB RAM", kb / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!("{cores} cores ({cpu}), {mem}")
}

/// Render `rows` as Markdown.
pub fn render(rows: &[Value], date: &str, command: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "- **Date:** {date}. **Machine:** {}.", machine());
    let _ = writeln!(s, "- **Command:** `{command}` (one run: every engine on the same data, machine and build).");
    let _ = writeln!(
        s,
        "- Ratios are newsdex ÷ peer for speed (above ×1 newsdex is faster) and newsdex − peer for quality.\n"
    );

    let by = |row: &'static str| rows.iter().filter(move |v| v["row"] == row);

    // Ingest.
    let ingest: Vec<&Value> = by("ingest").filter(|v| !label(v).starts_with("stories:")).collect();
    if !ingest.is_empty() {
        s += "### Ingest (raw input → searchable)\n\n";
        s += "| corpus | engine | documents | rejected | input | time | docs/s | MB/s | peak memory | index on disk | newsdex ÷ peer (docs/s) |\n|---|---|---|---|---|---|---|---|---|---|---|\n";
        for v in &ingest {
            let b = body(v);
            let ours = ingest
                .iter()
                .find(|o| engine(o) == "newsdex" && label(o) == label(v))
                .and_then(|o| num(body(o), "docs_per_s"));
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} s | {} | {} | {} | {} | {} |",
                label(v),
                engine(v),
                thousands(num(b, "docs").unwrap_or(0.0)),
                num(b, "rejected").map_or("–".into(), |r| format!("{r:.0}")),
                mb(num(b, "bytes")),
                f(num(b, "seconds"), 2),
                thousands(num(b, "docs_per_s").unwrap_or(0.0)),
                f(num(b, "mb_per_s"), 1),
                num(b, "peak_rss_mb").map_or("–".into(), |m| format!("{m:.0} MB")),
                mb(num(b, "index_bytes")),
                if engine(v) == "newsdex" { "".into() } else { ratio(ours, num(b, "docs_per_s")) },
            );
        }
        s += "\n";
    }

    // Stories: the same input ingested with and without grouping.
    let stories: Vec<&Value> = by("ingest").filter(|v| label(v).starts_with("stories:")).collect();
    let on: Vec<&Value> = stories.iter().copied().filter(|v| label(v).ends_with(":on")).collect();
    if !on.is_empty() {
        s += "### Stories: what grouping copies costs at ingest (the same input with and without it)\n\n";
        s += "| corpus | documents | copies found | with stories | without | extra time | grouping itself | grouper memory | extra on disk |\n|---|---|---|---|---|---|---|---|---|\n";
        for v in on {
            let corpus = label(v).trim_start_matches("stories:").trim_end_matches(":on");
            let off = stories.iter().find(|o| label(o) == format!("stories:{corpus}:off"));
            let b = body(v);
            let (t_on, t_off) = (num(b, "seconds"), off.and_then(|o| num(body(o), "seconds")));
            let disk = |x: &Value| num(body(x), "store_bytes").unwrap_or(0.0);
            let _ = writeln!(
                s,
                "| {corpus} | {} | {} | {} s | {} s | {} | {} s ({}) | {} | {} |",
                thousands(num(b, "docs").unwrap_or(0.0)),
                thousands(num(b, "copies").unwrap_or(0.0)),
                f(t_on, 2),
                f(t_off, 2),
                match (t_on, t_off) {
                    (Some(a), Some(o)) if o > 0.0 => format!("{:+.1} %", (a / o - 1.0) * 100.0),
                    _ => "–".into(),
                },
                f(num(b, "story_secs"), 2),
                match (num(b, "story_secs"), t_on) {
                    (Some(g), Some(a)) if a > 0.0 => format!("{:.1} % of ingest", g / a * 100.0),
                    _ => "–".into(),
                },
                num(b, "story_mb").map_or("–".into(), |m| format!("{m:.0} MB")),
                off.map_or("–".into(), |o| mb(Some(disk(v) - disk(o)))),
            );
        }
        s += "\n";
    }

    // Queries.
    let query: Vec<&Value> = by("query").collect();
    if !query.is_empty() {
        s += "### Query latency (top 10 with stored titles; facets as marked)\n\n";
        s += "| corpus | engine | threads | facets | searches | p50 | p95 | p99 | QPS | newsdex ÷ peer (QPS) |\n|---|---|---|---|---|---|---|---|---|---|\n";
        for v in &query {
            let b = body(v);
            let threads = num(b, "threads");
            let facets = v["facets"].as_bool().or_else(|| b["facets"].as_bool()).unwrap_or(false);
            let ours = query
                .iter()
                .find(|o| {
                    engine(o) == "newsdex"
                        && label(o) == label(v)
                        && num(body(o), "threads") == threads
                        && o["facets"].as_bool().unwrap_or(false) == facets
                })
                .and_then(|o| num(body(o), "qps"));
            let failed = num(b, "failed").or_else(|| num(b, "unparsed")).unwrap_or(0.0);
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {}{} | {} ms | {} ms | {} ms | {} | {} |",
                label(v),
                engine(v),
                f(threads, 0),
                if facets { "on" } else { "off" },
                thousands(num(b, "searches").unwrap_or(0.0)),
                if failed > 0.0 { format!(" ({failed:.0} refused)") } else { String::new() },
                f(num(b, "p50_ms"), 2),
                f(num(b, "p95_ms"), 2),
                f(num(b, "p99_ms"), 2),
                thousands(num(b, "qps").unwrap_or(0.0)),
                if engine(v) == "newsdex" { "".into() } else { ratio(ours, num(b, "qps")) },
            );
        }
        s += "\n";
    }

    // Extraction.
    let ex: Vec<&Value> = by("extraction").collect();
    if !ex.is_empty() {
        s += "### Article extraction (same pages, same scorer: `newsdex-eval extraction`)\n\n";
        s += "| set | tool | pages | measure | precision | recall | score | title | author | date | pages/s | newsdex − peer (score) | newsdex ÷ peer (pages/s) |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
        let headline = |b: &Value| -> (String, Option<f64>, Option<f64>, Option<f64>) {
            if let Some(t) = b.get("text") {
                ("text F1".into(), num(t, "precision"), num(t, "recall"), num(t, "f1"))
            } else if let Some(t) = b.get("snippets") {
                ("snippet F1".into(), num(t, "precision"), num(t, "recall"), num(t, "f1"))
            } else {
                ("beginning recall".into(), None, None, num(b, "prefix_recall"))
            }
        };
        let acc = |b: &Value, k: &str| {
            b.get(k).and_then(|a| Some((a["correct"].as_u64()?, a["total"].as_u64()?))).filter(|(_, t)| *t > 0)
        };
        for v in &ex {
            let b = body(v);
            let (what, p, r, score) = headline(b);
            let speed = num(v, "pages_per_s").or_else(|| b.get("timing").and_then(|t| num(t, "pages_per_s")));
            let ours = ex.iter().find(|o| engine(o) == "newsdex" && label(o) == label(v));
            let (ours_score, ours_speed) = ours.map_or((None, None), |o| {
                let ob = body(o);
                (headline(ob).3, num(o, "pages_per_s").or_else(|| ob.get("timing").and_then(|t| num(t, "pages_per_s"))))
            });
            let a = |k: &str| acc(b, k).map_or("–".into(), |(c, t)| format!("{:.3} ({c}/{t})", c as f64 / t as f64));
            let _ = writeln!(
                s,
                "| {} | {} | {} | {what} | {} | {} | **{}** | {} | {} | {} | {} | {} | {} |",
                label(v),
                engine(v),
                num(b, "pages").map_or("–".into(), |n| format!("{n:.0}")),
                f(p, 3),
                f(r, 3),
                f(score, 3),
                a("title"),
                a("author"),
                a("date"),
                f(speed, 0),
                if engine(v) == "newsdex" {
                    "".into()
                } else {
                    match (ours_score, score) {
                        (Some(o), Some(x)) => format!("{:+.3}", o - x),
                        _ => "–".into(),
                    }
                },
                if engine(v) == "newsdex" { "".into() } else { ratio(ours_speed, speed) },
            );
        }
        s += "\n";
    }

    // Text repair.
    let rep: Vec<&Value> = by("repair").collect();
    if !rep.is_empty() {
        s += "### Text repair\n\n";
        s += "| measure | tool | result | newsdex ÷ peer |\n|---|---|---|---|\n";
        for v in &rep {
            let b = body(v);
            if let Some(speed) = num(b, "mb_per_s") {
                let ours = rep.iter().find(|o| engine(o) == "newsdex" && num(body(o), "mb_per_s").is_some());
                let _ = writeln!(
                    s,
                    "| throughput on {} ({} texts, {:.1} MB) | {} | {speed:.1} MB/s | {} |",
                    if label(v).is_empty() { "Reuters-21578 text" } else { label(v) },
                    thousands(num(b, "texts").unwrap_or(0.0)),
                    num(b, "mb").unwrap_or(0.0),
                    engine(v),
                    if engine(v) == "newsdex" {
                        "".into()
                    } else {
                        ratio(ours.and_then(|o| num(body(o), "mb_per_s")), Some(speed))
                    },
                );
            }
            if let (Some(passed), Some(cases)) = (num(b, "passed"), num(b, "cases")) {
                let _ = writeln!(
                    s,
                    "| {} | {} | {passed:.0} / {cases:.0} pass ({:.1}%) | |",
                    b["what"].as_str().unwrap_or("mojibake cases"),
                    engine(v),
                    100.0 * passed / cases
                );
            }
        }
        s += "\n";
    }

    // Language identification.
    let lid: Vec<&Value> = by("langid").collect();
    if !lid.is_empty() {
        s += "### Language identification (lingua's test sentences, 75 languages: `newsdex-eval langid`)\n\n";
        s += "| tool | sentences | accuracy | sentences/s (one thread) | newsdex − peer |\n|---|---|---|---|---|\n";
        let ours = lid.iter().find(|o| engine(o) == "newsdex").and_then(|o| num(body(o), "accuracy"));
        for v in &lid {
            let b = body(v);
            let _ = writeln!(
                s,
                "| {} | {} | **{}** | {} | {} |",
                b["tool"].as_str().unwrap_or(engine(v)),
                thousands(num(b, "sentences").unwrap_or(0.0)),
                f(num(b, "accuracy"), 3),
                thousands(num(v, "sentences_per_s").or_else(|| num(b, "sentences_per_s")).unwrap_or(0.0)),
                if engine(v) == "newsdex" {
                    "".into()
                } else {
                    match (ours, num(b, "accuracy")) {
                        (Some(o), Some(x)) => format!("{:+.3}", o - x),
                        _ => "–".into(),
                    }
                },
            );
        }
        let mut langs: Vec<String> =
            lid.iter().filter_map(|v| body(v)["per_language"].as_object()).flat_map(|m| m.keys().cloned()).collect();
        langs.sort();
        langs.dedup();
        s += "\nPer language (accuracy):\n\n| language |";
        for v in &lid {
            let _ = write!(s, " {} |", engine(v));
        }
        s += "\n|---|";
        s += &"---|".repeat(lid.len());
        s += "\n";
        for l in &langs {
            let _ = write!(s, "| {l} |");
            for v in &lid {
                let cell = body(v)["per_language"][l.as_str()]
                    .as_array()
                    .and_then(|a| Some((a.first()?.as_f64()?, a.get(1)?.as_f64()?)))
                    .map_or("–".into(), |(c, n)| format!("{:.3}", c / n.max(1.0)));
                let _ = write!(s, " {cell} |");
            }
            s += "\n";
        }
        s += "\n";
    }

    // Ranking quality.
    let rank: Vec<&Value> = by("ranking").collect();
    if !rank.is_empty() {
        s += "### Ranking quality (same documents, queries and judgments; newsdex-eval ir vs bench/lucene eval)\n\n";
        s += "| collection | engine | setup | scored queries | nDCG@10 | MAP | newsdex − peer (nDCG@10) | newsdex − peer (MAP) |\n|---|---|---|---|---|---|---|---|\n";
        let setup = |b: &Value| -> String {
            match (b.get("expand").and_then(Value::as_bool), b["fields"].as_str()) {
                (Some(true), _) => "default (word forms, variants, transliteration)".into(),
                (Some(false), _) => "words as written (--exact)".into(),
                (None, Some("combined")) => "StandardAnalyzer, BM25, title+text in one field".into(),
                (None, Some(f)) => format!("StandardAnalyzer, BM25, fields as newsdex ({f})"),
                _ => "".into(),
            }
        };
        for v in &rank {
            let b = body(v);
            let ours = rank
                .iter()
                .find(|o| engine(o) == "newsdex" && label(o) == label(v) && body(o)["expand"].as_bool() == Some(true));
            let diff = |k: &str| match (ours.and_then(|o| num(body(o), k)), num(b, k)) {
                (Some(o), Some(x)) if engine(v) != "newsdex" => format!("{:+.4}", o - x),
                _ => "".into(),
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | **{}** | **{}** | {} | {} |",
                label(v),
                engine(v),
                setup(b),
                num(b, "queries").map_or("–".into(), |n| format!("{n:.0}")),
                f(num(b, "ndcg_at_10"), 4),
                f(num(b, "map"), 4),
                diff("ndcg_at_10"),
                diff("map"),
            );
        }
        s += "\n";
    }

    // Growth.
    let growth: Vec<&Value> = by("growth").collect();
    if !growth.is_empty() {
        s += "### Growth (synthetic articles from real text, one archive grown step by step)\n\n";
        s += "| documents | step | step time | docs/s | total time | peak memory | raw store | document store | index | query p50 | p99 | QPS (1 thread, facets on) |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n";
        for v in &growth {
            let st = &v["step"];
            let q = &v["query"];
            let _ = writeln!(
                s,
                "| {} | +{} | {} s | {} | {} s | {} | {} | {} | {} | {} ms | {} ms | {} |",
                thousands(num(v, "docs").unwrap_or(0.0)),
                thousands(num(st, "added").unwrap_or(0.0)),
                f(num(st, "seconds"), 1),
                thousands(num(st, "docs_per_s").unwrap_or(0.0)),
                f(num(v, "total_seconds"), 1),
                num(v, "peak_rss_mb").map_or("–".into(), |m| format!("{m:.0} MB")),
                mb(num(v, "raw_bytes")),
                mb(num(v, "store_bytes")),
                mb(num(v, "index_bytes")),
                f(num(q, "p50_ms"), 2),
                f(num(q, "p99_ms"), 2),
                thousands(num(q, "qps").unwrap_or(0.0)),
            );
        }
        s += "\n";
    }
    s
}

/// `report` subcommand.
pub fn run(results: &Path, write: Option<&Path>, command: Option<&str>) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(results).with_context(|| format!("reading {}", results.display()))?;
    let rows: Vec<Value> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let date = chrono_free_today();
    let section = render(&rows, &date, command.unwrap_or("bench/run"));
    match write {
        None => print!("{section}"),
        Some(path) => {
            let doc = std::fs::read_to_string(path).unwrap_or_default();
            let block = format!("{BEGIN}\n{section}{END}");
            let new = match (doc.find(BEGIN), doc.find(END)) {
                (Some(b), Some(e)) if e > b => format!("{}{block}{}", &doc[..b], &doc[e + END.len()..]),
                _ => format!("{doc}\n## Side by side with the peers (`bench/run`)\n\n{block}\n"),
            };
            std::fs::write(path, new)?;
            eprintln!("wrote the results into {}", path.display());
        }
    }
    Ok(())
}

/// Today's date (UTC) without a date crate.
fn chrono_free_today() -> String {
    let secs =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    crate::synth::rfc3339(secs)[..10].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ratios_compare_like_with_like() {
        let rows = vec![
            json!({"row":"query","engine":"newsdex","label":"reuters","facets":true,"result":{"threads":1,"searches":1200,"p50_ms":0.3,"p95_ms":1.0,"p99_ms":1.5,"qps":2000.0,"failed":0}}),
            json!({"row":"query","engine":"lucene-8.8.1","label":"reuters","threads":1,"searches":1200,"p50_ms":0.5,"p95_ms":2.0,"p99_ms":3.0,"qps":1000.0,"facets":true,"unparsed":0}),
            json!({"row":"ingest","engine":"newsdex","label":"reuters","result":{"docs":21577,"bytes":23.2e6,"seconds":4.0,"docs_per_s":5394.0,"mb_per_s":5.8}}),
            json!({"row":"ingest","engine":"tantivy","label":"reuters","result":{"docs":21577,"bytes":23.2e6,"seconds":2.0,"docs_per_s":10788.0,"mb_per_s":11.6}}),
        ];
        let md = render(&rows, "2026-11-24", "bench/run");
        assert!(
            md.contains("| reuters | lucene-8.8.1 | 1 | on | 1,200 | 0.50 ms | 2.00 ms | 3.00 ms | 1,000 | ×2.00 |"),
            "{md}"
        );
        assert!(
            md.contains("| reuters | tantivy | 21,577 | – | 23.2 MB | 2.00 s | 10,788 | 11.6 | – | – | ×0.50 |"),
            "{md}"
        );
    }

    #[test]
    fn stories_cost_pairs_runs_with_and_without() {
        let rows = vec![
            json!({"row":"ingest","engine":"newsdex","label":"stories:reuters:on","result":{"docs":21577,"copies":789,"seconds":5.5,"story_secs":0.33,"story_mb":31.7,"store_bytes":53.0e6}}),
            json!({"row":"ingest","engine":"newsdex","label":"stories:reuters:off","result":{"docs":21577,"copies":0,"seconds":5.0,"story_secs":0.0,"story_mb":0.0,"store_bytes":42.0e6}}),
        ];
        let md = render(&rows, "2026-11-24", "bench/run");
        assert!(
            md.contains(
                "| reuters | 21,577 | 789 | 5.50 s | 5.00 s | +10.0 % | 0.33 s (6.0 % of ingest) | 32 MB | 11.0 MB |"
            ),
            "{md}"
        );
        assert!(!md.contains("### Ingest"), "{md}");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(1234567.0), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1000.0), "1,000");
    }
}
