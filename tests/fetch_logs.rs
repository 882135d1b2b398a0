//! What fetching logs. No secret in any log line or error: everything the
//! fetcher and its HTTP stack log, at trace level, while fetches with
//! credentials fail and succeed. And what the daemon writes at its default
//! level: nothing for a feed that did not change.
//! A test binary of its own, so that no other test's thread shares the
//! logging set-up.

mod support;

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::fetching::{RSS, RSS_TYPE, SECRET, bearer, fetch, private_feed};
use support::http_server::{Route, TestServer};
use wirefeed::config::{Auth, Secret};

/// Collects everything logged, at every level, while a test runs.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_secret_is_in_no_error_and_no_log_line() {
    let server = TestServer::start();
    server.set("/denied.rss", Route::status(401));
    server.set("/to-file", Route::redirect("file:///etc/passwd"));
    server.set(
        "/slow.rss",
        Route::ok(RSS, RSS_TYPE).with_delay(Duration::from_secs(3)),
    );
    server.set("/old.rss", Route::redirect("/world.rss"));
    server.set("/world.rss", Route::ok(RSS, RSS_TYPE));
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut texts = Vec::new();
    for (path, timeout) in [("/denied.rss", 5), ("/to-file", 5), ("/slow.rss", 1)] {
        let mut feed = private_feed(&server.url(path), Some(bearer()));
        feed.timeout = Duration::from_secs(timeout);
        let error = fetch(&feed).await.expect_err("fails");
        texts.push(format!("{error}\n{error:?}"));
        let mut feed = private_feed(&server.url(path), None);
        feed.auth = Some(Auth::Basic {
            user: "newsroom".into(),
            password: Secret::new(SECRET),
        });
        texts.push(format!("{feed:?}"));
    }
    fetch(&private_feed(&server.url("/old.rss"), Some(bearer())))
        .await
        .expect("a success is logged too");
    assert_eq!(
        server.requests("/denied.rss")[0].header("authorization"),
        Some(format!("Bearer {SECRET}").as_str()),
        "the secret was sent, so it could have leaked"
    );

    let logged = String::from_utf8_lossy(&captured.0.lock().expect("log buffer")).into_owned();
    assert!(logged.contains("following a redirect"), "{logged}");
    assert!(logged.contains("feed fetched"), "{logged}");
    for text in texts.iter().chain([&logged]) {
        assert!(!text.contains(SECRET), "secret leaked in: {text}");
    }
}

/// The daemon at its default level (no RUST_LOG), fetching every second a
/// feed that answers 304 after the first fetch: the first fetch stores and
/// says so, the unchanged ones after it write nothing. A newsroom's log is
/// mostly 304s otherwise (one line per feed per fetch).
#[test]
fn an_unchanged_fetch_writes_no_line_at_the_default_level() {
    let server = TestServer::start();
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pipeline/agency.rss");
    let body = std::fs::read(&fixture).expect("read the agency fixture");
    server.set("/wire.rss", Route::ok(body, RSS_TYPE).with_etag("\"v1\""));
    let dir = tempfile::tempdir().expect("temp dir");
    let config = format!(
        "[site]\ntitle = \"Logs\"\nbase_url = \"https://feeds.example.org/\"\n\n\
         [defaults]\nschedule = \"* * * * * *\"\ntimeout = \"1s\"\nallow_private = true\n\n\
         [[feed]]\nid = \"wire\"\nurl = \"{}\"\n",
        server.url("/wire.rss")
    );
    std::fs::write(dir.path().join("feeds.toml"), config).expect("write feeds.toml");
    let log_path = dir.path().join("stderr.log");
    let mut service = Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .arg("run")
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).expect("log file"))
        .spawn()
        .expect("start wirefeed run");

    // The first fetch and three unchanged ones, each answered in full.
    let deadline = Instant::now() + Duration::from_secs(30);
    let answered = || {
        server
            .requests("/wire.rss")
            .iter()
            .filter(|request| request.answered_at.is_some())
            .count()
    };
    while answered() < 4 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    // Time for the last answer to be handled and logged.
    std::thread::sleep(Duration::from_millis(500));
    let _ = service.kill();
    let _ = service.wait();

    let requests = server.requests("/wire.rss");
    assert!(requests.len() >= 4, "{} fetches in 30 s", requests.len());
    assert!(
        requests[1..]
            .iter()
            .all(|request| request.header("If-None-Match") == Some("\"v1\"")),
        "the fetches after the first were conditional, so answered 304"
    );
    let log = std::fs::read_to_string(&log_path).expect("read the log");
    let about_the_feed: Vec<&str> = log
        .lines()
        .filter(|line| format!("{line} ").contains("feed=wire "))
        .collect();
    assert_eq!(about_the_feed.len(), 1, "only the first fetch: {log}");
    assert!(about_the_feed[0].contains("stored"), "{log}");
    let cycles = log.lines().filter(|line| line.contains(" cycle ")).count();
    assert_eq!(cycles, 1, "only the batch that stored something: {log}");
}
