//! The PostgreSQL layout and its migrations.
//!
//! `wirefeed_meta` holds the schema version (how many [`MIGRATIONS`] ran)
//! and the change counter every write group bumps. Instances starting at
//! once migrate one at a time under an advisory lock; a migration is never
//! edited after release, only followed by a new one.
//!
//! Ids, slugs and stems are `COLLATE "C"`: ties in the newest-first order
//! fall by byte order, as in SQLite, whatever the database's locale.

use postgres::Client;

use crate::store::error::StoreError;

/// The advisory lock key migrations hold ("wirefeed" + 1).
const MIGRATION_LOCK: i64 = 0x7769_7265_6665_6501;

/// Ordered migrations; the schema version is the number applied.
const MIGRATIONS: &[&str] = &[
    // 1: the whole state, as SQLite's seventh version holds it.
    r#"
    -- One row per article; `json` is the whole Article, the other columns
    -- exist to filter and order without parsing it. hidden_until: NULL when
    -- published, else the time (microseconds) it may be, the largest bigint
    -- while withheld or killed.
    CREATE TABLE articles (
        id           TEXT COLLATE "C" PRIMARY KEY,
        published    BIGINT NOT NULL,   -- microseconds since the Unix epoch, UTC
        updated      BIGINT NOT NULL,
        section      TEXT COLLATE "C",
        breaking     BOOLEAN NOT NULL,
        json         TEXT NOT NULL,
        hidden_until BIGINT
    );
    CREATE INDEX articles_by_published ON articles (published DESC, id DESC)
        WHERE hidden_until IS NULL;
    CREATE INDEX articles_by_section ON articles (section, published DESC, id DESC)
        WHERE hidden_until IS NULL;
    CREATE INDEX articles_breaking ON articles (published DESC, id DESC)
        WHERE breaking AND hidden_until IS NULL;
    CREATE INDEX articles_hidden ON articles (hidden_until) WHERE hidden_until IS NOT NULL;

    -- Each feed's own version of a story; several rows share an article
    -- when duplicates were folded, and the article is rebuilt from them.
    CREATE TABLE sources (
        id            BIGSERIAL PRIMARY KEY,  -- order first seen; the candidate index holds it
        feed_id       TEXT COLLATE "C" NOT NULL,
        item_id       TEXT COLLATE "C" NOT NULL,
        url           TEXT,                   -- the version's canonical URL
        item_url      TEXT,                   -- its original link, for `explain`
        article_id    TEXT COLLATE "C" NOT NULL,
        priority      BIGINT NOT NULL,
        dated         BOOLEAN NOT NULL,       -- false: published is first seen
        digest        TEXT NOT NULL,          -- content digest, dates excluded
        updated       BIGINT NOT NULL,        -- the version's `updated`
        killed        BOOLEAN NOT NULL,       -- the version is a kill
        version       TEXT NOT NULL,          -- the Article as this source gave it, JSON
        words         TEXT NOT NULL,          -- dedup::Fingerprint::to_stored
        keys          BYTEA,                  -- LSH band keys, 8 bytes each, little-endian
        fold_evidence TEXT,                   -- store::FoldEvidence, JSON
        UNIQUE (feed_id, item_id)
    );
    CREATE INDEX sources_by_article ON sources (article_id, id);
    CREATE INDEX sources_by_url ON sources (url) WHERE url IS NOT NULL;
    CREATE INDEX sources_by_item_url ON sources (item_url) WHERE item_url IS NOT NULL;

    -- Tags, regions and languages of each published article.
    CREATE TABLE labels (
        article_id TEXT COLLATE "C" NOT NULL,
        kind       TEXT NOT NULL,             -- 'tag', 'region' or 'language'
        slug       TEXT COLLATE "C" NOT NULL,
        label      TEXT NOT NULL,
        published  BIGINT NOT NULL,           -- copy of articles.published
        PRIMARY KEY (article_id, kind, slug)
    );
    CREATE INDEX labels_by_channel ON labels (kind, slug, published DESC, article_id DESC);

    CREATE TABLE feed_state (
        feed_id              TEXT COLLATE "C" PRIMARY KEY,
        last_fetch           BIGINT,
        last_success         BIGINT,
        last_error           TEXT,
        http_status          INTEGER,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        etag                 TEXT,
        last_modified        TEXT,
        next_fetch           BIGINT,
        backoff_until        BIGINT
    );

    CREATE TABLE fetch_hours (
        feed_id  TEXT COLLATE "C" NOT NULL,
        hour     BIGINT NOT NULL,
        fetches  BIGINT NOT NULL DEFAULT 0,
        failures BIGINT NOT NULL DEFAULT 0,
        items    BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (feed_id, hour)
    );

    CREATE TABLE published (
        stem     TEXT COLLATE "C" PRIMARY KEY,
        settings TEXT NOT NULL,
        listing  TEXT NOT NULL
    );
    CREATE TABLE stale_channels (
        seq  BIGSERIAL PRIMARY KEY,
        stem TEXT COLLATE "C" NOT NULL
    );

    INSERT INTO wirefeed_meta (key, value) VALUES ('changes', 0);
    "#,
    // 2: instances sharing the state (store::cluster).
    r#"
    -- Every `wirefeed run` on this state, as its heartbeat last said.
    CREATE TABLE cluster_instances (
        instance   TEXT COLLATE "C" PRIMARY KEY,  -- host/pid/start
        host       TEXT NOT NULL,
        pid        BIGINT NOT NULL,
        started    BIGINT NOT NULL,               -- microseconds since the Unix epoch, UTC
        seen       BIGINT NOT NULL,
        publishing BOOLEAN NOT NULL DEFAULT FALSE
    );

    -- The cluster's plan of each feed: when it is due, its failures, and
    -- the instance holding it while it runs (until lease_until, which the
    -- holder's heartbeat keeps moving).
    CREATE TABLE feed_claims (
        feed_id       TEXT COLLATE "C" PRIMARY KEY,
        due           BIGINT NOT NULL,
        failures      INTEGER NOT NULL DEFAULT 0,
        backoff_until BIGINT,
        holder        TEXT COLLATE "C",
        lease_until   BIGINT,
        lease_ms      BIGINT
    );
    CREATE INDEX feed_claims_by_holder ON feed_claims (holder) WHERE holder IS NOT NULL;
    "#,
];

/// The schema version this build writes.
pub(super) const VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`VERSION`], refusing one written by a newer
/// wirefeed rather than guessing at its layout.
pub(super) fn migrate(client: &mut Client, state: &str) -> Result<(), StoreError> {
    let sql = |operation| failed(state, operation);
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .map_err(sql("wait for other instances' migrations"))?;
    let migrated = apply(client, state);
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .map_err(sql("release the migration lock"));
    migrated.and(unlocked.map(|_| ()))
}

