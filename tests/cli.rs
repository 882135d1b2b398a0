//! The `wirefeed` binary as an operator meets it: exit codes and messages.

mod support;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;
use support::http_server::{Route, TestServer};

fn wirefeed(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run wirefeed")
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pipeline")
        .join(name)
}

#[test]
fn check_reports_every_mistake_with_its_line_and_exits_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = fixture("typos.toml");
    let out = wirefeed(
        &["check", "--config", config.to_str().expect("utf-8 path")],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stderr);
    let lines = |needle: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.contains("typos.toml:") && l.contains(needle))
            .map(str::to_owned)
            .collect()
    };
    // One problem per line of the file, each pointing at the right place.
    assert!(
        lines("shedule")
            .iter()
            .any(|l| l.contains("typos.toml:12:")),
        "{text}"
    );
    assert!(text.contains("did you mean `schedule`"), "{text}");
    assert!(
        lines("ap").iter().any(|l| l.contains("typos.toml:16:")),
        "duplicate id: {text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("typos.toml:17:") && l.contains("ftp")),
        "bad URL scheme: {text}"
    );
    assert!(
        text.lines().any(|l| l.contains("typos.toml:18:")),
        "bad cron: {text}"
    );
    assert!(
        lines("sprots").iter().any(|l| l.contains("typos.toml:19:")),
        "undeclared section: {text}"
    );
    assert!(
        text.lines().any(|l| l.contains("typos.toml:22:")),
        "bad regex: {text}"
    );
}

#[test]
fn check_accepts_the_demo_config() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds.toml");
    let out = wirefeed(
        &["check", "--config", demo.to_str().expect("utf-8 path")],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Copies the repository's demo newsroom (feeds.toml and demo/) into `dir`.
fn copy_demo_into(dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("feeds.toml"), dir.join("feeds.toml")).expect("copy feeds.toml");
    let mut pending = vec![std::path::PathBuf::from("demo")];
    while let Some(relative) = pending.pop() {
        std::fs::create_dir_all(dir.join(&relative)).expect("create folder");
        for entry in std::fs::read_dir(root.join(&relative)).expect("read demo folder") {
            let entry = entry.expect("demo entry");
            let name = relative.join(entry.file_name());
            if entry.path().is_dir() {
                pending.push(name);
            } else {
                std::fs::copy(entry.path(), dir.join(&name)).expect("copy demo file");
            }
        }
    }
}

#[test]
fn once_without_flags_publishes_the_demo_newsroom_into_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_demo_into(dir.path());
    let out = wirefeed(&["once"], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let output = dir.path().join("output");
    for file in [
        "all.rss",
        "all.atom",
        "all.json",
        "index.html",
        "feeds.opml",
    ] {
        let bytes = std::fs::read(output.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!bytes.is_empty(), "{file} is empty");
    }
    // Every feed of the demo is a local file that reaches the all-items feed.
    let all: Value =
        serde_json::from_slice(&std::fs::read(output.join("all.json")).expect("all.json"))
            .expect("all.json parses");
    let sources: std::collections::BTreeSet<&str> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["_wirefeed"]["source"]["feed_id"].as_str())
        .collect();
    for feed in [
        "wire-world",
        "harbour-times",
        "tech-daily",
        "wire-arabic",
        "agency-spool",
    ] {
        assert!(
            sources.contains(feed),
            "{feed} missing from all.json: {sources:?}"
        );
    }
}

#[test]
fn a_missing_config_says_where_it_looked_and_what_to_do_and_exits_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    for command in ["once", "check", "run", "status"] {
        let out = wirefeed(&[command], dir.path());
        assert_eq!(out.status.code(), Some(1), "{command}");
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(
            text.contains("feeds.toml: error: no such file"),
            "{command}: {text}"
        );
        assert!(text.contains("--config FILE"), "{command}: {text}");
        assert!(text.contains("demo newsroom"), "{command}: {text}");
        assert!(!text.contains("invalid"), "{command}: {text}");
    }
}

#[test]
fn once_refuses_an_invalid_config_with_exit_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = fixture("typos.toml");
    let out = wirefeed(
        &["once", "--config", config.to_str().expect("utf-8 path")],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!dir.path().join("output").exists());
}

/// feeds.toml with a working file feed "agency" and a "missing" one.
fn write_agency_and_missing(dir: &Path) {
    std::fs::copy(fixture("agency.rss"), dir.join("agency.rss")).expect("copy fixture");
    let config = r#"
[site]
title = "CLI News"
base_url = "https://feeds.example.org/"
file_roots = ["."]

[[section]]
slug = "politics"
title = "Politics"

[[feed]]
id = "agency"
url = "file:agency.rss"
section = "politics"

[[feed]]
id = "missing"
url = "file:nowhere/feed.rss"
"#;
    std::fs::write(dir.join("feeds.toml"), config).expect("write config");
}

