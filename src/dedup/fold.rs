//! The fold policy: what an incoming article is to the state, as one
//! [`Decision`] the store then writes.
//!
//! In order: an item killed before stays killed; a known item is compared
//! with its stored version (a kill always applies, whatever its date); an
//! unknown item folds into another feed's article with the same canonical
//! URL, then into one whose text it nearly duplicates; otherwise it is new.
//! Items of one feed never fold into each other (live tickers reuse one link
//! for many items). A new article is named by its canonical URL so that a
//! fold anchored on that URL gives one id whatever the order of arrival.

use crate::dedup::decide::{Comparison, Revision, compare, revision_of};
use crate::dedup::facts::FoldFacts;
use crate::dedup::fingerprint::{BANDS, Fingerprint};
use crate::dedup::index::CandidateIndex;
use crate::model::{Article, PubStatus};
use crate::normalize::article_id;

/// An article on its way in, with what was computed of it off the writer.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    pub feed_id: &'a str,
    pub article: &'a Article,
    /// Its [`content_digest`](crate::dedup::content_digest).
    pub digest: &'a str,
    pub fingerprint: &'a Fingerprint,
    pub band_keys: Option<&'a [i64; BANDS]>,
}

/// Why an incoming version joins an existing article.
#[derive(Debug, Clone, PartialEq)]
pub enum FoldEvidence {
    /// A version of the article has the same canonical URL.
    SameUrl { url: String },
    /// The text is similar enough to the stored version in source row
    /// `source_id`; `comparison` holds the verdict and the scores.
    Similar {
        source_id: i64,
        comparison: Comparison,
    },
}

/// What to do with an incoming article.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// A new story: store it as article `id` (its canonical URL's id, or
    /// its own feed-and-item id when another article holds that).
    New { id: String },
    /// A newer version of an item this feed delivered before: replace the
    /// stored version and rebuild its article.
    Update,
    /// The same version again: nothing to write.
    Unchanged,
    /// An older version than the stored one: nothing to write.
    IgnoredOlder,
    /// The item was killed before: no later delivery brings it back.
    Killed,
    /// Another feed's article tells the same story: join it.
    Fold {
        into: String,
        evidence: FoldEvidence,
    },
}

/// Decides what `incoming` is, asking `facts` and `index`. Loads the index
/// from `facts` the first time a near-duplicate lookup needs it.
pub fn decide<F: FoldFacts + ?Sized>(
    facts: &F,
    index: &mut CandidateIndex,
    incoming: &Incoming<'_>,
) -> Result<Decision, F::Error> {
    let article = incoming.article;
    if let Some(stored) = facts.stored_item(incoming.feed_id, &article.source.item_id)? {
        if stored.killed {
            return Ok(Decision::Killed);
        }
        // A kill applies whatever its date: an agency clock must not keep a
        // killed story up.
        let kill = article.editorial.status == PubStatus::Canceled;
        return Ok(
            match revision_of(stored.updated, &stored.digest, article, incoming.digest) {
                Revision::Update => Decision::Update,
                _ if kill => Decision::Update,
                Revision::Unchanged => Decision::Unchanged,
                Revision::IgnoredOlder => Decision::IgnoredOlder,
            },
        );
    }
    if let Some((into, evidence)) = fold_target(facts, index, incoming)? {
        return Ok(Decision::Fold { into, evidence });
    }
    let id = if facts.article_exists(&article.id)? {
        article_id(incoming.feed_id, &article.source.item_id)
    } else {
        article.id.clone()
    };
    Ok(Decision::New { id })
}

