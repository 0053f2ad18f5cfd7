//! HTTP, politely: the only code in newsdex that makes outgoing requests.
//!
//! * At most one request in flight per host, and at least [`FetchConfig::min_delay`]
//!   (or the host's robots.txt `Crawl-delay`, up to a minute) between two.
//! * robots.txt fetched once per host and obeyed (texting_robots), kept across passes for
//!   at most [`FetchConfig::robots_ttl`] (a day, RFC 9309's limit) when the passes share a
//!   [`HostMemory`]; a 4xx robots.txt allows everything, a 5xx one stops the host for the
//!   pass (as Google does) and is asked again next pass; a host that cannot be reached at
//!   all is a connection failure, not a refusal.
//! * A host's last request is remembered across passes too, so the delay between two
//!   requests holds from one pass to the next.
//! * Redirects followed by hand, at most [`FetchConfig::max_redirects`], loops detected;
//!   every hop is an exchange kept with its headers; a chain of permanent redirects
//!   names the new address.
//! * Bodies capped on the wire and after gzip ([`FetchConfig::max_bytes`]): more is
//!   refused as too large or as a decompression bomb; timeouts on connect and on the
//!   whole request.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::canon::host_of;

/// Settings for fetching.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Sent with every request; should name a contact (an address or a page).
    pub user_agent: String,
    /// Least time between two requests to one host.
    pub min_delay: Duration,
    pub connect_timeout: Duration,
    /// For a whole request, body included.
    pub timeout: Duration,
    /// Largest body, both as received and after decompression.
    pub max_bytes: u64,
    pub max_redirects: usize,
    /// Requests in flight at once (over all hosts; each host still gets one at a time).
    /// 128 by default: at 32, a pass over 10,000 feeds on 2,000 hosts took 120–145 s,
    /// at 128 about 45 s, at 256 no shorter (the per-host delay binds); see BENCHMARKS.md,
    /// "Collector capacity".
    pub concurrency: usize,
    /// How long a host's robots.txt answer is used before it is asked again (when passes
    /// share a [`HostMemory`]). A day by default: RFC 9309 §2.4 says a cached copy should
    /// not be used for longer.
    pub robots_ttl: Duration,
    /// Host names resolved to these addresses instead of by DNS (tests map many
    /// hostnames onto a loopback server).
    pub resolve: Vec<(String, SocketAddr)>,
}

/// The product token robots.txt rules are matched against.
pub const ROBOTS_AGENT: &str = "newsdex";

impl Default for FetchConfig {
    fn default() -> FetchConfig {
        FetchConfig {
            user_agent: format!("newsdex/{} (+https://github.com/newsdex/newsdex)", env!("CARGO_PKG_VERSION")),
            min_delay: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_bytes: 5 << 20,
            max_redirects: 5,
            concurrency: 128,
            robots_ttl: Duration::from_secs(86_400),
            resolve: Vec::new(),
        }
    }
}

/// One request and its response, for the raw store.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Exchange {
    pub url: String,
    pub method: &'static str,
    pub request_headers: Vec<(String, String)>,
    /// 0 when no response arrived.
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    /// The response's protocol as received: `HTTP/1.0`, `HTTP/1.1`, `HTTP/2.0`, `HTTP/3.0`
    /// (none when no response arrived, and in exchanges kept before it was recorded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_version: Option<String>,
    /// The status line's reason phrase as the server sent it (HTTP/1 only; HTTP/2 and 3
    /// have none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The IP address of the server the response came from (`WARC-IP-Address`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Unix seconds.
    pub fetched_at: i64,
    /// Why the exchange did not complete (timeout, too large, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The body as received (compressed if it came so); empty when it was over the size
    /// cap (refused, not kept: its headers are).
    #[serde(skip)]
    pub body: Vec<u8>,
}

impl Exchange {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.response_headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Why a fetch produced no usable response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchFailure {
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("body larger than {0} bytes")]
    TooLarge(u64),
    #[error("decompression bomb: more than {0} bytes after gzip")]
    Bomb(u64),
    #[error("bad gzip body: {0}")]
    BadGzip(String),
    #[error("redirect loop at {0}")]
    RedirectLoop(String),
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    #[error("robots.txt of {0}: not fetched")]
    RobotsDisallowed(String),
    #[error("robots.txt of {0}; nothing fetched from the host until it answers")]
    RobotsUnavailable(String),
    #[error("host {host} paused until {until} ({reason})")]
    HostPaused { host: String, until: i64, reason: String },
    #[error("not an http(s) address: {0}")]
    BadUrl(String),
}

