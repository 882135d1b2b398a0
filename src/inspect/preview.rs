//! `wirefeed preview FEED_ID`: one feed fetched now and taken through
//! normalize, the rules and the dedup decision, with nothing stored or
//! published. How an editor tests a new `[[feed.rule]]` before saving.

use chrono::Utc;

use super::{InspectError, field_origins, find_feed};
use crate::config::{Config, FeedConfig};
use crate::cycle::normalize_documents;
use crate::dedup::Revision;
use crate::fetch::{Fetched, Fetcher, Validators};
use crate::model::Article;
use crate::normalize::{Outcome, Provenance};
use crate::store::Location;
use crate::store::{FoldEvidence, PreparedArticle, Store};

/// What one feed's items would become.
#[derive(Debug)]
pub struct Preview {
    pub feed_id: String,
    pub feed_name: String,
    /// The URL as written in feeds.toml.
    pub url: String,
    /// False when no state file exists yet: every kept item is new.
    pub state_exists: bool,
    /// In feed order.
    pub items: Vec<PreviewItem>,
}

/// One item of the feed.
#[derive(Debug)]
pub struct PreviewItem {
    pub title: String,
    /// The item's id in the source feed.
    pub item_id: String,
    pub fate: Fate,
}

/// Kept or dropped, and what follows.
#[derive(Debug)]
pub enum Fate {
    /// A `drop = true` rule matched.
    Dropped {
        rule_line: usize,
    },
    Kept(Box<Kept>),
}

/// A kept item: its article, why its fields are what they are, and what
/// storing it would do.
#[derive(Debug)]
pub struct Kept {
    /// The article as normalize built it.
    pub article: Article,
    /// Which rule line set each field.
    pub fields: Provenance,
    pub becomes: Becomes,
}

/// What storing the item would do.
#[derive(Debug)]
pub enum Becomes {
    /// A new article.
    New,
    /// The feed delivered this item before: `revision` says whether this
    /// version would replace the stored one.
    Stored {
        article_id: String,
        revision: Revision,
    },
    /// Another feed's stored article tells the same story.
    Folded {
        article_id: String,
        /// The stored article's title and primary feed, for people.
        title: String,
        primary_feed: String,
        evidence: FoldEvidence,
    },
}

/// Fetches `feed_id` of `config` unconditionally (stored validators are
/// ignored: the point is to see the body) and says what each item would
/// become. Reads the state when there is one; writes nothing anywhere.
pub async fn preview(config: &Config, feed_id: &str) -> Result<Preview, InspectError> {
    let feed = find_feed(config, feed_id)?;
    let fetcher = Fetcher::new(&config.defaults).map_err(InspectError::Fetcher)?;
    let documents = match fetcher.fetch(feed, &Validators::default()).await {
        Ok(Fetched::Documents { documents, .. }) => documents,
        Ok(Fetched::NotModified { .. }) => {
            return Err(InspectError::NotModified {
                feed_id: feed.id.clone(),
            });
        }
        Err(source) => {
            return Err(InspectError::Fetch {
                feed_id: feed.id.clone(),
                source,
            });
        }
    };
    let outcomes = normalize_documents(config, feed, &documents, Utc::now()).map_err(|error| {
        InspectError::Read {
            feed_id: feed.id.clone(),
            error: Box::new(error),
        }
    })?;

    // Opening an existing state may migrate it, as every command does; a
    // missing one is not created: with nothing stored, every item is new.
    let location = Location::of(config);
    let store = if location.exists() {
        Some(location.open()?)
    } else {
        None
    };
    let items = outcomes
        .into_iter()
        .map(|outcome| item(store.as_ref(), feed, outcome))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Preview {
        feed_id: feed.id.clone(),
        feed_name: feed.name.clone(),
        url: feed.url.clone(),
        state_exists: store.is_some(),
        items,
    })
}

fn item(
    store: Option<&Store>,
    feed: &FeedConfig,
    outcome: Outcome,
) -> Result<PreviewItem, InspectError> {
    let article = match outcome {
        Outcome::Dropped {
            item_id,
            title,
            rule_line,
        } => {
            return Ok(PreviewItem {
                title,
                item_id,
                fate: Fate::Dropped { rule_line },
            });
        }
        Outcome::Keep(article) => article,
    };
    let fields = field_origins(feed, &article);
    let prepared = PreparedArticle::new(article)?;
    let becomes = match store {
        Some(store) => becomes(store, &feed.id, &prepared)?,
        None => Becomes::New,
    };
    let article = prepared.article().clone();
    Ok(PreviewItem {
        title: article.title.clone(),
        item_id: article.source.item_id.clone(),
        fate: Fate::Kept(Box::new(Kept {
            article,
            fields,
            becomes,
        })),
    })
}

/// The store's own decision, in the order an ingest takes it: a known item
/// first, then a fold into another feed's article.
fn becomes(
    store: &Store,
    feed_id: &str,
    prepared: &PreparedArticle,
) -> Result<Becomes, InspectError> {
    if let Some((article_id, revision)) = store.stored_revision(feed_id, prepared)? {
        return Ok(Becomes::Stored {
            article_id,
            revision,
        });
    }
    let Some((article_id, evidence)) = store.would_fold(feed_id, prepared)? else {
        return Ok(Becomes::New);
    };
    let stored = store.article(&article_id)?;
    Ok(Becomes::Folded {
        title: stored.as_ref().map(|a| a.title.clone()).unwrap_or_default(),
        primary_feed: stored.map(|a| a.source.feed_id).unwrap_or_default(),
        article_id,
        evidence,
    })
}
