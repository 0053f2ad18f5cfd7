//! A real server on a real loopback socket, over a real data directory, and a small
//! blocking HTTP client for it.
//!
//! [`demo`] is one shared read-only server per test process over the bundled demo corpus
//! (Wikinews en/zh/ja and the two seeds) plus `testdata/server/fixtures.jsonl` (Arabic and
//! Persian news-corpus sentences for right-to-left display, and one hostile record for
//! escaping). Tests that write start their own with [`TestServer::start`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use newsdex_engine::{Engine, IngestOptions};
use newsdex_server::{AppState, Limits, ServerConfig};
use serde_json::Value;

pub const T004: &str = "RFA : Background of the risks of Uyghur visits to Central Asia";
pub const ID004: &str = "2828a9e1eb96ab63";

/// Documents in the shared server: 5,360 demo articles and 3 fixtures.
pub const DEMO_DOCS: u64 = 5360 + 3;

pub fn repo() -> PathBuf {
    newsdex_testkit::repo_root()
}

pub fn fixtures() -> Vec<u8> {
    std::fs::read(repo().join("testdata/server/fixtures.jsonl")).unwrap()
}

/// A running server; stopped (gracefully) when dropped.
pub struct TestServer {
    pub base: String,
    pub data: PathBuf,
    /// The server's state, for its counters.
    pub state: Arc<AppState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _tmp: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A server over a new data directory filled by `load`, with write token `token`.
    pub fn start(token: Option<&str>, load: impl FnOnce(&mut Engine)) -> TestServer {
        Self::start_with(token, Limits::default(), load)
    }

    /// [`TestServer::start`] with other limits.
    pub fn start_with(token: Option<&str>, limits: Limits, load: impl FnOnce(&mut Engine)) -> TestServer {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let mut s = Self::start_in(&data, token, limits, load);
        s._tmp = Some(tmp);
        s
    }

    fn start_in(data: &Path, token: Option<&str>, limits: Limits, load: impl FnOnce(&mut Engine)) -> TestServer {
        {
            let mut w = Engine::open_write(data).unwrap();
            load(&mut w);
        }
        let config = ServerConfig {
            data: data.to_path_buf(),
            addr: "127.0.0.1:0".parse().unwrap(),
            token: token.map(str::to_string),
            limits,
        };
        let state = newsdex_server::state(&config).unwrap();
        let std_listener = std::net::TcpListener::bind(config.addr).unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let addr: SocketAddr = std_listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server_state = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
                newsdex_server::serve_state(server_state, listener, async {
                    let _ = rx.await;
                })
                .await;
            });
        });
        TestServer {
            base: format!("http://{addr}"),
            data: data.to_path_buf(),
            state,
            shutdown: Some(tx),
            thread: Some(thread),
            _tmp: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> Resp {
        request("GET", &self.url(path), &[], None)
    }

    pub fn get_json(&self, path: &str) -> Value {
        let r = self.get(path);
        assert_eq!(r.status, 200, "GET {path}: {}", r.text());
        r.json()
    }

    pub fn post(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        request("POST", &self.url(path), headers, Some(body))
    }

    pub fn delete(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        request("DELETE", &self.url(path), headers, None)
    }

    /// A raw connection, for what no HTTP client sends: a head without its body, a
    /// partial head, nothing at all.
    pub fn raw(&self) -> Raw {
        let stream = std::net::TcpStream::connect(self.base.trim_start_matches("http://")).unwrap();
        // Only so that a server that never answers fails the test instead of hanging it.
        stream.set_read_timeout(Some(HANG)).unwrap();
        Raw { stream }
    }
}

/// How long a raw read waits before the test fails as hung.
pub const HANG: Duration = Duration::from_secs(120);

/// A raw client connection.
pub struct Raw {
    pub stream: std::net::TcpStream,
}

impl Raw {
    pub fn send(&mut self, bytes: &[u8]) {
        std::io::Write::write_all(&mut self.stream, bytes).unwrap();
    }