#[test]
fn once_exits_0_with_a_failing_feed_and_status_shows_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_agency_and_missing(dir.path());
    let out = wirefeed(&["once"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("missing") && stderr.contains("nowhere"),
        "the failing feed is named with its reason: {stderr}"
    );
    assert!(dir.path().join("output/all.rss").is_file());

    let status = wirefeed(&["status"], dir.path());
    assert!(status.status.success());
    let table = String::from_utf8_lossy(&status.stdout);
    let agency = table
        .lines()
        .find(|l| l.starts_with("agency"))
        .expect("agency row");
    assert!(!agency.contains("never"), "fetched and succeeded: {table}");
    let missing = table
        .lines()
        .find(|l| l.starts_with("missing"))
        .expect("missing row");
    assert!(missing.contains("nowhere"), "last error shown: {table}");
    assert!(missing.contains("never"), "never succeeded: {table}");
}

/// On a terminal `once` draws a progress bar over the feeds and keeps only
/// warnings in the log; piped, it prints plain log lines and no bar.
#[test]
fn once_shows_progress_on_a_terminal_and_plain_lines_when_piped() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_agency_and_missing(dir.path());
    let piped = wirefeed(&["once"], dir.path());
    let piped_log = String::from_utf8_lossy(&piped.stderr);
    assert!(piped_log.contains(" INFO "), "{piped_log}");
    assert!(!piped_log.contains("/2 feeds"), "{piped_log}");

    // util-linux `script` gives the command a pseudo-terminal.
    let command = format!(
        "{} once --config {}",
        env!("CARGO_BIN_EXE_wirefeed"),
        dir.path().join("feeds.toml").display()
    );
    let Ok(on_terminal) = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir.path())
        .output()
    else {
        support::skip::skip_or_fail("no `script` command (util-linux) to open a terminal");
        return;
    };
    let screen = String::from_utf8_lossy(&on_terminal.stdout);
    assert!(on_terminal.status.success(), "{screen}");
    assert!(screen.contains("/2 feeds"), "progress bar drawn: {screen}");
    assert!(
        !screen.contains(" INFO "),
        "info lines kept out of the bar's way: {screen}"
    );
    assert!(
        screen.contains("WARN"),
        "the failing feed still shows: {screen}"
    );
    assert!(screen.contains("2 feeds: 1 failed"), "{screen}");
}

/// `wirefeed status --json` in `dir`, parsed: the feeds by id.
fn status_json(dir: &Path) -> Vec<Value> {
    let out = wirefeed(&["status", "--json"], dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    match serde_json::from_slice(&out.stdout) {
        Ok(Value::Array(feeds)) => feeds,
        other => panic!(
            "not a JSON array ({other:?}): {}",
            String::from_utf8_lossy(&out.stdout)
        ),
    }
}

fn entry<'a>(feeds: &'a [Value], id: &str) -> &'a Value {
    feeds
        .iter()
        .find(|feed| feed["feed"] == id)
        .unwrap_or_else(|| panic!("no {id} in {feeds:?}"))
}

fn time(value: &Value) -> DateTime<Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {value}"));
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|error| panic!("{text}: {error}"))
        .with_timezone(&Utc)
}

