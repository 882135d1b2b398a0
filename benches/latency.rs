//! How fast a story gets through `wirefeed run`: from an upstream change to
//! the published file changing, and on to the WebSub hub's ping.
//!
//! ```text
//! cargo bench --bench latency -- [--rounds 10] [--feeds 100]
//! ```
//!
//! One process here serves, on 127.0.0.1, a "live" feed that changes once per
//! round, `--feeds` static feeds (the background load, answered 304 once
//! fetched) and a WebSub hub that records its pings. A real `wirefeed run`
//! fetches them all every five seconds. Each round changes the live feed at
//! a random moment and times:
//!
//! - change → fetch: waiting for the schedule (0–5 s by design);
//! - fetch → file: fetch, parse, store, the publish debounce, render, rename;
//! - file → ping: the hub receiving `hub.mode=publish` for the changed feed;
//! - change → file: what a reader polling the file sees.

use std::collections::HashMap;
use std::future::IntoFuture;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

const SCHEDULE: &str = "*/5 * * * * *";

#[derive(Default)]
struct Upstream {
    /// The live feed's version; bumped once per round.
    version: Mutex<u32>,
    /// When each version of the live feed was first served.
    served: Mutex<HashMap<u32, Instant>>,
    /// (topic, when) for every hub ping.
    pings: Mutex<Vec<(String, Instant)>>,
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
    let rounds = args::number("--rounds", 10);
    let feeds = args::number("--feeds", 100);

    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let upstream = Arc::new(Upstream::default());
    let port = runtime.block_on(serve(Arc::clone(&upstream)));
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), port, feeds);
    let mut service = daemon::start(&config, &dir.path().join("wirefeed.log"));

    let live_file = dir.path().join("output/sections/live.json");
    let topic = "https://feeds.example.org/sections/live.json";
    if !wait_until(Duration::from_secs(60), || {
        contains(&live_file, "Version 0")
    }) {
        stop(&mut service);
        panic!(
            "no first publish; see {}",
            dir.path().join("wirefeed.log").display()
        );
    }
    eprintln!("first publish done; {rounds} rounds, {feeds} background feeds on {SCHEDULE}");

    let mut rng = seed();
    let mut rows: Vec<[Duration; 4]> = Vec::new();
    for round in 1..=rounds as u32 {
        std::thread::sleep(Duration::from_millis(1000 + next(&mut rng) % 5000));
        let pings_before = upstream.pings.lock().expect("pings").len();
        *upstream.version.lock().expect("version") = round;
        let changed = Instant::now();
        let needle = format!("Version {round}");
        if !wait_until(Duration::from_secs(30), || contains(&live_file, &needle)) {
            eprintln!("round {round}: not published within 30 s");
            continue;
        }
        let written = Instant::now();
        let fetched = upstream.served.lock().expect("served").get(&round).copied();
        let pinged = wait_for_ping(&upstream, pings_before, topic, Duration::from_secs(10));
        let (Some(fetched), Some(pinged)) = (fetched, pinged) else {
            eprintln!("round {round}: no fetch or no ping recorded");
            continue;
        };
        let row = [
            fetched - changed,
            written.saturating_duration_since(fetched),
            pinged.saturating_duration_since(written),
            written - changed,
        ];
        eprintln!(
            "round {round:>2}: change→fetch {:>6} ms  fetch→file {:>5} ms  file→ping {:>4} ms  change→file {:>6} ms",
            row[0].as_millis(),
            row[1].as_millis(),
            row[2].as_millis(),
            row[3].as_millis()
        );
        rows.push(row);
    }
    stop(&mut service);

    println!(
        "\n{} rounds, live feed + {feeds} background feeds, schedule {SCHEDULE}",
        rows.len()
    );
    println!("{:<14} {:>8} {:>8} {:>8}", "", "median", "p90", "max");
    let names = ["change→fetch", "fetch→file", "file→ping", "change→file"];
    for (column, name) in names.iter().enumerate() {
        let mut values: Vec<Duration> = rows.iter().map(|row| row[column]).collect();
        values.sort();
        if values.is_empty() {
            continue;
        }
        let at = |share: f64| values[((values.len() - 1) as f64 * share).round() as usize];
        println!(
            "{name:<14} {:>6} ms {:>5} ms {:>5} ms",
            at(0.5).as_millis(),
            at(0.9).as_millis(),
            at(1.0).as_millis()
        );
    }
}

/// Serves the feeds and the hub; returns the port.
async fn serve(upstream: Arc<Upstream>) -> u16 {
    let app = Router::new()
        .route("/live.xml", get(live))
        .route("/static/{n}", get(background))
        .route("/hub", post(hub))
        .with_state(upstream);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(axum::serve(listener, app).into_future());
    port
}

async fn live(State(upstream): State<Arc<Upstream>>, headers: HeaderMap) -> Response {
    let version = *upstream.version.lock().expect("version");
    let etag = format!("\"v{version}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|value| value.as_bytes() == etag.as_bytes())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    upstream
        .served
        .lock()
        .expect("served")
        .entry(version)
        .or_insert_with(Instant::now);
    let items: String = (0..=version)
        .rev()
        .take(20)
        .map(|v| item("live", v, &format!("Version {v}")))
        .collect();
    ([(header::ETAG, etag)], rss("Live desk", &items)).into_response()
}

async fn background(UrlPath(n): UrlPath<String>, headers: HeaderMap) -> Response {
    partner_feeds::unchanging(&n, 20, &headers, "Background story")
}

async fn hub(State(upstream): State<Arc<Upstream>>, body: String) -> StatusCode {
    let at = Instant::now();
    let topic = url::form_urlencoded::parse(body.as_bytes())
        .find(|(key, _)| key == "hub.url")
        .map(|(_, value)| value.into_owned());
    if let Some(topic) = topic {
        upstream.pings.lock().expect("pings").push((topic, at));
    }
    StatusCode::NO_CONTENT
}

fn write_config(dir: &Path, port: u16, feeds: usize) -> std::path::PathBuf {
    let mut text = format!(
        "[site]\ntitle = \"Latency News\"\nbase_url = \"https://feeds.example.org/\"\n\
         websub_hub = \"http://127.0.0.1:{port}/hub\"\n\n\
         [defaults]\nschedule = \"{SCHEDULE}\"\nallow_private = true\n\n\
         [[section]]\nslug = \"live\"\ntitle = \"Live\"\n\n\
         [[section]]\nslug = \"partners\"\ntitle = \"Partners\"\n\n\
         [[feed]]\nid = \"live\"\nurl = \"http://127.0.0.1:{port}/live.xml\"\nsection = \"live\"\n"
    );
    for n in 0..feeds {
        text.push_str(&format!(
            "\n[[feed]]\nid = \"partner-{n}\"\nurl = \"http://127.0.0.1:{port}/static/{n}\"\nsection = \"partners\"\n"
        ));
    }
    let path = dir.join("feeds.toml");
    std::fs::write(&path, text).expect("write feeds.toml");
    path
}

fn contains(path: &Path, needle: &str) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| text.contains(needle))
}

fn wait_for_ping(
    upstream: &Upstream,
    skip: usize,
    topic: &str,
    limit: Duration,
) -> Option<Instant> {
    let mut found = None;
    wait_until(limit, || {
        found = upstream
            .pings
            .lock()
            .expect("pings")
            .iter()
            .skip(skip)
            .find(|(t, _)| t == topic)
            .map(|(_, at)| *at);
        found.is_some()
    });
    found
}

fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64 | 1)
}

/// xorshift64: enough randomness to land changes anywhere in a schedule.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}
