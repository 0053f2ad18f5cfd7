//! A collection's root (`newsdex serve --data COLLECTION --shard-servers URL,…`): the
//! JSON API's and web UI's searches fanned out over shard servers ([`crate::shard`]) and
//! merged into the answer one archive holding every document gives
//! (`newsdex_collection::fanout` has the phases and the merge; this module sends them).
//!
//! Per search: the query phase goes to every shard server at once; the answers are
//! gathered (a refused query or one past its time limit fails the search as on one
//! archive; a server that does not answer leaves its shards out, and the answer's
//! `shards` says which and why) and merged; for a collapsed page, the members phase asks
//! the servers that answered for the winning stories' other matching members.
//!
//! The root opens the collection itself (read-only, on the shared filesystem the shard
//! servers read too) for what is not a search: the document and story pages (stories as
//! `collection link` linked them, members read from their shards), raw records, exports
//! (every shard's matches, `newsdex-collection`'s `export`) and the form's languages and
//! counts. Pages that need one archive (compare, sources, watches, ingest) answer 501
//! `not_on_collection`.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use newsdex_collect::peers::{PeerAnswer, PeerClient};
use newsdex_collection::fanout::{
    MembersRequest, QueryRequest, ShardFailure, ShardHealth, add_members, gather, members_request, merge, query_request,
};
use newsdex_collection::live::LiveCollection;
use newsdex_collection::{Collection, CollectionError};
use newsdex_engine::{Partial, SearchOptions, SearchResults, ShardsAnswered, StoryPart};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// One shard server.
#[derive(Debug, Clone)]
struct Peer {
    /// Its address, without a trailing `/` (`http://10.0.0.5:7801`, or a path prefix in
    /// front of it: `http://127.0.0.1:8000/shard-0`).
    base: String,
    own: Vec<u32>,
}

/// The root's view of the collection and its shard servers.
#[derive(Debug)]
pub struct Fanout {
    coll: Arc<LiveCollection>,
    peers: Vec<Peer>,
    /// Shards no server owns: left out of every answer, which says so.
    unowned: Vec<u32>,
    client: PeerClient,
    /// Longest wait for one server's answer to one phase.
    timeout: Duration,
}

/// Why the root cannot start.
#[derive(Debug, thiserror::Error)]
pub enum RootError {
    #[error("shard server {url}: {reason}")]
    Peer { url: String, reason: String },
    #[error("shards {shards:?} are claimed by two shard servers ({a} and {b})")]
    Overlap { shards: Vec<u32>, a: String, b: String },
    #[error("no shard server given (--shard-servers URL,URL,…)")]
    NoPeers,
    #[error(transparent)]
    Collection(#[from] CollectionError),
    #[error("{0}")]
    Client(String),
}

impl Fanout {
    /// Open the collection at `coll`'s root and ask every server in `urls` which shards it
    /// owns, waiting up to `wait` for servers still starting. Refused: a server that does
    /// not answer by then, one of another collection (a different shard count), two that
    /// claim a shard. Shards no server owns are allowed (the answers say they are missing).
    pub async fn connect(
        coll: LiveCollection,
        urls: &[String],
        timeout: Duration,
        wait: Duration,
    ) -> Result<Fanout, RootError> {
        if urls.is_empty() {
            return Err(RootError::NoPeers);
        }
        let client = PeerClient::new(concat!("newsdex-root/", env!("CARGO_PKG_VERSION")))
            .map_err(|e| RootError::Client(e.to_string()))?;
        let coll = Arc::new(coll);
        let of = coll.current().manifest().shards;
        let mut peers: Vec<Peer> = Vec::new();
        for url in urls {
            let base = url.trim_end_matches('/').to_string();
            let health: ShardHealth = ask_health(&client, &base, wait).await?;
            if health.of != of {
                return Err(RootError::Peer {
                    url: base,
                    reason: format!("it serves a collection of {} shards; this one has {of}", health.of),
                });
            }
            for p in &peers {
                let both: Vec<u32> = health.own.iter().copied().filter(|i| p.own.contains(i)).collect();
                if !both.is_empty() {
                    return Err(RootError::Overlap { shards: both, a: p.base.clone(), b: base });
                }
            }
            peers.push(Peer { base, own: health.own });
        }
        let unowned = (0..of).filter(|i| !peers.iter().any(|p| p.own.contains(i))).collect();
        crate::shard::keep_current(&coll);
        Ok(Fanout { coll, peers, unowned, client, timeout })
    }

