//! A scripted HTTP server on 127.0.0.1 for the collector's tests: many hostnames (mapped
//! onto it with reqwest's resolver override), each path answering a scripted sequence of
//! responses (the last repeats), every request logged.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

/// One scripted response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Answer 304 when the request's If-None-Match equals this response's ETag.
    pub honour_etag: bool,
}

impl Resp {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Resp {
        Resp {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
            honour_etag: false,
        }
    }
    pub fn status(status: u16) -> Resp {
        Resp { status, headers: Vec::new(), body: Vec::new(), delay: Duration::ZERO, honour_etag: false }
    }
    pub fn header(mut self, k: &str, v: &str) -> Resp {
        self.headers.push((k.into(), v.into()));
        self
    }
    pub fn etag(mut self, tag: &str) -> Resp {
        self.honour_etag = true;
        self.header("etag", tag)
    }
    pub fn delay(mut self, d: Duration) -> Resp {
        self.delay = d;
        self
    }
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Logged {
    pub host: String,
    pub path: String,
    pub headers: HeaderMap,
    pub at: std::time::Instant,
}

#[derive(Default)]
struct Inner {
    routes: HashMap<String, (Vec<Resp>, usize)>,
    log: Vec<Logged>,
    /// Requests being answered now, and the most there ever were at once.
    in_flight: usize,
    most_in_flight: usize,
}

/// Counts a request in flight until dropped.
struct InFlight(Arc<Mutex<Inner>>);

impl InFlight {
    fn start(inner: &Arc<Mutex<Inner>>) -> InFlight {
        let mut g = inner.lock().unwrap();
        g.in_flight += 1;
        g.most_in_flight = g.most_in_flight.max(g.in_flight);
        InFlight(inner.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.lock().unwrap().in_flight -= 1;
    }
}

/// The server; dropped with the test (its runtime thread ends with the process).
#[derive(Clone)]
pub struct TestServer {
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
}

async fn handle(State(inner): State<Arc<Mutex<Inner>>>, req: Request) -> Response {
    let _counted = InFlight::start(&inner);
    let host = req
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("")
        .to_string();
    let path = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
    let key = format!("{host}{path}");
    let resp = {
        let mut g = inner.lock().unwrap();
        g.log.push(Logged {
            host: host.clone(),
            path: path.clone(),
            headers: req.headers().clone(),
            at: std::time::Instant::now(),
        });
        match g.routes.get_mut(&key) {
            Some((seq, n)) => {
                let r = seq[(*n).min(seq.len() - 1)].clone();
                *n += 1;
                Some(r)
            }
            None => None,
        }
    };
    let Some(r) = resp else {
        return Response::builder().status(404).body(Body::from("not found")).unwrap();
    };
    if !r.delay.is_zero() {
        tokio::time::sleep(r.delay).await;
    }
    let tag = r.headers.iter().find(|(k, _)| k == "etag").map(|(_, v)| v.clone());
    let inm = req.headers().get("if-none-match").and_then(|v| v.to_str().ok()).map(str::to_string);
    let mut b = Response::builder();
    if r.honour_etag && tag.is_some() && inm == tag {
        b = b.status(StatusCode::NOT_MODIFIED);
        for (k, v) in &r.headers {
            b = b.header(k.as_str(), HeaderValue::from_str(v).unwrap());
        }
        return b.body(Body::empty()).unwrap();
    }
    b = b.status(r.status);
    for (k, v) in &r.headers {
        b = b.header(k.as_str(), HeaderValue::from_str(v).unwrap());
    }
    b.body(Body::from(r.body)).unwrap()
}

impl TestServer {
    pub fn start() -> TestServer {
        let inner: Arc<Mutex<Inner>> = Default::default();
        let (tx, rx) = std::sync::mpsc::channel();
        let state = inner.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                let app = axum::Router::new().fallback(handle).with_state(state);
                axum::serve(listener, app).await.unwrap();
            });
        });
        let addr = rx.recv().unwrap();
        TestServer { addr, inner }
    }

    /// Script `host` + `path` (with query) to answer `seq` in turn, the last repeating.
    pub fn route(&self, host: &str, path: &str, seq: Vec<Resp>) {
        self.inner.lock().unwrap().routes.insert(format!("{host}{path}"), (seq, 0));
    }

    pub fn log(&self) -> Vec<Logged> {
        self.inner.lock().unwrap().log.clone()
    }

    /// The most requests the server was answering at one time.
    pub fn most_in_flight(&self) -> usize {
        self.inner.lock().unwrap().most_in_flight
    }

    /// Requests for `host` + `path`.
    pub fn hits(&self, host: &str, path: &str) -> usize {
        self.log().iter().filter(|l| l.host == host && l.path == path).count()
    }
}
