//! Unpacking (gzip/zstd layers, sniffing, record splitting) never panics and never exceeds
//! its caps, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdex_ingest::{unpack, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_file: 1 << 20, max_unpacked: 4 << 20, max_document: 1 << 20 };
    if let Ok(u) = unpack(data, "input.bin", &limits) {
        assert!(u.bytes.len() as u64 <= limits.max_unpacked);
        for r in &u.records {
            assert!(r.start <= r.end && r.end <= u.bytes.len());
        }
    }
});
