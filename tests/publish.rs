//! End-to-end tests of `publish`: every file is written to a scratch folder,
//! parsed back with the format's own crate and with feed-rs, and compared.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::SystemTime;

use chrono::{DateTime, TimeZone, Utc};
use wirefeed::config::{Config, Defaults, Schedule, Section, Site};
use wirefeed::model::{Article, Attribution, Channel, ChannelFeed, Image, Label};
use wirefeed::publish::{PublishError, publish};

#[path = "support/skip.rs"]
mod skip;

/// A scratch output folder, removed when the test ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("wirefeed-publish-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        Scratch(dir)
    }

    fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.0.join(relative))
            .unwrap_or_else(|error| panic!("{relative}: {error}"))
    }

    fn mtime(&self, relative: &str) -> SystemTime {
        fs::metadata(self.0.join(relative))
            .unwrap()
            .modified()
            .unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        make_writable(&self.0);
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn make_writable(path: &Path) {
    if let Ok(metadata) = fs::metadata(path) {
        let mut permissions = metadata.permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        let _ = fs::set_permissions(path, permissions);
    }
}

fn config(output_dir: &Path) -> Config {
    Config {
        path: PathBuf::from("feeds.toml"),
        site: Site {
            title: "Example News".to_owned(),
            description: Some("News from everywhere".to_owned()),
            base_url: url::Url::parse("https://feeds.example.org/").unwrap(),
            output_dir: output_dir.to_path_buf().into(),
            state_dir: PathBuf::from("state"),
            max_items: 50,
            language: "en".to_owned(),
            websub_hub: None,
        },
        defaults: Defaults {
            schedule: Schedule {
                expr: "*/5 * * * *".to_owned(),
                cron: cron::Schedule::from_str("0 */5 * * * *").unwrap(),
            },
            timeout: std::time::Duration::from_secs(20),
            max_body: 1024,
            concurrency: 4,
            per_host: 2,
            allow_private: false,
        },
        sections: vec![Section {
            slug: "politics".to_owned(),
            title: "Politics".to_owned(),
        }],
        feeds: Vec::new(),
        tag_aliases: BTreeMap::new(),
        server: None,
        store: None,
    }
}

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, hour, 0, 0).unwrap()
}

fn label(slug: &str, text: &str) -> Label {
    Label {
        slug: slug.to_owned(),
        label: text.to_owned(),
    }
}

fn attribution(feed_id: &str, name: &str, item_id: &str) -> Attribution {
    Attribution {
        feed_id: feed_id.to_owned(),
        name: name.to_owned(),
        home_url: Some(format!("https://{feed_id}.example/")),
        feed_url: format!("https://{feed_id}.example/feed.rss"),
        item_id: item_id.to_owned(),
        item_url: Some(format!("https://{feed_id}.example/{item_id}")),
        credit: None,
        rights: Some("© The Outlet".to_owned()),
        published: Some(at(8)),
    }
}

fn article(id: &str, hour: u32) -> Article {
    let mut source = attribution("ap-world", "Associated Press", id);
    source.credit = Some("Source: AP".to_owned());
    Article {
        id: id.to_owned(),
        url: Some(format!("https://ap-world.example/{id}")),
        title: format!("Story {id}"),
        summary: Some(format!("Standfirst of {id}.")),
        content_html: Some(format!("<p>Body of {id}.</p>")),
        authors: vec!["Jane Doe".to_owned(), "AP Desk".to_owned()],
        source,
        also_via: vec![attribution("reuters", "Reuters", &format!("r-{id}"))],
        published: at(hour),
        updated: at(hour),
        section: Some("politics".to_owned()),
        kind: Some("news".to_owned()),
        tags: vec![label("protests", "Protests")],
        regions: vec![label("mena", "MENA")],
        series: Some(label("war-on-gaza", "War on Gaza")),
        language: Some("en".to_owned()),
        image: Some(Image {
            url: format!("https://img.example/{id}.jpg"),
            caption: Some("Crowds gather".to_owned()),
            credit: Some("(AP)".to_owned()),
            mime_type: Some("image/jpeg".to_owned()),
            width: Some(1200),
            height: Some(800),
        }),
        enclosures: Vec::new(),
        reading_minutes: Some(5),
        breaking: false,
        categories: vec!["World".to_owned()],
        editorial: Default::default(),
    }
}

