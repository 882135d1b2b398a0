//! Editors' tools that answer "what would happen?" and "why did it happen?"
//! without a programmer: `wirefeed preview` and `wirefeed explain`.
//!
//! Both only read: [`preview`] fetches one feed and runs normalize, the
//! rules and the dedup decision on it without storing or publishing;
//! [`explain`] reads one stored article back with its sources, the rule
//! lines that set its fields, the published feeds it is in and the evidence
//! for each fold. The decisions themselves are never re-implemented here:
//! rules come from [`crate::normalize::provenance`], folds from
//! [`crate::store::Store::would_fold`] and the evidence recorded at ingest.
//!
//! - `preview`, `explain`: gathering the facts, as plain data.
//! - `render`: those facts as text for people and JSON for scripts.

mod explain;
mod preview;
mod render;

pub use explain::{Explanation, FoldReason, SourceExplained, explain};
pub use preview::{Becomes, Fate, Kept, Preview, PreviewItem, preview};
pub use render::{explanation_json, render_explanation, render_preview};

use std::path::PathBuf;

use crate::config::{Config, FeedConfig, closest};
use crate::fetch::FetchError;
use crate::model::Article;
use crate::normalize::{ItemFacts, Provenance, provenance};
use crate::store::StoreError;

/// Why an inspection could not answer.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("no feed `{feed_id}` in {config}{}", hint(.suggestion))]
    UnknownFeed {
        feed_id: String,
        config: PathBuf,
        suggestion: Option<String>,
    },
    #[error(
        "no stored article has the id, canonical URL or original link `{query}` (state {state})"
    )]
    UnknownArticle {
        query: String,
        state: crate::store::Location,
    },
    #[error("no state yet at {location}: run `wirefeed once` first")]
    NoState { location: crate::store::Location },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot set up fetching: {0}")]
    Fetcher(#[source] FetchError),
    #[error("feed {feed_id}: {source}")]
    Fetch {
        feed_id: String,
        #[source]
        source: FetchError,
    },
    #[error("feed {feed_id}: {error}")]
    Read {
        feed_id: String,
        error: Box<crate::parse::ParseError>,
    },
    #[error("feed {feed_id}: the source answered \"not modified\" to an unconditional fetch")]
    NotModified { feed_id: String },
}

impl InspectError {
    /// The feed or article asked for does not exist (as opposed to a
    /// failure while looking): the CLI gives it its own exit code.
    pub fn is_unknown(&self) -> bool {
        matches!(
            self,
            InspectError::UnknownFeed { .. } | InspectError::UnknownArticle { .. }
        )
    }
}

fn hint(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|id| format!("; did you mean `{id}`?"))
        .unwrap_or_default()
}

/// The feed `feed_id` of `config`, or the error naming the closest id.
fn find_feed<'c>(config: &'c Config, feed_id: &str) -> Result<&'c FeedConfig, InspectError> {
    config
        .feeds
        .iter()
        .find(|feed| feed.id == feed_id)
        .ok_or_else(|| InspectError::UnknownFeed {
            feed_id: feed_id.to_owned(),
            config: config.path.clone(),
            suggestion: closest(feed_id, config.feeds.iter().map(|f| f.id.as_str()))
                .map(str::to_owned),
        })
}

/// Which rule line of `feed` sets each field of `version`, from the facts
/// rules see: title, the original link, categories and authors.
fn field_origins(feed: &FeedConfig, version: &Article) -> Provenance {
    provenance(
        feed,
        &ItemFacts {
            title: &version.title,
            url: version.source.item_url.as_deref(),
            categories: &version.categories,
            authors: &version.authors,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_feed_id_suggests_the_configured_one() {
        let ids = ["agency", "partner", "ap-world"];
        assert_eq!(closest("agnecy", ids.into_iter()), Some("agency"));
        assert_eq!(closest("ap-wrld", ids.into_iter()), Some("ap-world"));
        assert_eq!(closest("weather", ids.into_iter()), None);
    }
}
