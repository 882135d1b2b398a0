//! The fetcher against a real HTTP server on 127.0.0.1 and real files.

mod support;

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use support::http_server::{Route, TestServer};
use wirefeed::config::{Defaults, FeedConfig, Schedule, SourceLocation};
use wirefeed::fetch::{FetchError, Fetched, Fetcher, USER_AGENT, Validators};

const RSS: &str =
    r#"<?xml version="1.0"?><rss version="2.0"><channel><title>World</title></channel></rss>"#;
const RSS_TYPE: &str = "application/rss+xml; charset=utf-8";

fn schedule() -> Schedule {
    Schedule {
        expr: "*/5 * * * *".into(),
        cron: cron::Schedule::from_str("0 */5 * * * *").expect("valid cron"),
    }
}

fn defaults(concurrency: usize, per_host: usize) -> Defaults {
    Defaults {
        schedule: schedule(),
        timeout: Duration::from_secs(5),
        max_body: 1024 * 1024,
        concurrency,
        per_host,
        // The test server is on 127.0.0.1.
        allow_private: true,
    }
}

fn fetcher() -> Fetcher {
    Fetcher::new(&defaults(8, 4)).expect("client builds")
}

/// A feed as config would give it, with a 5 s timeout and a 1 MiB cap.
fn feed_at(url: &str, location: SourceLocation) -> FeedConfig {
    let mut feed = FeedConfig::with_defaults("test-feed", url, location, &defaults(8, 4));
    feed.name = "Test Agency".into();
    feed
}

fn http_feed(url: &str) -> FeedConfig {
    let parsed = url::Url::parse(url).expect("test URL");
    feed_at(url, SourceLocation::Http(parsed))
}

/// A file source allowed to read its own folder (its parent's, for a temp dir itself).
fn file_feed(path: &Path) -> FeedConfig {
    let url = format!("file://{}", path.display());
    let mut feed = feed_at(&url, SourceLocation::File(path.to_owned()));
    feed.file_root = Some(path.parent().unwrap_or(path).to_owned());
    feed
}

fn no_validators() -> Validators {
    Validators::default()
}

/// The documents of a fetch that must have found new content.
fn expect_documents(fetched: Fetched) -> (Option<u16>, Validators, Vec<wirefeed::fetch::Document>) {
    match fetched {
        Fetched::Documents {
            status,
            validators,
            documents,
            ..
        } => (status, validators, documents),
        Fetched::NotModified { status, .. } => {
            panic!("expected documents, got NotModified({status:?})")
        }
    }
}

// ---- HTTP -------------------------------------------------------------------

#[tokio::test]
async fn a_fresh_fetch_returns_body_content_type_and_validators() {
    let server = TestServer::start();
    server.set(
        "/world.rss",
        Route::ok(RSS, RSS_TYPE)
            .with_etag("\"v1\"")
            .with_last_modified("Wed, 25 Nov 2026 10:00:00 GMT"),
    );
    let feed = http_feed(&server.url("/world.rss"));

    let (status, validators, documents) = expect_documents(
        fetcher()
            .fetch(&feed, &no_validators())
            .await
            .expect("fetch"),
    );

    assert_eq!(status, Some(200));
    assert_eq!(validators.etag.as_deref(), Some("\"v1\""));
    assert_eq!(
        validators.last_modified.as_deref(),
        Some("Wed, 25 Nov 2026 10:00:00 GMT")
    );
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0].body, RSS.as_bytes());
    assert_eq!(documents[0].content_type.as_deref(), Some(RSS_TYPE));
    assert_eq!(documents[0].url.as_str(), server.url("/world.rss"));
}

#[tokio::test]
async fn cache_control_max_age_says_how_long_the_feed_stays_fresh() {
    let server = TestServer::start();
    server.set(
        "/world.rss",
        Route::ok(RSS, RSS_TYPE).with_header("Cache-Control", "public, max-age=600"),
    );
    let fetched = fetcher()
        .fetch(&http_feed(&server.url("/world.rss")), &no_validators())
        .await
        .expect("fetch");
    let Fetched::Documents { fresh_for, .. } = fetched else {
        panic!("expected documents")
    };
    assert_eq!(fresh_for, Some(std::time::Duration::from_secs(600)));
}

