//! The state on a PostgreSQL server, for newsrooms that run wirefeed on more
//! than one machine.
//!
//! The same tables as SQLite's, with each version's JSON kept in full. A
//! write group is one transaction that first takes a cluster-wide advisory
//! lock: folding decides from what the state holds, so two instances
//! folding at once would each miss the other's copy of a story; under the
//! lock they take turns, as SQLite's one writer does. Every group bumps the
//! change counter in `wirefeed_meta`, which tells an instance that another
//! one wrote (its candidate index is then loaded again).
//!
//! - `connect`: `[store] url` to connection settings, the password from the
//!   environment.
//! - `schema`: tables and ordered migrations.

pub(crate) mod connect;
mod look_ahead;
mod schema;

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use postgres::types::ToSql;
use postgres::{Client, NoTls, Row, Statement};

use crate::dedup::{Fingerprint, FoldEvidence, FoldFacts, StoredCandidate, StoredItem};
use crate::fetch::Validators;
use crate::model::{Article, Channel, PubStatus};
use crate::store::backend::Backend;
use crate::store::changes::ChangedChannels;
use crate::store::error::StoreError;
use crate::store::ingest::FeedIngest;
use crate::store::prepared::PreparedArticle;
use crate::store::records::{
    FETCH_HOURS_KEPT, FeedState, FetchHour, FetchRecord, LabelInfo, LabelKind, NEVER, PlannedFetch,
    PublishedChannel, PublishedState, SourceRecord, StoredSource, hidden_until, hour_of, keys_blob,
    keys_of_blob, label_rows,
};

/// The advisory lock every write group holds ("wirefeed" + 2).
pub(crate) const WRITE_LOCK: i64 = 0x7769_7265_6665_6502;

/// A feed's state as `status` reads it, `$1` now and `$2` [`NEVER`] (both
/// microseconds). `wirefeed run` on PostgreSQL plans in `feed_claims`, the
/// cluster's plan, where a held feed is running (no next fetch); the plan
/// saved in feed_state is SQLite's way, and what a state only `once` ran on
/// has.
macro_rules! feed_state_select {
    () => {
        "SELECT f.feed_id, f.last_fetch, f.last_success, f.last_error, f.http_status,
             f.consecutive_failures, f.etag, f.last_modified,
             CASE WHEN c.feed_id IS NULL THEN f.next_fetch
                  WHEN c.holder IS NOT NULL AND c.lease_until > $1 THEN NULL
                  ELSE NULLIF(c.due, $2) END,
             CASE WHEN c.feed_id IS NULL THEN f.backoff_until ELSE c.backoff_until END,
             (SELECT COUNT(DISTINCT s.article_id) FROM sources s WHERE s.feed_id = f.feed_id)
         FROM feed_state f LEFT JOIN feed_claims c ON c.feed_id = f.feed_id"
    };
}

/// The state on a PostgreSQL server.
pub struct PostgresBackend {
    /// Behind a `RefCell`: dedup's questions take `&self`, and every query
    /// of the driver takes the client mutably.
    client: RefCell<Client>,
    /// Statements prepared on this connection, by their text.
    prepared: RefCell<HashMap<&'static str, Statement>>,
    /// The address as errors show it: no password.
    shown: String,
    in_group: bool,
    /// The change counter when last read or bumped by this connection.
    seen: Option<i64>,
    /// Dedup's answers for the feed being ingested, read ahead.
    ahead: RefCell<look_ahead::LookAhead>,
}

impl std::fmt::Debug for PostgresBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresBackend")
            .field("state", &self.shown)
            .field("in_group", &self.in_group)
            .finish_non_exhaustive()
    }
}

impl PostgresBackend {
    /// Connects to the database `url` names and migrates it.
    pub fn open(url: &str) -> Result<PostgresBackend, StoreError> {
        let connect::Settings { config, shown } = connect::settings(url)?;
        PostgresBackend::open_with(&config.into(), shown)
    }

    /// Connects with `config` (its password already set) and migrates;
    /// `shown` names the database in errors.
    pub(crate) fn open_with(
        config: &postgres::Config,
        shown: String,
    ) -> Result<PostgresBackend, StoreError> {
        let mut client = config
            .connect(NoTls)
            .map_err(|error| connect_error(&shown, &error))?;
        // Articles and versions are a few KiB of JSON each, and PostgreSQL's
        // default compression of them (pglz) was the server's largest cost
        // after the round trips (benches/README.md); lz4 is much cheaper. A
        // server built without lz4 keeps its default.
        if let Err(error) = client.batch_execute("SET default_toast_compression = lz4") {
            tracing::debug!(state = %shown, %error, "lz4 compression unavailable: the server's default is kept");
        }
        schema::migrate(&mut client, &shown)?;
        Ok(PostgresBackend {
            client: RefCell::new(client),
            prepared: RefCell::new(HashMap::new()),
            shown,
            in_group: false,
            seen: None,
            ahead: RefCell::new(look_ahead::LookAhead::default()),
        })
    }

