//! `wirefeed preview` and `wirefeed explain` as an editor meets them: the
//! real binary against feeds served on 127.0.0.1.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::newsroom::{AGENCY, Newsroom, PARTNER};

fn wirefeed(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run wirefeed")
}

/// Runs `wirefeed ARGS --config feeds.toml` and returns stdout, failing the
/// test with stderr when it does not exit 0.
fn run(room: &Newsroom, args: &[&str]) -> String {
    let config = room.config_path();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--config", config.to_str().expect("utf-8 path")]);
    let out = wirefeed(&all, room.dir.path());
    assert!(
        out.status.success(),
        "wirefeed {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn newsroom() -> Newsroom {
    let room = Newsroom::new();
    room.serve_fixture("/agency.rss", "agency.rss", "application/rss+xml");
    room.serve_fixture("/partner.atom", "partner.atom", "application/atom+xml");
    room
}

/// The feeds.toml line where `needle` first appears, 1-based.
fn line_of(config: &Path, needle: &str) -> usize {
    let text = std::fs::read_to_string(config).expect("feeds.toml");
    text.lines()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in feeds.toml"))
        + 1
}

/// The line of the `[[feed.rule]]` whose first key contains `needle`.
fn rule_line(config: &Path, needle: &str) -> usize {
    line_of(config, needle) - 1
}

fn article_count(room: &Newsroom) -> i64 {
    let conn =
        rusqlite::Connection::open(room.dir.path().join("state/wirefeed.sqlite3")).expect("state");
    conn.query_row("SELECT COUNT(*) FROM articles", [], |row| row.get(0))
        .expect("count")
}

/// Every file under the output folder with its bytes.
fn output_files(room: &Newsroom) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read output") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, files);
            } else {
                let bytes = std::fs::read(&path).expect("read file");
                files.insert(path, bytes);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(&room.dir.path().join("output"), &mut files);
    files
}

/// The agency's Cairo story, named by its canonical URL (tracking removed).
fn cairo_id() -> String {
    wirefeed::normalize::anchored_article_id(
        "agency",
        "AG-0001",
        Some("https://agency.example/world/ceasefire-talks-resume?id=42"),
    )
}

/// The agency's rate story, named by its canonical URL.
fn rate_id() -> String {
    wirefeed::normalize::anchored_article_id(
        "agency",
        "AG-0002",
        Some("https://agency.example/economy/rate-rise"),
    )
}

#[test]
fn preview_of_a_republishing_feed_shows_fold_targets_and_evidence_and_stores_nothing() {
    let mut room = newsroom();
    room.feed("/agency.rss", AGENCY);
    run(&room, &["once"]);
    room.feed("/partner.atom", PARTNER);
    let articles = article_count(&room);
    let output = output_files(&room);

    let text = run(&room, &["preview", "partner"]);

    assert!(text.contains("nothing is stored or published"), "{text}");
    let cairo = format!("would fold into article {}", cairo_id());
    assert!(text.contains(&cairo), "{text}");
    assert!(
        text.contains("similar text to stored row") && text.contains("verdict same_"),
        "the similarity evidence with its verdict: {text}"
    );
    assert!(
        text.contains("same canonical URL https://agency.example/economy/rate-rise"),
        "{text}"
    );
    assert!(
        text.contains("new article"),
        "the partner's own stories: {text}"
    );
    assert_eq!(article_count(&room), articles, "preview stored nothing");
    assert!(output_files(&room) == output, "preview published nothing");
    let conn =
        rusqlite::Connection::open(room.dir.path().join("state/wirefeed.sqlite3")).expect("state");
    let partner_fetches: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM feed_state WHERE feed_id = 'partner'",
            [],
            |row| row.get(0),
        )
        .expect("count");
    assert_eq!(partner_fetches, 0, "no fetch was recorded");
}

#[test]
fn preview_shows_the_line_of_the_rule_that_drops_an_item_and_the_rules_behind_fields() {
    let mut room = newsroom();
    room.feed("/agency.rss", AGENCY);
    let config = room.config_path();
    let text = run(&room, &["preview", "agency"]);

    let drop = rule_line(&config, "(?i)^sponsored");
    let config_name = config.display().to_string();
    assert!(
        text.contains(&format!("DROPPED    by the rule at {config_name}:{drop}")),
        "{text}"
    );
    let markets = rule_line(&config, "category = \"Markets\"");
    assert!(
        text.lines().any(|l| l.contains("section")
            && l.contains("economy")
            && l.contains(&format!("rule at {config_name}:{markets}"))),
        "the Markets rule sets the section: {text}"
    );
    assert!(
        text.contains("no state file yet: every kept item would be new"),
        "{text}"
    );
    assert!(
        !room.dir.path().join("state").exists(),
        "preview without a state creates none"
    );
}

#[test]
fn preview_after_once_calls_the_feeds_own_items_stored() {
    let mut room = newsroom();
    room.feed("/agency.rss", AGENCY);
    run(&room, &["once"]);
    let text = run(&room, &["preview", "agency"]);
    assert!(
        text.contains("update of a stored item") && text.contains(": unchanged"),
        "{text}"
    );
    assert!(!text.contains("new article"), "{text}");
}

#[test]
fn unknown_feed_id_is_refused_with_a_suggestion() {
    let mut room = newsroom();
    room.feed("/agency.rss", AGENCY);
    let config = room.config_path();
    let out = wirefeed(
        &[
            "preview",
            "agnecy",
            "--config",
            config.to_str().expect("utf-8"),
        ],
        room.dir.path(),
    );
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no feed `agnecy`") && stderr.contains("did you mean `agency`?"),
        "{stderr}"
    );
}

