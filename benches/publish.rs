//! Publish benchmark: every channel published from a state of N stored
//! articles (issue 5's target: 100,000 stored articles, a publish of all
//! outputs in 2 s or less).
//!
//! ```text
//! cargo bench --bench publish -- [--articles 100000] [--keep]
//! ```
//!
//! The state is built first in a temporary folder: synthetic articles
//! (`support/articles.rs`) ingested with `Store::ingest` in feeds of 100, 32
//! feeds to a transaction as a cycle writes them. Its time is printed but is
//! not the target. Then `cycle::publish_changes` publishes every channel
//! (all, breaking, each section, tag and region, in RSS, Atom and JSON Feed,
//! plus index.html and feeds.opml), timed as (a) into an empty output folder,
//! every file written, and (b) again over the files in place, the same bytes,
//! nothing written. Each is the median of three runs; the output folder is
//! removed before each run of (a).
//!
//! Peak memory is the VmHWM of the process (`support/memory.rs`). The state
//! is built by a child process (this binary again), so the figure is the
//! publishing runs' own, with nothing left over from building.

#[path = "support/args.rs"]
mod args;
#[path = "support/articles.rs"]
mod articles;
#[path = "support/files.rs"]
mod files;
#[path = "support/memory.rs"]
mod memory;
#[path = "support/words.rs"]
mod words;

#[path = "../src/allocator.rs"]
mod allocator;

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use chrono::Utc;
use wirefeed::config::Config;
use wirefeed::fetch::Validators;
use wirefeed::publish::{Publication, PublishReport};
use wirefeed::store::{FeedIngest, Location};

use articles::{Newsroom, SECTIONS};

/// Articles per ingested feed.
const FEED_SIZE: usize = 100;
/// Feeds per write transaction, as the cycle groups them.
const GROUP: usize = 32;
/// Runs of each measurement; the median is reported.
const RUNS: usize = 3;
/// `site.max_items`: the newest items each published file holds.
const MAX_ITEMS: usize = 50;
/// The configuration file in the bench folder.
const CONFIG: &str = "feeds.toml";

/// Set to the bench folder, this variable makes the bench build the state
/// there and exit: the child process that builds it for the parent.
const BUILD_ENV: &str = "WIREFEED_BENCH_BUILD_STATE";