#[tokio::test]
async fn a_repeat_fetch_sends_the_validators_and_gets_not_modified() {
    let server = TestServer::start();
    let date = "Wed, 25 Nov 2026 10:00:00 GMT";
    server.set(
        "/world.rss",
        Route::ok(RSS, RSS_TYPE)
            .with_etag("\"v1\"")
            .with_last_modified(date),
    );
    let feed = http_feed(&server.url("/world.rss"));
    let fetcher = fetcher();
    let (_, validators, _) =
        expect_documents(fetcher.fetch(&feed, &no_validators()).await.expect("first"));

    let second = fetcher.fetch(&feed, &validators).await.expect("second");

    assert!(matches!(
        second,
        Fetched::NotModified {
            status: Some(304),
            ..
        }
    ));
    let requests = server.requests("/world.rss");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].header("if-none-match"), None);
    assert_eq!(requests[1].header("if-none-match"), Some("\"v1\""));
    assert_eq!(requests[1].header("if-modified-since"), Some(date));
}

#[tokio::test]
async fn a_server_with_only_last_modified_also_answers_not_modified() {
    let server = TestServer::start();
    let date = "Wed, 25 Nov 2026 10:00:00 GMT";
    server.set(
        "/world.rss",
        Route::ok(RSS, RSS_TYPE).with_last_modified(date),
    );
    let feed = http_feed(&server.url("/world.rss"));
    let fetcher = fetcher();
    let (_, validators, _) =
        expect_documents(fetcher.fetch(&feed, &no_validators()).await.expect("first"));
    assert_eq!(validators.etag, None);

    let second = fetcher.fetch(&feed, &validators).await.expect("second");

    assert!(matches!(
        second,
        Fetched::NotModified {
            status: Some(304),
            ..
        }
    ));
    assert_eq!(
        server.requests("/world.rss")[1].header("if-none-match"),
        None
    );
}

#[tokio::test]
async fn a_changed_feed_is_fetched_again_with_its_new_validators() {
    let server = TestServer::start();
    server.set("/world.rss", Route::ok(RSS, RSS_TYPE).with_etag("\"v1\""));
    let feed = http_feed(&server.url("/world.rss"));
    let fetcher = fetcher();
    let (_, first, _) =
        expect_documents(fetcher.fetch(&feed, &no_validators()).await.expect("first"));

    server.set(
        "/world.rss",
        Route::ok("<rss/>", RSS_TYPE).with_etag("\"v2\""),
    );
    let (_, second, documents) =
        expect_documents(fetcher.fetch(&feed, &first).await.expect("second"));

    assert_eq!(second.etag.as_deref(), Some("\"v2\""));
    assert_eq!(documents[0].body, b"<rss/>");
}

#[tokio::test]
async fn a_gzip_body_is_decompressed() {
    let server = TestServer::start();
    server.set("/world.rss", Route::ok(RSS, RSS_TYPE).gzip());
    let feed = http_feed(&server.url("/world.rss"));

    let (_, _, documents) = expect_documents(
        fetcher()
            .fetch(&feed, &no_validators())
            .await
            .expect("fetch"),
    );

    assert_eq!(documents[0].body, RSS.as_bytes());
    let sent = server.requests("/world.rss");
    assert!(
        sent[0]
            .header("accept-encoding")
            .is_some_and(|value| value.contains("gzip"))
    );
}

