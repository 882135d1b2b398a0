//! Taking in one fetched feed: dedup decides what each article is, the
//! backend writes each decision, and the fetch is recorded, all in the
//! caller's write group. The same order on every backend.

use crate::dedup::{self, CandidateIndex, Decision, Revision, SourceVersion};
use crate::fetch::Validators;
use crate::store::backend::Backend;
use crate::store::changes::ChangedChannels;
use crate::store::error::StoreError;
use crate::store::prepared::PreparedArticle;
use crate::store::records::FetchRecord;
use chrono::{DateTime, Utc};

/// The feed a batch of articles came from, and how its fetch went.
#[derive(Debug, Clone)]
pub struct FeedIngest<'a> {
    /// The `[[feed]] id` of feeds.toml.
    pub feed_id: &'a str,
    /// The feed's `priority`: higher wins the primary place among duplicates.
    pub priority: i64,
    pub fetched_at: DateTime<Utc>,
    pub http_status: Option<u16>,
    /// The validators the server sent, kept for the next conditional GET.
    pub validators: Validators,
}

/// What became of each article of an ingest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// Stored as a new article.
    pub new: usize,
    /// A newer version of an item already stored replaced it.
    pub updated: usize,
    /// A duplicate of another feed's article, folded into it.
    pub folded: usize,
    /// The same version of an item already stored.
    pub unchanged: usize,
    /// An older version than the stored one.
    pub ignored_older: usize,
}

/// Ingests `articles` of `feed` into `backend`, whose write group the
/// caller holds: dedup decides what each article is, this applies it and
/// keeps `index` in step. Articles earlier in the batch are visible to
/// later ones.
pub(crate) fn ingest(
    backend: &mut dyn Backend,
    index: &mut CandidateIndex,
    feed: &FeedIngest<'_>,
    articles: Vec<PreparedArticle>,
    changed: &mut ChangedChannels,
) -> Result<IngestReport, StoreError> {
    let mut report = IngestReport::default();
    backend.look_ahead(feed.feed_id, &articles)?;
    for article in articles {
        let decision = dedup::fold::decide(&*backend, index, &article.incoming(feed.feed_id))?;
        apply(
            backend,
            index,
            feed,
            article,
            decision,
            &mut report,
            changed,
        )?;
    }
    let items = report.new + report.updated + report.folded;
    backend.record_fetch(
        feed.feed_id,
        feed.fetched_at,
        FetchRecord::Ingested {
            http_status: feed.http_status,
            validators: &feed.validators,
            items: u64::try_from(items).unwrap_or(u64::MAX),
        },
    )?;
    Ok(report)
}

/// Writes what dedup decided about `incoming`.
fn apply(
    backend: &mut dyn Backend,
    index: &mut CandidateIndex,
    feed: &FeedIngest<'_>,
    incoming: PreparedArticle,
    decision: Decision,
    report: &mut IngestReport,
    changed: &mut ChangedChannels,
) -> Result<(), StoreError> {
    let item_id = incoming.article.source.item_id.clone();
    match decision {
        Decision::Killed => {
            tracing::debug!(feed = %feed.feed_id, item = %item_id, "item was killed: later deliveries ignored");
            report.ignored_older += 1;
        }
        Decision::Unchanged => report.unchanged += 1,
        Decision::IgnoredOlder => {
            tracing::debug!(feed = %feed.feed_id, item = %item_id, "older version ignored");
            report.ignored_older += 1;
        }
        Decision::Update => {
            // Read in full only now: the update keeps its first-seen date.
            let Some(stored) = backend.stored_version(feed.feed_id, &item_id)? else {
                // dedup was told the item is stored, in this write group.
                tracing::warn!(feed = %feed.feed_id, item = %item_id, "an update's stored version is gone: skipped");
                return Ok(());
            };
            let incoming =
                incoming.with(|article| dedup::keep_first_seen(article, &stored.version))?;
            backend.replace_version(stored.id, feed.priority, &incoming)?;
            // The old keys' pairs stay in the index until it is loaded
            // again: a stale pair only names a candidate the exact check
            // rejects.
            index_keys(index, stored.id, &incoming);
            rebuild(backend, &stored.article_id, changed)?;
            report.updated += 1;
        }
        Decision::Fold { into, evidence } => {
            tracing::debug!(feed = %feed.feed_id, item = %item_id, into = %into, ?evidence, "duplicate folded");
            let source_id = backend.insert_folded_version(feed, &into, &incoming, &evidence)?;
            index_keys(index, source_id, &incoming);
            rebuild(backend, &into, changed)?;
            report.folded += 1;
        }
        Decision::New { id } => {
            let incoming = if id == incoming.article.id {
                incoming
            } else {
                tracing::debug!(feed = %feed.feed_id, item = %item_id, taken = %incoming.article.id, %id, "the link's article id is taken: the item's own id is used");
                incoming.with(|article| article.id = id)?
            };
            // No stored article has this id, and this is its only version:
            // combine it directly instead of reading it back.
            let only = [SourceVersion {
                article: incoming.article.clone(),
                priority: feed.priority,
            }];
            let combined = dedup::combine(&incoming.article.id, &only);
            let source_id =
                backend.insert_first_version(feed, &incoming, combined.as_ref(), changed)?;
            index_keys(index, source_id, &incoming);
            report.new += 1;
        }
    }
    Ok(())
}

fn index_keys(index: &mut CandidateIndex, source_id: i64, version: &PreparedArticle) {
    if let Some(keys) = &version.band_keys {
        index.insert(source_id, keys);
    }
}

/// The stored version of the item of `incoming` from `feed_id`, if any, and
/// what `incoming` is to it: what `preview` shows.
pub(crate) fn stored_revision(
    backend: &dyn Backend,
    feed_id: &str,
    incoming: &PreparedArticle,
) -> Result<Option<(String, Revision)>, StoreError> {
    let Some(stored) = backend.stored_version(feed_id, &incoming.article.source.item_id)? else {
        return Ok(None);
    };
    let revision = dedup::revision(
        &stored.version,
        &stored.digest,
        &incoming.article,
        &incoming.digest,
    );
    Ok(Some((stored.article_id, revision)))
}

/// Rewrites `article_id` from all its source versions.
fn rebuild(
    backend: &mut dyn Backend,
    article_id: &str,
    changed: &mut ChangedChannels,
) -> Result<(), StoreError> {
    let versions: Vec<SourceVersion> = backend
        .versions_of(article_id)?
        .into_iter()
        .map(|stored| SourceVersion {
            article: stored.version,
            priority: stored.priority,
        })
        .collect();
    match dedup::combine(article_id, &versions) {
        Some(article) => backend.write_article(&article, changed),
        None => Ok(()),
    }
}
