//! A hostile HTTP server for integration tests: each connection is handed to
//! a closure that writes whatever bytes it likes, so a test can send what
//! `TestServer` never would: a chunked body with no `Content-Length`, a body
//! one byte a second, or nothing at all.
//!
//! ```ignore
//! let server = RawServer::start(|mut stream| {
//!     let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
//!     // ... chunks ...
//! });
//! let url = server.url("/feed.rss");
//! ```
//!
//! The request is read (up to its blank line) before the closure runs.
//! Connections run on their own threads; a closure that never returns only
//! keeps its thread, which ends with the test process.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

/// The running server; stops accepting when dropped.
pub struct RawServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: Option<thread::JoinHandle<()>>,
}

impl RawServer {
    /// Starts a server on a free port of 127.0.0.1 that gives every
    /// connection, once its request head is read, to `answer`.
    pub fn start(answer: impl Fn(TcpStream) + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("bound address");
        let stop = Arc::new(AtomicBool::new(false));
        let answer = Arc::new(answer);
        let acceptor = {
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let answer = Arc::clone(&answer);
                    thread::spawn(move || {
                        if read_request_head(&stream) {
                            answer(stream);
                        }
                    });
                }
            })
        };
        RawServer {
            addr,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the acceptor so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Reads up to the blank line ending the request head; false when the
/// client hung up first.
fn read_request_head(stream: &TcpStream) -> bool {
    let Ok(reader) = stream.try_clone() else {
        return false;
    };
    let mut reader = BufReader::new(reader);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return false,
            Ok(_) if line.trim_end().is_empty() => return true,
            Ok(_) => {}
        }
    }
}

/// Writes `head` (status line and headers, without the blank line) and then
/// `body` as HTTP/1.1 chunks of `chunk` bytes, with no `Content-Length`.
pub fn send_chunked(mut stream: TcpStream, head: &str, body: &[u8], chunk: usize) {
    let start = format!("{head}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    if stream.write_all(start.as_bytes()).is_err() {
        return;
    }
    for piece in body.chunks(chunk.max(1)) {
        let size = format!("{:x}\r\n", piece.len());
        let sent = stream
            .write_all(size.as_bytes())
            .and_then(|()| stream.write_all(piece))
            .and_then(|()| stream.write_all(b"\r\n"));
        if sent.is_err() {
            // The client gave up (the cap or its timeout): what the test wants.
            return;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
}

/// Writes `response` (status line, headers and body) one byte every
/// `pause`, until done or the client hangs up: a slowloris server.
pub fn send_trickle(mut stream: TcpStream, response: &[u8], pause: Duration) {
    for byte in response {
        thread::sleep(pause);
        if stream
            .write_all(&[*byte])
            .and_then(|()| stream.flush())
            .is_err()
        {
            return;
        }
    }
}
