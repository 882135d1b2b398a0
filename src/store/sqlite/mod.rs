//! The embedded backend: the state in one SQLite file, zero setup.
//!
//! WAL mode, so `wirefeed status` can read while the daemon writes; one
//! connection writes. Every write group is one `BEGIN IMMEDIATE`
//! transaction: a crash leaves each feed's articles and fetch record as
//! they were before it.
//!
//! - `schema`: tables, indexes and ordered migrations (`PRAGMA user_version`).
//! - `articles`, `sources`, `feed_state`: one table family each; `sources`
//!   keeps every feed's own version of a story (with its LSH band keys), so
//!   articles are rebuilt from their sources after any change.
//! - `fetch_hours`: fetches, failures and items per feed and hour, for the
//!   last 48 hours (the chart of `/status`).
//! - `published`: what the output folder holds and which channels changed
//!   since, so a new process publishes only those.
//! - `columns`: how values become columns and back.

mod articles;
mod columns;
mod feed_state;
mod fetch_hours;
mod published;
mod schema;
mod sources;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use rusqlite::config::DbConfig;

use crate::dedup::{FoldEvidence, FoldFacts, StoredCandidate, StoredItem};
use crate::fetch::Validators;
use crate::model::{Article, Channel};
use crate::store::backend::Backend;
use crate::store::changes::ChangedChannels;
use crate::store::error::{SqlContext, StoreError};
use crate::store::ingest::FeedIngest;
use crate::store::prepared::PreparedArticle;
use crate::store::records::{
    FeedState, FetchHour, FetchRecord, LabelInfo, PlannedFetch, PublishedState, SourceRecord,
    StoredSource,
};
use sources::Keep;

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

/// The state in one SQLite file.
#[derive(Debug)]
pub struct SqliteBackend {
    conn: Connection,
    path: PathBuf,
    /// `PRAGMA data_version` at the last [`Backend::written_elsewhere`]: it
    /// changes when another connection commits.
    data_version: Option<i64>,
}

impl SqliteBackend {
    /// Opens (creating the file and its folder when missing) and migrates
    /// the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteBackend, StoreError> {
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
        Ok(SqliteBackend {
            conn,
            path: path.to_owned(),
            data_version: None,
        })
    }

    /// Runs `work` in a transaction of its own unless a group is open.
    fn whole<T>(
        &mut self,
        operation: &'static str,
        work: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.in_group() {
            return work(&self.conn);
        }
        let path = self.path.clone();
        let transaction = self.conn.transaction().map_err(|source| StoreError::Sql {
            path,
            operation,
            source,
        })?;
        let value = work(&transaction)?;
        transaction.commit().context(&self.conn, operation)?;
        Ok(value)
    }

    /// The connection itself, for the few jobs that must know the layout
    /// (moving a state to another backend; tests that look under it).
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// dedup's questions, answered on the writer's connection (inside its open
/// group, so articles earlier in the group count).
impl FoldFacts for SqliteBackend {
    type Error = StoreError;

    fn stored_item(&self, feed_id: &str, item_id: &str) -> Result<Option<StoredItem>, StoreError> {
        sources::facts(&self.conn, feed_id, item_id)
    }

    fn articles_with_url(&self, url: &str) -> Result<Vec<String>, StoreError> {
        sources::articles_with_url(&self.conn, url)
    }

    fn feed_in_article(&self, feed_id: &str, article_id: &str) -> Result<bool, StoreError> {
        sources::feed_in_article(&self.conn, feed_id, article_id)
    }

    fn candidate(&self, source_id: i64) -> Result<Option<StoredCandidate>, StoreError> {
        sources::candidate(&self.conn, source_id)
    }

    fn article_exists(&self, article_id: &str) -> Result<bool, StoreError> {
        articles::exists(&self.conn, article_id)
    }

    fn band_key_pairs(&self) -> Result<Vec<(i64, i64)>, StoreError> {
        sources::band_key_pairs(&self.conn)
    }
}

impl Backend for SqliteBackend {
    fn begin(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .context(&self.conn, "start a write group")
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("COMMIT")
            .context(&self.conn, "commit a write group")
    }

    fn rollback(&mut self) {
        // The error that matters is the one that led here; a failed
        // rollback leaves SQLite to roll back when the connection closes.
        let _ = self.conn.execute_batch("ROLLBACK");
    }

    fn in_group(&self) -> bool {
        !self.conn.is_autocommit()
    }

