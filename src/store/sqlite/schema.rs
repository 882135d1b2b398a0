//! The database layout and its migrations.
//!
//! `PRAGMA user_version` holds how many [`MIGRATIONS`] have been applied.
//! Each runs once, in order, in its own transaction; a migration is never
//! edited after release, only followed by a new one.

use crate::store::error::{SqlContext, StoreError, db_path};
use rusqlite::Connection;

/// Ordered migrations; the schema version is the number applied. Visible to
/// the store's tests, which build old databases from them.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: articles, their source versions, labels, LSH keys and feed state.
    r#"
    -- One row per published article; `json` is the whole Article, the other
    -- columns exist to filter and order without parsing it.
    CREATE TABLE articles (
        id        TEXT PRIMARY KEY NOT NULL,
        published INTEGER NOT NULL,  -- microseconds since the Unix epoch, UTC
        updated   INTEGER NOT NULL,
        section   TEXT,
        breaking  INTEGER NOT NULL,
        json      TEXT NOT NULL
    );
    CREATE INDEX articles_by_published ON articles (published DESC, id DESC);
    CREATE INDEX articles_by_section ON articles (section, published DESC, id DESC);
    CREATE INDEX articles_breaking ON articles (published DESC, id DESC) WHERE breaking = 1;

    -- Each feed's own version of a story; several rows share an article when
    -- duplicates were folded. The article is rebuilt from these rows.
    CREATE TABLE sources (
        id         INTEGER PRIMARY KEY,  -- order first seen: ties in priority go to the lowest
        feed_id    TEXT NOT NULL,
        item_id    TEXT NOT NULL,
        url        TEXT,                 -- the version's canonical URL
        article_id TEXT NOT NULL,
        priority   INTEGER NOT NULL,
        dated      INTEGER NOT NULL,     -- 0: the source gave no date, published is first seen
        digest     TEXT NOT NULL,        -- content digest of the version, dates excluded
        version    TEXT,                 -- the Article as this source gave it, JSON; NULL while it
                                         -- is its article's only version and equal to articles.json
        words      TEXT NOT NULL,        -- dedup::Fingerprint::to_stored: compared without parsing `version`
        UNIQUE (feed_id, item_id)
    );
    CREATE INDEX sources_by_article ON sources (article_id);
    CREATE INDEX sources_by_url ON sources (url) WHERE url IS NOT NULL;

    -- Tags, regions and languages of each article, for channel queries.
    CREATE TABLE labels (
        article_id TEXT NOT NULL,
        kind       TEXT NOT NULL,        -- 'tag', 'region' or 'language'
        slug       TEXT NOT NULL,
        label      TEXT NOT NULL,
        published  INTEGER NOT NULL,     -- copy of articles.published, so the index orders
        PRIMARY KEY (article_id, kind, slug)
    ) WITHOUT ROWID;
    CREATE INDEX labels_by_channel ON labels (kind, slug, published DESC, article_id DESC);

    -- MinHash LSH band keys of each source version (dedup::fingerprint).
    CREATE TABLE lsh (
        band_key  INTEGER NOT NULL,
        source_id INTEGER NOT NULL,
        PRIMARY KEY (band_key, source_id)
    ) WITHOUT ROWID;
    -- No index by source: a replaced version's keys are recomputed from its
    -- stored words and deleted by primary key, so each new version costs 16
    -- index inserts instead of 32 (they were most of a cold cycle's writes).

    CREATE TABLE feed_state (
        feed_id              TEXT PRIMARY KEY NOT NULL,
        last_fetch           INTEGER,
        last_success         INTEGER,
        last_error           TEXT,
        http_status          INTEGER,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        etag                 TEXT,
        last_modified        TEXT
    );
    "#,
    // 2: the daemon's plan, saved for `wirefeed status` (another process).
    r#"
    -- Microseconds since the Unix epoch, UTC. next_fetch is NULL while the
    -- feed runs, when its schedule has ended, or when no daemon planned it;
    -- backoff_until is set while failures (backoff, Retry-After) rather than
    -- the schedule decide the next fetch.
    ALTER TABLE feed_state ADD COLUMN next_fetch INTEGER;
    ALTER TABLE feed_state ADD COLUMN backoff_until INTEGER;
    "#,
    // 3: why each version was folded into another feed's article, for `explain`.
    r#"
    -- store::FoldEvidence as JSON, written when the version was folded at
    -- ingest: same canonical URL, or text similarity with its scores. NULL
    -- for a version that started its article, and for rows stored before
    -- this migration (explain recomputes those and says so).
    ALTER TABLE sources ADD COLUMN fold_evidence TEXT;
    "#,
    // 4: what the output folder holds, so a new process publishes only what changed.
    r#"
    -- One row per channel whose files were published: its path stem, the
    -- fingerprint of the settings it was rendered with, and its entry in
    -- index.html and feeds.opml (publish's listing, JSON).
    CREATE TABLE published (
        stem     TEXT PRIMARY KEY NOT NULL,
        settings TEXT NOT NULL,
        listing  TEXT NOT NULL
    ) WITHOUT ROWID;
    -- Channels an ingest changed, written in the ingest's transaction: a
    -- crash before the publish leaves them here for the next one. A publish
    -- clears only the marks it had read before reading the articles
    -- (seq <= the largest it saw), so a mark another process adds meanwhile
    -- survives. AUTOINCREMENT keeps seq growing after the table empties.
    CREATE TABLE stale_channels (
        seq  INTEGER PRIMARY KEY AUTOINCREMENT,
        stem TEXT NOT NULL
    );

    -- The label too, so listing every label with its wording and count
    -- (each publish does) reads the index alone: it looked up every label
    -- row in the table, half of publishing 100,000 articles.
    DROP INDEX labels_by_channel;
    CREATE INDEX labels_by_channel ON labels (kind, slug, published DESC, article_id DESC, label);
    "#,
    // 5: articles an agency withheld, killed or embargoed are kept, unpublished.
    r#"
    -- NULL: published. Otherwise the time (microseconds) from which the
    -- article may be published: its embargo, or the largest integer while
    -- it is withheld or killed. A hidden article has no labels rows, so
    -- every channel query and label listing leaves it out.
    ALTER TABLE articles ADD COLUMN hidden_until INTEGER;
    CREATE INDEX articles_hidden ON articles (hidden_until) WHERE hidden_until IS NOT NULL;
    "#,
    // 6: fetch outcomes per feed and hour, for the chart of `/status`.
    r#"
    -- One row per feed and clock hour in which it was fetched; rows older
    -- than 48 hours are deleted (store::fetch_hours). `hour` is the hour's
    -- start, microseconds since the Unix epoch, UTC; `items` counts the
    -- items taken in (stored new, updated, or folded into another story).
    CREATE TABLE fetch_hours (
        feed_id  TEXT NOT NULL,
        hour     INTEGER NOT NULL,
        fetches  INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0,
        items    INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (feed_id, hour)
    ) WITHOUT ROWID;
    "#,
    // 7: band keys as one row per version, for dedup's in-memory index.
    r#"
    -- The version's LSH band keys (dedup::fingerprint), 8 bytes each,
    -- little-endian; no row when it has none. Read whole to load dedup's
    -- candidate index, which answers every lookup: one appended row per new
    -- version instead of 32 inserts all over an index by key. Filled from
    -- each version's stored words when this migration runs
    -- (schema::fill_source_keys).
    CREATE TABLE source_keys (
        source_id INTEGER PRIMARY KEY,   -- sources.id
        keys      BLOB NOT NULL
    );
    DROP TABLE lsh;
    "#,
];

/// The first schema version with `source_keys`.
const SOURCE_KEYS: i64 = 7;

/// The schema version this build writes.
pub(crate) const VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`VERSION`], refusing one written by a newer
/// wirefeed rather than guessing at its layout.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .context(conn, "read the schema version")?;
    if found > VERSION {
        return Err(StoreError::NewerSchema {
            state: db_path(conn).display().to_string(),
            found,
            known: VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = index as i64 + 1;
        let path = db_path(conn);
        let tx = conn.transaction().map_err(|source| StoreError::Sql {
            path,
            operation: "start a migration",
            source,
        })?;
        tx.execute_batch(sql).context(&tx, "apply a migration")?;
        if version == SOURCE_KEYS {
            fill_source_keys(&tx)?;
        }
        tx.pragma_update(None, "user_version", version)
            .context(&tx, "record the schema version")?;
        tx.commit().context(conn, "commit a migration")?;
        tracing::info!(version, "state database migrated");
    }
    Ok(())
}

/// Computes every stored version's band keys from its stored words, once,
/// when `source_keys` replaces the table of keys by key.
fn fill_source_keys(conn: &Connection) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    let rows: Vec<(i64, String)> = conn
        .prepare("SELECT id, words FROM sources WHERE words IS NOT NULL")
        .and_then(|mut statement| {
            statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })
        .context(conn, "read the stored words")?;
    let mut insert = conn
        .prepare("INSERT INTO source_keys (source_id, keys) VALUES (?1, ?2)")
        .context(conn, "prepare the band keys")?;
    let mut filled = 0;
    for (id, words) in &rows {
        if let Some(keys) = crate::dedup::Fingerprint::from_stored(words).band_keys() {
            insert
                .execute(rusqlite::params![
                    id,
                    crate::store::records::keys_blob(&keys)
                ])
                .context(conn, "store the band keys")?;
            filled += 1;
        }
    }
    // A new state has nothing to fill: not worth a line at info.
    if filled > 0 {
        tracing::info!(
            versions = filled,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "band keys stored per version"
        );
    }
    Ok(())
}
