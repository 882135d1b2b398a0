//! Fetch outcomes per feed and clock hour: how many fetches, how many
//! failed, how many items they brought. Only the last 48 hours are kept:
//! enough for `/status` to chart the last 24 hours whatever the time of day,
//! and small (a row per feed and hour it was fetched in).
//!
//! `feed_state` keeps only the last fetch; this is the recent history the
//! operator reads a trend from ("failing every hour since 3 a.m.").

use crate::store::records::{FETCH_HOURS_KEPT, FetchHour, hour_of};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use crate::store::error::{SqlContext, StoreError};
use crate::store::sqlite::columns::{micros, time};

/// What one fetch did, for its hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fetched {
    /// Worked, taking in `items` (0 for "not modified" or nothing new).
    Ok {
        items: u64,
    },
    Failed,
}

/// Adds one fetch of `feed_id` at `at` to its hour. The first fetch of a
/// feed in an hour also deletes every row older than [`FETCH_HOURS_KEPT`] (those of
/// feeds no longer fetched too): rows only age out as hours turn, so once
/// per feed and hour is enough, and the scan stays off every other fetch.
pub(crate) fn record(
    conn: &Connection,
    feed_id: &str,
    at: DateTime<Utc>,
    fetched: Fetched,
) -> Result<(), StoreError> {
    let (failures, items) = match fetched {
        Fetched::Ok { items } => (0, i64::try_from(items).unwrap_or(i64::MAX)),
        Fetched::Failed => (1, 0),
    };
    let fetches: i64 = conn
        .prepare_cached(
            "INSERT INTO fetch_hours (feed_id, hour, fetches, failures, items)
             VALUES (?1, ?2, 1, ?3, ?4)
             ON CONFLICT (feed_id, hour) DO UPDATE SET fetches = fetches + 1,
                 failures = failures + excluded.failures, items = items + excluded.items
             RETURNING fetches",
        )
        .and_then(|mut statement| {
            statement.query_row(
                params![feed_id, micros(hour_of(at)), failures, items],
                |row| row.get(0),
            )
        })
        .context(conn, "count a fetch in its hour")?;
    if fetches == 1 {
        conn.prepare_cached("DELETE FROM fetch_hours WHERE hour < ?1")
            .and_then(|mut statement| statement.execute([micros(at - FETCH_HOURS_KEPT)]))
            .context(conn, "forget old fetch hours")?;
    }
    Ok(())
}

/// Every feed's hours from the one holding `since` on, by feed and hour.
pub(crate) fn since(conn: &Connection, since: DateTime<Utc>) -> Result<Vec<FetchHour>, StoreError> {
    conn.prepare_cached(
        "SELECT feed_id, hour, fetches, failures, items FROM fetch_hours
         WHERE hour >= ?1 ORDER BY feed_id, hour",
    )
    .and_then(|mut statement| {
        statement
            .query_map([micros(hour_of(since))], |row| {
                let count = |index: usize| -> rusqlite::Result<u32> {
                    Ok(u32::try_from(row.get::<_, i64>(index)?).unwrap_or(0))
                };
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    count(2)?,
                    count(3)?,
                    u64::try_from(row.get::<_, i64>(4)?).unwrap_or(0),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
    })
    .context(conn, "read the fetch hours")
    .map(|rows| {
        rows.into_iter()
            .filter_map(|(feed_id, hour, fetches, failures, items)| {
                Some(FetchHour {
                    feed_id,
                    hour: time(hour)?,
                    fetches,
                    failures,
                    items,
                })
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::store::sqlite::schema;

    fn database() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        schema::migrate(&mut conn).unwrap();
        conn
    }

    /// 2026-11-25 10:00 UTC plus `minutes`.
    fn at(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap() + chrono::TimeDelta::minutes(minutes)
    }

    #[test]
    fn fetches_of_one_hour_add_up_in_one_row() {
        let conn = database();
        record(&conn, "ap", at(1), Fetched::Ok { items: 4 }).unwrap();
        record(&conn, "ap", at(20), Fetched::Failed).unwrap();
        record(&conn, "ap", at(59), Fetched::Ok { items: 0 }).unwrap();
        record(&conn, "ap", at(60), Fetched::Ok { items: 2 }).unwrap();
        record(&conn, "afp", at(5), Fetched::Failed).unwrap();
        let hours = since(&conn, at(0)).unwrap();
        let row = |feed_id: &str, hour, fetches, failures, items| FetchHour {
            feed_id: feed_id.to_owned(),
            hour,
            fetches,
            failures,
            items,
        };
        assert_eq!(
            hours,
            [
                row("afp", at(0), 1, 1, 0),
                row("ap", at(0), 3, 1, 4),
                row("ap", at(60), 1, 0, 2),
            ]
        );
        // From the hour holding `since`, whole.
        assert_eq!(since(&conn, at(61)).unwrap(), [row("ap", at(60), 1, 0, 2)]);
    }

    #[test]
    fn hours_older_than_two_days_are_forgotten_for_every_feed() {
        let conn = database();
        record(&conn, "retired", at(0), Fetched::Ok { items: 1 }).unwrap();
        record(&conn, "ap", at(0), Fetched::Ok { items: 1 }).unwrap();
        record(&conn, "ap", at(47 * 60), Fetched::Ok { items: 1 }).unwrap();
        assert_eq!(since(&conn, at(-60)).unwrap().len(), 3);
        // The first fetch of a later hour drops what is past 48 hours.
        record(&conn, "ap", at(48 * 60 + 1), Fetched::Failed).unwrap();
        let left: Vec<(String, DateTime<Utc>)> = since(&conn, at(-60))
            .unwrap()
            .into_iter()
            .map(|hour| (hour.feed_id, hour.hour))
            .collect();
        assert_eq!(
            left,
            [
                ("ap".to_owned(), at(47 * 60)),
                ("ap".to_owned(), at(48 * 60))
            ]
        );
    }
}
