//! Who may be fetched: the address policy, redirects checked hop by hop,
//! credentials kept to the feed's own origin and out of every message, and
//! `file:` sources kept inside `file_roots`. Real servers on 127.0.0.1.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::fetching::{
    RSS, RSS_TYPE, SECRET, bearer, defaults, fetch, fetcher, private_feed, strict_feed,
};
use support::http_server::{Route, TestServer};
use wirefeed::config::{Auth, FeedConfig, Secret, SourceLocation};
use wirefeed::fetch::{AddressRange, FetchError, Fetched, Validators};

fn as_localhost(url: &str) -> String {
    url.replace("127.0.0.1", "localhost")
}

// ---- The address policy --------------------------------------------------------

#[tokio::test]
async fn a_loopback_feed_without_allow_private_is_refused_before_any_request() {
    let server = TestServer::start();
    server.set("/world.rss", Route::ok(RSS, RSS_TYPE));

    let error = fetch(&strict_feed(&server.url("/world.rss")))
        .await
        .expect_err("refused");

    let FetchError::Refused { refused, .. } = &error else {
        panic!("expected Refused, got {error:?}");
    };
    assert_eq!(refused.range, AddressRange::Loopback);
    let text = error.to_string();
    assert!(text.contains("127.0.0.1"), "{text}");
    assert!(text.contains("allow_private = true"), "{text}");
    assert!(!error.is_transient());
    assert!(server.requests("/world.rss").is_empty());
}

#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_refused_after_resolution() {
    let server = TestServer::start();
    server.set("/world.rss", Route::ok(RSS, RSS_TYPE));

    let error = fetch(&strict_feed(&as_localhost(&server.url("/world.rss"))))
        .await
        .expect_err("refused");

    let FetchError::Refused { refused, .. } = &error else {
        panic!("expected Refused, got {error:?}");
    };
    assert_eq!(refused.host, "localhost");
    assert_eq!(refused.range, AddressRange::Loopback);
    assert!(
        error
            .to_string()
            .contains("localhost is a loopback address")
    );
    assert!(server.requests("/world.rss").is_empty());
}

#[tokio::test]
async fn the_metadata_address_is_refused_without_connecting() {
    // Nothing listens there on a test machine: a connection attempt would
    // time out or be refused, not be reported as the policy's refusal.
    let error = fetch(&strict_feed("http://169.254.169.254/latest/meta-data/"))
        .await
        .expect_err("refused");
    let FetchError::Refused { refused, .. } = &error else {
        panic!("expected Refused, got {error:?}");
    };
    assert_eq!(refused.range, AddressRange::LinkLocal);
}

#[tokio::test]
async fn with_allow_private_a_loopback_feed_is_fetched() {
    let server = TestServer::start();
    server.set("/world.rss", Route::ok(RSS, RSS_TYPE));
    for url in [
        server.url("/world.rss"),
        as_localhost(&server.url("/world.rss")),
    ] {
        let fetched = fetch(&private_feed(&url, None)).await.expect("fetched");
        assert!(matches!(fetched, Fetched::Documents { .. }), "{url}");
    }
    assert_eq!(server.requests("/world.rss").len(), 2);
}

// ---- Redirects -------------------------------------------------------------------

#[tokio::test]
async fn a_redirect_to_another_scheme_is_refused() {
    let server = TestServer::start();
    for (path, target) in [
        ("/to-file", "file:///etc/passwd"),
        ("/to-ftp", "ftp://agency.example/world.rss"),
        ("/to-data", "data:text/xml,<rss/>"),
    ] {
        server.set(path, Route::redirect(target));
        let error = fetch(&private_feed(&server.url(path), None))
            .await
            .expect_err("refused");
        assert!(
            matches!(error, FetchError::Redirect { .. }),
            "{path}: {error:?}"
        );
        let scheme = target.split(':').next().unwrap_or_default();
        let text = error.to_string();
        assert!(text.contains("http or https only"), "{text}");
        assert!(text.contains(&format!("not {scheme}:")), "{text}");
        assert!(!error.is_transient());
    }
}

#[tokio::test]
async fn a_redirect_loop_is_reported_as_too_many_redirects() {
    let server = TestServer::start();
    server.set("/a", Route::redirect("/b"));
    server.set("/b", Route::redirect("/a"));
    let error = fetch(&private_feed(&server.url("/a"), None))
        .await
        .expect_err("loop");
    assert!(
        matches!(error, FetchError::TooManyRedirects { .. }),
        "{error:?}"
    );
    assert_eq!(server.requests("/a").len(), 1);
}

// ---- Credentials -----------------------------------------------------------------