    /// The collection, opened read-only, as last reopened ([`crate::shard::keep_current`]).
    pub fn collection(&self) -> Arc<Collection> {
        self.coll.current()
    }

    /// Shards no server owns.
    pub fn unowned(&self) -> &[u32] {
        &self.unowned
    }

    /// The servers and the shards each owns.
    pub fn servers(&self) -> Vec<(String, Vec<u32>)> {
        self.peers.iter().map(|p| (p.base.clone(), p.own.clone())).collect()
    }

    /// `query` searched over every shard server, merged.
    pub async fn search(self: &Arc<Self>, query: &str, opts: &SearchOptions) -> Result<SearchResults, ApiError> {
        let req: QueryRequest = query_request(query, opts)?;
        let body = serde_json::to_vec(&req).map_err(ApiError::internal)?;
        let answers = self.ask_all::<Partial>(&self.peers, "query", body).await;
        let (parts, answered, mut missing) = gather(answers)?;
        missing.extend(self.unowned.iter().map(|i| (*i, "no shard server serves it".to_string())));
        missing.sort();
        let shards = ShardsAnswered { total: self.collection().manifest().shards, answered, missing };
        let up: Vec<Peer> = self
            .peers
            .iter()
            .filter(|p| !p.own.iter().any(|i| shards.missing.iter().any(|(m, _)| m == i)))
            .cloned()
            .collect();
        let o = opts.clone();
        let mut merged = tokio::task::spawn_blocking(move || merge(&o, &parts, shards)).await?;
        if !merged.wanted.is_empty() {
            let mreq: MembersRequest = members_request(query, opts, &merged);
            let body = serde_json::to_vec(&mreq).map_err(ApiError::internal)?;
            let answers = self.ask_all::<Vec<StoryPart>>(&up, "members", body).await;
            // A server that answered the query but not this: its members are not listed,
            // while the counts (from the query phase) stay whole.
            let (lists, _, lost) = gather(answers)?;
            if !lost.is_empty() {
                tracing::warn!(?lost, "shard servers did not list their members of the page's stories");
            }
            add_members(&mut merged.results, &lists);
        }
        Ok(merged.results)
    }

    /// Send one phase's `body` to each of `peers` at once.
    async fn ask_all<T: DeserializeOwned + Send + 'static>(
        self: &Arc<Self>,
        peers: &[Peer],
        phase: &'static str,
        body: Vec<u8>,
    ) -> Vec<(Vec<u32>, Result<T, ShardFailure>)> {
        let tasks: Vec<_> = peers
            .iter()
            .map(|p| {
                let (client, url, body, timeout) =
                    (self.client.clone(), format!("{}/shard/{phase}", p.base), body.clone(), self.timeout);
                (
                    p.own.clone(),
                    tokio::spawn(async move { failure_of(client.post_json(&url, body, timeout).await, &url) }),
                )
            })
            .collect();
        let mut out = Vec::with_capacity(tasks.len());
        for (own, task) in tasks {
            let answer = match task.await {
                Ok(a) => a.and_then(|a: PeerAnswer| read::<T>(&a)),
                Err(e) => Err(ShardFailure::Down(format!("the request failed: {e}"))),
            };
            out.push((own, answer));
        }
        out
    }
}

