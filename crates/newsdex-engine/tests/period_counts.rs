//! Counts by period (what a comparison draws) against a naive model: every matching
//! document exported, then its articles, distinct stories and distinct outlets counted per
//! day, week and month by hand. Each search is asked twice, with every facet and with the
//! time facet only (`SearchOptions::periods_only`, a comparison's searches): both must
//! give the model's numbers. Real text: every tenth Reuters-21578 story (2,158, with their
//! own dates, February to October 1987), spread over seven outlet names four at a time (so
//! that the index's segments hold different ones), every 40th story copied under another
//! outlet a day later, every 97th without an outlet (skipped when ../shared is absent).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use newsdex_engine::{CountBy, Engine, IngestOptions, Period, SearchOptions};

const OUTLETS: [&str; 7] = ["Reuters", "AP", "AFP", "Xinhua", "TASS", "Kyodo", "Anadolu"];

fn archive(dir: &Path) -> Option<Engine> {
    let sgml = newsdex_testkit::shared_data("news-reuters21578/original")?;
    let mut lines = String::new();
    for (i, mut rec) in newsdex_testkit::reuters::convert_dir(&sgml).unwrap().into_iter().step_by(10).enumerate() {
        // Four outlets at a time, shifting every 600 stories: segments hold different outlets.
        let outlet = OUTLETS[i % 4 + (i / 600) % 4];
        rec["outlet"] = if i % 97 == 0 { serde_json::Value::Null } else { outlet.into() };
        lines.push_str(&format!("{rec}\n"));
        if i % 40 == 0 {
            let mut copy = rec.clone();
            copy["outlet"] = OUTLETS[(i + 3) % OUTLETS.len()].into();
            if let Some(d) = rec["published"].as_str().and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok()) {
                copy["published"] = (d + chrono::Duration::days(1)).to_rfc3339().into();
            }
            lines.push_str(&format!("{copy}\n"));
        }
    }
    let jsonl = dir.join("reuters.jsonl");
    std::fs::write(&jsonl, lines).unwrap();
    let data = dir.join("data");
    let mut w = Engine::open_write(&data).unwrap();
    // Committed 500 at a time: several segments, whose outlet ordinals differ.
    let opts = IngestOptions { batch_docs: 500, ..IngestOptions::default() };
    let report = w.ingest(&[jsonl], &opts, &mut |_| {}).unwrap();
    assert!(report.copies >= 40, "the copies are grouped: {report:?}");
    drop(w);
    let e = Engine::open_read(&data).unwrap();
    assert!(e.snapshot().unwrap() >= 4, "several batches");
    Some(e)
}

/// (articles, stories, outlets) per period label, and for the undated, from the exported
/// matches of `query`.
type Model = BTreeMap<Option<String>, (u64, BTreeSet<String>, BTreeSet<String>)>;

fn model(e: &Engine, query: &str, period: Period) -> Model {
    let opts = SearchOptions { timeout: None, ..SearchOptions::default() };
    let plan = e.export_plan(query, &opts).unwrap();
    let mut m = Model::new();
    e.export(&plan, false, |d| {
        let key = d.row.article.published.as_ref().map(|p| period.label(period.key(p.timestamp())));
        let cell = m.entry(key).or_default();
        cell.0 += 1;
        cell.1.insert(d.story.to_string());
        // Matches without an outlet count as one outlet.
        cell.2.insert(d.row.article.outlet.clone().unwrap_or_default());
        Ok(())
    })
    .unwrap();
    m
}

#[test]
fn counts_by_period_match_a_count_by_hand_with_every_facet_or_the_time_facet_only() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(e) = archive(tmp.path()) else {
        eprintln!("skipped: ../shared/data/news-reuters21578 is absent");
        return;
    };
    for query in ["oil", "wheat OR corn", "*", "\"interest rates\""] {
        for period in [Period::Day, Period::Week, Period::Month] {
            let want = model(&e, query, period);
            assert!(want.len() > 3, "{query}: too few periods to test: {want:?}");
            for count in [CountBy::Articles, CountBy::Stories, CountBy::Outlets] {
                let pick = |c: &(u64, BTreeSet<String>, BTreeSet<String>)| match count {
                    CountBy::Articles => c.0,
                    CountBy::Stories => c.1.len() as u64,
                    CountBy::Outlets => c.2.len() as u64,
                };
                let dated: BTreeMap<String, u64> =
                    want.iter().filter_map(|(k, c)| Some((k.clone()?, pick(c)))).collect();
                let undated = want.get(&None).map_or(0, pick);
                for periods_only in [false, true] {
                    let opts = SearchOptions {
                        timeout: None,
                        limit: 0,
                        facets: true,
                        periods_only,
                        count,
                        period,
                        ..SearchOptions::default()
                    };
                    let f = e.search(query, &opts).unwrap().facets.unwrap();
                    let got: BTreeMap<String, u64> =
                        f.month.iter().filter(|b| b.count > 0).map(|b| (b.value.clone(), b.count)).collect();
                    let at = format!("{query} by {period:?}, counting {count:?}, periods only: {periods_only}");
                    assert_eq!(got, dated, "{at}");
                    assert_eq!(f.undated, undated, "{at}");
                    if periods_only {
                        assert!(f.lang.is_empty() && f.outlet.is_empty(), "{at}: only the time facet");
                    } else {
                        assert!(!f.outlet.is_empty(), "{at}: every facet");
                    }
                }
            }
        }
    }
}
