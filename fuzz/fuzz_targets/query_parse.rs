//! The query parser never panics, and whatever parses prints to a query that parses the
//! same way.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdex_query::{parse, DefaultOp, MAX_QUERY_BYTES};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    for op in [DefaultOp::And, DefaultOp::Or] {
        match parse(s, op) {
            Ok(q) => {
                let printed = q.to_string();
                // Printing spells out operators, so a query near the input cap can print
                // past it; the round trip is promised for what fits.
                if printed.len() > MAX_QUERY_BYTES {
                    continue;
                }
                let back = parse(&printed, op).unwrap_or_else(|e| panic!("{s:?} printed as {printed:?}: {e}"));
                assert_eq!(back.to_string(), printed, "printing is not stable for {s:?}");
            }
            Err(e) => {
                assert!(e.offset <= s.len());
                let _ = e.render(s);
            }
        }
    }
});
