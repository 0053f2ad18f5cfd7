//! Requests to other newsdex processes: a collection's root asking its shard servers
//! (`newsdex collection serve-shard`) for their parts of a search. Here because this
//! crate makes every outgoing request newsdex makes; what is asked and how the answers
//! merge is `newsdex-collection`'s and the server's business.
//!
//! Bounded: a timeout for the whole exchange, no redirects followed, no proxy from the
//! environment (peers are addressed directly), at most [`MAX_ANSWER`] bytes of an answer
//! read. One client is kept for the process, so connections to peers are reused.

use std::time::Duration;

/// Most bytes of a peer's answer read (a shard's part lists every outlet of its facet and
/// the hits of a deep page: a few MB at most in practice).
pub const MAX_ANSWER: usize = 256 << 20;

/// An answer: the HTTP status and the body.
#[derive(Debug, Clone)]
pub struct PeerAnswer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Why there was no answer (the peer is down, unreachable, or too slow).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PeerFailure(pub String);

/// A client for peers, kept for the process (async: call it on a tokio runtime).
#[derive(Debug, Clone)]
pub struct PeerClient {
    client: reqwest::Client,
}

impl PeerClient {
    pub fn new(user_agent: &str) -> Result<PeerClient, crate::CollectError> {
        crate::fetch::install_crypto();
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| crate::CollectError::Http(format!("cannot start the HTTP client: {e}")))?;
        Ok(PeerClient { client })
    }

    /// POST `body` (JSON) to `url`, waiting at most `timeout` in all.
    pub async fn post_json(&self, url: &str, body: Vec<u8>, timeout: Duration) -> Result<PeerAnswer, PeerFailure> {
        let req = self.client.post(url).header("Content-Type", "application/json").body(body);
        self.exchange(url, req, timeout).await
    }

    /// GET `url`, waiting at most `timeout` in all.
    pub async fn get(&self, url: &str, timeout: Duration) -> Result<PeerAnswer, PeerFailure> {
        self.exchange(url, self.client.get(url), timeout).await
    }

    async fn exchange(
        &self,
        url: &str,
        req: reqwest::RequestBuilder,
        timeout: Duration,
    ) -> Result<PeerAnswer, PeerFailure> {
        let send = async {
            let mut resp = req
                .timeout(timeout)
                .send()
                .await
                .map_err(|e| PeerFailure(format!("{url}: {}", crate::fetch::FetchFailure::of(&e, timeout))))?;
            let status = resp.status().as_u16();
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| PeerFailure(format!("{url}: {e}")))? {
                if body.len() + chunk.len() > MAX_ANSWER {
                    return Err(PeerFailure(format!("{url}: the answer is over {} MiB", MAX_ANSWER >> 20)));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(PeerAnswer { status, body })
        };
        tokio::time::timeout(timeout, send)
            .await
            .map_err(|_| PeerFailure(format!("{url}: no answer within {} s", timeout.as_secs_f64())))?
    }
}
