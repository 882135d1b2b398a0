//! Which LSH band keys the state may hold, summarized in memory: a Bloom
//! filter in front of the `lsh` table.
//!
//! Most band keys of a new article are held by no stored version, and each
//! one was a b-tree descent in SQLite: a fifth of a cold cycle's writer time.
//! The filter answers "certainly not stored" from memory, so only keys that
//! may be stored are looked up. It never gives a wrong "not stored": every
//! key the store writes is added, and a write by another connection (seen
//! through `PRAGMA data_version`) drops the filter until it is rebuilt.
//! Keys that are deleted or rolled back stay set, which only costs lookups.
//!
//! Its size is fixed, so memory does not grow with the state; as the state
//! grows the filter answers "maybe" more often and saves fewer lookups
//! (about one in five keys passes at ten million keys, against one in two
//! hundred at a million).

use crate::store::error::{SqlContext, StoreError};
use rusqlite::Connection;
use std::cell::Cell;

/// Bits in the filter: 4 MiB.
const BITS: usize = 1 << 25;
/// Key lookups a store does in SQLite before it pays for building the
/// filter (a scan of `lsh`): a `once` that adds a few hundred articles to a
/// large state is faster without it, a cold cycle or a daemon with it.
#[cfg(not(test))]
const BUILD_AFTER: u64 = 20_000;
/// In tests, built after the first article, so the store's folding tests
/// run through the filter.
#[cfg(test)]
pub(crate) const BUILD_AFTER: u64 = crate::dedup::fingerprint::BANDS as u64;

#[derive(Debug, Default)]
pub(crate) struct BandFilter {
    /// `None` until built: every key may be stored.
    bits: Option<Box<[u64]>>,
    /// `PRAGMA data_version` when last synced: it changes when another
    /// connection commits.
    data_version: Option<i64>,
    /// Keys looked up in SQLite since the filter was last dropped; a cell
    /// because lookups only read.
    lookups: Cell<u64>,
}

impl BandFilter {
    /// A filter that is never built: every key may be stored. For reads
    /// outside an ingest (`preview`), which must not pay for a build.
    pub(crate) fn off() -> BandFilter {
        BandFilter::default()
    }

    /// Brings the filter in line with the state `conn` sees; called inside
    /// the transaction of each ingest, before any lookup. Drops it when
    /// another connection wrote since the last call, and builds it once
    /// enough lookups have gone to SQLite.
    pub(crate) fn sync(&mut self, conn: &Connection) -> Result<(), StoreError> {
        let version: i64 = conn
            .query_row("PRAGMA data_version", [], |row| row.get(0))
            .context(conn, "read the state's data version")?;
        if self.data_version.is_some_and(|seen| seen != version) {
            if self.bits.is_some() {
                tracing::debug!("another process wrote to the state: band key filter dropped");
            }
            self.bits = None;
            self.lookups.set(0);
        }
        self.data_version = Some(version);
        if self.bits.is_none() && self.lookups.get() >= BUILD_AFTER {
            self.bits = Some(build(conn)?);
        }
        Ok(())
    }

    /// Whether `key` may be stored; `false` means it certainly is not.
    pub(crate) fn may_hold(&self, key: i64) -> bool {
        match &self.bits {
            Some(bits) => probes(key).iter().all(|&bit| is_set(bits, bit)),
            None => true,
        }
    }

    /// Counts `count` key lookups that went to SQLite.
    pub(crate) fn looked_up(&self, count: usize) {
        self.lookups
            .set(self.lookups.get().saturating_add(count as u64));
    }

    #[cfg(test)]
    pub(crate) fn is_built(&self) -> bool {
        self.bits.is_some()
    }

    /// Records that `key` is now stored.
    pub(crate) fn insert(&mut self, key: i64) {
        if let Some(bits) = &mut self.bits {
            for bit in probes(key) {
                bits[bit / 64] |= 1 << (bit % 64);
            }
        }
    }
}

