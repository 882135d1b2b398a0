//! End-to-end cycle benchmark: N synthetic feeds × M items served over real
//! HTTP on 127.0.0.1, one cold cycle, one repeat cycle (everything 304) and
//! one cycle where 10% of the feeds changed, then the same corpus parsed by
//! bare feed-rs (the floor) and run through the equivalent Python pipeline,
//! feedparser + feedgen (the field), with the ratios of the cold cycle to both.
//!
//! ```text
//! cargo bench --bench cycle -- --feeds 1000 --items 50 [--keep] [--no-python] [--store URL]
//! ```
//!
//! `--keep` leaves the generated corpus, feeds.toml, state and output behind;
//! `--no-python` skips the Python pipeline (a minute) while profiling;
//! `--store postgres://USER@HOST:PORT/DB` keeps the state in that (empty)
//! PostgreSQL database instead of SQLite, as `[store] url` does.
//!
//! The changed cycle: every tenth feed gains five fresh stories on top and
//! drops its five oldest, as a real feed moves on (`cycle/change.rs`); the
//! server then serves those feeds' new bytes under new ETags and the others
//! answer 304. Its line counts the published files rewritten out of all the
//! files in the output folder. The changed feeds are swapped back after it,
//! so the floor and the field read the bytes of the cold cycle.
//!
//! Peak memory is the VmHWM of this process (`support/memory.rs`): the most
//! resident memory it held at once (the pipeline's buffers and articles in
//! flight, SQLite's page cache, the tokio runtime, and heap the allocator kept
//! after a free), read after the three cycles, before the bare parse loads
//! the whole corpus.
//! The feeds are served by a child process (this same binary in server
//! mode), so the server's copy of the corpus is not in it. Generating the
//! corpus streams feed by feed but holds the shared story pool (one story per
//! 20 items, ~9 MB at 1000 × 50); the peak is reset after generating where
//! Linux allows it (`/proc/self/clear_refs`), so the figure is the cycles' own.
//!
//! The Python pipeline runs in a venv under `target/bench-venv`, made on the
//! first run (`python3 -m venv`, `pip install feedparser feedgen`); without
//! Python or network the line says `python: skipped (why)`.

#[path = "cycle/bare.rs"]
mod bare;
#[path = "cycle/change.rs"]
mod change;
#[path = "cycle/python.rs"]
mod python;
#[path = "cycle/server.rs"]
mod server;

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/words.rs"]
mod words;

#[path = "support/args.rs"]
mod args;
#[path = "support/files.rs"]
mod files;
#[path = "support/memory.rs"]
mod memory;

#[path = "../src/allocator.rs"]
mod allocator;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use corpus::{Corpus, EXTENSIONS};

fn main() {
    allocator::limit_arenas();
    if let Ok(dir) = std::env::var(server::SERVE_ENV) {
        server::serve(Path::new(&dir));
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    let feeds = args::number("--feeds", 1000);
    let items = args::number("--items", 50);

    let dir = std::env::temp_dir().join(format!("wirefeed-bench-{}", std::process::id()));
    let corpus = dir.join("corpus");
    let moved_on = dir.join("moved-on");
    std::fs::create_dir_all(&corpus).expect("create bench folder");
    std::fs::create_dir_all(&moved_on).expect("create bench folder");
    let generated = Instant::now();
    let (bytes, changed) = generate(&corpus, &moved_on, feeds, items);
    eprintln!(
        "generated {feeds} feeds × {items} items ({:.1} MB) in {:.2}s, peak memory {}",
        bytes as f64 / 1e6,
        generated.elapsed().as_secs_f64(),
        memory::peak()
    );
    if !reset_peak_memory() {
        eprintln!("cannot reset the peak memory: it includes generating the corpus");
    }

    let (mut server, port) = server::start(&corpus);
    let specs = feed_specs(port, feeds);
    let config_path = write_config(&dir, &specs, args::text("--store").as_deref());
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
    change::exchange(&corpus, &moved_on, &changed).expect("swap the changed feeds in");
    let moved = Instant::now();
    let third = runtime
        .block_on(wirefeed::cycle::run_once(&config))
        .expect("changed cycle");
    let moved = moved.elapsed().as_secs_f64();
    let published = files::count(files::output_folder(&config), None);
    let peak = memory::peak();
    change::exchange(&corpus, &moved_on, &changed).expect("swap the cold feeds back");

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
        "  of which storing       {:.2} s (the serial writer, {:.2} s of it on CPU), publishing {:.2} s",
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
        "changed cycle (10%)      {moved:.3} s  ({} feeds changed: {} new, {} updated, {} folded, {} not modified; \
         {} of {published} files written; storing {:.2} s, publishing {:.2} s)",
        changed.len(),
        third.new,
        third.updated,
        third.folded,
        third.not_modified,
        third.publish.written,
        third.storing.as_secs_f64(),
        third.publishing.as_secs_f64()
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
    for failure in first.failed.iter().chain(&third.failed).take(5) {
        eprintln!("failed {failure}");
    }
    if args.iter().any(|a| a == "--keep") {
        eprintln!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Lowers the peak resident memory to the memory resident now (Linux 4.0
/// and later), so that the cycles are measured alone; false where that is
/// not allowed.
fn reset_peak_memory() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
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

fn write_config(dir: &Path, feeds: &[FeedSpec], store: Option<&str>) -> PathBuf {
    let store = store
        .map(|url| format!("[store]\nurl = \"{url}\"\n\n"))
        .unwrap_or_default();
    let mut toml = store
        + &format!(
            "[site]\ntitle = \"{SITE_TITLE}\"\nbase_url = \"{BASE_URL}\"\n\
         output_dir = \"output\"\nstate_dir = \"state\"\nmax_items = {MAX_ITEMS}\n\n\
         [defaults]\nschedule = \"*/5 * * * *\"\ntimeout = \"30s\"\nconcurrency = 64\nper_host = 64\n\
         allow_private = true\n\n",
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
/// Writes every feed file to `dir` one at a time, and the changed feeds'
/// next versions to `moved_on`; returns the bytes in `dir` and the names of
/// the changed feeds' files.
fn generate(dir: &Path, moved_on: &Path, feeds: usize, items: usize) -> (usize, Vec<String>) {
    let corpus = Corpus::new(feeds, items);
    let mut total = 0;
    let mut changed = Vec::new();
    for f in 0..feeds {
        let (name, text) = corpus.feed(f, items);
        total += text.len();
        std::fs::write(dir.join(&name), text).expect("write feed");
        if change::changes(f) {
            let (_, next) = corpus.moved_on(f, items, change::FRESH);
            std::fs::write(moved_on.join(&name), next).expect("write feed");
            changed.push(name);
        }
    }
    (total, changed)
}
