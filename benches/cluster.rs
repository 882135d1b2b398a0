//! A cold start of `wirefeed run` instances sharing one PostgreSQL state
//! (or one instance on SQLite): how long until every item is stored and
//! published, and what it costs in CPU, database CPU and memory.
//!
//! ```text
//! cargo bench --bench cluster -- [--feeds 10000] [--items 20] [--instances 1,2,4]
//!     [--store postgres://USER@HOST:PORT/DB [--replace]] [--concurrency 64]
//!     [--timeout 1800] [--keep]
//! ```
//!
//! The corpus of the cycle bench (`support/corpus.rs`) is generated once and
//! served on 127.0.0.1 by a child process (`cycle/server.rs`), which logs
//! every response. Each number of `--instances` is one run: that many
//! `wirefeed run` processes on one feeds.toml whose schedule does not come
//! round again (once a year), so only the fetch of every feed at start
//! happens. Without `--store` the state is SQLite and only one instance
//! makes sense.
//!
//! The database given to `--store` is emptied before each run (`DROP SCHEMA
//! public CASCADE; CREATE SCHEMA public`). One holding tables is refused
//! unless `--replace` says it may be emptied: the bench must not wipe a
//! newsroom's state because of a wrong URL.
//!
//! Each run reports:
//!
//! - the wall time from starting the instances until the state holds a
//!   `sources` row for every item (one per feed and item: a republished
//!   copy folds into its original but keeps its own row), no channel is
//!   left stale and `all.json` was written since the start; polled every
//!   250 ms, so that is the resolution. `stored` is when the rows were all
//!   there, before the last publish;
//! - items per second over the wall time;
//! - the instances' CPU (user + system, `/proc/PID/stat`, read just before
//!   they are stopped) per item, together and each;
//! - PostgreSQL's CPU per item: the server's processes (children of the
//!   postmaster, and those it reaped) from before the start to the end,
//!   without the client backends of other databases or of this bench's
//!   own polling. Some of it may be another user's background work
//!   (checkpoints, autovacuum). On SQLite the database works inside the
//!   instance, so its CPU is in the instance's;
//! - each instance's peak memory (VmHWM, read just before it is stopped);
//! - fetches: the responses the server sent, against the number of feeds
//!   (every feed exactly once in total across the instances), and how
//!   many feeds each instance stored (from the `cycle` lines of its log).
//!
//! `--keep` leaves the folder (corpus, each run's feeds.toml, state, output,
//! instance logs and request log) and names it.

#[path = "cycle/server.rs"]
mod server;

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/words.rs"]
mod words;

#[path = "support/args.rs"]
mod args;
#[path = "support/daemon.rs"]
mod daemon;

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant, SystemTime};

use corpus::{Corpus, EXTENSIONS};

/// A schedule that does not fire again within a run: only the fetch of
/// every feed at start happens.
const SCHEDULE: &str = "0 0 0 1 1 *";
/// How often the state is polled: the resolution of the wall time.
const POLL: Duration = Duration::from_millis(250);