#[tokio::test]
async fn each_kind_of_credential_arrives_at_the_feeds_host() {
    let server = TestServer::start();
    server.set("/world.rss", Route::ok(RSS, RSS_TYPE));
    let basic = Auth::Basic {
        user: "newsroom".into(),
        password: Secret::new("open sesame"),
    };
    let header = Auth::Header {
        name: "x-api-key".into(),
        value: Secret::new(SECRET),
    };
    for auth in [bearer(), basic, header] {
        fetch(&private_feed(&server.url("/world.rss"), Some(auth)))
            .await
            .expect("fetched");
    }
    let requests = server.requests("/world.rss");
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {SECRET}").as_str())
    );
    // "newsroom:open sesame" in base64.
    assert_eq!(
        requests[1].header("authorization"),
        Some("Basic bmV3c3Jvb206b3BlbiBzZXNhbWU=")
    );
    assert_eq!(requests[2].header("x-api-key"), Some(SECRET));
    assert_eq!(requests[2].header("authorization"), None);
}

#[tokio::test]
async fn credentials_follow_a_redirect_on_the_same_origin_only() {
    let feed_host = TestServer::start();
    let elsewhere = TestServer::start();
    feed_host.set("/old.rss", Route::redirect("/world.rss"));
    feed_host.set("/moved.rss", Route::redirect(&elsewhere.url("/world.rss")));
    feed_host.set("/world.rss", Route::ok(RSS, RSS_TYPE));
    elsewhere.set("/world.rss", Route::ok(RSS, RSS_TYPE));
    let header = Auth::Header {
        name: "x-api-key".into(),
        value: Secret::new(SECRET),
    };

    for auth in [bearer(), header.clone()] {
        fetch(&private_feed(
            &feed_host.url("/old.rss"),
            Some(auth.clone()),
        ))
        .await
        .expect("same-origin redirect");
        fetch(&private_feed(&feed_host.url("/moved.rss"), Some(auth)))
            .await
            .expect("cross-origin redirect");
    }

    let same = feed_host.requests("/world.rss");
    assert_eq!(same.len(), 2);
    assert!(same[0].header("authorization").is_some());
    assert_eq!(same[1].header("x-api-key"), Some(SECRET));
    // Another port of the same host is another origin.
    let other = elsewhere.requests("/world.rss");
    assert_eq!(other.len(), 2);
    for request in &other {
        assert_eq!(request.header("authorization"), None, "{request:?}");
        assert_eq!(request.header("x-api-key"), None, "{request:?}");
    }
    // And the first hop of the cross-origin redirect did carry them.
    let moved = feed_host.requests("/moved.rss");
    assert!(moved[0].header("authorization").is_some());
}

#[tokio::test]
async fn a_redirect_from_127_0_0_1_to_localhost_drops_the_credentials() {
    let server = TestServer::start();
    server.set(
        "/old.rss",
        Route::redirect(&as_localhost(&server.url("/world.rss"))),
    );
    server.set("/world.rss", Route::ok(RSS, RSS_TYPE));
    fetch(&private_feed(&server.url("/old.rss"), Some(bearer())))
        .await
        .expect("fetched");
    let requests = server.requests("/world.rss");
    assert_eq!(
        requests[0]
            .header("host")
            .map(|h| h.starts_with("localhost")),
        Some(true)
    );
    assert_eq!(requests[0].header("authorization"), None);
}