fn build(conn: &Connection) -> Result<Box<[u64]>, StoreError> {
    let started = std::time::Instant::now();
    let mut bits = vec![0u64; BITS / 64].into_boxed_slice();
    let mut statement = conn
        .prepare("SELECT band_key FROM lsh")
        .context(conn, "prepare reading the band keys")?;
    let mut rows = statement.query([]).context(conn, "read the band keys")?;
    let mut keys = 0u64;
    while let Some(row) = rows.next().context(conn, "read a band key")? {
        let key: i64 = row.get(0).context(conn, "read a band key")?;
        for bit in probes(key) {
            bits[bit / 64] |= 1 << (bit % 64);
        }
        keys += 1;
    }
    tracing::debug!(keys, elapsed = ?started.elapsed(), "band key filter built");
    Ok(bits)
}

/// The two bits of `key`. Band keys are already hashes; the second probe
/// mixes the key so the two are independent.
fn probes(key: i64) -> [usize; 2] {
    let key = key as u64;
    let mixed = key.rotate_left(29).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    [
        (key as usize) & (BITS - 1),
        ((mixed >> 32) as usize) & (BITS - 1),
    ]
}

fn is_set(bits: &[u64], bit: usize) -> bool {
    bits[bit / 64] & (1 << (bit % 64)) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state_with_keys(keys: &[i64]) -> Connection {
        let conn = Connection::open_in_memory().expect("in-memory database");
        conn.execute_batch(
            "CREATE TABLE lsh (band_key INTEGER NOT NULL, source_id INTEGER NOT NULL,
             PRIMARY KEY (band_key, source_id)) WITHOUT ROWID",
        )
        .expect("lsh table");
        for key in keys {
            conn.execute("INSERT INTO lsh VALUES (?1, 1)", [key])
                .expect("key row");
        }
        conn
    }

    #[test]
    fn every_key_may_be_stored_until_enough_lookups_built_the_filter() {
        let conn = state_with_keys(&[7, -3]);
        let mut filter = BandFilter::default();
        filter.sync(&conn).expect("sync");
        assert!(
            filter.may_hold(12345),
            "unbuilt: must not rule anything out"
        );
        filter.looked_up(BUILD_AFTER as usize);
        filter.sync(&conn).expect("sync");
        assert!(filter.may_hold(7) && filter.may_hold(-3), "stored keys");
        let absent = (1000..1100).filter(|key| !filter.may_hold(*key)).count();
        assert!(absent > 95, "only {absent} of 100 absent keys ruled out");
    }

    #[test]
    fn inserted_keys_are_held_and_off_never_rules_out() {
        let conn = state_with_keys(&[]);
        let mut filter = BandFilter::default();
        filter.looked_up(BUILD_AFTER as usize);
        filter.sync(&conn).expect("sync");
        assert!(!filter.may_hold(i64::MIN + 17));
        filter.insert(i64::MIN + 17);
        assert!(filter.may_hold(i64::MIN + 17));
        assert!(BandFilter::off().may_hold(i64::MIN + 18));
    }

    #[test]
    fn a_write_by_another_connection_drops_the_filter() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.sqlite3");
        let ours = Connection::open(&path).expect("open");
        ours.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE lsh (band_key INTEGER NOT NULL, source_id INTEGER NOT NULL,
             PRIMARY KEY (band_key, source_id)) WITHOUT ROWID",
        )
        .expect("schema");
        let mut filter = BandFilter::default();
        filter.looked_up(BUILD_AFTER as usize);
        filter.sync(&ours).expect("sync");
        assert!(!filter.may_hold(42));

        let theirs = Connection::open(&path).expect("second connection");
        theirs
            .execute("INSERT INTO lsh VALUES (42, 9)", [])
            .expect("their key");
        filter.sync(&ours).expect("sync");
        assert!(filter.may_hold(42), "their key must not be ruled out");

        // Our own writes leave the data version alone: the filter is
        // rebuilt only after enough lookups, and then holds their key.
        filter.looked_up(BUILD_AFTER as usize);
        ours.execute("INSERT INTO lsh VALUES (43, 9)", [])
            .expect("our key");
        filter.sync(&ours).expect("sync");
        assert!(filter.may_hold(42) && filter.may_hold(43));
        assert!(!filter.may_hold(44), "rebuilt, so it rules out again");
    }
}
