//! What a state backend provides: persistence and nothing else.
//!
//! The fold policy is dedup's, the order of an ingest is [`Store`]'s; a
//! backend stores and returns what it is given, answers dedup's questions
//! ([`FoldFacts`]) and keeps each write group whole. SQLite
//! ([`super::sqlite`]) is the embedded default; a second backend implements
//! this trait and nothing else changes.
//!
//! [`Store`]: super::Store

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::dedup::{FoldEvidence, FoldFacts};
use crate::fetch::Validators;
use crate::model::{Article, Channel};
use crate::store::changes::ChangedChannels;
use crate::store::error::StoreError;
use crate::store::ingest::FeedIngest;
use crate::store::prepared::PreparedArticle;
use crate::store::records::{
    FeedState, FetchHour, FetchRecord, LabelInfo, PlannedFetch, PublishedState, SourceRecord,
    StoredSource,
};

/// A place the state lives. Every write between [`Backend::begin`] and
/// [`Backend::commit`] lands whole or not at all; writes outside a group are
/// each their own transaction.
///
/// Writes that change what an article looks like add the channels it leaves
/// and enters to `changed`, so the publish renders only those.
pub trait Backend: FoldFacts<Error = StoreError> + Send + std::fmt::Debug {
    // Write groups.

    /// Starts a write group; fails when one is open.
    fn begin(&mut self) -> Result<(), StoreError>;
    /// Makes the group's writes durable and visible to other readers.
    fn commit(&mut self) -> Result<(), StoreError>;
    /// Drops the group's writes. Never fails: a backend that cannot roll
    /// back loses the group when its connection closes.
    fn rollback(&mut self);
    /// Whether a write group is open.
    fn in_group(&self) -> bool;
    /// Whether another process committed to the state since the last call:
    /// dedup's candidate index must then be loaded again. The first call
    /// answers `false`.
    fn written_elsewhere(&mut self) -> Result<bool, StoreError>;

    // Each feed's fetch history.

    /// The state of one feed; `None` before its first fetch.
    fn feed_state(&self, feed_id: &str) -> Result<Option<FeedState>, StoreError>;
    /// The state of every feed fetched so far, by feed id.
    fn feed_states(&self) -> Result<Vec<FeedState>, StoreError>;
    /// The validators of every feed fetched so far, for conditional GETs.
    fn validators(&self) -> Result<Vec<(String, Validators)>, StoreError>;
    /// Fetches, failures and items per feed and hour from the hour holding
    /// `since` on, by feed and hour.
    fn fetch_hours(&self, since: DateTime<Utc>) -> Result<Vec<FetchHour>, StoreError>;
    /// Records one fetch of `feed_id` at `at`: its last outcome, its failure
    /// streak and validators, and its hour's counts.
    fn record_fetch(
        &mut self,
        feed_id: &str,
        at: DateTime<Utc>,
        fetch: FetchRecord<'_>,
    ) -> Result<(), StoreError>;
    /// A hint, inside a write group, before dedup asks about `articles` of
    /// `feed_id` one at a time: a backend where every question is a round
    /// trip answers them all now, in a few queries, and keeps the answers
    /// true as the group writes. The default does nothing.
    fn look_ahead(
        &mut self,
        _feed_id: &str,
        _articles: &[PreparedArticle],
    ) -> Result<(), StoreError> {
        Ok(())
    }
    /// Replaces the daemon's saved plan: feeds not in `plans` keep none.
    fn record_plans(&mut self, plans: &[PlannedFetch<'_>]) -> Result<(), StoreError>;

    // Source versions: each feed's own version of a story.

    /// The stored version of `item_id` from `feed_id`.
    fn stored_version(
        &self,
        feed_id: &str,
        item_id: &str,
    ) -> Result<Option<StoredSource>, StoreError>;
    /// Every version of `article_id`, in the order first seen.
    fn versions_of(&self, article_id: &str) -> Result<Vec<StoredSource>, StoreError>;
    /// Every version of `article_id` with its fold evidence, for `explain`.
    fn source_records(&self, article_id: &str) -> Result<Vec<SourceRecord>, StoreError>;
    /// The article with a version whose canonical URL or original link is
    /// `url`, the oldest such version first.
    fn article_by_link(&self, url: &str) -> Result<Option<String>, StoreError>;
    /// Stores `version`, the first of a new article, and `article`, the
    /// article built from it (`None` when it makes none). Returns the
    /// version's source id, the value dedup's candidate index holds.
    fn insert_first_version(
        &mut self,
        feed: &FeedIngest<'_>,
        version: &PreparedArticle,
        article: Option<&Article>,
        changed: &mut ChangedChannels,
    ) -> Result<i64, StoreError>;
    /// Stores `version` from `feed` as a further version of `article_id`,
    /// folded in for `evidence`. Returns its source id.
    fn insert_folded_version(
        &mut self,
        feed: &FeedIngest<'_>,
        article_id: &str,
        version: &PreparedArticle,
        evidence: &FoldEvidence,
    ) -> Result<i64, StoreError>;
    /// Replaces the version stored as `source_id` with a newer one.
    fn replace_version(
        &mut self,
        source_id: i64,
        priority: i64,
        version: &PreparedArticle,
    ) -> Result<(), StoreError>;

    // Articles, as published.

    /// Writes `article` (new or rebuilt from its versions).
    fn write_article(
        &mut self,
        article: &Article,
        changed: &mut ChangedChannels,
    ) -> Result<(), StoreError>;
    /// The stored article with this id.
    fn article(&self, id: &str) -> Result<Option<Article>, StoreError>;
    /// The newest published articles of `channel`, newest first by
    /// published then id, at most `limit`.
    fn latest(&self, channel: &Channel, limit: usize) -> Result<Vec<Article>, StoreError>;
    /// Every tag, region and language of published articles, by kind then slug.
    fn labels(&self) -> Result<Vec<LabelInfo>, StoreError>;
    /// Publishes the articles whose embargo has passed by `now`; returns
    /// how many.
    fn release_embargoes(
        &mut self,
        now: DateTime<Utc>,
        changed: &mut ChangedChannels,
    ) -> Result<usize, StoreError>;
    /// The earliest embargo still holding an article back.
    fn next_embargo(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    // The publish record.

    /// Marks `changed` out of date in the output folder.
    fn mark_stale(&mut self, changed: &ChangedChannels) -> Result<(), StoreError>;
    /// What the output folder holds and which channels changed since, read
    /// in one snapshot.
    fn published(&mut self) -> Result<PublishedState, StoreError>;
    /// Records a publish (see [`PublishedState`]).
    fn record_published(
        &mut self,
        settings: &str,
        listed: &[(String, String)],
        rendered: &BTreeSet<String>,
        through: i64,
    ) -> Result<(), StoreError>;

    /// The backend itself, for tests that look under it.
    #[cfg(test)]
    fn as_any(&self) -> &dyn std::any::Any;
}
