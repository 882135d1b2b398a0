//! Why a document could not become a feed, always naming the document.

use url::Url;

/// A document that did not parse into a feed.
///
/// Every variant carries the document's URL so a log line or a feed-status report
/// says which feed is broken without more context.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The body is empty or only whitespace.
    #[error("{url}: the document is empty")]
    Empty { url: Url },

    /// The body is readable but is not a feed, e.g. an HTML page served instead of one.
    #[error("{url}: not a feed: {reason}")]
    NotAFeed { url: Url, reason: String },

    /// The body looks like a feed but is broken (truncated XML, invalid JSON, ...).
    #[error("{url}: malformed feed: {reason}")]
    Malformed { url: Url, reason: String },

    /// The document is built to attack its reader: an external entity (XXE), an entity
    /// expansion bomb. Nothing it declares is expanded or fetched.
    #[error("{url}: refused as hostile: {reason}")]
    Hostile { url: Url, reason: String },

    /// feed-rs panicked on this document; the panic was contained and is reported here.
    #[error("{url}: the feed parser panicked: {message}")]
    Panicked { url: Url, message: String },
}

impl ParseError {
    /// The URL of the document that failed.
    pub fn url(&self) -> &Url {
        match self {
            ParseError::Empty { url }
            | ParseError::NotAFeed { url, .. }
            | ParseError::Malformed { url, .. }
            | ParseError::Hostile { url, .. }
            | ParseError::Panicked { url, .. } => url,
        }
    }
}
