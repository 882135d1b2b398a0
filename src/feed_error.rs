//! Why one feed failed in a cycle, typed from the stage that failed to the
//! edge: the log line, the state's `last_error`, the planner's retry and the
//! summary `once` prints. One feed failing is never a cycle error.

use std::time::Duration;

use crate::fetch::FetchError;
use crate::parse::ParseError;
use crate::store::StoreError;

/// One feed that failed, and why.
#[derive(Debug, thiserror::Error)]
#[error("{feed_id}: {error}")]
pub struct FeedFailure {
    pub feed_id: String,
    pub error: FeedError,
}

/// Why a feed failed, by the stage that failed.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// An article could not be made ready for the store (its JSON): a fault
    /// of ours, not of the feed.
    #[error("cannot prepare an article for storing: {0}")]
    Normalize(StoreError),
    /// The feed's reading task died (a panic outside the contained parser).
    #[error("internal error while reading the feed: {0}")]
    Internal(String),
    /// Its articles were not stored: the state failed while writing them.
    #[error("not stored: {0}")]
    Store(String),
}

/// The stage a feed failed in, as logs and `status` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Fetch,
    Parse,
    Normalize,
    Store,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Fetch => "fetch",
            Stage::Parse => "parse",
            Stage::Normalize => "normalize",
            Stage::Store => "store",
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FeedError {
    pub fn stage(&self) -> Stage {
        match self {
            FeedError::Fetch(_) => Stage::Fetch,
            FeedError::Parse(_) => Stage::Parse,
            FeedError::Normalize(_) | FeedError::Internal(_) => Stage::Normalize,
            FeedError::Store(_) => Stage::Store,
        }
    }

    /// Whether trying again soon can succeed. A fetch says for itself (5xx,
    /// 429, timeouts, network). An empty body is what a server sends in the
    /// middle of a deploy; a malformed, hostile or non-feed document will be
    /// the same a minute later, and our own faults need a fix, not a retry.
    /// A store failure is the state's, not the feed's: worth retrying.
    pub fn is_transient(&self) -> bool {
        match self {
            FeedError::Fetch(error) => error.is_transient(),
            FeedError::Parse(error) => matches!(error, ParseError::Empty { .. }),
            FeedError::Normalize(_) | FeedError::Internal(_) => false,
            FeedError::Store(_) => true,
        }
    }

    /// How long the server asked us to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FeedError::Fetch(error) => error.retry_after(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> url::Url {
        url::Url::parse("https://partner.example/feed.xml").unwrap()
    }

    #[test]
    fn transience_follows_the_stage_and_the_cause() {
        let empty = FeedError::Parse(ParseError::Empty { url: url() });
        let malformed = FeedError::Parse(ParseError::Malformed {
            url: url(),
            reason: "unclosed tag".into(),
        });
        assert!(empty.is_transient());
        assert!(!malformed.is_transient());
        assert_eq!(malformed.stage(), Stage::Parse);
        assert!(!FeedError::Internal("boom".into()).is_transient());
        assert!(FeedError::Store("disk I/O error".into()).is_transient());
    }

    #[test]
    fn a_failure_names_its_feed_and_cause() {
        let failure = FeedFailure {
            feed_id: "partner".into(),
            error: FeedError::Parse(ParseError::Empty { url: url() }),
        };
        assert_eq!(
            failure.to_string(),
            "partner: https://partner.example/feed.xml: the document is empty"
        );
    }
}
