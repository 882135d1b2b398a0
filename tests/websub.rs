//! WebSub: published feeds name the hub, and publish pings reach a real hub
//! on 127.0.0.1 (the form body, retries after 5xx, a dead hub, merging of
//! repeated announcements, and shutdown).

use std::collections::VecDeque;
use std::future::IntoFuture;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use tokio::time::Instant;
use url::Url;
use wirefeed::daemon::websub::{HubNotifier, PingStats, Retry};

#[path = "support/skip.rs"]
mod skip;

const POLITICS: &str = "https://feeds.example.org/sections/politics.rss";
const SPORTS: &str = "https://feeds.example.org/sections/sports.atom";

/// One POST the hub received.
#[derive(Debug, Clone)]
struct Ping {
    content_type: Option<String>,
    user_agent: Option<String>,
    form: Vec<(String, String)>,
    at: Instant,
}

impl Ping {
    fn topic(&self) -> Option<&str> {
        self.form
            .iter()
            .find(|(key, _)| key == "hub.url")
            .map(|(_, value)| value.as_str())
    }
}

#[derive(Default)]
struct HubState {
    pings: Mutex<Vec<Ping>>,
    /// Statuses to answer, in order; 204 once they run out.
    answers: Mutex<VecDeque<StatusCode>>,
    /// How long to wait before answering.
    delay: Mutex<Duration>,
}

/// A WebSub hub on 127.0.0.1 that records every ping.
struct Hub {
    addr: SocketAddr,
    state: Arc<HubState>,
}

impl Hub {
    async fn start(answers: &[u16]) -> Hub {
        // Every test logs into the one global subscriber; see Logs.
        Logs::global();
        let state = Arc::new(HubState::default());
        state.answers.lock().unwrap().extend(
            answers
                .iter()
                .map(|&code| StatusCode::from_u16(code).unwrap()),
        );
        let app = Router::new()
            .route("/hub", post(receive))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(axum::serve(listener, app).into_future());
        Hub { addr, state }
    }

    fn url(&self) -> Url {
        Url::parse(&format!("http://{}/hub", self.addr)).unwrap()
    }

    fn pings(&self) -> Vec<Ping> {
        self.state.pings.lock().unwrap().clone()
    }

    fn delay_answers(&self, delay: Duration) {
        *self.state.delay.lock().unwrap() = delay;
    }
}

async fn receive(
    State(state): State<Arc<HubState>>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    state.pings.lock().unwrap().push(Ping {
        content_type: header("content-type"),
        user_agent: header("user-agent"),
        form: url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect(),
        at: Instant::now(),
    });
    let delay = *state.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    let answer = state.answers.lock().unwrap().pop_front();
    answer.unwrap_or(StatusCode::NO_CONTENT)
}

fn topic(url: &str) -> Url {
    Url::parse(url).unwrap()
}

fn quick_retry(first_ms: u64, attempts: u32) -> Retry {
    Retry {
        first_delay: Duration::from_millis(first_ms),
        max_delay: Duration::from_millis(first_ms * 4),
        attempts,
    }
}