fn channel(channel: Channel, label: &str, articles: Vec<Article>) -> ChannelFeed {
    ChannelFeed {
        channel,
        label: label.to_owned(),
        articles,
    }
}

/// All, a section and a tag holding `a` (newest) and `b`; a region holding only `b`.
fn newsroom(a: Article, b: Article) -> Vec<ChannelFeed> {
    vec![
        channel(Channel::All, "", vec![a.clone(), b.clone()]),
        channel(
            Channel::Section("politics".to_owned()),
            "Politics",
            vec![a.clone(), b.clone()],
        ),
        channel(Channel::Tag("protests".to_owned()), "Protests", vec![a]),
        channel(Channel::Region("mena".to_owned()), "MENA", vec![b]),
    ]
}

const STEMS: [&str; 4] = ["all", "sections/politics", "tags/protests", "regions/mena"];

#[test]
fn every_channel_is_written_in_three_formats_plus_index_and_opml() {
    let out = Scratch::new("layout");
    let report = publish(
        &config(&out.0),
        &newsroom(article("a", 12), article("b", 10)),
    )
    .unwrap();
    // Three formats per channel, index.html and feeds.opml, and a ninjs
    // file per article of `all`.
    assert_eq!(report.written, 4 * 3 + 2 + 2);
    assert_eq!(report.unchanged, 0);
    for id in ["a", "b"] {
        assert!(
            out.0.join(format!("ninjs/{id}.json")).is_file(),
            "ninjs/{id}.json"
        );
    }
    for stem in STEMS {
        for extension in ["rss", "atom", "json"] {
            assert!(
                out.0.join(format!("{stem}.{extension}")).is_file(),
                "{stem}.{extension}"
            );
        }
    }
    assert!(out.0.join("index.html").is_file());
    assert!(out.0.join("feeds.opml").is_file());
}

#[test]
fn rss_items_carry_guid_source_creators_and_categories_in_order() {
    let out = Scratch::new("rss");
    publish(
        &config(&out.0),
        &newsroom(article("a", 12), article("b", 10)),
    )
    .unwrap();
    let rss = rss::Channel::read_from(out.read("all.rss").as_bytes()).unwrap();

    assert_eq!(rss.title, "Example News");
    assert_eq!(rss.link, "https://feeds.example.org/");
    assert_eq!(
        rss.last_build_date.as_deref(),
        Some("Wed, 25 Nov 2026 12:00:00 +0000")
    );
    let ids: Vec<&str> = rss
        .items
        .iter()
        .filter_map(|item| item.guid.as_ref())
        .map(|guid| guid.value.as_str())
        .collect();
    assert_eq!(ids, ["a", "b"]);

    let item = &rss.items[0];
    let guid = item.guid.as_ref().unwrap();
    assert!(!guid.permalink);
    let source = item.source.as_ref().unwrap();
    assert_eq!(source.url, "https://ap-world.example/feed.rss");
    assert_eq!(source.title.as_deref(), Some("Associated Press"));
    let dc = item.dublin_core_ext.as_ref().unwrap();
    assert_eq!(dc.creators, ["Jane Doe", "AP Desk"]);
    assert_eq!(dc.languages, ["en"]);
    let categories: Vec<&str> = item
        .categories
        .iter()
        .map(|category| category.name.as_str())
        .collect();
    assert_eq!(categories, ["Politics", "Protests", "MENA"]);
    assert_eq!(
        item.pub_date.as_deref(),
        Some("Wed, 25 Nov 2026 12:00:00 +0000")
    );
    let description = item.description.as_deref().unwrap();
    assert!(description.contains("Source: AP"), "{description}");
    assert!(description.contains("Also via: Reuters"), "{description}");
    assert!(
        item.content
            .as_deref()
            .unwrap()
            .starts_with("<p>Body of a.</p>")
    );
    assert!(
        item.content
            .as_deref()
            .unwrap()
            .contains("Also via: Reuters")
    );
}

