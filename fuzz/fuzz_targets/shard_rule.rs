//! A `SHARD` file's text (`2/4`, `1/3 by date 2010-01-01,2020-01-01 undated 2`) never
//! panics the reader, and whatever reads writes back to text that reads the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdex_core::{Partition, ShardRule};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let Ok(rule) = s.parse::<ShardRule>() else { return };
    let written = rule.to_string();
    let back: ShardRule = written.parse().unwrap_or_else(|e| panic!("{s:?} written as {written:?}: {e}"));
    assert_eq!(back, rule, "{s:?}");
    assert!(rule.shard.index < rule.shard.of);
    if let Partition::Date(r) = &rule.partition {
        assert_eq!(r.bounds().len() as u32 + 1, rule.shard.of);
        assert!(r.undated() < rule.shard.of);
    }
});
