//! The store's behaviour, the same on every backend: each test runs on a
//! SQLite file in a temporary folder and on a PostgreSQL schema of its own.
//!
//! PostgreSQL needs a server: `WIREFEED_TEST_POSTGRES` names one where the
//! tests may create schemas (`.ci/run` starts one and sets it). Without it
//! the PostgreSQL half of each test skips, saying so, unless
//! `WIREFEED_REQUIRE_ALL=1` says nothing may skip.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::Utc;
use tempfile::TempDir;

use crate::dedup::testing::{article, at};
use crate::fetch::Validators;
use crate::model::{Article, Channel, Image};
use crate::store::{
    FeedIngest, FoldEvidence, IngestReport, LabelKind, PlannedFetch, PostgresBackend,
    PreparedArticle, Store,
};

/// The server the PostgreSQL half runs on.
const POSTGRES: &str = "WIREFEED_TEST_POSTGRES";

/// A state of its own for one test, on one backend.
pub(crate) enum TestState {
    Sqlite {
        _dir: TempDir,
        path: PathBuf,
    },
    Postgres {
        config: Box<postgres::Config>,
        schema: String,
    },
}

impl TestState {
    pub(crate) fn sqlite() -> TestState {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state/wirefeed.db");
        TestState::Sqlite { _dir: dir, path }
    }