/// The stored article of another feed that `incoming` tells the same story
/// as, and why: the same canonical URL as any of its versions first, then a
/// verified near-duplicate of any of its versions. `preview` asks this too.
pub fn fold_target<F: FoldFacts + ?Sized>(
    facts: &F,
    index: &mut CandidateIndex,
    incoming: &Incoming<'_>,
) -> Result<Option<(String, FoldEvidence)>, F::Error> {
    if let Some(url) = &incoming.article.url {
        for article_id in facts.articles_with_url(url)? {
            if !facts.feed_in_article(incoming.feed_id, &article_id)? {
                let evidence = FoldEvidence::SameUrl { url: url.clone() };
                return Ok(Some((article_id, evidence)));
            }
        }
    }
    let Some(keys) = incoming.band_keys else {
        return Ok(None);
    };
    if !index.is_loaded() {
        index.load(facts.band_key_pairs()?);
    }
    for source_id in index.candidates(keys) {
        let Some(candidate) = facts.candidate(source_id)? else {
            continue;
        };
        if candidate.feed_id == incoming.feed_id {
            continue;
        }
        let comparison = compare(incoming.fingerprint, &candidate.fingerprint);
        if !comparison.verdict.is_same() {
            continue;
        }
        if !facts.feed_in_article(incoming.feed_id, &candidate.article_id)? {
            let evidence = FoldEvidence::Similar {
                source_id,
                comparison,
            };
            return Ok(Some((candidate.article_id, evidence)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::collections::BTreeMap;
    use std::convert::Infallible;

    use super::*;
    use crate::dedup::content_digest;
    use crate::dedup::facts::{StoredCandidate, StoredItem};
    use crate::dedup::testing::{article, at};
    use crate::normalize::anchored_article_id;

    /// A state in memory: each stored version with its feed, item, article,
    /// canonical URL and fingerprint, as rows in order.
    #[derive(Default)]
    struct Memory {
        rows: Vec<Row>,
        /// How many times the index was loaded from here.
        loads: Cell<usize>,
    }

    struct Row {
        feed_id: String,
        article_id: String,
        version: Article,
        digest: String,
        fingerprint: Fingerprint,
    }

    impl Memory {
        /// Stores `article` from its feed as `decide` says, as a store would.
        fn take(&mut self, index: &mut CandidateIndex, article: Article) -> Decision {
            let digest = content_digest(&article);
            let fingerprint = Fingerprint::of(&article);
            let keys = fingerprint.band_keys();
            let incoming = Incoming {
                feed_id: &article.source.feed_id.clone(),
                article: &article,
                digest: &digest,
                fingerprint: &fingerprint,
                band_keys: keys.as_ref(),
            };
            let decision = decide(self, index, &incoming).unwrap();
            let article_id = match &decision {
                Decision::New { id } => id.clone(),
                Decision::Fold { into, .. } => into.clone(),
                Decision::Update => {
                    let row = self
                        .rows
                        .iter_mut()
                        .find(|row| {
                            row.feed_id == article.source.feed_id
                                && row.version.source.item_id == article.source.item_id
                        })
                        .unwrap();
                    row.version = article.clone();
                    row.digest = digest;
                    return decision;
                }
                _ => return decision,
            };
            self.rows.push(Row {
                feed_id: article.source.feed_id.clone(),
                article_id,
                version: article,
                digest,
                fingerprint,
            });
            if let Some(keys) = keys {
                index.insert(self.rows.len() as i64 - 1, &keys);
            }
            decision
        }
    }

    impl FoldFacts for Memory {
        type Error = Infallible;

        fn stored_item(
            &self,
            feed_id: &str,
            item_id: &str,
        ) -> Result<Option<StoredItem>, Infallible> {
            Ok(self
                .rows
                .iter()
                .find(|row| row.feed_id == feed_id && row.version.source.item_id == item_id)
                .map(|row| StoredItem {
                    digest: row.digest.clone(),
                    updated: row.version.updated,
                    killed: row.version.editorial.status == PubStatus::Canceled,
                }))
        }

        fn articles_with_url(&self, url: &str) -> Result<Vec<String>, Infallible> {
            let mut found: Vec<String> = Vec::new();
            for row in &self.rows {
                if row.version.url.as_deref() == Some(url) && !found.contains(&row.article_id) {
                    found.push(row.article_id.clone());
                }
            }
            Ok(found)
        }

        fn feed_in_article(&self, feed_id: &str, article_id: &str) -> Result<bool, Infallible> {
            Ok(self
                .rows
                .iter()
                .any(|row| row.feed_id == feed_id && row.article_id == article_id))
        }

        fn candidate(&self, source_id: i64) -> Result<Option<StoredCandidate>, Infallible> {
            Ok(usize::try_from(source_id)
                .ok()
                .and_then(|i| self.rows.get(i))
                .map(|row| StoredCandidate {
                    feed_id: row.feed_id.clone(),
                    article_id: row.article_id.clone(),
                    fingerprint: row.fingerprint.clone(),
                }))
        }

        fn article_exists(&self, article_id: &str) -> Result<bool, Infallible> {
            Ok(self.rows.iter().any(|row| row.article_id == article_id))
        }

        fn band_key_pairs(&self) -> Result<Vec<(i64, i64)>, Infallible> {
            self.loads.set(self.loads.get() + 1);
            let mut pairs = Vec::new();
            for (i, row) in self.rows.iter().enumerate() {
                for key in row.fingerprint.band_keys().into_iter().flatten() {
                    pairs.push((key, i as i64));
                }
            }
            Ok(pairs)
        }
    }

    /// An article as normalize names it: by its canonical URL.
    fn named(mut article: Article) -> Article {
        article.id = anchored_article_id(
            &article.source.feed_id,
            &article.source.item_id,
            article.url.as_deref(),
        );
        article
    }

    const LEAD: &str = "Israeli forces raided the Jenin refugee camp before dawn on Tuesday, \
        local officials said, in an operation that lasted several hours and left two people \
        wounded according to the Palestinian health ministry.";

    #[test]
    fn a_partners_copy_with_the_agencys_url_folds_into_the_agency_article() {
        let (mut state, mut index) = (Memory::default(), CandidateIndex::default());
        let url = "https://agency.example/jenin";
        let agency = named(article("a1", "ap").url(url).build());
        let Decision::New { id } = state.take(&mut index, agency) else {
            panic!("the first copy is new")
        };
        let partner = named(
            article("p1", "partner")
                .url(url)
                .title("Other words")
                .build(),
        );
        assert_eq!(
            state.take(&mut index, partner),
            Decision::Fold {
                into: id,
                evidence: FoldEvidence::SameUrl { url: url.into() }
            }
        );
    }

    #[test]
    fn a_republished_copy_under_its_own_url_folds_by_its_text() {
        let (mut state, mut index) = (Memory::default(), CandidateIndex::default());
        let agency = named(
            article("a1", "ap")
                .title("Israeli forces raid Jenin refugee camp, two wounded")
                .summary(LEAD)
                .build(),
        );
        state.take(&mut index, agency);
        let partner = named(
            article("p1", "partner")
                .title("Two wounded as Israeli forces raid Jenin camp")
                .summary(LEAD)
                .build(),
        );
        match state.take(&mut index, partner) {
            Decision::Fold {
                evidence: FoldEvidence::Similar { source_id, .. },
                ..
            } => assert_eq!(source_id, 0),
            other => panic!("expected a fold by text, got {other:?}"),
        }
    }

    #[test]
    fn items_of_one_feed_never_fold_into_each_other() {
        let (mut state, mut index) = (Memory::default(), CandidateIndex::default());
        let url = "https://ticker.example/live";
        let first = named(article("u1", "ticker").url(url).summary(LEAD).build());
        let second = named(article("u2", "ticker").url(url).summary(LEAD).build());
        assert!(matches!(
            state.take(&mut index, first),
            Decision::New { .. }
        ));
        // The URL's id is taken by the first update: the second is named by
        // its feed and item.
        assert_eq!(
            state.take(&mut index, second),
            Decision::New {
                id: article_id("ticker", "u2")
            }
        );
    }

    #[test]
    fn the_same_version_again_is_unchanged_and_an_older_one_ignored() {
        let (mut state, mut index) = (Memory::default(), CandidateIndex::default());
        let story = article("a1", "ap").updated(at(100)).build();
        state.take(&mut index, story.clone());
        assert_eq!(state.take(&mut index, story.clone()), Decision::Unchanged);
        let older = article("a1", "ap").title("Old").updated(at(50)).build();
        assert_eq!(state.take(&mut index, older), Decision::IgnoredOlder);
        let newer = article("a1", "ap")
            .title("Corrected")
            .updated(at(200))
            .build();
        assert_eq!(state.take(&mut index, newer), Decision::Update);
    }

    #[test]
    fn a_kill_applies_whatever_its_date_and_nothing_brings_the_item_back() {
        let (mut state, mut index) = (Memory::default(), CandidateIndex::default());
        state.take(&mut index, article("a1", "ap").updated(at(100)).build());
        let stale_kill = article("a1", "ap")
            .updated(at(10))
            .status(PubStatus::Canceled)
            .build();
        assert_eq!(state.take(&mut index, stale_kill), Decision::Update);
        let later = article("a1", "ap")
            .title("Back again")
            .updated(at(500))
            .build();
        assert_eq!(state.take(&mut index, later), Decision::Killed);
    }

    #[test]
    fn the_index_is_loaded_once_and_only_when_a_lookup_needs_it() {
        let (mut state, mut index) = (Memory::default(), CandidateIndex::default());
        let story = article("a1", "ap").summary(LEAD).build();
        state.take(&mut index, story.clone());
        assert_eq!(state.loads.get(), 1, "the first new article loads it");
        state.take(&mut index, story);
        assert_eq!(state.loads.get(), 1, "a redelivery asks no candidates");
        let copy = article("b1", "bbc").summary(LEAD).build();
        assert!(matches!(
            state.take(&mut index, copy),
            Decision::Fold { .. }
        ));
        assert_eq!(state.loads.get(), 1, "later articles use the loaded index");
    }

    #[test]
    fn copies_sharing_a_url_get_one_id_in_either_order() {
        let url = "https://agency.example/jenin";
        let ids: Vec<BTreeMap<String, String>> = [["ap", "partner"], ["partner", "ap"]]
            .iter()
            .map(|order| {
                let (mut state, mut index) = (Memory::default(), CandidateIndex::default());
                for feed in order {
                    state.take(&mut index, named(article("1", feed).url(url).build()));
                }
                state
                    .rows
                    .iter()
                    .map(|row| (row.feed_id.clone(), row.article_id.clone()))
                    .collect()
            })
            .collect();
        assert_eq!(ids[0], ids[1]);
        assert_eq!(ids[0]["ap"], ids[0]["partner"]);
    }
}
