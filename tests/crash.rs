//! `kill -9` at random moments, then a restart: nothing committed is lost,
//! no published file is half written, and no story appears twice.
//!
//! Bounded: a few rounds of a few hundred milliseconds each. The seed is
//! printed so a failing run can be replayed with WIREFEED_CRASH_SEED.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const FEEDS: usize = 6;
const ROUNDS: usize = 6;

fn config() -> String {
    let mut text = String::from(
        "[site]\ntitle = \"Crash News\"\nbase_url = \"https://feeds.example.org/\"\nmax_items = 500\nfile_roots = [\".\"]\n\n\
         [[section]]\nslug = \"politics\"\ntitle = \"Politics\"\n",
    );
    for feed in 0..FEEDS {
        text.push_str(&format!(
            "\n[[feed]]\nid = \"desk-{feed}\"\nurl = \"file:spool-{feed}\"\nsection = \"politics\"\nschedule = \"* * * * * *\"\n"
        ));
    }
    text
}

/// A feed file of `count` items. Every title carries its own numbers, and
/// stories whose numbers differ are never folded, so each item stays one article.
fn batch(feed: usize, serial: usize, count: usize) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Desk {feed}</title>\
         <link>https://desk{feed}.example/</link><description>d</description>"
    );
    for n in 0..count {
        let id = format!("{feed}-{serial}-{n}");
        xml.push_str(&format!(
            "<item><title>Report {serial}{n:03} from desk {feed}</title><link>https://desk{feed}.example/{id}</link>\
             <guid isPermaLink=\"false\">{id}</guid><pubDate>Wed, 25 Nov 2026 08:{:02}:00 GMT</pubDate>\
             <description>Report number {serial}{n:03} of desk {feed}, filed for the crash test.</description></item>",
            n % 60
        ));
    }
    xml.push_str("</channel></rss>");
    xml
}

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn start(dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(["run", "--config"])
        .arg(dir.join("feeds.toml"))
        .env("NOTIFY_SOCKET", dir.join("notify.sock"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start wirefeed run")
}

fn articles_stored(dir: &Path) -> Option<i64> {
    let db = rusqlite::Connection::open(dir.join("state/wirefeed.sqlite3")).ok()?;
    db.query_row("SELECT COUNT(*) FROM articles", [], |row| row.get(0))
        .ok()
}

/// Every published file parses whole, and no item appears twice in a feed.
fn assert_output_whole(dir: &Path, seed: u64) {
    let mut folders = vec![dir.join("output")];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let text = std::fs::read(&path).expect("read output");
            let name = path.display().to_string();
            match path.extension().and_then(|e| e.to_str()) {
                Some("json") => {
                    let feed: serde_json::Value = serde_json::from_slice(&text)
                        .unwrap_or_else(|e| panic!("seed {seed}: {name}: {e}"));
                    let ids: Vec<&str> = feed["items"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|i| i["id"].as_str())
                        .collect();
                    let unique: HashSet<&str> = ids.iter().copied().collect();
                    assert_eq!(
                        ids.len(),
                        unique.len(),
                        "seed {seed}: duplicate items in {name}"
                    );
                }
                Some("rss") => {
                    rss::Channel::read_from(&text[..])
                        .unwrap_or_else(|e| panic!("seed {seed}: {name}: {e}"));
                }
                Some("atom") => {
                    atom_syndication::Feed::read_from(&text[..])
                        .unwrap_or_else(|e| panic!("seed {seed}: {name}: {e}"));
                }
                _ => {}
            }
        }
    }
}

#[test]
fn killing_the_service_at_random_moments_loses_nothing_and_publishes_nothing_broken() {
    let seed = std::env::var("WIREFEED_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(7, |d| d.as_nanos() as u64 | 1)
        });
    println!("crash test seed: {seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("feeds.toml"), config()).expect("config");
    let mut written = 0;
    for feed in 0..FEEDS {
        let spool = dir.path().join(format!("spool-{feed}"));
        std::fs::create_dir_all(&spool).expect("spool");
        std::fs::write(spool.join("0.xml"), batch(feed, 0, 40)).expect("feed");
        written += 40;
    }

    for round in 1..=ROUNDS {
        let mut child = start(dir.path());
        // New copy arrives while the service runs; the kill lands anywhere in
        // a cycle: fetching, storing, publishing.
        std::thread::sleep(Duration::from_millis(rng.below(300)));
        let feed = rng.below(FEEDS as u64) as usize;
        let file = dir.path().join(format!("spool-{feed}/{round}.xml"));
        std::fs::write(&file, batch(feed, round, 20)).expect("feed");
        written += 20;
        std::thread::sleep(Duration::from_millis(50 + rng.below(700)));
        child.kill().expect("kill -9");
        child.wait().expect("reap");
        assert_output_whole(dir.path(), seed);
    }

    // After a last restart everything ever delivered is stored exactly once.
    // Wait for READY=1 first: a SIGTERM before the handler is installed would
    // end the process by the signal's default action.
    let notify = std::os::unix::net::UnixDatagram::bind(dir.path().join("notify.sock"))
        .expect("notify socket");
    notify
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut child = start(dir.path());
    let mut buffer = [0u8; 256];
    let ready = notify
        .recv(&mut buffer)
        .map(|n| String::from_utf8_lossy(&buffer[..n]).into_owned());
    assert_eq!(ready.ok().as_deref(), Some("READY=1"), "seed {seed}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while articles_stored(dir.path()) != Some(written) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let stored = articles_stored(dir.path());
    let _ = Command::new("kill")
        .args(["-s", "TERM", &child.id().to_string()])
        .status();
    let status = child.wait().expect("reap");
    assert_eq!(
        stored,
        Some(written),
        "seed {seed}: every delivered item stored once"
    );
    assert!(status.success(), "seed {seed}: clean stop {status:?}");
    assert_output_whole(dir.path(), seed);
    let all: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("output/all.json")).expect("all.json"),
    )
    .expect("json");
    assert_eq!(
        all["items"].as_array().map(Vec::len),
        Some(written as usize),
        "seed {seed}: all.json lists every story"
    );
}
