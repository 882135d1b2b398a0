//! The RSS 2.0 rules (rssboard.org specification) a strict consumer enforces.

use std::collections::HashSet;

use crate::Checked;
use crate::dates::is_rfc822;
use crate::xml_tree::Element;

/// RSS 2.0 elements live in no namespace.
const RSS: &str = "";
/// Item elements the specification allows once.
const ITEM_SINGLES: [&str; 9] = [
    "title",
    "link",
    "description",
    "author",
    "comments",
    "enclosure",
    "guid",
    "pubDate",
    "source",
];

pub fn check(root: &Element) -> Checked {
    let mut problems = Vec::new();
    let channel = match root.first(RSS, "channel") {
        Some(channel) if root.name == "rss" && root.attr("version") == Some("2.0") => channel,
        _ => {
            problems.push("not <rss version=\"2.0\"><channel>".to_owned());
            return Checked { items: 0, problems };
        }
    };
    for name in ["title", "link", "description"] {
        if channel.count(RSS, name) != 1 {
            problems.push(format!("channel: needs exactly one <{name}>"));
        }
    }
    if !channel.text_of(RSS, "link").is_some_and(is_web_url) {
        problems.push("channel: <link> is not an absolute http(s) URL".to_owned());
    }
    for name in ["pubDate", "lastBuildDate"] {
        if let Some(date) = channel.text_of(RSS, name)
            && !is_rfc822(date)
        {
            problems.push(format!("channel: <{name}> {date:?} is not RFC 822"));
        }
    }

    let mut guids = HashSet::new();
    let items: Vec<&Element> = channel.all(RSS, "item").collect();
    for (index, item) in items.iter().enumerate() {
        let guid = item.first(RSS, "guid");
        let at = format!(
            "item {index} ({})",
            guid.map_or("no guid", |g| g.text.trim())
        );
        for name in ITEM_SINGLES {
            if item.count(RSS, name) > 1 {
                problems.push(format!("{at}: more than one <{name}>"));
            }
        }
        if item.text_of(RSS, "title").is_none() && item.text_of(RSS, "description").is_none() {
            problems.push(format!("{at}: neither <title> nor <description>"));
        }
        if let Some(guid) = guid {
            if !guids.insert(guid.text.trim()) {
                problems.push(format!("{at}: <guid> repeats an earlier item's"));
            }
            // A permalink guid (the default) must be a URL readers can open.
            if guid.attr("isPermaLink") != Some("false") && !is_web_url(guid.text.trim()) {
                problems.push(format!("{at}: permalink <guid> is not a URL"));
            }
        }
        if let Some(link) = item.text_of(RSS, "link")
            && !is_web_url(link)
        {
            problems.push(format!(
                "{at}: <link> {link:?} is not an absolute http(s) URL"
            ));
        }
        match item.text_of(RSS, "pubDate") {
            Some(date) if !is_rfc822(date) => {
                problems.push(format!("{at}: <pubDate> {date:?} is not RFC 822"));
            }
            Some(_) => {}
            None => problems.push(format!("{at}: no <pubDate>")),
        }
        match item.first(RSS, "source") {
            Some(source) => {
                if !source.attr("url").is_some_and(is_web_url) {
                    problems.push(format!("{at}: <source url> is not an absolute http(s) URL"));
                }
                if source.text.trim().is_empty() {
                    problems.push(format!("{at}: <source> names no channel"));
                }
            }
            None => problems.push(format!("{at}: no <source> attribution")),
        }
        if let Some(enclosure) = item.first(RSS, "enclosure") {
            let url_ok = enclosure.attr("url").is_some_and(is_web_url);
            let length_ok = enclosure
                .attr("length")
                .is_some_and(|l| l.parse::<u64>().is_ok());
            if !url_ok || !length_ok || enclosure.attr("type").is_none() {
                problems.push(format!("{at}: <enclosure> needs url, length and type"));
            }
        }
    }
    Checked {
        items: items.len(),
        problems,
    }
}

fn is_web_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
}
