//! Real HTML pages (Mozilla Readability's test pages, ../shared; evaluation use): every
//! page ingests from its gzip, in its own encoding, and is found by words of its headline.
//! Skipped when ../shared is absent.

use crate::support::{Newsdex, s, shared};

#[test]
fn real_news_pages_ingest_and_are_found_by_their_headlines() {
    let Some(dir) = shared("extraction-readability") else { return };
    let expected = std::fs::read_to_string(dir.join("expected.jsonl")).unwrap();
    let pages: Vec<serde_json::Value> = expected.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let n = Newsdex::new();
    let sources: Vec<String> = pages
        .iter()
        .map(|p| s(&dir.join("pages").join(p["id"].as_str().unwrap()).join("source.html.gz")).to_string())
        .collect();
    let mut args = vec!["ingest"];
    args.extend(sources.iter().map(String::as_str));
    let (_, err) = n.expect(0, &args);
    let want = format!("ingested {0}: {0} new, 0 duplicates, 0 rejected", pages.len());
    assert!(err.contains(&want), "{err}");
    let mut found = 0;
    let mut tried = 0;
    for p in &pages {
        let Some(title) = p["title"].as_str() else { continue };
        // Readability's titles keep the site's name ("Mozilla - Wikipedia"); newsdex
        // drops it. So each part between separators is tried: up to two distinctive words
        // of it, as a phrase-free AND query on titles; the page is found if any part finds it.
        let marked =
            [" | ", " - ", " – ", " — ", " :: "].iter().fold(title.to_string(), |t, sep| t.replace(sep, "\u{1}"));
        let queries: Vec<String> = marked
            .split('\u{1}')
            .filter_map(|part| {
                let words: Vec<String> = part
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| w.chars().count() >= 5 && w.chars().all(char::is_alphabetic))
                    .take(2)
                    .map(|w| format!("title:{w}"))
                    .collect();
                (!words.is_empty()).then(|| words.join(" "))
            })
            .collect();
        if queries.is_empty() {
            continue;
        }
        tried += 1;
        if queries.iter().any(|q| n.json(&["search", q, "--limit", "3"])["total"].as_u64().unwrap() > 0) {
            found += 1;
        } else {
            eprintln!("not found by title: {title:?} ({queries:?})");
        }
    }
    eprintln!("{found} of {tried} headlines found by two of their words");
    // A few pages' og:title, which newsdex prefers, differs from the <title> Readability
    // keeps (and two test pages prefer Dublin Core's title). Require nearly all.
    assert!(tried >= 60, "{tried}");
    assert!(found * 100 >= tried * 95, "{found} of {tried}");
}