    /// Read one response: the head, then a body by `Content-Length` or chunked.
    pub fn response(&mut self) -> Resp {
        let mut buf = Vec::new();
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let n = self.fill(&mut buf);
            assert!(n > 0, "the server closed without a complete response: {:?}", String::from_utf8_lossy(&buf));
        };
        let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let mut rest = buf[head_end..].to_vec();
        let find = |k: &str| headers.iter().find(|(h, _)| h == k).map(|(_, v)| v.clone());
        let body = if let Some(n) = find("content-length") {
            let n: usize = n.parse().unwrap();
            while rest.len() < n {
                assert!(self.fill(&mut rest) > 0, "the server closed in the middle of a body");
            }
            rest[..n].to_vec()
        } else if find("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
            let mut body = Vec::new();
            loop {
                let line_end = loop {
                    if let Some(i) = rest.windows(2).position(|w| w == b"\r\n") {
                        break i;
                    }
                    assert!(self.fill(&mut rest) > 0, "the server closed in the middle of a chunk");
                };
                let size = usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap().trim(), 16).unwrap();
                while rest.len() < line_end + 2 + size + 2 {
                    assert!(self.fill(&mut rest) > 0, "the server closed in the middle of a chunk");
                }
                body.extend_from_slice(&rest[line_end + 2..line_end + 2 + size]);
                rest.drain(..line_end + 2 + size + 2);
                if size == 0 {
                    break body;
                }
            }
        } else {
            while self.fill(&mut rest) > 0 {}
            rest
        };
        Resp { status, headers, body }
    }

    /// Whether the server closes the connection (rather than answer or wait) when this
    /// side sends nothing more: true on end of stream or a reset.
    pub fn closed_by_server(&mut self) -> bool {
        let mut byte = [0u8; 1];
        match std::io::Read::read(&mut self.stream, &mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => true,
            Err(e) => panic!("no answer and no close within {HANG:?}: {e}"),
        }
    }

    fn fill(&mut self, buf: &mut Vec<u8>) -> usize {
        let mut chunk = [0u8; 16 << 10];
        let n = match std::io::Read::read(&mut self.stream, &mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => 0,
            Err(e) => panic!("no answer within {HANG:?}: {e}"),
        };
        buf.extend_from_slice(&chunk[..n]);
        n
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Load the demo corpus and the fixtures.
pub fn load_demo(w: &mut Engine) {
    let r = newsdex_server::demo::ingest(w).unwrap();
    assert_eq!(r.new, 5360, "{r:?}");
    let r =
        w.ingest_bytes("testdata/server/fixtures.jsonl", &fixtures(), &IngestOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(r.new, 3, "{r:?}");
}

/// The shared read-only server over the demo corpus. Its data directory lives under
/// cargo's target temp dir, one per test process; those of finished processes are removed.
pub fn demo() -> &'static TestServer {
    static DEMO: OnceLock<TestServer> = OnceLock::new();
    DEMO.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("newsdex-server-it");
        std::fs::create_dir_all(&root).unwrap();
        for e in std::fs::read_dir(&root).unwrap().flatten() {
            let pid = e.file_name().to_string_lossy().parse::<u32>().ok();
            if pid.is_some_and(|p| p != std::process::id() && !Path::new(&format!("/proc/{p}")).exists()) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
        let data = root.join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&data);
        TestServer::start_in(&data, None, Limits::default(), load_demo)
    })
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }

    /// The error envelope's code, checking the envelope's shape on the way.
    pub fn error_code(&self) -> String {
        let v = self.json();
        let e = &v["error"];
        assert_eq!(e["status"].as_u64(), Some(u64::from(self.status)), "{v}");
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
        assert_eq!(self.header("content-type"), Some("application/json"), "{v}");
        e["code"].as_str().unwrap().to_string()
    }
}

pub fn request(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Resp {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    let agent = AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into()
    });
    let result = match method {
        "GET" => {
            let mut r = agent.get(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()
        }
        "DELETE" => {
            let mut r = agent.delete(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()
        }
        "POST" => {
            let mut r = agent.post(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.send(body.unwrap_or_default())
        }
        m => panic!("method {m}"),
    };
    let mut resp = result.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let body = resp.body_mut().with_config().limit(256 << 20).read_to_vec().unwrap();
    Resp { status, headers, body }
}

/// Percent-encode a query parameter value.
pub fn enc(s: &str) -> String {
    newsdex_server::params::encode(s)
}

/// A server over three JSON Lines records, the first two of whose ids share their first
/// six hex digits (found by trying records until two collide). Returns the server and
/// each record's (id, title).
pub fn prefix_server() -> (TestServer, Vec<(String, String)>) {
    let mut seen: std::collections::HashMap<String, String> = Default::default();
    let mut lines = Vec::new();
    for i in 0.. {
        let line = serde_json::json!({"title": format!("Cocoa harvest report {i}"), "text": format!("Cocoa harvest report number {i}: the crop in the eastern region was weighed on Monday and traders said prices would hold."), "outlet": "Wire One"}).to_string();
        let id = newsdex_core::DocId::of_record(line.as_bytes()).to_string();
        if let Some(other) = seen.insert(id[..6].to_string(), line.clone()) {
            let third = seen.values().find(|l| **l != other && **l != line).unwrap().clone();
            lines = vec![other, line, third];
            break;
        }
    }
    let docs = lines
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (newsdex_core::DocId::of_record(l.as_bytes()).to_string(), v["title"].as_str().unwrap().to_string())
        })
        .collect();
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let server = TestServer::start(None, |w| {
        let r = w.ingest_bytes("cocoa.jsonl", body.as_bytes(), &IngestOptions::default(), &mut |_| {}).unwrap();
        assert_eq!(r.new, 3, "{r:?}");
    });
    (server, docs)
}
