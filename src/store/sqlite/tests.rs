//! Behaviour of the store on real SQLite files in a temporary folder.

use super::*;
use crate::dedup::testing::{article, at};
use crate::fetch::Validators;
use crate::model::Image;
use crate::store::{FeedIngest, IngestReport, LabelKind, Store};
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

fn feed(feed_id: &str, priority: i64) -> FeedIngest<'_> {
    FeedIngest {
        feed_id,
        priority,
        fetched_at: at(100),
        http_status: Some(200),
        validators: Validators {
            etag: Some(format!("\"{feed_id}-etag\"")),
            last_modified: None,
        },
    }
}

fn ingest(store: &mut Store, feed_id: &str, priority: i64, articles: Vec<Article>) -> IngestReport {
    store
        .ingest(&feed(feed_id, priority), articles)
        .expect("ingest")
}

fn count(store: &Store, table: &str) -> i64 {
    conn(store)
        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
            row.get(0)
        })
        .expect("count")
}

fn all(store: &Store) -> Vec<Article> {
    store.latest(&Channel::All, 1000).expect("latest")
}

/// The agency's story (priority 10) and a partner's copy under the same
/// canonical URL (priority 1), ingested in that order: one article.
fn agency_then_partner_on_one_url(store: &mut Store) -> &'static str {
    let url = "https://news.example/story";
    ingest(
        store,
        "ap",
        10,
        vec![article("a1", "ap").url(url).title("Agency").build()],
    );
    ingest(
        store,
        "partner",
        1,
        vec![article("p1", "partner").url(url).title("Partner").build()],
    );
    url
}

const JENIN_LEAD: &str = "Israeli forces raided the Jenin refugee camp before dawn on Tuesday, \
    local officials said, in an operation that lasted several hours and left two people \
    wounded according to the Palestinian health ministry.";

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
fn reopening_keeps_articles_and_feed_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wirefeed.db");
    let story = article("1", "ap").build();
    {
        let mut store = Store::open(&path).unwrap();
        ingest(&mut store, "ap", 10, vec![story.clone()]);
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.article(&story.id).unwrap(), Some(story));
    let state = store.feed_state("ap").unwrap().unwrap();
    assert_eq!(state.items, 1);
    assert_eq!(state.validators.etag.as_deref(), Some("\"ap-etag\""));
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

#[test]
fn new_article_is_stored_whole() {
    let (_dir, mut store) = open();
    let story = article("1", "ap")
        .section("politics")
        .tag("gaza", "Gaza")
        .build();
    let report = ingest(&mut store, "ap", 10, vec![story.clone()]);
    assert_eq!(
        report,
        IngestReport {
            new: 1,
            ..IngestReport::default()
        }
    );
    assert_eq!(store.article("ap:1").unwrap(), Some(story));
}

#[test]
fn same_item_again_is_unchanged() {
    let (_dir, mut store) = open();
    let story = article("1", "ap").build();
    ingest(&mut store, "ap", 10, vec![story.clone()]);
    let report = ingest(&mut store, "ap", 10, vec![story]);
    assert_eq!(
        report,
        IngestReport {
            unchanged: 1,
            ..IngestReport::default()
        }
    );
    assert_eq!(all(&store).len(), 1);
}

#[test]
fn correction_replaces_the_article_in_place() {
    let (_dir, mut store) = open();
    ingest(
        &mut store,
        "ap",
        10,
        vec![article("1", "ap").title("Toll rises to 10").build()],
    );
    let corrected = article("1", "ap")
        .title("Toll rises to 12")
        .updated(at(30))
        .build();
    let report = ingest(&mut store, "ap", 10, vec![corrected]);
    assert_eq!(report.updated, 1);
    let stored = all(&store);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].title, "Toll rises to 12");
    assert_eq!(stored[0].updated, at(30));
}

#[test]
fn older_version_is_ignored() {
    let (_dir, mut store) = open();
    let newer = article("1", "ap").title("Newer").updated(at(30)).build();
    ingest(&mut store, "ap", 10, vec![newer]);
    let older = article("1", "ap").title("Older").updated(at(20)).build();
    let report = ingest(&mut store, "ap", 10, vec![older]);
    assert_eq!(
        report,
        IngestReport {
            ignored_older: 1,
            ..IngestReport::default()
        }
    );
    assert_eq!(store.article("ap:1").unwrap().unwrap().title, "Newer");
}

