//! Moving a state from its SQLite file to a PostgreSQL database, whole:
//! articles, every version with its fold evidence and band keys, labels,
//! each feed's fetch history and validators, the daemon's plans, and the
//! publish record. Nothing is refetched or republished afterwards: the
//! validators make the next fetches conditional, and the publish record
//! says the output folder is current.
//!
//! It reads and writes both layouts directly (the one job that must know
//! them both) and copies row ids as they are, so fold evidence naming a
//! version by its row still names it.

use std::fmt;
use std::path::Path;

use crate::model::{Article, PubStatus};
use crate::store::error::StoreError;
use crate::store::postgres::PostgresBackend;
use crate::store::sqlite::SqliteBackend;

/// What was copied, table by table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Copied {
    pub articles: u64,
    pub versions: u64,
    pub labels: u64,
    pub feeds: u64,
    pub fetch_hours: u64,
    pub published_channels: u64,
    pub stale_marks: u64,
}

impl fmt::Display for Copied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} articles, {} versions, {} labels, {} feeds with their fetch history ({} feed-hours), {} published channels, {} channels awaiting a publish",
            self.articles,
            self.versions,
            self.labels,
            self.feeds,
            self.fetch_hours,
            self.published_channels,
            self.stale_marks
        )
    }
}

/// Copies the SQLite state at `from` into the PostgreSQL database `to`
/// (migrating both to this build's layout first), in one transaction on
/// the target. A target that already holds a state is refused unless
/// `replace`, which empties it first.
pub fn sqlite_to_postgres(from: &Path, to: &str, replace: bool) -> Result<Copied, StoreError> {
    if !from.exists() {
        return Err(StoreError::Settings {
            state: from.display().to_string(),
            reason: "no state to move: the file does not exist".to_owned(),
        });
    }
    let source = SqliteBackend::open(from)?;
    let target = PostgresBackend::open(to)?;
    let shown = target.shown().to_owned();
    let sql = |operation: &'static str| {
        let shown = shown.clone();
        move |source| StoreError::Postgres {
            state: shown,
            operation,
            source,
        }
    };
    let conn = source.conn();
    let mut client = target.client();
    let mut tx = client.transaction().map_err(sql("start the copy"))?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1)",
        &[&crate::store::postgres::WRITE_LOCK],
    )
    .map_err(sql("wait for other instances' writes"))?;
    let held: i64 = tx
        .query_one(
            "SELECT (SELECT COUNT(*) FROM sources) + (SELECT COUNT(*) FROM feed_state)
                 + (SELECT COUNT(*) FROM published)",
            &[],
        )
        .map_err(sql("look for a state already there"))?
        .get(0);
    if held > 0 && !replace {
        return Err(StoreError::Settings {
            state: shown,
            reason: "already holds a state; wirefeed migrate-state --replace empties it first"
                .to_owned(),
        });
    }
    tx.batch_execute(
        "TRUNCATE articles, sources, labels, feed_state, fetch_hours, published, stale_channels, feed_claims",
    )
    .map_err(sql("empty the target"))?;

    let articles = copy_rows(
        conn,
        &mut tx,
        "SELECT id, published, updated, section, breaking, json, hidden_until FROM articles",
        "INSERT INTO articles (id, published, updated, section, breaking, json, hidden_until)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        |row| {
            Ok(vec![
                Value::Text(row.get(0)?),
                Value::BigInt(row.get(1)?),
                Value::BigInt(row.get(2)?),
                Value::MaybeText(row.get(3)?),
                Value::Bool(row.get(4)?),
                Value::Text(row.get(5)?),
                Value::MaybeBigInt(row.get(6)?),
            ])
        },
        from,
        &shown,
    )?;
    // A version stored as its article (NULL) gets its article's JSON; the
    // columns PostgreSQL keeps beside it come from that JSON.
    let versions = copy_rows(
        conn,
        &mut tx,
        "SELECT s.id, s.feed_id, s.item_id, s.url, s.article_id, s.priority, s.dated,
                s.digest, COALESCE(s.version, a.json), s.words, k.keys, s.fold_evidence
         FROM sources s JOIN articles a ON a.id = s.article_id
         LEFT JOIN source_keys k ON k.source_id = s.id",
        "INSERT INTO sources (id, feed_id, item_id, url, article_id, priority, dated, digest,
             version, words, keys, fold_evidence, item_url, updated, killed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        |row| {
            let article_id: String = row.get(4)?;
            let json: String = row.get(8)?;
            let version: Article = serde_json::from_str(&json).map_err(|error| {
                rusqlite::Error::FromSqlConversionFailure(
                    8,
                    rusqlite::types::Type::Text,
                    format!("stored version of article {article_id}: {error}").into(),
                )
            })?;
            Ok(vec![
                Value::BigInt(row.get(0)?),
                Value::Text(row.get(1)?),
                Value::Text(row.get(2)?),
                Value::MaybeText(row.get(3)?),
                Value::Text(article_id),
                Value::BigInt(row.get(5)?),
                Value::Bool(row.get(6)?),
                Value::Text(row.get(7)?),
                Value::Text(json),
                Value::Text(row.get(9)?),
                Value::MaybeBytes(row.get(10)?),
                Value::MaybeText(row.get(11)?),
                Value::MaybeText(version.source.item_url),
                Value::BigInt(version.updated.timestamp_micros()),
                Value::Bool(version.editorial.status == PubStatus::Canceled),
            ])
        },
        from,
        &shown,
    )?;
    let labels = copy_rows(
        conn,
        &mut tx,
        "SELECT article_id, kind, slug, label, published FROM labels",
        "INSERT INTO labels (article_id, kind, slug, label, published) VALUES ($1, $2, $3, $4, $5)",
        |row| {
            Ok(vec![
                Value::Text(row.get(0)?),
                Value::Text(row.get(1)?),
                Value::Text(row.get(2)?),
                Value::Text(row.get(3)?),
                Value::BigInt(row.get(4)?),
            ])
        },
        from,
        &shown,
    )?;
    let feeds = copy_rows(
        conn,
        &mut tx,
        "SELECT feed_id, last_fetch, last_success, last_error, http_status, consecutive_failures,
                etag, last_modified, next_fetch, backoff_until FROM feed_state",
        "INSERT INTO feed_state (feed_id, last_fetch, last_success, last_error, http_status,
             consecutive_failures, etag, last_modified, next_fetch, backoff_until)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        |row| {
            Ok(vec![
                Value::Text(row.get(0)?),
                Value::MaybeBigInt(row.get(1)?),
                Value::MaybeBigInt(row.get(2)?),
                Value::MaybeText(row.get(3)?),
                Value::MaybeInt(
                    row.get::<_, Option<i64>>(4)?
                        .and_then(|v| i32::try_from(v).ok()),
                ),
                Value::Int(i32::try_from(row.get::<_, i64>(5)?).unwrap_or(i32::MAX)),
                Value::MaybeText(row.get(6)?),
                Value::MaybeText(row.get(7)?),
                Value::MaybeBigInt(row.get(8)?),
                Value::MaybeBigInt(row.get(9)?),
            ])
        },
        from,
        &shown,
    )?;
    let fetch_hours = copy_rows(
        conn,
        &mut tx,
        "SELECT feed_id, hour, fetches, failures, items FROM fetch_hours",
        "INSERT INTO fetch_hours (feed_id, hour, fetches, failures, items) VALUES ($1, $2, $3, $4, $5)",
        |row| {
            Ok(vec![
                Value::Text(row.get(0)?),
                Value::BigInt(row.get(1)?),
                Value::BigInt(row.get(2)?),
                Value::BigInt(row.get(3)?),
                Value::BigInt(row.get(4)?),
            ])
        },
        from,
        &shown,
    )?;
    let published_channels = copy_rows(
        conn,
        &mut tx,
        "SELECT stem, settings, listing FROM published",
        "INSERT INTO published (stem, settings, listing) VALUES ($1, $2, $3)",
        |row| {
            Ok(vec![
                Value::Text(row.get(0)?),
                Value::Text(row.get(1)?),
                Value::Text(row.get(2)?),
            ])
        },
        from,
        &shown,
    )?;
    let stale_marks = copy_rows(
        conn,
        &mut tx,
        "SELECT seq, stem FROM stale_channels",
        "INSERT INTO stale_channels (seq, stem) VALUES ($1, $2)",
        |row| Ok(vec![Value::BigInt(row.get(0)?), Value::Text(row.get(1)?)]),
        from,
        &shown,
    )?;

    // New rows continue after the copied ids; every instance reloads its
    // candidate index.
    tx.batch_execute(
        "SELECT setval('sources_id_seq', GREATEST((SELECT MAX(id) FROM sources), 1));
         SELECT setval('stale_channels_seq_seq', GREATEST((SELECT MAX(seq) FROM stale_channels), 1));
         UPDATE wirefeed_meta SET value = value + 1 WHERE key = 'changes';",
    )
    .map_err(sql("continue the row ids"))?;
    tx.commit().map_err(sql("commit the copy"))?;
    Ok(Copied {
        articles,
        versions,
        labels,
        feeds,
        fetch_hours,
        published_channels,
        stale_marks,
    })
}