#[tokio::test]
async fn a_gzip_bomb_is_cut_off_at_the_decompressed_cap() {
    let server = TestServer::start();
    // 16 MiB of zeros compresses to about 70 KiB: Content-Length says nothing of the
    // real size. Trickled at 4 KiB per 100 ms, reading it all would take near 2 s;
    // the first chunk alone inflates past the cap.
    let bomb = Route::ok(vec![0u8; 16 * 1024 * 1024], RSS_TYPE)
        .gzip()
        .with_trickle(4 * 1024, Duration::from_millis(100));
    server.set("/bomb.rss", bomb);
    let mut feed = http_feed(&server.url("/bomb.rss"));
    feed.max_body = 64 * 1024;

    let started = Instant::now();
    let error = fetcher()
        .fetch(&feed, &no_validators())
        .await
        .expect_err("over the cap");

    assert!(
        started.elapsed() < Duration::from_millis(900),
        "read too much"
    );

    assert!(
        matches!(error, FetchError::TooLarge { limit: 65536, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("/bomb.rss"), "{error}");
    assert!(!error.is_transient());
}

#[tokio::test]
async fn a_corrupt_gzip_body_is_a_decode_error_not_worth_retrying() {
    let server = TestServer::start();
    server.set(
        "/corrupt.rss",
        Route::ok("this is not gzip at all", RSS_TYPE).with_header("Content-Encoding", "gzip"),
    );

    let error = fetcher()
        .fetch(&http_feed(&server.url("/corrupt.rss")), &no_validators())
        .await
        .expect_err("corrupt");

    assert!(matches!(error, FetchError::Decode { .. }), "{error:?}");
    assert!(!error.is_transient());
}

#[tokio::test]
async fn a_plain_body_over_the_cap_is_refused_from_its_content_length() {
    let server = TestServer::start();
    // Trickled so slowly that reading it to the cap would take seconds:
    // only the Content-Length check can answer quickly.
    let body = vec![b'x'; 200 * 1024];
    server.set(
        "/big.rss",
        Route::ok(body, RSS_TYPE).with_trickle(10 * 1024, Duration::from_millis(200)),
    );
    let mut feed = http_feed(&server.url("/big.rss"));
    feed.max_body = 100 * 1024;

    let started = Instant::now();
    let error = fetcher()
        .fetch(&feed, &no_validators())
        .await
        .expect_err("over the cap");

    assert!(matches!(error, FetchError::TooLarge { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn a_server_slower_than_the_timeout_gives_a_transient_timeout() {
    let server = TestServer::start();
    server.set(
        "/slow.rss",
        Route::ok(RSS, RSS_TYPE).with_delay(Duration::from_secs(3)),
    );
    let mut feed = http_feed(&server.url("/slow.rss"));
    feed.timeout = Duration::from_millis(200);

    let started = Instant::now();
    let error = fetcher()
        .fetch(&feed, &no_validators())
        .await
        .expect_err("timeout");

    assert!(matches!(error, FetchError::Timeout { .. }), "{error:?}");
    assert!(error.is_transient());
    assert!(error.to_string().contains("/slow.rss"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn the_timeout_covers_a_body_that_trickles_in() {
    let server = TestServer::start();
    // Headers at once, then 10 bytes every 100 ms: about 3 s for the body.
    server.set(
        "/trickle.rss",
        Route::ok(vec![b' '; 300], RSS_TYPE).with_trickle(10, Duration::from_millis(100)),
    );
    let mut feed = http_feed(&server.url("/trickle.rss"));
    feed.timeout = Duration::from_millis(400);

    let error = fetcher()
        .fetch(&feed, &no_validators())
        .await
        .expect_err("timeout");

    assert!(matches!(error, FetchError::Timeout { .. }), "{error:?}");
}

fn redirect_chain(server: &TestServer, hops: usize) -> String {
    for hop in 0..hops {
        let next = if hop + 1 == hops {
            "/final.rss".to_owned()
        } else {
            format!("/hop{}", hop + 1)
        };
        server.set(&format!("/hop{hop}"), Route::redirect(&next));
    }
    server.set("/final.rss", Route::ok(RSS, RSS_TYPE));
    server.url("/hop0")
}

#[tokio::test]
async fn two_redirects_are_followed_and_the_document_has_the_final_url() {
    let server = TestServer::start();
    let start = redirect_chain(&server, 2);

    let (_, _, documents) = expect_documents(
        fetcher()
            .fetch(&http_feed(&start), &no_validators())
            .await
            .expect("fetch"),
    );

    assert_eq!(documents[0].url.as_str(), server.url("/final.rss"));
    assert_eq!(documents[0].body, RSS.as_bytes());
}

#[tokio::test]
async fn five_redirects_are_followed_six_are_too_many() {
    let server = TestServer::start();
    let five = redirect_chain(&server, 5);
    assert!(
        fetcher()
            .fetch(&http_feed(&five), &no_validators())
            .await
            .is_ok()
    );

    let server = TestServer::start();
    let six = redirect_chain(&server, 6);
    let error = fetcher()
        .fetch(&http_feed(&six), &no_validators())
        .await
        .expect_err("too many redirects");

    assert!(
        matches!(error, FetchError::TooManyRedirects { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(&six), "{error}");
    assert!(server.requests("/final.rss").is_empty());
}

#[tokio::test]
async fn a_server_error_carries_its_status_and_is_transient() {
    let server = TestServer::start();
    server.set("/broken.rss", Route::status(500));

    let error = fetcher()
        .fetch(&http_feed(&server.url("/broken.rss")), &no_validators())
        .await
        .expect_err("500");

    assert_eq!(error.status(), Some(500));
    assert!(error.is_transient());
    assert!(error.to_string().contains("/broken.rss"), "{error}");
}

#[tokio::test]
async fn throttling_is_transient_and_says_when_to_come_back() {
    let server = TestServer::start();
    server.set(
        "/busy.rss",
        Route::status(429).with_header("Retry-After", "90"),
    );

    let error = fetcher()
        .fetch(&http_feed(&server.url("/busy.rss")), &no_validators())
        .await
        .expect_err("429");

    assert_eq!(error.status(), Some(429));
    assert!(error.is_transient());
    assert_eq!(error.retry_after(), Some(Duration::from_secs(90)));
}

#[tokio::test]
async fn not_found_is_not_transient() {
    let server = TestServer::start();

    let error = fetcher()
        .fetch(&http_feed(&server.url("/gone.rss")), &no_validators())
        .await
        .expect_err("404");

    assert_eq!(error.status(), Some(404));
    assert!(!error.is_transient());
}

#[tokio::test]
async fn a_refused_connection_names_the_url_and_is_transient() {
    // A port that was free a moment ago and has nothing listening now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port();
    let url = format!("http://127.0.0.1:{port}/world.rss");

    let error = fetcher()
        .fetch(&http_feed(&url), &no_validators())
        .await
        .expect_err("refused");

    assert!(matches!(error, FetchError::Connect { .. }), "{error:?}");
    assert!(error.is_transient());
    assert!(error.to_string().contains(&url), "{error}");
    assert!(
        error.to_string().to_lowercase().contains("refused"),
        "{error}"
    );
}

#[tokio::test]
async fn user_agent_and_a_feed_preferring_accept_header_are_sent() {
    let server = TestServer::start();
    server.set("/world.rss", Route::ok(RSS, RSS_TYPE));

    fetcher()
        .fetch(&http_feed(&server.url("/world.rss")), &no_validators())
        .await
        .expect("fetch");

    let request = &server.requests("/world.rss")[0];
    let agent = request.header("user-agent").expect("user agent");
    assert_eq!(agent, USER_AGENT);
    assert!(agent.starts_with(&format!("wirefeed/{}", env!("CARGO_PKG_VERSION"))));
    let accept = request.header("accept").expect("accept");
    assert!(accept.starts_with("application/rss+xml"), "{accept}");
}

async fn fetch_twice_at_once(per_host: usize) -> TestServer {
    let server = TestServer::start();
    server.set(
        "/slow.rss",
        Route::ok(RSS, RSS_TYPE).with_delay(Duration::from_millis(300)),
    );
    let fetcher = Fetcher::new(&defaults(8, per_host)).expect("client builds");
    let feed = http_feed(&server.url("/slow.rss"));
    // Separate tasks, as the daemon runs them: the fetcher is cloned into each.
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let (fetcher, feed) = (fetcher.clone(), feed.clone());
            tokio::spawn(async move { fetcher.fetch(&feed, &Validators::default()).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("fetch");
    }
    server
}

#[tokio::test]
async fn fetches_to_one_host_wait_for_the_per_host_limit() {
    let limited = fetch_twice_at_once(1).await;
    assert_eq!(limited.requests("/slow.rss").len(), 2);
    assert_eq!(limited.max_in_flight("/slow.rss"), 1);

    // The same pair with room for two does overlap: the limit is what kept them apart.
    let roomy = fetch_twice_at_once(2).await;
    assert_eq!(roomy.max_in_flight("/slow.rss"), 2);
}

// ---- file:// ----------------------------------------------------------------

#[tokio::test]
async fn a_file_source_gives_one_document_with_its_file_url() {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("world.rss");
    std::fs::write(&path, RSS).expect("write");

    let (status, validators, documents) = expect_documents(
        fetcher()
            .fetch(&file_feed(&path), &no_validators())
            .await
            .expect("fetch"),
    );

    assert_eq!(status, None);
    assert!(validators.etag.is_some());
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0].body, RSS.as_bytes());
    assert_eq!(documents[0].content_type, None);
    assert_eq!(documents[0].url.scheme(), "file");
    let canonical = path.canonicalize().expect("canonical");
    assert_eq!(documents[0].url.to_file_path().ok(), Some(canonical));
}

#[tokio::test]
async fn a_folder_source_reads_visible_files_in_name_order_and_skips_subfolders() {
    let folder = tempfile::tempdir().expect("temp dir");
    std::fs::write(folder.path().join("b.xml"), "second").expect("write");
    std::fs::write(folder.path().join("a.xml"), "first").expect("write");
    std::fs::write(folder.path().join(".partial.xml"), "uploading").expect("write");
    std::fs::create_dir(folder.path().join("processed")).expect("mkdir");
    std::fs::write(folder.path().join("processed/old.xml"), "old").expect("write");

    let (_, _, documents) = expect_documents(
        fetcher()
            .fetch(&file_feed(folder.path()), &no_validators())
            .await
            .expect("fetch"),
    );

    let bodies: Vec<&[u8]> = documents.iter().map(|d| d.body.as_slice()).collect();
    assert_eq!(bodies, [b"first".as_slice(), b"second".as_slice()]);
    assert!(documents[0].url.path().ends_with("/a.xml"));
}

#[tokio::test]
async fn an_unchanged_folder_is_not_modified_and_a_changed_file_is_read_again() {
    let folder = tempfile::tempdir().expect("temp dir");
    std::fs::write(folder.path().join("a.xml"), "first").expect("write");
    let feed = file_feed(folder.path());
    let fetcher = fetcher();
    let (_, first, _) =
        expect_documents(fetcher.fetch(&feed, &no_validators()).await.expect("first"));

    let unchanged = fetcher.fetch(&feed, &first).await.expect("unchanged");
    assert!(matches!(
        unchanged,
        Fetched::NotModified { status: None, .. }
    ));

    std::fs::write(folder.path().join("a.xml"), "first, corrected").expect("rewrite");
    let (_, second, documents) =
        expect_documents(fetcher.fetch(&feed, &first).await.expect("changed"));
    assert_ne!(second, first);
    assert_eq!(documents[0].body, b"first, corrected");

    std::fs::write(folder.path().join("c.xml"), "third").expect("add");
    let (_, _, documents) = expect_documents(fetcher.fetch(&feed, &second).await.expect("added"));
    assert_eq!(documents.len(), 2);
}

#[tokio::test]
async fn a_missing_path_is_an_error_naming_it() {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("nowhere");

    let error = fetcher()
        .fetch(&file_feed(&path), &no_validators())
        .await
        .expect_err("missing");

    assert!(matches!(error, FetchError::Missing { .. }), "{error:?}");
    assert!(
        error.to_string().contains(&path.display().to_string()),
        "{error}"
    );
}

#[tokio::test]
async fn a_file_over_the_cap_is_too_large() {
    let folder = tempfile::tempdir().expect("temp dir");
    std::fs::write(folder.path().join("a.xml"), "small").expect("write");
    std::fs::write(folder.path().join("b.xml"), vec![b'x'; 2048]).expect("write");
    let mut feed = file_feed(folder.path());
    feed.max_body = 1024;

    let error = fetcher()
        .fetch(&feed, &no_validators())
        .await
        .expect_err("too large");

    assert!(
        matches!(error, FetchError::TooLarge { limit: 1024, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("b.xml"), "{error}");
}