    /// The connection itself, for moving a state in (`store::migrate`).
    pub(crate) fn client(&self) -> std::cell::RefMut<'_, Client> {
        self.client.borrow_mut()
    }

    /// The address as logs and errors show it.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// `url` as logs and errors show it: no password, whatever was written.
    pub fn shown_address(url: &str) -> String {
        connect::parse(url).map_or_else(|_| "[store] url".to_owned(), |settings| settings.shown)
    }

    /// Whether the database answers a trivial query, without migrating
    /// anything: what `/healthz` calls readable.
    pub fn check_readable(url: &str) -> Result<(), StoreError> {
        let shown = PostgresBackend::shown_address(url);
        let mut client = connect_plain(url)?;
        client
            .simple_query("SELECT 1")
            .map_err(|source| StoreError::Postgres {
                state: shown,
                operation: "answer a trivial query",
                source,
            })?;
        Ok(())
    }

    fn error(&self, operation: &'static str) -> impl FnOnce(postgres::Error) -> StoreError + '_ {
        move |source| StoreError::Postgres {
            state: self.shown.clone(),
            operation,
            source,
        }
    }

    fn statement(
        &self,
        sql: &'static str,
        operation: &'static str,
    ) -> Result<Statement, StoreError> {
        if let Some(statement) = self.prepared.borrow().get(sql) {
            return Ok(statement.clone());
        }
        let statement = self
            .client
            .borrow_mut()
            .prepare(sql)
            .map_err(self.error(operation))?;
        self.prepared.borrow_mut().insert(sql, statement.clone());
        Ok(statement)
    }

    fn query(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        operation: &'static str,
    ) -> Result<Vec<Row>, StoreError> {
        let statement = self.statement(sql, operation)?;
        self.client
            .borrow_mut()
            .query(&statement, params)
            .map_err(self.error(operation))
    }

    fn query_opt(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        operation: &'static str,
    ) -> Result<Option<Row>, StoreError> {
        let statement = self.statement(sql, operation)?;
        self.client
            .borrow_mut()
            .query_opt(&statement, params)
            .map_err(self.error(operation))
    }

    fn execute(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        operation: &'static str,
    ) -> Result<u64, StoreError> {
        let statement = self.statement(sql, operation)?;
        self.client
            .borrow_mut()
            .execute(&statement, params)
            .map_err(self.error(operation))
    }

    fn batch(&self, sql: &str, operation: &'static str) -> Result<(), StoreError> {
        self.client
            .borrow_mut()
            .batch_execute(sql)
            .map_err(self.error(operation))
    }

    /// Runs `work` in a transaction of its own unless a group is open.
    fn whole<T>(
        &mut self,
        begin: &str,
        operation: &'static str,
        work: impl FnOnce(&mut Self) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.in_group {
            return work(self);
        }
        self.batch(begin, operation)?;
        match work(self) {
            Ok(value) => {
                self.batch("COMMIT", operation)?;
                Ok(value)
            }
            Err(error) => {
                let _ = self.batch("ROLLBACK", operation);
                Err(error)
            }
        }
    }

    fn parse(&self, article_id: &str, json: &str) -> Result<Article, StoreError> {
        serde_json::from_str(json).map_err(|source| StoreError::Corrupt {
            path: PathBuf::from(&self.shown),
            article_id: article_id.to_owned(),
            source,
        })
    }

    fn stored_source(&self, row: &Row) -> Result<StoredSource, StoreError> {
        let article_id: String = row.get(1);
        let version = self.parse(&article_id, row.get(4))?;
        Ok(StoredSource {
            id: row.get(0),
            article_id,
            priority: row.get(2),
            digest: row.get(3),
            version,
        })
    }

    /// A row of the feed state queries: its columns, then the feed's
    /// article count.
    fn feed_state_of(row: &Row) -> FeedState {
        let status: Option<i32> = row.get(4);
        let failures: i32 = row.get(5);
        let items: i64 = row.get(10);
        FeedState {
            feed_id: row.get(0),
            last_fetch: time(row.get(1)),
            last_success: time(row.get(2)),
            last_error: row.get(3),
            http_status: status.and_then(|status| u16::try_from(status).ok()),
            consecutive_failures: u32::try_from(failures).unwrap_or(0),
            items: u64::try_from(items).unwrap_or(0),
            validators: Validators {
                etag: row.get(6),
                last_modified: row.get(7),
            },
            next_fetch: time(row.get(8)),
            backoff_until: time(row.get(9)),
        }
    }

    fn insert_version(
        &mut self,
        feed: &FeedIngest<'_>,
        article_id: &str,
        version: &PreparedArticle,
        evidence: Option<&FoldEvidence>,
    ) -> Result<i64, StoreError> {
        let article = &version.article;
        self.ahead.borrow_mut().forget_version(
            feed.feed_id,
            &article.source.item_id,
            article.url.as_deref(),
            article_id,
        );
        let row = self.query_opt(
            "INSERT INTO sources (feed_id, item_id, url, item_url, article_id, priority, dated,
                 digest, updated, killed, version, words, keys, fold_evidence)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             RETURNING id",
            &[
                &feed.feed_id,
                &article.source.item_id,
                &article.url,
                &article.source.item_url,
                &article_id,
                &feed.priority,
                &article.source.published.is_some(),
                &version.digest,
                &article.updated.timestamp_micros(),
                &(article.editorial.status == PubStatus::Canceled),
                &version.json,
                &version.fingerprint.to_stored(),
                &version.band_keys.as_ref().map(|keys| keys_blob(keys)),
                &evidence.map(FoldEvidence::to_column),
            ],
            "store a source item",
        )?;
        Ok(row.map_or(0, |row| row.get(0)))
    }

    /// Every channel the stored article `id` appears in now, before it is
    /// rewritten; nothing when it is not stored.
    fn add_stored_channels(
        &self,
        id: &str,
        changed: &mut ChangedChannels,
    ) -> Result<(), StoreError> {
        let Some(row) = self.query_opt(
            "SELECT section, breaking FROM articles WHERE id = $1",
            &[&id],
            "read an article's channels",
        )?
        else {
            return Ok(());
        };
        changed.add(Channel::All);
        if row.get::<_, bool>(1) {
            changed.add(Channel::Breaking);
        }
        if let Some(section) = row.get::<_, Option<String>>(0) {
            changed.add(Channel::Section(section));
        }
        for row in self.query(
            "SELECT kind, slug FROM labels WHERE article_id = $1",
            &[&id],
            "read an article's labels",
        )? {
            if let Some(kind) = LabelKind::from_column(row.get(0)) {
                changed.add(kind.channel(row.get(1)));
            }
        }
        Ok(())
    }

    /// Inserts or replaces the article's row; returns until when it stays
    /// hidden. `json` is the article serialized, when the caller has it.
    fn upsert_article(
        &self,
        article: &Article,
        json: Option<&str>,
    ) -> Result<Option<i64>, StoreError> {
        self.ahead.borrow_mut().forget_article(&article.id);
        let json = match json {
            Some(json) => json.to_owned(),
            None => crate::store::prepared::to_json(article)?,
        };
        let hidden = hidden_until(article, Utc::now());
        self.execute(
            "INSERT INTO articles (id, published, updated, section, breaking, json, hidden_until)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET published = excluded.published,
                 updated = excluded.updated, section = excluded.section,
                 breaking = excluded.breaking, json = excluded.json,
                 hidden_until = excluded.hidden_until",
            &[
                &article.id,
                &article.published.timestamp_micros(),
                &article.updated.timestamp_micros(),
                &article.section,
                &article.breaking,
                &json,
                &hidden,
            ],
            "write an article",
        )?;
        Ok(hidden)
    }

    /// Every label row of `article` in one statement: one round trip
    /// instead of one per tag, region and language.
    fn write_labels(&self, article: &Article) -> Result<(), StoreError> {
        let mut kinds = Vec::new();
        let mut slugs = Vec::new();
        let mut labels = Vec::new();
        for (kind, slug, label) in label_rows(article) {
            kinds.push(kind.column());
            slugs.push(slug);
            labels.push(label);
        }
        if kinds.is_empty() {
            return Ok(());
        }
        self.execute(
            "INSERT INTO labels (article_id, kind, slug, label, published)
             SELECT $1, kind, slug, label, $2
             FROM UNNEST($3::text[], $4::text[], $5::text[]) AS l (kind, slug, label)
             ON CONFLICT DO NOTHING",
            &[
                &article.id,
                &article.published.timestamp_micros(),
                &kinds,
                &slugs,
                &labels,
            ],
            "write an article's labels",
        )?;
        Ok(())
    }
}

