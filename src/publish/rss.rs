//! RSS 2.0 rendering, with the `rss` crate.
//!
//! Attribution goes into `<source url>`, `dc:creator` and the visible credit
//! paragraph; the lead image into Media RSS (`media:content`,
//! `media:thumbnail`); the item language into `dc:language`.

use std::collections::BTreeMap;

use rss::extension::dublincore::DublinCoreExtension;
use rss::extension::{Extension, ExtensionMap};
use rss::{Category, Channel, Enclosure, Guid, Item, Source};

use crate::config::Config;
use crate::model::{Article, ChannelFeed, Image};

use super::channels::{ChannelInfo, Format, article_terms};
use super::credit::{byline, content_with_credit, public_source_url, summary_html_with_credit};

const ATOM_NAMESPACE: &str = "http://www.w3.org/2005/Atom";
const MEDIA_NAMESPACE: &str = "http://search.yahoo.com/mrss/";
const DC_NAMESPACE: &str = "http://purl.org/dc/elements/1.1/";
const CONTENT_NAMESPACE: &str = "http://purl.org/rss/1.0/modules/content/";

/// Renders `feed` as an RSS 2.0 document ending in a newline.
pub fn render(
    config: &Config,
    info: &ChannelInfo,
    feed: &ChannelFeed,
) -> Result<Vec<u8>, rss::Error> {
    let channel = Channel {
        title: info.title.clone(),
        link: info.home_url.clone(),
        description: info.description.clone(),
        language: Some(info.language.clone()),
        last_build_date: Some(info.updated.to_rfc2822()),
        items: feed
            .articles
            .iter()
            .map(|article| item(config, article))
            .collect(),
        extensions: self_link(info),
        // Declared on the root even when unused, so every file of every
        // channel has the same prefixes.
        namespaces: [
            ("atom", ATOM_NAMESPACE),
            ("content", CONTENT_NAMESPACE),
            ("dc", DC_NAMESPACE),
            ("media", MEDIA_NAMESPACE),
        ]
        .into_iter()
        .map(|(prefix, uri)| (prefix.to_owned(), uri.to_owned()))
        .collect(),
        ..Channel::default()
    };
    let mut bytes = channel.pretty_write_to(Vec::new(), b' ', 2)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// `<atom:link rel="self">`, which feed validators expect on RSS, and
/// `<atom:link rel="hub">` when a WebSub hub is configured (WebSub §4 wants
/// both: the hub to subscribe at and the topic URL to subscribe to).
fn self_link(info: &ChannelInfo) -> ExtensionMap {
    let atom_link = |attrs: Vec<(&str, String)>| Extension {
        name: "atom:link".to_owned(),
        attrs: attrs
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect(),
        ..Extension::default()
    };
    let mut links = vec![atom_link(vec![
        ("href", info.url(Format::Rss)),
        ("rel", "self".to_owned()),
        ("type", Format::Rss.mime_type().to_owned()),
    ])];
    if let Some(hub) = &info.hub {
        links.push(atom_link(vec![
            ("href", hub.clone()),
            ("rel", "hub".to_owned()),
        ]));
    }
    extension_map("atom", "link", links)
}

fn item(config: &Config, article: &Article) -> Item {
    let source = &article.source;
    Item {
        title: Some(article.title.clone()),
        link: article.url.clone(),
        description: Some(summary_html_with_credit(article)),
        content: Some(content_with_credit(article)),
        guid: Some(Guid {
            value: article.id.clone(),
            permalink: false,
        }),
        pub_date: Some(article.published.to_rfc2822()),
        categories: article_terms(config, article)
            .into_iter()
            .map(|term| Category {
                domain: Some(term.rss_url(config)),
                name: term.label,
            })
            .collect(),
        source: public_source_url(source).map(|url| Source {
            url: url.to_owned(),
            title: Some(source.name.clone()),
        }),
        enclosure: article.enclosures.first().map(|enclosure| Enclosure {
            url: enclosure.url.clone(),
            // RSS requires both attributes; 0 is the customary "unknown".
            length: enclosure.length.unwrap_or(0).to_string(),
            mime_type: enclosure
                .mime_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".to_owned()),
        }),
        dublin_core_ext: Some(DublinCoreExtension {
            // feedparser and most readers take the author from dc:creator.
            creators: byline(article).into_iter().map(str::to_owned).collect(),
            languages: article.language.iter().cloned().collect(),
            rights: source.rights.iter().cloned().collect(),
            ..DublinCoreExtension::default()
        }),
        extensions: article.image.as_ref().map(media).unwrap_or_default(),
        ..Item::default()
    }
}

/// `media:content` (with credit and caption) and `media:thumbnail`.
fn media(image: &Image) -> ExtensionMap {
    let mut content_attrs = BTreeMap::from([
        ("url".to_owned(), image.url.clone()),
        ("medium".to_owned(), "image".to_owned()),
    ]);
    if let Some(mime_type) = &image.mime_type {
        content_attrs.insert("type".to_owned(), mime_type.clone());
    }
    if let Some(width) = image.width {
        content_attrs.insert("width".to_owned(), width.to_string());
    }
    if let Some(height) = image.height {
        content_attrs.insert("height".to_owned(), height.to_string());
    }
    let mut children = BTreeMap::new();
    if let Some(credit) = &image.credit {
        children.insert(
            "media:credit".to_owned(),
            vec![text_extension("media:credit", credit)],
        );
    }
    if let Some(caption) = &image.caption {
        children.insert(
            "media:description".to_owned(),
            vec![text_extension("media:description", caption)],
        );
    }
    let content = Extension {
        name: "media:content".to_owned(),
        attrs: content_attrs,
        children,
        ..Extension::default()
    };
    let thumbnail = Extension {
        name: "media:thumbnail".to_owned(),
        attrs: BTreeMap::from([("url".to_owned(), image.url.clone())]),
        ..Extension::default()
    };
    let mut map = extension_map("media", "content", vec![content]);
    map.entry("media".to_owned())
        .or_default()
        .insert("thumbnail".to_owned(), vec![thumbnail]);
    map
}

fn text_extension(name: &str, value: &str) -> Extension {
    Extension {
        name: name.to_owned(),
        value: Some(value.to_owned()),
        ..Extension::default()
    }
}

fn extension_map(prefix: &str, name: &str, extensions: Vec<Extension>) -> ExtensionMap {
    BTreeMap::from([(
        prefix.to_owned(),
        BTreeMap::from([(name.to_owned(), extensions)]),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Channel as Published, Enclosure as Media};
    use crate::publish::test_support::{article, config, feed};

    fn render_one(story: Article) -> String {
        render_with(config("out".into()), story)
    }

    fn render_with(config: Config, story: Article) -> String {
        let feed = feed(Published::All, "", vec![story]);
        let info = ChannelInfo::new(&config, &feed);
        String::from_utf8(render(&config, &info, &feed).unwrap()).unwrap()
    }

    #[test]
    fn image_becomes_media_content_with_credit_and_caption() {
        let mut story = article("a");
        story.image = Some(Image {
            url: "https://img.example/a.jpg".to_owned(),
            caption: Some("Crowds & flags".to_owned()),
            credit: Some("(AP)".to_owned()),
            mime_type: Some("image/jpeg".to_owned()),
            width: Some(800),
            height: None,
        });
        let xml = render_one(story);
        let parsed = Channel::read_from(xml.as_bytes()).unwrap();
        let media = &parsed.items[0].extensions["media"];
        let content = &media["content"][0];
        assert_eq!(content.attrs["url"], "https://img.example/a.jpg");
        assert_eq!(content.attrs["width"], "800");
        assert_eq!(content.children["credit"][0].value(), Some("(AP)"));
        assert_eq!(
            content.children["description"][0].value(),
            Some("Crowds & flags")
        );
        assert_eq!(
            media["thumbnail"][0].attrs["url"],
            "https://img.example/a.jpg"
        );
        assert!(xml.contains(r#"xmlns:media="http://search.yahoo.com/mrss/""#));
    }

    #[test]
    fn only_the_first_enclosure_is_written_with_required_attributes() {
        let mut story = article("a");
        story.enclosures = vec![
            Media {
                url: "https://v.example/1.mp4".to_owned(),
                mime_type: None,
                length: None,
            },
            Media {
                url: "https://v.example/2.mp4".to_owned(),
                mime_type: Some("video/mp4".to_owned()),
                length: Some(5),
            },
        ];
        let parsed = Channel::read_from(render_one(story).as_bytes()).unwrap();
        let enclosure = parsed.items[0].enclosure.as_ref().unwrap();
        assert_eq!(enclosure.url, "https://v.example/1.mp4");
        assert_eq!(enclosure.length, "0");
        assert_eq!(enclosure.mime_type, "application/octet-stream");
    }

    #[test]
    fn item_without_byline_names_the_outlet_as_dc_creator() {
        let mut story = article("a");
        story.authors.clear();
        let parsed = Channel::read_from(render_one(story).as_bytes()).unwrap();
        let dublin_core = parsed.items[0].dublin_core_ext.as_ref().unwrap();
        assert_eq!(dublin_core.creators, ["Associated Press"]);
    }

    #[test]
    fn channel_links_to_itself_with_atom_self_link() {
        let xml = render_one(article("a"));
        assert!(xml.contains(
            r#"<atom:link href="https://feeds.example.org/all.rss" rel="self" type="application/rss+xml"#
        ));
    }

    #[test]
    fn channel_names_the_websub_hub_next_to_its_self_link() {
        let mut config = config("out".into());
        config.site.websub_hub = url::Url::parse("https://hub.example.org/").ok();
        let xml = render_with(config, article("a"));
        let parsed = Channel::read_from(xml.as_bytes()).unwrap();
        let links: Vec<(&str, &str)> = parsed.extensions["atom"]["link"]
            .iter()
            .map(|link| (link.attrs["rel"].as_str(), link.attrs["href"].as_str()))
            .collect();
        assert_eq!(
            links,
            [
                ("self", "https://feeds.example.org/all.rss"),
                ("hub", "https://hub.example.org/"),
            ]
        );
    }

    #[test]
    fn channel_without_websub_hub_has_no_hub_link() {
        let xml = render_one(article("a"));
        assert!(!xml.contains(r#"rel="hub""#), "{xml}");
    }

    #[test]
    fn categories_point_at_their_own_channels() {
        let parsed = Channel::read_from(render_one(article("a")).as_bytes()).unwrap();
        let categories: Vec<(&str, Option<&str>)> = parsed.items[0]
            .categories
            .iter()
            .map(|category| (category.name.as_str(), category.domain.as_deref()))
            .collect();
        assert_eq!(
            categories,
            vec![
                (
                    "Politics",
                    Some("https://feeds.example.org/sections/politics.rss")
                ),
                (
                    "Protests",
                    Some("https://feeds.example.org/tags/protests.rss")
                ),
                ("MENA", Some("https://feeds.example.org/regions/mena.rss")),
            ]
        );
    }
}
