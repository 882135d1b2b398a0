//! Whether one hanging host holds the other feeds back in `wirefeed run`.
//!
//! ```text
//! cargo bench --bench cadence -- [--feeds 100] [--seconds 60] [--slow 15]
//! ```
//!
//! One process here serves, on 127.0.0.1, `--feeds` fast feeds (answered at
//! once, 304 once fetched) and one slow feed whose every response takes
//! `--slow` seconds, all on a 2-second schedule. A real `wirefeed run`
//! fetches them. The server records when each request arrives, per feed;
//! after the first publish the bench watches for `--seconds` and prints the
//! distribution of the intervals between consecutive fetches of each fast
//! feed. On schedule, they are 2 s apart whatever the slow feed does.

use std::collections::HashMap;
use std::future::IntoFuture;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const SCHEDULE: &str = "*/2 * * * * *";

struct Upstream {
    /// Arrival time of every request, per feed path.
    arrivals: Mutex<HashMap<String, Vec<Instant>>>,
    slow: Duration,
}

#[path = "support/args.rs"]
mod args;
#[path = "support/daemon.rs"]
mod daemon;
#[path = "support/partner_feeds.rs"]
mod partner_feeds;

use daemon::{stop, wait_until};
use partner_feeds::{item, rss};

fn main() {
    let feeds = args::number("--feeds", 100);
    let seconds = args::number("--seconds", 60) as u64;
    let slow = Duration::from_secs(args::number("--slow", 15) as u64);

    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let upstream = Arc::new(Upstream {
        arrivals: Mutex::new(HashMap::new()),
        slow,
    });
    let port = runtime.block_on(serve(Arc::clone(&upstream)));
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), port, feeds, slow);
    let log = dir.path().join("wirefeed.log");
    let mut service = daemon::start(&config, &log);

    let all = dir.path().join("output/all.json");
    if !wait_until(Duration::from_secs(120), || all.exists()) {
        stop(&mut service);
        panic!("no first publish; see {}", log.display());
    }
    let from = Instant::now();
    eprintln!(
        "first publish done; watching {feeds} fast feeds and one {} s feed on {SCHEDULE} for {seconds} s",
        slow.as_secs()
    );
    std::thread::sleep(Duration::from_secs(seconds));
    let to = Instant::now();
    stop(&mut service);

    let arrivals = upstream.arrivals.lock().expect("arrivals");
    let mut intervals: Vec<Duration> = Vec::new();
    for (feed, times) in arrivals.iter() {
        if !feed.starts_with("fast-") {
            continue;
        }
        let times: Vec<Instant> = times
            .iter()
            .copied()
            .filter(|&t| t >= from && t <= to)
            .collect();
        intervals.extend(times.windows(2).map(|pair| pair[1] - pair[0]));
    }
    let slow_fetches = arrivals.get("slow").map_or(0, |times| {
        times.iter().filter(|&&t| t >= from && t <= to).count()
    });
    intervals.sort();
    println!(
        "\n{feeds} fast feeds + one {} s feed, schedule {SCHEDULE}, {seconds} s watched",
        slow.as_secs()
    );
    if intervals.is_empty() {
        println!("no fast feed was fetched twice; see {}", log.display());
        return;
    }
    let at = |share: f64| intervals[((intervals.len() - 1) as f64 * share).round() as usize];
    let within = intervals
        .iter()
        .filter(|i| (1500..=2500).contains(&i.as_millis()))
        .count();
    println!(
        "fast feeds' fetch intervals: {} intervals, median {} ms, p95 {} ms, max {} ms, min {} ms; {:.1} % within 2 ± 0.5 s",
        intervals.len(),
        at(0.5).as_millis(),
        at(0.95).as_millis(),
        at(1.0).as_millis(),
        at(0.0).as_millis(),
        100.0 * within as f64 / intervals.len() as f64
    );
    println!("slow feed: {slow_fetches} requests arrived");
}

/// Serves the feeds; returns the port.
async fn serve(upstream: Arc<Upstream>) -> u16 {
    let app = Router::new()
        .route("/fast/{n}", get(fast))
        .route("/slow.xml", get(slow))
        .with_state(upstream);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(axum::serve(listener, app).into_future());
    port
}

fn arrived(upstream: &Upstream, feed: String) {
    upstream
        .arrivals
        .lock()
        .expect("arrivals")
        .entry(feed)
        .or_default()
        .push(Instant::now());
}

async fn fast(
    State(upstream): State<Arc<Upstream>>,
    UrlPath(n): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    arrived(&upstream, format!("fast-{n}"));
    partner_feeds::unchanging(&n, 10, &headers, "Story")
}

async fn slow(State(upstream): State<Arc<Upstream>>) -> Response {
    arrived(&upstream, "slow".to_owned());
    tokio::time::sleep(upstream.slow).await;
    let items: String = (0..10)
        .map(|i| item("slow", i, &format!("Slow story {i}")))
        .collect();
    rss("Slow desk", &items).into_response()
}

fn write_config(dir: &Path, port: u16, feeds: usize, slow: Duration) -> std::path::PathBuf {
    // The timeout outlasts the slow response: it hangs, it does not fail.
    let timeout = slow.as_secs() + 10;
    let mut text = format!(
        "[site]\ntitle = \"Cadence News\"\nbase_url = \"https://feeds.example.org/\"\n\n\
         [defaults]\nschedule = \"{SCHEDULE}\"\ntimeout = \"{timeout}s\"\nallow_private = true\n\n\
         [[section]]\nslug = \"partners\"\ntitle = \"Partners\"\n\n\
         [[feed]]\nid = \"slow\"\nurl = \"http://127.0.0.1:{port}/slow.xml\"\nsection = \"partners\"\n"
    );
    for n in 0..feeds {
        text.push_str(&format!(
            "\n[[feed]]\nid = \"fast-{n}\"\nurl = \"http://127.0.0.1:{port}/fast/{n}\"\nsection = \"partners\"\n"
        ));
    }
    let path = dir.join("feeds.toml");
    std::fs::write(&path, text).expect("write feeds.toml");
    path
}
