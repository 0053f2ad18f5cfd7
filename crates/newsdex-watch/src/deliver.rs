//! Webhooks: a watch's changed entries posted as JSON, signed, acknowledged by revision.
//!
//! A watch with a webhook has a delivered revision. [`deliver`] posts the entries changed
//! after it (oldest first, at most [`PAGE`] a post) with
//! * `X-Newsdex-Signature: sha256=<hex>`: HMAC-SHA256 of the exact body bytes with the
//!   watch's secret, for the receiver to check;
//! * `Idempotency-Key: <watch>:<from>-<to>`: the same changes always carry the same key, so
//!   a receiver that got a post whose answer was lost can tell the retry apart;
//!
//! and moves the delivered revision only on a 2xx answer. A failure (no answer in time, a
//! refused connection, any other status) is logged and retried with exponential backoff
//! (1 minute doubling, capped at 6 hours); a watch waiting for its retry is skipped, so a
//! dead endpoint costs one bounded attempt per backoff step and never holds up the others.
//! A digest watch (`hourly`, `daily`) posts once per period, after it ends: every change
//! made before the current period began (at most 1,000 entries a post).
//! The posting itself is given by the caller (`newsdex-collect` makes every outgoing
//! request), so this module is pure bookkeeping and is tested without a network.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{Result, Watch, WatchError, WatchStore};

/// Most entries in one post.
pub const PAGE: usize = 100;
/// Most entries in one digest (more wait for the next post).
const DIGEST_MAX: usize = 1000;
/// Posts per watch per call (the rest go next time).
const POSTS_PER_CALL: usize = 10;
/// First retry delay, doubled per failure in a row, capped.
const RETRY_FIRST_SECS: i64 = 60;
const RETRY_MAX_SECS: i64 = 6 * 3600;
/// Longest secret taken.
const MAX_SECRET: usize = 1024;

/// A watch's webhook settings, checked: an http(s) address with a secret to sign with.
pub fn check_webhook(url: Option<&str>, secret: Option<&str>) -> Result<()> {
    match (url, secret) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(WatchError::Invalid("a secret is only for a webhook: give --webhook too".into())),
        (Some(_), None) => Err(WatchError::Invalid("a webhook needs a secret to sign its posts with".into())),
        (Some(u), Some(s)) => {
            let scheme_ok = ["http://", "https://"]
                .iter()
                .any(|p| u.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p)) && u.len() > p.len());
            if !scheme_ok || u.len() > 2048 || u.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(WatchError::Invalid(format!("webhook {u:?}: an http(s) address is needed")));
            }
            if s.is_empty() || s.len() > MAX_SECRET {
                return Err(WatchError::Invalid(format!("the secret must be 1-{MAX_SECRET} bytes")));
            }
            Ok(())
        }
    }
}

/// `sha256=` and the lower-case hex HMAC-SHA256 of `body` with `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256=");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// What one [`deliver`] call did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryReport {
    /// Posts answered 2xx, and the entries in them.
    pub delivered: usize,
    pub entries: usize,
    /// Posts that failed, as "watch: reason".
    pub failed: Vec<String>,
    /// Watches skipped because their retry time has not come.
    pub waiting: usize,
}

