//! A small, real HTTP/1.1 server for integration tests.
//!
//! It listens on `127.0.0.1:0` in a background thread (one thread per
//! connection, std only), so tests exercise the real client stack: TCP,
//! headers, redirects, compression, timeouts. Every answer closes its
//! connection, which keeps the server simple and the request log exact.
//!
//! ```ignore
//! let server = TestServer::start();
//! server.set("/world.rss", Route::ok(RSS, "application/rss+xml").with_etag("\"v1\""));
//! let url = server.url("/world.rss");
//! // ... fetch url ...
//! server.set("/world.rss", Route::ok(RSS_V2, "application/rss+xml").with_etag("\"v2\""));
//! assert_eq!(server.requests("/world.rss")[1].header("if-none-match"), Some("\"v1\""));
//! ```
//!
//! Routes can be replaced at any time, to simulate a feed changing between
//! cycles. A path with no route answers 404.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;

/// What the server answers on one path. Build with [`Route::ok`], [`Route::status`]
/// or [`Route::redirect`], then refine with the `with_*` methods.
#[derive(Debug, Clone)]
pub struct Route {
    status: u16,
    headers: Vec<(String, String)>,
    /// As sent on the wire (already gzip-compressed when `gzip` was called).
    body: Vec<u8>,
    etag: Option<String>,
    last_modified: Option<String>,
    delay: Duration,
    trickle: Option<(usize, Duration)>,
}

impl Route {
    /// `200 OK` with `body` and a `Content-Type`.
    pub fn ok(body: impl Into<Vec<u8>>, content_type: &str) -> Route {
        Route::status(200)
            .with_body(body)
            .with_header("Content-Type", content_type)
    }

    /// An empty answer with `status` (`Route::status(500)`).
    pub fn status(status: u16) -> Route {
        Route {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            etag: None,
            last_modified: None,
            delay: Duration::ZERO,
            trickle: None,
        }
    }

    /// `302 Found` to `location` (a path like `/next`, or a full URL).
    pub fn redirect(location: &str) -> Route {
        Route::status(302).with_header("Location", location)
    }

    /// Replaces the status code.
    pub fn with_status(mut self, status: u16) -> Route {
        self.status = status;
        self
    }

    /// Replaces the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Route {
        self.body = body.into();
        self
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: &str, value: &str) -> Route {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends `ETag: etag` and answers `304` when `If-None-Match` carries it (or `*`).
    pub fn with_etag(mut self, etag: &str) -> Route {
        self.etag = Some(etag.to_owned());
        self
    }

    /// Sends `Last-Modified: date` and answers `304` when a request without
    /// `If-None-Match` sends the same date in `If-Modified-Since`.
    pub fn with_last_modified(mut self, date: &str) -> Route {
        self.last_modified = Some(date.to_owned());
        self
    }

    /// Gzip-compresses the current body and sends `Content-Encoding: gzip`,
    /// whatever the client asked for (as a hostile server would).
    pub fn gzip(mut self) -> Route {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder
            .write_all(&self.body)
            .expect("writing to a Vec cannot fail");
        self.body = encoder.finish().expect("writing to a Vec cannot fail");
        self.with_header("Content-Encoding", "gzip")
    }

    /// Waits this long after reading the request before answering anything.
    pub fn with_delay(mut self, delay: Duration) -> Route {
        self.delay = delay;
        self
    }

    /// Sends the headers at once, then the body `chunk` bytes at a time with `pause` between.
    pub fn with_trickle(mut self, chunk: usize, pause: Duration) -> Route {
        self.trickle = Some((chunk.max(1), pause));
        self
    }
}

/// One request the server received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    /// The request target, query string included.
    pub target: String,
    /// Header names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    /// When the request's headers had been read.
    pub received_at: Instant,
    /// When the server started writing the answer (after any delay); `None` until then.
    /// Anything the client does in reaction to the answer happens after this instant.
    pub answered_at: Option<Instant>,
}

