//! The generated mojibake evaluation end to end on a small seeded set (issue #16): the
//! generator and newsdex's repair together, with floors well below the measured numbers
//! (BENCHMARKS.md, "Mojibake repair (issue #16)"), so the test fails if the repair breaks,
//! not when it moves a little.

use newsdex_eval::mojibake_gen::{Split, generate, load_sources, run_newsdex, score};

#[test]
fn generated_damage_is_repaired_and_clean_lines_stay() {
    let Some(shared) = newsdex_testkit::shared_data("langid-lingua-sentences/sentences.jsonl.zst") else { return };
    let shared = shared.parent().and_then(|p| p.parent()).expect("the shared data folder");
    let sources = load_sources(shared, &newsdex_testkit::repo_root()).unwrap();
    assert!(sources.len() > 55_000, "{}", sources.len());
    let lines = generate(&sources, Split::Dev, 1_500, 6_000);
    let again = generate(&sources, Split::Dev, 1_500, 6_000);
    assert_eq!(lines.iter().map(|l| &l.text).collect::<Vec<_>>(), again.iter().map(|l| &l.text).collect::<Vec<_>>());
    let (out, secs) = run_newsdex(&lines);
    let r = score(&lines, &out, secs, "newsdex");
    eprintln!(
        "{} of {} damaged repaired ({:.3}), {} of {} clean changed",
        r.damaged.right,
        r.damaged.lines,
        r.damaged.share(),
        r.clean_changed(),
        r.clean.lines
    );
    assert_eq!(r.damaged.lines, 1_500);
    assert_eq!(r.clean.lines, 6_000);
    assert_eq!(r.per_page.len(), 13, "every code page: {:?}", r.per_page.keys());
    assert!(r.damaged.share() >= FLOOR_REPAIRED, "{:.3} repaired", r.damaged.share());
    assert!(r.clean_changed() <= MAX_CLEAN_CHANGED, "{} clean lines changed", r.clean_changed());
}

/// Floors below what this set measures (1,405 of 1,500 = 0.937, 0 of 6,000 clean changed
/// at 6113cf2; the full splits: 0.938 dev, 0.942 test; at b5d3609, before part 4 of the
/// issue, 0.839 and 1 here): the repair before issue #16 gets 0.711.
const FLOOR_REPAIRED: f64 = 0.90;
const MAX_CLEAN_CHANGED: usize = 2;
