//! What only SQLite has: the file, its pragmas, its migrations from older
//! wirefeeds, its query plans, and failures injected under its connection.
//! The store's behaviour on every backend is tested in `store::tests`.

use super::*;
use crate::dedup::testing::{article, at};
use crate::store::Store;
use crate::store::tests::{JENIN_LEAD, agency_then_partner_on_one_url, feed, ingest};
use tempfile::TempDir;

fn open() -> (TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("state/wirefeed.db")).expect("open");
    (dir, store)
}

/// The store's own connection: temporary triggers and pragmas are per
/// connection.
fn conn(store: &Store) -> &Connection {
    store
        .backend
        .as_any()
        .downcast_ref::<SqliteBackend>()
        .expect("a SQLite store")
        .conn()
}

fn count(store: &Store, table: &str) -> i64 {
    conn(store)
        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
            row.get(0)
        })
        .expect("count")
}

#[test]
fn open_creates_the_folder_and_a_wal_database_at_the_schema_version() {
    let (dir, store) = open();
    assert!(dir.path().join("state/wirefeed.db").is_file());
    let mode: String = conn(&store)
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = conn(&store)
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, schema::VERSION);
}

#[cfg(unix)]
#[test]
fn a_state_folder_it_creates_is_readable_by_its_owner_alone() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, _store) = open();
    let mode = std::fs::metadata(dir.path().join("state"))
        .expect("state folder")
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "mode {mode:o}");
}

#[test]
fn database_from_a_newer_wirefeed_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wirefeed.db");
    drop(Store::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", schema::VERSION + 1)
        .unwrap();
    drop(conn);
    assert!(matches!(
        Store::open(&path),
        Err(StoreError::NewerSchema { found, .. }) if found == schema::VERSION + 1
    ));
}

/// An article as normalize names it: by its canonical URL.

#[test]
fn corrected_text_is_reindexed_for_near_duplicates() {
    let (_dir, mut store) = open();
    ingest(
        &mut store,
        "ap",
        10,
        vec![article("a1", "ap").title("Placeholder").build()],
    );
    let corrected = article("a1", "ap")
        .title("Israeli forces raid Jenin refugee camp before dawn")
        .summary(JENIN_LEAD)
        .updated(at(20))
        .build();
    ingest(&mut store, "ap", 10, vec![corrected]);
    let keys: Vec<u8> = conn(&store)
        .query_row("SELECT keys FROM source_keys", [], |row| row.get(0))
        .unwrap();
    let expected = PreparedArticle::new(
        article("a1", "ap")
            .title("Israeli forces raid Jenin refugee camp before dawn")
            .summary(JENIN_LEAD)
            .build(),
    )
    .unwrap()
    .band_keys
    .expect("the correction has band keys");
    assert_eq!(
        (count(&store, "source_keys"), keys),
        (1, crate::store::records::keys_blob(&expected)),
        "the placeholder's band keys are gone, the correction's are in"
    );
    let copy = article("p1", "partner")
        .title("Israeli forces raid Jenin refugee camp before dawn")
        .summary(JENIN_LEAD)
        .build();
    assert_eq!(ingest(&mut store, "partner", 1, vec![copy]).folded, 1);
}

#[test]
fn every_channel_query_reads_in_index_order_without_sorting() {
    let (_dir, store) = open();
    let channels = [
        Channel::All,
        Channel::Breaking,
        Channel::Section("s".into()),
        Channel::Tag("t".into()),
        Channel::Region("r".into()),
        Channel::Language("en".into()),
    ];
    for channel in channels {
        let (sql, key) = articles::channel_query(&channel);
        let mut explain = conn(&store)
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let read = |row: &rusqlite::Row<'_>| row.get::<_, String>(3);
        let plan: Vec<String> = match key {
            Some(key) => explain.query_map(rusqlite::params![key, 50], read),
            None => explain.query_map(rusqlite::params![50], read),
        }
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
        let plan = plan.join(" | ");
        assert!(!plan.contains("TEMP B-TREE"), "{channel:?} sorts: {plan}");
        assert!(
            plan.split(" | ")
                .filter(|step| step.starts_with("SCAN"))
                .all(|step| step.contains("INDEX")),
            "{channel:?} scans a table: {plan}"
        );
    }
}