#[test]
fn same_canonical_url_from_two_feeds_folds_with_priority_deciding_the_primary() {
    let (_dir, mut store) = open();
    let url = "https://news.example/story";
    let partner = article("p1", "partner")
        .url(url)
        .title("Partner wording")
        .image(Image {
            url: "https://partner.example/photo.jpg".into(),
            caption: Some("Smoke rises".into()),
            credit: Some("(AP)".into()),
            mime_type: Some("image/jpeg".into()),
            width: None,
            height: None,
        })
        .build();
    let agency = article("a1", "ap").url(url).title("Agency wording").build();
    ingest(&mut store, "partner", 1, vec![partner]);
    let report = ingest(&mut store, "ap", 10, vec![agency]);
    assert_eq!(
        report,
        IngestReport {
            folded: 1,
            ..IngestReport::default()
        }
    );

    let stored = all(&store);
    assert_eq!(stored.len(), 1);
    let story = &stored[0];
    assert_eq!(story.id, "partner:p1", "the published id never changes");
    assert_eq!(story.source.feed_id, "ap");
    assert_eq!(story.title, "Agency wording");
    assert_eq!(story.also_via.len(), 1);
    assert_eq!(story.also_via[0].feed_id, "partner");
    assert_eq!(
        story.image.as_ref().map(|image| image.url.as_str()),
        Some("https://partner.example/photo.jpg")
    );
    assert_eq!(store.feed_state("partner").unwrap().unwrap().items, 1);
    assert_eq!(store.feed_state("ap").unwrap().unwrap().items, 1);
}

/// An article as normalize names it: by its canonical URL.
fn anchored(item: &str, feed: &str, url: &str, title: &str) -> Article {
    let mut article = article(item, feed).url(url).title(title).build();
    article.id = crate::normalize::anchored_article_id(feed, item, Some(url));
    article
}

#[test]
fn copies_sharing_a_canonical_url_get_one_id_whichever_was_fetched_first() {
    let url = "https://news.example/story";
    let ids: Vec<Vec<String>> = [["ap", "partner"], ["partner", "ap"]]
        .iter()
        .map(|order| {
            let (_dir, mut store) = open();
            for feed in order {
                let priority = if *feed == "ap" { 10 } else { 1 };
                ingest(
                    &mut store,
                    feed,
                    priority,
                    vec![anchored("1", feed, url, "Story")],
                );
            }
            all(&store).into_iter().map(|story| story.id).collect()
        })
        .collect();
    assert_eq!(ids[0].len(), 1, "one article: {ids:?}");
    assert_eq!(ids[0], ids[1], "the same id in either order");
}

#[test]
fn a_second_item_of_one_feed_with_the_same_link_gets_its_own_id() {
    let (_dir, mut store) = open();
    let url = "https://news.example/live";
    let report = ingest(
        &mut store,
        "ticker",
        1,
        vec![
            anchored("update-1", "ticker", url, "First update on the storm"),
            anchored("update-2", "ticker", url, "Power restored in the north"),
        ],
    );
    assert_eq!(report.new, 2, "{report:?}");
    let mut ids: Vec<String> = all(&store).into_iter().map(|story| story.id).collect();
    ids.sort();
    let mut expected = vec![
        crate::normalize::anchored_article_id("ticker", "update-1", Some(url)),
        crate::normalize::article_id("ticker", "update-2"),
    ];
    expected.sort();
    assert_eq!(ids, expected);
}

#[test]
fn lower_priority_duplicate_joins_also_via() {
    let (_dir, mut store) = open();
    agency_then_partner_on_one_url(&mut store);
    let story = store.article("ap:a1").unwrap().unwrap();
    assert_eq!(story.title, "Agency");
    assert_eq!(story.also_via[0].feed_id, "partner");
    assert_eq!(store.article("partner:p1").unwrap(), None);
}

#[test]
fn republished_copy_with_its_own_url_and_edited_headline_folds() {
    let (_dir, mut store) = open();
    let agency = article("a1", "ap")
        .title("Israeli forces raid Jenin refugee camp before dawn")
        .summary(JENIN_LEAD)
        .published(at(10))
        .build();
    let partner = article("p1", "partner")
        .title("Israeli Forces Raid Jenin Refugee Camp")
        .summary(&JENIN_LEAD.replace("on Tuesday", "Tuesday"))
        .author("Partner Desk")
        .published(at(5))
        .build();
    ingest(&mut store, "ap", 10, vec![agency]);
    let report = ingest(&mut store, "partner", 1, vec![partner]);
    assert_eq!(report.folded, 1);
    let stored = all(&store);
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].title,
        "Israeli forces raid Jenin refugee camp before dawn"
    );
    assert_eq!(
        stored[0].authors,
        ["Partner Desk"],
        "byline filled from also_via"
    );
    assert_eq!(stored[0].published, at(5), "earliest publish time kept");
}

