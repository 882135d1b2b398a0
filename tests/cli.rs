//! The `wirefeed` binary as an operator meets it: exit codes and messages.

use std::path::Path;
use std::process::{Command, Output};

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
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/feeds.toml");
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

#[test]
fn once_exits_0_with_a_failing_feed_and_status_shows_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(fixture("agency.rss"), dir.path().join("agency.rss")).expect("copy fixture");
    let config = r#"
[site]
title = "CLI News"
base_url = "https://feeds.example.org/"

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
    std::fs::write(dir.path().join("feeds.toml"), config).expect("write config");
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
