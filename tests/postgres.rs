//! wirefeed as a whole process on a PostgreSQL state: the demo newsroom
//! published from it, read back by `status` and `explain`, the password in
//! no output, and a database that is not there reported clearly.
//!
//! Needs a server: `WIREFEED_TEST_POSTGRES` (libpq's `key=value` form or a
//! URL) names one where the tests may create databases; `.ci/run` starts
//! one. Without it each test skips, saying so, unless
//! `WIREFEED_REQUIRE_ALL=1`.

#[path = "support/database.rs"]
mod database;
#[path = "support/skip.rs"]
mod skip;

use std::path::Path;
use std::process::{Command, Output};

use database::Database;

/// The demo newsroom (the repository's feeds.toml and demo/) in `dir`,
/// with its state at `store_url`.
fn demo_newsroom(dir: &Path, store_url: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = std::fs::read_to_string(root.join("feeds.toml")).expect("feeds.toml");
    let config = config.replacen(
        "[site]",
        &format!("[store]\nurl = \"{store_url}\"\n\n[site]"),
        1,
    );
    std::fs::write(dir.join("feeds.toml"), config).expect("write feeds.toml");
    let demo = dir.join("demo");
    copy_folder(&root.join("demo"), &demo);
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a folder");
    for entry in std::fs::read_dir(from).expect("read a folder") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

const SECRET: &str = "pw-that-must-never-show-7f3a";

fn wirefeed(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(args)
        .arg("--config")
        .arg(dir.join("feeds.toml"))
        .current_dir(dir)
        .env("PGPASSWORD", SECRET)
        .env("RUST_LOG", "debug")
        .output()
        .expect("run wirefeed")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn the_demo_newsroom_publishes_from_a_postgres_state_and_reads_it_back() {
    let Some(database) = Database::create("demo") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    demo_newsroom(dir.path(), &database.url);

    let first = wirefeed(dir.path(), &["once"]);
    assert!(first.status.success(), "{}", text(&first));
    let all: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("output/all.json")).expect("all.json published"),
    )
    .expect("all.json is JSON");
    let items = all["items"].as_array().expect("items").len();
    assert_eq!(items, 12, "the demo's 14 items, two folded");
    assert_eq!(
        database.query_one("SELECT COUNT(*) FROM articles"),
        12,
        "the articles are in PostgreSQL"
    );
    assert!(
        !dir.path().join("state").exists(),
        "no SQLite state beside it"
    );

    let again = wirefeed(dir.path(), &["once"]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        text(&again).contains("0 new, 0 updated, 0 folded"),
        "the second run found everything stored: {}",
        text(&again)
    );

    let status = wirefeed(dir.path(), &["status"]);
    assert!(status.status.success(), "{}", text(&status));
    assert!(text(&status).contains("wire-world"), "{}", text(&status));

    let folded: String = {
        let mut config = database.admin.clone();
        config.dbname(&database.name);
        let mut client = config.connect(postgres::NoTls).expect("connect");
        client
            .query_one(
                "SELECT article_id FROM sources GROUP BY article_id HAVING COUNT(*) > 1 LIMIT 1",
                &[],
            )
            .expect("a folded article")
            .get(0)
    };
    let explain = wirefeed(dir.path(), &["explain", &folded]);
    assert!(explain.status.success(), "{}", text(&explain));
    assert!(text(&explain).contains("sources (2)"), "{}", text(&explain));

    for output in [&first, &again, &status, &explain] {
        assert!(
            !text(output).contains(SECRET),
            "the password reached the output: {}",
            text(output)
        );
    }
}

#[test]
fn a_database_that_is_not_there_is_reported_and_nothing_is_published() {
    // Nothing listens on this port: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("postgres://wire@127.0.0.1:{port}/news");
    demo_newsroom(dir.path(), &url);
    let output = wirefeed(dir.path(), &["once"]);
    assert!(!output.status.success(), "{}", text(&output));
    let said = text(&output);
    assert!(
        said.contains(&format!(
            "cannot connect to the state database postgres://wire@127.0.0.1:{port}/news"
        )),
        "{said}"
    );
    assert!(!said.contains("panicked"), "{said}");
    assert!(!said.contains(SECRET), "{said}");
    assert!(
        !dir.path().join("output/all.json").exists(),
        "nothing published without a state"
    );
}

#[test]
fn a_sqlite_state_moves_to_postgres_without_refetching_or_republishing() {
    let Some(database) = Database::create("moved") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    demo_newsroom(dir.path(), &database.url);
    // First as a newsroom without [store]: SQLite under state_dir.
    let with_store = std::fs::read_to_string(dir.path().join("feeds.toml")).expect("read");
    let without = with_store.replacen(&format!("[store]\nurl = \"{}\"\n\n", database.url), "", 1);
    std::fs::write(dir.path().join("feeds.toml"), &without).expect("write");
    let first = wirefeed(dir.path(), &["once"]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(dir.path().join("state/wirefeed.sqlite3").is_file());
    let published = std::fs::read(dir.path().join("output/all.json")).expect("all.json");

    let moved = wirefeed(dir.path(), &["migrate-state", "--to", &database.url]);
    assert!(moved.status.success(), "{}", text(&moved));
    assert!(
        text(&moved).contains("12 articles, 14 versions"),
        "{}",
        text(&moved)
    );
    assert_eq!(
        database.query_one("SELECT COUNT(*) FROM sources WHERE fold_evidence IS NOT NULL"),
        2,
        "the fold evidence came along"
    );
    let again = wirefeed(dir.path(), &["migrate-state", "--to", &database.url]);
    assert!(!again.status.success(), "a state already there is kept");
    assert!(text(&again).contains("--replace"), "{}", text(&again));
    let replaced = wirefeed(
        dir.path(),
        &["migrate-state", "--to", &database.url, "--replace"],
    );
    assert!(replaced.status.success(), "{}", text(&replaced));

    // Now on PostgreSQL: every feed answers "not modified" from the moved
    // validators, and nothing is rewritten.
    std::fs::write(dir.path().join("feeds.toml"), &with_store).expect("write");
    let after = wirefeed(dir.path(), &["once"]);
    assert!(after.status.success(), "{}", text(&after));
    assert!(
        text(&after).contains("0 new, 0 updated, 0 folded")
            && text(&after).contains("0 files written"),
        "{}",
        text(&after)
    );
    assert_eq!(
        std::fs::read(dir.path().join("output/all.json")).expect("all.json"),
        published
    );

    let secret = wirefeed(
        dir.path(),
        &[
            "migrate-state",
            "--to",
            &database
                .url
                .replacen("postgres@", &format!("postgres:{SECRET}@"), 1),
        ],
    );
    assert!(!secret.status.success());
    assert!(text(&secret).contains("PGPASSWORD"), "{}", text(&secret));
    assert!(!text(&secret).contains(SECRET), "{}", text(&secret));
}