/// A connection to the database `url` names, the password from the
/// environment, nothing migrated: for readers of a state already there.
pub(crate) fn connect_plain(url: &str) -> Result<Client, StoreError> {
    let connect::Settings { config, shown } = connect::settings(url)?;
    postgres::Config::from(config)
        .connect(NoTls)
        .map_err(|error| connect_error(&shown, &error))
}

/// A failed connection, with the causes the driver's own message leaves
/// out ("Connection refused", "password authentication failed").
fn connect_error(shown: &str, error: &postgres::Error) -> StoreError {
    StoreError::Connect {
        state: shown.to_owned(),
        reason: crate::store::error::causes(error),
    }
}

fn time(micros: Option<i64>) -> Option<DateTime<Utc>> {
    micros.and_then(DateTime::from_timestamp_micros)
}

/// dedup's questions, answered inside the open write group, so articles
/// earlier in the group count.
impl FoldFacts for PostgresBackend {
    type Error = StoreError;

    fn stored_item(&self, feed_id: &str, item_id: &str) -> Result<Option<StoredItem>, StoreError> {
        if let Some(known) = self.ahead.borrow().item(feed_id, item_id) {
            return Ok(known);
        }
        let row = self.query_opt(
            "SELECT digest, updated, killed FROM sources WHERE feed_id = $1 AND item_id = $2",
            &[&feed_id, &item_id],
            "find a source item",
        )?;
        Ok(row.and_then(|row| {
            Some(StoredItem {
                digest: row.get(0),
                updated: DateTime::from_timestamp_micros(row.get(1))?,
                killed: row.get(2),
            })
        }))
    }