impl RecordedRequest {
    /// The value of header `name` (any case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

#[derive(Default)]
struct Shared {
    routes: Mutex<HashMap<String, Route>>,
    log: Mutex<Vec<(String, RecordedRequest)>>,
}

/// The running server; stops accepting when dropped.
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    acceptor: Option<thread::JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server with no routes on a free port of 127.0.0.1.
    pub fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("bound address");
        let shared = Arc::new(Shared::default());
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let shared = Arc::clone(&shared);
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let shared = Arc::clone(&shared);
                    thread::spawn(move || serve(stream, &shared));
                }
            })
        };
        TestServer {
            addr,
            shared,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:<port><path>`; `path` starts with '/'.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sets (or replaces) what `path` answers; takes effect for the next request.
    pub fn set(&self, path: &str, route: Route) {
        lock(&self.shared.routes).insert(path.to_owned(), route);
    }

    /// Every request received on `path` (query ignored), oldest first.
    pub fn requests(&self, path: &str) -> Vec<RecordedRequest> {
        lock(&self.shared.log)
            .iter()
            .filter(|(logged, _)| logged == path)
            .map(|(_, request)| request.clone())
            .collect()
    }

    /// The most requests on `path` that were being handled at the same time
    /// (received but not yet answered).
    pub fn max_in_flight(&self, path: &str) -> usize {
        let requests = self.requests(path);
        requests
            .iter()
            .map(|request| {
                let at = request.received_at;
                requests
                    .iter()
                    .filter(|other| {
                        other.received_at <= at && other.answered_at.is_none_or(|end| end > at)
                    })
                    .count()
            })
            .max()
            .unwrap_or(0)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the acceptor so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Answers one request on `stream`, then closes it. Client hang-ups are ignored.
fn serve(stream: TcpStream, shared: &Shared) {
    let Ok(reader_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(reader_half);
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    let path = request.target.split('?').next().unwrap_or("").to_owned();
    let route = lock(&shared.routes).get(&path).cloned();
    let index = {
        let mut log = lock(&shared.log);
        log.push((path, request.clone()));
        log.len() - 1
    };

    let route = route.unwrap_or_else(|| Route::status(404).with_body("no route"));
    thread::sleep(route.delay);
    lock(&shared.log)[index].1.answered_at = Some(Instant::now());
    let _ = answer(stream, &route, &request);
}

/// Reads the request line and headers, and discards any body.
fn read_request(reader: &mut impl BufRead) -> Option<RecordedRequest> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let body_length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<u64>().ok())
        .unwrap_or(0);
    std::io::copy(&mut reader.take(body_length), &mut std::io::sink()).ok()?;
    Some(RecordedRequest {
        method,
        target,
        headers,
        received_at: Instant::now(),
        answered_at: None,
    })
}

fn answer(mut stream: TcpStream, route: &Route, request: &RecordedRequest) -> std::io::Result<()> {
    let not_modified = is_not_modified(route, request);
    let status = if not_modified { 304 } else { route.status };
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    let validators = [
        ("ETag", &route.etag),
        ("Last-Modified", &route.last_modified),
    ];
    for (name, value) in validators {
        if let Some(value) = value {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    let body: &[u8] = if not_modified { &[] } else { &route.body };
    if !not_modified {
        for (name, value) in &route.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    stream.write_all(head.as_bytes())?;
    stream.flush()?;
    match route.trickle {
        Some((chunk, pause)) => {
            for piece in body.chunks(chunk) {
                thread::sleep(pause);
                stream.write_all(piece)?;
                stream.flush()?;
            }
        }
        None => stream.write_all(body)?,
    }
    stream.flush()
}

/// RFC 9110 §13.1: If-None-Match wins; If-Modified-Since is only looked at without it.
fn is_not_modified(route: &Route, request: &RecordedRequest) -> bool {
    if let Some(sent) = request.header("if-none-match") {
        let Some(etag) = &route.etag else {
            return false;
        };
        let weakless = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
        return sent
            .split(',')
            .any(|tag| tag.trim() == "*" || weakless(tag) == weakless(etag));
    }
    match (request.header("if-modified-since"), &route.last_modified) {
        (Some(sent), Some(date)) => sent == date,
        _ => false,
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
