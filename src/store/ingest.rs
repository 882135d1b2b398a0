//! Taking in one fetched feed: dedup decides what each article is, this
//! writes the decisions and records the fetch, all in one transaction.

use crate::dedup::{
    self, CandidateIndex, Decision, FoldFacts, Revision, SourceVersion, StoredCandidate, StoredItem,
};
use crate::fetch::Validators;
use crate::store::changes::ChangedChannels;
use crate::store::error::StoreError;
use crate::store::prepared::PreparedArticle;
use crate::store::sources::Keep;
use crate::store::{articles, feed_state, fetch_hours, sources};
use chrono::{DateTime, Utc};
use rusqlite::Connection;

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

/// Ingests `articles` of `feed` on `conn`, which the caller has put in a
/// transaction: dedup decides what each article is, and this applies it.
/// Articles earlier in the batch are visible to later ones.
pub(crate) fn ingest(
    conn: &Connection,
    feed: &FeedIngest<'_>,
    articles: Vec<PreparedArticle>,
    changed: &mut ChangedChannels,
    index: &mut CandidateIndex,
) -> Result<IngestReport, StoreError> {
    let mut report = IngestReport::default();
    for article in articles {
        let decision =
            dedup::fold::decide(&SqlFacts(conn), index, &article.incoming(feed.feed_id))?;
        apply(conn, feed, article, decision, &mut report, changed, index)?;
    }
    feed_state::record_success(
        conn,
        feed.feed_id,
        feed.fetched_at,
        feed.http_status,
        Some(&feed.validators),
    )?;
    let items = report.new + report.updated + report.folded;
    fetch_hours::record(
        conn,
        feed.feed_id,
        feed.fetched_at,
        fetch_hours::Fetched::Ok {
            items: u64::try_from(items).unwrap_or(u64::MAX),
        },
    )?;
    Ok(report)
}

/// Writes what dedup decided about `incoming`.
fn apply(
    conn: &Connection,
    feed: &FeedIngest<'_>,
    incoming: PreparedArticle,
    decision: Decision,
    report: &mut IngestReport,
    changed: &mut ChangedChannels,
    index: &mut CandidateIndex,
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
            let Some(stored) = sources::find(conn, feed.feed_id, &item_id)? else {
                // dedup was told the item is stored, in this transaction.
                tracing::warn!(feed = %feed.feed_id, item = %item_id, "an update's stored version is gone: skipped");
                return Ok(());
            };
            let incoming =
                incoming.with(|article| dedup::keep_first_seen(article, &stored.version))?;
            sources::replace(conn, stored.id, feed.priority, &incoming, index)?;
            rebuild(conn, &stored.article_id, changed)?;
            report.updated += 1;
        }
        Decision::Fold { into, evidence } => {
            tracing::debug!(feed = %feed.feed_id, item = %item_id, into = %into, ?evidence, "duplicate folded");
            sources::materialize(conn, &into)?;
            sources::insert(
                conn,
                feed,
                &into,
                &incoming,
                Keep::Copy,
                Some(&evidence),
                index,
            )?;
            rebuild(conn, &into, changed)?;
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
            let article_id = incoming.article.id.clone();
            let only = [SourceVersion {
                article: incoming.article.clone(),
                priority: feed.priority,
            }];
            let combined = dedup::combine(&article_id, &only);
            // The usual case: the article is the version itself, stored once.
            let keep = if combined.as_ref() == Some(&incoming.article) {
                Keep::AsArticle
            } else {
                Keep::Copy
            };
            sources::insert(conn, feed, &article_id, &incoming, keep, None, index)?;
            match combined {
                Some(article) if keep == Keep::AsArticle => {
                    articles::insert_new(conn, &article, &incoming.json, changed)?
                }
                Some(article) => articles::write(conn, &article, changed)?,
                None => {}
            }
            report.new += 1;
        }
    }
    Ok(())
}

/// The state's answers to dedup, read on the ingest's connection (inside
/// its transaction, so articles earlier in the batch count).
pub(crate) struct SqlFacts<'a>(pub &'a Connection);

impl FoldFacts for SqlFacts<'_> {
    type Error = StoreError;

    fn stored_item(&self, feed_id: &str, item_id: &str) -> Result<Option<StoredItem>, StoreError> {
        sources::facts(self.0, feed_id, item_id)
    }

    fn articles_with_url(&self, url: &str) -> Result<Vec<String>, StoreError> {
        sources::articles_with_url(self.0, url)
    }

    fn feed_in_article(&self, feed_id: &str, article_id: &str) -> Result<bool, StoreError> {
        sources::feed_in_article(self.0, feed_id, article_id)
    }

    fn candidate(&self, source_id: i64) -> Result<Option<StoredCandidate>, StoreError> {
        sources::candidate(self.0, source_id)
    }

    fn article_exists(&self, article_id: &str) -> Result<bool, StoreError> {
        articles::exists(self.0, article_id)
    }

    fn band_key_pairs(&self) -> Result<Vec<(i64, i64)>, StoreError> {
        sources::band_key_pairs(self.0)
    }
}

/// The stored version of the item of `incoming` from `feed_id`, if any, and
/// what `incoming` is to it: what `preview` shows.
pub(crate) fn stored_revision(
    conn: &Connection,
    feed_id: &str,
    incoming: &PreparedArticle,
) -> Result<Option<(String, Revision)>, StoreError> {
    let Some(stored) = sources::find(conn, feed_id, &incoming.article.source.item_id)? else {
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
    conn: &Connection,
    article_id: &str,
    changed: &mut ChangedChannels,
) -> Result<(), StoreError> {
    let versions: Vec<SourceVersion> = sources::of_article(conn, article_id)?
        .into_iter()
        .map(|stored| SourceVersion {
            article: stored.version,
            priority: stored.priority,
        })
        .collect();
    match dedup::combine(article_id, &versions) {
        Some(article) => articles::write(conn, &article, changed),
        None => Ok(()),
    }
}
