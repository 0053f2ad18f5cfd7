//! Reading a feed never panics, whatever the bytes, with or without a charset in the HTTP
//! header; and newsdex's own reader, whenever it reads a document rather than declining
//! it, gives exactly feed-rs's answer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdex_feed::feed;

fuzz_target!(|data: &[u8]| {
    let base = "http://example.org/feed";
    let _ = feed::parse(data, None, base);
    let _ = feed::parse(data, Some("application/rss+xml; charset=windows-1251"), base);
    if let Err(both) = feed::own_reader_agrees(data, base) {
        panic!("the own reader and feed-rs disagree:\n{both}");
    }
});
