//! The state database: articles, the source versions they were built from,
//! and each feed's fetch history. The only module that touches SQLite.
//!
//! One SQLite file in WAL mode, so `wirefeed status` can read while the
//! daemon writes. Every feed's ingest is one transaction: a crash leaves the
//! feed's articles and fetch record as they were before it.
//!
//! - `schema`: tables, indexes and ordered migrations (`PRAGMA user_version`).
//! - `ingest`: the [`crate::dedup`] decisions applied and written, and the
//!   state's answers to dedup ([`crate::dedup::FoldFacts`]).
//! - `articles`, `sources`, `feed_state`: one table family each; `sources`
//!   keeps every feed's own version of a story (with its LSH band keys), so
//!   articles are rebuilt from their sources after any change.
//! - `fetch_hours`: fetches, failures and items per feed and hour, for the
//!   last 48 hours (the chart of `/status`).
//! - `evidence`: why a version was folded, recorded at ingest for `explain`.
//! - `published`: what the output folder holds and which channels changed
//!   since, so a new process publishes only those.
//! - `columns`, `language`, `error`: value encodings, language names, errors.

mod articles;
mod changes;
mod columns;
mod error;
mod evidence;
mod feed_state;
mod fetch_hours;
mod ingest;
mod language;
mod prepared;
mod published;
mod schema;
mod sources;
#[cfg(test)]
mod tests;

pub use articles::{LabelInfo, LabelKind};
pub use changes::ChangedChannels;
pub use error::StoreError;
pub use evidence::{FoldEvidence, verdict_name};
pub use feed_state::{FeedState, PlannedFetch};
pub use fetch_hours::FetchHour;
pub use ingest::{FeedIngest, IngestReport};
pub use prepared::PreparedArticle;
pub use published::{PublishedChannel, PublishedState};
pub use sources::SourceRecord;

use crate::dedup::CandidateIndex;
use crate::dedup::Revision;
use crate::fetch::Validators;
use crate::model::{Article, Channel};
use chrono::{DateTime, Utc};
use error::SqlContext;
use rusqlite::Connection;
use rusqlite::config::DbConfig;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The SQLite file inside `state_dir`.
pub const STATE_FILE: &str = "wirefeed.sqlite3";

/// The state file of a configuration.
pub fn state_path(config: &crate::config::Config) -> PathBuf {
    config.site.state_dir.join(STATE_FILE)
}

/// How long a write waits for another connection's lock (the status command
/// reading, a second daemon by mistake) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Prepared statements kept compiled: every distinct query of the store fits,
/// so an ingest never recompiles one.
const STATEMENT_CACHE: usize = 64;
/// SQLite page size for new state files, in bytes.
const PAGE_SIZE: i64 = 16 * 1024;
/// SQLite page cache, in KiB: a much larger cache saved little writer CPU,
/// while the cache is a large share of a cycle's peak memory
/// (benches/README.md, "Decisions").
const CACHE_KIB: i64 = 32 * 1024;

/// Removes the `-wal` and `-shm` files of a database file that is gone
/// (deleted by hand, or with its folder restored from a backup without
/// them). SQLite would replay that WAL into the new, empty file and corrupt
/// it; with the database gone, nothing in them can be wanted.
fn remove_orphan_journals(path: &Path) {
    for suffix in ["-wal", "-shm"] {
        let mut journal = path.as_os_str().to_owned();
        journal.push(suffix);
        let journal = PathBuf::from(journal);
        match std::fs::remove_file(&journal) {
            Ok(()) => tracing::warn!(
                path = %journal.display(),
                "removed the journal of a state database that is gone"
            ),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => tracing::warn!(
                path = %journal.display(),
                %error,
                "cannot remove the journal of a state database that is gone"
            ),
        }
    }
}

/// Opens the state at `path` read-only and runs a trivial query: whether
/// `/healthz` may call it readable. Never creates or migrates anything.
pub fn check_readable(path: &Path) -> Result<(), StoreError> {
    let open_error = |source| StoreError::Open {
        path: path.to_owned(),
        source,
    };
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(open_error)?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
        row.get::<_, i64>(0)
    })
    .map_err(open_error)?;
    Ok(())
}

/// An open state database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Channels touched by ingests since the last [`Store::take_changed`].
    changed: ChangedChannels,
    /// dedup's near-duplicate candidates, kept in step with every ingest.
    index: CandidateIndex,
    /// `PRAGMA data_version` when the index was last checked: it changes
    /// when another connection commits, and then the index is reloaded.
    data_version: Option<i64>,
}

