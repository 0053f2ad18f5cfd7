//! Character references left in text and JSON Lines inputs (issue #16): decoded, the
//! damaged AG News form included, and recorded as a counted repair.

use newsdex_core::Article;
use newsdex_extract::{Hints, RecordKind, extract};

fn jsonl(line: &str) -> Article {
    extract(line.as_bytes(), RecordKind::Jsonl, &Hints::default()).unwrap()
}

fn warning<'a>(a: &'a Article, code: &str) -> Vec<&'a newsdex_core::Warning> {
    a.warnings.iter().filter(|w| w.code == code).collect()
}

/// AG News's records, by id, from ../shared (skipped, saying so, when absent).
fn agnews(ids: &[&str]) -> Option<Vec<Article>> {
    let path = newsdex_testkit::shared_data("news-agnews-test/agnews-test.jsonl")?;
    let text = std::fs::read_to_string(path).unwrap();
    Some(
        ids.iter()
            .map(|id| {
                let key = format!("\"id\": \"{id}\"");
                jsonl(text.lines().find(|l| l.contains(&key)).unwrap_or_else(|| panic!("{id} not in AG News")))
            })
            .collect(),
    )
}

#[test]
fn ag_news_apostrophes_that_lost_their_ampersand() {
    let Some(a) = agnews(&["agnews-test-96"]) else { return };
    let a = &a[0];
    assert_eq!(a.title, "Eriksson doesn't feel any extra pressure following scandal");
    assert!(a.body.contains("he isn't under any extra pressure"), "{}", a.body);
    assert!(a.body.contains("the Football Association's reputation"), "{}", a.body);
    let body = warning(a, "entities-decoded");
    assert_eq!(body.len(), 2, "{:?}", a.warnings);
    assert_eq!(body[0].count, 2);
    assert!(body[0].message.contains("with their & lost"), "{}", body[0].message);
    assert_eq!(body[1].count, 1);
    assert!(body[1].message.starts_with("title: "), "{}", body[1].message);
}

#[test]
fn ag_news_escaped_bold_in_titles_and_dollars() {
    let Some(a) = agnews(&["agnews-test-445", "agnews-test-564"]) else { return };
    assert_eq!(a[0].title, "Israel Accelerates Settlement Drive As Sharon Pushes On With Gaza ...");
    assert_eq!(a[1].title, "Jamaican Government to Provide Free Internet Access in Poor ...");
    assert!(a[1].body.starts_with("Jamaica's government on Tuesday"), "{}", a[1].body);
    assert!(warning(&a[0], "escaped-markup-removed").iter().any(|w| w.count == 2), "{:?}", a[0].warnings);
}

#[test]
fn ag_news_has_no_references_left() {
    let Some(path) = newsdex_testkit::shared_data("news-agnews-test/agnews-test.jsonl") else { return };
    let text = std::fs::read_to_string(path).unwrap();
    let mut left = Vec::new();
    for line in text.lines() {
        let a = jsonl(line);
        for s in [&a.title, &a.body] {
            if s.contains(" #39;") || s.contains("&#39;") || s.contains("&lt;b&gt;") || s.contains("&amp;") {
                left.push(s.clone());
            }
        }
    }
    assert!(left.is_empty(), "{} texts keep references, e.g. {:?}", left.len(), left.first());
}

#[test]
fn the_jsonl_fixture() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/entities/entities.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let a: Vec<Article> = text.lines().map(jsonl).collect();
    assert_eq!(a[0].title, "AT&T said \"no\" to the merger");
    assert_eq!(a[0].body, "AT&T said \"no\" on Tuesday. The company's board met in Dallas & Washington.");
    assert_eq!(warning(&a[0], "entities-decoded")[0].count, 5);
    // Escaped twice: both layers go.
    assert_eq!(a[1].title, "Regulators' answer \"soon\"");
    assert_eq!(a[1].body, "The regulators' answer was double-escaped by the feed: \"soon\".");
    // Lost ampersands, a ticker in angle brackets (kept) and escaped bold (removed).
    assert_eq!(a[2].title, "Shares rise $2 on news");
    assert_eq!(a[2].body, "Shares of Example Corp. <EXM.N> rose $2 after the firm said it isn't for sale.");
    // Text about entities keeps them.
    assert_eq!(a[3].body, "In HTML you write \"&amp;\" for an ampersand, and R&D or Q&A need no escape.");
    assert!(warning(&a[3], "entities-decoded").is_empty());
}

#[test]
fn plain_text_and_html_too() {
    let a = extract(
        b"AT&amp;T said &quot;no&quot;\n\nThe deal is off, AT&amp;T&#39;s chief said.",
        RecordKind::Text,
        &Hints::default(),
    )
    .unwrap();
    assert_eq!(a.title, "AT&T said \"no\"");
    assert_eq!(a.body, "The deal is off, AT&T's chief said.");
    assert_eq!(warning(&a, "entities-decoded")[0].count, 5);
    // A page escaped twice: the text its markup yields still holds references.
    let html = format!(
        "<html><head><title>Deal</title></head><body><article><p>{}</p></article></body></html>",
        "AT&amp;amp;T said &amp;quot;no&amp;quot; to the offer made on Monday by its rival. ".repeat(4)
    );
    let a = extract(html.as_bytes(), RecordKind::Html, &Hints::default()).unwrap();
    assert!(a.body.starts_with("AT&T said \"no\" to the offer"), "{}", a.body);
    assert!(!warning(&a, "entities-decoded").is_empty());
}
