//! Collecting news: sources, polite polling of their feeds, article pages fetched and
//! handed to the engine. **The only crate in newsdex that makes outgoing requests.**
//!
//! IO is at the edges; the rules inside are pure and tested on their own. Reading what
//! sources publish is newsdex-feed's (re-exported here):
//!
//! * [`opml`]: reading subscription lists tolerantly (quick-xml), writing OPML 2.0;
//! * [`canon`]: an item's canonical address (tracking parameters removed);
//! * [`feed`]: feeds read by newsdex's own reader or feed-rs, repaired where real servers
//!   break them;
//! * [`sitemap`]: sitemaps and news sitemaps (indexes, gzip) read as lists of pages;
//! * [`schedule`]: adaptive intervals, backoff with jitter, `Retry-After`, gone sources;
//! * [`state`]: the collector's SQLite file in the data directory (sources, seen items,
//!   paused hosts), crash-safe;
//! * [`fetch`]: HTTP with reqwest (rustls + ring): robots.txt, one request per host at a
//!   time with a minimum delay, conditional requests, redirect, size, bomb and time caps;
//! * [`post`]: a JSON body posted to a user's address (watches' webhooks), bounded in time and size;
//! * [`peers`]: requests to other newsdex processes (a collection's root to its shard
//!   servers), with one kept client, bounded in time and size;
//! * [`collect`]: one pass: poll due sources, fetch new items' pages, keep every response
//!   in the raw store through the engine, record what happened.

pub mod collect;
pub mod fetch;
pub mod peers;
pub mod post;
pub mod schedule;
pub mod state;

pub use newsdex_feed::{canon, feed, opml, sitemap};

pub use collect::{CollectOptions, PassReport, SourceReport, run_pass, run_pass_then};
pub use fetch::{FetchConfig, HostMemory};
pub use schedule::Policy;
pub use state::{NewSource, STATE_FILE, Source, State};

/// What can go wrong in collecting (a source's own failure is not an error: it is
/// recorded in its status).
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("collector state: {0}")]
    State(#[from] rusqlite::Error),
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
    #[error("HTTP client: {0}")]
    Http(String),
    #[error(transparent)]
    Engine(#[from] newsdex_engine::EngineError),
    #[error(transparent)]
    Opml(#[from] opml::OpmlError),
    #[error("{0}")]
    BadInput(String),
}