#[tokio::test]
async fn a_user_name_and_password_in_a_url_are_redacted_in_errors() {
    let server = TestServer::start();
    server.set(
        "/to-ftp",
        Route::redirect("ftp://editor:hunter2@files.example/world.rss"),
    );
    let error = fetch(&private_feed(&server.url("/to-ftp"), None))
        .await
        .expect_err("refused");
    let text = error.to_string();
    assert!(text.contains("ftp://***@files.example/world.rss"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");

    // A hand-built feed URL (the loader refuses these) is redacted too.
    let url = server
        .url("/missing.rss")
        .replace("http://", "http://editor:hunter2@");
    server.set("/missing.rss", Route::status(404));
    let error = fetch(&private_feed(&url, None)).await.expect_err("404");
    let text = error.to_string();
    assert!(text.contains("***@127.0.0.1"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

// ---- The binary: check, logs and status --------------------------------------------

fn wirefeed(args: &[&str], dir: &Path, token: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wirefeed"));
    command
        .args(args)
        .current_dir(dir)
        .env("RUST_LOG", "trace")
        .env_remove("AP_TOKEN");
    if let Some(token) = token {
        command.env("AP_TOKEN", token);
    }
    command.output().expect("run wirefeed")
}

fn write_config(dir: &Path, url: &str) {
    let config = format!(
        "[site]\ntitle = \"T\"\nbase_url = \"https://feeds.example.org/\"\n\n\
         [[section]]\nslug = \"politics\"\ntitle = \"Politics\"\n\n\
         [[feed]]\nid = \"agency\"\nurl = \"{url}\"\nsection = \"politics\"\n\
         allow_private = true\nauth = {{ bearer_env = \"AP_TOKEN\" }}\n"
    );
    std::fs::write(dir.join("feeds.toml"), config).expect("write config");
}

#[test]
fn check_names_the_feed_and_the_unset_variable() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_config(dir.path(), "https://agency.example/world.rss");
    let out = wirefeed(&["check"], dir.path(), None);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("feeds.toml:14:23:")
            && text.contains("\"agency\"")
            && text.contains("`AP_TOKEN`"),
        "{text}"
    );
}

#[test]
fn the_secret_never_reaches_the_logs_or_status() {
    let server = TestServer::start();
    server.set("/world.rss", Route::status(403));
    let dir = tempfile::tempdir().expect("temp dir");
    write_config(dir.path(), &server.url("/world.rss"));

    let once = wirefeed(&["once"], dir.path(), Some(SECRET));
    let logs =
        String::from_utf8_lossy(&once.stderr).into_owned() + &String::from_utf8_lossy(&once.stdout);
    assert_eq!(
        server.requests("/world.rss")[0].header("authorization"),
        Some(format!("Bearer {SECRET}").as_str())
    );
    assert!(logs.contains("403"), "the failure is logged: {logs}");
    assert!(!logs.contains(SECRET), "{logs}");

    for args in [&["status"][..], &["status", "--json"]] {
        let status = wirefeed(args, dir.path(), Some(SECRET));
        let text = String::from_utf8_lossy(&status.stdout);
        assert!(text.contains("403"), "the stored error is shown: {text}");
        assert!(!text.contains(SECRET), "{text}");
    }
}

// ---- file_roots ------------------------------------------------------------------

fn file_feed(path: &Path, root: &Path) -> FeedConfig {
    let url = format!("file://{}", path.display());
    let mut feed = FeedConfig::with_defaults(
        "spool",
        &url,
        SourceLocation::File(path.to_owned()),
        &defaults(),
    );
    feed.file_root = Some(root.to_owned());
    feed
}

#[cfg(unix)]
#[tokio::test]
async fn a_symlink_out_of_the_root_is_refused_at_fetch_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("spool");
    let outside = dir.path().join("private");
    std::fs::create_dir_all(&root).expect("spool");
    std::fs::create_dir_all(&outside).expect("private");
    std::fs::write(outside.join("secret.xml"), RSS).expect("write");
    std::fs::write(root.join("a.xml"), RSS).expect("write");

    // A spool that is itself a link out of the root.
    let linked_spool = root.join("wire");
    std::os::unix::fs::symlink(&outside, &linked_spool).expect("symlink");
    let error = fetcher()
        .fetch(&file_feed(&linked_spool, &root), &Validators::default())
        .await
        .expect_err("outside");
    assert!(
        matches!(error, FetchError::OutsideFileRoot { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("outside its file_roots folder"),
        "{error}"
    );

    // A file in the spool that links out of it.
    std::os::unix::fs::symlink(outside.join("secret.xml"), root.join("b.xml")).expect("symlink");
    std::fs::remove_file(&linked_spool).expect("unlink");
    let error = fetcher()
        .fetch(&file_feed(&root, &root), &Validators::default())
        .await
        .expect_err("outside");
    assert!(error.to_string().contains("b.xml"), "{error}");

    // A link that stays inside is read.
    std::fs::remove_file(root.join("b.xml")).expect("unlink");
    std::os::unix::fs::symlink(root.join("a.xml"), root.join("b.xml")).expect("symlink");
    let fetched = fetcher()
        .fetch(&file_feed(&root, &root), &Validators::default())
        .await
        .expect("inside");
    let Fetched::Documents { documents, .. } = fetched else {
        panic!("expected documents");
    };
    assert_eq!(documents.len(), 2);
}

#[tokio::test]
async fn a_file_source_without_a_root_is_not_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("a.xml");
    std::fs::write(&path, RSS).expect("write");
    let mut feed = file_feed(&path, dir.path());
    feed.file_root = None;
    let error = fetcher()
        .fetch(&feed, &Validators::default())
        .await
        .expect_err("no root");
    assert!(matches!(error, FetchError::NoFileRoot { .. }), "{error:?}");
}

#[test]
fn a_file_feed_outside_the_roots_fails_the_config_check_at_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = "[site]\ntitle = \"T\"\nbase_url = \"https://feeds.example.org/\"\n\
                  file_roots = [\"spool\"]\n\n\
                  [[feed]]\nid = \"leak\"\nurl = \"file:///etc/passwd\"\n";
    std::fs::write(dir.path().join("feeds.toml"), config).expect("write config");
    let out = wirefeed(&["check"], dir.path(), None);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("feeds.toml:8:7: error")
            && text.contains("outside every folder of file_roots"),
        "{text}"
    );
}