#[test]
fn titles_name_the_site_and_the_channel() {
    let out = Scratch::new("titles");
    let mut feeds = newsroom(article("a", 12), article("b", 10));
    feeds.push(channel(Channel::Breaking, "Breaking news", Vec::new()));
    publish(&config(&out.0), &feeds).unwrap();
    let title = |stem: &str| {
        rss::Channel::read_from(out.read(&format!("{stem}.rss")).as_bytes())
            .unwrap()
            .title
    };
    assert_eq!(title("all"), "Example News");
    assert_eq!(title("breaking"), "Example News — Breaking");
    assert_eq!(title("sections/politics"), "Example News — Politics");
    assert_eq!(title("regions/mena"), "Example News — MENA");
}

#[test]
fn atom_entries_have_stable_ids_authors_and_a_source() {
    let out = Scratch::new("atom");
    let mut b = article("b", 10);
    b.authors.clear();
    publish(&config(&out.0), &newsroom(article("a", 12), b)).unwrap();
    let feed = atom_syndication::Feed::read_from(out.read("all.atom").as_bytes()).unwrap();

    assert_eq!(feed.id, "https://feeds.example.org/all.atom");
    assert_eq!(feed.updated, at(12).fixed_offset());
    assert!(
        feed.links
            .iter()
            .any(|link| link.rel == "self" && link.href == "https://feeds.example.org/all.atom")
    );
    let ids: Vec<&str> = feed.entries.iter().map(|entry| entry.id.as_str()).collect();
    assert_eq!(ids, ["urn:wirefeed:a", "urn:wirefeed:b"]);
    for entry in &feed.entries {
        assert!(!entry.authors.is_empty(), "{} has no author", entry.id);
        let source = entry.source.as_ref().unwrap();
        assert_eq!(source.id, "https://ap-world.example/feed.rss");
        assert_eq!(source.title.value, "Associated Press");
        assert!(
            source
                .links
                .iter()
                .any(|link| link.href == "https://ap-world.example/")
        );
        assert_eq!(
            entry
                .content
                .as_ref()
                .and_then(|content| content.content_type.as_deref()),
            Some("html")
        );
        assert!(entry.summary.as_ref().unwrap().value.contains("Source: AP"));
    }
    assert_eq!(feed.entries[0].authors[0].name, "Jane Doe");
    // An entry without a byline is credited to its outlet (RFC 4287 §4.1.2).
    assert_eq!(feed.entries[1].authors[0].name, "Associated Press");
    assert_eq!(feed.entries[0].published, Some(at(12).fixed_offset()));
}

#[test]
fn json_feed_has_version_items_and_wirefeed_attribution() {
    let out = Scratch::new("json");
    publish(
        &config(&out.0),
        &newsroom(article("a", 12), article("b", 10)),
    )
    .unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&out.read("sections/politics.json")).unwrap();

    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["title"], "Example News — Politics");
    assert_eq!(
        json["feed_url"],
        "https://feeds.example.org/sections/politics.json"
    );
    assert_eq!(json["home_page_url"], "https://feeds.example.org/");
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let item = &items[0];
    assert_eq!(item["id"], "a");
    assert_eq!(item["url"], "https://ap-world.example/a");
    assert_eq!(item["image"], "https://img.example/a.jpg");
    assert_eq!(item["authors"][1]["name"], "AP Desk");
    assert_eq!(item["tags"], serde_json::json!(["Protests"]));
    assert_eq!(item["language"], "en");
    let extension = &item["_wirefeed"];
    assert_eq!(extension["source"]["feed_id"], "ap-world");
    assert_eq!(extension["source"]["name"], "Associated Press");
    assert_eq!(extension["source"]["item_id"], "a");
    assert_eq!(extension["source"]["credit"], "Source: AP");
    assert_eq!(extension["also_via"][0]["name"], "Reuters");
    assert_eq!(extension["section"], "politics");
    assert_eq!(extension["series"]["slug"], "war-on-gaza");
    assert_eq!(extension["reading_minutes"], 5);
    assert_eq!(extension["image"]["credit"], "(AP)");
    assert_eq!(extension["image"]["caption"], "Crowds gather");
}

