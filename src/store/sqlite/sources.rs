//! Each feed's own version of a story, keyed by (feed id, item id), and the
//! LSH band keys that find near-duplicates among them (`source_keys`, read
//! whole into dedup's candidate index).

use crate::dedup::{Fingerprint, StoredCandidate, StoredItem};
use crate::model::PubStatus;
use crate::store::error::{SqlContext, StoreError};
use crate::store::evidence::FoldEvidence;
use crate::store::ingest::FeedIngest;
use crate::store::prepared::PreparedArticle;
use crate::store::records::NEVER;
use crate::store::records::{SourceRecord, StoredSource, keys_blob, keys_of_blob};
use crate::store::sqlite::columns::{from_json, time};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

/// A NULL version is its article's JSON (see the schema).
const COLUMNS: &str = "s.id, s.article_id, s.priority, s.digest, COALESCE(s.version, a.json)";
const FROM: &str = "sources s JOIN articles a ON a.id = s.article_id";

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, i64, String, String)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn parse(
    conn: &Connection,
    (id, article_id, priority, digest, json): (i64, String, i64, String, String),
) -> Result<StoredSource, StoreError> {
    let version = from_json(conn, &article_id, &json)?;
    Ok(StoredSource {
        id,
        article_id,
        priority,
        digest,
        version,
    })
}

/// The stored version of `item_id` from `feed_id`.
pub(crate) fn find(
    conn: &Connection,
    feed_id: &str,
    item_id: &str,
) -> Result<Option<StoredSource>, StoreError> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE s.feed_id = ?1 AND s.item_id = ?2"
        ))
        .and_then(|mut statement| statement.query_row([feed_id, item_id], read_row).optional())
        .context(conn, "find a source item")?;
    row.map(|row| parse(conn, row)).transpose()
}

/// digest, `updated` of a version stored as its article, `updated` in a
/// copy's JSON, status of a hidden article's version.
type FactsRow = (String, Option<i64>, Option<String>, Option<String>);

/// [`StoredItem`] of the stored version of `item_id` from `feed_id`, read
/// without parsing the version: most items of a changed feed are the same
/// as stored, and parsing each stored version's JSON to learn that was most
/// of the writer's work in such a cycle.
pub(crate) fn facts(
    conn: &Connection,
    feed_id: &str,
    item_id: &str,
) -> Result<Option<StoredItem>, StoreError> {
    // A version stored as its article (version NULL) has the article's
    // `updated`; a copy keeps its own in its JSON.
    // Only a withheld or killed article (hidden for good) has its stored
    // status read: parsing JSON for every redelivered item is what this
    // query exists to avoid.
    let row: Option<FactsRow> = conn
        .prepare_cached(&format!(
            "SELECT s.digest, CASE WHEN s.version IS NULL THEN a.updated END,
                    json_extract(s.version, '$.updated'),
                    CASE WHEN a.hidden_until = {NEVER} THEN
                        json_extract(COALESCE(s.version, a.json), '$.editorial.status') END
             FROM {FROM} WHERE s.feed_id = ?1 AND s.item_id = ?2"
        ))
        .and_then(|mut statement| {
            statement
                .query_row([feed_id, item_id], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                })
                .optional()
        })
        .context(conn, "find a source item")?;
    let Some((digest, micros, rfc3339, status)) = row else {
        return Ok(None);
    };
    let killed = status.is_some_and(|status| PubStatus::from_word(&status) == PubStatus::Canceled);
    let updated = micros.and_then(time).or_else(|| {
        DateTime::parse_from_rfc3339(rfc3339.as_deref()?)
            .ok()
            .map(|at| at.with_timezone(&Utc))
    });
    match updated {
        Some(updated) => Ok(Some(StoredItem {
            digest,
            updated,
            killed,
        })),
        // Not what this build writes: read the whole version instead.
        None => Ok(find(conn, feed_id, item_id)?.map(|stored| StoredItem {
            digest: stored.digest,
            updated: stored.version.updated,
            killed: stored.version.editorial.status == PubStatus::Canceled,
        })),
    }
}