    fn articles_with_url(&self, url: &str) -> Result<Vec<String>, StoreError> {
        if let Some(known) = self.ahead.borrow().articles_with_url(url) {
            return Ok(known);
        }
        Ok(self
            .query(
                "SELECT article_id FROM sources WHERE url = $1
                 GROUP BY article_id ORDER BY MIN(id)",
                &[&url],
                "find articles by URL",
            )?
            .iter()
            .map(|row| row.get(0))
            .collect())
    }

    fn feed_in_article(&self, feed_id: &str, article_id: &str) -> Result<bool, StoreError> {
        Ok(self
            .query_opt(
                "SELECT 1 FROM sources WHERE article_id = $1 AND feed_id = $2 LIMIT 1",
                &[&article_id, &feed_id],
                "check an article's feeds",
            )?
            .is_some())
    }

    fn candidate(&self, source_id: i64) -> Result<Option<StoredCandidate>, StoreError> {
        let row = self.query_opt(
            "SELECT feed_id, article_id, words FROM sources WHERE id = $1",
            &[&source_id],
            "read a near-duplicate candidate",
        )?;
        Ok(row.map(|row| StoredCandidate {
            feed_id: row.get(0),
            article_id: row.get(1),
            fingerprint: Fingerprint::from_stored(row.get(2)),
        }))
    }

    fn article_exists(&self, article_id: &str) -> Result<bool, StoreError> {
        if let Some(known) = self.ahead.borrow().article_exists(article_id) {
            return Ok(known);
        }
        Ok(self
            .query_opt(
                "SELECT 1 FROM articles WHERE id = $1",
                &[&article_id],
                "look up an article id",
            )?
            .is_some())
    }

    fn band_key_pairs(&self) -> Result<Vec<(i64, i64)>, StoreError> {
        let rows = self.query(
            "SELECT id, keys FROM sources WHERE keys IS NOT NULL",
            &[],
            "read the band keys",
        )?;
        let mut pairs = Vec::with_capacity(rows.len() * crate::dedup::fingerprint::BANDS);
        for row in rows {
            let source: i64 = row.get(0);
            let keys: &[u8] = row.get(1);
            pairs.extend(keys_of_blob(keys).map(|key| (key, source)));
        }
        Ok(pairs)
    }
}