#[test]
fn feed_rs_reads_all_three_formats_with_the_same_entries() {
    let out = Scratch::new("feed-rs");
    publish(
        &config(&out.0),
        &newsroom(article("a", 12), article("b", 10)),
    )
    .unwrap();
    for extension in ["rss", "atom", "json"] {
        let bytes = fs::read(out.0.join(format!("all.{extension}"))).unwrap();
        let feed = feed_rs::parser::parse(bytes.as_slice())
            .unwrap_or_else(|error| panic!("all.{extension}: {error}"));
        let titles: Vec<String> = feed
            .entries
            .iter()
            .filter_map(|entry| entry.title.as_ref())
            .map(|title| title.content.clone())
            .collect();
        assert_eq!(titles, ["Story a", "Story b"], "all.{extension}");
        let links: Vec<&str> = feed
            .entries
            .iter()
            .filter_map(|entry| entry.links.first())
            .map(|link| link.href.as_str())
            .collect();
        assert_eq!(
            links,
            ["https://ap-world.example/a", "https://ap-world.example/b"],
            "all.{extension}"
        );
        for entry in &feed.entries {
            assert!(
                !entry.authors.is_empty(),
                "all.{extension}: entry without author"
            );
        }
    }
}

#[test]
fn second_publish_of_the_same_articles_writes_nothing() {
    let out = Scratch::new("repeat");
    let config = config(&out.0);
    let feeds = newsroom(article("a", 12), article("b", 10));
    publish(&config, &feeds).unwrap();
    let before: Vec<SystemTime> = STEMS
        .iter()
        .map(|stem| out.mtime(&format!("{stem}.rss")))
        .collect();
    let bytes_before = out.read("all.atom");
    std::thread::sleep(std::time::Duration::from_millis(20));

    let report = publish(&config, &feeds).unwrap();
    assert_eq!(report.written, 0);
    assert_eq!(report.unchanged, 4 * 3 + 2 + 2);
    let after: Vec<SystemTime> = STEMS
        .iter()
        .map(|stem| out.mtime(&format!("{stem}.rss")))
        .collect();
    assert_eq!(before, after);
    assert_eq!(bytes_before, out.read("all.atom"));
}

#[test]
fn changed_article_rewrites_only_the_channels_holding_it() {
    let out = Scratch::new("changed");
    let config = config(&out.0);
    publish(&config, &newsroom(article("a", 12), article("b", 10))).unwrap();

    // `b` is in all, politics and mena, not in protests. index.html shows
    // b's headline, so it changes; feeds.opml lists only channels and stays.
    let mut b = article("b", 10);
    b.title = "Story b, corrected".to_owned();
    let report = publish(&config, &newsroom(article("a", 12), b)).unwrap();
    // b's channels, b's ninjs file and the front page; a's stay as they were.
    assert_eq!(report.written, 3 * 3 + 1 + 1);
    assert_eq!(report.unchanged, 3 + 1 + 1);
    assert!(out.read("index.html").contains("Story b, corrected"));
    assert!(out.read("regions/mena.json").contains("Story b, corrected"));
    assert!(!out.read("tags/protests.json").contains("corrected"));
}

