//! What wirefeed remembers about each feed between fetches: the outcome of
//! the last fetch, the failure streak, the conditional-GET validators, and
//! the daemon's plan for the next fetch.

use crate::fetch::Validators;
use crate::store::error::{SqlContext, StoreError};
use crate::store::records::{FeedState, PlannedFetch};
use crate::store::sqlite::columns::{micros, time};
use crate::store::sqlite::sources;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

const SELECT: &str = "SELECT feed_id, last_fetch, last_success, last_error, http_status,
    consecutive_failures, etag, last_modified, next_fetch, backoff_until FROM feed_state";

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<FeedState> {
    let status: Option<i64> = row.get(4)?;
    let failures: i64 = row.get(5)?;
    Ok(FeedState {
        feed_id: row.get(0)?,
        last_fetch: row.get::<_, Option<i64>>(1)?.and_then(time),
        last_success: row.get::<_, Option<i64>>(2)?.and_then(time),
        last_error: row.get(3)?,
        http_status: status.and_then(|status| u16::try_from(status).ok()),
        consecutive_failures: u32::try_from(failures).unwrap_or(u32::MAX),
        items: 0,
        validators: Validators {
            etag: row.get(6)?,
            last_modified: row.get(7)?,
        },
        next_fetch: row.get::<_, Option<i64>>(8)?.and_then(time),
        backoff_until: row.get::<_, Option<i64>>(9)?.and_then(time),
    })
}

/// The state of `feed_id`, `None` before its first fetch.
pub(crate) fn read(conn: &Connection, feed_id: &str) -> Result<Option<FeedState>, StoreError> {
    let state = conn
        .prepare_cached(&format!("{SELECT} WHERE feed_id = ?1"))
        .and_then(|mut statement| statement.query_row([feed_id], read_row).optional())
        .context(conn, "read a feed's state")?;
    state.map(|state| with_items(conn, state)).transpose()
}

/// The state of every feed fetched so far, by feed id.
pub(crate) fn read_all(conn: &Connection) -> Result<Vec<FeedState>, StoreError> {
    let states: Vec<FeedState> = conn
        .prepare_cached(&format!("{SELECT} ORDER BY feed_id"))
        .and_then(|mut statement| statement.query_map([], read_row)?.collect())
        .context(conn, "read the feeds' state")?;
    states
        .into_iter()
        .map(|state| with_items(conn, state))
        .collect()
}

/// The validators of every feed fetched so far, by feed id: what a cycle
/// needs, without the counts `read_all` adds (a query per feed).
pub(crate) fn validators(conn: &Connection) -> Result<Vec<(String, Validators)>, StoreError> {
    conn.prepare_cached("SELECT feed_id, etag, last_modified FROM feed_state")
        .and_then(|mut statement| {
            statement
                .query_map([], |row| {
                    Ok((
                        row.get(0)?,
                        Validators {
                            etag: row.get(1)?,
                            last_modified: row.get(2)?,
                        },
                    ))
                })?
                .collect()
        })
        .context(conn, "read the feeds' validators")
}

fn with_items(conn: &Connection, mut state: FeedState) -> Result<FeedState, StoreError> {
    state.items = sources::article_count(conn, &state.feed_id)?;
    Ok(state)
}

/// A fetch that worked: clears the error and the streak. `validators` are
/// the ones the server sent with new content; `None` (a 304) keeps the
/// stored ones, which are still current.
pub(crate) fn record_success(
    conn: &Connection,
    feed_id: &str,
    at: DateTime<Utc>,
    http_status: Option<u16>,
    validators: Option<&Validators>,
) -> Result<(), StoreError> {
    let replace_validators = validators.is_some();
    let validators = validators.cloned().unwrap_or_default();
    conn.prepare_cached(
        "INSERT INTO feed_state (feed_id, last_fetch, last_success, last_error, http_status,
             consecutive_failures, etag, last_modified)
         VALUES (?1, ?2, ?2, NULL, ?3, 0, ?4, ?5)
         ON CONFLICT (feed_id) DO UPDATE SET last_fetch = excluded.last_fetch,
             last_success = excluded.last_success, last_error = NULL,
             http_status = excluded.http_status, consecutive_failures = 0,
             etag = CASE WHEN ?6 THEN excluded.etag ELSE etag END,
             last_modified = CASE WHEN ?6 THEN excluded.last_modified ELSE last_modified END",
    )
    .and_then(|mut statement| {
        statement.execute(params![
            feed_id,
            micros(at),
            http_status,
            validators.etag,
            validators.last_modified,
            replace_validators
        ])
    })
    .context(conn, "record a successful fetch")?;
    Ok(())
}

/// A failed fetch: remembers why, extends the streak, and keeps the old
/// validators so the next attempt can still be conditional.
pub(crate) fn record_failure(
    conn: &Connection,
    feed_id: &str,
    at: DateTime<Utc>,
    error: &str,
    http_status: Option<u16>,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO feed_state (feed_id, last_fetch, last_error, http_status, consecutive_failures)
         VALUES (?1, ?2, ?3, ?4, 1)
         ON CONFLICT (feed_id) DO UPDATE SET last_fetch = excluded.last_fetch,
             last_error = excluded.last_error, http_status = excluded.http_status,
             consecutive_failures = consecutive_failures + 1",
    )
    .and_then(|mut statement| statement.execute(params![feed_id, micros(at), error, http_status]))
    .context(conn, "record a failed fetch")?;
    Ok(())
}

/// Replaces the saved plan with `plans`: a listed feed without a row gets one,
/// and every feed not listed (removed from the config, disabled) is cleared,
/// so status never shows a plan no daemon holds. The caller's transaction
/// makes the swap whole.
pub(crate) fn record_plans(
    conn: &Connection,
    plans: &[PlannedFetch<'_>],
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE feed_state SET next_fetch = NULL, backoff_until = NULL
         WHERE next_fetch IS NOT NULL OR backoff_until IS NOT NULL",
    )
    .and_then(|mut statement| statement.execute([]))
    .context(conn, "clear the saved plan")?;
    let mut statement = conn
        .prepare_cached(
            "INSERT INTO feed_state (feed_id, next_fetch, backoff_until) VALUES (?1, ?2, ?3)
             ON CONFLICT (feed_id) DO UPDATE SET next_fetch = excluded.next_fetch,
                 backoff_until = excluded.backoff_until",
        )
        .context(conn, "save the plan")?;
    for plan in plans {
        statement
            .execute(params![
                plan.feed_id,
                plan.next_fetch.map(micros),
                plan.backoff_until.map(micros)
            ])
            .context(conn, "save a feed's plan")?;
    }
    Ok(())
}
