//! JSON Feed 1.1 rendering, from serde structs that mirror the spec.
//!
//! Attribution goes into `authors` and the `_wirefeed` extension object
//! (JSON Feed's rule: extension keys start with an underscore), plus the
//! visible credit paragraph at the end of `content_html`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::model::{Article, Attribution, ChannelFeed, Label};

use super::channels::{ChannelInfo, Format};
use super::credit::{byline, content_with_credit, public_feed_url};

const VERSION: &str = "https://jsonfeed.org/version/1.1";

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<Hub<'a>>,
    description: &'a str,
    language: &'a str,
    items: Vec<Item<'a>>,
}

/// JSON Feed 1.1 `hubs`: where readers subscribe for real-time updates.
#[derive(Serialize)]
struct Hub<'a> {
    #[serde(rename = "type")]
    protocol: &'static str,
    url: &'a str,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    title: &'a str,
    content_html: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    date_modified: String,
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment<'a>>,
    #[serde(rename = "_wirefeed")]
    wirefeed: Extension<'a>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Attachment<'a> {
    url: &'a str,
    mime_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    size_in_bytes: Option<u64>,
}

/// The `_wirefeed` object: everything about the item JSON Feed has no field for.
#[derive(Serialize)]
struct Extension<'a> {
    source: Source<'a>,
    also_via: Vec<Source<'a>>,
    section: Option<&'a str>,
    kind: Option<&'a str>,
    regions: &'a [Label],
    series: Option<&'a Label>,
    breaking: bool,
    reading_minutes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<ImageCredit<'a>>,
}

#[derive(Serialize)]
struct Source<'a> {
    feed_id: &'a str,
    name: &'a str,
    home_url: Option<&'a str>,
    feed_url: Option<&'a str>,
    item_id: &'a str,
    item_url: Option<&'a str>,
    credit: Option<&'a str>,
    rights: Option<&'a str>,
    published: Option<String>,
}

#[derive(Serialize)]
struct ImageCredit<'a> {
    credit: Option<&'a str>,
    caption: Option<&'a str>,
}

/// Renders `feed` as a JSON Feed 1.1 document, pretty-printed, ending in a
/// newline.
pub fn render(info: &ChannelInfo, feed: &ChannelFeed) -> Result<Vec<u8>, serde_json::Error> {
    let document = JsonFeed {
        version: VERSION,
        title: &info.title,
        home_page_url: &info.home_url,
        feed_url: info.url(Format::JsonFeed),
        hubs: info
            .hub
            .iter()
            .map(|url| Hub {
                protocol: "WebSub",
                url,
            })
            .collect(),
        description: &info.description,
        language: &info.language,
        items: feed.articles.iter().map(item).collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&document)?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn item(article: &Article) -> Item<'_> {
    Item {
        id: &article.id,
        url: article.url.as_deref(),
        title: &article.title,
        content_html: content_with_credit(article),
        summary: article.summary.as_deref(),
        image: article.image.as_ref().map(|image| image.url.as_str()),
        date_published: rfc3339(article.published),
        date_modified: rfc3339(article.updated),
        authors: byline(article)
            .into_iter()
            .map(|name| Author { name })
            .collect(),
        tags: article.tags.iter().map(|tag| tag.label.as_str()).collect(),
        language: article.language.as_deref(),
        attachments: article
            .enclosures
            .iter()
            .map(|enclosure| Attachment {
                url: &enclosure.url,
                mime_type: enclosure
                    .mime_type
                    .as_deref()
                    .unwrap_or("application/octet-stream"),
                size_in_bytes: enclosure.length,
            })
            .collect(),
        wirefeed: Extension {
            source: source(&article.source),
            also_via: article.also_via.iter().map(source).collect(),
            section: article.section.as_deref(),
            kind: article.kind.as_deref(),
            regions: &article.regions,
            series: article.series.as_ref(),
            breaking: article.breaking,
            reading_minutes: article.reading_minutes,
            image: article.image.as_ref().map(|image| ImageCredit {
                credit: image.credit.as_deref(),
                caption: image.caption.as_deref(),
            }),
        },
    }
}

fn source(attribution: &Attribution) -> Source<'_> {
    Source {
        feed_id: &attribution.feed_id,
        name: &attribution.name,
        home_url: attribution.home_url.as_deref(),
        feed_url: public_feed_url(attribution),
        item_id: &attribution.item_id,
        item_url: attribution.item_url.as_deref(),
        credit: attribution.credit.as_deref(),
        rights: attribution.rights.as_deref(),
        published: attribution.published.map(rfc3339),
    }
}

fn rfc3339(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::model::Channel;
    use crate::publish::test_support::{article, config, feed};

    fn render_json(articles: Vec<Article>) -> serde_json::Value {
        render_json_with(config("out".into()), articles)
    }

    fn render_json_with(config: Config, articles: Vec<Article>) -> serde_json::Value {
        let feed = feed(Channel::Tag("protests".to_owned()), "Protests", articles);
        let info = ChannelInfo::new(&config, &feed);
        serde_json::from_slice(&render(&info, &feed).unwrap()).unwrap()
    }

    #[test]
    fn item_without_byline_is_authored_by_the_outlet() {
        let mut story = article("a");
        story.authors.clear();
        let json = render_json(vec![story]);
        assert_eq!(json["items"][0]["authors"][0]["name"], "Associated Press");
    }

    #[test]
    fn feed_lists_the_websub_hub_in_hubs() {
        let mut config = config("out".into());
        config.site.websub_hub = url::Url::parse("https://hub.example.org/").ok();
        let json = render_json_with(config, Vec::new());
        assert_eq!(
            json["hubs"],
            serde_json::json!([{"type": "WebSub", "url": "https://hub.example.org/"}])
        );
    }

    #[test]
    fn feed_without_websub_hub_has_no_hubs_key() {
        let json = render_json(Vec::new());
        assert!(json.get("hubs").is_none(), "{json}");
    }

    #[test]
    fn dates_are_rfc3339_in_utc() {
        let json = render_json(vec![article("a")]);
        assert_eq!(json["items"][0]["date_published"], "2026-11-25T10:00:00Z");
        assert_eq!(json["items"][0]["date_modified"], "2026-11-25T11:00:00Z");
    }

    #[test]
    fn feed_names_its_own_url_and_channel_title() {
        let json = render_json(Vec::new());
        assert_eq!(
            json["feed_url"],
            "https://feeds.example.org/tags/protests.json"
        );
        assert_eq!(json["title"], "Example News — Protests");
        assert_eq!(json["items"].as_array().map(Vec::len), Some(0));
    }
}