impl FetchFailure {
    /// A request or a body that failed on the way: the time limit, or the connection.
    pub(crate) fn of(e: &reqwest::Error, timeout: Duration) -> FetchFailure {
        if e.is_timeout() { FetchFailure::Timeout(timeout) } else { FetchFailure::Connect(error_chain(e)) }
    }
}

/// A response that arrived (any status).
#[derive(Debug, Clone)]
pub struct Response {
    /// The address finally answered (after redirects).
    pub url: String,
    pub status: u16,
    /// Decompressed body.
    pub content: Vec<u8>,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub retry_after: Option<String>,
    /// Where a chain of permanent redirects (301/308) led, if every hop was permanent.
    pub moved_permanently: Option<String>,
}

/// What one fetch did: every exchange (kept whatever happened) and its result.
#[derive(Debug)]
pub struct Fetch {
    pub exchanges: Vec<Exchange>,
    pub result: Result<Response, FetchFailure>,
}

/// Validators for a conditional request.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug, Default)]
struct HostSlot {
    last: Option<Instant>,
    robots: Option<Arc<Robots>>,
    /// When `robots` was read.
    robots_at: Option<Instant>,
}

/// What the fetcher knows of each host (its robots.txt answer, when it was read, when the
/// host was last asked anything, the sitemaps its robots.txt names), shared by every
/// fetcher given the same memory: the passes of one `collect` or `serve --collect` share
/// one, so robots.txt is not asked again each pass and the per-host delay runs on from
/// one pass to the next. Cheap to clone (an `Arc`); kept in memory only.
#[derive(Debug, Clone, Default)]
pub struct HostMemory(Arc<HostTables>);

#[derive(Debug, Default)]
struct HostTables {
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<HostSlot>>>>,
    /// The `Sitemap:` lines of each host's robots.txt (for a home page naming no feed).
    sitemaps: Mutex<HashMap<String, Vec<String>>>,
}

impl HostMemory {
    /// Hosts remembered.
    pub fn len(&self) -> usize {
        self.0.slots.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug)]
enum Robots {
    AllowAll,
    /// A 5xx (or otherwise failed) robots.txt: nothing is fetched from the host this
    /// pass, as Google does; tried again next pass.
    Unavailable(String),
    Rules {
        robot: Box<texting_robots::Robot>,
    },
}

impl Robots {
    /// Why `url` may not be fetched, if it may not.
    fn denial(&self, url: &str) -> Option<String> {
        match self {
            Robots::AllowAll => None,
            Robots::Unavailable(why) => Some(why.clone()),
            Robots::Rules { robot } => (!robot.allowed(url)).then(|| "its rules disallow this address".to_string()),
        }
    }
    fn delay(&self) -> Option<Duration> {
        match self {
            Robots::Rules { robot } => robot.delay.map(|d| Duration::from_secs_f32(d.clamp(0.0, 60.0))),
            _ => None,
        }
    }
}

/// A polite HTTP client. Cheap to share (`Arc`).
#[derive(Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    cfg: FetchConfig,
    hosts: HostMemory,
    /// When this fetcher was made: a robots.txt that failed before then is asked again.
    born: Instant,
    /// Hosts paused by a `Retry-After` (Unix seconds, reason), shared by all requests.
    paused: Mutex<HashMap<String, (i64, String)>>,
    /// Every exchange made for robots.txt, to be kept like the others.
    robots_exchanges: Mutex<Vec<Exchange>>,
    slots: tokio::sync::Semaphore,
}

