//! The state: articles, the source versions they were built from, each
//! feed's fetch history and the publish record, behind one interface.
//!
//! [`Store`] is what the rest of wirefeed holds. It runs an ingest in the
//! order DESIGN gives (dedup decides, then the decision is written), keeps
//! dedup's candidate index in step with every write, and collects the
//! channels ingests changed. Where the state lives is a [`Backend`]'s
//! business: persistence only, no policy.
//!
//! - `backend`: the [`Backend`] trait, every operation a backend provides.
//! - `sqlite`: the embedded default, one SQLite file in `state_dir`.
//! - `postgres`: a PostgreSQL database (`[store] url`), shared by instances.
//! - `location`: where a configuration's state lives, and opening it there.
//! - `migrate`: moving a SQLite state into PostgreSQL, whole.
//! - `ingest`: one feed's articles, decided by dedup and applied.
//! - `records`: the values the state holds and returns.
//! - `prepared`: what is computed of an article before the writer takes it.
//! - `changes`: the channels ingests changed, for the publish.
//! - `evidence`, `language`, `error`: encodings, language names, errors.

mod backend;
mod changes;
pub mod cluster;
mod error;
mod evidence;
mod ingest;
mod language;
mod location;
mod migrate;
mod postgres;
mod prepared;
mod records;
mod sqlite;
#[cfg(test)]
mod tests;

pub use backend::Backend;
pub use changes::ChangedChannels;
pub use error::StoreError;
pub use evidence::{FoldEvidence, verdict_name};
pub use ingest::{FeedIngest, IngestReport};
pub use location::Location;
pub use migrate::{Copied, sqlite_to_postgres};
pub use postgres::PostgresBackend;
pub use prepared::PreparedArticle;
pub use records::{
    FeedState, FetchHour, FetchRecord, LabelInfo, LabelKind, PlannedFetch, PublishedChannel,
    PublishedState, SourceRecord, StoredSource,
};
pub use sqlite::SqliteBackend;

use crate::dedup::{CandidateIndex, Revision};
use crate::fetch::Validators;
use crate::model::{Article, Channel};
use chrono::{DateTime, Utc};
use std::path::Path;

/// The SQLite file inside `state_dir`.
pub const STATE_FILE: &str = "wirefeed.sqlite3";

/// The state, open: a backend, dedup's candidate index over it, and the
/// channels changed since the publish last asked.
#[derive(Debug)]
pub struct Store {
    backend: Box<dyn Backend>,
    /// Channels touched by ingests since the last [`Store::take_changed`].
    changed: ChangedChannels,
    /// dedup's near-duplicate candidates, kept in step with every ingest.
    index: CandidateIndex,
}

