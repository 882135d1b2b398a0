//! End-to-end cycle benchmark: N synthetic feeds × M items served over real
//! HTTP on 127.0.0.1, one cold cycle and one repeat cycle (everything 304),
//! then the same corpus parsed by bare feed-rs (the floor) and run through
//! the equivalent Python pipeline, feedparser + feedgen (the field), with
//! the ratios of the cold cycle to both.
//!
//! ```text
//! cargo bench --bench cycle -- --feeds 1000 --items 50 [--keep] [--no-python]
//! ```
//!
//! `--keep` leaves the generated corpus, feeds.toml, state and output behind;
//! `--no-python` skips the Python pipeline (a minute) while profiling.
//!
//! The feeds are generated to a temporary folder and served by a child
//! process (this same binary in server mode), so the peak memory reported is
//! the pipeline's own: the VmHWM of this process, read right after the two
//! cycles, before the bare parse loads the whole corpus into memory.
//!
//! The Python pipeline runs in a venv under `target/bench-venv`, made on the
//! first run (`python3 -m venv`, `pip install feedparser feedgen`); without
//! Python or network the line says `python: skipped (why)`.

#[path = "cycle/bare.rs"]
mod bare;
#[path = "cycle/python.rs"]
mod python;

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/words.rs"]
mod words;

#[path = "support/args.rs"]
mod args;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use corpus::{Corpus, EXTENSIONS};

const SERVE_ENV: &str = "WIREFEED_BENCH_SERVE";

