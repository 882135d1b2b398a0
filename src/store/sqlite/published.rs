//! What the output folder holds: the channels published, the settings they
//! were rendered with and their listing entries, and the channels ingests
//! changed since. A publish in a new process (`wirefeed once`) renders only
//! the channels this says are out of date.

use crate::store::records::{PublishedChannel, PublishedState};
use std::collections::BTreeSet;

use rusqlite::{Connection, params};

use crate::store::changes::ChangedChannels;
use crate::store::error::{SqlContext, StoreError};

/// Reads the published channels and the stale marks, in one snapshot when
/// the caller holds a transaction.
pub(crate) fn read(conn: &Connection) -> Result<PublishedState, StoreError> {
    let channels = conn
        .prepare_cached("SELECT stem, settings, listing FROM published")
        .and_then(|mut statement| {
            statement
                .query_map([], |row| {
                    Ok(PublishedChannel {
                        stem: row.get(0)?,
                        settings: row.get(1)?,
                        listing: row.get(2)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()
        })
        .context(conn, "read the published channels")?;
    let marks: Vec<(i64, String)> = conn
        .prepare_cached("SELECT seq, stem FROM stale_channels")
        .and_then(|mut statement| {
            statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })
        .context(conn, "read the stale channels")?;
    let through = marks.iter().map(|(seq, _)| *seq).max().unwrap_or(0);
    Ok(PublishedState {
        channels,
        stale: marks.into_iter().map(|(_, stem)| stem).collect(),
        through,
    })
}

/// Marks every channel of `changed` stale, in the caller's transaction.
pub(crate) fn mark_stale(conn: &Connection, changed: &ChangedChannels) -> Result<(), StoreError> {
    let mut insert = conn
        .prepare_cached("INSERT INTO stale_channels (stem) VALUES (?1)")
        .context(conn, "prepare a stale mark")?;
    for channel in changed.iter() {
        insert
            .execute([channel.path_stem()])
            .context(conn, "mark a channel stale")?;
    }
    Ok(())
}

/// Records a publish: `listed` (stem, listing) is every channel the output
/// folder now lists, all rendered with `settings`; rows of other channels
/// go. Stale marks up to `through` of the channels in `rendered`, or no
/// longer listed, are cleared. The caller holds a transaction.
pub(crate) fn record(
    conn: &Connection,
    settings: &str,
    listed: &[(String, String)],
    rendered: &BTreeSet<String>,
    through: i64,
) -> Result<(), StoreError> {
    conn.execute("DELETE FROM published", [])
        .context(conn, "clear the published channels")?;
    let mut insert = conn
        .prepare_cached("INSERT INTO published (stem, settings, listing) VALUES (?1, ?2, ?3)")
        .context(conn, "prepare a published channel")?;
    for (stem, listing) in listed {
        insert
            .execute(params![stem, settings, listing])
            .context(conn, "record a published channel")?;
    }
    let listed: BTreeSet<&str> = listed.iter().map(|(stem, _)| stem.as_str()).collect();
    let marks: Vec<(i64, String)> = conn
        .prepare_cached("SELECT seq, stem FROM stale_channels WHERE seq <= ?1")
        .and_then(|mut statement| {
            statement
                .query_map([through], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })
        .context(conn, "read the stale channels")?;
    let mut delete = conn
        .prepare_cached("DELETE FROM stale_channels WHERE seq = ?1")
        .context(conn, "prepare clearing a stale mark")?;
    for (seq, stem) in marks {
        if rendered.contains(&stem) || !listed.contains(stem.as_str()) {
            delete.execute([seq]).context(conn, "clear a stale mark")?;
        }
    }
    Ok(())
}
