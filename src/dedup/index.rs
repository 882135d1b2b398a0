//! dedup's candidate index: which stored source versions share an LSH band
//! key with an incoming story, answered from memory.
//!
//! Asking the state for every band key of every new article was most of a
//! cold cycle's writer time, and most keys are held by nothing. The index
//! keeps every stored (band key, source row) pair in one sorted vector,
//! 16 bytes a pair, so 512 bytes per stored version with a title, lead and
//! body (32 bands). Band keys are hashes, spread evenly, so a directory of
//! where each run of leading key bits starts (about 8 pairs a slot, 1 byte
//! per pair) takes a lookup straight to a few neighbouring pairs: a binary
//! search over millions of pairs went to memory at almost every step, and
//! 32 of them per story were the largest cost of a cold cycle's writer.
//! Pairs added since the last merge sit in an append-only list, chained by
//! band key from a hash map (no allocation per key, and the keys, already
//! hashes, are their own hash), until they are merged in, in one linear pass.
//!
//! It is loaded from the state on the first lookup, not at start: a cycle in
//! which nothing is new never pays for it. The owner keeps it in step with
//! every version it stores ([`CandidateIndex::insert`]) and drops it
//! ([`CandidateIndex::reset`]) when another process wrote to the state or a
//! write was rolled back, so the next lookup loads it again. A stale pair
//! (a version replaced or rolled back) only names a candidate that the exact
//! comparison then rejects; a missing pair would miss a fold, so anything
//! that could lose one resets the index.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::dedup::fingerprint::BANDS;

/// At most this many near-duplicate suspects are verified per incoming item,
/// newest first, so one boilerplate lead shared by thousands of items cannot
/// stall an ingest.
pub const MAX_CANDIDATES: usize = 200;

/// Pairs held in the hash map before they are merged into the sorted vector:
/// a merge moves every pair, so it is done rarely; the map answers lookups
/// in the meantime.
const MERGE_AT: usize = 1 << 16;

#[derive(Debug, Default)]
pub struct CandidateIndex {
    /// `None` until loaded (or after a reset).
    loaded: Option<Loaded>,
}

#[derive(Debug, Default)]
struct Loaded {
    /// (band key, source row), sorted.
    sorted: Vec<(i64, i64)>,
    /// Where in `sorted` each directory slot's keys start.
    directory: Directory,
    /// Pairs added since the last merge, in the order added.
    recent: Vec<Recent>,
    /// The last pair added of each band key in `recent`.
    newest: HashMap<i64, u32, BuildHasherDefault<KeyHasher>>,
}

/// A pair added since the last merge, and the one added before it with the
/// same band key.
#[derive(Debug, Clone, Copy)]
struct Recent {
    key: i64,
    source: i64,
    /// Index in `recent` of the previous pair with this key, or [`END`].
    previous: u32,
}

const END: u32 = u32::MAX;

/// Band keys are MinHash values run through a hash already, spread evenly
/// over 64 bits: hashing them again (SipHash, by default) was most of the
/// cost of an insert.
#[derive(Debug, Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only i64 keys are hashed; this serves any other caller correctly.
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_i64(&mut self, key: i64) {
        self.0 = key as u64;
    }
}

impl CandidateIndex {
    /// Whether the index is loaded; the first lookup loads it.
    pub fn is_loaded(&self) -> bool {
        self.loaded.is_some()
    }

    /// Replaces the index with `pairs` (band key, source row), as the state
    /// holds them now.
    pub fn load(&mut self, mut pairs: Vec<(i64, i64)>) {
        pairs.sort_unstable();
        pairs.dedup();
        pairs.shrink_to_fit();
        self.loaded = Some(Loaded {
            directory: Directory::of(&pairs),
            sorted: pairs,
            ..Loaded::default()
        });
    }

    /// Forgets everything: the next lookup loads the index again.
    pub fn reset(&mut self) {
        self.loaded = None;
    }

    /// Records that source row `source` now holds `keys`. Ignored until the
    /// index is loaded: the load will read them from the state.
    pub fn insert(&mut self, source: i64, keys: &[i64; BANDS]) {
        let Some(loaded) = &mut self.loaded else {
            return;
        };
        for &key in keys {
            let at = loaded.recent.len() as u32;
            let previous = loaded.newest.insert(key, at).unwrap_or(END);
            loaded.recent.push(Recent {
                key,
                source,
                previous,
            });
        }
        if loaded.recent.len() >= MERGE_AT {
            loaded.merge();
        }
    }

