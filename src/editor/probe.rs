//! Checking a URL before it goes into feeds.toml: fetch it once with the
//! pipeline's own [`Fetcher`] and [`parse`] (so size caps and timeouts
//! apply), and when it is an HTML page, follow its first feed link.

use url::Url;

use super::EditorError;
use super::discover::{FeedLink, feed_links};
use crate::config::{Defaults, FeedConfig, SourceLocation};
use crate::fetch::{Document, Fetched, Fetcher, Validators};
use crate::parse::{ParseError, parse};

/// What fetching a URL found.
#[derive(Debug, Clone)]
pub struct Probed {
    /// The feed: the URL given, or the first feed the page at that URL links.
    pub feed_url: Url,
    /// The feed's own title, when it has a non-empty one.
    pub title: Option<String>,
    /// How many entries the feed holds now.
    pub entries: usize,
    /// The other feeds the page linked, when the URL given was a page.
    pub other_links: Vec<FeedLink>,
}

/// Fetches and parses candidate feeds within `[defaults]`' limits.
#[derive(Debug, Clone)]
pub struct Prober {
    fetcher: Fetcher,
    defaults: Defaults,
}

impl Prober {
    /// A prober with the concurrency, timeout and size limits of `defaults`.
    pub fn new(defaults: &Defaults) -> Result<Prober, EditorError> {
        let fetcher = Fetcher::new(defaults).map_err(EditorError::Fetch)?;
        Ok(Prober {
            fetcher,
            defaults: defaults.clone(),
        })
    }

    /// Fetches `url`; a feed is parsed, a page is searched for feed links and
    /// the first one is fetched and parsed instead.
    pub async fn probe(&self, url: &Url) -> Result<Probed, EditorError> {
        let document = self.fetch(url).await?;
        let reason = match parse(&document) {
            Ok(parsed) => return Ok(probed(url.clone(), &parsed.feed, Vec::new())),
            Err(ParseError::NotAFeed { reason, .. }) => reason,
            Err(error) => return Err(EditorError::Parse(error)),
        };
        // Link tags are ASCII in practice; a page's odd charset only blurs titles.
        let page = String::from_utf8_lossy(&document.body);
        let mut links = feed_links(&page, &document.url).into_iter();
        let Some(first) = links.next() else {
            return Err(EditorError::NoFeedLinked {
                url: url.to_string(),
                reason,
            });
        };
        tracing::debug!(page = %url, feed = %first.url, "following the page's first feed link");
        let feed_document = self.fetch(&first.url).await?;
        let feed = parse(&feed_document).map_err(EditorError::Parse)?;
        Ok(probed(first.url, &feed.feed, links.collect()))
    }

    async fn fetch(&self, url: &Url) -> Result<Document, EditorError> {
        let feed = self.feed_config(url);
        let fetched = self
            .fetcher
            .fetch(&feed, &Validators::default())
            .await
            .map_err(EditorError::Fetch)?;
        match fetched {
            Fetched::Documents { documents, .. } => documents.into_iter().next(),
            Fetched::NotModified { .. } => None,
        }
        .ok_or_else(|| EditorError::NothingFetched {
            url: url.to_string(),
        })
    }

    /// The settings a new `[[feed]]` would get from `[defaults]`.
    fn feed_config(&self, url: &Url) -> FeedConfig {
        let location = SourceLocation::Http(url.clone());
        let mut feed =
            FeedConfig::with_defaults("new-feed", url.as_str(), location, &self.defaults);
        feed.name = url.to_string();
        feed
    }
}

fn probed(feed_url: Url, feed: &feed_rs::model::Feed, other_links: Vec<FeedLink>) -> Probed {
    let title = feed
        .title
        .as_ref()
        .map(|t| t.content.trim().to_string())
        .filter(|t| !t.is_empty());
    Probed {
        feed_url,
        title,
        entries: feed.entries.len(),
        other_links,
    }
}