#[test]
fn failed_ingest_leaves_nothing_of_the_feed_written() {
    let (_dir, mut store) = open();
    // The second article's write fails after the first one's succeeded.
    conn(&store)
        .execute_batch(
            "CREATE TEMP TRIGGER fail_second BEFORE INSERT ON articles
             WHEN NEW.id = 'ap:2' BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END;",
        )
        .unwrap();
    let batch = vec![article("1", "ap").build(), article("2", "ap").build()];
    let error = store.ingest(&feed("ap", 10), batch.clone()).unwrap_err();
    assert!(matches!(&error, StoreError::Ingest { feed_id, .. } if feed_id == "ap"));
    for table in ["articles", "sources", "labels", "source_keys", "feed_state"] {
        assert_eq!(count(&store, table), 0, "{table} was written");
    }

    conn(&store)
        .execute_batch("DROP TRIGGER fail_second")
        .unwrap();
    assert_eq!(store.ingest(&feed("ap", 10), batch).unwrap().new, 2);
}

#[test]
fn a_group_commits_every_feed_or_none() {
    let (_dir, mut store) = open();
    store
        .group(|store| {
            store.ingest(&feed("ap", 10), vec![article("1", "ap").build()])?;
            store.record_failure("down", at(1), "HTTP 500", Some(500))?;
            store.ingest(
                &feed("afp", 5),
                vec![article("9", "afp").title("Another story entirely").build()],
            )
        })
        .unwrap();
    assert_eq!(count(&store, "articles"), 2);
    assert_eq!(count(&store, "feed_state"), 3);

    // A failure in the third feed of a group takes the whole group back.
    conn(&store)
        .execute_batch(
            "CREATE TEMP TRIGGER fail_bad BEFORE INSERT ON articles
             WHEN NEW.id = 'bad:1' BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END;",
        )
        .unwrap();
    let error = store
        .group(|store| {
            store.ingest(
                &feed("dpa", 1),
                vec![article("5", "dpa").title("A third story here").build()],
            )?;
            store.ingest(&feed("bad", 1), vec![article("1", "bad").build()])
        })
        .unwrap_err();
    assert!(matches!(&error, StoreError::Ingest { feed_id, .. } if feed_id == "bad"));
    assert_eq!(
        count(&store, "articles"),
        2,
        "nothing of the failed group stays"
    );
    assert_eq!(count(&store, "feed_state"), 3);

    // And the connection is usable afterwards, outside any group.
    conn(&store).execute_batch("DROP TRIGGER fail_bad").unwrap();
    assert_eq!(
        store
            .ingest(&feed("bad", 1), vec![article("1", "bad").build()])
            .unwrap()
            .new,
        1
    );
}

#[test]
fn each_version_keeps_its_own_text_after_its_article_is_rebuilt() {
    // A lone version is stored once, as its article; folding must first give
    // it its own copy, or the rebuilt article would overwrite it.
    let (_dir, mut store) = open();
    let url = "https://news.example/story";
    ingest(
        &mut store,
        "partner",
        1,
        vec![
            article("p1", "partner")
                .url(url)
                .title("Partner wording")
                .build(),
        ],
    );
    ingest(
        &mut store,
        "ap",
        10,
        vec![article("a1", "ap").url(url).title("Agency wording").build()],
    );

    let versions = sources::of_article(conn(&store), "partner:p1").unwrap();
    let titles: Vec<&str> = versions.iter().map(|v| v.version.title.as_str()).collect();
    assert_eq!(titles, ["Partner wording", "Agency wording"]);
    assert_eq!(versions[0].version.source.feed_id, "partner");

    // A correction of the agency item rebuilds from both versions again.
    ingest(
        &mut store,
        "ap",
        10,
        vec![
            article("a1", "ap")
                .url(url)
                .title("Agency wording, corrected")
                .updated(at(5))
                .build(),
        ],
    );
    let story = store.article("partner:p1").unwrap().unwrap();
    assert_eq!(story.title, "Agency wording, corrected");
    assert_eq!(story.also_via.len(), 1);
    assert_eq!(story.also_via[0].feed_id, "partner");
}

fn plan(feed_id: &str, next: Option<i64>, backoff: Option<i64>) -> PlannedFetch<'_> {
    PlannedFetch {
        feed_id,
        next_fetch: next.map(at),
        backoff_until: backoff.map(at),
    }
}

#[test]
fn a_version_1_state_file_is_migrated_and_keeps_its_feed_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wirefeed.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(schema::MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO feed_state (feed_id, last_fetch, last_success, http_status,
                 consecutive_failures, etag) VALUES ('ap', ?1, ?1, 200, 0, '\"v1\"')",
            [at(100).timestamp_micros()],
        )
        .unwrap();
    }

    let mut store = Store::open(&path).unwrap();
    let version: i64 = conn(&store)
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, schema::VERSION);
    let ap = store.feed_state("ap").unwrap().unwrap();
    assert_eq!(ap.last_success, Some(at(100)));
    assert_eq!(ap.validators.etag.as_deref(), Some("\"v1\""));
    assert_eq!((ap.next_fetch, ap.backoff_until), (None, None));

    store
        .record_plans(&[plan("ap", Some(200), Some(200))])
        .unwrap();
    drop(store);
    let reopened = Store::open(&path).unwrap();
    let ap = reopened.feed_state("ap").unwrap().unwrap();
    assert_eq!(ap.next_fetch, Some(at(200)));
}

