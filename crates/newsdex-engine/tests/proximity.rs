//! Neighbouring query words found together (`Ranking::proximity`) against a naive model,
//! on real text: every other Reuters-21578 story (10,789; skipped when ../shared is
//! absent), searched with the query log's two-word queries (`bench/queries/reuters.txt`).
//!
//! * Proximity only reorders: with it on, every query matches the same documents, with
//!   the same total, as with it off.
//! * It does what it says: at an overwhelming weight, every document whose title or body
//!   holds the two words side by side, in order, ranks above every document where they
//!   are nowhere near each other (more than the slop and a margin of three words from
//!   where the second would follow the first, or not both in one field), by a plain
//!   lower-cased word split of the stored texts. With proximity off the same check
//!   fails for some query, so the check can tell.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use newsdex_engine::{DefaultOp, Engine, IngestOptions, Ranking, SearchOptions};

fn archive(dir: &Path) -> Option<Engine> {
    let sgml = newsdex_testkit::shared_data("news-reuters21578/original")?;
    let mut lines = String::new();
    for rec in newsdex_testkit::reuters::convert_dir(&sgml).unwrap().into_iter().step_by(2) {
        lines.push_str(&format!("{rec}\n"));
    }
    let jsonl = dir.join("reuters.jsonl");
    std::fs::write(&jsonl, lines).unwrap();
    let data = dir.join("data");
    let mut w = Engine::open_write(&data).unwrap();
    let opts = IngestOptions { batch_docs: 700, ..IngestOptions::default() };
    w.ingest(&[jsonl], &opts, &mut |_| {}).unwrap();
    drop(w);
    Some(Engine::open_read(&data).unwrap())
}

/// Lower-cased words: runs of letters and digits.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// How far `b` is from where it would follow `a` (0: side by side, in order; a swapped
/// pair is 2), at best, in one field: the distance tantivy's sloppy phrase measures.
fn closest(fields: &[Vec<String>], a: &str, b: &str) -> Option<usize> {
    let mut best: Option<usize> = None;
    for toks in fields {
        let at = |w: &str| toks.iter().enumerate().filter(|(_, t)| *t == w).map(|(i, _)| i).collect::<Vec<_>>();
        for i in at(a) {
            for j in at(b) {
                let d = (i + 1).abs_diff(j);
                best = Some(best.map_or(d, |b| b.min(d)));
            }
        }
    }
    best
}

fn search(e: &Engine, q: &str, proximity: f32, limit: usize) -> newsdex_engine::SearchResults {
    let opts = SearchOptions {
        limit,
        default_op: DefaultOp::Or,
        snippet_chars: 0,
        matched: false,
        collapse: false,
        timeout: None,
        ranking: Ranking { proximity, ..Ranking::default() },
        ..SearchOptions::default()
    };
    e.search(q, &opts).unwrap()
}

/// The rank of the last hit with the words side by side and of the first hit with them
/// nowhere near, when the query has both kinds (else it tests nothing).
fn last_near_first_far(hits: &[(String, Option<usize>)]) -> Option<(usize, usize)> {
    let margin = newsdex_index::PROXIMITY_SLOP as usize + 3;
    let last_near = hits.iter().rposition(|(_, d)| *d == Some(0))?;
    let first_far = hits.iter().position(|(_, d)| d.is_none_or(|d| d > margin))?;
    Some((last_near, first_far))
}

#[test]
fn proximity_reorders_the_same_matches_and_puts_words_side_by_side_first() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(e) = archive(tmp.path()) else {
        eprintln!("skipped: ../shared/data/news-reuters21578 is absent");
        return;
    };
    // The stored texts, as the index holds them.
    let mut texts: HashMap<String, Vec<Vec<String>>> = HashMap::new();
    let opts = SearchOptions { timeout: None, ..SearchOptions::default() };
    let plan = e.export_plan("*", &opts).unwrap();
    e.export(&plan, false, |d| {
        let a = &d.row.article;
        texts.insert(a.id.to_string(), vec![words(&a.title), words(&a.body)]);
        Ok(())
    })
    .unwrap();
    assert!(texts.len() > 10_000, "{} documents", texts.len());

    let log = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../bench/queries/reuters.txt")).unwrap();
    let pairs: Vec<(String, String)> = log
        .lines()
        .filter_map(|l| match words(l).as_slice() {
            [a, b] if a != b && a.chars().all(char::is_alphabetic) && b.chars().all(char::is_alphabetic) => {
                Some((a.clone(), b.clone()))
            }
            _ => None,
        })
        .take(100)
        .collect();
    assert!(pairs.len() >= 30, "{pairs:?}");

    let (mut tested, mut off_fails, mut reordered) = (0, 0, 0);
    for (a, b) in &pairs {
        let q = format!("{a} {b}");
        let off = search(&e, &q, 0.0, 10_000);
        let on = search(&e, &q, 0.3, 10_000);
        assert_eq!(off.total, on.total, "{q}: totals");
        assert!(off.total <= 10_000, "{q}: every match fetched");
        let ids = |r: &newsdex_engine::SearchResults| r.hits.iter().map(|h| h.id.to_string()).collect::<Vec<_>>();
        let (off_ids, on_ids) = (ids(&off), ids(&on));
        assert_eq!(
            off_ids.iter().collect::<HashSet<_>>(),
            on_ids.iter().collect::<HashSet<_>>(),
            "{q}: the same documents match"
        );
        if off_ids != on_ids {
            reordered += 1;
        }

        let model = |ids: &[String]| -> Vec<(String, Option<usize>)> {
            ids.iter().map(|id| (id.clone(), closest(&texts[id], a, b))).collect()
        };
        let strong = search(&e, &q, 1000.0, 10_000);
        let m = model(&ids(&strong));
        let Some((near, far)) = last_near_first_far(&m) else { continue };
        if far < near {
            for i in [far, near] {
                eprintln!("rank {i} score {} {:?} {:?}", strong.hits[i].score, m[i].1, texts[&m[i].0]);
            }
        }
        assert!(near < far, "{q}: a document with the words side by side ranks below one with them far apart");
        tested += 1;
        if last_near_first_far(&model(&off_ids)).is_some_and(|(n, f)| f < n) {
            off_fails += 1;
        }
    }
    assert!(tested >= 15, "only {tested} queries had documents of both kinds");
    assert!(off_fails > 0, "without proximity the order already passes the check: it cannot tell");
    assert!(reordered > 0, "proximity 0.3 changed no ranking");
    eprintln!("{tested} queries checked; without proximity {off_fails} fail the check; {reordered} reordered at 0.3");
}