#[test]
fn hostile_text_round_trips_in_every_format() {
    let out = Scratch::new("escape");
    let mut story = article("x&<y>", 12);
    story.title = r#"<script>alert("x")</script> Tom & Jerry's"#.to_owned();
    story.summary = Some("a ]]> b & c < d".to_owned());
    story.content_html = Some("<p>CDATA end ]]> inside &amp; body</p>".to_owned());
    story.authors = vec!["O'Brien & \"Sons\"".to_owned()];
    story.source.name = "Outlet <&>".to_owned();
    let mut arabic = article("ar-1", 11);
    arabic.title = "غزة: استمرار القصف".to_owned();
    arabic.content_html = Some("<p>نص المقال</p>".to_owned());
    arabic.language = Some("ar".to_owned());
    let feeds = vec![
        channel(Channel::All, "", vec![story.clone(), arabic.clone()]),
        channel(Channel::Language("ar".to_owned()), "العربية", vec![arabic]),
    ];
    publish(&config(&out.0), &feeds).unwrap();

    let rss = rss::Channel::read_from(out.read("all.rss").as_bytes()).unwrap();
    assert_eq!(rss.items[0].title.as_deref(), Some(story.title.as_str()));
    assert!(
        rss.items[0]
            .content
            .as_deref()
            .unwrap()
            .starts_with("<p>CDATA end ]]> inside &amp; body</p>")
    );
    assert!(
        rss.items[0]
            .description
            .as_deref()
            .unwrap()
            .contains("a ]]&gt; b &amp; c &lt; d")
    );
    assert_eq!(
        rss.items[0].source.as_ref().unwrap().title.as_deref(),
        Some("Outlet <&>")
    );
    assert_eq!(rss.items[1].title.as_deref(), Some("غزة: استمرار القصف"));

    let atom = atom_syndication::Feed::read_from(out.read("all.atom").as_bytes()).unwrap();
    assert_eq!(atom.entries[0].title.value, story.title);
    assert_eq!(atom.entries[0].id, "urn:wirefeed:x%26%3Cy%3E");
    assert_eq!(atom.entries[0].authors[0].name, "O'Brien & \"Sons\"");
    assert_eq!(atom.entries[1].title.lang.as_deref(), Some("ar"));
    assert_eq!(
        atom.entries[1].content.as_ref().unwrap().lang.as_deref(),
        Some("ar")
    );

    let json: serde_json::Value = serde_json::from_str(&out.read("all.json")).unwrap();
    assert_eq!(json["items"][0]["title"], story.title.as_str());
    assert_eq!(json["items"][1]["language"], "ar");

    let arabic_rss = rss::Channel::read_from(out.read("languages/ar.rss").as_bytes()).unwrap();
    assert_eq!(arabic_rss.language.as_deref(), Some("ar"));
    assert_eq!(arabic_rss.title, "Example News — العربية");

    for file in ["all.rss", "all.atom", "all.json", "languages/ar.atom"] {
        let bytes = fs::read(out.0.join(file)).unwrap();
        let feed = feed_rs::parser::parse(bytes.as_slice())
            .unwrap_or_else(|error| panic!("{file}: {error}"));
        assert!(!feed.entries.is_empty(), "{file}");
    }
    assert!(!out.read("index.html").contains("<script>"));
}

#[test]
fn index_html_lists_every_channel_with_relative_links_and_counts() {
    let out = Scratch::new("index");
    let mut feeds = newsroom(article("a", 12), article("b", 10));
    feeds.push(channel(
        Channel::Tag("a-b".to_owned()),
        "Tom & <Jerry>",
        Vec::new(),
    ));
    publish(&config(&out.0), &feeds).unwrap();
    let html = out.read("index.html");

    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<style>"));
    assert!(!html.contains("<script") && !html.contains("<link rel=\"stylesheet\""));
    // Relative to the page, so the folder browses from disk and under `run`.
    for stem in STEMS.iter().chain(&["tags/a-b"]) {
        for extension in ["rss", "atom", "json"] {
            let href = format!("href=\"{stem}.{extension}\"");
            assert!(html.contains(&href), "missing {href}");
        }
    }
    assert!(html.contains("href=\"feeds.opml\""));
    assert!(!html.contains("https://feeds.example.org/"), "{html}");
    assert!(html.contains("Tom &amp; &lt;Jerry&gt;"));
    let positions: Vec<usize> = [
        "<h3>All</h3>",
        "<h3>Sections</h3>",
        "<h3>Tags</h3>",
        "<h3>Regions</h3>",
    ]
    .iter()
    .map(|heading| {
        html.find(heading)
            .unwrap_or_else(|| panic!("missing {heading}"))
    })
    .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "groups out of order"
    );
    assert!(html.contains("<span class=\"count\">2 stories</span>"));
}

#[test]
fn index_html_is_a_front_page_of_the_newest_headlines_linking_to_the_stories() {
    let out = Scratch::new("front");
    let mut a = article("a", 12);
    a.also_via
        .push(attribution("partner", "Partner Daily", "p-a"));
    publish(&config(&out.0), &newsroom(a, article("b", 10))).unwrap();
    let html = out.read("index.html");

    let latest = html
        .find("<h2>Latest")
        .expect("a block of the latest stories");
    let politics = html.find("<h2>Politics").expect("a block per section");
    let subscribe = html.find("id=\"subscribe\"").expect("the subscribe links");
    assert!(latest < politics && politics < subscribe, "{html}");
    // Newest first, each linking to the story's canonical URL.
    let story_a = html[latest..].find(">Story a</a>").unwrap();
    let story_b = html[latest..].find(">Story b</a>").unwrap();
    assert!(story_a < story_b, "{html}");
    assert!(
        html.contains("<a href=\"https://ap-world.example/a\">Story a</a>"),
        "{html}"
    );
    assert!(html.contains(">Associated Press</span>"), "{html}");
    assert!(
        html.contains(
            "also via <span dir=\"auto\">Reuters</span>, <span dir=\"auto\">Partner Daily</span>"
        ),
        "{html}"
    );
    assert!(
        html.contains(
            "<time datetime=\"2026-11-25T12:00:00Z\" dir=\"ltr\">25 Nov 2026, 12:00 UTC</time>"
        ),
        "{html}"
    );
}