    fn written_elsewhere(&mut self) -> Result<bool, StoreError> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA data_version", [], |row| row.get(0))
            .context(&self.conn, "read the state's data version")?;
        let elsewhere = self.data_version.is_some_and(|seen| seen != version);
        self.data_version = Some(version);
        Ok(elsewhere)
    }

    fn feed_state(&self, feed_id: &str) -> Result<Option<FeedState>, StoreError> {
        feed_state::read(&self.conn, feed_id)
    }

    fn feed_states(&self) -> Result<Vec<FeedState>, StoreError> {
        feed_state::read_all(&self.conn)
    }

    fn validators(&self) -> Result<Vec<(String, Validators)>, StoreError> {
        feed_state::validators(&self.conn)
    }

    fn fetch_hours(&self, since: DateTime<Utc>) -> Result<Vec<FetchHour>, StoreError> {
        fetch_hours::since(&self.conn, since)
    }

    fn record_fetch(
        &mut self,
        feed_id: &str,
        at: DateTime<Utc>,
        fetch: FetchRecord<'_>,
    ) -> Result<(), StoreError> {
        self.whole("record a fetch", |conn| {
            let hour = match fetch {
                FetchRecord::Ingested {
                    http_status,
                    validators,
                    items,
                } => {
                    feed_state::record_success(conn, feed_id, at, http_status, Some(validators))?;
                    fetch_hours::Fetched::Ok { items }
                }
                FetchRecord::NotModified { http_status } => {
                    feed_state::record_success(conn, feed_id, at, http_status, None)?;
                    fetch_hours::Fetched::Ok { items: 0 }
                }
                FetchRecord::Failed { error, http_status } => {
                    feed_state::record_failure(conn, feed_id, at, error, http_status)?;
                    fetch_hours::Fetched::Failed
                }
            };
            fetch_hours::record(conn, feed_id, at, hour)
        })
    }

    fn record_plans(&mut self, plans: &[PlannedFetch<'_>]) -> Result<(), StoreError> {
        self.whole("save the fetch plans", |conn| {
            feed_state::record_plans(conn, plans)
        })
    }

    fn stored_version(
        &self,
        feed_id: &str,
        item_id: &str,
    ) -> Result<Option<StoredSource>, StoreError> {
        sources::find(&self.conn, feed_id, item_id)
    }

    fn versions_of(&self, article_id: &str) -> Result<Vec<StoredSource>, StoreError> {
        sources::of_article(&self.conn, article_id)
    }

    fn source_records(&self, article_id: &str) -> Result<Vec<SourceRecord>, StoreError> {
        sources::records(&self.conn, article_id)
    }

    fn article_by_link(&self, url: &str) -> Result<Option<String>, StoreError> {
        sources::article_by_link(&self.conn, url)
    }

    fn insert_first_version(
        &mut self,
        feed: &FeedIngest<'_>,
        version: &PreparedArticle,
        article: Option<&Article>,
        changed: &mut ChangedChannels,
    ) -> Result<i64, StoreError> {
        // The usual case: the article is the version itself, stored once.
        let once = article == Some(&version.article);
        let keep = if once { Keep::AsArticle } else { Keep::Copy };
        let id = sources::insert(&self.conn, feed, &version.article.id, version, keep, None)?;
        match article {
            Some(article) if once => {
                articles::insert_new(&self.conn, article, &version.json, changed)?
            }
            Some(article) => articles::write(&self.conn, article, changed)?,
            None => {}
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
        // The article is about to be rebuilt from several versions: the one
        // stored as the article needs its own copy first.
        sources::materialize(&self.conn, article_id)?;
        sources::insert(
            &self.conn,
            feed,
            article_id,
            version,
            Keep::Copy,
            Some(evidence),
        )
    }

    fn replace_version(
        &mut self,
        source_id: i64,
        priority: i64,
        version: &PreparedArticle,
    ) -> Result<(), StoreError> {
        sources::replace(&self.conn, source_id, priority, version)
    }

    fn write_article(
        &mut self,
        article: &Article,
        changed: &mut ChangedChannels,
    ) -> Result<(), StoreError> {
        articles::write(&self.conn, article, changed)
    }

    fn article(&self, id: &str) -> Result<Option<Article>, StoreError> {
        articles::read(&self.conn, id)
    }

    fn latest(&self, channel: &Channel, limit: usize) -> Result<Vec<Article>, StoreError> {
        articles::latest(&self.conn, channel, limit)
    }

    fn labels(&self) -> Result<Vec<LabelInfo>, StoreError> {
        articles::labels(&self.conn)
    }

    fn release_embargoes(
        &mut self,
        now: DateTime<Utc>,
        changed: &mut ChangedChannels,
    ) -> Result<usize, StoreError> {
        self.whole("publish articles whose embargo passed", |conn| {
            articles::release_embargoes(conn, now, changed)
        })
    }

    fn next_embargo(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        articles::next_embargo(&self.conn)
    }

    fn mark_stale(&mut self, changed: &ChangedChannels) -> Result<(), StoreError> {
        published::mark_stale(&self.conn, changed)
    }

    fn published(&mut self) -> Result<PublishedState, StoreError> {
        // One read transaction: the channels and the marks of one moment.
        self.whole("read the published channels", published::read)
    }

    fn record_published(
        &mut self,
        settings: &str,
        listed: &[(String, String)],
        rendered: &BTreeSet<String>,
        through: i64,
    ) -> Result<(), StoreError> {
        self.whole("record a publish", |conn| {
            published::record(conn, settings, listed, rendered, through)
        })
    }

    #[cfg(test)]
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