/// A value of a copied row.
enum Value {
    Text(String),
    MaybeText(Option<String>),
    BigInt(i64),
    MaybeBigInt(Option<i64>),
    Int(i32),
    MaybeInt(Option<i32>),
    Bool(bool),
    MaybeBytes(Option<Vec<u8>>),
}

impl Value {
    fn as_sql(&self) -> &(dyn postgres::types::ToSql + Sync) {
        match self {
            Value::Text(value) => value,
            Value::MaybeText(value) => value,
            Value::BigInt(value) => value,
            Value::MaybeBigInt(value) => value,
            Value::Int(value) => value,
            Value::MaybeInt(value) => value,
            Value::Bool(value) => value,
            Value::MaybeBytes(value) => value,
        }
    }
}

/// Copies every row `select` reads from SQLite with `insert`, one row at
/// a time (a state's versions do not fit in memory at once); returns how
/// many.
fn copy_rows(
    conn: &rusqlite::Connection,
    tx: &mut postgres::Transaction<'_>,
    select: &str,
    insert: &str,
    values: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<Vec<Value>>,
    from: &Path,
    shown: &str,
) -> Result<u64, StoreError> {
    let read = |source| StoreError::Sql {
        path: from.to_owned(),
        operation: "read the state to move",
        source,
    };
    let write = |source| StoreError::Postgres {
        state: shown.to_owned(),
        operation: "copy the state",
        source,
    };
    let insert = tx.prepare(insert).map_err(write)?;
    let mut statement = conn.prepare(select).map_err(read)?;
    let mut rows = statement.query([]).map_err(read)?;
    let mut copied = 0;
    while let Some(row) = rows.next().map_err(read)? {
        let row = values(row).map_err(read)?;
        let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
            row.iter().map(Value::as_sql).collect();
        tx.execute(&insert, &params).map_err(write)?;
        copied += 1;
    }
    Ok(copied)
}
