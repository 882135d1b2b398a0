//! wirefeed publishing into an S3-compatible bucket (`output_dir =
//! "s3://BUCKET/PREFIX"`), as a whole process: the objects read back over
//! the store's own HTTP API, nothing rewritten when nothing changed, the
//! secret key in no output, a missing bucket or a dead endpoint reported
//! clearly.
//!
//! Needs a server: `WIREFEED_TEST_S3` is the endpoint URL of an
//! S3-compatible store that accepts any credentials and path-style requests
//! (`.ci/run` starts moto's server). Without it each test skips, saying so,
//! unless `WIREFEED_REQUIRE_ALL=1`.

#[path = "support/skip.rs"]
mod skip;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The secret access key every run gets: it must show in no output.
const SECRET: &str = "s3-secret-that-must-never-show-9c41e7";

/// An S3-compatible endpoint and a bucket of the test's own on it.
struct Store {
    endpoint: String,
    bucket: String,
}

impl Store {
    /// A new bucket named after `label` on the test server, or `None` (the
    /// test then returns) when there is no server.
    fn with_bucket(label: &str) -> Option<Store> {
        let Ok(endpoint) = std::env::var("WIREFEED_TEST_S3") else {
            skip::skip_or_fail("an S3-compatible server: WIREFEED_TEST_S3 names none");
            return None;
        };
        let store = Store {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            bucket: format!("wirefeed-{label}-{}", std::process::id()),
        };
        // object_store creates no bucket: a plain CreateBucket, which a test
        // server takes without a signature. Readable by anyone, like a
        // bucket that serves feeds, so the tests read back without signing.
        let (status, _, body) = store.request_with(
            reqwest::Method::PUT,
            &store.bucket,
            &[("x-amz-acl", "public-read")],
        );
        assert!(status.is_success(), "create bucket: {status} {body:?}");
        Some(store)
    }

    /// `METHOD ENDPOINT/path` (path-style): status, headers, body.
    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
    ) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        self.request_with(method, path, &[])
    }

    fn request_with(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let url = format!("{}/{path}", self.endpoint);
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let mut request = reqwest::Client::new().request(method, &url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let response = request
                .send()
                .await
                .unwrap_or_else(|e| panic!("{url}: {e}"));
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await.expect("body").to_vec();
            (status, headers, body)
        })
    }

    /// The object `key` of the bucket, or `None` when there is none.
    fn object(&self, key: &str) -> Option<(reqwest::header::HeaderMap, Vec<u8>)> {
        let (status, headers, body) =
            self.request(reqwest::Method::GET, &format!("{}/{key}", self.bucket));
        if status == reqwest::StatusCode::NOT_FOUND {
            return None;
        }
        assert!(status.is_success(), "GET {key}: {status}");
        Some((headers, body))
    }

    /// Every key in the bucket with its ETag and Last-Modified, from a
    /// ListObjectsV2.
    fn listing(&self) -> BTreeMap<String, (String, String)> {
        let (status, _, body) = self.request(
            reqwest::Method::GET,
            &format!("{}?list-type=2&max-keys=1000", self.bucket),
        );
        assert!(status.is_success(), "list: {status}");
        let text = String::from_utf8(body).expect("UTF-8 listing");
        let document = roxmltree::Document::parse(&text).expect("XML listing");
        let child = |node: roxmltree::Node<'_, '_>, name: &str| {
            node.children()
                .find(|c| c.tag_name().name() == name)
                .and_then(|c| c.text())
                .unwrap_or_default()
                .to_owned()
        };
        assert_ne!(child(document.root_element(), "IsTruncated"), "true");
        document
            .descendants()
            .filter(|node| node.tag_name().name() == "Contents")
            .map(|node| {
                (
                    child(node, "Key"),
                    (child(node, "ETag"), child(node, "LastModified")),
                )
            })
            .collect()
    }

    fn url(&self, prefix: &str) -> String {
        format!("s3://{}/{prefix}", self.bucket)
    }
}