/// Every version folded into `article_id`, in the order first seen.
pub(crate) fn of_article(
    conn: &Connection,
    article_id: &str,
) -> Result<Vec<StoredSource>, StoreError> {
    let rows: Vec<_> = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE s.article_id = ?1 ORDER BY s.id"
        ))
        .and_then(|mut statement| statement.query_map([article_id], read_row)?.collect())
        .context(conn, "read an article's sources")?;
    rows.into_iter().map(|row| parse(conn, row)).collect()
}

/// Articles with a version whose canonical URL is `url`, oldest first.
pub(crate) fn articles_with_url(conn: &Connection, url: &str) -> Result<Vec<String>, StoreError> {
    conn.prepare_cached(
        "SELECT article_id FROM sources WHERE url = ?1 GROUP BY article_id ORDER BY MIN(id)",
    )
    .and_then(|mut statement| {
        statement
            .query_map([url], |row| row.get(0))?
            .collect::<Result<Vec<String>, _>>()
    })
    .context(conn, "find articles by URL")
}

/// Whether `feed_id` already has a version in `article_id`.
pub(crate) fn feed_in_article(
    conn: &Connection,
    feed_id: &str,
    article_id: &str,
) -> Result<bool, StoreError> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM sources WHERE article_id = ?1 AND feed_id = ?2)",
    )
    .and_then(|mut statement| statement.query_row([article_id, feed_id], |row| row.get(0)))
    .context(conn, "check an article's feeds")
}

/// The version in source row `source_id`, as a near-duplicate suspect: its
/// feed, article and words.
pub(crate) fn candidate(
    conn: &Connection,
    source_id: i64,
) -> Result<Option<StoredCandidate>, StoreError> {
    let row: Option<(String, String, String)> = conn
        .prepare_cached("SELECT feed_id, article_id, words FROM sources WHERE id = ?1")
        .and_then(|mut statement| {
            statement
                .query_row([source_id], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .optional()
        })
        .context(conn, "read a near-duplicate candidate")?;
    Ok(row.map(|(feed_id, article_id, words)| StoredCandidate {
        feed_id,
        article_id,
        fingerprint: Fingerprint::from_stored(&words),
    }))
}

/// Every (band key, source row) pair stored, for dedup's candidate index.
pub(crate) fn band_key_pairs(conn: &Connection) -> Result<Vec<(i64, i64)>, StoreError> {
    let started = std::time::Instant::now();
    let mut pairs = Vec::new();
    conn.prepare("SELECT source_id, keys FROM source_keys")
        .and_then(|mut statement| {
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                let source: i64 = row.get(0)?;
                let keys = row.get_ref(1)?.as_blob()?;
                pairs.extend(keys_of_blob(keys).map(|key| (key, source)));
            }
            Ok(())
        })
        .context(conn, "read the band keys")?;
    tracing::debug!(
        pairs = pairs.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "band keys read for the candidate index"
    );
    Ok(pairs)
}

/// How a new version's JSON is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Its own copy.
    Copy,
    /// None: the version is its new article, stored once in `articles`.
    AsArticle,
}

/// Stores a new version of a story from `feed` under `article_id` with its
/// band keys, returning its row id; `evidence` says why it joins another feed's article (`None`
/// when it starts its own).
pub(crate) fn insert(
    conn: &Connection,
    feed: &FeedIngest<'_>,
    article_id: &str,
    version: &PreparedArticle,
    keep: Keep,
    evidence: Option<&FoldEvidence>,
) -> Result<i64, StoreError> {
    let json = (keep == Keep::Copy).then_some(version.json.as_str());
    let article = &version.article;
    conn
        .prepare_cached(
            "INSERT INTO sources (feed_id, item_id, url, article_id, priority, dated, digest, version, words, fold_evidence)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .and_then(|mut statement| {
            statement.execute(
                params![
                    feed.feed_id,
                    article.source.item_id,
                    article.url,
                    article_id,
                    feed.priority,
                    article.source.published.is_some(),
                    version.digest,
                    json,
                    version.fingerprint.to_stored(),
                    evidence.map(FoldEvidence::to_column)
                ],
            )
        })
        .context(conn, "store a source item")?;
    let id = conn.last_insert_rowid();
    store_keys(conn, id, version)?;
    Ok(id)
}