/// Post every webhook watch's undelivered changes. `post(url, body, headers)` makes the
/// request and returns the HTTP status or why there was none; `now` is Unix seconds.
pub fn deliver(
    engine: &newsdex_engine::Engine,
    store: &mut WatchStore,
    now: i64,
    mut post: impl FnMut(&str, &[u8], &[(String, String)]) -> std::result::Result<u16, String>,
) -> Result<DeliveryReport> {
    let mut report = DeliveryReport::default();
    for w in store.list_without_counts()? {
        let (Some(url), Some(secret)) = (w.webhook.clone(), w.secret.clone()) else { continue };
        if w.next_delivery.is_some_and(|t| t > now) {
            report.waiting += 1;
            continue;
        }
        let mut since = w.delivered_rev;
        if let Some(d) = w.digest {
            // One post per period, once the period is over: the changes made before the
            // current period began.
            let cutoff = chrono::DateTime::from_timestamp(d.start(now), 0)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default();
            let mut entries = store.entries_since(&w.name, since, DIGEST_MAX)?;
            entries.retain(|e| e.updated_at < cutoff);
            let Some(last) = entries.last().map(|e| e.rev) else { continue };
            crate::fill_entries(engine, &w, &mut entries)?;
            let body = payload(&w, since, last, &entries, Some((d, &cutoff)));
            let ok =
                post_once(store, &w, &url, &secret, (since, last, entries.len()), &body, now, &mut post, &mut report)?;
            if ok {
                report.entries += entries.len();
            }
            continue;
        }
        for _ in 0..POSTS_PER_CALL {
            let mut entries = store.entries_since(&w.name, since, PAGE)?;
            let Some(last) = entries.last().map(|e| e.rev) else { break };
            crate::fill_entries(engine, &w, &mut entries)?;
            let body = payload(&w, since, last, &entries, None);
            if !post_once(store, &w, &url, &secret, (since, last, entries.len()), &body, now, &mut post, &mut report)? {
                break;
            }
            report.entries += entries.len();
            since = last;
        }
    }
    Ok(report)
}

/// Post `body` for revisions `range` of `w`, sign it, log the outcome; whether it was
/// delivered.
#[allow(clippy::too_many_arguments)]
fn post_once(
    store: &mut WatchStore,
    w: &Watch,
    url: &str,
    secret: &str,
    (since, last, n): (u64, u64, usize),
    body: &[u8],
    now: i64,
    post: &mut impl FnMut(&str, &[u8], &[(String, String)]) -> std::result::Result<u16, String>,
    report: &mut DeliveryReport,
) -> Result<bool> {
    let headers = vec![
        ("X-Newsdex-Signature".to_string(), signature(secret, body)),
        ("Idempotency-Key".to_string(), format!("{}:{since}-{last}", w.name)),
        ("X-Newsdex-Watch".to_string(), w.name.clone()),
    ];
    let outcome = post(url, body, &headers);
    let failures = w.delivery_failures as u32;
    let retry = now + (RETRY_FIRST_SECS << failures.min(20)).min(RETRY_MAX_SECS);
    let ok = matches!(outcome, Ok(s) if (200..300).contains(&s));
    match &outcome {
        Ok(s) if !ok => report.failed.push(format!("{}: HTTP {s}", w.name)),
        Err(e) => report.failed.push(format!("{}: {e}", w.name)),
        _ => {}
    }
    store.record_delivery(&w.name, (since, last, n), outcome, retry)?;
    if ok {
        report.delivered += 1;
    }
    Ok(ok)
}

/// The JSON posted: the watch, the revisions covered, the entries (and for a digest, its
/// period and the time it runs until).
fn payload(
    w: &Watch,
    since: u64,
    last: u64,
    entries: &[crate::Entry],
    digest: Option<(crate::Digest, &str)>,
) -> Vec<u8> {
    let mut v = serde_json::json!({
        "watch": w.name,
        "query": w.query,
        "since": since,
        "next_since": last,
        "entries": entries,
    });
    if let Some((d, until)) = digest {
        v["digest"] = d.as_str().into();
        v["until"] = until.into();
    }
    serde_json::to_vec(&v).expect("JSON of plain data")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2 (key "Jefe").
    #[test]
    fn signature_is_hmac_sha256_in_hex() {
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn webhooks_must_be_http_with_a_secret() {
        assert!(check_webhook(Some("https://hooks.example/x"), Some("s")).is_ok());
        for (u, s) in [
            (Some("file:///etc/passwd"), Some("s")),
            (Some("javascript:alert(1)"), Some("s")),
            (Some("http://"), Some("s")),
            (Some("https://x.example/ a"), Some("s")),
            (Some("https://x.example/"), None),
            (None, Some("s")),
            (Some("https://x.example/"), Some("")),
        ] {
            assert!(check_webhook(u, s).is_err(), "{u:?} {s:?}");
        }
    }
}