/// rustls needs a process-wide crypto provider; ring is the one compiled in.
pub(crate) fn install_crypto() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Fetcher {
    /// A fetcher with a memory of hosts of its own.
    pub fn new(cfg: FetchConfig) -> Result<Fetcher, crate::CollectError> {
        Fetcher::with_memory(cfg, HostMemory::default())
    }

    /// A fetcher that shares what it learns of hosts with other fetchers of `hosts`.
    pub fn with_memory(cfg: FetchConfig, hosts: HostMemory) -> Result<Fetcher, crate::CollectError> {
        install_crypto();
        let mut b = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.timeout)
            .no_proxy();
        for (host, addr) in &cfg.resolve {
            b = b.resolve(host, *addr);
        }
        let client = b.build().map_err(|e| crate::CollectError::Http(e.to_string()))?;
        Ok(Fetcher {
            client,
            slots: tokio::sync::Semaphore::new(cfg.concurrency.max(1)),
            cfg,
            hosts,
            born: Instant::now(),
            paused: Default::default(),
            robots_exchanges: Default::default(),
        })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.cfg
    }

    /// Pause a host until `until` (a `Retry-After`, or one remembered from before).
    pub fn pause_host(&self, host: &str, until: i64, reason: &str) {
        let mut p = self.paused.lock().unwrap_or_else(|e| e.into_inner());
        let e = p.entry(host.to_string()).or_insert((until, reason.to_string()));
        if e.0 < until {
            *e = (until, reason.to_string());
        }
    }

    /// Hosts paused during this fetcher's life, with until when and why.
    pub fn paused_hosts(&self) -> Vec<(String, i64, String)> {
        let p = self.paused.lock().unwrap_or_else(|e| e.into_inner());
        p.iter().map(|(h, (u, r))| (h.clone(), *u, r.clone())).collect()
    }

    /// The robots.txt exchanges made so far (taken).
    pub fn take_robots_exchanges(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.robots_exchanges.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The sitemaps the robots.txt of `host` names (as last read).
    pub fn robots_sitemaps(&self, host: &str) -> Vec<String> {
        self.hosts.0.sitemaps.lock().unwrap_or_else(|e| e.into_inner()).get(host).cloned().unwrap_or_default()
    }

    fn slot(&self, host: &str) -> Arc<tokio::sync::Mutex<HostSlot>> {
        let mut h = self.hosts.0.slots.lock().unwrap_or_else(|e| e.into_inner());
        h.entry(host.to_string()).or_default().clone()
    }

    fn paused_until(&self, host: &str) -> Option<(i64, String)> {
        let p = self.paused.lock().unwrap_or_else(|e| e.into_inner());
        p.get(host).filter(|(u, _)| *u > now_secs()).cloned()
    }

    /// GET `url`, politely, following redirects. `validators` make it conditional.
    pub async fn get(&self, url: &str, validators: &Validators) -> Fetch {
        let mut exchanges = Vec::new();
        let mut current = url.to_string();
        let mut visited = vec![current.clone()];
        let mut permanent = true;
        for hop in 0..=self.cfg.max_redirects {
            let (ex, res) = self.one(&current, validators).await;
            let Some(ex) = ex else {
                return Fetch { exchanges, result: Err(res.err().unwrap_or(FetchFailure::BadUrl(current))) };
            };
            let status = ex.status;
            let location = ex.header("location").map(str::to_string);
            exchanges.push(ex);
            let resp = match res {
                Ok(r) => r,
                Err(f) => return Fetch { exchanges, result: Err(f) },
            };
            if (300..400).contains(&status)
                && status != 304
                && let Some(loc) = location
            {
                let next = match url::Url::parse(&current).and_then(|b| b.join(&loc)) {
                    Ok(u) => u.to_string(),
                    Err(_) => return Fetch { exchanges, result: Err(FetchFailure::BadUrl(loc)) },
                };
                permanent &= matches!(status, 301 | 308);
                if visited.contains(&next) {
                    return Fetch { exchanges, result: Err(FetchFailure::RedirectLoop(next)) };
                }
                if hop == self.cfg.max_redirects {
                    break;
                }
                visited.push(next.clone());
                current = next;
                continue;
            }
            let moved = (permanent && current != url).then(|| current.clone());
            return Fetch { exchanges, result: Ok(Response { moved_permanently: moved, ..resp }) };
        }
        Fetch { exchanges, result: Err(FetchFailure::TooManyRedirects(self.cfg.max_redirects)) }
    }

    /// One request (no redirects followed), within the host's politeness.
    async fn one(&self, url: &str, validators: &Validators) -> (Option<Exchange>, Result<Response, FetchFailure>) {
        let Some(host) = host_of(url).filter(|_| url.starts_with("http://") || url.starts_with("https://")) else {
            return (None, Err(FetchFailure::BadUrl(url.to_string())));
        };
        if let Some((until, reason)) = self.paused_until(&host) {
            return (None, Err(FetchFailure::HostPaused { host, until, reason }));
        }
        let slot = self.slot(&host);
        let mut slot = slot.lock().await;
        // Asked at most once a pass; in a later pass again once its answer is older than
        // robots_ttl, or if it failed.
        let stale = match (&slot.robots, slot.robots_at) {
            (Some(r), Some(at)) => {
                at < self.born && (at.elapsed() >= self.cfg.robots_ttl || matches!(**r, Robots::Unavailable(_)))
            }
            _ => true,
        };
        if stale {
            match self.robots(url, &mut slot).await {
                Ok(robots) => {
                    slot.robots = Some(Arc::new(robots));
                    slot.robots_at = Some(Instant::now());
                }
                // The host cannot be reached at all: that is the failure (robots.txt is
                // asked again next time).
                Err(f) => return (None, Err(f)),
            }
        }
        let robots = slot.robots.clone().expect("set above");
        if let Some(why) = robots.denial(url) {
            return (
                None,
                Err(match &*robots {
                    Robots::Unavailable(_) => FetchFailure::RobotsUnavailable(format!("{host}: {why}")),
                    _ => FetchFailure::RobotsDisallowed(format!("{host} ({why})")),
                }),
            );
        }
        // A Retry-After seen while fetching robots.txt.
        if let Some((until, reason)) = self.paused_until(&host) {
            return (None, Err(FetchFailure::HostPaused { host, until, reason }));
        }
        let delay = robots.delay().map_or(self.cfg.min_delay, |d| d.max(self.cfg.min_delay));
        self.wait_turn(&mut slot, delay).await;
        // Taken once the host's turn has come and its delay is over, so a request
        // waiting out a host's politeness delay does not hold a slot the other hosts
        // could use (measured: holding it through the 5 s delay capped a pass at about
        // 6 requests a second with 32 slots).
        let _permit = self.slots.acquire().await;
        let out = self.request(url, validators).await;
        slot.last = Some(Instant::now());
        if let Some(ex) = &out.0 {
            self.note_retry_after(&host, ex);
        }
        out
    }

    async fn wait_turn(&self, slot: &mut HostSlot, delay: Duration) {
        if let Some(last) = slot.last {
            let ready = last + delay;
            let now = Instant::now();
            if ready > now {
                tokio::time::sleep(ready - now).await;
            }
        }
    }

    fn note_retry_after(&self, host: &str, ex: &Exchange) {
        if matches!(ex.status, 429 | 503)
            && let Some(v) = ex.header("retry-after")
            && let Some(until) = crate::schedule::retry_after(v, now_secs(), 7 * 86400)
            && until > now_secs()
        {
            self.pause_host(host, until, &format!("HTTP {} with Retry-After: {v}", ex.status));
        }
    }

    /// robots.txt for the host of `url` (made within the slot, so it counts for politeness).
    async fn robots(&self, url: &str, slot: &mut HostSlot) -> Result<Robots, FetchFailure> {
        let Ok(mut u) = url::Url::parse(url) else { return Ok(Robots::AllowAll) };
        u.set_path("/robots.txt");
        u.set_query(None);
        u.set_fragment(None);
        let robots_url = u.to_string();
        self.wait_turn(slot, self.cfg.min_delay).await;
        let permit = self.slots.acquire().await;
        let (ex, res) = self.request(&robots_url, &Validators::default()).await;
        drop(permit);
        slot.last = Some(Instant::now());
        if let Some(ex) = ex {
            if let Some(host) = host_of(url) {
                self.note_retry_after(&host, &ex);
            }
            self.robots_exchanges.lock().unwrap_or_else(|e| e.into_inner()).push(ex);
        }
        Ok(match res {
            Ok(r) if r.status == 200 => match texting_robots::Robot::new(ROBOTS_AGENT, &r.content) {
                Ok(robot) => {
                    if let Some(host) = host_of(url) {
                        let mut m = self.hosts.0.sitemaps.lock().unwrap_or_else(|e| e.into_inner());
                        if robot.sitemaps.is_empty() {
                            m.remove(&host);
                        } else {
                            m.insert(host, robot.sitemaps.iter().take(50).cloned().collect());
                        }
                    }
                    Robots::Rules { robot: Box::new(robot) }
                }
                Err(_) => Robots::AllowAll,
            },
            Ok(r) if (400..500).contains(&r.status) && r.status != 429 => Robots::AllowAll,
            // Redirected robots.txt: followed by few crawlers; treat as none.
            Ok(r) if (300..400).contains(&r.status) => Robots::AllowAll,
            Ok(r) => Robots::Unavailable(format!("robots.txt answered HTTP {}", r.status)),
            Err(e @ (FetchFailure::Connect(_) | FetchFailure::Timeout(_))) => return Err(e),
            Err(e) => Robots::Unavailable(format!("robots.txt unreadable: {e}")),
        })
    }

    /// The request itself: headers recorded, body read up to the cap, gzip undone.
    async fn request(&self, url: &str, validators: &Validators) -> (Option<Exchange>, Result<Response, FetchFailure>) {
        let mut req_headers: Vec<(String, String)> = vec![
            ("User-Agent".into(), self.cfg.user_agent.clone()),
            ("Accept".into(), "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/html;q=0.8, */*;q=0.5".into()),
            ("Accept-Encoding".into(), "gzip".into()),
        ];
        if let Some(e) = &validators.etag {
            req_headers.push(("If-None-Match".into(), e.clone()));
        }
        if let Some(l) = &validators.last_modified {
            req_headers.push(("If-Modified-Since".into(), l.clone()));
        }
        let mut rb = self.client.get(url);
        for (k, v) in &req_headers {
            if k != "User-Agent" {
                rb = rb.header(k.as_str(), v.as_str());
            }
        }
        let fetched_at = now_secs();
        let mut ex = Exchange {
            url: url.to_string(),
            method: "GET",
            request_headers: req_headers,
            status: 0,
            response_headers: Vec::new(),
            http_version: None,
            reason: None,
            ip: None,
            fetched_at,
            error: None,
            body: Vec::new(),
        };
        let timeout = self.cfg.timeout;
        let mut resp = match rb.send().await {
            Ok(r) => r,
            Err(e) => {
                let f = FetchFailure::of(&e, timeout);
                ex.error = Some(f.to_string());
                return (Some(ex), Err(f));
            }
        };
        ex.status = resp.status().as_u16();
        ex.http_version = Some(format!("{:?}", resp.version()));
        ex.reason = http_reason(&resp);
        ex.ip = resp.remote_addr().map(|a| a.ip().to_string());
        ex.response_headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let cap = self.cfg.max_bytes;
        if resp.content_length().is_some_and(|n| n > cap) {
            let f = FetchFailure::TooLarge(cap);
            ex.error = Some(f.to_string());
            return (Some(ex), Err(f));
        }
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(c)) => {
                    if body.len() as u64 + c.len() as u64 > cap {
                        let f = FetchFailure::TooLarge(cap);
                        ex.error = Some(f.to_string());
                        return (Some(ex), Err(f));
                    }
                    body.extend_from_slice(&c);
                }
                Ok(None) => break,
                Err(e) => {
                    let f = FetchFailure::of(&e, timeout);
                    ex.error = Some(f.to_string());
                    ex.body = body;
                    return (Some(ex), Err(f));
                }
            }
        }
        ex.body = body;
        let gzipped = ex.header("content-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("gzip"))
            || ex.body.starts_with(&[0x1f, 0x8b]);
        let content = if gzipped {
            match gunzip_capped(&ex.body, cap) {
                Ok(c) => c,
                Err(f) => {
                    ex.error = Some(f.to_string());
                    return (Some(ex), Err(f));
                }
            }
        } else {
            ex.body.clone()
        };
        let h = |n: &str| ex.header(n).map(str::to_string);
        let resp = Response {
            url: url.to_string(),
            status: ex.status,
            content,
            content_type: h("content-type"),
            etag: h("etag"),
            last_modified: h("last-modified"),
            retry_after: h("retry-after"),
            moved_permanently: None,
        };
        (Some(ex), Ok(resp))
    }
}