/// The agency's stories stored first, then the partner's copies folded in:
/// within one cycle either feed may be stored first.
fn folded_newsroom() -> Newsroom {
    let mut room = newsroom();
    room.feed("/agency.rss", AGENCY);
    run(&room, &["once"]);
    room.feed("/partner.atom", PARTNER);
    run(&room, &["once"]);
    room
}

#[test]
fn explain_by_id_shows_sources_links_rule_lines_channels_and_fold_evidence() {
    let room = folded_newsroom();
    let config = room.config_path();
    let config_name = config.display().to_string();
    let text = run(&room, &["explain", &cairo_id()]);

    assert!(
        text.starts_with(&format!(
            "article {}: Ceasefire talks resume in Cairo",
            cairo_id()
        )),
        "{text}"
    );
    assert!(
        text.contains("primary   agency (Agency Wire), priority 10"),
        "{text}"
    );
    assert!(
        text.contains("also_via  partner (Partner Daily), priority 1"),
        "{text}"
    );
    assert!(
        text.contains("link       https://partner.example/world/2026/11/25/cairo-talks"),
        "the partner's own link: {text}"
    );
    assert!(
        text.contains("published  2026-11-25T08:40:00+00:00 (by the source)"),
        "{text}"
    );
    let mena = rule_line(&config, "category = \"Middle East\"");
    assert!(
        text.lines().any(|l| l.contains("regions")
            && l.contains("mena")
            && l.contains(&format!("rule at {config_name}:{mena}"))),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("section") && l.contains("politics") && l.contains("feed default")),
        "{text}"
    );
    assert!(text.contains("rules as configured now"), "{text}");
    assert!(text.contains("started this article"), "{text}");
    assert!(
        text.contains("folded at ingest: similar text to stored row 1 (agency): verdict same_"),
        "{text}"
    );
    for file in ["all.rss", "sections/politics.json", "regions/mena.atom"] {
        assert!(text.contains(file), "published in {file}: {text}");
    }
    assert!(!text.contains("breaking.rss"), "not breaking: {text}");
}

#[test]
fn explain_finds_an_article_by_any_sources_original_link() {
    let room = folded_newsroom();
    let partner_link = "https://partner.example/world/2026/11/25/cairo-talks";
    let text = run(&room, &["explain", partner_link]);
    assert!(
        text.starts_with(&format!("article {}:", cairo_id())),
        "{text}"
    );

    let tracked = "https://agency.example/economy/rate-rise?fbclid=IwAR0abc&utm_campaign=x";
    let text = run(&room, &["explain", tracked]);
    let rate = rate_id();
    assert!(text.starts_with(&format!("article {rate}:")), "{text}");
    assert!(
        text.contains(
            "folded at ingest: same canonical URL https://agency.example/economy/rate-rise"
        ),
        "{text}"
    );
    assert!(text.contains("breaking.json"), "a breaking story: {text}");
}

#[test]
fn explain_json_parses_and_carries_the_same_facts() {
    let room = folded_newsroom();
    let text = run(&room, &["explain", &cairo_id(), "--json"]);
    let json: serde_json::Value = serde_json::from_str(&text).expect("explain --json is JSON");
    assert_eq!(json["id"], cairo_id().as_str());
    let sources = json["sources"].as_array().expect("sources");
    assert_eq!(sources.len(), 2);
    assert_eq!(sources[0]["role"], "primary");
    assert_eq!(sources[0]["fold"]["decision"], "started");
    assert_eq!(sources[1]["feed_id"], "partner");
    assert_eq!(
        sources[1]["link"],
        "https://partner.example/world/2026/11/25/cairo-talks"
    );
    assert_eq!(sources[1]["fold"]["decision"], "recorded");
    assert_eq!(sources[1]["fold"]["evidence"]["kind"], "similar");
    assert_eq!(
        sources[1]["fold"]["evidence"]["matched_row"],
        sources[0]["row"]
    );
    assert!(sources[1]["fold"]["evidence"]["title"].as_f64().is_some());
    assert_eq!(json["fields"]["regions"]["set_by"], "rule");
    assert_eq!(json["fields"]["section"]["set_by"], "feed_default");
    let paths: Vec<&str> = json["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .filter_map(|c| c["path"].as_str())
        .collect();
    assert!(
        paths.contains(&"all") && paths.contains(&"regions/mena"),
        "{paths:?}"
    );
}

#[test]
fn explain_of_an_unknown_article_exits_3() {
    let room = folded_newsroom();
    let config = room.config_path();
    let out = wirefeed(
        &[
            "explain",
            "https://nowhere.example/x",
            "--config",
            config.to_str().expect("utf-8"),
        ],
        room.dir.path(),
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no stored article"));
}

#[test]
fn explain_recomputes_the_evidence_of_folds_stored_before_it_was_kept_and_says_so() {
    let room = folded_newsroom();
    // What a state written before schema 3 holds: folds without evidence.
    let conn =
        rusqlite::Connection::open(room.dir.path().join("state/wirefeed.sqlite3")).expect("state");
    conn.execute("UPDATE sources SET fold_evidence = NULL", [])
        .expect("clear evidence");
    drop(conn);

    let text = run(&room, &["explain", &cairo_id()]);
    assert!(
        text.contains(
            "folded before evidence was kept; recomputed now: similar text to stored row 1 (agency): verdict same_"
        ),
        "{text}"
    );
    let rate = rate_id();
    let text = run(&room, &["explain", &rate]);
    assert!(
        text.contains(
            "recomputed now: same canonical URL https://agency.example/economy/rate-rise"
        ),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&run(&room, &["explain", &rate, "--json"])).expect("JSON");
    assert_eq!(json["sources"][1]["fold"]["decision"], "recomputed");
    assert_eq!(json["sources"][1]["fold"]["evidence"]["kind"], "same_url");
}