/// One RSS item: id, title, date (RFC 822).
type Item<'a> = (&'a str, &'a str, &'a str);

fn rss(items: &[Item<'_>]) -> String {
    let items: String = items
        .iter()
        .map(|(id, title, date)| {
            format!(
                "<item><title>{title}</title><link>https://wire.example/{id}</link>\
                 <guid>https://wire.example/{id}</guid><pubDate>{date}</pubDate>\
                 <description>{title}, in full.</description><category>Markets</category></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>\
         <link>https://wire.example/</link><description>Wire</description>{items}</channel></rss>"
    )
}

const FIRST: Item<'static> = (
    "rates",
    "Central bank holds rates",
    "Mon, 02 Mar 2026 09:00:00 GMT",
);
const SECOND: Item<'static> = (
    "harvest",
    "Harvest beats forecasts",
    "Mon, 02 Mar 2026 10:00:00 GMT",
);

/// A newsroom in `dir` reading `wire.rss` beside feeds.toml, publishing to `output_dir`.
fn newsroom(dir: &Path, output_dir: &str, max_items: usize, items: &[Item<'_>]) {
    std::fs::write(dir.join("wire.rss"), rss(items)).expect("write wire.rss");
    std::fs::write(
        dir.join("feeds.toml"),
        format!(
            "[site]\ntitle = \"Bucket News\"\nbase_url = \"https://feeds.example.org/\"\n\
             output_dir = \"{output_dir}\"\nmax_items = {max_items}\nfile_roots = [\".\"]\n\n\
             [[section]]\nslug = \"economy\"\ntitle = \"Economy\"\n\n\
             [[feed]]\nid = \"wire\"\nurl = \"file:wire.rss\"\nsection = \"economy\"\n\
             \n  [[feed.rule]]\n  category = \"Markets\"\n  tags = [\"Markets\"]\n"
        ),
    )
    .expect("write feeds.toml");
}

/// Runs `wirefeed ARGS --config DIR/feeds.toml` against `endpoint`, with
/// debug logs, and checks the secret key is in none of its output.
fn wirefeed(dir: &Path, endpoint: &str, args: &[&str]) -> Output {
    let output = command(dir, endpoint, args).output().expect("run wirefeed");
    let text = text(&output);
    assert!(!text.contains(SECRET), "the secret key was printed: {text}");
    output
}

fn command(dir: &Path, endpoint: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wirefeed"));
    command
        .args(args)
        .arg("--config")
        .arg(dir.join("feeds.toml"))
        .current_dir(dir)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ALLOW_HTTP", "true")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "wirefeed-test")
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("RUST_LOG", "debug");
    command
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Every file under `root`, '/'-separated and relative to it.
fn files(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut folders = vec![PathBuf::from(root)];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("read a folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let relative = path.strip_prefix(root).expect("under root");
                found.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    found
}

fn media_type(relative: &str) -> &'static str {
    match relative.rsplit_once('.').map(|(_, extension)| extension) {
        Some("rss") => "application/rss+xml; charset=utf-8",
        Some("atom") => "application/atom+xml; charset=utf-8",
        Some("json") if relative.starts_with("ninjs/") => "application/json; charset=utf-8",
        Some("json") => "application/feed+json; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("opml") => "text/x-opml; charset=utf-8",
        other => panic!("unexpected file {relative} ({other:?})"),
    }
}

#[test]
fn the_bucket_holds_every_file_a_folder_would_with_its_media_type_and_cache_control() {
    let Some(store) = Store::with_bucket("layout") else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    newsroom(folder.path(), "output", 50, &[FIRST, SECOND]);
    let local = wirefeed(folder.path(), &store.endpoint, &["once"]);
    assert!(local.status.success(), "{}", text(&local));

    let bucket = tempfile::tempdir().unwrap();
    newsroom(
        bucket.path(),
        &store.url("some/prefix"),
        50,
        &[FIRST, SECOND],
    );
    let published = wirefeed(bucket.path(), &store.endpoint, &["once"]);
    assert!(published.status.success(), "{}", text(&published));
    assert!(
        !bucket.path().join("output").exists(),
        "nothing written locally"
    );

    let expected = files(&folder.path().join("output"));
    for must in [
        "all.rss",
        "tags/markets.atom",
        "sections/economy.json",
        "index.html",
    ] {
        assert!(expected.iter().any(|f| f == must), "{must} in {expected:?}");
    }
    let keys: Vec<String> = store.listing().into_keys().collect();
    let wanted: Vec<String> = expected
        .iter()
        .map(|f| format!("some/prefix/{f}"))
        .collect();
    assert_eq!(keys, wanted);
    for relative in &expected {
        let (headers, bytes) = store
            .object(&format!("some/prefix/{relative}"))
            .unwrap_or_else(|| panic!("no object for {relative}"));
        let on_disk = std::fs::read(folder.path().join("output").join(relative)).unwrap();
        assert!(
            bytes == on_disk,
            "{relative}: the object's bytes differ from the file's"
        );
        assert_eq!(headers["content-type"], media_type(relative), "{relative}");
        assert_eq!(headers["cache-control"], "public, max-age=60", "{relative}");
    }
}

#[test]
fn publishing_the_same_stories_again_puts_nothing() {
    let Some(store) = Store::with_bucket("again") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    newsroom(dir.path(), &store.url("feeds"), 50, &[FIRST, SECOND]);
    let first = wirefeed(dir.path(), &store.endpoint, &["once"]);
    assert!(first.status.success(), "{}", text(&first));
    let before = store.listing();
    assert!(before.contains_key("feeds/all.rss"), "{before:?}");

    // Last-Modified counts in seconds: a rewrite now would show.
    std::thread::sleep(Duration::from_millis(1100));
    let again = wirefeed(dir.path(), &store.endpoint, &["once"]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("0 files written"), "{}", text(&again));
    assert_eq!(store.listing(), before);

    // A new state renders every channel again: each is compared, none put.
    std::fs::remove_dir_all(dir.path().join("state")).unwrap();
    let fresh = wirefeed(dir.path(), &store.endpoint, &["once"]);
    assert!(fresh.status.success(), "{}", text(&fresh));
    assert!(text(&fresh).contains("0 files written"), "{}", text(&fresh));
    assert_eq!(store.listing(), before);
}

#[test]
fn an_article_that_leaves_the_published_feeds_has_its_object_deleted() {
    let Some(store) = Store::with_bucket("leaves") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // One item per feed: a newer story pushes the older one out.
    newsroom(dir.path(), &store.url("out"), 1, &[FIRST]);
    let first = wirefeed(dir.path(), &store.endpoint, &["once"]);
    assert!(first.status.success(), "{}", text(&first));
    let ninjs = |store: &Store| -> Vec<String> {
        store
            .listing()
            .into_keys()
            .filter(|key| key.starts_with("out/ninjs/"))
            .collect()
    };
    let before = ninjs(&store);
    assert_eq!(before.len(), 1, "{before:?}");

    newsroom(dir.path(), &store.url("out"), 1, &[FIRST, SECOND]);
    let second = wirefeed(dir.path(), &store.endpoint, &["once"]);
    assert!(second.status.success(), "{}", text(&second));
    let after = ninjs(&store);
    assert_eq!(after.len(), 1, "{after:?}");
    assert_ne!(after, before, "the older story's object is gone");
    assert!(store.object(&before[0]).is_none());
    let (_, all) = store.object("out/all.json").unwrap();
    let all = String::from_utf8(all).unwrap();
    assert!(all.contains(SECOND.1) && !all.contains(FIRST.1), "{all}");
}

#[test]
fn the_objects_of_a_channel_no_longer_published_are_deleted() {
    let Some(store) = Store::with_bucket("vanish") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    newsroom(dir.path(), &store.url("out"), 10, &[FIRST]);
    let first = wirefeed(dir.path(), &store.endpoint, &["once"]);
    assert!(first.status.success(), "{}", text(&first));
    let section: Vec<String> = store
        .listing()
        .into_keys()
        .filter(|key| key.starts_with("out/sections/economy."))
        .collect();
    assert_eq!(section.len(), 3, "{section:?}");

    // The desk drops the section from feeds.toml.
    let config = std::fs::read_to_string(dir.path().join("feeds.toml")).unwrap();
    let config = config
        .replace("[[section]]\nslug = \"economy\"\ntitle = \"Economy\"\n", "")
        .replace("section = \"economy\"\n", "");
    std::fs::write(dir.path().join("feeds.toml"), config).unwrap();
    let second = wirefeed(dir.path(), &store.endpoint, &["once"]);
    assert!(second.status.success(), "{}", text(&second));
    let keys: Vec<String> = store.listing().into_keys().collect();
    assert!(
        !keys.iter().any(|key| key.starts_with("out/sections/")),
        "{keys:?}"
    );
    assert!(
        keys.contains(&"out/tags/markets.rss".to_owned()),
        "{keys:?}"
    );
}

#[test]
fn a_bucket_that_does_not_exist_is_an_error_naming_it() {
    let Some(store) = Store::with_bucket("exists") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("{}-missing", store.bucket);
    newsroom(dir.path(), &format!("s3://{missing}/feeds"), 50, &[FIRST]);
    let output = wirefeed(dir.path(), &store.endpoint, &["once"]);
    let text = text(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    let error = text
        .lines()
        .find(|line| line.starts_with("error:"))
        .unwrap_or_else(|| panic!("no error line: {text}"));
    assert!(error.contains(&format!("s3://{missing}/feeds/")), "{error}");
}

#[test]
fn an_endpoint_that_does_not_answer_is_an_error_naming_the_bucket() {
    if Store::with_bucket("dead").is_none() {
        return;
    }
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    newsroom(dir.path(), "s3://wirefeed-nowhere/feeds", 50, &[FIRST]);
    let started = Instant::now();
    let output = wirefeed(dir.path(), &format!("http://127.0.0.1:{port}"), &["once"]);
    let text = text(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    assert!(text.contains("s3://wirefeed-nowhere/feeds/"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn the_service_publishes_into_the_bucket_and_serves_only_its_status_routes() {
    let Some(store) = Store::with_bucket("service") else {
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    newsroom(dir.path(), &store.url("live"), 50, &[FIRST, SECOND]);
    let config = dir.path().join("feeds.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{text}\n[server]\nlisten = \"127.0.0.1:{port}\"\n"),
    )
    .unwrap();

    let child = command(dir.path(), &store.endpoint, &["run"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wirefeed run");
    let deadline = Instant::now() + Duration::from_secs(30);
    while store.object("live/all.rss").is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let local = Store {
        endpoint: format!("http://127.0.0.1:{port}"),
        bucket: String::new(),
    };
    let (metrics, _, _) = local.request(reqwest::Method::GET, "metrics");
    let (feed, _, _) = local.request(reqwest::Method::GET, "all.rss");
    let _ = Command::new("kill")
        .args(["-s", "TERM", &child.id().to_string()])
        .status();
    let output = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(!log.contains(SECRET), "the secret key was logged: {log}");
    assert!(!log.contains("panicked"), "{log}");
    assert!(store.object("live/all.rss").is_some(), "published: {log}");
    assert!(output.status.success(), "{log}");
    assert_eq!(metrics, reqwest::StatusCode::OK, "{log}");
    assert_eq!(feed, reqwest::StatusCode::NOT_FOUND, "{log}");
}
