//! What dedup asks the state when it decides what an incoming article is.
//!
//! dedup owns the fold policy; the state only answers these questions. The
//! trait is defined here, next to the policy that asks them, so a second
//! backend (PostgreSQL) implements the questions and never copies the policy.

use chrono::{DateTime, Utc};

use crate::dedup::Fingerprint;

/// What deciding on a new version of an item already stored needs, without
/// the stored version itself: most items of a changed feed are the same as
/// stored, and reading each whole version to learn that costs the most.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredItem {
    /// The stored version's [`content_digest`](crate::dedup::content_digest).
    pub digest: String,
    /// The stored version's `updated`.
    pub updated: DateTime<Utc>,
    /// The stored version is a kill (`canceled`): nothing brings it back.
    pub killed: bool,
}

/// A stored source version the candidate index points at.
#[derive(Debug, Clone)]
pub struct StoredCandidate {
    /// The feed that delivered it: items of one feed never fold together.
    pub feed_id: String,
    /// The article it belongs to.
    pub article_id: String,
    pub fingerprint: Fingerprint,
}

/// The state's answers. `Error` is the backend's own error, passed through.
pub trait FoldFacts {
    type Error;

    /// The stored version of `item_id` from `feed_id`, if that item was
    /// stored before.
    fn stored_item(&self, feed_id: &str, item_id: &str) -> Result<Option<StoredItem>, Self::Error>;

    /// Articles with a version whose canonical URL is `url`, oldest first.
    fn articles_with_url(&self, url: &str) -> Result<Vec<String>, Self::Error>;

    /// Whether `feed_id` already has a version in `article_id`.
    fn feed_in_article(&self, feed_id: &str, article_id: &str) -> Result<bool, Self::Error>;

    /// The source version `source_id` names (a value the candidate index
    /// holds), or `None` when it is gone.
    fn candidate(&self, source_id: i64) -> Result<Option<StoredCandidate>, Self::Error>;

    /// Whether an article with this id is stored.
    fn article_exists(&self, article_id: &str) -> Result<bool, Self::Error>;

    /// Every (LSH band key, source row) pair stored, to load the
    /// [`CandidateIndex`](crate::dedup::CandidateIndex).
    fn band_key_pairs(&self) -> Result<Vec<(i64, i64)>, Self::Error>;
}
