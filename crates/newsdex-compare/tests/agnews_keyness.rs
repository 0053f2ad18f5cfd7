//! Keyness on real news: AG News's test split (7,600 items, ../shared; research use),
//! each class's items against the other three classes. Checked two ways:
//!
//! - against a naive model written out here: counts per term by a plain loop over the
//!   same tokens, G² as 2 Σ O ln(O/E) over the two occurrence cells with the expected
//!   values from the margins, all terms ranked: the crate must list the same terms with
//!   the same counts and statistics (so a wrong count, formula, filter or order fails);
//! - by what a reader expects: the sports items' key words are sports words, the business
//!   items' business words, and neither list holds the other's.
//!
//! Skipped (saying so) when ../shared is absent.

use std::collections::{HashMap, HashSet};

use newsdex_compare::keyness::stop_words;
use newsdex_compare::{Keyness, KeynessOptions};

struct Item {
    label: String,
    title: Vec<String>,
    text: Vec<String>,
}

fn tokens(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric() && c != '\'').filter(|t| !t.is_empty()).map(str::to_string).collect()
}

fn load() -> Option<Vec<Item>> {
    let path = newsdex_testkit::shared_data("news-agnews-test/agnews-test.jsonl")?;
    let text = std::fs::read_to_string(path).unwrap();
    Some(
        text.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                Item {
                    label: v["label"].as_str().unwrap().to_string(),
                    title: tokens(v["title"].as_str().unwrap()),
                    text: tokens(v["text"].as_str().unwrap()),
                }
            })
            .collect(),
    )
}

/// The naive model: (term, a, b, G², log ratio) of every kept term, ranked.
fn naive(items: &[Item], label: &str, opts: &KeynessOptions, phrases: bool) -> Vec<(String, u64, u64, f64, f64)> {
    let stops: HashSet<&str> = stop_words("en").unwrap().iter().copied().collect();
    let kept = |t: &str| -> Option<String> {
        let w = t.to_lowercase();
        let one_ascii = t.chars().count() == 1 && t.is_ascii();
        (t.chars().any(char::is_alphabetic) && !one_ascii && !stops.contains(w.as_str())).then_some(w)
    };
    let mut a: HashMap<String, u64> = HashMap::new();
    let mut b: HashMap<String, u64> = HashMap::new();
    let (mut c, mut d) = (0u64, 0u64);
    for item in items {
        let target = item.label == label;
        for seg in [&item.title, &item.text] {
            let words: Vec<Option<String>> = seg.iter().map(|t| kept(t)).collect();
            let terms: Vec<String> = if phrases {
                words
                    .windows(2)
                    .filter_map(|w| match w {
                        [Some(x), Some(y)] => Some(format!("{x} {y}")),
                        _ => None,
                    })
                    .collect()
            } else {
                words.into_iter().flatten().collect()
            };
            for t in terms {
                if target {
                    c += 1;
                    *a.entry(t).or_default() += 1;
                } else {
                    d += 1;
                    *b.entry(t).or_default() += 1;
                }
            }
        }
    }
    let (cf, df) = (c as f64, d as f64);
    let mut out: Vec<(String, u64, u64, f64, f64)> = a
        .iter()
        .map(|(t, &ta)| {
            let tb = b.get(t).copied().unwrap_or(0);
            let total = (ta + tb) as f64;
            let cells = [(ta as f64, cf * total / (cf + df)), (tb as f64, df * total / (cf + df))];
            let g2: f64 = 2.0 * cells.iter().filter(|(o, _)| *o > 0.0).map(|(o, e)| o * (o / e).ln()).sum::<f64>();
            let rb = if tb == 0 { 0.5 } else { tb as f64 };
            let lr = ((ta as f64 / cf) / (rb / df)).log2();
            (t.clone(), ta, tb, g2, lr)
        })
        .filter(|(_, ta, _, g2, lr)| *ta >= opts.min_freq && *g2 >= opts.min_g2 && *lr > 0.0)
        .collect();
    out.sort_by(|x, y| y.3.total_cmp(&x.3).then(y.4.total_cmp(&x.4)).then(x.0.cmp(&y.0)));
    out.truncate(opts.top);
    out
}

fn crate_keyness(items: &[Item], label: &str, opts: &KeynessOptions) -> newsdex_compare::LangKeywords {
    fn seg(i: &Item) -> [Vec<&str>; 2] {
        [i.title.iter().map(String::as_str).collect(), i.text.iter().map(String::as_str).collect()]
    }
    let mut k = Keyness::new(opts.clone());
    for i in items.iter().filter(|i| i.label == label) {
        k.add_target("en", &seg(i));
    }
    for i in items.iter().filter(|i| i.label != label) {
        k.add_reference("en", &seg(i));
    }
    let mut out = k.finish();
    assert_eq!(out.len(), 1);
    out.remove(0)
}

#[test]
fn agnews_class_keywords_match_a_naive_model_and_a_reader() {
    let Some(items) = load() else { return };
    assert_eq!(items.len(), 7_600);
    let opts = KeynessOptions { top: 30, ..KeynessOptions::default() };
    let mut tops: HashMap<&str, Vec<String>> = HashMap::new();
    for label in ["World", "Sports", "Business", "Sci/Tech"] {
        let got = crate_keyness(&items, label, &opts);
        assert_eq!(got.target_docs, 1_900, "{label}");
        assert_eq!(got.reference_docs, 5_700, "{label}");
        for (phrases, list) in [(false, &got.words), (true, &got.phrases)] {
            let want = naive(&items, label, &opts, phrases);
            assert_eq!(list.len(), want.len(), "{label} phrases={phrases}");
            for (g, w) in list.iter().zip(&want) {
                assert_eq!((g.term.as_str(), g.target, g.reference), (w.0.as_str(), w.1, w.2), "{label}");
                assert!((g.g2 - w.3).abs() < 1e-9 * w.3.max(1.0), "{label} {}: {} vs {}", w.0, g.g2, w.3);
                assert!((g.log_ratio - w.4).abs() < 1e-9, "{label} {}", w.0);
            }
        }
        eprintln!("{label}: {}", got.words.iter().take(15).map(|w| w.term.as_str()).collect::<Vec<_>>().join(", "));
        eprintln!(
            "{label} phrases: {}",
            got.phrases.iter().take(10).map(|w| w.term.as_str()).collect::<Vec<_>>().join(", ")
        );
        tops.insert(label, got.words.iter().take(20).map(|w| w.term.clone()).collect());
    }
    // What a reader expects of each class's top 20.
    let sports = ["game", "season", "team", "coach", "win", "league", "cup", "victory", "night", "players"];
    let business = ["oil", "prices", "stocks", "profit", "company", "shares", "sales", "percent", "quarter", "market"];
    let hits = |label: &str, words: &[&str]| tops[label].iter().filter(|t| words.contains(&t.as_str())).count();
    assert!(hits("Sports", &sports) >= 5, "{:?}", tops["Sports"]);
    assert!(hits("Business", &business) >= 5, "{:?}", tops["Business"]);
    assert_eq!(hits("Sports", &business), 0, "{:?}", tops["Sports"]);
    assert_eq!(hits("Business", &sports), 0, "{:?}", tops["Business"]);
}
