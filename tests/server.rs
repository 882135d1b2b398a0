//! The HTTP server read with a real client over a real socket: content
//! types, 304s, compression, hidden files, traversal, health and metrics.

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use wirefeed::daemon::server::{Metrics, bind, serve_bound};

/// Long enough that the compression layer (which skips tiny bodies) compresses it.
const BODY: &str = "<rss version=\"2.0\"><channel><title>Politics</title><description>a body long enough to be worth compressing, repeated: politics politics politics politics</description></channel></rss>";

struct Server {
    base: String,
    address: std::net::SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    metrics: Metrics,
    root: tempfile::TempDir,
}

impl Server {
    async fn start(max_publish_age: Duration) -> Server {
        let root = tempfile::tempdir().unwrap();
        let output = root.path().join("output");
        std::fs::create_dir_all(output.join("section")).unwrap();
        std::fs::create_dir_all(output.join("ninjs")).unwrap();
        for name in [
            "politics.rss",
            "politics.atom",
            "politics.json",
            "feeds.opml",
            "index.html",
            "section/politics.rss",
            "ninjs/4f1c2a.json",
            ".politics.rss.tmp-4242",
        ] {
            std::fs::write(output.join(name), BODY).unwrap();
        }
        std::fs::write(root.path().join("feeds.toml"), "secret = true\n").unwrap();
        let state_file = root.path().join("wirefeed.sqlite3");
        let connection = rusqlite::Connection::open(&state_file).unwrap();
        connection
            .execute_batch("CREATE TABLE t (x INTEGER);")
            .unwrap();
        drop(connection);

        let metrics = Metrics::default();
        let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(serve_bound(
            listener,
            output,
            wirefeed::store::Location::Sqlite(state_file),
            metrics.clone(),
            max_publish_age,
            running_config(),
            async {
                let _ = stopped.await;
            },
        ));
        Server {
            base: format!("http://{address}"),
            address,
            stop: Some(stop),
            task,
            metrics,
            root,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn state_file(&self) -> PathBuf {
        self.root.path().join("wirefeed.sqlite3")
    }
}

/// A client that leaves Content-Encoding alone so the test can see it.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .build()
        .unwrap()
}

/// Sends `path` byte for byte, so no client normalizes `..` away first.
async fn raw_get(address: std::net::SocketAddr, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test]
async fn each_feed_format_is_served_with_its_content_type() {
    let server = Server::start(Duration::from_secs(60)).await;
    let client = client();
    for (path, expected) in [
        ("/politics.rss", "application/rss+xml; charset=utf-8"),
        ("/politics.atom", "application/atom+xml; charset=utf-8"),
        ("/politics.json", "application/feed+json; charset=utf-8"),
        ("/feeds.opml", "text/x-opml; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
        (
            "/section/politics.rss",
            "application/rss+xml; charset=utf-8",
        ),
        // One article as ninjs: JSON, not a JSON Feed.
        ("/ninjs/4f1c2a.json", "application/json; charset=utf-8"),
    ] {
        let response = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()[CONTENT_TYPE], expected, "{path}");
        assert!(response.headers().contains_key(ETAG), "{path}");
        assert!(response.headers().contains_key(LAST_MODIFIED), "{path}");
        assert_eq!(response.text().await.unwrap(), BODY, "{path}");
    }
}

#[tokio::test]
async fn unchanged_files_answer_304_to_if_none_match_and_if_modified_since() {
    let server = Server::start(Duration::from_secs(60)).await;
    let client = client();
    let first = client
        .get(server.url("/politics.rss"))
        .send()
        .await
        .unwrap();
    let etag = first.headers()[ETAG].clone();
    let modified = first.headers()[LAST_MODIFIED].clone();

    let by_etag = client
        .get(server.url("/politics.rss"))
        .header(IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(by_etag.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(by_etag.headers()[ETAG], etag);
    assert!(by_etag.bytes().await.unwrap().is_empty());

    let by_date_modified = modified.clone();
    let by_date = client
        .get(server.url("/politics.rss"))
        .header(IF_MODIFIED_SINCE, modified)
        .send()
        .await
        .unwrap();
    assert_eq!(by_date.status(), StatusCode::NOT_MODIFIED);

    let other_etag = client
        .get(server.url("/politics.rss"))
        .header(IF_NONE_MATCH, "W/\"0-0\"")
        // If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
        .header(IF_MODIFIED_SINCE, by_date_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(other_etag.status(), StatusCode::OK);
}

#[tokio::test]
async fn gzip_and_brotli_are_negotiated() {
    let server = Server::start(Duration::from_secs(60)).await;
    let client = client();
    for encoding in ["gzip", "br"] {
        let response = client
            .get(server.url("/politics.rss"))
            .header(ACCEPT_ENCODING, encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_ENCODING], encoding);
        assert_ne!(response.bytes().await.unwrap(), BODY.as_bytes());
    }
    let plain = client
        .get(server.url("/politics.rss"))
        .send()
        .await
        .unwrap();
    assert!(!plain.headers().contains_key(CONTENT_ENCODING));
}

#[tokio::test]
async fn publisher_temporaries_are_never_served() {
    let server = Server::start(Duration::from_secs(60)).await;
    let response = client()
        .get(server.url("/.politics.rss.tmp-4242"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn paths_out_of_the_output_folder_are_refused() {
    let server = Server::start(Duration::from_secs(60)).await;
    for path in [
        "/../feeds.toml",
        "/%2e%2e/feeds.toml",
        "/%2E%2E/feeds.toml",
        "/section/../../feeds.toml",
        "/section/%2e%2e/%2e%2e/feeds.toml",
        "/..%2ffeeds.toml",
    ] {
        let response = raw_get(server.address, path).await;
        let status_line = response.lines().next().unwrap_or_default().to_string();
        assert!(
            status_line.contains(" 404 ") || status_line.contains(" 400 "),
            "{path}: {status_line}"
        );
        assert!(!response.contains("secret"), "{path}: {response}");
    }
}

#[tokio::test]
async fn healthz_is_ok_after_a_recent_publish_and_503_when_stale_or_state_missing() {
    let server = Server::start(Duration::from_secs(60)).await;
    let client = client();
    let before = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(before.status(), StatusCode::SERVICE_UNAVAILABLE);

    server
        .metrics
        .record_publish(Duration::from_millis(20), Utc::now());
    let ok = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let body: serde_json::Value = serde_json::from_str(&ok.text().await.unwrap()).unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["reasons"], serde_json::json!([]));
    assert!(body["last_publish_seconds_ago"].as_i64().unwrap() <= 1);

    server.metrics.record_publish(
        Duration::from_millis(20),
        Utc::now() - chrono::Duration::seconds(600),
    );
    let stale = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(stale.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = serde_json::from_str(&stale.text().await.unwrap()).unwrap();
    assert_eq!(body["status"], "unhealthy");
    assert!(
        body["reasons"][0]
            .as_str()
            .unwrap()
            .contains("last publish")
    );

    server
        .metrics
        .record_publish(Duration::from_millis(20), Utc::now());
    std::fs::remove_file(server.state_file()).unwrap();
    let missing = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = serde_json::from_str(&missing.text().await.unwrap()).unwrap();
    assert!(
        body["reasons"][0]
            .as_str()
            .unwrap()
            .contains("state unreadable")
    );
}

#[tokio::test]
async fn metrics_show_recorded_counters_with_labels() {
    let server = Server::start(Duration::from_secs(60)).await;
    server.metrics.record_fetch("ap-world", "fetched");
    server.metrics.record_fetch("ap-world", "failed");
    server.metrics.record_success("ap-world", Utc::now());
    server.metrics.add_ingested(4);
    server.metrics.add_folded(1);
    server
        .metrics
        .record_publish(Duration::from_millis(500), Utc::now());
    let response = client().get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    for expected in [
        "wirefeed_fetches_total{feed=\"ap-world\",outcome=\"fetched\"} 1",
        "wirefeed_fetches_total{feed=\"ap-world\",outcome=\"failed\"} 1",
        "wirefeed_items_ingested_total 4",
        "wirefeed_duplicates_folded_total 1",
        "wirefeed_publish_duration_seconds_count 1",
        "wirefeed_last_publish_timestamp_seconds ",
        "wirefeed_feed_last_success_age_seconds{feed=\"ap-world\"} ",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

#[tokio::test]
async fn completing_the_shutdown_future_ends_serve() {
    let mut server = Server::start(Duration::from_secs(60)).await;
    server.stop.take().unwrap().send(()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(5), &mut server.task)
        .await
        .expect("serve did not end after shutdown");
    assert!(result.unwrap().is_ok());
    assert!(
        tokio::net::TcpStream::connect(server.address)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn binding_a_busy_address_fails_at_once_naming_it() {
    let taken = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let address = taken.local_addr().unwrap();
    let err = bind(address).await.unwrap_err();
    assert!(err.to_string().contains(&address.to_string()), "{err}");
}

/// A configuration for the server's /status: one feed, never fetched.
fn running_config() -> wirefeed::daemon::server::RunningConfig {
    let text = "[site]\ntitle = \"Server\"\nbase_url = \"https://feeds.example.org/\"\n\
                [[feed]]\nid = \"ap\"\nurl = \"https://agency.example/ap.rss\"\n";
    let (config, _warnings) =
        wirefeed::config::parse_str(text, std::path::Path::new("feeds.toml")).unwrap();
    tokio::sync::watch::channel(std::sync::Arc::new(config)).1
}

#[tokio::test]
async fn two_instances_serving_the_same_bytes_give_the_same_etag_and_304_each_others_tags() {
    let one = Server::start(Duration::from_secs(60)).await;
    let other = Server::start(Duration::from_secs(60)).await;
    // The second instance wrote its copy at another moment.
    let file = other.root.path().join("output/politics.rss");
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    let client = client();
    let from_one = client.get(one.url("/politics.rss")).send().await.unwrap();
    let from_other = client.get(other.url("/politics.rss")).send().await.unwrap();
    let tag = from_one.headers()[ETAG].clone();
    assert_eq!(from_other.headers()[ETAG], tag, "same bytes, same tag");
    assert_ne!(
        from_one.headers()[LAST_MODIFIED],
        from_other.headers()[LAST_MODIFIED],
        "the test needs two different file times"
    );
    let revalidated = client
        .get(other.url("/politics.rss"))
        .header(IF_NONE_MATCH, tag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);

    // A HEAD carries the same tag and no body.
    let head = client.head(one.url("/politics.rss")).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()[ETAG], tag);
    assert!(head.bytes().await.unwrap().is_empty());

    // Different bytes, a different tag.
    std::fs::write(&file, BODY.replace("Politics", "Sport")).unwrap();
    let changed = client
        .get(other.url("/politics.rss"))
        .header(IF_NONE_MATCH, tag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()[ETAG], tag);
}