fn main() {
    if let Ok(dir) = std::env::var(server::SERVE_ENV) {
        server::serve(Path::new(&dir));
        return;
    }
    let feeds = args::number("--feeds", 10_000);
    let items = args::number("--items", 20);
    let concurrency = args::number("--concurrency", 64);
    let timeout = Duration::from_secs(args::number("--timeout", 1800) as u64);
    let store = args::text("--store");
    let replace = flag("--replace");
    let runs: Vec<usize> = args::text("--instances")
        .unwrap_or_else(|| "1".to_owned())
        .split(',')
        .map(|n| n.trim().parse().expect("--instances takes numbers: 1,2,4"))
        .collect();
    if store.is_none() && runs.iter().any(|&k| k != 1) {
        eprintln!("several instances need a shared PostgreSQL state: give --store postgres://…");
        std::process::exit(2);
    }
    if let Some(url) = &store
        && !replace
        && holds_tables(url)
    {
        eprintln!(
            "{url} holds tables: the bench empties the database it is given; \
             pass --replace to let it (DROP SCHEMA public CASCADE)"
        );
        std::process::exit(2);
    }

    let dir = std::env::temp_dir().join(format!("wirefeed-cluster-{}", std::process::id()));
    let corpus_dir = dir.join("corpus");
    std::fs::create_dir_all(&corpus_dir).expect("create bench folder");
    let generated = Instant::now();
    let bytes = generate(&corpus_dir, feeds, items);
    eprintln!(
        "generated {feeds} feeds × {items} items ({:.1} MB) in {:.1}s",
        bytes as f64 / 1e6,
        generated.elapsed().as_secs_f64()
    );
    let requests = dir.join("requests.log");
    let (mut feed_server, port) = server::start_logged(&corpus_dir, &requests);

    println!(
        "{:<10} {:>5} {:>8} {:>8} {:>8} {:>9} {:>9} {:>11} {:>9} {:>13}  per instance: CPU s, peak MB, feeds",
        "store",
        "inst",
        "wall s",
        "stored s",
        "items/s",
        "CPU ms/it",
        "DB ms/it",
        "fetches",
        "refetched",
        "errors/warns"
    );
    for (n, &instances) in runs.iter().enumerate() {
        let run = Run {
            dir: dir.join(format!("run-{n}-{instances}")),
            store: store.as_deref(),
            instances,
            feeds,
            items,
            port,
            concurrency,
            timeout,
            requests: &requests,
        };
        let row = run.measure();
        println!("{row}");
    }
    let _ = feed_server.kill();
    let _ = feed_server.wait();
    if flag("--keep") {
        eprintln!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// One cold start of `instances` instances.
struct Run<'a> {
    dir: PathBuf,
    store: Option<&'a str>,
    instances: usize,
    feeds: usize,
    items: usize,
    port: u16,
    concurrency: usize,
    timeout: Duration,
    requests: &'a Path,
}

impl Run<'_> {
    fn measure(&self) -> String {
        std::fs::create_dir_all(&self.dir).expect("create run folder");
        let config = write_config(
            &self.dir,
            self.store,
            self.port,
            self.feeds,
            self.concurrency,
        );
        let mut state = match self.store {
            Some(url) => State::postgres(url),
            None => State::Sqlite(self.dir.join("state").join(wirefeed::store::STATE_FILE)),
        };
        // The request log counts this run's fetches only; the server
        // appends, so it writes on at the new end.
        std::fs::write(self.requests, "").expect("clear the request log");
        let database_before = state.server_cpu();
        let all_json = self.dir.join("output/all.json");
        let expected = self.feeds * self.items;

        let began = SystemTime::now();
        let started = Instant::now();
        let logs: Vec<PathBuf> = (0..self.instances)
            .map(|i| self.dir.join(format!("instance-{i}.log")))
            .collect();
        let mut children: Vec<Child> = logs.iter().map(|log| daemon::start(&config, log)).collect();
        let mut stored_at = None;
        let mut outcome = Err("timed out".to_owned());
        while started.elapsed() < self.timeout {
            if let Some(i) = children
                .iter_mut()
                .position(|child| matches!(child.try_wait(), Ok(Some(_))))
            {
                outcome = Err(format!("instance {i} exited; see {}", logs[i].display()));
                break;
            }
            let (count, stale) = state.progress();
            if count >= expected && stored_at.is_none() {
                stored_at = Some(started.elapsed());
            }
            let published = std::fs::metadata(&all_json)
                .and_then(|meta| meta.modified())
                .is_ok_and(|at| at >= began);
            if count >= expected && stale == 0 && published {
                outcome = Ok(started.elapsed());
                break;
            }
            std::thread::sleep(POLL);
        }
        let (count, stale) = state.progress();

        let per_instance: Vec<(f64, u64)> = children
            .iter()
            .map(|child| (cpu_seconds(child.id()), peak_kib(child.id())))
            .collect();
        let database_after = state.server_cpu();
        for child in &mut children {
            daemon::stop(child);
        }
        let fetches = Fetches::read(self.requests);
        let stored_by: Vec<LogSummary> = logs.iter().map(|log| LogSummary::read(log)).collect();

        let mut row = String::new();
        let store = if self.store.is_some() {
            "postgres"
        } else {
            "sqlite"
        };
        let _ = write!(row, "{store:<10} {:>5} ", self.instances);
        let wall = match &outcome {
            Ok(wall) => {
                let _ = write!(row, "{:>8.2} ", wall.as_secs_f64());
                wall.as_secs_f64()
            }
            Err(_) => {
                let _ = write!(row, "{:>8} ", "—");
                started.elapsed().as_secs_f64()
            }
        };
        let cpu: f64 = per_instance.iter().map(|(cpu, _)| cpu).sum();
        let database = match (database_before, database_after) {
            (Some(before), Some(after)) => format!(
                "{:.3}",
                (after - before).max(0.0) * 1000.0 / expected as f64
            ),
            _ if self.store.is_none() => "in inst".to_owned(),
            _ => "n/a".to_owned(),
        };
        let _ = write!(
            row,
            "{:>8} {:>8.0} {:>9.3} {:>9} {:>11} {:>9} {:>13}  ",
            stored_at.map_or("—".to_owned(), |at| format!("{:.2}", at.as_secs_f64())),
            expected as f64 / wall,
            cpu * 1000.0 / expected as f64,
            database,
            format!("{}/{}", fetches.responses, self.feeds),
            fetches.more_than_once,
            format!(
                "{}/{}",
                stored_by.iter().map(|s| s.errors).sum::<usize>(),
                stored_by.iter().map(|s| s.warnings).sum::<usize>()
            ),
        );
        let shares: Vec<String> = per_instance
            .iter()
            .zip(&stored_by)
            .map(|((cpu, peak), log)| format!("{cpu:.1} s {} MB {}", peak / 1024, log.feeds))
            .collect();
        row.push_str(&shares.join(" | "));
        if let Err(why) = &outcome {
            let _ = write!(
                row,
                "\n  not finished ({why}): {count} of {expected} items stored, {stale} channels stale"
            );
        }
        if fetches.not_ok > 0 || fetches.feeds_fetched != self.feeds {
            let _ = write!(
                row,
                "\n  {} feeds of {} fetched; {} responses other than 200",
                fetches.feeds_fetched, self.feeds, fetches.not_ok
            );
        }
        if count > expected {
            let _ = write!(row, "\n  {count} sources rows, {expected} expected");
        }
        row
    }
}

