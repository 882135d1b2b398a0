//! End-to-end tests of normalize: small inline feeds parsed with feed-rs,
//! normalized, and the articles checked field by field.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use url::Url;

use super::*;
use crate::config::{Rule, RuleAction, RuleMatch, SourceLocation};
use crate::fetch::Document;
use crate::model::Label;
use crate::parse::ParsedFeed;

pub(crate) fn feed_config() -> FeedConfig {
    FeedConfig {
        name: "Associated Press".into(),
        url: "https://agency.example/world.rss".into(),
        location: SourceLocation::Http(Url::parse("https://agency.example/world.rss").unwrap()),
        credit: Some("Source: AP".into()),
        ..crate::config::testing::feed("ap-world", "0 */5 * * * *")
    }
}

fn site() -> Site {
    Site {
        title: "Example News".into(),
        description: None,
        base_url: Url::parse("https://feeds.example.org/").unwrap(),
        output_dir: PathBuf::from("output").into(),
        state_dir: PathBuf::from("state"),
        max_items: 50,
        language: "en".into(),
        websub_hub: None,
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

/// Parse `xml` as `parse` would hand it over: entries the source gave no id
/// get [`NO_SOURCE_ID`] instead of feed-rs's invented one.
fn parse(xml: &str, ids_in_source: bool) -> ParsedFeed {
    let doc = Document {
        url: Url::parse("https://agency.example/world.rss").unwrap(),
        body: xml.as_bytes().to_vec(),
        content_type: None,
    };
    let mut parsed = crate::parse::parse(&doc).unwrap();
    if !ids_in_source {
        for entry in &mut parsed.feed.entries {
            entry.id = NO_SOURCE_ID.to_owned();
        }
    }
    parsed
}

fn run_with(
    feed: &FeedConfig,
    aliases: &BTreeMap<String, String>,
    xml: &str,
    ids_in_source: bool,
) -> Vec<Outcome> {
    let site = site();
    let ctx = Context {
        site: &site,
        tag_aliases: aliases,
        now: now(),
    };
    normalize_feed(feed, &ctx, &parse(xml, ids_in_source))
}

fn articles(feed: &FeedConfig, xml: &str) -> Vec<Article> {
    run_with(feed, &BTreeMap::new(), xml, true)
        .into_iter()
        .map(|outcome| match outcome {
            Outcome::Keep(article) => article,
            Outcome::Dropped { .. } => panic!("unexpected drop"),
        })
        .collect()
}

fn only_article(xml: &str) -> Article {
    let mut all = articles(&feed_config(), xml);
    assert_eq!(all.len(), 1);
    all.remove(0)
}

fn rss(items: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>AP World</title><link>https://agency.example/world/</link><description>d</description>
{items}
</channel></rss>"#
    )
}

#[test]
fn article_id_is_stable_across_runs_and_named_by_the_canonical_url() {
    let xml = rss(
        "<item><guid>urn:ap:1</guid><title>A</title><link>https://agency.example/a</link></item>",
    );
    let first = only_article(&xml);
    let second = only_article(&xml);
    assert_eq!(first.id, second.id);
    assert_eq!(
        first.id,
        anchored_article_id("ap-world", "urn:ap:1", Some("https://agency.example/a"))
    );
    assert_eq!(first.source.item_id, "urn:ap:1");
}

#[test]
fn entry_without_source_id_gets_an_id_from_its_link_not_from_feed_rs() {
    let xml = rss(
        "<item><title>A</title><link>https://agency.example/a?utm_source=rss#top</link></item>",
    );
    let feed = feed_config();
    let outcomes = run_with(&feed, &BTreeMap::new(), &xml, false);
    let again = run_with(&feed, &BTreeMap::new(), &xml, false);
    let (Outcome::Keep(a), Outcome::Keep(b)) = (&outcomes[0], &again[0]) else {
        panic!()
    };
    assert_eq!(a.id, b.id);
    assert_eq!(a.source.item_id, "https://agency.example/a");
    assert_eq!(
        a.id,
        anchored_article_id(
            "ap-world",
            "https://agency.example/a",
            Some("https://agency.example/a")
        )
    );
}

#[test]
fn entry_without_id_or_link_gets_an_id_from_title_and_date() {
    let xml = rss(
        "<item><title>Quake</title><pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate></item><item><title>Quake</title><pubDate>Wed, 25 Nov 2026 10:00:00 GMT</pubDate></item>",
    );
    let feed = feed_config();
    let run = || -> Vec<String> {
        run_with(&feed, &BTreeMap::new(), &xml, false)
            .into_iter()
            .map(|o| match o {
                Outcome::Keep(a) => a.id,
                Outcome::Dropped { .. } => panic!(),
            })
            .collect()
    };
    let ids = run();
    assert_eq!(ids, run());
    assert_ne!(ids[0], ids[1], "same title on another day is another story");
}

#[test]
fn entry_with_only_a_body_gets_an_id_from_the_body_and_a_title_from_its_text() {
    let xml = rss(
        "<item><content:encoded><![CDATA[<p>Rescue teams reached the village on Tuesday after the road reopened.</p>]]></content:encoded></item>",
    );
    let outcomes = run_with(&feed_config(), &BTreeMap::new(), &xml, false);
    let Outcome::Keep(article) = &outcomes[0] else {
        panic!()
    };
    assert!(article.source.item_id.starts_with("wirefeed:content:"));
    assert_eq!(
        article.title,
        "Rescue teams reached the village on Tuesday after the road reopened."
    );
}

#[test]
fn entry_with_nothing_to_publish_is_skipped() {
    let xml = rss("<item><guid>x</guid></item><item><title>Kept</title></item>");
    let all = articles(&feed_config(), &xml);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].title, "Kept");
}