/// An answer's status read as the failure it stands for.
fn failure_of(
    a: Result<PeerAnswer, newsdex_collect::peers::PeerFailure>,
    url: &str,
) -> Result<PeerAnswer, ShardFailure> {
    let a = a.map_err(|e| ShardFailure::Down(e.0))?;
    if a.status == 200 {
        return Ok(a);
    }
    let envelope: Option<serde_json::Value> = serde_json::from_slice(&a.body).ok();
    let code = envelope.as_ref().and_then(|v| v["error"]["code"].as_str()).unwrap_or("").to_string();
    let message = envelope
        .as_ref()
        .and_then(|v| v["error"]["message"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| String::from_utf8_lossy(&a.body[..a.body.len().min(200)]).trim().to_string());
    Err(match (a.status, code.as_str()) {
        (400, "bad_query") => ShardFailure::Query(message),
        (503, "timeout") => ShardFailure::Timeout(newsdex_engine::SEARCH_TIMEOUT),
        (s, _) => ShardFailure::Down(format!("{url} answered {s}: {message}")),
    })
}

fn read<T: DeserializeOwned>(a: &PeerAnswer) -> Result<T, ShardFailure> {
    serde_json::from_slice(&a.body).map_err(|e| ShardFailure::Down(format!("its answer could not be read: {e}")))
}

async fn ask_health(client: &PeerClient, base: &str, wait: Duration) -> Result<ShardHealth, RootError> {
    let url = format!("{base}/shard/health");
    let until = tokio::time::Instant::now() + wait;
    loop {
        let why = match client.get(&url, Duration::from_secs(10)).await {
            Ok(a) if a.status == 200 => {
                return serde_json::from_slice(&a.body).map_err(|e| RootError::Peer {
                    url: base.to_string(),
                    reason: format!("its /shard/health answer is not a shard server's: {e}"),
                });
            }
            Ok(a) => format!("/shard/health answered {}", a.status),
            Err(e) => e.0,
        };
        if tokio::time::Instant::now() >= until {
            return Err(RootError::Peer {
                url: base.to_string(),
                reason: format!(
                    "{why} (waited {} s; is `newsdex collection serve-shard` running there?)",
                    wait.as_secs()
                ),
            });
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

impl ApiError {
    /// What a collection's root answers where one archive is needed.
    pub fn not_on_collection(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "not_on_collection",
            format!(
                "this server is a collection's root, which answers searches and shows documents; {what} needs one archive: serve a shard's directory with `newsdex serve`, or use the CLI on the collection"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Result<PeerAnswer, newsdex_collect::peers::PeerFailure> {
        Ok(PeerAnswer { status, body: body.as_bytes().to_vec() })
    }

    #[test]
    fn a_shard_servers_answer_is_read_as_the_failure_it_stands_for() {
        let url = "http://10.0.0.5:7800/shard/query";
        let refused = r#"{"error":{"code":"bad_query","message":"unclosed quote","status":400}}"#;
        assert_eq!(failure_of(answer(400, refused), url).unwrap_err(), ShardFailure::Query("unclosed quote".into()));
        let slow = r#"{"error":{"code":"timeout","message":"ran past 5 s","status":503}}"#;
        assert_eq!(
            failure_of(answer(503, slow), url).unwrap_err(),
            ShardFailure::Timeout(newsdex_engine::SEARCH_TIMEOUT)
        );
        // Anything else leaves the server's shards out, saying what came back.
        let ShardFailure::Down(why) = failure_of(answer(502, "Bad Gateway"), url).unwrap_err() else {
            panic!("a 502 is a server down")
        };
        assert_eq!(why, "http://10.0.0.5:7800/shard/query answered 502: Bad Gateway");
        let not_ours = r#"{"error":{"code":"bad_request","message":"not a shard request","status":400}}"#;
        assert!(matches!(failure_of(answer(400, not_ours), url), Err(ShardFailure::Down(_))));
        let gone = Err(newsdex_collect::peers::PeerFailure("connection refused".into()));
        assert_eq!(failure_of(gone, url).unwrap_err(), ShardFailure::Down("connection refused".into()));
        assert_eq!(failure_of(answer(200, "{}"), url).unwrap().status, 200);
        // An answer that is not the phase's part is a failure too, not a silent empty part.
        assert!(matches!(
            read::<Partial>(&PeerAnswer { status: 200, body: b"{}".to_vec() }),
            Err(ShardFailure::Down(_))
        ));
    }
}
