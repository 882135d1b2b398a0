//! Atom 1.0 (RFC 4287) rendering, with `atom_syndication`.
//!
//! Every entry has an author (the byline, else the source outlet, as §4.1.2
//! requires) and a `<source>` (§4.2.11) naming the outlet's feed. Entries
//! carry no `xml:lang` attribute in this crate, so the article's language is
//! set on its title, summary and content instead.

use atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Link, Person, Source, Text, WriteConfig,
};

use crate::config::Config;
use crate::model::{Article, Attribution, ChannelFeed};

use super::channels::{ChannelInfo, Format, article_terms};
use super::credit::{byline, content_with_credit, public_feed_url, summary_text_with_credit};

/// Renders `feed` as an Atom 1.0 document ending in a newline.
pub fn render(
    config: &Config,
    info: &ChannelInfo,
    feed: &ChannelFeed,
) -> Result<Vec<u8>, atom_syndication::Error> {
    let self_url = info.url(Format::Atom);
    let mut links = vec![
        link(&self_url, "self", Some(Format::Atom.mime_type())),
        link(&info.home_url, "alternate", Some("text/html")),
    ];
    if let Some(hub) = &info.hub {
        links.push(link(hub, "hub", None));
    }
    let document = Feed {
        // The self URL never changes (DESIGN.md: stable URLs), so it is a
        // stable feed id too.
        id: self_url.clone(),
        title: Text::plain(info.title.clone()),
        subtitle: Some(Text::plain(info.description.clone())),
        updated: info.updated.fixed_offset(),
        lang: Some(info.language.clone()),
        links,
        entries: feed
            .articles
            .iter()
            .map(|article| entry(config, article))
            .collect(),
        ..Feed::default()
    };
    let write_config = WriteConfig {
        write_document_declaration: true,
        indent_size: Some(2),
    };
    let mut bytes = document.write_with_config(Vec::new(), write_config)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// `urn:wirefeed:<article id>`, percent-encoding anything a URN may not hold.
pub fn entry_id(article_id: &str) -> String {
    let mut id = String::from("urn:wirefeed:");
    for byte in article_id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~:".contains(&byte) {
            id.push(char::from(byte));
        } else {
            id.push_str(&format!("%{byte:02X}"));
        }
    }
    id
}

fn entry(config: &Config, article: &Article) -> Entry {
    let language = article.language.clone();
    let with_language = |mut text: Text| {
        text.lang = language.clone();
        text
    };
    Entry {
        id: entry_id(&article.id),
        title: with_language(Text::plain(article.title.clone())),
        updated: article.updated.fixed_offset(),
        published: Some(article.published.fixed_offset()),
        authors: authors(article),
        summary: Some(with_language(Text::plain(summary_text_with_credit(
            article,
        )))),
        content: Some(Content {
            value: Some(content_with_credit(article)),
            content_type: Some("html".to_owned()),
            lang: language.clone(),
            ..Content::default()
        }),
        links: article
            .url
            .iter()
            .map(|url| link(url, "alternate", Some("text/html")))
            .chain(article.enclosures.iter().map(|enclosure| Link {
                href: enclosure.url.clone(),
                rel: "enclosure".to_owned(),
                mime_type: enclosure.mime_type.clone(),
                length: enclosure.length.map(|length| length.to_string()),
                ..Link::default()
            }))
            .collect(),
        categories: article_terms(config, article)
            .into_iter()
            .map(|term| Category {
                scheme: Some(term.scheme(config)),
                label: Some(term.label),
                term: term.slug,
            })
            .collect(),
        rights: article.source.rights.clone().map(Text::plain),
        source: Some(source(&article.source, article.updated.fixed_offset())),
        ..Entry::default()
    }
}

fn authors(article: &Article) -> Vec<Person> {
    byline(article)
        .into_iter()
        .map(|name| Person {
            name: name.to_owned(),
            ..Person::default()
        })
        .collect()
}

/// §4.2.11: the feed the entry was taken from. Its id is the feed URL, or
/// for a local spool (whose path means nothing to readers) a URN of the feed id.
fn source(attribution: &Attribution, entry_updated: FixedDateTime) -> Source {
    let feed_url = public_feed_url(attribution);
    let mut links: Vec<Link> = feed_url
        .map(|url| link(url, "self", None))
        .into_iter()
        .collect();
    if let Some(home) = &attribution.home_url {
        links.push(link(home, "alternate", Some("text/html")));
    }
    Source {
        id: feed_url.map_or_else(
            || format!("urn:wirefeed:feed:{}", attribution.feed_id),
            str::to_owned,
        ),
        title: Text::plain(attribution.name.clone()),
        updated: attribution
            .published
            .map_or(entry_updated, |published| published.fixed_offset()),
        links,
        rights: attribution.rights.clone().map(Text::plain),
        ..Source::default()
    }
}

fn link(href: &str, rel: &str, mime_type: Option<&str>) -> Link {
    Link {
        href: href.to_owned(),
        rel: rel.to_owned(),
        mime_type: mime_type.map(str::to_owned),
        ..Link::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Channel;
    use crate::publish::test_support::{article, config, feed};

    fn feed_links(config: &Config) -> Vec<(String, String)> {
        let feed = feed(Channel::All, "", vec![article("a")]);
        let info = ChannelInfo::new(config, &feed);
        let bytes = render(config, &info, &feed).unwrap();
        let parsed = Feed::read_from(bytes.as_slice()).unwrap();
        parsed
            .links
            .iter()
            .map(|link| (link.rel.clone(), link.href.clone()))
            .collect()
    }

    #[test]
    fn feed_links_to_the_websub_hub_when_one_is_set() {
        let mut config = config("out".into());
        config.site.websub_hub = url::Url::parse("https://hub.example.org/").ok();
        let links = feed_links(&config);
        assert!(
            links.contains(&("hub".to_owned(), "https://hub.example.org/".to_owned())),
            "{links:?}"
        );
        assert!(
            links.contains(&(
                "self".to_owned(),
                "https://feeds.example.org/all.atom".to_owned()
            )),
            "{links:?}"
        );
    }

    #[test]
    fn feed_without_websub_hub_has_no_hub_link() {
        let links = feed_links(&config("out".into()));
        assert!(links.iter().all(|(rel, _)| rel != "hub"), "{links:?}");
    }

    #[test]
    fn entry_id_keeps_safe_characters_and_encodes_the_rest() {
        assert_eq!(entry_id("ap-world:4f2a"), "urn:wirefeed:ap-world:4f2a");
        assert_eq!(entry_id("a b/ç"), "urn:wirefeed:a%20b%2F%C3%A7");
    }
}