#[test]
fn url_of_an_also_via_version_still_folds_after_the_primary_changed() {
    let (_dir, mut store) = open();
    let partner = article("p1", "partner")
        .url("https://partner.example/jenin")
        .title("Israeli forces raid Jenin refugee camp before dawn")
        .summary(JENIN_LEAD)
        .build();
    let agency = article("a1", "ap")
        .url("https://ap.example/jenin")
        .title("Israeli forces raid Jenin refugee camp before dawn")
        .summary(JENIN_LEAD)
        .build();
    ingest(&mut store, "partner", 1, vec![partner]);
    ingest(&mut store, "ap", 10, vec![agency]);
    let aggregator = article("x1", "aggregator")
        .url("https://partner.example/jenin")
        .title("Something else entirely")
        .build();
    assert_eq!(
        ingest(&mut store, "aggregator", 0, vec![aggregator]).folded,
        1
    );
    let story = store.article("partner:p1").unwrap().unwrap();
    assert_eq!(story.url.as_deref(), Some("https://ap.example/jenin"));
    assert_eq!(story.also_via.len(), 2);
}

#[test]
fn duplicates_fold_into_articles_stored_earlier_in_the_same_cycle() {
    let (_dir, mut store) = open();
    let url = "https://news.example/story";
    ingest(
        &mut store,
        "ap",
        10,
        vec![article("a1", "ap").url(url).build()],
    );
    // Same URL, three feeds, one cycle: each later feed sees the earlier writes.
    let report_b = ingest(
        &mut store,
        "b",
        1,
        vec![article("b1", "b").url(url).build()],
    );
    let report_c = ingest(
        &mut store,
        "c",
        1,
        vec![article("c1", "c").url(url).build()],
    );
    assert_eq!((report_b.folded, report_c.folded), (1, 1));
    assert_eq!(store.article("ap:a1").unwrap().unwrap().also_via.len(), 2);
}

#[test]
fn same_item_twice_in_one_batch_is_one_article() {
    let (_dir, mut store) = open();
    let first = article("1", "ap").title("First take").build();
    let second = article("1", "ap")
        .title("Second take")
        .updated(at(5))
        .build();
    let report = ingest(&mut store, "ap", 10, vec![first, second]);
    assert_eq!((report.new, report.updated), (1, 1));
    assert_eq!(all(&store).len(), 1);
    assert_eq!(all(&store)[0].title, "Second take");
}

#[test]
fn live_ticker_items_of_one_feed_sharing_a_link_stay_distinct() {
    let (_dir, mut store) = open();
    let link = "https://news.example/live/gaza";
    let items = (1..=3)
        .map(|n| {
            article(&format!("tick-{n}"), "ticker")
                .url(link)
                .title("Live: Gaza updates")
                .summary(JENIN_LEAD)
                .published(at(n))
                .build()
        })
        .collect();
    let report = ingest(&mut store, "ticker", 5, items);
    assert_eq!(report.new, 3);
    assert_eq!(all(&store).len(), 3);
}

#[test]
fn different_statements_by_one_speaker_stay_apart() {
    let (_dir, mut store) = open();
    let ready = article("1", "ap")
        .title("Al-Nakhalah: We are ready to confront any aggression")
        .summary("Islamic Jihad Secretary-General Ziad al-Nakhalah said on Monday that the resistance is ready for all scenarios and will respond to any escalation in the occupied territories.")
        .build();
    let enemy = article("2", "partner")
        .title("Al-Nakhalah: The enemy has failed to achieve its goals")
        .summary("Islamic Jihad Secretary-General Ziad al-Nakhalah said on Monday that the occupation failed in Gaza and that its leaders are trying to hide their losses from their public.")
        .build();
    ingest(&mut store, "ap", 10, vec![ready]);
    let report = ingest(&mut store, "partner", 1, vec![enemy]);
    assert_eq!(report.new, 1);
    assert_eq!(all(&store).len(), 2);
}

#[test]
fn undated_item_keeps_its_first_seen_time_across_cycles() {
    let (_dir, mut store) = open();
    ingest(
        &mut store,
        "ap",
        10,
        vec![article("1", "ap").undated(at(10)).build()],
    );
    let again = ingest(
        &mut store,
        "ap",
        10,
        vec![article("1", "ap").undated(at(20)).build()],
    );
    assert_eq!(again.unchanged, 1);
    let edited = article("1", "ap").title("Edited").undated(at(30)).build();
    assert_eq!(ingest(&mut store, "ap", 10, vec![edited]).updated, 1);
    let story = store.article("ap:1").unwrap().unwrap();
    assert_eq!(story.title, "Edited");
    assert_eq!(story.published, at(10));
}

