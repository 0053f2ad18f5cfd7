//! Navigation lines at the edges of a text leave the body and stay in the record, and
//! never become the title.

use newsdex_extract::{Hints, RecordKind, extract};

#[test]
fn a_navigation_line_on_top_is_not_the_title() {
    let text = "Share this:\n\nUyghur scholars meet in Almaty\n\nScholars met in Almaty on Monday.\n\nPrevious Post Next Post\n";
    let a = extract(text.as_bytes(), RecordKind::Text, &Hints::default()).unwrap();
    assert_eq!(a.title, "Uyghur scholars meet in Almaty");
    assert_eq!(a.body, "Scholars met in Almaty on Monday.");
    assert_eq!(a.removed, ["Share this:", "Previous Post Next Post"]);
    assert!(a.warnings.iter().any(|w| w.code == "boilerplate-removed" && w.count == 2), "{:?}", a.warnings);
}

#[test]
fn json_lines_bodies_lose_edge_navigation_too() {
    let rec = br#"{"title":"Market report","text":"Prices rose in Tashkent.\n\nRead more:\n\nFollow us on Telegram"}"#;
    let a = extract(rec, RecordKind::Jsonl, &Hints::default()).unwrap();
    assert_eq!(a.body, "Prices rose in Tashkent.");
    assert_eq!(a.removed, ["Read more:", "Follow us on Telegram"]);
}
