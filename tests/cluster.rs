//! Three `wirefeed run` instances sharing one PostgreSQL state and fifty
//! feeds on a two-second schedule from a local HTTP server: each due time
//! fetched once, a publisher killed outright and replaced, a clean stop.
//!
//! Needs a server: `WIREFEED_TEST_POSTGRES` (see tests/postgres.rs). Without
//! it the test skips, saying so, unless `WIREFEED_REQUIRE_ALL=1`.

#[path = "support/database.rs"]
mod database;
#[allow(dead_code)]
#[path = "support/http_server.rs"]
mod http_server;
#[path = "support/skip.rs"]
mod skip;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use database::Database;
use http_server::{Route, TestServer};

const FEEDS: usize = 50;
const INSTANCES: usize = 3;
/// How long the instances run.
const RUN: Duration = Duration::from_secs(60);
/// When the publisher is killed.
const KILL_AT: Duration = Duration::from_secs(22);
/// Every feed gains an item this often...
const NEW_ITEM_EVERY: Duration = Duration::from_secs(6);
/// ...until then, so that the last items are stored and published well
/// before the stop.
const LAST_ITEM_AT: Duration = Duration::from_secs(44);
/// The feeds' timeout, and so their lease.
const TIMEOUT_S: u64 = 4;
/// Fetches closer together than this are one due time fetched twice.
const DOUBLE_FETCH: Duration = Duration::from_millis(1000);
/// The schedule's interval, with room for a loaded machine.
const MAX_GAP: Duration = Duration::from_millis(3500);