#[test]
fn update_of_an_also_via_item_changes_its_attribution_not_the_primary_text() {
    let (_dir, mut store) = open();
    let url = agency_then_partner_on_one_url(&mut store);
    let mut corrected = article("p1", "partner")
        .url(url)
        .title("Partner corrected")
        .updated(at(40))
        .build();
    corrected.source.credit = Some("Source: Partner".into());
    assert_eq!(ingest(&mut store, "partner", 1, vec![corrected]).updated, 1);
    let story = store.article("ap:a1").unwrap().unwrap();
    assert_eq!(story.title, "Agency");
    assert_eq!(story.also_via[0].credit.as_deref(), Some("Source: Partner"));
}

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
        (1, super::sources::keys_blob(&expected)),
        "the placeholder's band keys are gone, the correction's are in"
    );
    let copy = article("p1", "partner")
        .title("Israeli forces raid Jenin refugee camp before dawn")
        .summary(JENIN_LEAD)
        .build();
    assert_eq!(ingest(&mut store, "partner", 1, vec![copy]).folded, 1);
}

#[test]
fn a_copy_stored_by_another_process_is_found_through_the_candidate_index() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("wirefeed.db");
    let mut ours = Store::open(&path).expect("open");
    let mut theirs = Store::open(&path).expect("open a second time");
    // Our store loads its candidate index with its first new articles.
    let fillers = (0..3)
        .map(|n| {
            article(&format!("f{n}"), "regional")
                .title(&format!(
                    "Council approves budget number {n} for the harbour"
                ))
                .build()
        })
        .collect();
    ingest(&mut ours, "regional", 1, fillers);
    ingest(
        &mut ours,
        "regional",
        1,
        vec![article("f9", "regional").build()],
    );
    assert!(ours.index.is_loaded(), "the test needs our index loaded");
    let agency = article("a1", "ap")
        .title("Israeli forces raid Jenin refugee camp before dawn")
        .summary(JENIN_LEAD)
        .build();
    ingest(&mut theirs, "ap", 10, vec![agency]);
    let copy = article("p1", "partner")
        .title("Israeli Forces Raid Jenin Refugee Camp")
        .summary(JENIN_LEAD)
        .build();
    assert_eq!(
        ingest(&mut ours, "partner", 1, vec![copy]).folded,
        1,
        "the other process's keys were not in our index"
    );
}

#[test]
fn latest_orders_by_published_then_id_and_honours_the_limit() {
    let (_dir, mut store) = open();
    let stories = vec![
        article("old", "ap")
            .title("Budget vote delayed")
            .published(at(1))
            .build(),
        article("b", "ap")
            .title("Storm closes ports")
            .published(at(5))
            .build(),
        article("a", "ap")
            .title("Markets rally on rate cut")
            .published(at(5))
            .build(),
        article("new", "ap")
            .title("Cup final tonight")
            .published(at(9))
            .build(),
    ];
    ingest(&mut store, "ap", 10, stories);
    let ids: Vec<String> = store
        .latest(&Channel::All, 3)
        .unwrap()
        .into_iter()
        .map(|article| article.id)
        .collect();
    assert_eq!(ids, ["ap:new", "ap:b", "ap:a"]);
}

