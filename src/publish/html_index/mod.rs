//! `index.html`: the front page. The newest headlines of each channel (the
//! whole site, breaking news, every section, then as many of the other
//! channels as [`MAX_OTHER_BLOCKS`] allows), then every published feed to
//! subscribe to, and feeds.opml.
//!
//! A pure function of the listing: no clock is read, so the page changes
//! only when a headline, a count or a channel does, and the publisher leaves
//! the file alone otherwise. Self-contained (inline CSS, no script, no
//! external asset) and every text escaped, since titles come from outside.
//! Links to our own files are relative to the page (`sections/politics.rss`),
//! so the output folder browses the same from disk, under `wirefeed run` and
//! on the public host. Right-to-left stories and editions get `dir="rtl"`
//! on their own element; other text gets `dir="auto"`.
//!
//! - `headline`: what a story shows and how many each channel keeps.
//! - `style`: the stylesheet, narrow screens first.

mod headline;
mod style;

pub use headline::{Headline, headlines};

use std::cmp::Reverse;
use std::fmt::Write;

use crate::config::Config;

use super::channels::{ChannelInfo, Format, Group};
use super::escape::escape_markup;

/// How many channels besides all, breaking and the sections get a block of
/// headlines; the rest are in the subscribe list only. Editions (language
/// channels) come first, then the channels with the most stories.
pub const MAX_OTHER_BLOCKS: usize = 12;

/// Renders the front page for `channels`, which are in listing order.
pub fn render(config: &Config, channels: &[ChannelInfo]) -> String {
    let site = &config.site;
    let title = escape_markup(&site.title);
    let mut html = String::new();
    // Writing into a String cannot fail.
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"{lang}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{style}</style>\n",
        lang = escape_markup(&site.language),
        dir = direction(Some(&site.language), "ltr"),
        style = style::STYLE,
    );
    if let Some(all) = channels.iter().find(|info| info.group == Group::All) {
        for format in Format::ALL {
            let _ = writeln!(
                html,
                "<link rel=\"alternate\" type=\"{}\" title=\"{} ({})\" href=\"{}\">",
                format.mime_type(),
                escape_markup(&all.title),
                format.name(),
                escape_markup(&all.relative_path(format)),
            );
        }
    }
    let _ = write!(
        html,
        "</head>\n<body>\n<header class=\"masthead\">\n<h1>{title}</h1>\n"
    );
    if let Some(description) = &site.description {
        let _ = writeln!(html, "<p>{}</p>", escape_markup(description));
    }
    html.push_str(
        "<p class=\"skip\"><a href=\"#subscribe\">Subscribe to our feeds</a></p>\n</header>\n",
    );

    let blocks = blocks(channels);
    if blocks.is_empty() {
        html.push_str("<main>\n<p class=\"empty\">No stories published yet.</p>\n</main>\n");
    } else {
        html.push_str("<main class=\"blocks\">\n");
        for info in blocks {
            write_block(&mut html, info);
        }
        html.push_str("</main>\n");
    }
    write_subscribe(&mut html, channels);
    html.push_str("</body>\n</html>\n");
    html
}

/// The channels that get a block of headlines, in page order: all, breaking,
/// the sections in listing order, then the other channels up to
/// [`MAX_OTHER_BLOCKS`]. Channels without stories get none.
fn blocks(channels: &[ChannelInfo]) -> Vec<&ChannelInfo> {
    let with_stories = || channels.iter().filter(|info| !info.headlines.is_empty());
    let mut blocks: Vec<&ChannelInfo> = with_stories()
        .filter(|info| matches!(info.group, Group::All | Group::Breaking | Group::Sections))
        .collect();
    let mut others: Vec<&ChannelInfo> = with_stories()
        .filter(|info| matches!(info.group, Group::Tags | Group::Regions | Group::Languages))
        .collect();
    others.sort_by_key(|info| {
        (
            info.group != Group::Languages,
            Reverse(info.item_count),
            info.group,
            info.stem.as_str(),
        )
    });
    others.truncate(MAX_OTHER_BLOCKS);
    blocks.extend(others);
    blocks
}