/// Where the run's state is, and how to read its progress.
enum State {
    Sqlite(PathBuf),
    Postgres {
        client: Box<postgres::Client>,
        /// The postmaster, when the server runs on this machine.
        postmaster: Option<u32>,
        /// This bench's own backend: its polling is not the instances' cost.
        own_backend: u32,
    },
}

impl State {
    /// Empties the database at `url` and connects to it for polling.
    fn postgres(url: &str) -> State {
        let mut client = postgres::Client::connect(url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
        client
            .batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            .expect("empty the database");
        let own_backend: i32 = client
            .query_one("SELECT pg_backend_pid()", &[])
            .expect("backend pid")
            .get(0);
        let own_backend = own_backend as u32;
        let postmaster = proc_stat(own_backend).map(|stat| stat.parent);
        if postmaster.is_none() {
            eprintln!("the PostgreSQL server is not on this machine: its CPU is not measured");
        }
        State::Postgres {
            client: Box::new(client),
            postmaster,
            own_backend,
        }
    }

    /// The `sources` rows stored and the channels marked stale (changed
    /// since the last publish); zeros before the schema exists.
    fn progress(&mut self) -> (usize, usize) {
        const QUERY: &str =
            "SELECT (SELECT count(*) FROM sources), (SELECT count(*) FROM stale_channels)";
        match self {
            State::Sqlite(path) => rusqlite::Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .and_then(|conn| {
                conn.busy_timeout(Duration::from_secs(1))?;
                conn.query_row(QUERY, [], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
                })
            })
            .map(|(count, stale)| (count as usize, stale as usize))
            .unwrap_or((0, 0)),
            State::Postgres { client, .. } => client
                .query_one(QUERY, &[])
                .map(|row| (row.get::<_, i64>(0) as usize, row.get::<_, i64>(1) as usize))
                .unwrap_or((0, 0)),
        }
    }

    /// CPU seconds the PostgreSQL server spent so far on everything but
    /// other databases' client backends and this bench's own: its
    /// processes now, plus the children the postmaster reaped. `None` on
    /// SQLite or a server elsewhere.
    fn server_cpu(&mut self) -> Option<f64> {
        let State::Postgres {
            client,
            postmaster: Some(postmaster),
            own_backend,
        } = self
        else {
            return None;
        };
        let mut others: HashSet<u32> = client
            .query(
                "SELECT pid FROM pg_stat_activity
                 WHERE backend_type = 'client backend'
                   AND datname IS DISTINCT FROM current_database()",
                &[],
            )
            .map(|rows| rows.iter().map(|row| row.get::<_, i32>(0) as u32).collect())
            .unwrap_or_default();
        others.insert(*own_backend);
        let postmaster_stat = proc_stat(*postmaster)?;
        let mut ticks = postmaster_stat.own + postmaster_stat.reaped;
        for (pid, stat) in all_processes() {
            if stat.parent == *postmaster && !others.contains(&pid) {
                ticks += stat.own;
            }
        }
        Some(ticks as f64 / clock_ticks())
    }
}

/// Whether the database at `url` holds any table of its own.
fn holds_tables(url: &str) -> bool {
    let mut client = postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
            &[],
        )
        .expect("list tables")
        .get(0);
    tables > 0
}

