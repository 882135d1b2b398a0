//! No secret in any log line or error: everything the fetcher and its HTTP
//! stack log, at trace level, while fetches with credentials fail and succeed.
//! A test binary of its own, so that no other test's thread shares the
//! logging set-up.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

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