#[test]
fn latest_filters_each_channel_kind() {
    let (_dir, mut store) = open();
    let stories = vec![
        article("1", "ap")
            .title("Parliament passes budget")
            .section("politics")
            .tag("budget", "Budget")
            .region("europe", "Europe")
            .published(at(1))
            .build(),
        article("2", "ap")
            .title("Striker signs new contract")
            .section("sports")
            .region("mena", "MENA")
            .language("ar")
            .breaking()
            .published(at(2))
            .build(),
    ];
    ingest(&mut store, "ap", 10, stories);
    let ids = |channel: Channel| -> Vec<String> {
        store
            .latest(&channel, 10)
            .unwrap()
            .into_iter()
            .map(|article| article.id)
            .collect()
    };
    assert_eq!(ids(Channel::All), ["ap:2", "ap:1"]);
    assert_eq!(ids(Channel::Section("politics".into())), ["ap:1"]);
    assert_eq!(ids(Channel::Tag("budget".into())), ["ap:1"]);
    assert_eq!(ids(Channel::Region("mena".into())), ["ap:2"]);
    assert_eq!(ids(Channel::Language("ar".into())), ["ap:2"]);
    assert_eq!(ids(Channel::Language("en".into())), ["ap:1"]);
    assert_eq!(ids(Channel::Breaking), ["ap:2"]);
    assert!(ids(Channel::Tag("none".into())).is_empty());
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
fn labels_list_tags_regions_and_languages_with_counts() {
    let (_dir, mut store) = open();
    let stories = vec![
        article("1", "ap")
            .tag("gaza", "Gaza")
            .region("mena", "MENA")
            .published(at(1))
            .build(),
        article("2", "ap")
            .tag("gaza", "Gaza Strip")
            .language("ar")
            .published(at(2))
            .build(),
    ];
    ingest(&mut store, "ap", 10, stories);
    let labels = store.labels().unwrap();
    let found: Vec<(LabelKind, &str, &str, u64)> = labels
        .iter()
        .map(|info| {
            (
                info.kind,
                info.slug.as_str(),
                info.label.as_str(),
                info.count,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (LabelKind::Tag, "gaza", "Gaza Strip", 2),
            (LabelKind::Region, "mena", "MENA", 1),
            (LabelKind::Language, "ar", "العربية", 1),
            (LabelKind::Language, "en", "English", 1),
        ]
    );
}

#[test]
fn feed_state_follows_success_failure_and_not_modified() {
    let (_dir, mut store) = open();
    assert_eq!(store.feed_state("ap").unwrap(), None);

    ingest(&mut store, "ap", 10, vec![article("1", "ap").build()]);
    let ok = store.feed_state("ap").unwrap().unwrap();
    assert_eq!(
        (ok.last_fetch, ok.last_success),
        (Some(at(100)), Some(at(100)))
    );
    assert_eq!(
        (ok.http_status, ok.consecutive_failures, ok.items),
        (Some(200), 0, 1)
    );

    store
        .record_failure("ap", at(110), "HTTP 503", Some(503))
        .unwrap();
    store
        .record_failure("ap", at(120), "timed out", None)
        .unwrap();
    let failing = store.feed_state("ap").unwrap().unwrap();
    assert_eq!(failing.last_fetch, Some(at(120)));
    assert_eq!(failing.last_success, Some(at(100)));
    assert_eq!(failing.last_error.as_deref(), Some("timed out"));
    assert_eq!(failing.http_status, None);
    assert_eq!(failing.consecutive_failures, 2);
    assert_eq!(
        failing.validators, ok.validators,
        "validators survive failures"
    );

    store.record_not_modified("ap", at(130), Some(304)).unwrap();
    let fresh = store.feed_state("ap").unwrap().unwrap();
    assert_eq!(
        (fresh.last_fetch, fresh.last_success),
        (Some(at(130)), Some(at(130)))
    );
    assert_eq!((fresh.last_error, fresh.consecutive_failures), (None, 0));
    assert_eq!(fresh.http_status, Some(304));
    assert_eq!(
        fresh.validators, ok.validators,
        "a 304 keeps the validators"
    );
}

#[test]
fn first_fetch_failing_creates_the_feed_state() {
    let (_dir, mut store) = open();
    store
        .record_failure("new", at(1), "DNS error", None)
        .unwrap();
    let states = store.feed_states().unwrap();
    assert_eq!(states.len(), 1);
    assert_eq!(states[0].consecutive_failures, 1);
    assert_eq!(states[0].last_success, None);
    assert_eq!(states[0].items, 0);
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

fn changed(store: &mut Store) -> Vec<Channel> {
    store.take_changed().iter().cloned().collect()
}

#[test]
fn a_new_article_changes_every_channel_it_appears_in() {
    let (_dir, mut store) = open();
    let story = article("1", "ap")
        .section("politics")
        .tag("budget", "Budget")
        .region("europe", "Europe")
        .breaking()
        .build();
    ingest(&mut store, "ap", 10, vec![story]);
    assert_eq!(
        changed(&mut store),
        [
            Channel::All,
            Channel::Breaking,
            Channel::Section("politics".into()),
            Channel::Tag("budget".into()),
            Channel::Region("europe".into()),
            Channel::Language("en".into()),
        ]
    );
    // Taken: the next ingest starts from nothing.
    assert!(store.take_changed().is_empty());
}

#[test]
fn a_correction_changes_the_channels_it_leaves_and_those_it_enters() {
    let (_dir, mut store) = open();
    let first = article("1", "ap")
        .section("politics")
        .tag("budget", "Budget")
        .build();
    ingest(&mut store, "ap", 10, vec![first]);
    store.take_changed();
    let moved = article("1", "ap")
        .section("business")
        .tag("taxes", "Taxes")
        .updated(at(30))
        .build();
    ingest(&mut store, "ap", 10, vec![moved]);
    let channels = changed(&mut store);
    for channel in [
        Channel::Section("politics".into()),
        Channel::Section("business".into()),
        Channel::Tag("budget".into()),
        Channel::Tag("taxes".into()),
        Channel::All,
    ] {
        assert!(channels.contains(&channel), "{channel:?} in {channels:?}");
    }
}

#[test]
fn an_unchanged_or_older_item_changes_no_channel() {
    let (_dir, mut store) = open();
    let story = article("1", "ap")
        .section("politics")
        .updated(at(30))
        .build();
    ingest(&mut store, "ap", 10, vec![story.clone()]);
    store.take_changed();
    ingest(&mut store, "ap", 10, vec![story]);
    let older = article("1", "ap").section("sports").updated(at(20)).build();
    ingest(&mut store, "ap", 10, vec![older]);
    assert!(store.take_changed().is_empty());
}

#[test]
fn a_folded_duplicate_changes_the_channels_of_the_article_it_joins() {
    let (_dir, mut store) = open();
    let url = "https://example.org/story";
    ingest(
        &mut store,
        "ap",
        10,
        vec![article("1", "ap").url(url).section("world").build()],
    );
    store.take_changed();
    let report = ingest(
        &mut store,
        "partner",
        5,
        vec![article("9", "partner").url(url).section("world").build()],
    );
    assert_eq!(report.folded, 1);
    let channels = changed(&mut store);
    assert!(
        channels.contains(&Channel::Section("world".into())),
        "{channels:?}"
    );
    assert!(channels.contains(&Channel::All), "{channels:?}");
}

fn plan(feed_id: &str, next: Option<i64>, backoff: Option<i64>) -> PlannedFetch<'_> {
    PlannedFetch {
        feed_id,
        next_fetch: next.map(at),
        backoff_until: backoff.map(at),
    }
}

#[test]
fn record_plans_saves_next_fetch_and_backoff_and_creates_missing_rows() {
    let (_dir, mut store) = open();
    ingest(&mut store, "ap", 10, vec![article("1", "ap").build()]);
    store
        .record_plans(&[
            plan("ap", Some(400), None),
            plan("new", Some(130), Some(130)),
        ])
        .unwrap();

    let ap = store.feed_state("ap").unwrap().unwrap();
    assert_eq!((ap.next_fetch, ap.backoff_until), (Some(at(400)), None));
    assert_eq!(ap.last_success, Some(at(100)), "the fetch record is kept");
    assert_eq!(ap.items, 1);
    let new = store.feed_state("new").unwrap().unwrap();
    assert_eq!(
        (new.next_fetch, new.backoff_until),
        (Some(at(130)), Some(at(130)))
    );
    assert_eq!((new.last_fetch, new.consecutive_failures), (None, 0));

    // A later fetch record leaves the plan alone.
    store
        .record_failure("new", at(131), "HTTP 503", Some(503))
        .unwrap();
    let new = store.feed_state("new").unwrap().unwrap();
    assert_eq!(new.backoff_until, Some(at(130)));
    assert_eq!(new.consecutive_failures, 1);
}

#[test]
fn record_plans_clears_the_plan_of_feeds_it_does_not_list() {
    let (_dir, mut store) = open();
    store
        .record_plans(&[
            plan("ap", Some(400), None),
            plan("gone", Some(500), Some(500)),
        ])
        .unwrap();
    // "gone" was removed from the config; "ap" is running.
    store.record_plans(&[plan("ap", None, None)]).unwrap();
    let states = store.feed_states().unwrap();
    assert_eq!(states.len(), 2);
    for state in states {
        assert_eq!(
            (state.next_fetch, state.backoff_until),
            (None, None),
            "{}",
            state.feed_id
        );
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
fn a_fold_by_similar_text_records_the_matched_row_and_its_scores() {
    let (_dir, mut store) = open();
    let agency = article("a1", "ap")
        .title("Israeli forces raid Jenin refugee camp before dawn")
        .summary(JENIN_LEAD)
        .build();
    let partner = article("p1", "partner")
        .title("Israeli Forces Raid Jenin Refugee Camp")
        .summary(&JENIN_LEAD.replace("on Tuesday", "Tuesday"))
        .build();
    ingest(&mut store, "ap", 10, vec![agency]);
    let prepared = PreparedArticle::new(partner.clone()).unwrap();
    let predicted = store.would_fold("partner", &prepared).unwrap();
    ingest(&mut store, "partner", 1, vec![partner]);

    let records = store.source_records("ap:a1").unwrap();
    let Some(FoldEvidence::Similar {
        source_id,
        comparison,
    }) = &records[1].fold_evidence
    else {
        panic!("similar evidence expected: {:?}", records[1].fold_evidence)
    };
    assert_eq!(*source_id, records[0].id, "the agency's row matched");
    assert_eq!(comparison.verdict, crate::dedup::Verdict::SameStory);
    assert!(
        comparison.story.is_some_and(|story| story >= 0.6),
        "{comparison:?}"
    );
    assert!(comparison.title >= 0.5, "{comparison:?}");
    // The recorded scores went through JSON, whose float parsing may differ
    // in the last bit; the prediction must match to that.
    let Some((
        target,
        FoldEvidence::Similar {
            source_id: predicted_source,
            comparison: predicted_comparison,
        },
    )) = predicted
    else {
        panic!("would_fold predicts a fold by similar text: {predicted:?}")
    };
    assert_eq!(target, "ap:a1", "would_fold predicts the ingest's target");
    assert_eq!(predicted_source, *source_id);
    assert_eq!(predicted_comparison.verdict, comparison.verdict);
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-9,
        (a, b) => a == b,
    };
    assert!(close(predicted_comparison.story, comparison.story));
    assert!(close(predicted_comparison.lead, comparison.lead));
    assert!(close(
        Some(predicted_comparison.title),
        Some(comparison.title)
    ));
}

#[test]
fn would_fold_and_stored_revision_write_nothing() {
    let (_dir, mut store) = open();
    let url = "https://news.example/story";
    let story = article("a1", "ap").url(url).build();
    ingest(&mut store, "ap", 10, vec![story.clone()]);
    let copy = PreparedArticle::new(article("p1", "partner").url(url).build()).unwrap();
    let before = (count(&store, "sources"), count(&store, "articles"));
    assert!(store.would_fold("partner", &copy).unwrap().is_some());
    assert_eq!(
        store
            .stored_revision("ap", &PreparedArticle::new(story).unwrap())
            .unwrap(),
        Some(("ap:a1".to_owned(), crate::dedup::Revision::Unchanged))
    );
    assert_eq!(store.stored_revision("partner", &copy).unwrap(), None);
    assert_eq!(
        (count(&store, "sources"), count(&store, "articles")),
        before
    );
}

#[test]
fn an_article_is_found_by_an_original_link_or_canonical_url_of_any_version() {
    let (_dir, mut store) = open();
    let canonical = "https://news.example/story";
    let mut partner = article("p1", "partner").url(canonical).build();
    partner.source.item_url = Some(format!("{canonical}?utm_source=rss"));
    ingest(
        &mut store,
        "ap",
        10,
        vec![article("a1", "ap").url(canonical).build()],
    );
    ingest(&mut store, "partner", 1, vec![partner]);
    assert_eq!(
        store
            .article_by_link(&format!("{canonical}?utm_source=rss"))
            .unwrap()
            .as_deref(),
        Some("ap:a1"),
        "the partner's original link finds the article it was folded into"
    );
    assert_eq!(
        store.article_by_link(canonical).unwrap().as_deref(),
        Some("ap:a1")
    );
    assert_eq!(
        store.article_by_link("https://news.example/other").unwrap(),
        None
    );
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

#[test]
fn a_publish_clears_only_the_stale_marks_it_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("wirefeed.db")).unwrap();
    ingest(&mut store, "ap", 10, vec![article("a1", "ap").build()]);
    let before = store.published().unwrap();
    assert!(before.stale.contains("all"), "{before:?}");

    // Another ingest lands while the publish renders what it read.
    ingest(&mut store, "ap", 10, vec![article("a2", "ap").build()]);
    let listed = [("all".to_owned(), "{}".to_owned())];
    let rendered = ["all".to_owned()].into_iter().collect();
    store
        .record_published("settings", &listed, &rendered, before.through)
        .unwrap();

    let after = store.published().unwrap();
    assert!(
        after.stale.contains("all"),
        "the later mark survives: {after:?}"
    );
    assert_eq!(after.current("settings").count(), 0, "all is stale again");
    store
        .record_published("settings", &listed, &rendered, after.through)
        .unwrap();
    let settled = store.published().unwrap();
    assert!(settled.stale.is_empty(), "{settled:?}");
    assert_eq!(
        settled.current("settings").collect::<Vec<_>>(),
        [("all", "{}")]
    );
    assert_eq!(settled.current("other settings").count(), 0);
}

#[test]
fn a_folded_version_redelivered_is_judged_by_its_own_dates() {
    let (_dir, mut store) = open();
    let url = "https://news.example/story";
    // The partner's item folds into the agency's article: both versions are
    // then stored as copies, and the article's `updated` is the newest.
    ingest(
        &mut store,
        "ap",
        10,
        vec![article("a1", "ap").url(url).updated(at(50)).build()],
    );
    let partner = article("p1", "partner").url(url).updated(at(20)).build();
    assert_eq!(
        ingest(&mut store, "partner", 1, vec![partner.clone()]).folded,
        1
    );

    let again = ingest(&mut store, "partner", 1, vec![partner.clone()]);
    assert_eq!(again.unchanged, 1, "{again:?}");
    let older = article("p1", "partner")
        .url(url)
        .title("Old")
        .updated(at(10))
        .build();
    assert_eq!(
        ingest(&mut store, "partner", 1, vec![older]).ignored_older,
        1
    );
    // Older than the article, newer than the partner's own version: an update.
    let edited = article("p1", "partner")
        .url(url)
        .title("Edited")
        .updated(at(30))
        .build();
    assert_eq!(ingest(&mut store, "partner", 1, vec![edited]).updated, 1);
    let versions = store.source_records("ap:a1").unwrap();
    assert_eq!(versions[1].version.title, "Edited");
}

mod editorial {
    use super::*;
    use crate::model::PubStatus;

    fn tagged(item: &str) -> crate::dedup::testing::ArticleBuilder {
        article(item, "wire")
            .title("Minister says talks have failed")
            .tag("talks", "Talks")
            .section("politics")
    }

    fn tags(store: &Store) -> Vec<String> {
        store
            .labels()
            .expect("labels")
            .into_iter()
            .filter(|label| label.kind == LabelKind::Tag)
            .map(|label| label.slug)
            .collect()
    }

    #[test]
    fn a_withheld_story_leaves_every_channel_until_a_usable_version_arrives() {
        let (_dir, mut store) = open();
        ingest(
            &mut store,
            "wire",
            10,
            vec![tagged("q").published(at(1)).build()],
        );
        assert_eq!(all(&store).len(), 1);
        store.take_changed();

        let withheld = tagged("q")
            .published(at(1))
            .updated(at(2))
            .status(PubStatus::Withheld);
        assert_eq!(
            ingest(&mut store, "wire", 10, vec![withheld.build()]).updated,
            1
        );
        assert!(all(&store).is_empty(), "withheld: in no feed");
        let section = Channel::Section("politics".into());
        assert!(store.latest(&section, 10).expect("section").is_empty());
        assert!(tags(&store).is_empty(), "its tag channel is gone too");
        let changed = store.take_changed();
        assert!(changed.contains(&section) && changed.contains(&Channel::Tag("talks".into())));

        // The older usable version arriving late does not bring it back.
        ingest(
            &mut store,
            "wire",
            10,
            vec![tagged("q").published(at(1)).build()],
        );
        assert!(all(&store).is_empty());

        let released = tagged("q").published(at(1)).updated(at(3));
        assert_eq!(
            ingest(&mut store, "wire", 10, vec![released.build()]).updated,
            1
        );
        assert_eq!(all(&store).len(), 1, "usable again");
        assert_eq!(tags(&store), ["talks"]);
    }

    #[test]
    fn a_kill_takes_the_story_down_for_good() {
        let (_dir, mut store) = open();
        ingest(
            &mut store,
            "wire",
            10,
            vec![tagged("k").published(at(1)).updated(at(5)).build()],
        );
        // Dated before the stored version: a kill applies all the same.
        let kill = tagged("k")
            .published(at(1))
            .updated(at(4))
            .status(PubStatus::Canceled);
        assert_eq!(
            ingest(&mut store, "wire", 10, vec![kill.build()]).updated,
            1
        );
        assert!(all(&store).is_empty());
        for late in [
            tagged("k").published(at(1)).updated(at(5)),
            tagged("k")
                .published(at(1))
                .updated(at(9))
                .title("Minister: talks failed (corrected)"),
        ] {
            let report = ingest(&mut store, "wire", 10, vec![late.build()]);
            assert_eq!(report.ignored_older, 1, "{report:?}");
        }
        assert!(
            all(&store).is_empty(),
            "nothing after a kill brings the story back"
        );
        assert!(tags(&store).is_empty());
    }

    #[test]
    fn an_embargoed_story_is_published_once_its_embargo_passes() {
        let (_dir, mut store) = open();
        let future = Utc::now() + chrono::Duration::hours(2);
        ingest(
            &mut store,
            "wire",
            10,
            vec![tagged("e").embargoed(future).build()],
        );
        assert!(all(&store).is_empty(), "not before its embargo");
        assert!(tags(&store).is_empty());
        let next = store.next_embargo().expect("next embargo");
        assert_eq!(
            next.map(|at| at.timestamp_micros()),
            Some(future.timestamp_micros())
        );
        store.take_changed();
        // As if published: the ingest's marks are cleared.
        let state = store.published().expect("published state");
        store
            .record_published("settings", &[], &state.stale, state.through)
            .expect("record a publish");

        assert_eq!(store.release_embargoes(Utc::now()).expect("release"), 0);
        assert!(all(&store).is_empty());

        let after = future + chrono::Duration::seconds(1);
        assert_eq!(store.release_embargoes(after).expect("release"), 1);
        assert_eq!(all(&store).len(), 1);
        assert_eq!(tags(&store), ["talks"]);
        assert!(store.take_changed().contains(&Channel::Tag("talks".into())));
        assert_eq!(store.next_embargo().expect("next embargo"), None);
        let stale = store.published().expect("published state").stale;
        assert!(
            stale.contains("tags/talks") && stale.contains("sections/politics"),
            "the release is recorded for the next publish: {stale:?}"
        );
    }

    #[test]
    fn an_embargo_already_past_publishes_at_once() {
        let (_dir, mut store) = open();
        let past = Utc::now() - chrono::Duration::minutes(1);
        ingest(
            &mut store,
            "wire",
            10,
            vec![tagged("p").embargoed(past).build()],
        );
        assert_eq!(all(&store).len(), 1);
        assert_eq!(store.next_embargo().expect("next embargo"), None);
    }
}