#[test]
fn a_hostile_title_on_the_front_page_stays_text() {
    let out = Scratch::new("front-hostile");
    let mut story = article("x", 12);
    story.title =
        r#"<script>alert(1)</script> "onerror=alert(2) <img src=x onerror=alert(3)>"#.to_owned();
    story.url = Some("javascript:alert(4)".to_owned());
    publish(&config(&out.0), &[channel(Channel::All, "", vec![story])]).unwrap();
    let html = out.read("index.html");

    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("\"onerror"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;onerror=alert(2)"),
        "{html}"
    );
}

#[test]
fn an_unchanged_front_page_is_not_rewritten() {
    let out = Scratch::new("front-unchanged");
    let config = config(&out.0);
    publish(&config, &newsroom(article("a", 12), article("b", 10))).unwrap();
    let before = out.mtime("index.html");
    let bytes = out.read("index.html");
    std::thread::sleep(std::time::Duration::from_millis(20));
    publish(&config, &newsroom(article("a", 12), article("b", 10))).unwrap();
    assert_eq!(out.mtime("index.html"), before);
    assert_eq!(out.read("index.html"), bytes);
}

#[test]
fn feeds_opml_is_xml_with_an_outline_per_channel() {
    let out = Scratch::new("opml");
    let mut feeds = newsroom(article("a", 12), article("b", 10));
    feeds.push(channel(
        Channel::Tag("a-b".to_owned()),
        "Tom & \"Jerry\"",
        Vec::new(),
    ));
    publish(&config(&out.0), &feeds).unwrap();
    let opml = out.read("feeds.opml");

    let mut reader = quick_xml::Reader::from_str(&opml);
    let mut xml_urls = Vec::new();
    let mut titles = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Empty(element) if element.name().as_ref() == "outline" => {
                for attribute in element.attributes() {
                    let attribute = attribute.unwrap();
                    let value = attribute
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .unwrap()
                        .into_owned();
                    match attribute.key.as_ref() {
                        "xmlUrl" => xml_urls.push(value),
                        "title" => titles.push(value),
                        "type" => assert_eq!(value, "rss"),
                        "htmlUrl" => assert_eq!(value, "https://feeds.example.org/"),
                        _ => {}
                    }
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(
        xml_urls,
        [
            "https://feeds.example.org/all.rss",
            "https://feeds.example.org/sections/politics.rss",
            "https://feeds.example.org/tags/a-b.rss",
            "https://feeds.example.org/tags/protests.rss",
            "https://feeds.example.org/regions/mena.rss",
        ]
    );
    assert!(titles.contains(&"Example News — Tom & \"Jerry\"".to_owned()));
}

#[test]
fn empty_channel_has_a_fixed_date_not_the_current_time() {
    let out = Scratch::new("empty");
    let feeds = vec![channel(Channel::Breaking, "", Vec::new())];
    publish(&config(&out.0), &feeds).unwrap();
    let atom = atom_syndication::Feed::read_from(out.read("breaking.atom").as_bytes()).unwrap();
    assert_eq!(atom.updated, DateTime::UNIX_EPOCH.fixed_offset());
    let rss = rss::Channel::read_from(out.read("breaking.rss").as_bytes()).unwrap();
    assert!(rss.items.is_empty());
}

/// Set, to the output folder, in the copy of this test binary that runs the
/// failing publish for root (`rerun_with_read_only_mount`).
const READ_ONLY_OUTPUT: &str = "WIREFEED_TEST_READ_ONLY_OUTPUT";

#[test]
fn unwritable_output_folder_is_an_error_naming_the_path_and_keeps_the_old_file() {
    if let Some(folder) = std::env::var_os(READ_ONLY_OUTPUT) {
        return an_update_fails_naming(Path::new(&folder));
    }
    let out = Scratch::new("readonly");
    let config = config(&out.0);
    publish(&config, &newsroom(article("a", 12), article("b", 10))).unwrap();
    let before = out.read("all.rss");

    let mut permissions = fs::metadata(&out.0).unwrap().permissions();
    permissions.set_readonly(true);
    fs::set_permissions(&out.0, permissions).unwrap();
    let probe = out.0.join(".probe");
    if fs::write(&probe, b"x").is_err() {
        an_update_fails_naming(&out.0);
    } else {
        // Root ignores permissions (as in CI), but not a read-only mount.
        let _ = fs::remove_file(probe);
        make_writable(&out.0);
        if !rerun_with_read_only_mount(
            &out.0,
            "unwritable_output_folder_is_an_error_naming_the_path_and_keeps_the_old_file",
        ) {
            return;
        }
    }
    make_writable(&out.0);
    assert_eq!(out.read("all.rss"), before);
}

/// Publishing an update into `folder`, which cannot be written, fails with
/// an error naming a path in it.
fn an_update_fails_naming(folder: &Path) {
    let mut newer = article("a", 12);
    newer.title = "Story a, updated".to_owned();
    let error = publish(&config(folder), &newsroom(newer, article("b", 10))).unwrap_err();
    match &error {
        PublishError::Io { path, .. } => assert!(path.starts_with(folder), "{}", path.display()),
        other => panic!("unexpected error {other}"),
    }
    assert!(
        error.to_string().contains(&folder.display().to_string()),
        "{error}"
    );
}

/// Runs `test` of this binary again in a private mount namespace where
/// `folder` is bound read-only over itself, with `READ_ONLY_OUTPUT` naming
/// it; the copy must pass. False, having said why (`skip_or_fail`), when
/// this machine gives no such namespace.
fn rerun_with_read_only_mount(folder: &Path, test: &str) -> bool {
    use std::process::{Command, Stdio};
    const BIND_READ_ONLY: &str =
        "mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" \"$0\"";
    let mounted = Command::new("unshare")
        .args(["-m", "sh", "-c"])
        .arg(format!("{BIND_READ_ONLY} && ! touch \"$0/.probe\""))
        .arg(folder)
        .stderr(Stdio::null())
        .status();
    if !mounted.is_ok_and(|status| status.success()) {
        skip::skip_or_fail(
            "running as root, and no private mount namespace (unshare -m) \
             to mount the output folder read-only",
        );
        return false;
    }
    let binary = std::env::current_exe().expect("the test binary's path");
    let rerun = Command::new("unshare")
        .args(["-m", "sh", "-c"])
        .arg(format!("{BIND_READ_ONLY} && exec \"$@\""))
        .arg(folder)
        .arg(binary)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(READ_ONLY_OUTPUT, folder)
        .output()
        .expect("run unshare");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&rerun.stdout),
        String::from_utf8_lossy(&rerun.stderr)
    );
    // "1 passed": the copy ran this very test, not zero tests.
    assert!(
        rerun.status.success() && report.contains("1 passed"),
        "the publish into a read-only mount:\n{report}"
    );
    true
}

#[test]
fn blocked_subfolder_is_an_error_naming_it_and_earlier_files_stay() {
    let out = Scratch::new("blocked");
    let config = config(&out.0);
    let a = article("a", 12);
    publish(&config, &[channel(Channel::All, "", vec![a.clone()])]).unwrap();
    let before = out.read("all.rss");
    // A file where the `sections/` folder must go: fails even for root.
    fs::write(out.0.join("sections"), b"not a folder").unwrap();

    let feeds = [
        channel(Channel::All, "", vec![a.clone()]),
        channel(Channel::Section("politics".to_owned()), "Politics", vec![a]),
    ];
    let error = publish(&config, &feeds).unwrap_err();
    match &error {
        PublishError::Io { path, .. } => {
            assert!(
                path.starts_with(out.0.join("sections")),
                "{}",
                path.display()
            )
        }
        other => panic!("unexpected error {other}"),
    }
    assert!(error.to_string().contains("sections"), "{error}");
    assert_eq!(out.read("all.rss"), before);
}
