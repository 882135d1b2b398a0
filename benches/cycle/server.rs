//! The feed server of the cycle bench: this same binary, started again as a
//! child process, serving the corpus folder over HTTP/1.1 on 127.0.0.1 with
//! an ETag per file and 304 to a matching If-None-Match.
//!
//! A child process, so that its memory is not counted in the bench's peak.
//! Every file is loaded at start; a request checks the file's inode, mtime
//! and length and reloads it when one moved, so a feed replaced on disk (by
//! a rename, as the bench does) is served with its new bytes and a new ETag.
//! Started with [`start_logged`], it also writes one line per response to a
//! file (`/feed-0007.json 200`), for benches that count the fetches.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

/// Set to the corpus folder, this variable turns the bench into the server.
pub const SERVE_ENV: &str = "WIREFEED_BENCH_SERVE";
/// Set to a file, the server appends a line per response to it.
const REQUEST_LOG_ENV: &str = "WIREFEED_BENCH_REQUEST_LOG";

/// Starts this binary again as the feed server of `dir`; returns it and its port.
#[allow(dead_code)]
pub fn start(dir: &Path) -> (Child, u16) {
    spawn(dir, None)
}

/// As [`start`], the server appending `PATH STATUS` to `log` for every
/// response it sends.
#[allow(dead_code)]
pub fn start_logged(dir: &Path, log: &Path) -> (Child, u16) {
    spawn(dir, Some(log))
}

fn spawn(dir: &Path, log: Option<&Path>) -> (Child, u16) {
    let exe = std::env::current_exe().expect("current exe");
    let mut command = Command::new(exe);
    command.env(SERVE_ENV, dir).env_remove(REQUEST_LOG_ENV);
    if let Some(log) = log {
        command.env(REQUEST_LOG_ENV, log);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the feed server");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("server stdout");
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("server port");
    let port = line.trim().parse().expect("server prints its port");
    (child, port)
}

/// Server mode: prints the port, then serves `dir` until killed, a thread
/// per connection (keep-alive).
pub fn serve(dir: &Path) {
    let files = Arc::new(Files::load(dir));
    let log: Arc<Option<Mutex<std::fs::File>>> =
        Arc::new(std::env::var_os(REQUEST_LOG_ENV).map(|path| {
            Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .expect("open the request log"),
            )
        }));
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    println!("{}", listener.local_addr().expect("addr").port());
    let _ = std::io::stdout().flush();
    for stream in listener.incoming().flatten() {
        let files = Arc::clone(&files);
        let log = Arc::clone(&log);
        std::thread::spawn(move || {
            let _ = handle(stream, &files, log.as_ref().as_ref());
        });
    }
}

/// What identifies one version of a file on disk: inode, mtime, length.
/// A rename brings a new inode even within one mtime tick.
type Stamp = (u64, SystemTime, u64);

/// One file as served.
struct Served {
    stamp: Stamp,
    etag: String,
    body: Arc<Vec<u8>>,
}

/// The files of the corpus folder by request path (`/feed-0007.json`).
struct Files {
    dir: PathBuf,
    served: Mutex<HashMap<String, Served>>,
}

impl Files {
    fn load(dir: &Path) -> Files {
        let files = Files {
            dir: dir.to_owned(),
            served: Mutex::new(HashMap::new()),
        };
        for entry in std::fs::read_dir(dir).expect("read corpus").flatten() {
            let path = format!("/{}", entry.file_name().to_string_lossy());
            files.current(&path);
        }
        files
    }

    /// The ETag and bytes of the file at `path` as it is on disk now;
    /// `None` when there is no such file in the folder.
    fn current(&self, path: &str) -> Option<(String, Arc<Vec<u8>>)> {
        let name = path.strip_prefix('/')?;
        if name.is_empty() || name.contains('/') || name.starts_with('.') {
            return None;
        }
        let file = self.dir.join(name);
        let meta = std::fs::metadata(&file).ok()?;
        let stamp = (meta.ino(), meta.modified().ok()?, meta.len());
        let mut served = self.served.lock().unwrap_or_else(PoisonError::into_inner);
        if served.get(path).is_none_or(|s| s.stamp != stamp) {
            let body = std::fs::read(&file).ok()?;
            let etag = format!(
                "\"{:x}-{}\"",
                body.len(),
                body.iter()
                    .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(*b as u32))
            );
            let body = Arc::new(body);
            served.insert(path.to_owned(), Served { stamp, etag, body });
        }
        served
            .get(path)
            .map(|s| (s.etag.clone(), Arc::clone(&s.body)))
    }
}

fn handle(
    stream: TcpStream,
    files: &Files,
    log: Option<&Mutex<std::fs::File>>,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .to_owned();
        let mut if_none_match = None;
        let mut content_length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 || header == "\r\n" {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                match name.to_ascii_lowercase().as_str() {
                    "if-none-match" => if_none_match = Some(value.trim().to_owned()),
                    "content-length" => content_length = value.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
        }
        let mut discard = vec![0; content_length];
        reader.read_exact(&mut discard)?;
        // One write per response: headers and body written apart would meet
        // Nagle's algorithm and delayed ACKs, a 40 ms stall per request.
        let mut response = Vec::new();
        match files.current(&path) {
            Some((etag, _)) if if_none_match.as_deref() == Some(etag.as_str()) => {
                write!(
                    response,
                    "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nContent-Length: 0\r\n\r\n"
                )?;
            }
            Some((etag, body)) => {
                let kind = if path.ends_with(".json") {
                    "application/feed+json"
                } else {
                    "application/xml"
                };
                write!(
                    response,
                    "HTTP/1.1 200 OK\r\nETag: {etag}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                )?;
                response.extend_from_slice(&body);
            }
            None => write!(
                response,
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
            )?,
        }
        writer.write_all(&response)?;
        writer.flush()?;
        if let Some(log) = log {
            // "HTTP/1.1 200 OK": the status is the second word.
            let status = response.get(9..12).unwrap_or(b"???");
            let line = format!("{path} {}\n", String::from_utf8_lossy(status));
            let _ = log
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .write_all(line.as_bytes());
        }
    }
}