fn write_block(html: &mut String, info: &ChannelInfo) {
    let heading = match info.group {
        Group::All => "Latest".to_owned(),
        Group::Tags | Group::Regions | Group::Languages => format!(
            "<span class=\"kicker\">{}</span> <span dir=\"auto\">{}</span>",
            kicker(info.group),
            escape_markup(&info.short_name)
        ),
        Group::Breaking | Group::Sections => escape_markup(&info.short_name),
    };
    // An edition is wholly in its language: the block reads in its direction.
    let attributes = match info.group {
        Group::Languages => format!(
            " lang=\"{}\" dir=\"{}\"",
            escape_markup(&info.language),
            direction(Some(&info.language), "auto")
        ),
        _ => String::new(),
    };
    let class = match info.group {
        Group::All => "block lead",
        Group::Breaking => "block breaking",
        _ => "block",
    };
    let _ = write!(
        html,
        "<section class=\"{class}\"{attributes}>\n<h2>{heading} \
         <a class=\"feed\" href=\"{href}\" type=\"{mime}\" title=\"RSS feed\">RSS</a></h2>\n\
         <ol class=\"headlines\">\n",
        href = escape_markup(&info.relative_path(Format::Rss)),
        mime = Format::Rss.mime_type(),
    );
    for headline in &info.headlines {
        write_headline(html, headline);
    }
    html.push_str("</ol>\n</section>\n");
}

fn write_headline(html: &mut String, headline: &Headline) {
    let lang = headline
        .language
        .as_deref()
        .map(|lang| format!(" lang=\"{}\"", escape_markup(lang)))
        .unwrap_or_default();
    let title = escape_markup(&headline.title);
    let title = match &headline.url {
        Some(url) => format!("<a href=\"{}\">{title}</a>", escape_markup(url)),
        None => title,
    };
    let also_via = if headline.also_via.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = headline
            .also_via
            .iter()
            .map(|name| format!("<span dir=\"auto\">{}</span>", escape_markup(name)))
            .collect();
        format!(" <span class=\"via\">also via {}</span>", names.join(", "))
    };
    // The date is English whatever the story's language: isolated left to
    // right, or a right-to-left line reorders it ("Nov 2026, 08:20 UTC 25").
    let _ = writeln!(
        html,
        "<li{lang} dir=\"{dir}\"><h3>{title}</h3>\n<p class=\"meta\">\
         <span class=\"source\" dir=\"auto\">{source}</span>{also_via} \
         <time datetime=\"{datetime}\" dir=\"ltr\">{when}</time></p></li>",
        dir = direction(headline.language.as_deref(), "auto"),
        source = escape_markup(&headline.source),
        datetime = headline.published.format("%Y-%m-%dT%H:%M:%SZ"),
        when = headline.published.format("%-d %b %Y, %H:%M UTC"),
    );
}

/// Every channel in listing order with its three formats, then feeds.opml.
fn write_subscribe(html: &mut String, channels: &[ChannelInfo]) {
    html.push_str(
        "<footer id=\"subscribe\">\n<h2>Subscribe</h2>\n\
         <p>Follow any channel in your feed reader, in RSS, Atom or JSON Feed, \
         or import them all at once with <a href=\"feeds.opml\" \
         type=\"text/x-opml\">feeds.opml</a> (OPML).</p>\n",
    );
    let mut groups: Vec<Group> = channels.iter().map(|info| info.group).collect();
    groups.dedup();
    for group in groups {
        let _ = write!(html, "<h3>{}</h3>\n<ul class=\"feeds\">\n", group.heading());
        for info in channels.iter().filter(|info| info.group == group) {
            let links: Vec<String> = Format::ALL
                .iter()
                .map(|format| {
                    format!(
                        "<a href=\"{}\" type=\"{}\">{}</a>",
                        escape_markup(&info.relative_path(*format)),
                        format.mime_type(),
                        format.name()
                    )
                })
                .collect();
            let stories = match info.item_count {
                1 => "1 story".to_owned(),
                n => format!("{n} stories"),
            };
            let _ = writeln!(
                html,
                "<li><span class=\"name\" dir=\"auto\" lang=\"{lang}\">{name}</span> \
                 <span class=\"count\">{stories}</span> \
                 <span class=\"formats\">{links}</span></li>",
                lang = escape_markup(&info.language),
                name = escape_markup(&info.short_name),
                links = links.join(" "),
            );
        }
        html.push_str("</ul>\n");
    }
    html.push_str("</footer>\n");
}

