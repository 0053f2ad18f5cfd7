//! Per-query comparison of newsdex (shipped defaults) and Lucene 8 BM25 on one test
//! collection: the queries where the two differ most, with each engine's top documents
//! (relevant ones marked) and what the query became. For finding why one engine ranks
//! better, not a score to report (`newsdex-eval ir` is that).
//!
//! ```sh
//! cargo run --release -p newsdex-eval --example ir_diff -- DIR bench/lucene/run [--only NAME] [--worst N] [--top K] [--unreported]
//! ```
//!
//! `--unreported` looks at the queries `newsdex-eval ir --max-queries 200` leaves out
//! rather than the 200 it reports, so that what a diagnosis finds is not tuned on the
//! reported queries.

use std::path::PathBuf;

use anyhow::Result;
use newsdex_eval::ir::{self, Archive, Collection};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut pos = Vec::new();
    let (mut only, mut worst, mut top, mut unreported) = (None, 15usize, 5usize, false);
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--only" => {
                only = args.get(i + 1).cloned();
                i += 1;
            }
            "--worst" => {
                worst = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(worst);
                i += 1;
            }
            "--top" => {
                top = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(top);
                i += 1;
            }
            "--unreported" => unreported = true,
            a => pos.push(a.to_string()),
        }
        i += 1;
    }
    anyhow::ensure!(pos.len() == 2, "usage: ir_diff DIR LUCENE_RUN [--only NAME] [--worst N] [--top K] [--unreported]");
    let (dir, lucene) = (PathBuf::from(&pos[0]), PathBuf::from(&pos[1]));
    let scratch = std::env::temp_dir().join(format!("newsdex-ir-diff-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    for mut c in Collection::load(&dir)? {
        if only.as_ref().is_some_and(|o| *o != c.name) {
            continue;
        }
        if unreported {
            c.drop_sample(200);
        } else {
            c.truncate_queries(200);
        }
        let depth = if c.known_item() { 100 } else { 1000 };
        let archive = Archive::build(&c, &scratch)?;
        let ours = archive.rank(&c, newsdex_engine::Ranking::default(), true, depth)?;
        let theirs = ir::run_lucene(&lucene, &c, &scratch, depth)?;
        let a = ir::per_query(&c, &ours);
        let b = ir::per_query(&c, &theirs);
        let scored = c.scored();
        let mut rows: Vec<(f64, usize)> = a.iter().zip(&b).enumerate().map(|(i, (x, y))| (x.0 - y.0, i)).collect();
        rows.sort_by(|x, y| x.0.total_cmp(&y.0));
        let (na, nb) = (newsdex_eval::cv::means(&a), newsdex_eval::cv::means(&b));
        let wins = rows.iter().filter(|r| r.0 > 1e-9).count();
        let losses = rows.iter().filter(|r| r.0 < -1e-9).count();
        println!(
            "== {}: {} queries; newsdex nDCG@10 {:.4} MAP {:.4}; Lucene {:.4} {:.4}; newsdex better on {wins}, worse on {losses}",
            c.name,
            a.len(),
            na.0,
            na.1,
            nb.0,
            nb.1
        );
        let text = |id: &str| {
            c.docs
                .iter()
                .find(|d| d.0 == id)
                .map(|d| format!("{} {}", d.1, d.2).trim().chars().take(110).collect::<String>())
                .unwrap_or_default()
        };
        for &(d, i) in rows.iter().take(worst) {
            let (qid, q) = scored[i];
            let g = &c.gains[qid];
            println!("\n-- {qid} diff {d:+.3} (newsdex {:.3}, Lucene {:.3}): {q}", a[i].0, b[i].0);
            println!("   bag: {}", ir::bag_of_words(q));
            let rank_of = |run: &[String], doc: &str| run.iter().position(|x| x == doc).map(|p| p + 1);
            let empty = Vec::new();
            let (ra, rb) = (ours.get(qid).unwrap_or(&empty), theirs.get(qid).unwrap_or(&empty));
            for doc in g.keys() {
                println!("   relevant {doc}: newsdex rank {:?}, Lucene rank {:?}", rank_of(ra, doc), rank_of(rb, doc));
            }
            for (name, run) in [("newsdex", ra), ("Lucene", rb)] {
                for (k, doc) in run.iter().take(top).enumerate() {
                    let mark = if g.contains_key(doc) { "*" } else { " " };
                    println!("   {name:7} {:2}{mark} {doc}: {}", k + 1, text(doc));
                }
            }
        }
        let _ = std::fs::remove_dir_all(scratch.join(format!("data-{}", c.name)));
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}