/// Creates the state's folder readable by its owner alone: the state holds
/// licensed full texts and the feeds' validators, and under the packaged
/// unit it sits beside the world-readable output. A folder that exists is
/// left as the operator made it.
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

impl Store {
    /// Opens (creating the file and its folder when missing) and migrates
    /// the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            create_private_dir(parent).map_err(|source| StoreError::CreateDir {
                path: parent.to_owned(),
                source,
            })?;
        }
        let open_error = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        if !path.exists() {
            remove_orphan_journals(path);
            tracing::info!(path = %path.display(), "creating the state database");
        }
        let mut conn = Connection::open(path).map_err(open_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // With STAT4 (bundled SQLite has it) a statement whose parameter meets
        // an indexed column or a partial index's condition is compiled again
        // whenever that parameter changes: `find` and the URL lookup were
        // re-parsed for every article, an eighth of the writer's time. Our
        // queries have one good plan whatever the values.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
            .map_err(open_error)?;
        // Articles are a few KiB of JSON each: on 4 KiB pages every row would
        // spill into overflow pages. Only takes effect on a new, empty file.
        conn.pragma_update(None, "page_size", PAGE_SIZE)
            .map_err(open_error)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(open_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %path.display(), mode, "state database is not in WAL mode");
        }
        // In WAL mode NORMAL loses at most the last commits on power loss,
        // never consistency; each cycle refetches what was lost.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_error)?;
        // SQLite's default page cache is 2 MiB; dedup lookups touch index
        // pages all over a large state, so give them room (KiB when negative).
        conn.pragma_update(None, "cache_size", -CACHE_KIB)
            .map_err(open_error)?;
        // Checkpoint every 64 MiB of WAL rather than SQLite's 4 MiB: each
        // checkpoint syncs the file, and a cold cycle writes hundreds of MiB.
        conn.pragma_update(None, "wal_autocheckpoint", 64 * 1024 * 1024 / PAGE_SIZE)
            .map_err(open_error)?;
        schema::migrate(&mut conn)?;
        Ok(Store {
            conn,
            path: path.to_owned(),
            changed: ChangedChannels::default(),
            index: CandidateIndex::default(),
            data_version: None,
        })
    }

    /// The state of one feed; `None` before its first fetch.
    pub fn feed_state(&self, feed_id: &str) -> Result<Option<FeedState>, StoreError> {
        feed_state::read(&self.conn, feed_id)
    }

    /// The state of every feed fetched so far, by feed id.
    pub fn feed_states(&self) -> Result<Vec<FeedState>, StoreError> {
        feed_state::read_all(&self.conn)
    }

    /// Every feed's fetches, failures and items per hour, from the hour
    /// holding `since` on (at most 48 hours are kept), by feed and hour.
    pub fn fetch_hours(&self, since: DateTime<Utc>) -> Result<Vec<FetchHour>, StoreError> {
        fetch_hours::since(&self.conn, since)
    }

    /// The validators of every feed fetched so far, for conditional GETs.
    pub fn validators(&self) -> Result<Vec<(String, Validators)>, StoreError> {
        feed_state::validators(&self.conn)
    }

    /// Saves the daemon's plan of every feed it schedules, in one
    /// transaction; feeds not in `plans` are left with no plan.
    pub fn record_plans(&mut self, plans: &[PlannedFetch<'_>]) -> Result<(), StoreError> {
        self.group(|store| feed_state::record_plans(&store.conn, plans))
    }

    /// Records a failed fetch of `feed_id`; its validators are kept.
    pub fn record_failure(
        &mut self,
        feed_id: &str,
        at: DateTime<Utc>,
        error: &str,
        http_status: Option<u16>,
    ) -> Result<(), StoreError> {
        feed_state::record_failure(&self.conn, feed_id, at, error, http_status)?;
        fetch_hours::record(&self.conn, feed_id, at, fetch_hours::Fetched::Failed)
    }

    /// Records a fetch answered "not modified": a success with nothing new.
    pub fn record_not_modified(
        &mut self,
        feed_id: &str,
        at: DateTime<Utc>,
        http_status: Option<u16>,
    ) -> Result<(), StoreError> {
        feed_state::record_success(&self.conn, feed_id, at, http_status, None)?;
        fetch_hours::record(
            &self.conn,
            feed_id,
            at,
            fetch_hours::Fetched::Ok { items: 0 },
        )
    }

    /// One transaction for the whole feed: dedup every article against what
    /// is stored (including articles stored earlier in the same cycle),
    /// write, and record the fetch success and validators. A crash or error
    /// mid-way leaves nothing of this feed half-written.
    pub fn ingest(
        &mut self,
        feed: &FeedIngest<'_>,
        articles: Vec<Article>,
    ) -> Result<IngestReport, StoreError> {
        let prepared = articles
            .into_iter()
            .map(PreparedArticle::new)
            .collect::<Result<Vec<_>, _>>()?;
        self.ingest_prepared(feed, prepared)
    }

    /// [`Store::ingest`] for articles prepared beforehand (off the writer).
    pub fn ingest_prepared(
        &mut self,
        feed: &FeedIngest<'_>,
        articles: Vec<PreparedArticle>,
    ) -> Result<IngestReport, StoreError> {
        let in_feed = |source: StoreError| StoreError::Ingest {
            feed_id: feed.feed_id.to_owned(),
            source: Box::new(source),
        };
        if !self.conn.is_autocommit() {
            // Inside a group: an error fails the whole group, which rolls
            // back, so the feed is already whole or absent. A savepoint here
            // would copy every page the feed touches to the subjournal, and
            // LSH keys touch pages all over the table (a quarter of a cold
            // cycle's writer time went to those copies).
            let mut changed = ChangedChannels::default();
            self.sync_index().map_err(in_feed)?;
            let report = ingest::ingest(&self.conn, feed, articles, &mut changed, &mut self.index)
                .map_err(in_feed)?;
            published::mark_stale(&self.conn, &changed).map_err(in_feed)?;
            self.changed.merge(changed);
            tracing::debug!(feed = %feed.feed_id, ?report, "feed ingested");
            return Ok(report);
        }
        let path = self.path.clone();
        let transaction = self
            .conn
            .transaction()
            .map_err(|source| StoreError::Sql {
                path,
                operation: "start an ingest",
                source,
            })
            .map_err(in_feed)?;
        let mut changed = ChangedChannels::default();
        let report = match sync_index(&transaction, &mut self.index, &mut self.data_version)
            .and_then(|()| {
                ingest::ingest(&transaction, feed, articles, &mut changed, &mut self.index)
            }) {
            Ok(report) => report,
            Err(error) => {
                // The transaction rolls back: pairs it added must not stay.
                self.index.reset();
                return Err(in_feed(error));
            }
        };
        published::mark_stale(&transaction, &changed).map_err(in_feed)?;
        self.changed.merge(changed);
        transaction
            .commit()
            .context(&self.conn, "commit an ingest")
            .map_err(in_feed)?;
        tracing::debug!(feed = %feed.feed_id, ?report, "feed ingested");
        Ok(report)
    }

    /// Drops the candidate index when another connection wrote to the state
    /// since the last check, so the next lookup sees its articles.
    fn sync_index(&mut self) -> Result<(), StoreError> {
        sync_index(&self.conn, &mut self.index, &mut self.data_version)
    }

    /// Runs `work` (several feeds' ingests and fetch records) in one
    /// transaction: the pages the feeds share (index pages above all) are
    /// written once per group instead of once per feed. An error rolls the
    /// whole group back, so every feed in it stays whole or absent.
    pub fn group<T>(
        &mut self,
        work: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .context(&self.conn, "start a write group")?;
        match work(self) {
            Ok(value) => {
                self.conn
                    .execute_batch("COMMIT")
                    .context(&self.conn, "commit a write group")?;
                Ok(value)
            }
            Err(error) => {
                // The error that matters is the first; a failed rollback
                // leaves SQLite to roll back when the connection closes.
                let _ = self.conn.execute_batch("ROLLBACK");
                // Pairs of the rolled-back versions must not stay indexed
                // (their rows are reused); the next lookup reloads.
                self.index.reset();
                Err(error)
            }
        }
    }

    /// What the output folder holds and which channels changed since, read
    /// in one snapshot.
    pub fn published(&mut self) -> Result<PublishedState, StoreError> {
        let path = self.path.clone();
        let transaction = self.conn.transaction().map_err(|source| StoreError::Sql {
            path,
            operation: "start reading the published channels",
            source,
        })?;
        let state = published::read(&transaction)?;
        transaction
            .commit()
            .context(&self.conn, "finish reading the published channels")?;
        Ok(state)
    }

    /// Records a publish (see [`PublishedState`]): `listed` (stem, listing)
    /// is every channel the output folder lists now, rendered with
    /// `settings`; the stale marks up to `through` of the channels in
    /// `rendered` are cleared.
    pub fn record_published(
        &mut self,
        settings: &str,
        listed: &[(String, String)],
        rendered: &std::collections::BTreeSet<String>,
        through: i64,
    ) -> Result<(), StoreError> {
        self.group(|store| published::record(&store.conn, settings, listed, rendered, through))
    }

    /// Publishes the articles whose embargo has passed by `now`: they join
    /// their channels, which are marked for the next publish (and listed by
    /// [`Store::take_changed`]). Returns how many were released.
    pub fn release_embargoes(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        if self.next_embargo()?.is_none_or(|next| next > now) {
            return Ok(0);
        }
        let mut changed = ChangedChannels::default();
        let released = self.group(|store| {
            let released = articles::release_embargoes(&store.conn, now, &mut changed)?;
            published::mark_stale(&store.conn, &changed)?;
            Ok(released)
        })?;
        self.changed.merge(changed);
        Ok(released)
    }

    /// The earliest embargo still holding an article back: when the daemon
    /// must wake to publish it.
    pub fn next_embargo(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        articles::next_embargo(&self.conn)
    }

    /// The channels whose articles ingests changed since the last call
    /// (or since the store was opened), an over-approximation: a rolled-back
    /// ingest's channels stay listed.
    pub fn take_changed(&mut self) -> ChangedChannels {
        std::mem::take(&mut self.changed)
    }

    /// The newest articles of `channel`, newest first by published then id,
    /// at most `limit`.
    pub fn latest(&self, channel: &Channel, limit: usize) -> Result<Vec<Article>, StoreError> {
        articles::latest(&self.conn, channel, limit)
    }

    /// Every tag, region and language present in stored articles, with a
    /// display label and article count, by kind then slug.
    pub fn labels(&self) -> Result<Vec<LabelInfo>, StoreError> {
        articles::labels(&self.conn)
    }

    /// The stored article with this id.
    pub fn article(&self, id: &str) -> Result<Option<Article>, StoreError> {
        articles::read(&self.conn, id)
    }

    /// The article `incoming` from `feed_id` would fold into, and why, as
    /// an ingest now would decide it (the same code). Writes nothing: this
    /// is how `wirefeed preview` answers.
    pub fn would_fold(
        &self,
        feed_id: &str,
        incoming: &PreparedArticle,
    ) -> Result<Option<(String, FoldEvidence)>, StoreError> {
        // preview's own index: loading the state's must not cost an ingest
        // its freshness, and preview runs once.
        let mut index = CandidateIndex::default();
        crate::dedup::fold::fold_target(
            &ingest::SqlFacts(&self.conn),
            &mut index,
            &incoming.incoming(feed_id),
        )
    }

    /// When `feed_id` already delivered the item of `incoming`: the article
    /// holding it and what a new ingest would make of this version. Writes
    /// nothing.
    pub fn stored_revision(
        &self,
        feed_id: &str,
        incoming: &PreparedArticle,
    ) -> Result<Option<(String, Revision)>, StoreError> {
        ingest::stored_revision(&self.conn, feed_id, incoming)
    }

    /// Every version of `article_id`, in the order first seen, with the
    /// evidence recorded when each was folded in.
    pub fn source_records(&self, article_id: &str) -> Result<Vec<SourceRecord>, StoreError> {
        sources::records(&self.conn, article_id)
    }

    /// The article with a version whose canonical URL or original link is
    /// exactly `url`.
    pub fn article_by_link(&self, url: &str) -> Result<Option<String>, StoreError> {
        sources::article_by_link(&self.conn, url)
    }
}

/// [`Store::sync_index`] on `conn` (the store's connection, or a transaction
/// on it).
fn sync_index(
    conn: &Connection,
    index: &mut CandidateIndex,
    seen: &mut Option<i64>,
) -> Result<(), StoreError> {
    let version: i64 = conn
        .query_row("PRAGMA data_version", [], |row| row.get(0))
        .context(conn, "read the state's data version")?;
    if seen.is_some_and(|seen| seen != version) && index.is_loaded() {
        tracing::debug!("another process wrote to the state: candidate index dropped");
        index.reset();
    }
    *seen = Some(version);
    Ok(())
}
