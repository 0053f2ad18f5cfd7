//! Connections: how many are served at once, and how long a client may keep one without
//! sending a request. `axum::serve` has no knobs for either, so connections are driven
//! here with hyper's HTTP/1 connection builder (what `axum::serve` uses inside):
//!
//! * at most [`Limits::max_connections`] at once; past that the server stops accepting
//!   and new clients wait in the kernel's listen queue (costing this process nothing)
//!   until a connection closes;
//! * a client has [`Limits::header_timeout`] to send a request's headers, counted from
//!   connecting (first request) or from the request's first byte (later ones);
//! * between requests, a connection on which no byte moves either way for
//!   [`Limits::idle_timeout`] is closed (this also cuts a client that stops reading its
//!   answer);
//! * while a handler runs, neither applies: [`Limits::request_timeout`] bounds handlers
//!   (see `request_timeout` in `lib.rs`).
//!
//! The timeouts are kept by the socket wrapper [`Guarded`], which knows from the service
//! whether a handler is running. On shutdown the server stops accepting, tells every
//! connection to finish the request it is serving and close, and waits for them.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::{Instant, Sleep};

/// The server's limits on connections and time. Every field is a `serve` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once (`--max-connections`).
    pub max_connections: usize,
    /// Time to send a request's headers (`--header-timeout`).
    pub header_timeout: Duration,
    /// Time a connection may sit between requests with no byte moving (`--idle-timeout`).
    pub idle_timeout: Duration,
    /// Time a handler may take; for `POST /api/ingest`, time to receive the body
    /// (`--request-timeout`).
    pub request_timeout: Duration,
    /// Time the API's writer stays open after an ingest, holding the data directory's
    /// lock (`--writer-idle`).
    pub writer_idle: Duration,
}

impl Limits {
    /// The defaults: 256 connections (a quarter of the common 1,024 descriptor limit,
    /// leaving room for the index's and store's files), 10 s for headers, 30 s idle,
    /// 60 s per request, the writer kept 5 s after an ingest.
    pub const DEFAULT: Limits = Limits {
        max_connections: 256,
        header_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(30),
        request_timeout: Duration::from_secs(60),
        writer_idle: Duration::from_secs(5),
    };
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}

/// A duration given in seconds on the command line: `10`, `0.5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seconds(pub Duration);

impl FromStr for Seconds {
    type Err = String;

    fn from_str(s: &str) -> Result<Seconds, String> {
        match s.trim().parse::<f64>() {
            Ok(x) if x.is_finite() && x > 0.0 && x <= 1e9 => Ok(Seconds(Duration::from_secs_f64(x))),
            _ => Err(format!("{s:?} is not a number of seconds above 0 (e.g. 10 or 0.5)")),
        }
    }
}

impl std::fmt::Display for Seconds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.as_secs_f64())
    }
}

/// What the connections are doing, for tests and logs.
#[derive(Debug, Default)]
pub struct ConnectionStats {
    open: AtomicUsize,
    peak: AtomicUsize,
    accepted: AtomicU64,
    timed_out: AtomicU64,
    requests: AtomicUsize,
}

impl ConnectionStats {
    /// Connections open now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// Most connections that were ever open at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Connections closed because the client was too slow to send headers or idle too long.
    pub fn timed_out(&self) -> u64 {
        self.timed_out.load(Ordering::SeqCst)
    }

    /// Requests whose handler is running now.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    fn opened(self: &Arc<Self>) -> OpenConnection {
        let now = self.open.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        self.accepted.fetch_add(1, Ordering::SeqCst);
        OpenConnection(self.clone())
    }
}