impl Store {
    /// Opens (creating the file and its folder when missing) and migrates
    /// the SQLite state at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Ok(Store::on(Box::new(SqliteBackend::open(path)?)))
    }

    /// The state kept by `backend`.
    pub fn on(backend: Box<dyn Backend>) -> Store {
        Store {
            backend,
            changed: ChangedChannels::default(),
            index: CandidateIndex::default(),
        }
    }

    /// The state of one feed; `None` before its first fetch.
    pub fn feed_state(&self, feed_id: &str) -> Result<Option<FeedState>, StoreError> {
        self.backend.feed_state(feed_id)
    }

    /// The state of every feed fetched so far, by feed id.
    pub fn feed_states(&self) -> Result<Vec<FeedState>, StoreError> {
        self.backend.feed_states()
    }

    /// Every feed's fetches, failures and items per hour, from the hour
    /// holding `since` on (at most 48 hours are kept), by feed and hour.
    pub fn fetch_hours(&self, since: DateTime<Utc>) -> Result<Vec<FetchHour>, StoreError> {
        self.backend.fetch_hours(since)
    }

    /// The validators of every feed fetched so far, for conditional GETs.
    pub fn validators(&self) -> Result<Vec<(String, Validators)>, StoreError> {
        self.backend.validators()
    }

    /// Saves the daemon's plan of every feed it schedules, in one
    /// transaction; feeds not in `plans` are left with no plan.
    pub fn record_plans(&mut self, plans: &[PlannedFetch<'_>]) -> Result<(), StoreError> {
        self.backend.record_plans(plans)
    }

    /// Records a failed fetch of `feed_id`; its validators are kept.
    pub fn record_failure(
        &mut self,
        feed_id: &str,
        at: DateTime<Utc>,
        error: &str,
        http_status: Option<u16>,
    ) -> Result<(), StoreError> {
        self.backend
            .record_fetch(feed_id, at, FetchRecord::Failed { error, http_status })
    }

    /// Records a fetch answered "not modified": a success with nothing new.
    pub fn record_not_modified(
        &mut self,
        feed_id: &str,
        at: DateTime<Utc>,
        http_status: Option<u16>,
    ) -> Result<(), StoreError> {
        self.backend
            .record_fetch(feed_id, at, FetchRecord::NotModified { http_status })
    }

    /// One transaction for the whole feed: dedup every article against what
    /// is stored (including articles stored earlier in the same cycle),
    /// write, and record the fetch success and validators. A crash or error
    /// mid-way leaves nothing of this feed half-written.
    pub fn ingest(
        &mut self,
        feed: &FeedIngest<'_>,
        articles: Vec<Article>,
    ) -> Result<IngestReport, StoreError> {
        let prepared = articles
            .into_iter()
            .map(PreparedArticle::new)
            .collect::<Result<Vec<_>, _>>()?;
        self.ingest_prepared(feed, prepared)
    }

    /// [`Store::ingest`] for articles prepared beforehand (off the writer).
    pub fn ingest_prepared(
        &mut self,
        feed: &FeedIngest<'_>,
        articles: Vec<PreparedArticle>,
    ) -> Result<IngestReport, StoreError> {
        let in_feed = |source: StoreError| StoreError::Ingest {
            feed_id: feed.feed_id.to_owned(),
            source: Box::new(source),
        };
        // Inside a group an error fails the whole group, which rolls back,
        // so the feed is whole or absent either way.
        let report = if self.backend.in_group() {
            self.ingest_in_group(feed, articles)
        } else {
            self.group(|store| store.ingest_in_group(feed, articles))
        }
        .map_err(in_feed)?;
        tracing::debug!(feed = %feed.feed_id, ?report, "feed ingested");
        Ok(report)
    }

    fn ingest_in_group(
        &mut self,
        feed: &FeedIngest<'_>,
        articles: Vec<PreparedArticle>,
    ) -> Result<IngestReport, StoreError> {
        if self.backend.written_elsewhere()? && self.index.is_loaded() {
            tracing::debug!("another process wrote to the state: candidate index dropped");
            self.index.reset();
        }
        let mut changed = ChangedChannels::default();
        let report = ingest::ingest(
            self.backend.as_mut(),
            &mut self.index,
            feed,
            articles,
            &mut changed,
        )?;
        self.backend.mark_stale(&changed)?;
        self.changed.merge(changed);
        Ok(report)
    }

    /// Runs `work` (several feeds' ingests and fetch records) in one write
    /// group: the pages the feeds share (index pages above all) are
    /// written once per group instead of once per feed. An error rolls the
    /// whole group back, so every feed in it stays whole or absent.
    pub fn group<T>(
        &mut self,
        work: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.backend.begin()?;
        match work(self).and_then(|value| self.backend.commit().map(|()| value)) {
            Ok(value) => Ok(value),
            Err(error) => {
                self.backend.rollback();
                // Pairs of the rolled-back versions must not stay indexed
                // (their source ids are reused); the next lookup reloads.
                self.index.reset();
                Err(error)
            }
        }
    }

    /// What the output folder holds and which channels changed since, read
    /// in one snapshot.
    pub fn published(&mut self) -> Result<PublishedState, StoreError> {
        self.backend.published()
    }

    /// Records a publish (see [`PublishedState`]): `listed` (stem, listing)
    /// is every channel the output folder lists now, rendered with
    /// `settings`; the stale marks up to `through` of the channels in
    /// `rendered` are cleared.
    pub fn record_published(
        &mut self,
        settings: &str,
        listed: &[(String, String)],
        rendered: &std::collections::BTreeSet<String>,
        through: i64,
    ) -> Result<(), StoreError> {
        self.backend
            .record_published(settings, listed, rendered, through)
    }

    /// Publishes the articles whose embargo has passed by `now`: they join
    /// their channels, which are marked for the next publish (and listed by
    /// [`Store::take_changed`]). Returns how many were released.
    pub fn release_embargoes(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        if self.next_embargo()?.is_none_or(|next| next > now) {
            return Ok(0);
        }
        let mut changed = ChangedChannels::default();
        let released = self.group(|store| {
            let released = store.backend.release_embargoes(now, &mut changed)?;
            store.backend.mark_stale(&changed)?;
            Ok(released)
        })?;
        self.changed.merge(changed);
        Ok(released)
    }

    /// The earliest embargo still holding an article back: when the daemon
    /// must wake to publish it.
    pub fn next_embargo(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.backend.next_embargo()
    }

    /// The channels whose articles ingests changed since the last call
    /// (or since the store was opened), an over-approximation: a rolled-back
    /// ingest's channels stay listed.
    pub fn take_changed(&mut self) -> ChangedChannels {
        std::mem::take(&mut self.changed)
    }

    /// The newest articles of `channel`, newest first by published then id,
    /// at most `limit`.
    pub fn latest(&self, channel: &Channel, limit: usize) -> Result<Vec<Article>, StoreError> {
        self.backend.latest(channel, limit)
    }

    /// Every tag, region and language present in stored articles, with a
    /// display label and article count, by kind then slug.
    pub fn labels(&self) -> Result<Vec<LabelInfo>, StoreError> {
        self.backend.labels()
    }

    /// The stored article with this id.
    pub fn article(&self, id: &str) -> Result<Option<Article>, StoreError> {
        self.backend.article(id)
    }

    /// The article `incoming` from `feed_id` would fold into, and why, as
    /// an ingest now would decide it (the same code). Writes nothing: this
    /// is how `wirefeed preview` answers.
    pub fn would_fold(
        &self,
        feed_id: &str,
        incoming: &PreparedArticle,
    ) -> Result<Option<(String, FoldEvidence)>, StoreError> {
        // preview's own index: loading the state's must not cost an ingest
        // its freshness, and preview runs once.
        let mut index = CandidateIndex::default();
        crate::dedup::fold::fold_target(
            self.backend.as_ref(),
            &mut index,
            &incoming.incoming(feed_id),
        )
    }

    /// When `feed_id` already delivered the item of `incoming`: the article
    /// holding it and what a new ingest would make of this version. Writes
    /// nothing.
    pub fn stored_revision(
        &self,
        feed_id: &str,
        incoming: &PreparedArticle,
    ) -> Result<Option<(String, Revision)>, StoreError> {
        ingest::stored_revision(self.backend.as_ref(), feed_id, incoming)
    }

    /// Every version of `article_id`, in the order first seen, with the
    /// evidence recorded when each was folded in.
    pub fn source_records(&self, article_id: &str) -> Result<Vec<SourceRecord>, StoreError> {
        self.backend.source_records(article_id)
    }

    /// The article with a version whose canonical URL or original link is
    /// exactly `url`.
    pub fn article_by_link(&self, url: &str) -> Result<Option<String>, StoreError> {
        self.backend.article_by_link(url)
    }
}
