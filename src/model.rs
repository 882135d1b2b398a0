//! The article model every stage agrees on (DESIGN.md, "The article model").
//!
//! `normalize` builds an [`Article`] from one parsed feed item, `dedup` decides
//! whether it is new, an update or a duplicate, `store` keeps it and `publish`
//! renders it. Nothing here does I/O; the types are plain owned data so each
//! stage can be tested alone.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One story as wirefeed republishes it. It always says where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Stable id, the same across runs and restarts: derived from the source
    /// feed id and the item's own id (or link, or title), never random.
    pub id: String,
    /// Canonical link to the original article, tracking parameters removed.
    pub url: Option<String>,
    /// Plain text.
    pub title: String,
    /// Plain text standfirst.
    pub summary: Option<String>,
    /// Sanitized HTML body with absolute URLs.
    pub content_html: Option<String>,
    /// Byline people or desks, as written ("Al Mayadeen English").
    pub authors: Vec<String>,
    /// Where this article came from.
    pub source: Attribution,
    /// Attributions of duplicates folded into this article.
    #[serde(default)]
    pub also_via: Vec<Attribution>,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// Section slug, one of the `[[section]]`s of feeds.toml.
    pub section: Option<String>,
    /// Article kind slug: news, opinion, analysis, blog, feature, video, ...
    pub kind: Option<String>,
    pub tags: Vec<Label>,
    pub regions: Vec<Label>,
    pub series: Option<Label>,
    /// BCP 47 language code ("en", "ar", "es").
    pub language: Option<String>,
    pub image: Option<Image>,
    pub enclosures: Vec<Enclosure>,
    /// From the body's word count; at least 1 when there is a body.
    pub reading_minutes: Option<u32>,
    pub breaking: bool,
    /// The item's own category names, as the source sent them; kept so an
    /// editor can see why a rule matched.
    #[serde(default)]
    pub categories: Vec<String>,
    /// What the agency said about publishing it (ninjs, NewsML-G2); the
    /// default, left out of the stored JSON, for every other item.
    #[serde(default, skip_serializing_if = "Editorial::is_default")]
    pub editorial: Editorial,
}

/// The editorial signals an agency sends with an item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Editorial {
    /// `pubstatus` (ninjs) / `pubStatus` (NewsML-G2).
    #[serde(default, skip_serializing_if = "PubStatus::is_usable")]
    pub status: PubStatus,
    /// Not to be published before this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embargoed: Option<DateTime<Utc>>,
    /// 1 (a flash) to 9 (lowest); agencies mark breaking news 1 to 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<u8>,
    /// Where the story was filed from (`located`, the dateline place).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub located: Option<String>,
}

impl Editorial {
    pub fn is_default(&self) -> bool {
        *self == Editorial::default()
    }
}

/// Whether an item may be published.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PubStatus {
    /// Publish it (also when the item says nothing).
    #[default]
    Usable,
    /// Take it down until a usable version arrives.
    Withheld,
    /// Killed: take it down for good; older versions must not bring it back.
    Canceled,
}

impl PubStatus {
    pub fn is_usable(&self) -> bool {
        *self == PubStatus::Usable
    }

    /// Reads `usable`, `withheld`, `canceled` (also `cancelled`) in any case,
    /// with or without the G2 scheme prefix (`stat:withheld`). Anything else
    /// is usable: an unknown word must not take a story down.
    pub fn from_word(word: &str) -> PubStatus {
        let word = word.trim();
        let word = word.rsplit_once(':').map_or(word, |(_, tail)| tail);
        if word.eq_ignore_ascii_case("withheld") {
            PubStatus::Withheld
        } else if word.eq_ignore_ascii_case("canceled") || word.eq_ignore_ascii_case("cancelled") {
            PubStatus::Canceled
        } else {
            PubStatus::Usable
        }
    }
}

/// Source attribution: who published the item wirefeed took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    /// The `[[feed]] id` of feeds.toml.
    pub feed_id: String,
    /// The outlet's name ("Associated Press").
    pub name: String,
    /// The outlet's home page, from the feed's channel link or feeds.toml.
    pub home_url: Option<String>,
    /// The URL the feed was fetched from.
    pub feed_url: String,
    /// The item's id in the source feed (guid, atom:id, JSON Feed id), or the
    /// id wirefeed derived when the source had none.
    pub item_id: String,
    /// The item's link as the source gave it (before canonicalization).
    pub item_url: Option<String>,
    /// Credit line, "Source: AP".
    pub credit: Option<String>,
    /// Rights / copyright statement.
    pub rights: Option<String>,
    /// When the source published the item.
    pub published: Option<DateTime<Utc>>,
}

/// A tag, region or series: a file-name-safe slug and the label people read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Label {
    /// Lower-case ASCII letters, digits and '-'.
    pub slug: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    pub url: String,
    pub caption: Option<String>,
    /// "(AP)", "Reuters/John Doe".
    pub credit: Option<String>,
    /// MIME type where known.
    pub mime_type: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// Video or audio media attached to an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enclosure {
    pub url: String,
    pub mime_type: Option<String>,
    pub length: Option<u64>,
}

/// One published feed: everything, breaking news, or one section, tag,
/// region or language. Its path under `output/` never changes, so a reader's
/// subscription keeps working.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    All,
    Breaking,
    Section(String),
    Tag(String),
    Region(String),
    Language(String),
}

impl Channel {
    /// Path under `output/` without extension: `all`, `sections/politics`.
    pub fn path_stem(&self) -> String {
        match self {
            Channel::All => "all".to_owned(),
            Channel::Breaking => "breaking".to_owned(),
            Channel::Section(slug) => format!("sections/{slug}"),
            Channel::Tag(slug) => format!("tags/{slug}"),
            Channel::Region(slug) => format!("regions/{slug}"),
            Channel::Language(code) => format!("languages/{code}"),
        }
    }
}

/// What `publish` renders for one channel: its articles, newest first, at
/// most `max_items`.
#[derive(Debug, Clone)]
pub struct ChannelFeed {
    pub channel: Channel,
    /// The human name: "Politics", "Palestine", "العربية"; "" for All.
    pub label: String,
    pub articles: Vec<Article>,
}