/// The word above a tag's, region's or edition's name.
fn kicker(group: Group) -> &'static str {
    match group {
        Group::Tags => "Tag",
        Group::Regions => "Region",
        Group::Languages => "Edition",
        Group::All | Group::Breaking | Group::Sections => "",
    }
}

/// Languages written right to left, by primary subtag (CLDR's
/// `characterOrder` right-to-left for the scripts these use).
const RIGHT_TO_LEFT: &[&str] = &[
    "ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ps", "sd", "syr", "ug", "ur", "yi",
];

/// `rtl` for a language written right to left, otherwise `otherwise`
/// (`auto` lets the browser judge text whose language may be wrong).
fn direction(language: Option<&str>, otherwise: &'static str) -> &'static str {
    let primary = language
        .and_then(|code| code.split(['-', '_']).next())
        .map(str::to_ascii_lowercase);
    match primary {
        Some(primary) if RIGHT_TO_LEFT.contains(&primary.as_str()) => "rtl",
        _ => otherwise,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Article, Channel, ChannelFeed};
    use crate::publish::test_support::{article, config, feed};

    fn listing(feeds: &[ChannelFeed]) -> Vec<ChannelInfo> {
        let config = config("out".into());
        feeds
            .iter()
            .map(|feed| ChannelInfo::new(&config, feed))
            .collect()
    }

    fn page(feeds: &[ChannelFeed]) -> String {
        render(&config("out".into()), &listing(feeds))
    }

    fn arabic() -> Article {
        let mut story = article("ar-1");
        story.title = "غزة: استمرار القصف".to_owned();
        story.language = Some("ar".to_owned());
        story.source.name = "غلوبال واير".to_owned();
        story
    }

    #[test]
    fn a_hostile_title_stays_text() {
        let mut story = article("a");
        story.title = r#"<script>alert(1)</script><img src=x "onerror=alert(2)>"#.to_owned();
        story.source.name = "Outlet <b>&</b>".to_owned();
        let html = page(&[feed(Channel::All, "", vec![story])]);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("\"onerror"), "{html}");
        assert!(
            html.contains(
                "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x &quot;onerror=alert(2)&gt;"
            ),
            "{html}"
        );
        assert!(html.contains("Outlet &lt;b&gt;&amp;&lt;/b&gt;"), "{html}");
    }

    #[test]
    fn a_headline_links_to_the_story_and_names_its_sources_and_time() {
        let mut story = article("a");
        story.also_via = vec![crate::model::Attribution {
            name: "Partner Daily".to_owned(),
            ..story.source.clone()
        }];
        let html = page(&[feed(Channel::All, "", vec![story])]);
        assert!(
            html.contains("<a href=\"https://agency.example/a\">Story a</a>"),
            "{html}"
        );
        assert!(html.contains(">Associated Press</span>"), "{html}");
        assert!(
            html.contains("also via <span dir=\"auto\">Partner Daily</span>"),
            "{html}"
        );
        assert!(
            html.contains(
                "<time datetime=\"2026-11-25T10:00:00Z\" dir=\"ltr\">25 Nov 2026, 10:00 UTC</time>"
            ),
            "{html}"
        );
    }

    #[test]
    fn links_to_our_own_files_are_relative_to_the_page() {
        let politics = Channel::Section("politics".into());
        let html = page(&[
            feed(Channel::All, "", vec![article("a")]),
            feed(politics, "Politics", vec![article("a")]),
        ]);
        for href in [
            "href=\"all.rss\"",
            "href=\"all.atom\"",
            "href=\"all.json\"",
            "href=\"sections/politics.rss\"",
            "href=\"sections/politics.json\"",
            "href=\"feeds.opml\"",
        ] {
            assert!(html.contains(href), "{href} in {html}");
        }
        assert!(!html.contains("feeds.example.org"), "{html}");
    }

    #[test]
    fn an_arabic_edition_and_arabic_headlines_read_right_to_left_in_their_own_block() {
        let html = page(&[
            feed(Channel::All, "", vec![arabic(), article("a")]),
            feed(Channel::Language("ar".into()), "العربية", vec![arabic()]),
            feed(
                Channel::Language("en".into()),
                "English",
                vec![article("a")],
            ),
        ]);
        assert!(
            html.contains("<section class=\"block\" lang=\"ar\" dir=\"rtl\">"),
            "{html}"
        );
        assert!(
            html.contains("<section class=\"block\" lang=\"en\" dir=\"auto\">"),
            "{html}"
        );
        assert!(html.contains("<li lang=\"ar\" dir=\"rtl\"><h3>"), "{html}");
        assert!(html.contains("<li lang=\"en\" dir=\"auto\"><h3>"), "{html}");
        // In the subscribe list the name is isolated, not a right-aligned cell.
        assert!(
            html.contains("<span class=\"name\" dir=\"auto\" lang=\"ar\">العربية</span>"),
            "{html}"
        );
    }

    #[test]
    fn blocks_come_in_page_order_and_the_other_channels_are_bounded() {
        let mut feeds = vec![
            feed(Channel::All, "", vec![article("a")]),
            feed(Channel::Breaking, "", vec![article("b")]),
            feed(
                Channel::Section("politics".into()),
                "Politics",
                vec![article("a")],
            ),
            feed(Channel::Section("economy".into()), "Economy", Vec::new()),
        ];
        for i in 0..MAX_OTHER_BLOCKS + 5 {
            let stories = (0..=i).map(|n| article(&n.to_string())).collect();
            feeds.push(feed(Channel::Tag(format!("tag-{i:02}")), "", stories));
        }
        feeds.push(feed(
            Channel::Language("ar".into()),
            "العربية",
            vec![arabic()],
        ));
        let listing = listing(&feeds);
        let stems: Vec<&str> = blocks(&listing)
            .iter()
            .map(|info| info.stem.as_str())
            .collect();
        // No block for the empty section; the edition first among the rest,
        // then the tags with the most stories.
        assert_eq!(
            stems[..5],
            [
                "all",
                "breaking",
                "sections/politics",
                "languages/ar",
                "tags/tag-16"
            ]
        );
        assert_eq!(stems.len(), 3 + MAX_OTHER_BLOCKS);
        // Every channel, with or without a block, can be subscribed to.
        let html = render(&config("out".into()), &listing);
        for info in &listing {
            let href = format!("href=\"{}.json\"", info.stem);
            assert!(html.contains(&href), "{href}");
        }
    }

    #[test]
    fn the_page_depends_only_on_the_listing() {
        let feeds = [feed(Channel::All, "", vec![article("a"), arabic()])];
        assert_eq!(page(&feeds), page(&feeds));
        let mut changed = article("a");
        changed.title = "Story a, corrected".to_owned();
        assert_ne!(
            page(&feeds),
            page(&[feed(Channel::All, "", vec![changed, arabic()])])
        );
    }

    #[test]
    fn an_empty_site_says_so_and_still_offers_its_feeds() {
        let html = page(&[feed(Channel::All, "", Vec::new())]);
        assert!(html.contains("No stories published yet."), "{html}");
        assert!(html.contains("href=\"all.rss\""), "{html}");
    }

    #[test]
    fn right_to_left_is_judged_by_the_primary_language_subtag() {
        assert_eq!(direction(Some("ar"), "auto"), "rtl");
        assert_eq!(direction(Some("fa-IR"), "auto"), "rtl");
        assert_eq!(direction(Some("HE"), "auto"), "rtl");
        assert_eq!(direction(Some("en"), "auto"), "auto");
        assert_eq!(direction(Some("arn"), "ltr"), "ltr");
        assert_eq!(direction(None, "ltr"), "ltr");
    }
}