/// Gives every version of `article_id` stored as the article its own copy,
/// before the article is rebuilt from several versions.
pub(crate) fn materialize(conn: &Connection, article_id: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE sources SET version = (SELECT json FROM articles WHERE id = ?1)
         WHERE article_id = ?1 AND version IS NULL",
    )
    .and_then(|mut statement| statement.execute([article_id]))
    .context(conn, "copy a version out of its article")?;
    Ok(())
}

/// Replaces the version stored in row `id` (a correction) and its band keys.
pub(crate) fn replace(
    conn: &Connection,
    id: i64,
    priority: i64,
    version: &PreparedArticle,
) -> Result<(), StoreError> {
    let article = &version.article;
    conn.prepare_cached(
        "UPDATE sources SET priority = ?2, dated = ?3, digest = ?4, version = ?5, url = ?6, words = ?7
         WHERE id = ?1",
    )
    .and_then(|mut statement| {
        statement.execute(params![
            id,
            priority,
            article.source.published.is_some(),
            version.digest,
            version.json,
            article.url,
            version.fingerprint.to_stored()
        ])
    })
    .context(conn, "update a source item")?;
    // The old keys' pairs stay in the loaded index until it is loaded
    // again: a stale pair only names a candidate the exact check rejects.
    conn.prepare_cached("DELETE FROM source_keys WHERE source_id = ?1")
        .and_then(|mut statement| statement.execute([id]))
        .context(conn, "clear a source item's band keys")?;
    store_keys(conn, id, version)
}

/// Stores the band keys of `version`, kept as `source_id`, for the next
/// load of dedup's candidate index.
fn store_keys(
    conn: &Connection,
    source_id: i64,
    version: &PreparedArticle,
) -> Result<(), StoreError> {
    let Some(keys) = &version.band_keys else {
        return Ok(());
    };
    conn.prepare_cached("INSERT INTO source_keys (source_id, keys) VALUES (?1, ?2)")
        .and_then(|mut statement| statement.execute(params![source_id, keys_blob(keys)]))
        .context(conn, "store the band keys")?;
    Ok(())
}

/// Articles with a version from `feed_id` (as primary or also_via).
pub(crate) fn article_count(conn: &Connection, feed_id: &str) -> Result<u64, StoreError> {
    let count: i64 = conn
        .prepare_cached("SELECT COUNT(DISTINCT article_id) FROM sources WHERE feed_id = ?1")
        .and_then(|mut statement| statement.query_row([feed_id], |row| row.get(0)))
        .context(conn, "count a feed's articles")?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Every version of `article_id` with its fold evidence, in the order first seen.
pub(crate) fn records(
    conn: &Connection,
    article_id: &str,
) -> Result<Vec<SourceRecord>, StoreError> {
    type Row = (i64, String, i64, Option<String>, String, Option<String>);
    let rows: Vec<Row> = conn
        .prepare_cached(&format!(
            "SELECT s.id, s.feed_id, s.priority, s.url, COALESCE(s.version, a.json), s.fold_evidence
             FROM {FROM} WHERE s.article_id = ?1 ORDER BY s.id"
        ))
        .and_then(|mut statement| {
            statement
                .query_map([article_id], |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                        row.get(5)?,
                    ))
                })?
                .collect()
        })
        .context(conn, "read an article's source records")?;
    rows.into_iter()
        .map(|(id, feed_id, priority, url, json, evidence)| {
            Ok(SourceRecord {
                id,
                feed_id,
                priority,
                url,
                version: from_json(conn, article_id, &json)?,
                fold_evidence: evidence.as_deref().and_then(FoldEvidence::from_column),
            })
        })
        .collect()
}

/// The article with a version whose canonical URL or original link is
/// `url`, the oldest such version first.
pub(crate) fn article_by_link(conn: &Connection, url: &str) -> Result<Option<String>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT s.article_id FROM {FROM}
         WHERE s.url = ?1 OR json_extract(COALESCE(s.version, a.json), '$.source.item_url') = ?1
         ORDER BY s.id LIMIT 1"
    ))
    .and_then(|mut statement| statement.query_row([url], |row| row.get(0)).optional())
    .context(conn, "find an article by link")
}
