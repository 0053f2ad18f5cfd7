//! `newsdex-eval`: scores on real evaluation sets. See the library docs.
//!
//! ```text
//! newsdex-eval extraction DIR [--predictions PRED.jsonl] [--write PRED.jsonl] [--repeat N] [--json]
//! ```
//! Without `--predictions`, newsdex extracts every page itself (timed); with it, another
//! tool's output (one `{"id","text","title","author","date"}` per line) is scored the same
//! way. Exit code 0, or 2 on a usage or input error.
//!
//! ```text
//! newsdex-eval expansion [GOLD.jsonl...] [--data DIR] [--json] [--worst 20]
//! newsdex-eval expansion-draw [--data DIR]
//! ```
//! Query expansion over the evaluation archive (issue #15); see `newsdex_eval::expansion`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use newsdex_eval::datasets::Dataset;
use newsdex_eval::extraction::{self, Report};

#[derive(Parser, Debug)]
#[command(name = "newsdex-eval", about = "Score newsdex (or another tool's output) on real evaluation sets")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Article extraction: text precision/recall/F1 (or snippets), title/author/date accuracy.
    Extraction {
        /// A set in the layout of ../shared/data/extraction-*.
        dir: PathBuf,
        /// Score this tool output instead of running newsdex.
        #[arg(long)]
        predictions: Option<PathBuf>,
        /// Also write newsdex's predictions here.
        #[arg(long)]
        write: Option<PathBuf>,
        /// Passes over all pages when timing newsdex (the fastest counts).
        #[arg(long, default_value_t = 1)]
        repeat: usize,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Also list the N worst pages by text F1.
        #[arg(long, default_value_t = 0)]
        worst: usize,
    },
    /// Publication dates right to the day (issue #16) on every set given, newsdex beside
    /// trafilatura and htmldate (run by `--peers PYTHON` in the same run), each set split
    /// by a hash of the page's file name into dev and test.
    Dates {
        /// Extraction sets whose gold has dates (layouts of ../shared/data/extraction-*).
        dirs: Vec<PathBuf>,
        /// A Python with trafilatura and htmldate installed: run the peers' script now.
        #[arg(long)]
        peers: Option<PathBuf>,
        /// The peers' script.
        #[arg(long, default_value = "bench/peers/dates_peers.py")]
        peers_script: PathBuf,
        /// Where the peers' predictions are written (with --peers) or read from.
        #[arg(long)]
        peers_out: Option<PathBuf>,
        /// List newsdex's misses on this part (dev or test).
        #[arg(long)]
        misses: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Encoding repair on ftfy's cases: newsdex's repair, or another tool's outputs
    /// (`{"id","output"}` per line).
    Mojibake {
        cases: PathBuf,
        #[arg(long)]
        predictions: Option<PathBuf>,
        /// The predictions' field holding the repaired text.
        #[arg(long, default_value = "output")]
        field: String,
        #[arg(long)]
        json: bool,
    },
    /// Encoding repair on a generated set (issue #16): lingua's sentences and the demo
    /// corpus damaged through every code page the repair knows, and clean lines that
    /// must stay untouched. Tune on `--split dev`; report `--split test`.
    MojibakeGen {
        #[arg(long, value_enum, default_value = "test")]
        split: newsdex_eval::mojibake_gen::Split,
        /// How many damaged lines to generate.
        #[arg(long, default_value_t = 24_000)]
        damaged: usize,
        /// Where the inputs are (default: ../shared/data).
        #[arg(long)]
        shared: Option<PathBuf>,
        /// Write the generated lines here as JSON Lines (`{"id","lang","page","kind","text","expected"}`).
        #[arg(long)]
        write: Option<PathBuf>,
        /// Also run ftfy in the same run with this Python (one with ftfy installed), via
        /// scripts/mojibake_ftfy.py.
        #[arg(long)]
        ftfy: Option<PathBuf>,
        /// List this many wrong lines (damaged and clean).
        #[arg(long, default_value_t = 0)]
        worst: usize,
        #[arg(long)]
        json: bool,
    },
    /// Language identification accuracy per language on lingua's sentences: newsdex,
    /// whatlang (`--tool whatlang`), or another tool's predictions (`{"id","lang"}`).
    Langid {
        sentences: PathBuf,
        #[arg(long, default_value = "newsdex")]
        tool: String,
        #[arg(long)]
        predictions: Option<PathBuf>,
        /// Only these languages (comma-separated codes).
        #[arg(long)]
        langs: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Same-story grouping on headlines with gold story ids (UCI News Aggregator):
    /// B-cubed and pairwise precision/recall.
    Stories {
        headlines: PathBuf,
        /// Headline words two headlines must share.
        #[arg(long, default_value_t = 3)]
        terms: usize,
        /// Time window in hours.
        #[arg(long, default_value_t = 48)]
        window_hours: i64,
        #[arg(long)]
        json: bool,
    },
    /// Same-story grouping on a syndication set built from real stories (JSON Lines with
    /// `title`, `text`, `published`, e.g. Reuters-21578 from `newsdex-bench reuters-jsonl`):
    /// one copy of every Nth story, edited as a republisher would.
    Syndication {
        stories: PathBuf,
        /// One copy of every Nth story.
        #[arg(long, default_value_t = 4)]
        every: usize,
        /// Stories shorter than this many words are left out.
        #[arg(long, default_value_t = 60)]
        min_words: usize,
        /// Headline words two headlines must share (0, newsdex's default: the headline signal off).
        #[arg(long, default_value_t = 0)]
        terms: usize,
        /// Grouper thresholds (defaults: newsdex's): a body under this many words needs its
        /// headline to agree or --short-threshold (0: rule off).
        #[arg(long)]
        short_words: Option<usize>,
        #[arg(long)]
        short_threshold: Option<f64>,
        /// Articles published more than this many days apart need --apart-threshold (0: off).
        #[arg(long)]
        apart_days: Option<f64>,
        #[arg(long)]
        apart_threshold: Option<f64>,
        /// Estimated Jaccard similarity from which texts are copies.
        #[arg(long)]
        threshold: Option<f64>,
        /// A near link does not hold when each text has this many figures the other
        /// lacks (0: rule off).
        #[arg(long)]
        figures_replaced: Option<usize>,
        /// The re-issue gold: least share of words (in order) two Reuters versions of one
        /// report share.
        #[arg(long, default_value_t = newsdex_eval::stories::REISSUE_RATIO)]
        reissue_ratio: f64,
        /// Instead: the pair scores on the dev split of a grid of the two precision rules'
        /// settings (how newsdex's defaults were chosen).
        #[arg(long)]
        grid: bool,
        /// Instead: print the grouper's links between different stories of the re-issue
        /// gold on the dev split (at most this many), with both texts' differing words.
        #[arg(long)]
        worst: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Ranking quality on ad-hoc retrieval collections (`docs.jsonl` + `queries.tsv` +
    /// `qrels.tsv`, the Glasgow TIME files, or XQuAD-R's per-language JSON): nDCG@10 and
    /// MAP, scored as `bench/lucene/run eval` scores Lucene. Every point of the parameter
    /// grid is run; the parameters are chosen by 5-fold cross-validation (folds by a hash
    /// of the query id); Lucene 8 BM25 runs beside it with `--lucene`, and per-query
    /// differences get bootstrap 95% intervals.
    Ir {
        /// Collection folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Search words only as written (no word forms, variants or transliteration).
        #[arg(long)]
        exact: bool,
        /// Ranks scored per query.
        #[arg(long, default_value_t = 1000)]
        depth: usize,
        /// Ranks scored per query where every query has one relevant document.
        #[arg(long, default_value_t = 100)]
        known_item_depth: usize,
        /// `bench/lucene/run` (built with bench/lucene/build): run Lucene on the same data.
        #[arg(long)]
        lucene: Option<PathBuf>,
        /// `standard` (the declared grid) or `defaults` (only the shipped defaults).
        #[arg(long, default_value = "standard")]
        grid: String,
        /// At most N scored queries of each collection (a fixed sample by a hash of the id).
        #[arg(long)]
        max_queries: Option<usize>,
        /// Bootstrap resamples.
        #[arg(long, default_value_t = 10_000)]
        resamples: usize,
        /// Bootstrap seed.
        #[arg(long, default_value_t = 15)]
        seed: u64,
        /// JSON lines instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Query expansion (issue #15): precision of the hits only expansion adds, recall of
    /// gold spellings, and the count ratio expanded ÷ exact per query, over an archive of
    /// Reuters-21578, AG News, the extraction pages and the demo corpus.
    Expansion {
        /// Gold files: JSON Lines of queries and/or variant groups (format in
        /// data/eval/expansion/PROVENANCE.md). Default: the test list,
        /// GOLD_DIR/queries-test.jsonl. The groups in GOLD_DIR/groups are always loaded.
        gold: Vec<PathBuf>,
        /// The gold data folder (groups/, inflections/, query lists).
        #[arg(long)]
        gold_dir: Option<PathBuf>,
        /// More inflection tables (`…-LANG.tsv[.zst]`: lemma, form, upos).
        #[arg(long)]
        inflections: Vec<PathBuf>,
        /// Keep the archive here and reuse it on later runs (built when absent);
        /// default: a temporary directory, removed afterwards.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Where the inputs are (default: ../shared/data).
        #[arg(long)]
        shared: Option<PathBuf>,
        /// Queries listed by ratio.
        #[arg(long, default_value_t = 20)]
        worst: usize,
        #[arg(long)]
        json: bool,
    },
    /// Draw the expansion query lists (test and dev) from the gold groups, the inflection
    /// tables and the archive, by the fixed rule in data/eval/expansion/PROVENANCE.md.
    ExpansionDraw {
        #[arg(long)]
        gold_dir: Option<PathBuf>,
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long)]
        shared: Option<PathBuf>,
        /// Test queries of each kind per language.
        #[arg(long, default_value_t = 16)]
        per_lang: usize,
        /// Dev queries of each kind per language.
        #[arg(long, default_value_t = 3)]
        dev_per_lang: usize,
        #[arg(long, default_value_t = 15)]
        seed: u64,
        /// Most frequent common words kept as candidates per language.
        #[arg(long, default_value_t = 400)]
        word_pool: usize,
    },
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(2);
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.cmd {
        Cmd::Extraction { dir, predictions, write, repeat, json, worst } => {
            let set = Dataset::load(&dir)?;
            let (preds, timing, tool) = match &predictions {
                Some(p) => (extraction::read_predictions(p)?, None, p.display().to_string()),
                None => {
                    let (p, t) = extraction::run_newsdex(&set, repeat)?;
                    (p, Some(t), format!("newsdex {}", env!("CARGO_PKG_VERSION")))
                }
            };
            if let Some(w) = write {
                let mut f = std::io::BufWriter::new(std::fs::File::create(&w)?);
                for p in &preds {
                    serde_json::to_writer(&mut f, p)?;
                    f.write_all(b"\n")?;
                }
                f.flush()?;
            }
            let report = extraction::score(&set, &preds);
            if json {
                let mut v = serde_json::to_value(&report)?;
                v["tool"] = tool.into();
                if let Some(t) = timing {
                    v["timing"] = serde_json::to_value(t)?;
                }
                println!("{v}");
            } else {
                print!("{}", human(&report, &tool, timing.as_ref()));
            }
            for (id, p, r) in extraction::per_page(&set, &preds).into_iter().take(worst) {
                println!("  worst: {id}  precision {p:.3}  recall {r:.3}");
            }
            if !json {
                for (id, want, got) in report.outlet_wrong.iter().take(worst) {
                    println!("  outlet wrong: {id}  site {want}  outlet {got:?}");
                }
            }
            Ok(())
        }
        Cmd::Dates { dirs, peers, peers_script, peers_out, misses, json } => {
            use newsdex_eval::dates;
            let out = peers_out.unwrap_or_else(|| std::env::temp_dir().join("newsdex-dates-peers"));
            if let Some(python) = &peers {
                for line in dates::run_peers(python, &peers_script, &out, &dirs)? {
                    eprintln!("peers: {line}");
                }
            }
            let read_peers = peers.is_some() || out.exists();
            let rows = dates::evaluate(&dirs, read_peers.then_some(out.as_path()))?;
            if json {
                println!("{}", serde_json::to_string(&rows)?);
            } else {
                print!("{}", dates::table(&rows));
            }
            if let Some(which) = misses {
                for r in rows.iter().filter(|r| r.tool == "newsdex") {
                    for (id, part, gold, got) in &r.misses {
                        if format!("{part:?}").eq_ignore_ascii_case(&which) {
                            println!(
                                "  miss {} {id}: gold {gold}, got {}",
                                r.dataset,
                                if got.is_empty() { "-" } else { got }
                            );
                        }
                    }
                }
            }
            Ok(())
        }
        Cmd::Mojibake { cases, predictions, field, json } => mojibake(&cases, predictions.as_deref(), &field, json),
        Cmd::MojibakeGen { split, damaged, shared, write, ftfy, worst, json } => {
            mojibake_gen(split, damaged, shared, write, ftfy, worst, json)
        }
        Cmd::Langid { sentences, tool, predictions, langs, json } => {
            langid(&sentences, &tool, predictions.as_deref(), langs.as_deref(), json)
        }
        Cmd::Stories { headlines, terms, window_hours, json } => {
            let set = newsdex_eval::stories::load_uci(&headlines)?;
            let config = newsdex_dedupe::Config {
                headline_terms: terms,
                window_secs: window_hours * 3600,
                ..Default::default()
            };
            let s = newsdex_eval::stories::run(&set, config);
            if json {
                println!("{}", serde_json::to_string(&s)?);
            } else {
                println!("{}", story_scores(&s));
            }
            Ok(())
        }
        Cmd::Syndication {
            stories,
            every,
            min_words,
            terms,
            short_words,
            short_threshold,
            apart_days,
            apart_threshold,
            threshold,
            figures_replaced,
            reissue_ratio,
            grid,
            worst,
            json,
        } => {
            use newsdex_eval::stories::{self, Split};
            let set = stories::syndication(&stories::load_jsonl(&stories, min_words)?, every);
            let d = newsdex_dedupe::Config::default();
            let config = newsdex_dedupe::Config {
                headline_terms: terms,
                short_words: short_words.unwrap_or(d.short_words),
                short_threshold: short_threshold.unwrap_or(d.short_threshold),
                apart_secs: apart_days.map_or(d.apart_secs, |days| (days * 86_400.0) as i64),
                apart_threshold: apart_threshold.unwrap_or(d.apart_threshold),
                threshold: threshold.unwrap_or(d.threshold),
                figures_replaced: figures_replaced.unwrap_or(d.figures_replaced),
                ..d
            };
            if grid {
                let mut reissued = set.clone();
                stories::reissues(&mut reissued, reissue_ratio);
                let strict: Vec<stories::Labelled> = set.iter().map(|(a, _)| a.clone()).collect();
                let reissued: Vec<stories::Labelled> = reissued.into_iter().map(|(a, _)| a).collect();
                println!(
                    "short words, short threshold, apart days, apart threshold: dev pairs P/R word for word; with re-issues"
                );
                for sw in [0usize, 30, 50, 80] {
                    for (days, at) in [(0.0, 0.8), (1.5, 0.8), (3.0, 0.7), (3.0, 0.8), (7.0, 0.8)] {
                        let c = newsdex_dedupe::Config {
                            short_words: sw,
                            apart_secs: (days * 86_400.0) as i64,
                            apart_threshold: at,
                            ..config.clone()
                        };
                        let (p, secs) = stories::group(strict.iter(), c);
                        let a = stories::scores_in(&strict, &p, secs, Split::Dev);
                        let b = stories::scores_in(&reissued, &p, secs, Split::Dev);
                        println!(
                            "{sw:>3} {:.1} {days:>3} {at:.1}: {:.4}/{:.4}; {:.4}/{:.4}",
                            config.short_threshold, a.pair_precision, a.pair_recall, b.pair_precision, b.pair_recall
                        );
                    }
                }
                return Ok(());
            }
            if let Some(n) = worst {
                let mut reissued = set.clone();
                stories::reissues(&mut reissued, reissue_ratio);
                let reissued: Vec<stories::Labelled> = reissued.into_iter().map(|(a, _)| a).collect();
                let (_, links) = stories::group_links(reissued.iter(), config);
                let wrong = stories::false_links(&reissued, &links, Split::Dev);
                println!("{} false links on dev (re-issue gold)", wrong.len());
                for (a, b, why) in wrong.into_iter().take(n) {
                    print_false_link(&reissued, &set, a, b, why);
                }
                return Ok(());
            }
            let (predicted, seconds) = stories::group(set.iter().map(|(a, _)| a), config);
            let by_edit = stories::recall_by_edit(&set, &predicted);
            let mut reissued = set.clone();
            let merged = stories::reissues(&mut reissued, reissue_ratio);
            let golds: [(&str, Vec<stories::Labelled>); 2] = [
                ("word for word", set.iter().map(|(a, _)| a.clone()).collect()),
                ("with re-issues", reissued.into_iter().map(|(a, _)| a).collect()),
            ];
            let mut rows = Vec::new();
            for (gold, labelled) in &golds {
                for split in [Split::All, Split::Dev, Split::Test] {
                    rows.push((*gold, split, stories::scores_in(labelled, &predicted, seconds, split)));
                }
            }
            if json {
                let v = serde_json::json!({
                    "reissues_merged": merged,
                    "scores": rows.iter().map(|(g, sp, s)| serde_json::json!({"gold": g, "split": sp, "scores": s})).collect::<Vec<_>>(),
                    "by_edit": by_edit
                        .iter()
                        .map(|(e, f, n)| serde_json::json!({"edit": e, "found": f, "copies": n}))
                        .collect::<Vec<_>>(),
                });
                println!("{v}");
            } else {
                for (gold, split, s) in &rows {
                    println!("gold {gold}, {split:?}: {}", story_scores(s));
                }
                println!("  ({merged} Reuters re-issues merged in the second gold)");
                for (e, f, n) in by_edit {
                    println!("  {e:<12} {f}/{n} copies grouped with their original");
                }
            }
            Ok(())
        }
        Cmd::Ir { dirs, exact, depth, known_item_depth, lucene, grid, max_queries, resamples, seed, json } => {
            let setup = |grid| newsdex_eval::ir::Setup { grid, expand: !exact, depth, known_item_depth, lucene };
            ir(&dirs, setup, &grid, max_queries, resamples, seed, json)
        }
        Cmd::Expansion { gold, gold_dir, inflections, data, shared, worst, json } => {
            let gold_dir = gold_dir.unwrap_or_else(default_gold_dir);
            let files = if gold.is_empty() { vec![gold_dir.join("queries-test.jsonl")] } else { gold };
            let g = load_gold(&gold_dir, &inflections, &files)?;
            anyhow::ensure!(!g.queries.is_empty(), "no queries in {files:?}");
            with_archive(data, shared, |archive| {
                let mut last = std::time::Instant::now();
                let report = newsdex_eval::expansion::evaluate(archive, &g, worst, &mut |i, n| {
                    if last.elapsed().as_secs() >= 10 {
                        eprintln!("  {i}/{n} queries");
                        last = std::time::Instant::now();
                    }
                })?;
                if json {
                    println!("{}", serde_json::to_string(&report)?);
                } else {
                    print!("{}", newsdex_eval::expansion::render(&report));
                }
                Ok(())
            })
        }
        Cmd::ExpansionDraw { gold_dir, data, shared, per_lang, dev_per_lang, seed, word_pool } => {
            use newsdex_eval::expansion::{DrawSizes, draw};
            let gold_dir = gold_dir.unwrap_or_else(default_gold_dir);
            let g = load_gold(&gold_dir, &[], &[])?;
            with_archive(data, shared, |archive| {
                let sizes = DrawSizes { test_per_lang: per_lang, dev_per_lang, seed, word_pool };
                let (test, dev) = draw(archive, &g, sizes)?;
                for (name, list) in [("queries-test.jsonl", &test), ("queries-dev.jsonl", &dev)] {
                    let mut out = String::new();
                    for d in list {
                        out += &serde_json::to_string(d)?;
                        out.push('\n');
                    }
                    std::fs::write(gold_dir.join(name), out)?;
                    let names = list.iter().filter(|d| d.kind == newsdex_eval::gold::Kind::Name).count();
                    eprintln!("{name}: {} queries ({names} names, {} words)", list.len(), list.len() - names);
                }
                Ok(())
            })
        }
    }
}

fn ir(
    dirs: &[PathBuf],
    setup: impl FnOnce(newsdex_eval::cv::Grid) -> newsdex_eval::ir::Setup,
    grid: &str,
    max_queries: Option<usize>,
    resamples: usize,
    seed: u64,
    json: bool,
) -> anyhow::Result<()> {
    use newsdex_eval::cv::Grid;
    use newsdex_eval::ir::{self, Collection};
    let grid = match grid {
        "standard" => Grid::standard(),
        "defaults" => Grid::defaults(),
        other => anyhow::bail!("--grid is standard or defaults, not {other:?}"),
    };
    let points = grid.points();
    let setup = setup(grid.clone());
    let (exact, depth) = (!setup.expand, setup.depth);
    let scratch = std::env::temp_dir().join(format!("newsdex-eval-ir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    let mut measured = Vec::new();
    let result = (|| -> anyhow::Result<()> {
        for dir in dirs {
            for mut c in Collection::load(dir)? {
                if let Some(n) = max_queries {
                    c.truncate_queries(n);
                }
                let started = std::time::Instant::now();
                let m = ir::measure(&c, &setup, &scratch)?;
                eprintln!(
                    "{}: {} queries, {} points, {:.1} s",
                    c.name,
                    m.qids.len(),
                    points.len(),
                    started.elapsed().as_secs_f64()
                );
                measured.push(m);
            }
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    result?;
    let shipped = ir::rule_choice(&measured, None);
    let mut groups: Vec<String> = measured.iter().map(|m| m.group.clone()).collect();
    groups.dedup();
    let mut rows = Vec::new();
    for g in &groups {
        let members: Vec<&ir::Measured> = measured.iter().filter(|m| &m.group == g).collect();
        let other = if groups.len() > 1 { ir::rule_choice(&measured, Some(g)) } else { None };
        if members.len() > 1 {
            for m in &members {
                rows.push(ir::row(&m.name, std::slice::from_ref(m), &points, other, resamples, seed));
            }
            rows.push(ir::row(&format!("{g} (pooled)"), &members, &points, other, resamples, seed));
        } else {
            rows.push(ir::row(g, &members, &points, other, resamples, seed));
        }
    }
    let engine = format!("newsdex {}", env!("CARGO_PKG_VERSION"));
    if json {
        for r in &rows {
            let mut v = serde_json::to_value(r)?;
            v["engine"] = engine.clone().into();
            v["expand"] = (!exact).into();
            v["grid_points"] = points.len().into();
            // What bench/run's report reads: the shipped defaults' scores.
            v["ndcg_at_10"] = r.defaults.0.into();
            v["map"] = r.defaults.1.into();
            println!("{v}");
        }
        // The grid and the rule's choice, apart from the rows (bench/run tags stdout rows).
        eprintln!(
            "{}",
            serde_json::json!({"engine": engine, "grid": grid, "rule_choice": shipped.map(|p| points[p]), "defaults": newsdex_engine::Ranking::default()})
        );
        return Ok(());
    }
    let f = |x: (f64, f64)| format!("{:.4} / {:.4}", x.0, x.1);
    let iv = |x: Option<(f64, f64, f64)>| x.map_or("–".into(), |(m, lo, hi)| format!("{m:+.4} [{lo:+.4}, {hi:+.4}]"));
    println!(
        "{engine}, expansion {}, depth {depth} ({} where every query has one relevant document), {} grid points, 5 folds, {resamples} bootstrap resamples (seed {seed})",
        if exact { "off" } else { "on" },
        setup.known_item_depth,
        points.len()
    );
    println!(
        "| collection | queries | newsdex defaults nDCG@10 / MAP | newsdex CV | rule on other collections | Lucene 8 BM25 | CV − Lucene nDCG@10 [95%] | CV − Lucene MAP [95%] | defaults − Lucene nDCG@10 [95%] | defaults − Lucene MAP [95%] |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.collection,
            r.queries,
            f(r.defaults),
            f(r.cv),
            r.other_groups.map_or("–".into(), f),
            r.lucene.map_or("–".into(), f),
            iv(r.cv_minus_lucene_ndcg),
            iv(r.cv_minus_lucene_map),
            iv(r.defaults_minus_lucene_ndcg),
            iv(r.defaults_minus_lucene_map),
        );
    }
    let show = |r: &newsdex_engine::Ranking| {
        format!(
            "title {} stem {} variant {} key {} field_tie {} spelling_tie {} length {} proximity {}",
            r.title, r.stem, r.variant, r.key, r.field_tie, r.spelling_tie, r.length, r.proximity
        )
    };
    println!("\nshipped defaults: {}", show(&newsdex_engine::Ranking::default()));
    if let Some(p) = shipped {
        println!("rule's choice (best mean over collection groups of mean nDCG@10): {}", show(&points[p]));
    }
    for r in &rows {
        for (fold, c) in r.chosen.iter().enumerate() {
            if let Some(c) = c {
                println!("  {} fold {fold}: {}", r.collection, show(c));
            }
        }
    }
    Ok(())
}

/// `data/eval/expansion` of the working directory's repository, else of this build's.
fn default_gold_dir() -> PathBuf {
    let here = PathBuf::from("data/eval/expansion");
    if here.is_dir() { here } else { PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/eval/expansion") }
}

/// `../shared/data` from the working directory, else from this build's repository.
fn default_shared() -> PathBuf {
    let here = PathBuf::from("../shared/data");
    if here.is_dir() { here } else { PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data") }
}

fn load_gold(
    dir: &std::path::Path,
    inflections: &[PathBuf],
    files: &[PathBuf],
) -> anyhow::Result<newsdex_eval::gold::Gold> {
    use newsdex_eval::gold;
    let mut g = gold::Gold::default();
    for f in gold::jsonl_files(&dir.join("groups"))? {
        g.load_file(&f)?;
    }
    for f in gold::table_files(&dir.join("inflections"))?.iter().chain(inflections) {
        g.tables.load(f)?;
    }
    for f in files {
        g.load_file(f)?;
    }
    Ok(g)
}

/// Run `f` on the evaluation archive in `data` (reused or built), or in a temporary
/// directory removed afterwards.
fn with_archive(
    data: Option<PathBuf>,
    shared: Option<PathBuf>,
    f: impl FnOnce(&newsdex_eval::expansion::Archive) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    use newsdex_eval::expansion::Archive;
    let shared = shared.unwrap_or_else(default_shared);
    let (dir, temporary) = match data {
        Some(d) => (d, false),
        None => (std::env::temp_dir().join(format!("newsdex-eval-expansion-{}", std::process::id())), true),
    };
    let started = std::time::Instant::now();
    let result = Archive::open_or_build(&dir, &shared).and_then(|a| {
        if a.built {
            eprintln!(
                "built the archive in {} ({} documents, {:.1} s)",
                dir.display(),
                a.info.documents,
                started.elapsed().as_secs_f64()
            );
        }
        f(&a)
    });
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn mojibake(
    cases: &std::path::Path,
    predictions: Option<&std::path::Path>,
    field: &str,
    json: bool,
) -> anyhow::Result<()> {
    use newsdex_eval::mojibake;
    let cases = mojibake::load(cases)?;
    let score = match predictions {
        Some(p) => {
            let text = std::fs::read_to_string(p)?;
            let outputs: std::collections::HashMap<String, String> = text
                .lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .filter_map(|v| Some((v["id"].as_str()?.to_string(), v[field].as_str()?.to_string())))
                .collect();
            mojibake::score(&cases, |c| outputs.get(&c.id).cloned(), &format!("`{field}` of {}", p.display()))
        }
        None => mojibake::score(
            &cases,
            |c| newsdex_extract::mojibake::repair(&c.original).map(|(t, _)| t).or_else(|| Some(c.original.clone())),
            "newsdex mojibake repair",
        ),
    };
    if json {
        println!("{}", serde_json::to_string(&score)?);
    } else {
        println!("{}: {} of {} cases repaired to the expected text", score.what, score.passed, score.cases);
        for (id, (orig, got, want)) in score.failed_ids.iter().zip(&score.failures) {
            println!("  failed: {id}\n    in:   {orig:?}\n    got:  {got:?}\n    want: {want:?}");
        }
    }
    Ok(())
}

fn mojibake_gen(
    split: newsdex_eval::mojibake_gen::Split,
    damaged: usize,
    shared: Option<PathBuf>,
    write: Option<PathBuf>,
    ftfy: Option<PathBuf>,
    worst: usize,
    json: bool,
) -> anyhow::Result<()> {
    use newsdex_eval::mojibake_gen as g;
    let shared = shared.unwrap_or_else(default_shared);
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let sources = g::load_sources(&shared, &repo)?;
    let lines = g::generate(&sources, split, damaged, usize::MAX);
    let write_lines = |path: &std::path::Path| -> anyhow::Result<()> {
        let mut out = String::new();
        for l in &lines {
            out.push_str(&serde_json::to_string(l)?);
            out.push('\n');
        }
        std::fs::write(path, out)?;
        Ok(())
    };
    if let Some(w) = &write {
        write_lines(w)?;
    }
    let (outputs, seconds) = g::run_newsdex(&lines);
    let mut reports = vec![g::score(&lines, &outputs, seconds, "newsdex")];
    if let Some(python) = ftfy {
        let dir = std::env::temp_dir().join(format!("newsdex-mojibake-gen-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let (input, output) = (dir.join("in.jsonl"), dir.join("out.jsonl"));
        write_lines(&input)?;
        let script = repo.join("scripts/mojibake_ftfy.py");
        let run = std::process::Command::new(&python).arg(&script).arg(&input).arg(&output).output()?;
        anyhow::ensure!(run.status.success(), "ftfy failed: {}", String::from_utf8_lossy(&run.stderr));
        let stats: serde_json::Value = serde_json::from_slice(&run.stdout)?;
        let text = std::fs::read_to_string(&output)?;
        let outs: Vec<String> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l)
                    .map(|v| v["output"].as_str().unwrap_or_default().to_string())
            })
            .collect::<Result<_, _>>()?;
        anyhow::ensure!(outs.len() == lines.len(), "ftfy wrote {} of {} lines", outs.len(), lines.len());
        let name = format!("ftfy {}", stats["ftfy"].as_str().unwrap_or("?"));
        reports.push(g::score(&lines, &outs, stats["seconds"].as_f64().unwrap_or(0.0), &name));
        let _ = std::fs::remove_dir_all(&dir);
    }
    if json {
        println!("{}", serde_json::to_string(&reports)?);
        return Ok(());
    }
    let split_name = format!("{split:?}").to_lowercase();
    for r in &reports {
        println!(
            "{} on the {split_name} split: {} of {} damaged lines repaired exactly ({:.4}); {} of {} clean lines changed (1 in {:.0}); {:.0} lines/s",
            r.tool,
            r.damaged.right,
            r.damaged.lines,
            r.damaged.share(),
            r.clean_changed(),
            r.clean.lines,
            if r.clean_changed() == 0 { f64::INFINITY } else { r.clean.lines as f64 / r.clean_changed() as f64 },
            r.lines_per_second,
        );
        println!("  per code page (damaged):");
        for (p, c) in &r.per_page {
            println!("    {p:<14} {:>5} of {:>5} ({:.4})", c.right, c.lines, c.share());
        }
        println!("  per kind:");
        for (k, c) in &r.per_kind {
            println!("    {k:<16} {:>5} of {:>5} ({:.4})", c.right, c.lines, c.share());
        }
        let langs = r.clean_per_lang.len();
        let changed: Vec<String> = r
            .clean_per_lang
            .iter()
            .filter(|(_, c)| c.right < c.lines)
            .map(|(l, c)| format!("{l} {}/{}", c.lines - c.right, c.lines))
            .collect();
        println!(
            "  clean lines: {langs} languages; changed in {}: {}",
            changed.len(),
            if changed.is_empty() { "none".to_string() } else { changed.join(", ") }
        );
        for (id, input, got, want) in r.wrong.iter().take(worst) {
            println!("  wrong: {id}\n    in:   {input:?}\n    got:  {got:?}\n    want: {want:?}");
        }
    }
    Ok(())
}

/// One false link for `--worst`: dates, titles, sizes, and the words only in one text.
fn print_false_link(
    set: &[newsdex_eval::stories::Labelled],
    raw: &[(newsdex_eval::stories::Labelled, Option<usize>)],
    a: usize,
    b: usize,
    why: newsdex_dedupe::Link,
) {
    let (x, y) = (&set[a], &set[b]);
    let wa = newsdex_dedupe::words(&x.body);
    let wb = newsdex_dedupe::words(&y.body);
    let ra: Vec<&str> = wa.iter().map(String::as_str).collect();
    let rb: Vec<&str> = wb.iter().map(String::as_str).collect();
    let diff = similar::TextDiff::configure().diff_slices(&ra, &rb);
    let mut only_a = Vec::new();
    let mut only_b = Vec::new();
    for c in diff.iter_all_changes() {
        match c.tag() {
            similar::ChangeTag::Delete => only_a.push(c.value()),
            similar::ChangeTag::Insert => only_b.push(c.value()),
            similar::ChangeTag::Equal => {}
        }
    }
    let hours = match (x.published, y.published) {
        (Some(p), Some(q)) => format!("{:.1} h", (p - q).abs() as f64 / 3600.0),
        _ => "undated".into(),
    };
    println!(
        "---- {a} ({}) ~ {b} ({}): {why:?}, {hours} apart, words {} / {}, ratio {:.2}, copy {:?}/{:?}",
        x.story,
        y.story,
        wa.len(),
        wb.len(),
        diff.ratio(),
        raw[a].1,
        raw[b].1
    );
    println!("  A: {}", x.title);
    println!("  B: {}", y.title);
    let show = |w: &[&str]| w.iter().take(60).copied().collect::<Vec<_>>().join(" ");
    println!("  only A ({}): {}", only_a.len(), show(&only_a));
    println!("  only B ({}): {}", only_b.len(), show(&only_b));
}

fn story_scores(s: &newsdex_eval::stories::Scores) -> String {
    format!(
        "{} articles, {} gold stories, {} found: B-cubed P {:.3} R {:.3} F1 {:.3}; pairs P {:.3} R {:.3} F1 {:.3} ({:.2} s)",
        s.articles,
        s.gold_stories,
        s.predicted_stories,
        s.bcubed_precision,
        s.bcubed_recall,
        s.bcubed_f1,
        s.pair_precision,
        s.pair_recall,
        s.pair_f1,
        s.seconds
    )
}

fn human(r: &Report, tool: &str, timing: Option<&extraction::Timing>) -> String {
    let mut s = format!("{} ({:?} layout, {} pages) scored for {tool}\n", r.dataset, r.layout, r.pages);
    if let Some(t) = &r.text {
        s += &format!("  text       precision {:.3}  recall {:.3}  F1 {:.3}\n", t.precision, t.recall, t.f1);
    }
    if let Some(x) = &r.snippets {
        s += &format!(
            "  snippets   precision {:.3}  recall {:.3}  F1 {:.3}  accuracy {:.3}  (tp {} fn {} fp {} tn {})\n",
            x.precision, x.recall, x.f1, x.accuracy, x.counts.tp, x.counts.fn_, x.counts.fp, x.counts.tn
        );
    }
    if let (Some(rec), Some(ex)) = (r.prefix_recall, &r.prefix_exact) {
        s += &format!("  beginning  recall {rec:.3}  starts with it {}/{}\n", ex.correct, ex.total);
    }
    for (name, a) in [("title", &r.title), ("author", &r.author), ("date", &r.date)] {
        if a.total > 0 {
            s += &format!("  {name:<10} {}/{} correct ({:.3})\n", a.correct, a.total, a.accuracy);
        }
    }
    if r.outlet.total > 0 {
        s += &format!(
            "  outlet     {}/{} correct ({:.3}); {} of them the site's name, {} its domain\n",
            r.outlet.correct,
            r.outlet.total,
            r.outlet.accuracy,
            r.outlet_named,
            r.outlet.correct - r.outlet_named
        );
    }
    if r.missing > 0 {
        s += &format!("  no text for {} of {} pages\n", r.missing, r.pages);
    }
    if let Some(t) = timing {
        s += &format!(
            "  speed      {:.0} pages/s, {:.1} MB/s ({} pages, {:.2} s, one thread)\n",
            t.pages_per_s, t.mb_per_s, t.pages, t.seconds
        );
    }
    s
}

fn langid(
    path: &std::path::Path,
    tool: &str,
    predictions: Option<&std::path::Path>,
    langs: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    use newsdex_eval::langid;
    let mut sentences = langid::load(path)?;
    if let Some(l) = langs {
        let keep: Vec<&str> = l.split(',').map(str::trim).collect();
        sentences.retain(|s| keep.contains(&s.lang.as_str()));
    }
    let (guesses, seconds, name) = match (predictions, tool) {
        (Some(p), _) => (langid::read_predictions(p, &sentences)?, None, p.display().to_string()),
        (None, "newsdex") => {
            let _ = langid::newsdex("warm up the model");
            let (g, s) = langid::run(&sentences, langid::newsdex);
            (g, Some(s), format!("newsdex {} ({})", env!("CARGO_PKG_VERSION"), newsdex_lang::backend_name()))
        }
        (None, "whatlang") => {
            let (g, s) = langid::run(&sentences, langid::whatlang);
            (g, Some(s), "whatlang 0.18".to_string())
        }
        (None, other) => anyhow::bail!("unknown tool {other:?} (newsdex, whatlang, or --predictions)"),
    };
    let report = langid::score(&name, &sentences, &guesses, seconds);
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!("{}: {} of {} sentences ({:.3})", report.tool, report.correct, report.sentences, report.accuracy);
        if let Some(r) = report.sentences_per_s {
            println!("  speed {r:.0} sentences/s (one thread)");
        }
        for (lang, (c, n)) in &report.per_language {
            println!("  {lang:>3} {:.3} ({c}/{n})", *c as f64 / *n as f64);
        }
    }
    Ok(())
}
