//! normalize: one parsed feed to the article model of [`crate::model`].
//!
//! This module owns everything between feed-rs's view of an item and the
//! article wirefeed stores and republishes: stable ids, sanitized bodies and
//! plain-text titles, canonical URLs, dates, bylines, the lead image,
//! language, source attribution, and the `[[feed.rule]]` mapping to sections,
//! kinds, tags, regions, series, breaking and drops. It does no I/O.
//!
//! # Layout
//!
//! - `article`: the steps for one entry, in order.
//! - `id`, `canonical`, `sanitize`, `text`, `dates`, `byline`, `image`,
//!   `links`, `language`: one concern each.
//! - `rules`: the feeds.toml mapping; `slug`: slugs and labels.

mod agency;
mod article;
mod byline;
mod canonical;
mod dates;
mod id;
mod image;
mod language;
mod links;
mod rules;
mod sanitize;
mod slug;
mod text;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::config::{FeedConfig, Site};
use crate::model::Article;
use crate::parse::ParsedFeed;

pub use agency::normalize_agency;
pub use canonical::canonical_url;
pub use id::{anchored_article_id, article_id};
pub use rules::{ItemFacts, Provenance, SetBy, provenance};
pub use sanitize::{
    ALLOWED_TAGS, GENERIC_ATTRIBUTES, REMOVED_WITH_CONTENT, TAG_ATTRIBUTES, URL_SCHEMES,
    sanitize_html,
};
pub use slug::slugify;

use crate::parse::NO_SOURCE_ID;

/// What normalize needs besides the feed itself.
pub struct Context<'a> {
    pub site: &'a Site,
    /// Lower-cased alias -> canonical tag name (`[tags.aliases]`).
    pub tag_aliases: &'a BTreeMap<String, String>,
    /// The time of this cycle: the date of undated items, and the limit
    /// future dates are clamped to.
    pub now: DateTime<Utc>,
}

/// What became of one feed entry.
// Keep is the common case and moves straight on to dedup; boxing it would
// add an allocation per article to save stack space on the rare drop.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Keep(Article),
    /// A `drop = true` rule matched; kept for `preview`/logs.
    Dropped {
        item_id: String,
        title: String,
        rule_line: usize,
    },
}

/// Normalize every entry of `document`, fetched for `feed`, in feed order.
/// Entries with no title, content or link are left out (logged at debug).
pub fn normalize_feed(feed: &FeedConfig, ctx: &Context<'_>, document: &ParsedFeed) -> Vec<Outcome> {
    let parsed = &document.feed;
    let link = links::alternate(&parsed.links, &document.url);
    let channel = article::Channel {
        doc_url: &document.url,
        home_url: link.as_ref().map(url::Url::to_string),
        link,
        xml_base: document.xml_base.clone(),
        json_images: &document.item_images,
        rights: parsed
            .rights
            .as_ref()
            .map(text::text_of)
            .filter(|r| !r.is_empty()),
        language: parsed.language.as_deref(),
        authors: &parsed.authors,
    };
    warn_of_implausible_dates(feed, ctx, parsed);
    parsed
        .entries
        .iter()
        .filter_map(|entry| article::normalize_entry(feed, ctx, &channel, entry))
        .collect()
}

/// One warning per document, not one per item, for the dates no news item
/// can have: a feed with a broken clock would otherwise flood the log.
fn warn_of_implausible_dates(feed: &FeedConfig, ctx: &Context<'_>, parsed: &feed_rs::model::Feed) {
    let implausible = parsed
        .entries
        .iter()
        .filter(|entry| {
            [entry.published, entry.updated]
                .into_iter()
                .flatten()
                .any(|date| !dates::is_plausible(date, ctx.now))
        })
        .count();
    if implausible > 0 {
        tracing::warn!(
            feed = %feed.id, items = implausible,
            "items dated before 1970 or in the future; their dates are ignored and they get the time first seen"
        );
    }
}

#[cfg(test)]
pub(crate) mod tests;