/// Waits (at most 5 s) until the notifier's counts satisfy `done`.
async fn until(notifier: &HubNotifier, done: impl Fn(&PingStats) -> bool) -> PingStats {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let stats = notifier.stats();
        if done(&stats) {
            return stats;
        }
        assert!(Instant::now() < deadline, "gave up waiting: {stats:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Every warning and error logged by this test binary. Installed as the
/// global subscriber, because tracing caches per call site whether anyone
/// listens: a thread-local subscriber misses events whose call site another
/// test's thread reached first. Tests tell their lines apart by the hub's port.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn global() -> &'static Logs {
        static LOGS: OnceLock<Logs> = OnceLock::new();
        LOGS.get_or_init(|| {
            let logs = Logs::default();
            let sink = logs.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_ansi(false)
                .with_max_level(tracing::Level::WARN)
                .with_writer(move || sink.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
            logs
        })
    }

    fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn hub_receives_a_form_encoded_publish_ping_per_topic() {
    let hub = Hub::start(&[]).await;
    let notifier = HubNotifier::spawn(hub.url(), reqwest::Client::new());
    notifier.announce([topic(POLITICS), topic(SPORTS)]);
    let stats = until(&notifier, |s| s.delivered == 2).await;
    assert_eq!((stats.failed, stats.waiting), (0, 0));

    let mut pings = hub.pings();
    pings.sort_by(|a, b| a.topic().cmp(&b.topic()));
    assert_eq!(pings.len(), 2);
    for (ping, expected) in pings.iter().zip([POLITICS, SPORTS]) {
        assert_eq!(
            ping.form,
            [
                ("hub.mode".to_owned(), "publish".to_owned()),
                ("hub.url".to_owned(), expected.to_owned()),
            ]
        );
        assert_eq!(
            ping.content_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(
            ping.user_agent.as_deref(),
            Some(wirefeed::fetch::USER_AGENT)
        );
    }
}

#[tokio::test]
async fn hub_answering_500_gets_the_ping_again_until_it_accepts() {
    let hub = Hub::start(&[500, 204]).await;
    let notifier =
        HubNotifier::spawn_with_retry(hub.url(), reqwest::Client::new(), quick_retry(50, 6));
    notifier.announce([topic(POLITICS)]);
    let stats = until(&notifier, |s| s.delivered == 1).await;
    assert_eq!((stats.failed, stats.given_up), (1, 0));

    let pings = hub.pings();
    assert_eq!(pings.len(), 2);
    assert!(pings.iter().all(|ping| ping.topic() == Some(POLITICS)));
    assert!(
        pings[1].at - pings[0].at >= Duration::from_millis(50),
        "retried after {:?}",
        pings[1].at - pings[0].at
    );
}

#[tokio::test]
async fn dead_hub_does_not_hold_up_announce_and_every_failure_is_logged() {
    let logs = Logs::global();
    // A port that was just free: nothing listens there, so connecting is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let hub = Url::parse(&format!("http://{closed}/hub")).unwrap();
    let notifier =
        HubNotifier::spawn_with_retry(hub.clone(), reqwest::Client::new(), quick_retry(5, 3));

    let started = std::time::Instant::now();
    notifier.announce([topic(POLITICS)]);
    assert!(started.elapsed() < Duration::from_millis(500));

    let stats = until(&notifier, |s| s.given_up == 1).await;
    assert_eq!((stats.delivered, stats.failed, stats.waiting), (0, 3, 0));
    let lines = logs.lines();
    let about_this_ping = |level: &str| {
        lines
            .iter()
            .filter(|line| {
                line.contains(level)
                    && line.contains(&format!("hub={hub}"))
                    && line.contains(&format!("topic={POLITICS}"))
                    && line.contains("error=")
            })
            .count()
    };
    assert_eq!(about_this_ping("WARN"), 2, "{lines:#?}");
    assert_eq!(about_this_ping("ERROR"), 1, "{lines:#?}");
}

#[tokio::test]
async fn hub_refusing_the_topic_with_400_is_not_asked_again() {
    let hub = Hub::start(&[400]).await;
    let notifier =
        HubNotifier::spawn_with_retry(hub.url(), reqwest::Client::new(), quick_retry(5, 6));
    notifier.announce([topic(POLITICS)]);
    let stats = until(&notifier, |s| s.given_up == 1).await;
    assert_eq!((stats.delivered, stats.failed), (0, 1));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(hub.pings().len(), 1);
}

#[tokio::test]
async fn same_topic_announced_twice_before_it_is_sent_is_sent_once() {
    let hub = Hub::start(&[]).await;
    let notifier = HubNotifier::spawn(hub.url(), reqwest::Client::new());
    notifier.announce([topic(POLITICS)]);
    notifier.announce([topic(POLITICS), topic(SPORTS)]);
    assert_eq!(notifier.stats().waiting, 2);
    until(&notifier, |s| s.delivered == 2).await;
    tokio::time::sleep(Duration::from_millis(50)).await;

    let mut topics: Vec<String> = hub
        .pings()
        .iter()
        .filter_map(|ping| ping.topic().map(str::to_owned))
        .collect();
    topics.sort();
    assert_eq!(topics, [POLITICS, SPORTS]);
}

#[tokio::test]
async fn announcement_while_a_retry_is_pending_merges_with_it() {
    let hub = Hub::start(&[503]).await;
    let notifier =
        HubNotifier::spawn_with_retry(hub.url(), reqwest::Client::new(), quick_retry(200, 6));
    notifier.announce([topic(POLITICS)]);
    until(&notifier, |s| s.failed == 1).await;
    notifier.announce([topic(POLITICS)]);
    assert_eq!(notifier.stats().waiting, 1);
    until(&notifier, |s| s.delivered == 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;

    let pings = hub.pings();
    assert_eq!(pings.len(), 2, "{pings:?}");
    // The second ping is the retry, on the retry's schedule, not an extra one at once.
    assert!(pings[1].at - pings[0].at >= Duration::from_millis(200));
}

#[tokio::test]
async fn topic_announced_while_its_ping_is_in_flight_is_sent_again_after() {
    let hub = Hub::start(&[]).await;
    hub.delay_answers(Duration::from_millis(100));
    let notifier = HubNotifier::spawn(hub.url(), reqwest::Client::new());
    notifier.announce([topic(POLITICS)]);
    while hub.pings().is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The feed changed again after the hub may already have read it.
    notifier.announce([topic(POLITICS)]);
    until(&notifier, |s| s.delivered == 2).await;

    let pings = hub.pings();
    assert_eq!(pings.len(), 2);
    assert!(pings[1].at - pings[0].at >= Duration::from_millis(100));
}

#[tokio::test]
async fn dropping_the_notifier_stops_its_retries() {
    let hub = Hub::start(&[500, 500, 500]).await;
    let notifier =
        HubNotifier::spawn_with_retry(hub.url(), reqwest::Client::new(), quick_retry(100, 6));
    notifier.announce([topic(POLITICS)]);
    until(&notifier, |s| s.failed == 1).await;
    drop(notifier);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hub.pings().len(), 1);
}

#[tokio::test]
async fn drain_waits_for_queued_pings_and_gives_up_at_its_bound() {
    let hub = Hub::start(&[500]).await;
    let notifier =
        HubNotifier::spawn_with_retry(hub.url(), reqwest::Client::new(), quick_retry(50, 6));
    notifier.announce([topic(POLITICS), topic(SPORTS)]);
    assert!(notifier.drain(Duration::from_secs(5)).await);
    // One failed once and was retried; both reached the hub before drain returned.
    assert_eq!(hub.pings().len(), 3);

    let notifier =
        HubNotifier::spawn_with_retry(hub.url(), reqwest::Client::new(), quick_retry(50, 6));
    hub.delay_answers(Duration::from_secs(3));
    notifier.announce([topic(POLITICS)]);
    let started = Instant::now();
    assert!(!notifier.drain(Duration::from_millis(100)).await);
    assert!(started.elapsed() < Duration::from_secs(1));
}

/// One cycle over the ticker fixture with `websub_hub` set; returns the output folder.
async fn publish_with_hub(dir: &Path) -> std::path::PathBuf {
    let ticker = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pipeline/ticker.rss");
    let text = format!(
        "[site]\ntitle = \"Test News\"\nbase_url = \"https://feeds.test.example/\"\nwebsub_hub = \"https://hub.example.org/\"\nfile_roots = [\"{}\"]\n\n[[section]]\nslug = \"politics\"\ntitle = \"Politics\"\n\n[[feed]]\nid = \"ticker\"\nurl = \"file://{}\"\nsection = \"politics\"\n",
        ticker.parent().unwrap_or(&ticker).display(),
        ticker.display()
    );
    let path = dir.join("feeds.toml");
    std::fs::write(&path, text).unwrap();
    let (config, _) = wirefeed::config::load(&path).unwrap_or_else(|p| panic!("{p}"));
    let report = wirefeed::cycle::run_once(&config).await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    config
        .site
        .output_dir
        .folder()
        .expect("a folder")
        .to_path_buf()
}

#[tokio::test]
async fn published_feeds_name_the_hub_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let output = publish_with_hub(dir.path()).await;
    const HUB: &str = "https://hub.example.org/";

    let rss =
        rss::Channel::read_from(std::fs::read(output.join("all.rss")).unwrap().as_slice()).unwrap();
    assert!(!rss.items.is_empty());
    let rss_links: Vec<(&str, &str)> = rss.extensions["atom"]["link"]
        .iter()
        .map(|link| (link.attrs["rel"].as_str(), link.attrs["href"].as_str()))
        .collect();
    assert!(rss_links.contains(&("hub", HUB)), "{rss_links:?}");
    assert!(rss_links.contains(&("self", "https://feeds.test.example/all.rss")));

    let atom = atom_syndication::Feed::read_from(
        std::fs::read(output.join("sections/politics.atom"))
            .unwrap()
            .as_slice(),
    )
    .unwrap();
    assert!(
        atom.links
            .iter()
            .any(|link| link.rel == "hub" && link.href == HUB),
        "{:?}",
        atom.links
    );

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(output.join("all.json")).unwrap()).unwrap();
    assert_eq!(
        json["hubs"],
        serde_json::json!([{"type": "WebSub", "url": HUB}])
    );

    // The reader wirefeed itself ingests with still reads every item.
    for name in ["all.rss", "all.atom", "all.json"] {
        let bytes = std::fs::read(output.join(name)).unwrap();
        let feed =
            feed_rs::parser::parse(bytes.as_slice()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(feed.entries.len(), rss.items.len(), "{name}");
    }
}

#[tokio::test]
async fn published_xml_with_hub_links_is_well_formed_for_xmllint() {
    let dir = tempfile::tempdir().unwrap();
    let output = publish_with_hub(dir.path()).await;
    let files = [output.join("all.rss"), output.join("all.atom")];
    let result = match Command::new("xmllint")
        .args(["--noout", "--nonet"])
        .args(&files)
        .output()
    {
        Ok(result) => result,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return skip::skip_or_fail("xmllint not installed (libxml2-utils)");
        }
        Err(e) => panic!("xmllint: {e}"),
    };
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
}

/// `wirefeed run` with a hub: the feeds a change touches are announced once
/// they are written, and only those.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_announces_exactly_the_feeds_a_change_rewrote() {
    let hub = Hub::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    std::fs::create_dir_all(&spool).unwrap();
    let item = |id: &str, title: &str| {
        format!(
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Agency</title><link>https://agency.example/</link><description>d</description>
<item><title>{title}</title><link>https://agency.example/{id}</link><guid>{id}</guid><pubDate>Wed, 25 Nov 2026 08:00:00 GMT</pubDate></item></channel></rss>"#
        )
    };
    std::fs::write(spool.join("a.xml"), item("a", "Talks resume")).unwrap();
    let config = dir.path().join("feeds.toml");
    std::fs::write(
        &config,
        format!(
            r#"[site]
title = "Hub News"
base_url = "https://feeds.example.org/"
websub_hub = "{}"
file_roots = ["."]

# The test's hub is on 127.0.0.1, which pings reach only when allowed.
[defaults]
allow_private = true

[[section]]
slug = "politics"
title = "Politics"

[[section]]
slug = "sports"
title = "Sports"

[[feed]]
id = "spool"
url = "file:spool"
section = "politics"
schedule = "* * * * * *"
"#,
            hub.url()
        ),
    )
    .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(["run", "--config"])
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The first publish writes every file: all are announced.
    assert!(announced(&hub, 0, "all.rss").await);
    assert!(announced(&hub, 0, "sections/sports.json").await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let first = topics(&hub).len();

    std::fs::write(spool.join("b.xml"), item("b", "Budget passes")).unwrap();
    assert!(announced(&hub, first, "sections/politics.atom").await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut second: Vec<String> = topics(&hub)[first..].to_vec();
    second.sort();
    let _ = Command::new("kill")
        .args(["-s", "TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    // The new story is in all and politics; sports did not change (and one
    // language means no language feeds).
    let expected: Vec<String> = [
        "all.atom",
        "all.json",
        "all.rss",
        "sections/politics.atom",
        "sections/politics.json",
        "sections/politics.rss",
    ]
    .iter()
    .map(|path| format!("https://feeds.example.org/{path}"))
    .collect();
    assert_eq!(second, expected);
}

/// The topics pinged so far, in order.
fn topics(hub: &Hub) -> Vec<String> {
    hub.pings()
        .iter()
        .filter_map(|ping| ping.topic().map(str::to_owned))
        .collect()
}

/// Waits up to ten seconds for a ping of `path` among the pings after the
/// first `skip`.
async fn announced(hub: &Hub, skip: usize, path: &str) -> bool {
    let topic = format!("https://feeds.example.org/{path}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if topics(hub).iter().skip(skip).any(|t| *t == topic) {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A hub on a loopback address is refused by the same address policy as the
/// feeds unless `[defaults] allow_private` says otherwise: nothing is pinged
/// and the service says why once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_on_a_private_address_is_refused_by_the_address_policy() {
    let hub = Hub::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("spool")).unwrap();
    let config = dir.path().join("feeds.toml");
    std::fs::write(
        &config,
        format!(
            "[site]\ntitle = \"Hub News\"\nbase_url = \"https://feeds.example.org/\"\nwebsub_hub = \"{}\"\nfile_roots = [\".\"]\n\n[[section]]\nslug = \"politics\"\ntitle = \"Politics\"\n\n[[feed]]\nid = \"spool\"\nurl = \"file:spool\"\nsection = \"politics\"\n",
            hub.url()
        ),
    )
    .unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(["run", "--config"])
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let output_dir = dir.path().join("output");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !output_dir.join("all.rss").exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = Command::new("kill")
        .args(["-s", "TERM", &child.id().to_string()])
        .status();
    let output = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output_dir.join("all.rss").exists(), "published: {log}");
    assert!(hub.pings().is_empty(), "no ping reached the loopback hub");
    assert_eq!(
        log.matches("WebSub hub refused by the address policy")
            .count(),
        1,
        "{log}"
    );
}
