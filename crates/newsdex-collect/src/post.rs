//! Posting a JSON body to an address a user gave (a watch's webhook). Here because this
//! crate makes every outgoing request newsdex makes; what is posted, and when, is the
//! caller's business (`newsdex-watch` decides, signs and logs).
//!
//! Bounded: a timeout for the whole exchange, no redirects followed (a webhook that
//! moved answers 3xx, which is reported), at most 64 KiB of the answer read (and thrown
//! away: only the status matters).

use std::time::Duration;

/// Most bytes of an answer read.
const MAX_ANSWER: usize = 64 << 10;

/// What came back from a post: the HTTP status, or why there was none.
pub type Posted = Result<u16, String>;

/// POST `body` to `url` with `headers`, waiting at most `timeout` in all. Blocking: call
/// it off any async runtime's threads.
pub fn post_json(url: &str, body: &[u8], headers: &[(String, String)], timeout: Duration, user_agent: &str) -> Posted {
    crate::state::check_url(url)?;
    crate::fetch::install_crypto();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .no_proxy()
            .build()
            .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
        let mut req = client.post(url).header("Content-Type", "application/json").body(body.to_vec());
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let send = async {
            let mut resp = req.send().await.map_err(|e| crate::fetch::FetchFailure::of(&e, timeout).to_string())?;
            let status = resp.status().as_u16();
            let mut read = 0usize;
            while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
                read += chunk.len();
                if read >= MAX_ANSWER {
                    break;
                }
            }
            Ok(status)
        };
        tokio::time::timeout(timeout, send)
            .await
            .map_err(|_| format!("no answer within {} s", timeout.as_secs_f64()))?
    })
}
