//! The server under load, with hostile queries mixed into real ones and API ingests
//! running meanwhile, on loopback: every answer is a result, a budget refusal
//! (`bad_query`) or a deadline (`timeout`), never anything else; the server's memory
//! stays bounded; and every document posted is there at the end, once. Uses
//! Reuters-21578 and its query log (../shared); skipped when absent. CI runs it for a few
//! seconds; `scripts/reliability` longer (`NEWSDEX_RELIABILITY_SECS`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::serve::serve;
use crate::support::{Newsdex, reuters_jsonl, s};

/// Queries an attacker would send: each is refused by a budget or answered within its
/// deadline.
const HOSTILE: &[&str] = &[
    r#""the the the the the the the the the the"~100"#,
    r#""said the company said the company said the company said"~100"#,
    "a*",
    "((((((((((((((((((((((((((((((((((((((cocoa))))))))))))))))))))))))))))))))))))))",
    "*",
    r#"-"the said""#,
];

fn seconds() -> u64 {
    std::env::var("NEWSDEX_RELIABILITY_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(8)
}

fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 =
        status.lines().find(|l| l.starts_with("VmHWM:")).unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    kb << 10
}

#[test]
fn hostile_queries_under_load_with_ingests_running_give_only_answers_and_refusals() {
    let n = Newsdex::new();
    let Some(input) = reuters_jsonl(&n.scratch("in")) else { return };
    let log = newsdex_testkit::repo_root().join("bench/queries/reuters.txt");
    let mut queries: Vec<String> = std::fs::read_to_string(log).unwrap().lines().map(str::to_string).collect();
    n.expect(1, &["ingest", s(&input)]);
    // A long hostile query: 3 KB of one word in a sloppy phrase.
    queries.push(format!("\"{}\"~100", "the ".repeat(750).trim_end()));
    let srv = serve(&n, &["--token", "t0k"]);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let stop = AtomicBool::new(false);
    let until = Instant::now() + Duration::from_secs(seconds());
    let (answers, refusals, posted) = std::thread::scope(|sc| {
        let readers: Vec<_> = (0..4)
            .map(|t| {
                let (agent, queries, srv, stop) = (agent.clone(), &queries, &srv, &stop);
                sc.spawn(move || {
                    let (mut ok, mut refused) = (0u64, 0u64);
                    let mut i = t * 97;
                    while !stop.load(Ordering::Relaxed) {
                        i += 1;
                        let q = if i % 5 == 0 {
                            HOSTILE[i / 5 % HOSTILE.len()]
                        } else {
                            queries[i % queries.len()].as_str()
                        };
                        let mut r = agent
                            .get(&format!("{}api/search", srv.url))
                            .query("q", q)
                            .query("limit", if i % 7 == 0 { "100" } else { "10" })
                            .call()
                            .expect("the server answers");
                        let status = r.status().as_u16();
                        let body = r.body_mut().read_to_string().unwrap();
                        match status {
                            200 => ok += 1,
                            400 if body.contains("\"bad_query\"") => refused += 1,
                            503 if body.contains("\"timeout\"") => refused += 1,
                            _ => panic!("{q:?} answered {status}: {body}"),
                        }
                    }
                    (ok, refused)
                })
            })
            .collect();
        // Meanwhile, batches of new articles through the API.
        let mut posted = 0u64;
        let mut batch = 0;
        while Instant::now() < until {
            let body: String = (0..50)
                .map(|k| {
                    format!(
                        "{{\"title\":\"Load test dispatch {batch}-{k}\",\"text\":\"Dispatch {batch}-{k} on cocoa and grain under load.\"}}\n"
                    )
                })
                .collect();
            let mut r = agent
                .post(&format!("{}api/ingest", srv.url))
                .header("Authorization", "Bearer t0k")
                .send(body.as_bytes())
                .expect("the server answers");
            let status = r.status().as_u16();
            assert_eq!(status, 200, "{}", r.body_mut().read_to_string().unwrap());
            posted += 50;
            batch += 1;
        }
        stop.store(true, Ordering::Relaxed);
        let (mut ok, mut refused) = (0, 0);
        for h in readers {
            let (o, r) = h.join().unwrap();
            ok += o;
            refused += r;
        }
        (ok, refused, posted)
    });
    eprintln!("{answers} answers, {refusals} refusals, {posted} documents posted");
    assert!(answers > 100 && refusals > 10 && posted >= 50);
    let peak = peak_rss(srv.child.id());
    assert!(peak < 1 << 30, "the server reached {} MB", peak >> 20);
    drop(srv);
    let st = n.json(&["stats"]);
    assert_eq!(st["documents"].as_u64().unwrap(), 21577 + posted);
    assert_eq!(st["indexed_documents"], st["documents"]);
    assert_eq!(n.json(&["search", "title:\"load test dispatch\"", "--limit", "0", "--all"])["total"], posted);
}