/// The reason phrase of an HTTP/1 response's status line, as sent. hyper keeps one in the
/// response's extensions only when it is not the standard phrase for the status, so
/// otherwise the server sent the standard one. HTTP/2 and 3 responses have none.
fn http_reason(resp: &reqwest::Response) -> Option<String> {
    if resp.version() > reqwest::Version::HTTP_11 {
        return None;
    }
    match resp.extensions().get::<hyper::ext::ReasonPhrase>() {
        Some(r) => Some(String::from_utf8_lossy(r.as_bytes()).into_owned()),
        None => resp.status().canonical_reason().map(str::to_string),
    }
}

/// gzip undone, refusing more than `cap` bytes of output (a bomb).
pub fn gunzip_capped(bytes: &[u8], cap: u64) -> Result<Vec<u8>, FetchFailure> {
    use std::io::Read;
    let mut out = Vec::new();
    let mut d = flate2::read::MultiGzDecoder::new(bytes).take(cap + 1);
    d.read_to_end(&mut out).map_err(|e| FetchFailure::BadGzip(e.to_string()))?;
    if out.len() as u64 > cap {
        return Err(FetchFailure::Bomb(cap));
    }
    Ok(out)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = c.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_capped() {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&vec![b'a'; 1 << 20]).unwrap();
        let z = e.finish().unwrap();
        assert_eq!(gunzip_capped(&z, 2 << 20).unwrap().len(), 1 << 20);
        assert_eq!(gunzip_capped(&z, 1000), Err(FetchFailure::Bomb(1000)));
        assert!(matches!(gunzip_capped(b"\x1f\x8bnot gzip", 1000), Err(FetchFailure::BadGzip(_))));
    }
}
