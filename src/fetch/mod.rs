//! Fetching feeds: the only module that touches the network and `file://` sources.
//!
//! A [`Fetcher`] turns one [`FeedConfig`] into [`Document`]s, or says the feed
//! has not changed since the [`Validators`] of the last fetch. Everything it
//! does is bounded: time per fetch (the feed's `timeout`, body included),
//! body size (`max_body`, counted after decompression), redirects
//! ([`MAX_REDIRECTS`]), and fetches in flight (`concurrency` overall,
//! `per_host` per host).
//!
//! # Layout
//!
//! - `http`: one conditional GET, its status classified, the body read under the cap.
//! - `redirects`: redirects followed hop by hop, each checked; credentials kept to the feed's origin.
//! - `policy`: which addresses may be reached (public only, unless `allow_private`).
//! - `redact`: URLs as they may be shown, without user name or password.
//! - `file`: a file or a spool folder, with a metadata fingerprint as its validator,
//!   read only inside its `file_roots` folder.
//! - `limits`: the global and per-host semaphores.
//! - `error`: [`FetchError`], which says what failed, where, and whether to retry.

mod document;
mod error;
mod file;
mod http;
mod limits;
mod policy;
mod redact;
mod redirects;
mod spool;

pub use document::{Document, Validators};
pub use error::FetchError;
pub(crate) use error::root_cause;
pub use policy::{AddressRange, Refused, refused_range};
pub use redact::{redacted, redacted_text};
pub use spool::SpoolFiles;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::{Defaults, FeedConfig, SPOOL_SETTLE, SourceLocation, SpoolMode};
use limits::Limits;

/// The User-Agent every request carries, so publishers can see who fetches and where to ask.
pub const USER_AGENT: &str = concat!(
    "wirefeed/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/wirefeed/wirefeed)"
);

/// Redirects followed before giving up; a feed behind more has moved and should be updated.
pub const MAX_REDIRECTS: usize = 5;

/// What a successful fetch found.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// 304, or a file source whose files did not change. Costs no parsing.
    NotModified {
        /// The HTTP status (304); `None` for file sources.
        status: Option<u16>,
        /// How long the server says the feed stays fresh (Cache-Control max-age or Expires).
        fresh_for: Option<Duration>,
    },
    /// New content: one document for HTTP or a file, one per file for a folder.
    Documents {
        /// The HTTP status (2xx); `None` for file sources.
        status: Option<u16>,
        /// To keep for the next fetch's conditional GET (or file fingerprint).
        validators: Validators,
        documents: Vec<Document>,
        /// How long the server says the feed stays fresh (Cache-Control max-age or Expires).
        fresh_for: Option<Duration>,
    },
}

/// Fetches feeds over two shared HTTP clients, within the configured limits.
///
/// Cheap to clone; clones share the clients' connection pools and the limits.
#[derive(Debug, Clone)]
pub struct Fetcher {
    /// For feeds without `allow_private`: reaches public addresses only.
    public: reqwest::Client,
    /// For feeds with `allow_private = true`: reaches any address.
    any: reqwest::Client,
    limits: Arc<Limits>,
}

impl Fetcher {
    /// A fetcher with the global and per-host concurrency limits of `defaults`.
    pub fn new(defaults: &Defaults) -> Result<Fetcher, FetchError> {
        Ok(Fetcher {
            public: http::client(false)?,
            any: http::client(true)?,
            limits: Arc::new(Limits::new(defaults.concurrency, defaults.per_host)),
        })
    }

    /// The client for WebSub pings to `hub`, under the same address policy
    /// as the feeds (`[defaults] allow_private` lets it reach a hub on the
    /// internal network); no redirects are followed. Refused when `hub`
    /// names a non-public address the policy forbids.
    pub fn hub_client(
        &self,
        hub: &url::Url,
        allow_private: bool,
    ) -> Result<reqwest::Client, Refused> {
        if allow_private {
            return Ok(self.any.clone());
        }
        policy::check_literal(hub)?;
        Ok(self.public.clone())
    }

    /// Fetches `feed`, conditionally on `previous` (empty validators fetch unconditionally).
    ///
    /// Waits for a free slot first; the feed's timeout starts once it has one.
    /// Logs the outcome of a success at debug level; failures are for the caller to log.
    pub async fn fetch(
        &self,
        feed: &FeedConfig,
        previous: &Validators,
    ) -> Result<Fetched, FetchError> {
        let host = match &feed.location {
            SourceLocation::Http(url) => url.host_str(),
            SourceLocation::File(_) => None,
        };
        let _slot = self.limits.acquire(host).await;

        let started = Instant::now();
        let shown = redacted_text(&feed.url);
        let work = async {
            match &feed.location {
                SourceLocation::Http(url) => {
                    let client = if feed.allow_private {
                        &self.any
                    } else {
                        &self.public
                    };
                    http::fetch(client, url, feed, &shown, previous).await
                }
                SourceLocation::File(path) => {
                    let root = feed.file_root.as_deref();
                    // Drop folders are read only once a file stops changing.
                    let settle = (feed.spool != SpoolMode::Keep).then_some(SPOOL_SETTLE);
                    file::fetch(path, root, feed.max_body, previous, settle).await
                }
            }
        };
        let fetched = tokio::time::timeout(feed.timeout, work)
            .await
            .map_err(|_elapsed| FetchError::Timeout {
                url: shown.clone(),
                after: feed.timeout,
            })??;

        let elapsed_ms = started.elapsed().as_millis();
        match &fetched {
            Fetched::NotModified { status, .. } => {
                tracing::debug!(feed = %feed.id, status, elapsed_ms, "feed not modified");
            }
            Fetched::Documents {
                status, documents, ..
            } => {
                let bytes: usize = documents.iter().map(|document| document.body.len()).sum();
                tracing::debug!(
                    feed = %feed.id,
                    status,
                    documents = documents.len(),
                    bytes,
                    elapsed_ms,
                    "feed fetched"
                );
            }
        }
        Ok(fetched)
    }
}