#[test]
fn script_handlers_and_javascript_urls_are_removed_from_body_and_title() {
    let xml = rss(r#"<item><guid>1</guid>
        <title>&lt;script&gt;alert(1)&lt;/script&gt;Gaza &amp;amp; &lt;b&gt;aid&lt;/b&gt;</title>
        <content:encoded><![CDATA[<p onmouseover="x()">Body<script>alert(2)</script></p><img src="a.jpg" onerror="alert(3)"><a href="javascript:alert(4)">j</a>]]></content:encoded>
        </item>"#);
    let article = only_article(&xml);
    assert_eq!(article.title, "Gaza & aid");
    let body = article.content_html.unwrap();
    for bad in ["script", "alert", "onmouseover", "onerror", "javascript"] {
        assert!(!body.contains(bad), "{bad} in {body}");
    }
}

#[test]
fn relative_urls_resolve_against_xml_base() {
    let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:f</id><updated>2026-11-25T10:00:00Z</updated>
<entry><id>urn:e:1</id><title>T</title><updated>2026-11-25T10:00:00Z</updated>
<link href="https://agency.example/story/1"/>
<content type="html" xml:base="https://cdn.example/media/">&lt;img src="pic.jpg"&gt;&lt;a href="/about"&gt;a&lt;/a&gt;</content>
</entry></feed>"#;
    let article = only_article(xml);
    let body = article.content_html.unwrap();
    assert!(
        body.contains(r#"src="https://cdn.example/media/pic.jpg""#),
        "{body}"
    );
    assert!(
        body.contains(r#"href="https://cdn.example/about""#),
        "{body}"
    );
}

#[test]
fn relative_urls_resolve_against_the_channel_link_without_an_item_link() {
    let xml = rss(
        r#"<item><guid>1</guid><title>T</title><description><![CDATA[<img src="img/a.jpg"><a href="more">m</a>]]></description></item>"#,
    );
    let article = articles(&feed_config(), &xml).remove(0);
    // A short description is the standfirst, not the body.
    assert!(article.content_html.is_none());

    let long = "word ".repeat(100);
    let xml = rss(&format!(
        r#"<item><guid>1</guid><title>T</title><description><![CDATA[<p>{long}</p><img src="img/a.jpg"><a href="more">m</a>]]></description></item>"#
    ));
    let article = only_article(&xml);
    // A long description is the body, and its start the standfirst.
    assert!(article.summary.as_deref().is_some_and(|s| s.ends_with('…')));
    let body = article.content_html.unwrap();
    assert!(
        body.contains(r#"src="https://agency.example/world/img/a.jpg""#),
        "{body}"
    );
    assert!(
        body.contains(r#"href="https://agency.example/world/more" rel="noopener noreferrer""#),
        "{body}"
    );
}

#[test]
fn article_url_is_canonical_and_source_keeps_the_link_as_given() {
    let xml = rss(
        "<item><guid>1</guid><title>T</title><link>https://Agency.Example/a?id=3&amp;utm_medium=rss&amp;fbclid=z&amp;gclid=q&amp;p=2#frag</link></item>",
    );
    let article = only_article(&xml);
    assert_eq!(
        article.url.as_deref(),
        Some("https://agency.example/a?id=3&p=2")
    );
    assert_eq!(
        article.source.item_url.as_deref(),
        Some("https://agency.example/a?id=3&utm_medium=rss&fbclid=z&gclid=q&p=2#frag")
    );
}

#[test]
fn missing_date_is_now_and_far_future_date_counts_as_none() {
    let xml = rss(
        "<item><guid>1</guid><title>Undated</title></item><item><guid>2</guid><title>Future</title><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item><item><guid>3</guid><title>Past</title><pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate></item>",
    );
    let all = articles(&feed_config(), &xml);
    assert_eq!((all[0].published, all[0].updated), (now(), now()));
    assert_eq!(all[0].source.published, None);
    assert_eq!(all[1].published, now());
    // Like an undated item, so the store keeps its first-seen date on later fetches.
    assert_eq!(all[1].source.published, None);
    let past = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
    assert_eq!((all[2].published, all[2].updated), (past, past));
    assert_eq!(all[2].source.published, Some(past));
}

fn rule(line: usize, when: RuleMatch, then: RuleAction) -> Rule {
    Rule { line, when, then }
}

#[test]
fn rules_map_categories_titles_and_drops_with_feed_defaults() {
    let mut feed = feed_config();
    feed.section = Some("politics".into());
    feed.kind = Some("news".into());
    feed.tags = vec!["World".into()];
    feed.regions = vec!["MENA".into()];
    feed.rules = vec![
        rule(
            20,
            RuleMatch {
                category: Some("sports".into()),
                ..Default::default()
            },
            RuleAction {
                section: Some("sports".into()),
                ..Default::default()
            },
        ),
        rule(
            24,
            RuleMatch {
                title_matches: Some(regex::Regex::new("(?i)^breaking:").unwrap()),
                ..Default::default()
            },
            RuleAction {
                breaking: Some(true),
                ..Default::default()
            },
        ),
        rule(
            28,
            RuleMatch {
                title_matches: Some(regex::Regex::new("(?i)sponsored").unwrap()),
                ..Default::default()
            },
            RuleAction {
                drop: true,
                ..Default::default()
            },
        ),
    ];
    let xml = rss(
        "<item><guid>1</guid><title>Final</title><category>Sports</category></item>\
        <item><guid>2</guid><title>BREAKING: vote</title></item>\
        <item><guid>3</guid><title>Sponsored: hotels</title></item>",
    );
    let outcomes = run_with(&feed, &BTreeMap::new(), &xml, true);
    let Outcome::Keep(sports) = &outcomes[0] else {
        panic!()
    };
    assert_eq!(
        (
            sports.section.as_deref(),
            sports.kind.as_deref(),
            sports.breaking
        ),
        (Some("sports"), Some("news"), false)
    );
    assert_eq!(sports.categories, vec!["Sports".to_owned()]);
    assert_eq!(
        sports.regions,
        vec![Label {
            slug: "mena".into(),
            label: "MENA".into()
        }]
    );
    let Outcome::Keep(breaking) = &outcomes[1] else {
        panic!()
    };
    assert_eq!(
        (breaking.section.as_deref(), breaking.breaking),
        (Some("politics"), true)
    );
    assert_eq!(
        outcomes[2],
        Outcome::Dropped {
            item_id: "3".into(),
            title: "Sponsored: hotels".into(),
            rule_line: 28
        }
    );
}

#[test]
fn tag_aliases_are_folded_into_canonical_labels() {
    let mut feed = feed_config();
    feed.tags = vec![
        "Palestinian Territories".into(),
        "Palestine".into(),
        "Protests".into(),
    ];
    feed.series = Some("War on Gaza".into());
    let aliases = BTreeMap::from([("palestinian territories".to_owned(), "Palestine".to_owned())]);
    let outcomes = run_with(
        &feed,
        &aliases,
        &rss("<item><guid>1</guid><title>T</title></item>"),
        true,
    );
    let Outcome::Keep(article) = &outcomes[0] else {
        panic!()
    };
    assert_eq!(
        article.tags,
        vec![
            Label {
                slug: "palestine".into(),
                label: "Palestine".into()
            },
            Label {
                slug: "protests".into(),
                label: "Protests".into()
            }
        ]
    );
    assert_eq!(
        article.series,
        Some(Label {
            slug: "war-on-gaza".into(),
            label: "War on Gaza".into()
        })
    );
}

#[test]
fn lead_image_comes_from_media_content_with_credit_and_caption() {
    let xml = rss(r#"<item><guid>1</guid><title>T</title>
        <media:content url="https://img.example/lead.jpg" type="image/jpeg" width="1200" height="800">
          <media:credit>(AP)</media:credit>
          <media:description>Crowds in Gaza City</media:description>
        </media:content>
        <media:content url="https://img.example/clip.mp4" type="video/mp4" fileSize="1000"/>
        </item>"#);
    let article = only_article(&xml);
    let image = article.image.unwrap();
    assert_eq!(image.url, "https://img.example/lead.jpg");
    assert_eq!(image.credit.as_deref(), Some("(AP)"));
    assert_eq!(image.caption.as_deref(), Some("Crowds in Gaza City"));
    assert_eq!(image.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!((image.width, image.height), (Some(1200), Some(800)));
    assert_eq!(article.enclosures.len(), 1);
    assert_eq!(article.enclosures[0].url, "https://img.example/clip.mp4");
}

#[test]
fn lead_image_comes_from_an_image_enclosure_and_audio_becomes_an_enclosure() {
    let xml = rss(
        r#"<item><guid>1</guid><title>T</title><enclosure url="https://img.example/e.png" type="image/png" length="10"/></item>
        <item><guid>2</guid><title>Pod</title><enclosure url="https://cdn.example/ep.mp3" type="audio/mpeg" length="99"/></item>"#,
    );
    let all = articles(&feed_config(), &xml);
    assert_eq!(
        all[0].image.as_ref().map(|i| i.url.as_str()),
        Some("https://img.example/e.png")
    );
    assert!(all[0].enclosures.is_empty());
    assert!(all[1].image.is_none());
    assert_eq!(
        all[1].enclosures[0].mime_type.as_deref(),
        Some("audio/mpeg")
    );
    assert_eq!(all[1].enclosures[0].length, Some(99));
}

#[test]
fn lead_image_falls_back_to_the_first_body_img() {
    let xml = rss(
        r#"<item><guid>1</guid><title>T</title><link>https://agency.example/s/1</link><content:encoded><![CDATA[<p>x</p><img src="/i/first.jpg?a=1&amp;b=2"><img src="/i/second.jpg">]]></content:encoded></item>"#,
    );
    let article = only_article(&xml);
    assert_eq!(
        article.image.unwrap().url,
        "https://agency.example/i/first.jpg?a=1&b=2"
    );
}

#[test]
fn reading_time_rounds_up_and_needs_a_body() {
    let body = "word ".repeat(401);
    let xml = rss(&format!(
        "<item><guid>1</guid><title>T</title><content:encoded>{body}</content:encoded></item><item><guid>2</guid><title>Short</title><content:encoded>one</content:encoded></item><item><guid>3</guid><title>No body</title></item>"
    ));
    let all = articles(&feed_config(), &xml);
    assert_eq!(all[0].reading_minutes, Some(3));
    assert_eq!(all[1].reading_minutes, Some(1));
    assert_eq!(all[2].reading_minutes, None);
}

#[test]
fn summary_falls_back_to_the_body_start_and_is_capped_when_it_repeats_the_body() {
    let body = "word ".repeat(100);
    let xml = rss(&format!(
        "<item><guid>1</guid><title>T</title><description>Standfirst &lt;b&gt;here&lt;/b&gt;</description><content:encoded>{body}</content:encoded></item><item><guid>2</guid><title>T</title><content:encoded>{body}</content:encoded></item><item><guid>3</guid><title>T</title><description>{body}</description><content:encoded>{body}</content:encoded></item>"
    ));
    let all = articles(&feed_config(), &xml);
    assert_eq!(all[0].summary.as_deref(), Some("Standfirst here"));
    for article in &all[1..] {
        let summary = article.summary.as_deref().unwrap();
        assert!(
            summary.ends_with('…') && summary.chars().count() <= 301,
            "{summary}"
        );
    }
}

#[test]
fn language_comes_from_item_then_feed_then_config_then_site() {
    let atom = r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="es"><title>t</title><id>urn:f</id><updated>2026-11-25T10:00:00Z</updated>
      <entry><id>1</id><title>T</title><updated>2026-11-25T10:00:00Z</updated><content type="text" xml:lang="ar-EG">نص</content></entry>
      <entry><id>2</id><title>T</title><updated>2026-11-25T10:00:00Z</updated></entry></feed>"#;
    let all = articles(&feed_config(), atom);
    assert_eq!(all[0].language.as_deref(), Some("ar-eg"));
    assert_eq!(all[1].language.as_deref(), Some("es"));

    let xml = rss("<item><guid>1</guid><title>T</title></item>");
    let mut feed = feed_config();
    feed.language = Some("FR".into());
    assert_eq!(articles(&feed, &xml)[0].language.as_deref(), Some("fr"));
    assert_eq!(
        articles(&feed_config(), &xml)[0].language.as_deref(),
        Some("en")
    );
}

#[test]
fn byline_strips_by_and_attribution_is_complete() {
    let xml = r#"<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title><link>https://agency.example/world/</link><description>d</description><copyright>© AP 2026</copyright>
      <item><guid>g1</guid><title>T</title><link>https://agency.example/s/1</link><dc:creator>By Al Mayadeen English</dc:creator><dc:creator>al mayadeen english</dc:creator></item></channel></rss>"#;
    let article = only_article(xml);
    assert_eq!(article.authors, vec!["Al Mayadeen English"]);
    let source = article.source;
    assert_eq!(source.feed_id, "ap-world");
    assert_eq!(source.name, "Associated Press");
    assert_eq!(
        source.home_url.as_deref(),
        Some("https://agency.example/world/")
    );
    assert_eq!(source.feed_url, "https://agency.example/world.rss");
    assert_eq!(source.credit.as_deref(), Some("Source: AP"));
    assert_eq!(source.rights.as_deref(), Some("© AP 2026"));
}

#[test]
fn video_story_takes_its_lead_image_from_the_media_thumbnail() {
    // feed-rs keeps a media:thumbnail only alongside media:content, which is
    // how video stories carry their poster frame.
    let xml = rss(r#"<item><guid>1</guid><title>T</title>
        <media:content url="https://cdn.example/v.mp4" type="video/mp4"/>
        <media:thumbnail url="https://img.example/thumb.jpg" width="320" height="180"/>
        <media:credit>Reuters/John Doe</media:credit></item>"#);
    let article = only_article(&xml);
    let image = article.image.unwrap();
    assert_eq!(image.url, "https://img.example/thumb.jpg");
    assert_eq!((image.width, image.height), (Some(320), Some(180)));
    assert_eq!(image.credit.as_deref(), Some("Reuters/John Doe"));
    assert_eq!(article.enclosures[0].url, "https://cdn.example/v.mp4");
}

#[test]
fn json_feed_attachments_give_image_and_enclosures_and_text_bodies_are_escaped() {
    let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"t","home_page_url":"https://partner.example/","language":"es-MX",
      "items":[{"id":"j1","url":"https://partner.example/n/1","title":"T","content_text":"Line <one>\n\nLine two",
        "attachments":[{"url":"https://partner.example/p.webp","mime_type":"image/webp"},{"url":"https://partner.example/v.mp4","mime_type":"video/mp4","size_in_bytes":5}]}]}"#;
    let article = only_article(json);
    assert_eq!(
        article.content_html.as_deref(),
        Some("<p>Line &lt;one&gt;</p><p>Line two</p>")
    );
    assert_eq!(article.image.unwrap().url, "https://partner.example/p.webp");
    assert_eq!(article.enclosures[0].url, "https://partner.example/v.mp4");
    assert_eq!(article.url.as_deref(), Some("https://partner.example/n/1"));
    assert_eq!(
        article.source.home_url.as_deref(),
        Some("https://partner.example/")
    );
    assert_eq!(article.language.as_deref(), Some("es-mx"));
}

#[test]
fn atom_enclosure_links_are_not_taken_for_the_article_link() {
    let xml = r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:f</id><updated>2026-11-25T10:00:00Z</updated>
      <link rel="self" href="https://agency.example/world.atom"/><link href="https://agency.example/"/>
      <entry><id>1</id><title>T</title><updated>2026-11-25T10:00:00Z</updated>
        <link rel="enclosure" type="audio/mpeg" href="https://cdn.example/a.mp3" length="7"/>
        <link rel="alternate" type="text/html" href="https://agency.example/s/1"/></entry></feed>"#;
    let article = only_article(xml);
    assert_eq!(article.url.as_deref(), Some("https://agency.example/s/1"));
    assert_eq!(article.enclosures[0].url, "https://cdn.example/a.mp3");
    assert_eq!(
        article.source.home_url.as_deref(),
        Some("https://agency.example/")
    );
}

#[test]
fn configured_home_url_and_rights_win_over_the_feed() {
    let mut feed = feed_config();
    feed.home_url = Some(Url::parse("https://ap.example/").unwrap());
    feed.rights = Some("Copyright AP".into());
    let xml = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://agency.example/world/</link><description>d</description><copyright>other</copyright>
      <item><guid>1</guid><title>T</title></item></channel></rss>"#;
    let source = articles(&feed, xml).remove(0).source;
    assert_eq!(source.home_url.as_deref(), Some("https://ap.example/"));
    assert_eq!(source.rights.as_deref(), Some("Copyright AP"));
}

#[test]
fn a_megabyte_title_is_cut_at_a_word_within_the_cap() {
    let huge = "غزة تحت القصف ".repeat(80_000);
    let article = only_article(&rss(&format!(
        "<item><guid>1</guid><title>{huge}</title></item>"
    )));
    assert!(article.title.chars().count() <= article::TITLE_MAX_CHARS + 1);
    let kept = article.title.trim_end_matches('…');
    assert!(
        huge.starts_with(&format!("{kept} ")),
        "cut after a whole word: {kept}"
    );
}