fn apply(client: &mut Client, state: &str) -> Result<(), StoreError> {
    let sql = |operation| failed(state, operation);
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS wirefeed_meta (
                 key   TEXT COLLATE \"C\" PRIMARY KEY,
                 value BIGINT NOT NULL
             );
             INSERT INTO wirefeed_meta (key, value) VALUES ('schema', 0)
                 ON CONFLICT (key) DO NOTHING;",
        )
        .map_err(sql("create the schema table"))?;
    let found: i64 = client
        .query_one("SELECT value FROM wirefeed_meta WHERE key = 'schema'", &[])
        .map_err(sql("read the schema version"))?
        .get(0);
    if found > VERSION {
        return Err(StoreError::NewerSchema {
            state: state.to_owned(),
            found,
            known: VERSION,
        });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = index as i64 + 1;
        let mut transaction = client.transaction().map_err(sql("start a migration"))?;
        transaction
            .batch_execute(migration)
            .map_err(sql("apply a migration"))?;
        transaction
            .execute(
                "UPDATE wirefeed_meta SET value = $1 WHERE key = 'schema'",
                &[&version],
            )
            .map_err(sql("record the schema version"))?;
        transaction.commit().map_err(sql("commit a migration"))?;
        tracing::info!(version, state, "state database migrated");
    }
    Ok(())
}

/// The error of `operation` on the database `state` names.
fn failed(state: &str, operation: &'static str) -> impl FnOnce(postgres::Error) -> StoreError {
    move |source| StoreError::Postgres {
        state: state.to_owned(),
        operation,
        source,
    }
}
