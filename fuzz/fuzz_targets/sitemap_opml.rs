//! Reading a sitemap or an OPML list never panics and keeps to its caps, whatever the
//! bytes: at most `MAX_ENTRIES` pages or `MAX_CHILDREN` children from a sitemap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdex_feed::{opml, sitemap};

fuzz_target!(|data: &[u8]| {
    match sitemap::parse(data, "http://example.org/sitemap.xml") {
        Ok(sitemap::Sitemap::Urls { items, .. }) => assert!(items.len() <= sitemap::MAX_ENTRIES),
        Ok(sitemap::Sitemap::Index { children, .. }) => assert!(children.len() <= sitemap::MAX_CHILDREN),
        Err(_) => {}
    }
    let _ = opml::read(data);
});