fn evidence_of(store: &Store, feed_id: &str) -> Option<String> {
    conn(store)
        .query_row(
            "SELECT fold_evidence FROM sources WHERE feed_id = ?1",
            [feed_id],
            |row| row.get(0),
        )
        .unwrap()
}

#[test]
fn a_fold_by_canonical_url_records_the_url_as_its_evidence() {
    let (_dir, mut store) = open();
    let url = agency_then_partner_on_one_url(&mut store);
    assert_eq!(
        evidence_of(&store, "ap"),
        None,
        "the first version folded into nothing"
    );
    let records = store.source_records("ap:a1").unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].feed_id, "partner");
    assert_eq!(
        records[1].fold_evidence,
        Some(FoldEvidence::SameUrl { url: url.into() })
    );
    assert_eq!(records[0].fold_evidence, None);
}

#[test]
fn a_version_2_state_file_is_migrated_and_keeps_its_sources_without_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wirefeed.db");
    let url = "https://news.example/story";
    {
        // What a schema-2 wirefeed stored: two folded versions, no evidence.
        let mut store = Store::open(&path).unwrap();
        ingest(
            &mut store,
            "ap",
            10,
            vec![article("a1", "ap").url(url).build()],
        );
        ingest(
            &mut store,
            "partner",
            1,
            vec![article("p1", "partner").url(url).build()],
        );
        conn(&store)
            .execute_batch(
                "DROP TABLE source_keys; CREATE TABLE lsh (band_key INTEGER NOT NULL,
                 source_id INTEGER NOT NULL, PRIMARY KEY (band_key, source_id)) WITHOUT ROWID;
                 DROP TABLE fetch_hours; DROP TABLE published; DROP TABLE stale_channels;
                 DROP INDEX articles_hidden; ALTER TABLE articles DROP COLUMN hidden_until;
                 ALTER TABLE sources DROP COLUMN fold_evidence; PRAGMA user_version = 2;",
            )
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let version: i64 = conn(&store)
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, schema::VERSION);
    let records = store.source_records("ap:a1").unwrap();
    let feeds: Vec<&str> = records.iter().map(|r| r.feed_id.as_str()).collect();
    assert_eq!(feeds, ["ap", "partner"]);
    assert!(records.iter().all(|r| r.fold_evidence.is_none()));
    assert_eq!(store.article("ap:a1").unwrap().unwrap().also_via.len(), 1);
}

#[test]
fn a_version_6_state_gets_its_band_keys_from_the_stored_words_and_still_folds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wirefeed.db");
    {
        // What a schema-6 wirefeed stored: band keys in `lsh` by key.
        let mut store = Store::open(&path).unwrap();
        let agency = article("a1", "ap")
            .title("Israeli forces raid Jenin refugee camp before dawn")
            .summary(JENIN_LEAD)
            .build();
        ingest(&mut store, "ap", 10, vec![agency]);
        conn(&store)
            .execute_batch(
                "DROP TABLE source_keys; CREATE TABLE lsh (band_key INTEGER NOT NULL,
                 source_id INTEGER NOT NULL, PRIMARY KEY (band_key, source_id)) WITHOUT ROWID;
                 PRAGMA user_version = 6;",
            )
            .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    assert_eq!(count(&store, "source_keys"), 1, "filled from the words");
    let lsh_left: i64 = conn(&store)
        .query_row(
            "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'lsh'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(lsh_left, 0, "the table of keys by key is gone");
    let partner = article("p1", "partner")
        .title("Israeli Forces Raid Jenin Refugee Camp")
        .summary(&JENIN_LEAD.replace("on Tuesday", "Tuesday"))
        .build();
    let report = ingest(&mut store, "partner", 1, vec![partner]);
    assert_eq!(report.folded, 1, "the migrated keys find the copy");
    let records = store.source_records("ap:a1").unwrap();
    assert!(
        matches!(
            records.get(1).and_then(|r| r.fold_evidence.as_ref()),
            Some(FoldEvidence::Similar { .. })
        ),
        "folded by its text, not its URL: {records:?}"
    );
}
