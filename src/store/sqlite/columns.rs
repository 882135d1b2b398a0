//! How model values become column values and back: times as microseconds
//! since the Unix epoch (they order as integers), articles as JSON.

use crate::model::Article;
use crate::store::error::{StoreError, db_path};
pub(crate) use crate::store::prepared::to_json;
use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// A time as stored: microseconds since the Unix epoch.
pub(crate) fn micros(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

/// A stored time; `None` only for values no wirefeed wrote (out of range).
pub(crate) fn time(micros: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
}

/// Parses a stored article; `article_id` names the row in the error.
pub(crate) fn from_json(
    conn: &Connection,
    article_id: &str,
    json: &str,
) -> Result<Article, StoreError> {
    serde_json::from_str(json).map_err(|source| StoreError::Corrupt {
        path: db_path(conn),
        article_id: article_id.to_owned(),
        source,
    })
}