fn main() {
    allocator::limit_arenas();
    let articles = args::number("--articles", 100_000);
    if let Some(dir) = std::env::var_os(BUILD_ENV) {
        build_state(&load_config(Path::new(&dir)), articles);
        return;
    }
    let feeds = articles.div_ceil(FEED_SIZE);
    let dir = std::env::temp_dir().join(format!("wirefeed-publish-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create bench folder");
    write_config(&dir, feeds);
    let config = load_config(&dir);

    let built = Instant::now();
    build_in_child(&dir);
    let built = built.elapsed().as_secs_f64();
    eprintln!("stored {articles} articles in {built:.1} s");

    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let output = files::output_folder(&config);
    let (empty, cold) = median_publish(&runtime, &config, true);
    let (in_place, warm) = median_publish(&runtime, &config, false);
    let peak = memory::peak();
    let channels = files::count(output, Some("rss"));

    let mut table = String::new();
    let _ = writeln!(
        table,
        "articles stored          {articles} in {feeds} feeds"
    );
    let _ = writeln!(
        table,
        "building the state       {built:.1} s (not a target)"
    );
    let _ = writeln!(table, "channels                 {channels}");
    let _ = writeln!(
        table,
        "(a) empty output         {:.3} s  ({} files written, {} unchanged; median of {RUNS})",
        empty, cold.written, cold.unchanged
    );
    let _ = writeln!(
        table,
        "(b) files in place       {:.3} s  ({} files written, {} unchanged; median of {RUNS})",
        in_place, warm.written, warm.unchanged
    );
    let _ = writeln!(table, "peak memory (VmHWM)      {peak}");
    print!("{table}");

    if std::env::args().any(|a| a == "--keep") {
        eprintln!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Publishes every channel once, with a publication that has published
/// nothing yet (a process's first publish); returns the seconds and report.
fn publish_all(runtime: &tokio::runtime::Runtime, config: &Config) -> (f64, PublishReport) {
    let started = Instant::now();
    let report = runtime
        .block_on(wirefeed::cycle::publish_changes(
            config,
            &mut Publication::default(),
            None,
            None,
        ))
        .expect("publish");
    (started.elapsed().as_secs_f64(), report)
}

/// Builds the state in a child process (this binary again, with the same
/// flags), so the heap that building leaves behind is not in this process's
/// peak memory.
fn build_in_child(dir: &Path) {
    let exe = std::env::current_exe().expect("current exe");
    let status = Command::new(exe)
        .args(std::env::args().skip(1))
        .env(BUILD_ENV, dir)
        .status()
        .expect("start the state builder");
    assert!(status.success(), "building the state failed: {status}");
}

/// Ingests `articles` synthetic articles into the state of `config`, in
/// feeds of [`FEED_SIZE`], [`GROUP`] feeds to a transaction.
fn build_state(config: &Config, articles: usize) {
    let newsroom = Newsroom::new();
    let mut store = Location::of(config).open().expect("open the state");
    let feed_ids: Vec<String> = (0..articles.div_ceil(FEED_SIZE)).map(feed_id).collect();
    for (g, ids) in feed_ids.chunks(GROUP).enumerate() {
        store
            .group(|store| {
                for (i, id) in ids.iter().enumerate() {
                    let f = g * GROUP + i;
                    let outlet = format!("Outlet {f}");
                    let batch = (f * FEED_SIZE..((f + 1) * FEED_SIZE).min(articles))
                        .map(|n| newsroom.article(n, id, &outlet))
                        .collect();
                    store.ingest(&ingest(id), batch)?;
                }
                Ok(())
            })
            .expect("ingest");
    }
}

fn feed_id(f: usize) -> String {
    format!("outlet-{f:04}")
}

fn ingest(feed_id: &str) -> FeedIngest<'_> {
    FeedIngest {
        feed_id,
        priority: 0,
        fetched_at: Utc::now(),
        http_status: Some(200),
        validators: Validators::default(),
    }
}

/// The configuration `write_config` wrote to `dir`.
fn load_config(dir: &Path) -> Config {
    let (config, _warnings) =
        wirefeed::config::load(&dir.join(CONFIG)).unwrap_or_else(|p| panic!("{p}"));
    config
}

/// Writes a feeds.toml with the sections the articles are filed under and
/// one `[[feed]]` per ingested feed (never fetched).
fn write_config(dir: &Path, feeds: usize) {
    let mut toml = format!(
        "[site]\ntitle = \"Bench News\"\nbase_url = \"https://feeds.example.org/\"\n\
         output_dir = \"output\"\nstate_dir = \"state\"\nmax_items = {MAX_ITEMS}\n\n"
    );
    for section in SECTIONS {
        let _ = writeln!(
            toml,
            "[[section]]\nslug = \"{section}\"\ntitle = \"{section}\"\n"
        );
    }
    for f in 0..feeds {
        let _ = writeln!(
            toml,
            "[[feed]]\nid = \"{}\"\nname = \"Outlet {f}\"\nurl = \"https://{}.example/feed.rss\"\n",
            feed_id(f),
            feed_id(f)
        );
    }
    std::fs::write(dir.join(CONFIG), toml).expect("write feeds.toml");
}

/// Publishes every channel [`RUNS`] times, into an empty output folder
/// when `from_empty`; returns the median seconds and the last report.
fn median_publish(
    runtime: &tokio::runtime::Runtime,
    config: &Config,
    from_empty: bool,
) -> (f64, PublishReport) {
    let mut seconds = Vec::new();
    let mut report = PublishReport::default();
    for _ in 0..RUNS {
        if from_empty {
            let _ = std::fs::remove_dir_all(files::output_folder(config));
        }
        let (run, last) = publish_all(runtime, config);
        seconds.push(run);
        report = last;
    }
    seconds.sort_by(f64::total_cmp);
    (seconds[seconds.len() / 2], report)
}