/// Thirty made-up words of their own for `seed`: no two items share
/// enough text to fold into one story.
fn words(seed: u64, count: usize) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ne", "su", "ta", "ri", "vo", "pe", "zu", "ga", "hi", "do", "fe", "ju",
        "by",
    ];
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        SYLLABLES[(state % 16) as usize]
    };
    (0..count)
        .map(|_| format!("{}{}{}", next(), next(), next()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn item_link(feed: usize, item: usize) -> String {
    format!("https://wire{feed:02}.example/story/{item}")
}

/// Feed `feed` with its items 0..=`last`.
fn feed_xml(feed: usize, last: usize) -> String {
    let items: String = (0..=last)
        .map(|item| {
            let seed = (feed * 1000 + item) as u64;
            format!(
                "<item><title>{}</title><link>{}</link><guid isPermaLink=\"false\">w{feed}-{item}</guid>\
                 <pubDate>Wed, 02 Dec 2026 08:{:02}:00 GMT</pubDate><description>{}</description></item>",
                words(seed, 8),
                item_link(feed, item),
                item % 60,
                words(seed + 500_000, 30),
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Wire {feed}</title><link>https://wire{feed:02}.example/</link><description>d</description>{items}</channel></rss>"#
    )
}

fn path_of(feed: usize) -> String {
    format!("/wire-{feed:02}.rss")
}

fn serve_items(server: &TestServer, last: usize) {
    for feed in 0..FEEDS {
        server.set(
            &path_of(feed),
            Route::ok(feed_xml(feed, last), "application/rss+xml"),
        );
    }
}

fn config(server: &TestServer, store_url: &str) -> String {
    let mut text = format!(
        "[store]\nurl = \"{store_url}\"\n\n\
         [site]\ntitle = \"Cluster News\"\nbase_url = \"https://feeds.example.org/\"\nmax_items = 1000\n\n\
         [defaults]\nschedule = \"*/2 * * * * *\"\ntimeout = \"{TIMEOUT_S}s\"\nallow_private = true\n\n"
    );
    for feed in 0..FEEDS {
        text.push_str(&format!(
            "[[feed]]\nid = \"wire-{feed:02}\"\nurl = \"{}\"\n\n",
            server.url(&path_of(feed))
        ));
    }
    text
}

fn start(dir: &Path, n: usize) -> Child {
    let log = std::fs::File::create(dir.join(format!("instance-{n}.log"))).expect("log file");
    Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(["run", "--config"])
        .arg(dir.join("feeds.toml"))
        .current_dir(dir)
        .env("RUST_LOG", "info")
        .env_remove("NOTIFY_SOCKET")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start wirefeed run")
}

fn logs(dir: &Path) -> String {
    (0..INSTANCES)
        .map(|n| {
            let text =
                std::fs::read_to_string(dir.join(format!("instance-{n}.log"))).unwrap_or_default();
            format!("--- instance {n} ---\n{text}")
        })
        .collect()
}

/// The pid of the instance publishing now, as its heartbeat says.
fn publisher(database: &Database) -> Option<u32> {
    let mut client = database.connect();
    let row = client
        .query_opt(
            "SELECT pid FROM cluster_instances WHERE publishing
             AND seen > (extract(epoch FROM clock_timestamp()) * 1e6)::bigint - 3000000",
            &[],
        )
        .ok()??;
    u32::try_from(row.get::<_, i64>(0)).ok()
}

fn wait_for<T>(limit: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(found) = probe() {
            return Some(found);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {name} {}", child.id());
}

#[test]
fn three_instances_fetch_each_due_time_once_and_survive_their_publisher_killed() {
    let Some(database) = Database::create("cluster") else {
        return;
    };
    let server = TestServer::start();
    serve_items(&server, 0);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("feeds.toml"),
        config(&server, &database.url),
    )
    .expect("write feeds.toml");

    let t0 = Instant::now();
    let mut instances: Vec<Child> = (0..INSTANCES).map(|n| start(dir.path(), n)).collect();
    let mut served = 0;
    let mut killed: Option<(u32, Instant)> = None;
    let mut takeover: Option<Duration> = None;
    let mut status_during = String::new();
    while t0.elapsed() < RUN {
        let last = (t0.elapsed().min(LAST_ITEM_AT).as_secs() / NEW_ITEM_EVERY.as_secs()) as usize;
        if last != served {
            serve_items(&server, last);
            served = last;
        }
        if killed.is_none() && t0.elapsed() >= KILL_AT {
            let pid = wait_for(Duration::from_secs(5), || publisher(&database))
                .unwrap_or_else(|| panic!("an instance publishes\n{}", logs(dir.path())));
            let at = instances
                .iter()
                .position(|child| child.id() == pid)
                .expect("the publisher is one of ours");
            let mut victim = instances.remove(at);
            signal(&victim, "-KILL");
            let _ = victim.wait();
            killed = Some((pid, Instant::now()));
        }
        if let Some((pid, at)) = killed
            && takeover.is_none()
            && publisher(&database).is_some_and(|now| now != pid)
        {
            takeover = Some(at.elapsed());
        }
        // The killed instance counts as gone once it missed five heartbeats.
        if let Some((_, at)) = killed
            && !status_during.contains("2 instances alive")
            && at.elapsed() > Duration::from_secs(6)
        {
            let status = Command::new(env!("CARGO_BIN_EXE_wirefeed"))
                .args(["status", "--config"])
                .arg(dir.path().join("feeds.toml"))
                .output()
                .expect("run status");
            status_during = String::from_utf8_lossy(&status.stdout).into_owned();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let stopped_at = Instant::now();
    for child in &instances {
        signal(child, "-TERM");
    }
    for child in &mut instances {
        let exit = wait_for(Duration::from_secs(20), || child.try_wait().ok().flatten());
        match exit {
            Some(status) => assert!(
                status.success(),
                "a clean exit on SIGTERM: {status}\n{}",
                logs(dir.path())
            ),
            None => {
                let _ = child.kill();
                panic!(
                    "an instance still runs 20 s after SIGTERM\n{}",
                    logs(dir.path())
                );
            }
        }
    }
    let logs = logs(dir.path());
    let (_, killed_at) = killed.expect("the publisher was killed");

    // Publishing failed over within ten seconds, and `status` shows it.
    let takeover = takeover.unwrap_or_else(|| panic!("no instance took over publishing\n{logs}"));
    assert!(
        takeover <= Duration::from_secs(10),
        "takeover took {takeover:?}"
    );
    assert!(
        status_during.contains("cluster: 2 instances alive, ")
            && status_during.matches("  publishing  ").count() == 1,
        "status shows the cluster:\n{status_during}"
    );

    // Each feed: every due time fetched, none fetched twice. Around the
    // start (everything once, then the schedule) and the kill (leases run
    // out) fetches may come closer or later than the schedule.
    let settled = t0 + Duration::from_secs(3);
    let recovering = killed_at..killed_at + Duration::from_secs(TIMEOUT_S + 2);
    let mut doubles = Vec::new();
    let mut gaps = Vec::new();
    for feed in 0..FEEDS {
        let times: Vec<Instant> = server
            .requests(&path_of(feed))
            .iter()
            .map(|request| request.received_at)
            .filter(|&at| at < stopped_at)
            .collect();
        assert!(
            times.len() >= 25,
            "wire-{feed:02} fetched {} times in 60 s\n{logs}",
            times.len()
        );
        for pair in times.windows(2) {
            let (before, after) = (pair[0], pair[1]);
            let gap = after - before;
            let calm =
                before >= settled && !recovering.contains(&before) && !recovering.contains(&after);
            if calm && gap < DOUBLE_FETCH {
                doubles.push((feed, gap, before - t0));
            }
            let allowed = if calm {
                MAX_GAP
            } else {
                MAX_GAP + Duration::from_secs(TIMEOUT_S + 2)
            };
            if before >= settled && gap > allowed {
                gaps.push((feed, gap, before - t0));
            }
        }
    }
    assert!(
        doubles.is_empty(),
        "due times fetched twice (feed, gap, at): {doubles:?}"
    );
    assert!(
        gaps.is_empty(),
        "due times missed (feed, gap, at): {gaps:?}\n{logs}"
    );

    // Nothing lost or duplicated: all.json holds every item served, once.
    let all: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("output/all.json")).expect("all.json published"),
    )
    .expect("all.json is JSON");
    let links: Vec<String> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["url"].as_str().map(str::to_owned))
        .collect();
    let unique: BTreeSet<&String> = links.iter().collect();
    assert_eq!(unique.len(), links.len(), "no item twice in all.json");
    let expected: BTreeSet<String> = (0..FEEDS)
        .flat_map(|feed| (0..=served).map(move |item| item_link(feed, item)))
        .collect();
    let published: BTreeSet<String> = links.into_iter().collect();
    let missing: Vec<&String> = expected.difference(&published).collect();
    assert!(
        missing.is_empty(),
        "{} items not published, among them {:?}\n{logs}",
        missing.len(),
        missing.iter().take(5).collect::<Vec<_>>()
    );
    assert_eq!(published.len(), expected.len(), "nothing else published");

    // Items served after the kill reached all.json: a survivor published.
    assert!(served as u64 * NEW_ITEM_EVERY.as_secs() > KILL_AT.as_secs() + 10);

    eprintln!("publishing taken over {takeover:?} after the kill");
}

#[test]
fn a_reload_that_moves_the_state_into_postgres_joins_its_cluster() {
    let Some(database) = Database::create("cluster_move") else {
        return;
    };
    let server = TestServer::start();
    serve_items(&server, 2);
    let dir = tempfile::tempdir().expect("temp dir");
    let alone = config(&server, &database.url)
        .replacen(&format!("[store]\nurl = \"{}\"\n\n", database.url), "", 1)
        .replace("*/2 * * * * *", "* * * * * *");
    std::fs::write(dir.path().join("feeds.toml"), &alone).expect("write feeds.toml");
    let mut instance = start(dir.path(), 0);
    let on_sqlite = wait_for(Duration::from_secs(20), || {
        dir.path()
            .join("state/wirefeed.sqlite3")
            .exists()
            .then_some(())
    });
    assert!(
        on_sqlite.is_some(),
        "started on SQLite\n{}",
        logs(dir.path())
    );

    // The editor points the newsroom at the shared database.
    let shared = format!("[store]\nurl = \"{}\"\n\n{alone}", database.url);
    std::fs::write(dir.path().join("feeds.toml"), shared).expect("write feeds.toml");
    let joined = wait_for(Duration::from_secs(20), || {
        let mut client = database.connect();
        let alive: i64 = client
            .query_one("SELECT count(*) FROM cluster_instances", &[])
            .ok()?
            .get(0);
        let stored: i64 = client
            .query_one("SELECT count(*) FROM sources", &[])
            .ok()?
            .get(0);
        (alive == 1 && stored == (FEEDS * 3) as i64).then_some(())
    });
    signal(&instance, "-TERM");
    let exit = wait_for(Duration::from_secs(20), || {
        instance.try_wait().ok().flatten()
    });
    let logs = logs(dir.path());
    assert!(
        joined.is_some(),
        "after the reload the instance is in the cluster and stores there\n{logs}"
    );
    assert!(exit.is_some_and(|status| status.success()), "{logs}");
    // It left the cluster on the way out.
    assert_eq!(
        database.query_one("SELECT count(*) FROM cluster_instances"),
        0
    );
}
