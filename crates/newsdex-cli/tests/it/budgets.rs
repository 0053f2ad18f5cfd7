//! One small search must not be able to take the machine down (issue #14): queries that
//! would cost too much are refused before they run, with a message that says what was too
//! much and what the limit is.
//!
//! Each search runs in a child process (the real binary, on an archive of the two seed
//! articles) whose peak resident memory is read from the kernel's high-water mark
//! (`VmHWM` in `/proc/PID/status`) while it runs. A child past [`PEAK_BOUND_KB`] is
//! killed on the spot, so a regression fails in a second or two instead of eating the
//! machine (before budgets, the 3 KB query below passed 20 GB).

use std::io::Read;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use crate::support::{Newsdex, s, seeds};

/// Generous: a refused search peaks at a few tens of MB.
const PEAK_BOUND_KB: u64 = 512 * 1024;

struct Watched {
    status: Option<ExitStatus>,
    stderr: String,
    /// Highest `VmHWM` seen, in kB.
    peak_kb: u64,
}

/// `VmHWM` of process `pid` in kB (`None` once it has exited).
fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Run `newsdex ARGS`, polling its peak memory every few milliseconds; kill it once the
/// peak passes [`PEAK_BOUND_KB`] (then `status` is `None`).
fn run_watched(n: &Newsdex, args: &[&str]) -> Watched {
    let mut child = n.command(args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("run newsdex");
    let mut pipe = child.stderr.take().expect("stderr piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = pipe.read_to_string(&mut s);
        s
    });
    let pid = child.id();
    let mut peak_kb = 0;
    let status = loop {
        if let Some(kb) = vm_hwm_kb(pid) {
            peak_kb = peak_kb.max(kb);
        }
        if peak_kb > PEAK_BOUND_KB {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        match child.try_wait().expect("wait for newsdex") {
            Some(status) => break Some(status),
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    };
    Watched { status, stderr: reader.join().expect("stderr reader"), peak_kb }
}

fn seeds_archive() -> Newsdex {
    let n = Newsdex::new();
    let [a, b] = seeds();
    n.expect(0, &["ingest", s(&a), s(&b)]);
    n
}

/// Run `query` (with `extra` options) and require a quick refusal naming `limit`, with the
/// child's memory under the bound all along.
fn assert_refused(n: &Newsdex, query: &str, extra: &[&str], says: &[&str]) {
    let mut args = vec!["search", query];
    args.extend_from_slice(extra);
    let w = run_watched(n, &args);
    let shown: String = query.chars().take(60).collect();
    assert!(
        w.status.is_some(),
        "{shown}…: killed at {} MB of resident memory (bound {} MB)",
        w.peak_kb / 1024,
        PEAK_BOUND_KB / 1024
    );
    assert_eq!(w.status.and_then(|s| s.code()), Some(2), "{shown}…: {}", w.stderr);
    assert!(w.stderr.starts_with("error: bad query: "), "{shown}…: {}", w.stderr);
    for s in says {
        assert!(w.stderr.contains(s), "{shown}…: the message should say {s:?}: {}", w.stderr);
    }
    assert!(w.peak_kb <= PEAK_BOUND_KB, "{shown}…: peak {} kB", w.peak_kb);
    eprintln!("{shown}…: refused, peak resident memory {} MB", w.peak_kb / 1024);
}

/// The 45-byte query of the issue: ten times "the" within 100 positions.
#[test]
fn regression_sloppy_phrase_of_a_repeated_word_is_refused_with_little_memory() {
    let n = seeds_archive();
    let q = "\"the the the the the the the the the the\"~100";
    assert_eq!(q.len(), 45);
    assert_refused(&n, q, &[], &["10 words", "within 100 positions", "limit is 100"]);
    assert_refused(&n, q, &["--exact"], &["limit is 100"]);
}

/// The 3 KB variant that took the server to 23 GB.
#[test]
fn regression_three_kilobyte_sloppy_phrase_is_refused_with_little_memory() {
    let n = seeds_archive();
    let q = format!("\"{}\"~100", ["the"; 760].join(" "));
    assert!(q.len() > 3000 && q.len() < 4096, "{}", q.len());
    assert_refused(&n, &q, &[], &["760 words", "limit is 100"]);
}

/// Sixty words of the seed article itself (so every word is in the archive) within 100.
#[test]
fn regression_sixty_word_sloppy_phrase_is_refused_with_little_memory() {
    let n = seeds_archive();
    let text = std::fs::read_to_string(seeds()[1].clone()).unwrap();
    let start = text.find("In the last 1-2 years").unwrap();
    let words: Vec<&str> = text[start..]
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty() && w.chars().all(char::is_alphabetic))
        .take(60)
        .collect();
    let q = format!("\"{}\"~100", words.join(" "));
    assert_refused(&n, &q, &["--exact"], &["60 words", "limit is 100"]);
}

/// What real people type still runs: a short sloppy phrase, and the same words close.
#[test]
fn sloppy_phrases_within_budget_still_search() {
    let n = seeds_archive();
    for q in ["\"Uyghur Tashkent\"~100", "\"visit Tashkent summer\"~10", "\"the risks of Uyghur\"~20"] {
        let w = run_watched(&n, &["search", q]);
        assert_eq!(w.status.and_then(|s| s.code()), Some(0), "{q}: {}", w.stderr);
        assert!(w.peak_kb <= PEAK_BOUND_KB, "{q}: peak {} kB", w.peak_kb);
    }
    let (total, _) = n.titles("\"visit Tashkent summer\"~10");
    assert_eq!(total, 1);
}