/// What `/proc/PID/stat` says of a process, in clock ticks.
struct Stat {
    parent: u32,
    /// utime + stime: its own threads.
    own: u64,
    /// cutime + cstime: the children it waited for.
    reaped: u64,
}

fn proc_stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: the fields
    // start after the last ')'. Fields 3.. from there: state, ppid, …
    let fields: Vec<&str> = text.rsplit_once(')')?.1.split_whitespace().collect();
    let number = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    Some(Stat {
        parent: number(1)? as u32,
        own: number(11)? + number(12)?,
        reaped: number(13)? + number(14)?,
    })
}

fn all_processes() -> Vec<(u32, Stat)> {
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
                .filter_map(|pid| Some((pid, proc_stat(pid)?)))
                .collect()
        })
        .unwrap_or_default()
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf only reads a constant of the system.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

/// CPU seconds (user + system) process `pid` spent so far.
fn cpu_seconds(pid: u32) -> f64 {
    proc_stat(pid).map_or(0.0, |stat| stat.own as f64 / clock_ticks())
}

/// The most resident memory process `pid` held at once, in KiB.
fn peak_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The server's responses of one run, from its request log.
struct Fetches {
    responses: usize,
    feeds_fetched: usize,
    /// Feeds asked for more than once.
    more_than_once: usize,
    not_ok: usize,
}

impl Fetches {
    fn read(log: &Path) -> Fetches {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let mut per_path: BTreeMap<&str, usize> = BTreeMap::new();
        let mut not_ok = 0;
        for line in text.lines() {
            let (path, status) = line.rsplit_once(' ').unwrap_or((line, ""));
            *per_path.entry(path).or_default() += 1;
            if status != "200" {
                not_ok += 1;
            }
        }
        Fetches {
            responses: per_path.values().sum(),
            feeds_fetched: per_path.len(),
            more_than_once: per_path.values().filter(|&&n| n > 1).count(),
            not_ok,
        }
    }
}

/// What an instance's log says: feeds it stored (the `cycle` lines'
/// `feeds=`), and its error and warning lines.
struct LogSummary {
    feeds: usize,
    errors: usize,
    warnings: usize,
}

impl LogSummary {
    fn read(log: &Path) -> LogSummary {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let field = |line: &str, name: &str| -> Option<usize> {
            let at = line.find(name)? + name.len();
            line[at..]
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        };
        LogSummary {
            feeds: text
                .lines()
                .filter(|line| line.contains(" cycle "))
                .filter_map(|line| field(line, " feeds="))
                .sum(),
            errors: text.lines().filter(|l| l.contains(" ERROR ")).count(),
            warnings: text.lines().filter(|l| l.contains(" WARN ")).count(),
        }
    }
}

/// feeds.toml of one run: the state, the output in the run's folder, one
/// `[[feed]]` per corpus file, none due again after the start.
fn write_config(
    dir: &Path,
    store: Option<&str>,
    port: u16,
    feeds: usize,
    concurrency: usize,
) -> PathBuf {
    let mut toml = store
        .map(|url| format!("[store]\nurl = \"{url}\"\n\n"))
        .unwrap_or_default();
    let _ = write!(
        toml,
        "[site]\ntitle = \"Bench News\"\nbase_url = \"https://feeds.example.org/\"\n\
         output_dir = \"output\"\nstate_dir = \"state\"\nmax_items = 50\n\n\
         [defaults]\nschedule = \"{SCHEDULE}\"\ntimeout = \"30s\"\n\
         concurrency = {concurrency}\nper_host = {concurrency}\nallow_private = true\n\n"
    );
    for f in 0..feeds {
        let _ = writeln!(
            toml,
            "[[feed]]\nid = \"feed-{f:05}\"\nname = \"Outlet {f}\"\n\
             url = \"http://127.0.0.1:{port}/{}\"\n",
            file_name(f)
        );
    }
    let path = dir.join("feeds.toml");
    std::fs::write(&path, toml).expect("write feeds.toml");
    path
}

/// The corpus's name for feed `f`.
fn file_name(f: usize) -> String {
    format!("feed-{f:04}.{}", EXTENSIONS[f % EXTENSIONS.len()])
}

/// Writes every feed file to `dir`; returns the bytes written.
fn generate(dir: &Path, feeds: usize, items: usize) -> usize {
    let corpus = Corpus::new(feeds, items);
    let mut total = 0;
    for f in 0..feeds {
        let (name, text) = corpus.feed(f, items);
        assert_eq!(name, file_name(f), "the corpus names its files");
        total += text.len();
        std::fs::write(dir.join(&name), text).expect("write feed");
    }
    total
}
