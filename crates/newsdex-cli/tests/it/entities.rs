//! Character references in JSON Lines input (issue #16): `AT&amp;T` is stored and found
//! as `AT&T`, and the repair is listed on the document.

use crate::support::Newsdex;

#[test]
fn at_and_t_is_found_after_its_references_are_decoded() {
    let n = Newsdex::new();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/entities/entities.jsonl");
    let (_, err) = n.expect(0, &["ingest", fixture.to_str().unwrap()]);
    assert!(err.contains("4 new"), "{err}");
    let (total, titles) = n.titles("\"AT&T said\"");
    assert_eq!(total, 1, "{titles:?}");
    assert_eq!(titles[0], "AT&T said \"no\" to the merger");
    let (total, _) = n.titles("AT&T");
    assert!(total >= 1);
    // No reference is left to find.
    assert_eq!(n.titles("amp").0, 1, "only the text about entities keeps one");
    assert_eq!(n.titles("quot").0, 0);
    let hit = &n.json(&["search", "\"AT&T said\""])["hits"][0];
    let id = hit["id"].as_str().unwrap().to_string();
    let doc = n.json(&["show", &id]);
    let warnings = doc["warnings"].as_array().or_else(|| doc["article"]["warnings"].as_array()).unwrap();
    assert!(warnings.iter().any(|w| w["code"] == "entities-decoded"), "{doc}");
}
