//! What news sources publish, read. Pure (bytes in, values out, no IO), so the collector
//! (newsdex-collect, which re-exports these modules and makes every request) and the fuzz
//! targets share it:
//!
//! * [`feed`]: RSS, Atom and JSON feeds: newsdex's own reader for RSS and Atom (`feed/fast.rs`),
//!   feed-rs for the rest and for whatever the own reader declines, repaired where real
//!   servers break them (a charset only the HTTP header names, control characters,
//!   bytes that are not the encoding declared); `<link rel=alternate>` discovery;
//! * [`sitemap`]: sitemaps and news sitemaps (indexes, gzip) read as lists of pages;
//! * [`opml`]: subscription lists read tolerantly, OPML 2.0 written;
//! * [`canon`]: an item's canonical address (tracking parameters removed).

pub mod canon;
pub mod feed;
pub mod opml;
pub mod sitemap;