impl Backend for PostgresBackend {
    fn begin(&mut self) -> Result<(), StoreError> {
        self.ahead.get_mut().forget_all();
        self.batch("BEGIN", "start a write group")?;
        self.in_group = true;
        if let Err(error) = self.execute(
            "SELECT pg_advisory_xact_lock($1)",
            &[&WRITE_LOCK],
            "wait for other instances' writes",
        ) {
            self.rollback();
            return Err(error);
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        self.ahead.get_mut().forget_all();
        let bumped = self.query_opt(
            "UPDATE wirefeed_meta SET value = value + 1 WHERE key = 'changes' RETURNING value",
            &[],
            "count a write group",
        );
        let committed = bumped.and_then(|row| {
            self.batch("COMMIT", "commit a write group")?;
            Ok(row)
        });
        // A failed COMMIT ends the transaction too.
        self.in_group = false;
        self.seen = committed?.map(|row| row.get(0));
        Ok(())
    }

    fn rollback(&mut self) {
        self.ahead.get_mut().forget_all();
        let _ = self.batch("ROLLBACK", "roll back a write group");
        self.in_group = false;
    }

    fn in_group(&self) -> bool {
        self.in_group
    }

    fn written_elsewhere(&mut self) -> Result<bool, StoreError> {
        let now: i64 = self
            .query_opt(
                "SELECT value FROM wirefeed_meta WHERE key = 'changes'",
                &[],
                "read the change counter",
            )?
            .map_or(0, |row| row.get(0));
        let elsewhere = self.seen.is_some_and(|seen| seen != now);
        self.seen = Some(now);
        Ok(elsewhere)
    }

    fn feed_state(&self, feed_id: &str) -> Result<Option<FeedState>, StoreError> {
        Ok(self
            .query_opt(
                concat!(feed_state_select!(), " WHERE f.feed_id = $3"),
                &[&Utc::now().timestamp_micros(), &NEVER, &feed_id],
                "read a feed's state",
            )?
            .map(|row| PostgresBackend::feed_state_of(&row)))
    }

    fn feed_states(&self) -> Result<Vec<FeedState>, StoreError> {
        // One query with the counts, not one more per feed: `status` and
        // `/status` read every feed, and each query is a round trip.
        Ok(self
            .query(
                concat!(feed_state_select!(), " ORDER BY f.feed_id"),
                &[&Utc::now().timestamp_micros(), &NEVER],
                "read the feeds' state",
            )?
            .iter()
            .map(PostgresBackend::feed_state_of)
            .collect())
    }

    fn validators(&self) -> Result<Vec<(String, Validators)>, StoreError> {
        Ok(self
            .query(
                "SELECT feed_id, etag, last_modified FROM feed_state",
                &[],
                "read the feeds' validators",
            )?
            .iter()
            .map(|row| {
                (
                    row.get(0),
                    Validators {
                        etag: row.get(1),
                        last_modified: row.get(2),
                    },
                )
            })
            .collect())
    }

    fn fetch_hours(&self, since: DateTime<Utc>) -> Result<Vec<FetchHour>, StoreError> {
        Ok(self
            .query(
                "SELECT feed_id, hour, fetches, failures, items FROM fetch_hours
                 WHERE hour >= $1 ORDER BY feed_id, hour",
                &[&hour_of(since).timestamp_micros()],
                "read the fetch hours",
            )?
            .iter()
            .filter_map(|row| {
                let count = |index: usize| u32::try_from(row.get::<_, i64>(index)).unwrap_or(0);
                Some(FetchHour {
                    feed_id: row.get(0),
                    hour: DateTime::from_timestamp_micros(row.get(1))?,
                    fetches: count(2),
                    failures: count(3),
                    items: u64::try_from(row.get::<_, i64>(4)).unwrap_or(0),
                })
            })
            .collect())
    }

    fn record_fetch(
        &mut self,
        feed_id: &str,
        at: DateTime<Utc>,
        fetch: FetchRecord<'_>,
    ) -> Result<(), StoreError> {
        self.whole("BEGIN", "record a fetch", |backend| {
            let at_micros = at.timestamp_micros();
            let (failures, items): (i64, i64) = match fetch {
                FetchRecord::Ingested {
                    http_status,
                    validators,
                    items,
                } => {
                    backend.execute(
                        "INSERT INTO feed_state (feed_id, last_fetch, last_success, last_error,
                             http_status, consecutive_failures, etag, last_modified)
                         VALUES ($1, $2, $2, NULL, $3, 0, $4, $5)
                         ON CONFLICT (feed_id) DO UPDATE SET last_fetch = excluded.last_fetch,
                             last_success = excluded.last_success, last_error = NULL,
                             http_status = excluded.http_status, consecutive_failures = 0,
                             etag = excluded.etag, last_modified = excluded.last_modified",
                        &[
                            &feed_id,
                            &at_micros,
                            &http_status.map(i32::from),
                            &validators.etag,
                            &validators.last_modified,
                        ],
                        "record a successful fetch",
                    )?;
                    (0, i64::try_from(items).unwrap_or(i64::MAX))
                }
                FetchRecord::NotModified { http_status } => {
                    backend.execute(
                        "INSERT INTO feed_state (feed_id, last_fetch, last_success, last_error,
                             http_status, consecutive_failures)
                         VALUES ($1, $2, $2, NULL, $3, 0)
                         ON CONFLICT (feed_id) DO UPDATE SET last_fetch = excluded.last_fetch,
                             last_success = excluded.last_success, last_error = NULL,
                             http_status = excluded.http_status, consecutive_failures = 0",
                        &[&feed_id, &at_micros, &http_status.map(i32::from)],
                        "record a successful fetch",
                    )?;
                    (0, 0)
                }
                FetchRecord::Failed { error, http_status } => {
                    backend.execute(
                        "INSERT INTO feed_state (feed_id, last_fetch, last_error, http_status,
                             consecutive_failures)
                         VALUES ($1, $2, $3, $4, 1)
                         ON CONFLICT (feed_id) DO UPDATE SET last_fetch = excluded.last_fetch,
                             last_error = excluded.last_error, http_status = excluded.http_status,
                             consecutive_failures = feed_state.consecutive_failures + 1",
                        &[&feed_id, &at_micros, &error, &http_status.map(i32::from)],
                        "record a failed fetch",
                    )?;
                    (1, 0)
                }
            };
            let fetches: i64 = backend
                .query_opt(
                    "INSERT INTO fetch_hours (feed_id, hour, fetches, failures, items)
                     VALUES ($1, $2, 1, $3, $4)
                     ON CONFLICT (feed_id, hour) DO UPDATE SET
                         fetches = fetch_hours.fetches + 1,
                         failures = fetch_hours.failures + excluded.failures,
                         items = fetch_hours.items + excluded.items
                     RETURNING fetches",
                    &[&feed_id, &hour_of(at).timestamp_micros(), &failures, &items],
                    "count a fetch in its hour",
                )?
                .map_or(0, |row| row.get(0));
            // Rows only age out as hours turn: once per feed and hour is enough.
            if fetches == 1 {
                backend.execute(
                    "DELETE FROM fetch_hours WHERE hour < $1",
                    &[&(at - FETCH_HOURS_KEPT).timestamp_micros()],
                    "forget old fetch hours",
                )?;
            }
            Ok(())
        })
    }

    fn look_ahead(
        &mut self,
        feed_id: &str,
        articles: &[PreparedArticle],
    ) -> Result<(), StoreError> {
        // Only under the write lock: outside a group another instance may
        // write between the answer and the question.
        if !self.in_group || articles.len() < 2 {
            return Ok(());
        }
        let questions = look_ahead::Questions::of(feed_id, articles);
        let items = self.query(
            look_ahead::Questions::ITEMS,
            &[&questions.feed_id, &questions.item_ids],
            "find a feed's stored items",
        )?;
        let urls = self.query(
            look_ahead::Questions::URLS,
            &[&questions.urls],
            "find articles by a feed's URLs",
        )?;
        let ids = self.query(
            look_ahead::Questions::IDS,
            &[&questions.ids],
            "look up a feed's article ids",
        )?;
        *self.ahead.get_mut() = questions.answers(&items, &urls, &ids);
        Ok(())
    }

    fn record_plans(&mut self, plans: &[PlannedFetch<'_>]) -> Result<(), StoreError> {
        self.whole("BEGIN", "save the fetch plans", |backend| {
            backend.execute(
                "UPDATE feed_state SET next_fetch = NULL, backoff_until = NULL
                 WHERE next_fetch IS NOT NULL OR backoff_until IS NOT NULL",
                &[],
                "clear the saved plan",
            )?;
            for plan in plans {
                backend.execute(
                    "INSERT INTO feed_state (feed_id, next_fetch, backoff_until) VALUES ($1, $2, $3)
                     ON CONFLICT (feed_id) DO UPDATE SET next_fetch = excluded.next_fetch,
                         backoff_until = excluded.backoff_until",
                    &[
                        &plan.feed_id,
                        &plan.next_fetch.map(|at| at.timestamp_micros()),
                        &plan.backoff_until.map(|at| at.timestamp_micros()),
                    ],
                    "save a feed's plan",
                )?;
            }
            Ok(())
        })
    }

    fn stored_version(
        &self,
        feed_id: &str,
        item_id: &str,
    ) -> Result<Option<StoredSource>, StoreError> {
        self.query_opt(
            "SELECT id, article_id, priority, digest, version FROM sources
             WHERE feed_id = $1 AND item_id = $2",
            &[&feed_id, &item_id],
            "find a source item",
        )?
        .map(|row| self.stored_source(&row))
        .transpose()
    }

    fn versions_of(&self, article_id: &str) -> Result<Vec<StoredSource>, StoreError> {
        self.query(
            "SELECT id, article_id, priority, digest, version FROM sources
             WHERE article_id = $1 ORDER BY id",
            &[&article_id],
            "read an article's sources",
        )?
        .iter()
        .map(|row| self.stored_source(row))
        .collect()
    }

    fn source_records(&self, article_id: &str) -> Result<Vec<SourceRecord>, StoreError> {
        self.query(
            "SELECT id, feed_id, priority, url, version, fold_evidence FROM sources
             WHERE article_id = $1 ORDER BY id",
            &[&article_id],
            "read an article's source records",
        )?
        .iter()
        .map(|row| {
            Ok(SourceRecord {
                id: row.get(0),
                feed_id: row.get(1),
                priority: row.get(2),
                url: row.get(3),
                version: self.parse(article_id, row.get(4))?,
                fold_evidence: row
                    .get::<_, Option<&str>>(5)
                    .and_then(FoldEvidence::from_column),
            })
        })
        .collect()
    }

    fn article_by_link(&self, url: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .query_opt(
                "SELECT article_id FROM sources WHERE url = $1 OR item_url = $1
                 ORDER BY id LIMIT 1",
                &[&url],
                "find an article by link",
            )?
            .map(|row| row.get(0)))
    }

    fn insert_first_version(
        &mut self,
        feed: &FeedIngest<'_>,
        version: &PreparedArticle,
        article: Option<&Article>,
        changed: &mut ChangedChannels,
    ) -> Result<i64, StoreError> {
        let id = self.insert_version(feed, &version.article.id, version, None)?;
        if let Some(article) = article {
            // A new article: no channels to leave, no labels to clear (the
            // two round trips a rewrite costs).
            changed.add_article(article);
            // Usually the article is the version itself, serialized already.
            let json = (article == &version.article).then_some(version.json.as_str());
            let hidden = self.upsert_article(article, json)?;
            if hidden.is_none() {
                self.write_labels(article)?;
            }
        }
        Ok(id)
    }

    fn insert_folded_version(
        &mut self,
        feed: &FeedIngest<'_>,
        article_id: &str,
        version: &PreparedArticle,
        evidence: &FoldEvidence,
    ) -> Result<i64, StoreError> {
        self.insert_version(feed, article_id, version, Some(evidence))
    }

    fn replace_version(
        &mut self,
        source_id: i64,
        priority: i64,
        version: &PreparedArticle,
    ) -> Result<(), StoreError> {
        let article = &version.article;
        // Its URL may change, and the old one is not at hand.
        self.ahead.borrow_mut().forget_all();
        self.execute(
            "UPDATE sources SET priority = $2, dated = $3, digest = $4, updated = $5,
                 killed = $6, version = $7, url = $8, item_url = $9, words = $10, keys = $11
             WHERE id = $1",
            &[
                &source_id,
                &priority,
                &article.source.published.is_some(),
                &version.digest,
                &article.updated.timestamp_micros(),
                &(article.editorial.status == PubStatus::Canceled),
                &version.json,
                &article.url,
                &article.source.item_url,
                &version.fingerprint.to_stored(),
                &version.band_keys.as_ref().map(|keys| keys_blob(keys)),
            ],
            "update a source item",
        )?;
        Ok(())
    }

    fn write_article(
        &mut self,
        article: &Article,
        changed: &mut ChangedChannels,
    ) -> Result<(), StoreError> {
        self.add_stored_channels(&article.id, changed)?;
        changed.add_article(article);
        let hidden = self.upsert_article(article, None)?;
        self.execute(
            "DELETE FROM labels WHERE article_id = $1",
            &[&article.id],
            "clear an article's labels",
        )?;
        if hidden.is_some() {
            return Ok(());
        }
        self.write_labels(article)
    }

    fn article(&self, id: &str) -> Result<Option<Article>, StoreError> {
        self.query_opt(
            "SELECT json FROM articles WHERE id = $1",
            &[&id],
            "read an article",
        )?
        .map(|row| self.parse(id, row.get(0)))
        .transpose()
    }

    fn latest(&self, channel: &Channel, limit: usize) -> Result<Vec<Article>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let operation = "read the latest articles";
        let rows = match channel {
            Channel::All => self.query(
                "SELECT id, json FROM articles WHERE hidden_until IS NULL
                 ORDER BY published DESC, id DESC LIMIT $1",
                &[&limit],
                operation,
            )?,
            Channel::Breaking => self.query(
                "SELECT id, json FROM articles WHERE breaking AND hidden_until IS NULL
                 ORDER BY published DESC, id DESC LIMIT $1",
                &[&limit],
                operation,
            )?,
            Channel::Section(slug) => self.query(
                "SELECT id, json FROM articles WHERE section = $1 AND hidden_until IS NULL
                 ORDER BY published DESC, id DESC LIMIT $2",
                &[slug, &limit],
                operation,
            )?,
            Channel::Tag(slug) | Channel::Region(slug) | Channel::Language(slug) => {
                let kind = match channel {
                    Channel::Tag(_) => LabelKind::Tag,
                    Channel::Region(_) => LabelKind::Region,
                    _ => LabelKind::Language,
                };
                self.query(
                    "SELECT a.id, a.json FROM labels AS l JOIN articles AS a ON a.id = l.article_id
                     WHERE l.kind = $1 AND l.slug = $2
                     ORDER BY l.published DESC, l.article_id DESC LIMIT $3",
                    &[&kind.column(), slug, &limit],
                    operation,
                )?
            }
        };
        rows.iter()
            .map(|row| self.parse(row.get(0), row.get(1)))
            .collect()
    }

    fn labels(&self) -> Result<Vec<LabelInfo>, StoreError> {
        // The label of each slug's newest article, and the slug's count.
        let rows = self.query(
            "SELECT DISTINCT ON (kind, slug) kind, slug, label,
                 COUNT(*) OVER (PARTITION BY kind, slug)
             FROM labels ORDER BY kind, slug, published DESC",
            &[],
            "list labels",
        )?;
        let mut labels: Vec<LabelInfo> = rows
            .iter()
            .filter_map(|row| {
                Some(LabelInfo {
                    kind: LabelKind::from_column(row.get(0))?,
                    slug: row.get(1),
                    label: row.get(2),
                    count: u64::try_from(row.get::<_, i64>(3)).unwrap_or(0),
                })
            })
            .collect();
        labels.sort_by(|a, b| (a.kind, &a.slug).cmp(&(b.kind, &b.slug)));
        Ok(labels)
    }

    fn release_embargoes(
        &mut self,
        now: DateTime<Utc>,
        changed: &mut ChangedChannels,
    ) -> Result<usize, StoreError> {
        self.whole(
            "BEGIN",
            "publish articles whose embargo passed",
            |backend| {
                let due = backend.query(
                    "SELECT id, json FROM articles WHERE hidden_until <= $1",
                    &[&now.timestamp_micros()],
                    "find articles whose embargo has passed",
                )?;
                for row in &due {
                    let id: &str = row.get(0);
                    let article = backend.parse(id, row.get(1))?;
                    backend.execute(
                        "UPDATE articles SET hidden_until = NULL WHERE id = $1",
                        &[&id],
                        "publish an article whose embargo has passed",
                    )?;
                    backend.write_labels(&article)?;
                    changed.add_article(&article);
                    tracing::info!(article = %id, "embargo passed: article published");
                }
                Ok(due.len())
            },
        )
    }

    fn next_embargo(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let next: Option<i64> = self
            .query_opt(
                "SELECT MIN(hidden_until) FROM articles
                 WHERE hidden_until IS NOT NULL AND hidden_until < $1",
                &[&NEVER],
                "find the next embargo",
            )?
            .and_then(|row| row.get(0));
        Ok(time(next))
    }

    fn mark_stale(&mut self, changed: &ChangedChannels) -> Result<(), StoreError> {
        // One statement for a feed's channels: each would be a round trip.
        let stems: Vec<String> = changed.iter().map(|channel| channel.path_stem()).collect();
        if stems.is_empty() {
            return Ok(());
        }
        self.execute(
            "INSERT INTO stale_channels (stem) SELECT unnest($1::text[])",
            &[&stems],
            "mark channels stale",
        )?;
        Ok(())
    }

    fn published(&mut self) -> Result<PublishedState, StoreError> {
        // One snapshot: the channels and the marks of one moment.
        self.whole(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            "read the published channels",
            |backend| {
                let channels = backend
                    .query(
                        "SELECT stem, settings, listing FROM published",
                        &[],
                        "read the published channels",
                    )?
                    .iter()
                    .map(|row| PublishedChannel {
                        stem: row.get(0),
                        settings: row.get(1),
                        listing: row.get(2),
                    })
                    .collect();
                let marks: Vec<(i64, String)> = backend
                    .query(
                        "SELECT seq, stem FROM stale_channels",
                        &[],
                        "read the stale channels",
                    )?
                    .iter()
                    .map(|row| (row.get(0), row.get(1)))
                    .collect();
                let through = marks.iter().map(|(seq, _)| *seq).max().unwrap_or(0);
                Ok(PublishedState {
                    channels,
                    stale: marks.into_iter().map(|(_, stem)| stem).collect(),
                    through,
                })
            },
        )
    }

    fn record_published(
        &mut self,
        settings: &str,
        listed: &[(String, String)],
        rendered: &BTreeSet<String>,
        through: i64,
    ) -> Result<(), StoreError> {
        self.whole("BEGIN", "record a publish", |backend| {
            backend.execute("DELETE FROM published", &[], "clear the published channels")?;
            let (stems, listings): (Vec<&str>, Vec<&str>) = listed
                .iter()
                .map(|(stem, listing)| (stem.as_str(), listing.as_str()))
                .unzip();
            backend.execute(
                "INSERT INTO published (stem, settings, listing)
                 SELECT stem, $3, listing FROM unnest($1::text[], $2::text[]) AS l(stem, listing)",
                &[&stems, &listings, &settings],
                "record the published channels",
            )?;
            // A mark up to `through` goes when its channel was rendered or
            // is no longer listed; later marks stay for the next publish.
            let rendered: Vec<&str> = rendered.iter().map(String::as_str).collect();
            backend.execute(
                "DELETE FROM stale_channels
                 WHERE seq <= $1 AND (stem = ANY($2) OR NOT stem = ANY($3))",
                &[&through, &rendered, &stems],
                "clear the stale marks",
            )?;
            Ok(())
        })
    }

    #[cfg(test)]
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
