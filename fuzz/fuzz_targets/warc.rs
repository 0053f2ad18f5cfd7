//! Reading a WARC archive never panics and never exceeds its caps, whatever follows its
//! first `WARC/` line: records, skipped records and damage come in order without
//! overlapping, every page is at most a document long and is its own bytes, and
//! extracting a page (its HTTP payload decoded) never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdex_extract::{Hints, RecordKind};
use newsdex_ingest::{Item, Kind, Limits};

fuzz_target!(|data: &[u8]| {
    let mut input = b"WARC/1.0\r\n".to_vec();
    input.extend_from_slice(data);
    let limits = Limits { max_document: 1 << 16, bomb_floor: 1 << 20, bomb_ratio: 100, ..Limits::default() };
    let Ok(records) = newsdex_ingest::records(Box::new(&input[..]), "input.warc", &limits) else { return };
    assert_eq!(records.kind, Kind::Warc);
    let mut end = 0;
    for item in records {
        match item {
            Ok(Item::Record { span, bytes }) => {
                assert!(span.start >= end && span.end >= span.start, "{span:?} after {end}");
                assert_eq!(&input[span.start..span.end], &bytes[..]);
                assert!(bytes.len() as u64 <= limits.max_document + newsdex_warc::MAX_HEADER as u64);
                end = span.end;
                let _ = newsdex_extract::extract(&bytes, RecordKind::Warc, &Hints::default());
            }
            Ok(Item::Refused { span, .. }) | Ok(Item::Skipped { span, .. }) => {
                assert!(span.start >= end && span.end >= span.start, "{span:?} after {end}");
                end = span.end;
            }
            Err(_) => break,
        }
    }
});