#[test]
fn status_json_after_once_gives_each_feed_its_outcome() {
    let dir = tempfile::tempdir().expect("temp dir");
    let before = Utc::now() - chrono::TimeDelta::seconds(1);
    write_agency_and_missing(dir.path());
    let fresh = status_json(dir.path());
    assert_eq!(
        fresh.len(),
        2,
        "configured feeds before any state: {fresh:?}"
    );
    assert!(entry(&fresh, "agency")["last_fetch"].is_null());

    let out = wirefeed(&["once"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let feeds = status_json(dir.path());
    let ids: Vec<&str> = feeds.iter().filter_map(|f| f["feed"].as_str()).collect();
    assert_eq!(ids, ["agency", "missing"]);

    let agency = entry(&feeds, "agency");
    assert_eq!(agency["configured"], true);
    assert_eq!(agency["enabled"], true);
    assert!(time(&agency["last_success"]) >= before, "{agency}");
    assert_eq!(agency["last_fetch"], agency["last_success"]);
    assert!(agency["items"].as_u64().unwrap_or(0) > 0, "{agency}");
    assert_eq!(agency["consecutive_failures"], 0);
    assert!(agency["last_error"].is_null());
    // `once` plans nothing: only the service does.
    assert!(agency["next_fetch"].is_null() && agency["backoff_until"].is_null());

    let missing = entry(&feeds, "missing");
    assert!(time(&missing["last_fetch"]) >= before, "{missing}");
    assert!(missing["last_success"].is_null());
    assert_eq!(missing["consecutive_failures"], 1);
    assert_eq!(missing["items"], 0);
    let error = missing["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("nowhere"), "{missing}");
}

/// Stops the service however the test ends.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn status_shows_the_next_fetch_and_backoff_the_running_service_planned() {
    let server = TestServer::start();
    let rss = std::fs::read(fixture("agency.rss")).expect("read fixture");
    server.set("/agency.rss", Route::ok(rss, "application/rss+xml"));
    server.set("/down.rss", Route::status(503));
    let dir = tempfile::tempdir().expect("temp dir");
    let config = format!(
        r#"
[site]
title = "CLI News"
base_url = "https://feeds.example.org/"

[defaults]
schedule = "0 0 * * * *"
allow_private = true

[[section]]
slug = "politics"
title = "Politics"

[[feed]]
id = "agency"
url = "{}"
section = "politics"

[[feed]]
id = "down"
url = "{}"
"#,
        server.url("/agency.rss"),
        server.url("/down.rss")
    );
    std::fs::write(dir.path().join("feeds.toml"), config).expect("write config");
    let started = Utc::now();
    let _service = Service(
        Command::new(env!("CARGO_BIN_EXE_wirefeed"))
            .arg("run")
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start wirefeed run"),
    );

    // The service fetches everything at start, then saves its plan.
    let deadline = Instant::now() + Duration::from_secs(30);
    let feeds = loop {
        if dir.path().join("state").exists() {
            let feeds = status_json(dir.path());
            let planned = |id: &str| !entry(&feeds, id)["next_fetch"].is_null();
            if planned("agency") && planned("down") {
                break feeds;
            }
        }
        assert!(Instant::now() < deadline, "no plan saved within 30 s");
        std::thread::sleep(Duration::from_millis(200));
    };

    // On schedule: the next top of the hour (plus at most 30 s of jitter).
    let agency = entry(&feeds, "agency");
    let next = time(&agency["next_fetch"]);
    assert!(
        next > started && next - started <= chrono::TimeDelta::minutes(61),
        "{agency}"
    );
    assert!(agency["backoff_until"].is_null(), "{agency}");

    // A 503 is retried after the backoff, long before the hourly slot.
    let down = entry(&feeds, "down");
    assert_eq!(down["http_status"], 503, "{down}");
    assert!(
        down["consecutive_failures"].as_u64().unwrap_or(0) >= 1,
        "{down}"
    );
    assert_eq!(down["next_fetch"], down["backoff_until"], "{down}");
    let retry = time(&down["backoff_until"]);
    assert!(
        retry > started && retry - started <= chrono::TimeDelta::minutes(5),
        "{down}"
    );

    let table = wirefeed(&["status"], dir.path());
    let table = String::from_utf8_lossy(&table.stdout);
    let row = |id: &str| {
        table
            .lines()
            .find(|line| line.starts_with(id))
            .unwrap_or_else(|| panic!("no {id} row: {table}"))
            .to_owned()
    };
    assert!(row("agency").contains(" in "), "{table}");
    assert!(row("down").contains(" failure"), "backoff shown: {table}");
}

/// One mistake is "1 error"; a TOML syntax error is that one mistake, at its
/// line and column, with nothing the loader guessed after it.
#[test]
fn check_of_a_toml_syntax_error_reports_it_alone_as_1_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = "[site]\ntitle = \"T\"\nbase_url = \"https://feeds.example.org/\"\n\n\
                  [[feed]]\nid = \"agency\nurl = \"https://agency.example/world.rss\"\n";
    std::fs::write(dir.path().join("feeds.toml"), config).expect("write config");
    let out = wirefeed(&["check"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stderr);
    let problems: Vec<&str> = text
        .lines()
        .filter(|line| line.contains(": error: "))
        .collect();
    assert_eq!(problems.len(), 1, "{text}");
    assert!(
        problems[0].starts_with("feeds.toml:6:") && problems[0].contains("invalid TOML"),
        "{text}"
    );
    assert!(text.contains("feeds.toml: 1 error\n"), "{text}");
    assert!(!text.contains("1 errors"), "{text}");
}

/// `once` exits after its one pass: nothing will retry a feed that failed,
/// so nothing it prints may say so.
#[test]
fn once_does_not_promise_a_retry_it_will_not_make() {
    let server = TestServer::start();
    server.set("/down.rss", Route::status(503));
    let dir = tempfile::tempdir().expect("temp dir");
    let config = format!(
        "[site]\ntitle = \"T\"\nbase_url = \"https://feeds.example.org/\"\n\n\
         [defaults]\nallow_private = true\n\n[[feed]]\nid = \"down\"\nurl = \"{}\"\n",
        server.url("/down.rss")
    );
    std::fs::write(dir.path().join("feeds.toml"), config).expect("write config");
    let out = wirefeed(&["once"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("1 feed: 1 failed"), "{all}");
    assert!(all.contains("503 Service Unavailable"), "{all}");
    assert!(all.contains("status=503 "), "{all}");
    assert!(!all.contains("retry"), "{all}");
    assert!(!all.contains("Some("), "{all}");
}
