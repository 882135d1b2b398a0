//! Taking in one fetched feed: every article deduplicated against what is
//! stored, written, and the fetch recorded, all in one transaction.

use crate::dedup::{self, Revision, SourceVersion};
use crate::fetch::Validators;
use crate::model::PubStatus;
use crate::store::band_filter::BandFilter;
use crate::store::changes::ChangedChannels;
use crate::store::error::StoreError;
use crate::store::evidence::FoldEvidence;
use crate::store::prepared::PreparedArticle;
use crate::store::sources::{Keep, StoredSource};
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
/// transaction. Articles earlier in the batch are visible to later ones.
pub(crate) fn ingest(
    conn: &Connection,
    feed: &FeedIngest<'_>,
    articles: Vec<PreparedArticle>,
    changed: &mut ChangedChannels,
    bands: &mut BandFilter,
) -> Result<IngestReport, StoreError> {
    bands.sync(conn)?;
    let mut report = IngestReport::default();
    for article in articles {
        ingest_one(conn, feed, article, &mut report, changed, bands)?;
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

fn ingest_one(
    conn: &Connection,
    feed: &FeedIngest<'_>,
    incoming: PreparedArticle,
    report: &mut IngestReport,
    changed: &mut ChangedChannels,
    bands: &mut BandFilter,
) -> Result<(), StoreError> {
    let item_id = &incoming.article.source.item_id;
    let facts = sources::facts(conn, feed.feed_id, item_id)?;
    if facts.as_ref().is_some_and(|stored| stored.killed) {
        tracing::debug!(feed = %feed.feed_id, item = %item_id, "item was killed: later deliveries ignored");
        report.ignored_older += 1;
        return Ok(());
    }
    // A kill applies whatever its date: an agency clock must not keep a
    // killed story up.
    let kill = incoming.article.editorial.status == PubStatus::Canceled;
    let revision = facts.map(|stored| match revision_of(&stored, &incoming) {
        Revision::IgnoredOlder | Revision::Unchanged if kill => Revision::Update,
        revision => revision,
    });
    match revision {
        Some(Revision::Unchanged) => {
            report.unchanged += 1;
            return Ok(());
        }
        Some(Revision::IgnoredOlder) => {
            tracing::debug!(feed = %feed.feed_id, item = %item_id, "older version ignored");
            report.ignored_older += 1;
            return Ok(());
        }
        Some(Revision::Update) => {
            // Read in full only now: the update keeps its first-seen date.
            if let Some(stored) = sources::find(conn, feed.feed_id, item_id)? {
                let incoming =
                    incoming.with(|article| dedup::keep_first_seen(article, &stored.version))?;
                sources::replace(conn, stored.id, feed.priority, &incoming, bands)?;
                rebuild(conn, &stored.article_id, changed)?;
                report.updated += 1;
                return Ok(());
            }
        }
        None => {}
    }

    match fold_target(conn, feed.feed_id, &incoming, bands)? {
        Some((article_id, evidence)) => {
            tracing::debug!(feed = %feed.feed_id, item = %item_id, into = %article_id, ?evidence, "duplicate folded");
            sources::materialize(conn, &article_id)?;
            sources::insert(
                conn,
                feed,
                &article_id,
                &incoming,
                Keep::Copy,
                Some(&evidence),
                bands,
            )?;
            rebuild(conn, &article_id, changed)?;
            report.folded += 1;
        }
        None => {
            // Ids derive from feed id and item id, so an article with this id
            // can only be this item's, and this is its only version: combine
            // it directly instead of reading it back.
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
            sources::insert(conn, feed, &article_id, &incoming, keep, None, bands)?;
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

/// What `incoming` is to the stored version of its item.
fn revision_of(stored: &sources::StoredFacts, incoming: &PreparedArticle) -> Revision {
    dedup::revision_of(
        stored.updated,
        &stored.digest,
        &incoming.article,
        &incoming.digest,
    )
}

/// The stored version of the item of `incoming` from `feed_id`, if any, and
/// what `incoming` is to it.
fn known_version(
    conn: &Connection,
    feed_id: &str,
    incoming: &PreparedArticle,
) -> Result<Option<(StoredSource, Revision)>, StoreError> {
    let Some(stored) = sources::find(conn, feed_id, &incoming.article.source.item_id)? else {
        return Ok(None);
    };
    let revision = dedup::revision(
        &stored.version,
        &stored.digest,
        &incoming.article,
        &incoming.digest,
    );
    Ok(Some((stored, revision)))
}

/// [`known_version`] for `preview`: the article holding the item and the
/// revision an ingest would see.
pub(crate) fn stored_revision(
    conn: &Connection,
    feed_id: &str,
    incoming: &PreparedArticle,
) -> Result<Option<(String, Revision)>, StoreError> {
    Ok(known_version(conn, feed_id, incoming)?
        .map(|(stored, revision)| (stored.article_id, revision)))
}

/// The stored article another feed already delivered this story as, and
/// why: same canonical URL as any of its versions first, then a verified
/// near-duplicate of any of its versions. Items of one feed
/// never fold into each other (live tickers reuse one link for many items).
/// Only reads: `preview` asks it too, through [`crate::store::Store::would_fold`].
pub(crate) fn fold_target(
    conn: &Connection,
    feed_id: &str,
    incoming: &PreparedArticle,
    bands: &BandFilter,
) -> Result<Option<(String, FoldEvidence)>, StoreError> {
    if let Some(url) = &incoming.article.url {
        for article_id in sources::articles_with_url(conn, url)? {
            if !sources::feed_in_article(conn, feed_id, &article_id)? {
                let evidence = FoldEvidence::SameUrl { url: url.clone() };
                return Ok(Some((article_id, evidence)));
            }
        }
    }
    for candidate in sources::candidates(conn, feed_id, incoming.band_keys.as_ref(), bands)? {
        let comparison = dedup::compare(&incoming.fingerprint, &candidate.fingerprint);
        if !comparison.verdict.is_same() {
            continue;
        }
        if !sources::feed_in_article(conn, feed_id, &candidate.article_id)? {
            let evidence = FoldEvidence::Similar {
                source_id: candidate.id,
                comparison,
            };
            return Ok(Some((candidate.article_id, evidence)));
        }
    }
    Ok(None)
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
