//! dedup's candidate index: which stored source versions share an LSH band
//! key with an incoming story, answered from memory.
//!
//! Asking the state for every band key of every new article was most of a
//! cold cycle's writer time, and most keys are held by nothing. The index
//! keeps every stored (band key, source row) pair in one sorted vector,
//! 16 bytes a pair, so 512 bytes per stored version with a title, lead and
//! body (32 bands), and a lookup is a binary search per key. Pairs added since
//! the last merge sit in a small hash map until it is merged in.
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
    /// Pairs added since the last merge, by band key.
    recent: HashMap<i64, Vec<i64>>,
    recent_len: usize,
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
        for key in keys {
            loaded.recent.entry(*key).or_default().push(source);
        }
        loaded.recent_len += keys.len();
        if loaded.recent_len >= MERGE_AT {
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
            let start = loaded.sorted.partition_point(|(k, _)| k < key);
            found.extend(
                loaded.sorted[start..]
                    .iter()
                    .take_while(|(k, _)| k == key)
                    .map(|(_, source)| *source),
            );
            if let Some(recent) = loaded.recent.get(key) {
                found.extend(recent);
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
            .map_or(0, |loaded| loaded.sorted.len() + loaded.recent_len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Loaded {
    fn merge(&mut self) {
        self.sorted.reserve(self.recent_len);
        for (key, sources) in self.recent.drain() {
            self.sorted
                .extend(sources.into_iter().map(|source| (key, source)));
        }
        self.sorted.sort_unstable();
        self.sorted.dedup();
        self.recent_len = 0;
    }
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
    fn a_reset_index_loads_again() {
        let mut index = CandidateIndex::default();
        index.load(vec![(1, 1)]);
        index.reset();
        assert!(!index.is_loaded());
        assert_eq!(index.len(), 0);
    }
}
