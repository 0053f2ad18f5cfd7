//! Extraction of text, HTML and JSON Lines records never panics; an article always has a
//! title or a body and the id of the bytes it came from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdex_extract::{extract, Hints, RecordKind};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, record)) = data.split_first() else { return };
    let kind = match selector % 3 {
        0 => RecordKind::Text,
        1 => RecordKind::Html,
        _ => RecordKind::Jsonl,
    };
    if let Ok(a) = extract(record, kind, &Hints::default()) {
        assert!(!a.title.is_empty() || !a.body.is_empty());
        assert_eq!(a.id, newsdex_core::DocId::of_record(record));
    }
});