    /// A schema of its own on the test server; `None` (the test skips) when
    /// no server is named.
    pub(crate) fn postgres() -> Option<TestState> {
        let Ok(url) = std::env::var(POSTGRES) else {
            let what = format!("the PostgreSQL half of a store test: {POSTGRES} names no server");
            if std::env::var("WIREFEED_REQUIRE_ALL").is_ok_and(|v| v == "1") {
                panic!("skipped: {what} (WIREFEED_REQUIRE_ALL=1: nothing may skip)");
            }
            eprintln!("skipped: {what}");
            return None;
        };
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let schema = format!(
            "wirefeed_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let config = postgres::Config::from_str(&url).expect("WIREFEED_TEST_POSTGRES");
        let mut client = config
            .connect(postgres::NoTls)
            .expect("connect to the test server");
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .expect("create the test schema");
        Some(TestState::Postgres {
            config: Box::new(config),
            schema,
        })
    }

    /// Another state, empty, on the same backend.
    pub(crate) fn fresh(&self) -> TestState {
        match self {
            TestState::Sqlite { .. } => TestState::sqlite(),
            TestState::Postgres { .. } => TestState::postgres().expect("the server is still named"),
        }
    }

    /// The state, opened (again): a second open is a second process.
    pub(crate) fn open(&self) -> Store {
        match self {
            TestState::Sqlite { path, .. } => Store::open(path).expect("open"),
            TestState::Postgres { config, schema } => {
                let mut config = (**config).clone();
                config.options(&format!(
                    "-c search_path={schema} -c client_min_messages=warning"
                ));
                let backend = PostgresBackend::open_with(&config, format!("test schema {schema}"))
                    .expect("open");
                Store::on(Box::new(backend))
            }
        }
    }
}

impl Drop for TestState {
    fn drop(&mut self) {
        if let TestState::Postgres { config, schema } = self
            && let Ok(mut client) = config.connect(postgres::NoTls)
        {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

/// Each test twice: `name::sqlite` and `name::postgres`.
macro_rules! on_every_backend {
    ($(#[$meta:meta])* fn $name:ident($state:ident: &TestState) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(#[$meta])*
            fn run($state: &TestState) $body

            #[test]
            fn sqlite() {
                run(&TestState::sqlite());
            }

            #[test]
            fn postgres() {
                if let Some(state) = TestState::postgres() {
                    run(&state);
                }
            }
        }
    };
}

pub(crate) fn feed(feed_id: &str, priority: i64) -> FeedIngest<'_> {
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

pub(crate) fn ingest(
    store: &mut Store,
    feed_id: &str,
    priority: i64,
    articles: Vec<Article>,
) -> IngestReport {
    store
        .ingest(&feed(feed_id, priority), articles)
        .expect("ingest")
}

fn all(store: &Store) -> Vec<Article> {
    store.latest(&Channel::All, 1000).expect("latest")
}

/// The agency's story (priority 10) and a partner's copy under the same
/// canonical URL (priority 1), ingested in that order: one article.
pub(crate) fn agency_then_partner_on_one_url(store: &mut Store) -> &'static str {
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

pub(crate) const JENIN_LEAD: &str = "Israeli forces raided the Jenin refugee camp before dawn on Tuesday, \
    local officials said, in an operation that lasted several hours and left two people \
    wounded according to the Palestinian health ministry.";

fn anchored(item: &str, feed: &str, url: &str, title: &str) -> Article {
    let mut article = article(item, feed).url(url).title(title).build();
    article.id = crate::normalize::anchored_article_id(feed, item, Some(url));
    article
}

fn changed(store: &mut Store) -> Vec<Channel> {
    store.take_changed().iter().cloned().collect()
}

fn plan(feed_id: &str, next: Option<i64>, backoff: Option<i64>) -> PlannedFetch<'_> {
    PlannedFetch {
        feed_id,
        next_fetch: next.map(at),
        backoff_until: backoff.map(at),
    }
}

on_every_backend! {
    fn reopening_keeps_articles_and_feed_state(state: &TestState) {
        let story = article("1", "ap").build();
        {
            let mut store = state.open();
            ingest(&mut store, "ap", 10, vec![story.clone()]);
        }
        let store = state.open();
        assert_eq!(store.article(&story.id).unwrap(), Some(story));
        let state = store.feed_state("ap").unwrap().unwrap();
        assert_eq!(state.items, 1);
        assert_eq!(state.validators.etag.as_deref(), Some("\"ap-etag\""));
    }
}

on_every_backend! {
    fn new_article_is_stored_whole(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn same_item_again_is_unchanged(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn correction_replaces_the_article_in_place(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn older_version_is_ignored(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn same_canonical_url_from_two_feeds_folds_with_priority_deciding_the_primary(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn copies_sharing_a_canonical_url_get_one_id_whichever_was_fetched_first(state: &TestState) {
        let url = "https://news.example/story";
        let ids: Vec<Vec<String>> = [["ap", "partner"], ["partner", "ap"]]
            .iter()
            .map(|order| {
                let state = state.fresh();
                let mut store = state.open();
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
}

on_every_backend! {
    fn a_second_item_of_one_feed_with_the_same_link_gets_its_own_id(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn lower_priority_duplicate_joins_also_via(state: &TestState) {
        let mut store = state.open();
        agency_then_partner_on_one_url(&mut store);
        let story = store.article("ap:a1").unwrap().unwrap();
        assert_eq!(story.title, "Agency");
        assert_eq!(story.also_via[0].feed_id, "partner");
        assert_eq!(store.article("partner:p1").unwrap(), None);
    }
}

on_every_backend! {
    fn republished_copy_with_its_own_url_and_edited_headline_folds(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn url_of_an_also_via_version_still_folds_after_the_primary_changed(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn duplicates_fold_into_articles_stored_earlier_in_the_same_cycle(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn same_item_twice_in_one_batch_is_one_article(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn live_ticker_items_of_one_feed_sharing_a_link_stay_distinct(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn different_statements_by_one_speaker_stay_apart(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn undated_item_keeps_its_first_seen_time_across_cycles(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn update_of_an_also_via_item_changes_its_attribution_not_the_primary_text(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn a_copy_stored_by_another_process_is_found_through_the_candidate_index(state: &TestState) {
        let mut ours = state.open();
        let mut theirs = state.open();
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
}

on_every_backend! {
    fn latest_orders_by_published_then_id_and_honours_the_limit(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn latest_filters_each_channel_kind(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn labels_list_tags_regions_and_languages_with_counts(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn feed_state_follows_success_failure_and_not_modified(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn first_fetch_failing_creates_the_feed_state(state: &TestState) {
        let mut store = state.open();
        store
            .record_failure("new", at(1), "DNS error", None)
            .unwrap();
        let states = store.feed_states().unwrap();
        assert_eq!(states.len(), 1);
        assert_eq!(states[0].consecutive_failures, 1);
        assert_eq!(states[0].last_success, None);
        assert_eq!(states[0].items, 0);
    }
}

on_every_backend! {
    fn a_new_article_changes_every_channel_it_appears_in(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn a_correction_changes_the_channels_it_leaves_and_those_it_enters(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn an_unchanged_or_older_item_changes_no_channel(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn a_folded_duplicate_changes_the_channels_of_the_article_it_joins(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn record_plans_saves_next_fetch_and_backoff_and_creates_missing_rows(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn record_plans_clears_the_plan_of_feeds_it_does_not_list(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn a_fold_by_similar_text_records_the_matched_row_and_its_scores(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn would_fold_and_stored_revision_write_nothing(state: &TestState) {
        let mut store = state.open();
        let url = "https://news.example/story";
        let story = article("a1", "ap").url(url).build();
        ingest(&mut store, "ap", 10, vec![story.clone()]);
        let copy = PreparedArticle::new(article("p1", "partner").url(url).build()).unwrap();
        let stored = |store: &Store| {
            let versions = store.source_records("ap:a1").unwrap().len();
            (versions, all(store).len(), store.article("partner:p1").unwrap())
        };
        let before = stored(&store);
        assert!(store.would_fold("partner", &copy).unwrap().is_some());
        assert_eq!(
            store
                .stored_revision("ap", &PreparedArticle::new(story).unwrap())
                .unwrap(),
            Some(("ap:a1".to_owned(), crate::dedup::Revision::Unchanged))
        );
        assert_eq!(store.stored_revision("partner", &copy).unwrap(), None);
        assert_eq!(stored(&store), before);
    }
}

on_every_backend! {
    fn an_article_is_found_by_an_original_link_or_canonical_url_of_any_version(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn a_publish_clears_only_the_stale_marks_it_read(state: &TestState) {
        let mut store = state.open();
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
}

on_every_backend! {
    fn a_folded_version_redelivered_is_judged_by_its_own_dates(state: &TestState) {
        let mut store = state.open();
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

    on_every_backend! {
        fn a_withheld_story_leaves_every_channel_until_a_usable_version_arrives(state: &TestState) {
            let mut store = state.open();
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
    }

    on_every_backend! {
        fn a_kill_takes_the_story_down_for_good(state: &TestState) {
            let mut store = state.open();
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
    }

    on_every_backend! {
        fn an_embargoed_story_is_published_once_its_embargo_passes(state: &TestState) {
            let mut store = state.open();
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
    }

    on_every_backend! {
        fn an_embargo_already_past_publishes_at_once(state: &TestState) {
            let mut store = state.open();
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
}

/// A story of its own for round `round`: thirty made-up words drawn from
/// the round number, so no two rounds share enough text to fold.
fn story_of_round(round: u64) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ne", "su", "ta", "ri", "vo", "pe", "zu", "ga", "hi", "do", "fe", "ju",
        "by",
    ];
    let mut seed = round.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = || {
        // xorshift: the same words on every run.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        SYLLABLES[(seed % 16) as usize]
    };
    (0..30)
        .map(|_| format!("{}{}{}", next(), next(), next()))
        .collect::<Vec<_>>()
        .join(" ")
}

on_every_backend! {
    fn two_copies_ingested_by_two_processes_at_the_same_instant_fold_fifty_times_of_fifty(
        state: &TestState
    ) {
        let agency_store = state.open();
        let partner_store = state.open();
        let start = std::sync::Arc::new(std::sync::Barrier::new(2));
        let rounds = 50;
        let run = |mut store: Store, feed_id: &'static str, priority: i64| {
            let start = std::sync::Arc::clone(&start);
            std::thread::spawn(move || {
                for round in 0..rounds {
                    let lead = story_of_round(round);
                    let title: String = lead.split(' ').take(8).collect::<Vec<_>>().join(" ");
                    // Each copy under its own URL: only the text says they
                    // are one story, through the candidate index.
                    let copy = article(&format!("{feed_id}-{round}"), feed_id)
                        .title(&title)
                        .summary(&lead)
                        .build();
                    start.wait();
                    ingest(&mut store, feed_id, priority, vec![copy]);
                }
            })
        };
        let agency = run(agency_store, "ap", 10);
        let partner = run(partner_store, "partner", 1);
        agency.join().expect("the agency's process");
        partner.join().expect("the partner's process");

        let store = state.open();
        let articles = all(&store);
        let both = articles
            .iter()
            .filter(|article| article.also_via.len() == 1)
            .count();
        assert_eq!(
            (articles.len(), both),
            (rounds as usize, rounds as usize),
            "every round's two copies are one article carrying both sources"
        );
    }
}

on_every_backend! {
    fn a_feed_that_repeats_an_item_and_a_url_in_one_fetch_sees_its_own_earlier_items(
        state: &TestState
    ) {
        let mut store = state.open();
        let url = "https://wire.example/budget";
        // A partner's copy is stored first, under the URL the agency's feed
        // will use twice.
        ingest(
            &mut store,
            "partner",
            1,
            vec![article("p1", "partner").url(url).title("Budget passes").build()],
        );
        let first = article("a1", "ap").url(url).title("Budget passes").build();
        let mut again = first.clone();
        again.updated = first.updated + chrono::TimeDelta::minutes(5);
        again.title = "Budget passes after all-night session".to_owned();
        let other = article("a2", "ap").url(url).title("Budget: what is in it").build();
        let report = ingest(&mut store, "ap", 10, vec![first, again, other]);
        // a1 folds into the partner's article, its second version updates
        // it, and a2 under the same URL is new: the agency is already there.
        assert_eq!(
            (report.new, report.folded, report.updated),
            (1, 1, 1),
            "{report:?}"
        );
        let articles = all(&store);
        assert_eq!(articles.len(), 2);
        assert!(
            articles
                .iter()
                .any(|a| a.title == "Budget passes after all-night session")
        );
    }
}

/// PostgreSQL only: the cluster's plan is what `status` shows.
#[test]
fn on_postgres_the_clusters_plan_is_the_feeds_next_fetch() {
    let Some(state) = TestState::postgres() else {
        return;
    };
    let mut store = state.open();
    ingest(&mut store, "ap", 10, vec![article("1", "ap").build()]);
    ingest(&mut store, "afp", 10, vec![article("2", "afp").build()]);
    let TestState::Postgres { config, schema } = &state else {
        unreachable!()
    };
    let mut client = config.connect(postgres::NoTls).expect("connect");
    let far = chrono::Utc::now() + chrono::TimeDelta::hours(1);
    client
        .batch_execute(&format!(
            "INSERT INTO {schema}.feed_claims (feed_id, due, failures, backoff_until)
                 VALUES ('ap', {due}, 2, {due});
             INSERT INTO {schema}.feed_claims (feed_id, due, holder, lease_until)
                 VALUES ('afp', 0, 'wire-2/7/1', {lease});",
            due = at(400).timestamp_micros(),
            lease = far.timestamp_micros(),
        ))
        .expect("write the cluster's plan");
    let ap = store.feed_state("ap").unwrap().unwrap();
    assert_eq!(
        (ap.next_fetch, ap.backoff_until),
        (Some(at(400)), Some(at(400)))
    );
    let afp = store.feed_state("afp").unwrap().unwrap();
    assert_eq!(afp.next_fetch, None, "held by an instance: running");
}
