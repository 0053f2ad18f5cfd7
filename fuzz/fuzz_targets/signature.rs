//! A story row's stored signature (`stories.sig`: 16-bit values after a tag byte, or the
//! 32-bit values stored before) never panics the reader, and whatever reads is written
//! back in 16-bit values that read back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdex_dedupe::{Config, Prepared};

fuzz_target!(|data: &[u8]| {
    let config = Config::default();
    let Some(p) = Prepared::from_parts([0; 16], data, &config) else { return };
    let stored = p.signature_bytes();
    let back = Prepared::from_parts(p.exact, &stored, &config).unwrap_or_else(|| panic!("{stored:?} not read back"));
    let sixteen = p.signature.as_ref().map(|s| s.iter().map(|v| v & 0xFFFF).collect::<Vec<u32>>());
    assert_eq!(back.signature, sixteen);
    if p.signature.is_some() {
        assert_eq!(back.words, p.words);
        if p.words.is_some() {
            assert_eq!(back.figures, p.figures);
        }
    }
    assert_eq!(Prepared::from_parts(p.exact, &back.signature_bytes(), &config), Some(back));
});