fn main() {
    if let Ok(dir) = std::env::var(SERVE_ENV) {
        serve(Path::new(&dir));
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    let feeds = args::number("--feeds", 1000);
    let items = args::number("--items", 50);

    let dir = std::env::temp_dir().join(format!("wirefeed-bench-{}", std::process::id()));
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(&corpus).expect("create bench folder");
    let generated = Instant::now();
    let bytes = generate(&corpus, feeds, items);
    eprintln!(
        "generated {feeds} feeds × {items} items ({:.1} MB) in {:.2}s",
        bytes as f64 / 1e6,
        generated.elapsed().as_secs_f64()
    );

    let (mut server, port) = start_server(&corpus);
    let specs = feed_specs(port, feeds);
    let config_path = write_config(&dir, &specs);
    let (config, _warnings) =
        wirefeed::config::load(&config_path).unwrap_or_else(|p| panic!("{p}"));
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");

    let cold = Instant::now();
    let first = runtime
        .block_on(wirefeed::cycle::run_once(&config))
        .expect("cold cycle");
    let cold = cold.elapsed().as_secs_f64();
    let repeat = Instant::now();
    let second = runtime
        .block_on(wirefeed::cycle::run_once(&config))
        .expect("repeat cycle");
    let repeat = repeat.elapsed().as_secs_f64();
    let peak = peak_memory();

    let floor = bare::measure(&corpus).expect("read the corpus back");
    let field = if args.iter().any(|a| a == "--no-python") {
        Err("--no-python".to_owned())
    } else {
        python::run(&dir, &specs, &SECTIONS, MAX_ITEMS)
    };
    let _ = server.kill();
    let _ = server.wait();

    let total_items = feeds * items;
    let mut table = String::new();
    let _ = writeln!(
        table,
        "feeds × items            {feeds} × {items} = {total_items}"
    );
    let _ = writeln!(
        table,
        "input                    {:.1} MB",
        bytes as f64 / 1e6
    );
    let _ = writeln!(
        table,
        "cold cycle               {cold:.2} s  ({} new, {} folded, {} failed, {} files written)",
        first.new,
        first.folded,
        first.failed.len(),
        first.publish.written
    );
    let _ = writeln!(
        table,
        "  of which storing       {:.2} s (the serial SQLite writer, {:.2} s of it on CPU), publishing {:.2} s",
        first.storing.as_secs_f64(),
        first.storing_cpu.as_secs_f64(),
        first.publishing.as_secs_f64()
    );
    let _ = writeln!(
        table,
        "repeat cycle (304)       {repeat:.3} s  ({} not modified, {} files written; storing {:.2} s, publishing {:.2} s)",
        second.not_modified,
        second.publish.written,
        second.storing.as_secs_f64(),
        second.publishing.as_secs_f64()
    );
    let _ = writeln!(
        table,
        "items per second (cold)  {:.0}",
        total_items as f64 / cold
    );
    let _ = writeln!(
        table,
        "input MB/s (cold)        {:.1}",
        bytes as f64 / 1e6 / cold
    );
    let _ = writeln!(table, "peak memory (VmHWM)      {peak}");
    for (threads, seconds) in [(1, floor.one_thread), (floor.threads, floor.all_threads)] {
        let _ = writeln!(
            table,
            "bare feed-rs, {threads} thread{}  {seconds:.2} s  ({:.1} MB/s, {} entries, {} refused); cold cycle / bare = {:.1}×",
            if threads == 1 { " " } else { "s" },
            floor.bytes as f64 / 1e6 / seconds,
            floor.entries,
            floor.failed,
            cold / seconds
        );
    }
    match field {
        Ok(run) => {
            let _ = writeln!(
                table,
                "python (feedparser+feedgen) {:.2} s  ({}); python / cold cycle = {:.1}×",
                run.seconds,
                run.summary,
                run.seconds / cold
            );
        }
        Err(reason) => {
            let _ = writeln!(table, "python: skipped ({reason})");
        }
    }
    print!("{table}");
    for (feed, error) in first.failed.iter().take(5) {
        eprintln!("failed {feed}: {error}");
    }
    if args.iter().any(|a| a == "--keep") {
        eprintln!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l[6..].trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// One generated feed as feeds.toml lists it.
pub struct FeedSpec {
    id: String,
    name: String,
    url: String,
    section: &'static str,
    tag: &'static str,
    region: &'static str,
    priority: usize,
}

/// The feeds of the corpus, served on `port`: formats, sections, tags and
/// regions in turn. The Python pipeline gets the same list.
fn feed_specs(port: u16, feeds: usize) -> Vec<FeedSpec> {
    (0..feeds)
        .map(|i| FeedSpec {
            id: format!("feed-{i:04}"),
            name: format!("Outlet {i}"),
            url: format!(
                "http://127.0.0.1:{port}/feed-{i:04}.{}",
                EXTENSIONS[i % EXTENSIONS.len()]
            ),
            section: SECTIONS[i % SECTIONS.len()],
            tag: TAGS[i % TAGS.len()],
            region: REGIONS[i % REGIONS.len()],
            priority: i % 7,
        })
        .collect()
}

const SITE_TITLE: &str = "Bench News";
const BASE_URL: &str = "https://feeds.example.org/";
/// `site.max_items`: the newest items each published file holds.
const MAX_ITEMS: usize = 50;

fn write_config(dir: &Path, feeds: &[FeedSpec]) -> PathBuf {
    let mut toml = format!(
        "[site]\ntitle = \"{SITE_TITLE}\"\nbase_url = \"{BASE_URL}\"\n\
         output_dir = \"output\"\nstate_dir = \"state\"\nmax_items = {MAX_ITEMS}\n\n\
         [defaults]\nschedule = \"*/5 * * * *\"\ntimeout = \"30s\"\nconcurrency = 64\nper_host = 64\n\n",
    );
    for section in SECTIONS {
        let _ = writeln!(
            toml,
            "[[section]]\nslug = \"{section}\"\ntitle = \"{section}\"\n"
        );
    }
    for feed in feeds {
        let _ = writeln!(
            toml,
            "[[feed]]\nid = \"{}\"\nname = \"{}\"\nurl = \"{}\"\n\
             section = \"{}\"\ntags = [\"{}\"]\nregions = [\"{}\"]\npriority = {}\n",
            feed.id, feed.name, feed.url, feed.section, feed.tag, feed.region, feed.priority
        );
    }
    let path = dir.join("feeds.toml");
    std::fs::write(&path, toml).expect("write feeds.toml");
    path
}

const SECTIONS: [&str; 8] = [
    "politics",
    "economy",
    "sports",
    "arts",
    "health",
    "technology",
    "environment",
    "misc",
];
const TAGS: [&str; 12] = [
    "protests",
    "palestine",
    "elections",
    "climate",
    "football",
    "markets",
    "ai",
    "energy",
    "health-care",
    "film",
    "trade",
    "migration",
];
const REGIONS: [&str; 8] = [
    "africa",
    "asia",
    "asia-pacific",
    "europe",
    "latin-america",
    "mena",
    "palestine",
    "us-canada",
];
/// Writes every feed file; returns the total bytes.
fn generate(dir: &Path, feeds: usize, items: usize) -> usize {
    let corpus = Corpus::new(feeds, items);
    let mut total = 0;
    for f in 0..feeds {
        let (name, text) = corpus.feed(f, items);
        total += text.len();
        std::fs::write(dir.join(name), text).expect("write feed");
    }
    total
}

/// Starts this binary again as the feed server; returns it and its port.
fn start_server(dir: &Path) -> (Child, u16) {
    let exe = std::env::current_exe().expect("current exe");
    let mut child = Command::new(exe)
        .env(SERVE_ENV, dir)
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

/// Server mode: serve every file of `dir` with an ETag, answering 304 to a
/// matching If-None-Match. HTTP/1.1 keep-alive, a thread per connection.
fn serve(dir: &Path) {
    let mut files = HashMap::new();
    for entry in std::fs::read_dir(dir).expect("read corpus").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let body = std::fs::read(entry.path()).expect("read feed");
        let etag = format!(
            "\"{:x}-{}\"",
            body.len(),
            body.iter()
                .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(*b as u32))
        );
        files.insert(format!("/{name}"), (etag, body));
    }
    let files = Arc::new(files);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    println!("{}", listener.local_addr().expect("addr").port());
    let _ = std::io::stdout().flush();
    for stream in listener.incoming().flatten() {
        let files = Arc::clone(&files);
        std::thread::spawn(move || {
            let _ = handle(stream, &files);
        });
    }
}

fn handle(stream: TcpStream, files: &HashMap<String, (String, Vec<u8>)>) -> std::io::Result<()> {
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
        match files.get(&path) {
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
                response.extend_from_slice(body);
            }
            None => write!(
                response,
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
            )?,
        }
        writer.write_all(&response)?;
        writer.flush()?;
    }
}
