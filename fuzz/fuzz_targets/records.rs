//! Reading an input's records (gzip/zstd layers peeled as a stream, the content sniffed,
//! records cut one by one) never panics and never exceeds its caps, whatever the bytes:
//! every record is at most a document long and its span points at its own bytes, spans
//! come in order and never overlap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdex_ingest::{Item, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_document: 1 << 16, bomb_floor: 1 << 20, bomb_ratio: 100, ..Limits::default() };
    let Ok(records) = newsdex_ingest::records(Box::new(data), "input.bin", &limits) else { return };
    let mut end = 0;
    for item in records {
        match item {
            Ok(Item::Record { span, bytes }) => {
                assert!(span.start >= end && span.end >= span.start, "{span:?} after {end}");
                assert_eq!(bytes.len(), span.end - span.start);
                assert!(bytes.len() as u64 <= limits.max_document);
                end = span.end;
            }
            Ok(Item::Refused { span, .. }) | Ok(Item::Skipped { span, .. }) => {
                assert!(span.start >= end && span.end >= span.start, "{span:?} after {end}");
                end = span.end;
            }
            Err(_) => break,
        }
    }
});
