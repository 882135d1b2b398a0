//! What a published channel is called and where it lives: titles, paths,
//! URLs and the group it is listed under in index.html and feeds.opml.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::model::{Article, Channel, ChannelFeed, Label};

use super::html_index::{Headline, headlines};

/// Stands in for "updated" when a feed has no articles: a fixed instant, not
/// the current time, so an empty feed's bytes do not change between cycles.
pub const EMPTY_FEED_UPDATED: DateTime<Utc> = DateTime::UNIX_EPOCH;

/// The file formats written per channel, with their extension and MIME type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
    JsonFeed,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Rss, Format::Atom, Format::JsonFeed];

    pub fn extension(self) -> &'static str {
        match self {
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::JsonFeed => "json",
        }
    }

    pub fn mime_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml",
            Format::Atom => "application/atom+xml",
            Format::JsonFeed => "application/feed+json",
        }
    }

    /// The name people read: "RSS", "Atom", "JSON Feed".
    pub fn name(self) -> &'static str {
        match self {
            Format::Rss => "RSS",
            Format::Atom => "Atom",
            Format::JsonFeed => "JSON Feed",
        }
    }
}

/// The headings channels are listed under, in the order they are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Group {
    All,
    Breaking,
    Sections,
    Tags,
    Regions,
    Languages,
}

impl Group {
    pub fn of(channel: &Channel) -> Group {
        match channel {
            Channel::All => Group::All,
            Channel::Breaking => Group::Breaking,
            Channel::Section(_) => Group::Sections,
            Channel::Tag(_) => Group::Tags,
            Channel::Region(_) => Group::Regions,
            Channel::Language(_) => Group::Languages,
        }
    }

    pub fn heading(self) -> &'static str {
        match self {
            Group::All => "All",
            Group::Breaking => "Breaking",
            Group::Sections => "Sections",
            Group::Tags => "Tags",
            Group::Regions => "Regions",
            Group::Languages => "Languages",
        }
    }
}

/// Everything the writers need to know about one channel besides its
/// articles. Serialized into the state as the channel's listing entry, so a
/// later process lists a channel it did not render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelInfo {
    /// "Example News — Politics".
    pub title: String,
    /// The short name in listings: "All", "Breaking", "Politics".
    pub short_name: String,
    /// `sections/politics`.
    pub stem: String,
    pub group: Group,
    /// The site's home, `base_url`.
    pub home_url: String,
    pub description: String,
    /// The feed's language: the channel's own for a language channel,
    /// otherwise the site's.
    pub language: String,
    /// Newest article's `updated`, or [`EMPTY_FEED_UPDATED`].
    pub updated: DateTime<Utc>,
    /// How many articles the channel holds.
    pub item_count: usize,
    /// The WebSub hub readers may subscribe at (`[site] websub_hub`).
    pub hub: Option<String>,
    /// The newest few stories, for the front page. Required when read back
    /// from the state: a listing saved by a build without them does not
    /// parse, so its channel is rendered again rather than listed bare.
    pub headlines: Vec<Headline>,
}

impl ChannelInfo {
    pub fn new(config: &Config, feed: &ChannelFeed) -> Self {
        let site = &config.site;
        let short_name = short_name(config, feed);
        let title = match feed.channel {
            Channel::All => site.title.clone(),
            _ => format!("{} — {short_name}", site.title),
        };
        let description = match (&feed.channel, &site.description) {
            (Channel::All, Some(description)) => description.clone(),
            (Channel::All, None) => format!("Everything {} publishes", site.title),
            (_, _) => format!("{short_name} from {}", site.title),
        };
        let language = match &feed.channel {
            Channel::Language(code) => code.clone(),
            _ => site.language.clone(),
        };
        let updated = feed
            .articles
            .iter()
            .map(|article| article.updated)
            .max()
            .unwrap_or(EMPTY_FEED_UPDATED);
        let group = Group::of(&feed.channel);
        Self {
            title,
            short_name,
            stem: feed.channel.path_stem(),
            group,
            home_url: site.base_url.to_string(),
            description,
            language,
            updated,
            item_count: feed.articles.len(),
            hub: site.websub_hub.as_ref().map(|hub| hub.to_string()),
            headlines: headlines(group, &feed.articles),
        }
    }

    /// `sections/politics.rss`, relative to the output folder.
    pub fn relative_path(&self, format: Format) -> String {
        format!("{}.{}", self.stem, format.extension())
    }

    /// The public URL of this channel in `format`.
    pub fn url(&self, format: Format) -> String {
        format!("{}{}", self.home_url, self.relative_path(format))
    }
}

/// "All" and "Breaking" for those channels; otherwise the channel's label,
/// falling back to the section title from feeds.toml
/// or the slug when the caller left it empty.
fn short_name(config: &Config, feed: &ChannelFeed) -> String {
    match &feed.channel {
        Channel::All => "All".to_owned(),
        Channel::Breaking => "Breaking".to_owned(),
        _ if !feed.label.trim().is_empty() => feed.label.clone(),
        Channel::Section(slug) => section_title(config, slug).to_owned(),
        Channel::Tag(slug) | Channel::Region(slug) | Channel::Language(slug) => slug.clone(),
    }
}

/// The `[[section]]` title for `slug`, or the slug when it is not declared.
pub fn section_title<'a>(config: &'a Config, slug: &'a str) -> &'a str {
    config
        .sections
        .iter()
        .find(|section| section.slug == slug)
        .map_or(slug, |section| section.title.as_str())
}

/// A section, tag or region an article is filed under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The output folder of its channels: "sections", "tags", "regions".
    pub folder: &'static str,
    pub slug: String,
    /// What people read: the section title, tag or region label.
    pub label: String,
}

impl Term {
    /// The URL of the term's own RSS channel, used as the category domain.
    pub fn rss_url(&self, config: &Config) -> String {
        format!("{}{}/{}.rss", config.site.base_url, self.folder, self.slug)
    }

    /// `<base_url>sections/`: the scheme of Atom categories of this kind.
    pub fn scheme(&self, config: &Config) -> String {
        format!("{}{}/", config.site.base_url, self.folder)
    }
}

/// The article's section, then its tags, then its regions.
pub fn article_terms(config: &Config, article: &Article) -> Vec<Term> {
    let section = article.section.iter().map(|slug| Term {
        folder: "sections",
        slug: slug.clone(),
        label: section_title(config, slug).to_owned(),
    });
    let labelled = |folder: &'static str, labels: &[Label]| -> Vec<Term> {
        labels
            .iter()
            .map(|label| Term {
                folder,
                slug: label.slug.clone(),
                label: label.label.clone(),
            })
            .collect()
    };
    section
        .chain(labelled("tags", &article.tags))
        .chain(labelled("regions", &article.regions))
        .collect()
}