/// Counts a connection as open until dropped.
#[derive(Debug)]
struct OpenConnection(Arc<ConnectionStats>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One connection's handlers: whether one is running, and how many have finished.
#[derive(Debug, Default)]
struct Handlers {
    running: AtomicUsize,
    finished: AtomicU64,
}

/// A running handler, from the request's head to its response's head.
#[derive(Debug)]
struct Running(Arc<Handlers>, Arc<ConnectionStats>);

impl Running {
    fn start(handlers: &Arc<Handlers>, stats: &Arc<ConnectionStats>) -> Running {
        handlers.running.fetch_add(1, Ordering::SeqCst);
        stats.requests.fetch_add(1, Ordering::SeqCst);
        Running(handlers.clone(), stats.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.1.requests.fetch_sub(1, Ordering::SeqCst);
        self.0.finished.fetch_add(1, Ordering::SeqCst);
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A client socket that fails (and so closes the connection) when the client is late:
/// headers not complete [`Limits::header_timeout`] after the connection opened or the
/// request's first byte arrived, or no byte moved for [`Limits::idle_timeout`] between
/// requests. Deadlines are checked whenever the socket has nothing to read or cannot
/// take more writing, which is when hyper waits for it.
#[derive(Debug)]
struct Guarded {
    inner: TcpStream,
    handlers: Arc<Handlers>,
    stats: Arc<ConnectionStats>,
    header_timeout: Duration,
    idle_timeout: Duration,
    sleep: Pin<Box<Sleep>>,
    armed: Option<Instant>,
    /// `handlers.finished` when last looked at: a change means a request ended since.
    seen_finished: u64,
    /// When the request now being read began (its first byte; for the first request,
    /// the connection), or none between requests.
    head_started: Option<Instant>,
    /// When a byte last moved either way.
    last_activity: Instant,
}

impl Guarded {
    fn new(inner: TcpStream, handlers: Arc<Handlers>, stats: Arc<ConnectionStats>, limits: &Limits) -> Guarded {
        let now = Instant::now();
        Guarded {
            inner,
            handlers,
            stats,
            header_timeout: limits.header_timeout,
            idle_timeout: limits.idle_timeout,
            sleep: Box::pin(tokio::time::sleep_until(now + limits.header_timeout)),
            armed: None,
            seen_finished: 0,
            head_started: Some(now),
            last_activity: now,
        }
    }

    /// Whether a handler is running; notes a request that ended since the last look.
    fn handler_running(&mut self) -> bool {
        let running = self.handlers.running.load(Ordering::SeqCst) > 0;
        let finished = self.handlers.finished.load(Ordering::SeqCst);
        if finished != self.seen_finished {
            self.seen_finished = finished;
            self.head_started = None;
            self.last_activity = Instant::now();
        }
        running
    }

    fn on_read(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        let now = Instant::now();
        self.last_activity = now;
        if !self.handler_running() && self.head_started.is_none() {
            self.head_started = Some(now);
        }
    }

    fn on_write(&mut self, n: usize) {
        if n > 0 {
            self.last_activity = Instant::now();
        }
    }

    /// Called when the socket would block: an error once the client is too late.
    fn late(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        if self.handler_running() {
            return Poll::Pending;
        }
        let (deadline, what) = match self.head_started {
            Some(t) => (t + self.header_timeout, "its request headers were not complete within the header timeout"),
            None => (self.last_activity + self.idle_timeout, "it was idle for the idle timeout"),
        };
        if self.armed != Some(deadline) {
            self.sleep.as_mut().reset(deadline);
            self.armed = Some(deadline);
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.stats.timed_out.fetch_add(1, Ordering::SeqCst);
                tracing::debug!("closing a connection: {what}");
                Poll::Ready(io::Error::new(io::ErrorKind::TimedOut, format!("closed: {what}")))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for Guarded {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                this.on_read(buf.filled().len() - before);
                Poll::Ready(Ok(()))
            }
            Poll::Pending => this.late(cx).map(Err),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Ready(Ok(n)) => {
                this.on_write(n);
                Poll::Ready(Ok(n))
            }
            Poll::Pending => this.late(cx).map(Err),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write_vectored(cx, bufs) {
            Poll::Ready(Ok(n)) => {
                this.on_write(n);
                Poll::Ready(Ok(n))
            }
            Poll::Pending => this.late(cx).map(Err),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Pending => this.late(cx).map(Err),
            ready => ready,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Accept and serve connections until `shutdown` resolves, then finish the requests in
/// flight and return.
pub(crate) async fn run(
    app: Router,
    limits: Limits,
    stats: Arc<ConnectionStats>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // `stop_tx.closed()` resolves once `shutdown` has; `done_tx.closed()` once every
    // connection task has ended.
    let (stop_tx, stop_rx) = watch::channel(());
    tokio::spawn(async move {
        shutdown.await;
        drop(stop_rx);
    });
    let (done_tx, done_rx) = watch::channel(());
    let mut http = hyper::server::conn::http1::Builder::new();
    // hyper's own header timeout runs from when it starts waiting for a request, idle
    // time included, so it is set to the sum: a backstop behind `Guarded`'s two clocks.
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout + limits.idle_timeout);
    // A head is buffered up to 64 KiB (hyper's default is ~400 KiB) and may have up to
    // 128 headers: above the limits `framework_errors` answers in the envelope (8 KiB
    // target, 32 KiB and 100 headers), so only heads far over them get hyper's bare 431.
    http.max_header_size(64 << 10).max_headers(128);
    loop {
        // A free slot first: past the cap, clients wait in the listen queue.
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            () = stop_tx.closed() => break,
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = stop_tx.closed() => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // Out of descriptors or memory: wait for connections to close.
                tracing::error!(error = %e, "accepting a connection failed; retrying in a second");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    () = stop_tx.closed() => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let open = stats.opened();
        let handlers = Arc::new(Handlers::default());
        let io = TokioIo::new(Guarded::new(stream, handlers.clone(), stats.clone(), &limits));
        let tower = TowerToHyperService::new(app.clone());
        let request_stats = stats.clone();
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let running = Running::start(&handlers, &request_stats);
            let answer = hyper::service::Service::call(&tower, req.map(axum::body::Body::new));
            async move {
                let answer = answer.await;
                drop(running);
                answer
            }
        });
        let conn = http.serve_connection(io, service);
        let stop = stop_tx.clone();
        let done = done_rx.clone();
        tokio::spawn(async move {
            // The connection (and its socket) is dropped when this block ends, before its
            // slot is given back: never more than `max_connections` sockets.
            let drive = async move {
                let mut conn = std::pin::pin!(conn);
                let mut stopping = std::pin::pin!(stop.closed());
                let mut told = false;
                loop {
                    tokio::select! {
                        result = conn.as_mut() => {
                            if let Err(e) = result {
                                tracing::debug!(error = %e, "connection ended with an error");
                            }
                            break;
                        }
                        () = &mut stopping, if !told => {
                            told = true;
                            conn.as_mut().graceful_shutdown();
                        }
                    }
                }
            };
            drive.await;
            drop(open);
            drop(permit);
            drop(done);
        });
    }
    drop(done_rx);
    drop(listener);
    done_tx.closed().await;
}

/// Errors of one connection that came and went before it was accepted.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_positive_numbers() {
        assert_eq!("10".parse::<Seconds>().unwrap().0, Duration::from_secs(10));
        assert_eq!("0.25".parse::<Seconds>().unwrap().0, Duration::from_millis(250));
        for bad in ["0", "-1", "inf", "NaN", "ten", ""] {
            assert!(bad.parse::<Seconds>().is_err(), "{bad}");
        }
        assert_eq!(Seconds(Duration::from_secs(10)).to_string(), "10");
        assert_eq!(Seconds(Duration::from_millis(500)).to_string(), "0.5");
    }
}