    /// Source rows holding at least one of `keys`, newest (highest row)
    /// first, at most [`MAX_CANDIDATES`]. Empty until loaded.
    pub fn candidates(&self, keys: &[i64; BANDS]) -> Vec<i64> {
        let Some(loaded) = &self.loaded else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for key in keys {
            let slot = &loaded.sorted[loaded.directory.range(*key)];
            let start = slot.partition_point(|(k, _)| k < key);
            found.extend(
                slot[start..]
                    .iter()
                    .take_while(|(k, _)| k == key)
                    .map(|(_, source)| *source),
            );
            let mut at = loaded.newest.get(key).copied().unwrap_or(END);
            while let Some(pair) = loaded.recent.get(at as usize) {
                found.push(pair.source);
                at = pair.previous;
            }
        }
        found.sort_unstable_by(|a, b| b.cmp(a));
        found.dedup();
        found.truncate(MAX_CANDIDATES);
        found
    }

    /// Pairs held, for the memory figure in `status` and the benches.
    pub fn len(&self) -> usize {
        self.loaded
            .as_ref()
            .map_or(0, |loaded| loaded.sorted.len() + loaded.recent.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Loaded {
    fn merge(&mut self) {
        let mut recent: Vec<(i64, i64)> = self
            .recent
            .drain(..)
            .map(|pair| (pair.key, pair.source))
            .collect();
        self.newest.clear();
        recent.sort_unstable();
        let old = std::mem::take(&mut self.sorted);
        let mut merged = Vec::with_capacity(old.len() + recent.len());
        let (mut old, mut recent) = (old.into_iter().peekable(), recent.into_iter().peekable());
        loop {
            let next = match (old.peek(), recent.peek()) {
                (Some(a), Some(b)) if a <= b => old.next(),
                (Some(_), Some(_)) => recent.next(),
                (Some(_), None) => old.next(),
                (None, Some(_)) => recent.next(),
                (None, None) => break,
            };
            if let Some(pair) = next
                && merged.last() != Some(&pair)
            {
                merged.push(pair);
            }
        }
        self.directory = Directory::of(&merged);
        self.sorted = merged;
    }
}

/// For each value of a key's leading bits, where its pairs start in the
/// sorted vector: a lookup searches one slot's few pairs.
#[derive(Debug, Default)]
struct Directory {
    /// Leading key bits a slot stands for.
    bits: u32,
    /// `starts[slot]..starts[slot + 1]` holds the slot's pairs.
    starts: Vec<u32>,
}

impl Directory {
    fn of(sorted: &[(i64, i64)]) -> Directory {
        // About 8 pairs a slot; at least one slot, at most 2^24.
        let bits = (usize::BITS - (sorted.len() / 8).leading_zeros()).min(24);
        let slots = 1usize << bits;
        let mut starts = Vec::with_capacity(slots + 1);
        let mut at = 0;
        for slot in 0..slots {
            while at < sorted.len() && slot_of(sorted[at].0, bits) < slot {
                at += 1;
            }
            starts.push(at as u32);
        }
        starts.push(sorted.len() as u32);
        Directory { bits, starts }
    }

    /// The range of the sorted vector that may hold `key`.
    fn range(&self, key: i64) -> std::ops::Range<usize> {
        let slot = slot_of(key, self.bits);
        match (self.starts.get(slot), self.starts.get(slot + 1)) {
            (Some(&start), Some(&end)) => start as usize..end as usize,
            _ => 0..0,
        }
    }
}

/// The slot of `key` among `2^bits`, in the order of the signed keys.
fn slot_of(key: i64, bits: u32) -> usize {
    if bits == 0 {
        return 0;
    }
    // Flipping the sign bit orders the unsigned values as the signed keys.
    (((key as u64) ^ (1 << 63)) >> (64 - bits)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(base: i64) -> [i64; BANDS] {
        std::array::from_fn(|band| base * 100 + band as i64)
    }

    #[test]
    fn an_index_not_loaded_names_no_candidates_and_asks_to_be_loaded() {
        let mut index = CandidateIndex::default();
        index.insert(1, &keys(1));
        assert!(!index.is_loaded());
        assert!(index.candidates(&keys(1)).is_empty());
    }

    #[test]
    fn versions_sharing_a_band_key_are_found_newest_first() {
        let mut index = CandidateIndex::default();
        index.load(vec![(keys(1)[0], 1), (keys(2)[3], 2)]);
        index.insert(3, &keys(1));
        let mut shared = keys(9);
        shared[3] = keys(2)[3];
        shared[7] = keys(1)[7];
        assert_eq!(index.candidates(&shared), vec![3, 2]);
        assert_eq!(index.candidates(&keys(1)), vec![3, 1]);
        assert!(index.candidates(&keys(5)).is_empty());
    }

    #[test]
    fn merged_pairs_are_found_as_before_the_merge() {
        let mut index = CandidateIndex::default();
        index.load(Vec::new());
        let versions = MERGE_AT / BANDS + 10;
        for source in 0..versions as i64 {
            index.insert(source, &keys(source));
        }
        assert_eq!(index.len(), versions * BANDS);
        assert_eq!(index.candidates(&keys(5)), vec![5]);
        assert_eq!(
            index.candidates(&keys(versions as i64 - 1)),
            vec![versions as i64 - 1]
        );
    }

    #[test]
    fn a_key_shared_by_thousands_names_only_the_newest() {
        let mut index = CandidateIndex::default();
        let boilerplate = keys(0)[0];
        index.load((0..5_000).map(|source| (boilerplate, source)).collect());
        let found = index.candidates(&keys(0));
        assert_eq!(found.len(), MAX_CANDIDATES);
        assert_eq!(found[0], 4_999);
    }

    #[test]
    fn lookups_through_the_directory_find_what_a_scan_finds() {
        // Keys spread over the whole signed range, as hashes are; a few
        // shared by several versions; some loaded, some inserted and merged.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as i64
        };
        let shared: Vec<i64> = (0..50).map(|_| next()).collect();
        let mut all: Vec<(i64, i64)> = Vec::new();
        let version_keys = |source: i64, next: &mut dyn FnMut() -> i64| {
            let mut keys = [0i64; BANDS];
            for (band, key) in keys.iter_mut().enumerate() {
                *key = if band == 0 {
                    shared[source as usize % shared.len()]
                } else {
                    next()
                };
            }
            keys
        };
        let mut index = CandidateIndex::default();
        let loaded: Vec<(i64, [i64; BANDS])> = (0..3_000)
            .map(|source| (source, version_keys(source, &mut next)))
            .collect();
        index.load(
            loaded
                .iter()
                .flat_map(|(source, keys)| keys.iter().map(|key| (*key, *source)))
                .collect(),
        );
        all.extend(
            loaded
                .iter()
                .flat_map(|(s, keys)| keys.iter().map(|k| (*k, *s))),
        );
        for source in 3_000..(3_000 + MERGE_AT as i64 / BANDS as i64 + 500) {
            let keys = version_keys(source, &mut next);
            index.insert(source, &keys);
            all.extend(keys.iter().map(|k| (*k, source)));
        }
        for probe in [0usize, 1, 2_999, 3_000, 4_000, 5_500] {
            let Some((_, probe_source)) = all.iter().find(|(_, s)| *s == probe as i64) else {
                continue;
            };
            let keys: [i64; BANDS] = std::array::from_fn(|band| {
                all.iter()
                    .filter(|(_, s)| s == probe_source)
                    .nth(band)
                    .map_or(0, |(k, _)| *k)
            });
            let mut expected: Vec<i64> = all
                .iter()
                .filter(|(k, _)| keys.contains(k))
                .map(|(_, s)| *s)
                .collect();
            expected.sort_unstable_by(|a, b| b.cmp(a));
            expected.dedup();
            expected.truncate(MAX_CANDIDATES);
            assert_eq!(index.candidates(&keys), expected, "probe {probe}");
        }
        let extremes = [i64::MIN, i64::MAX, -1, 0];
        let mut edge = CandidateIndex::default();
        edge.load(
            extremes
                .iter()
                .enumerate()
                .map(|(s, k)| (*k, s as i64))
                .collect(),
        );
        let mut keys = [7i64; BANDS];
        keys[..4].copy_from_slice(&extremes);
        assert_eq!(edge.candidates(&keys), vec![3, 2, 1, 0]);
    }

    #[test]
    fn a_reset_index_loads_again() {
        let mut index = CandidateIndex::default();
        index.load(vec![(1, 1)]);
        index.reset();
        assert!(!index.is_loaded());
        assert_eq!(index.len(), 0);
    }
}
