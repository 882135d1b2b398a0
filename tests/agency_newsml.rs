//! The NewsML-G2 reader on the IPTC guideline listings and on fixtures
//! modelled on them (`tests/fixtures/agency/newsml/`).
//!
//! The listings live in `../shared/agency-formats/newsml-g2/examples` next to
//! the project, or wherever `WIREFEED_AGENCY_FORMATS` points (a git worktree
//! sits deeper); without them the listing test is skipped with a message
//! (and fails under `WIREFEED_REQUIRE_ALL=1`, as in `.ci/run`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use url::Url;
use wirefeed::parse::ParseError;
use wirefeed::parse::agency::newsml::{read, sniff_newsml};
use wirefeed::parse::agency::{AgencyItem, PubStatus};

#[path = "support/skip.rs"]
mod skip;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/agency/newsml")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn doc_url() -> Url {
    Url::parse("https://wire.example/g2/feed.xml").expect("test URL")
}

fn read_fixture(name: &str) -> Vec<AgencyItem> {
    read(&fixture(name), &doc_url()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("test date")
        .with_timezone(&Utc)
}

fn title(item: &AgencyItem) -> &str {
    item.entry.title.as_ref().map_or("", |t| t.content.as_str())
}

fn summary(item: &AgencyItem) -> &str {
    item.entry
        .summary
        .as_ref()
        .map_or("", |t| t.content.as_str())
}

fn body(item: &AgencyItem) -> &str {
    item.entry
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .unwrap_or("")
}

fn authors(item: &AgencyItem) -> Vec<&str> {
    item.entry
        .authors
        .iter()
        .filter_map(|p| p.name.as_deref())
        .collect()
}

/// Collapses whitespace so HTML assertions do not depend on the fixture's indentation.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn text_story_with_nitf_body_takes_its_linked_photo_as_lead_image() {
    let items = read_fixture("text-nitf-picture-message.xml");
    assert_eq!(items.len(), 1, "the photo is folded into the story");
    let story = &items[0];
    let entry = &story.entry;
    assert_eq!(entry.id, "urn:newsml:wire.example:20261120:FLOOD-STORY");
    assert_eq!(title(story), "Floods cut off villages south of Valencia");
    assert_eq!(
        summary(story),
        "Rescue teams reached three villages by boat on Friday."
    );
    assert_eq!(entry.published, Some(utc("2026-11-20T07:30:00Z")));
    assert_eq!(entry.updated, Some(utc("2026-11-20T09:05:00Z")));
    assert_eq!(authors(story), ["Ana López", "By Ana López"]);
    assert_eq!(story.editorial.located.as_deref(), Some("Valencia"));
    assert_eq!(story.editorial.urgency, Some(4));
    assert_eq!(story.editorial.status, PubStatus::Usable);
    assert_eq!(entry.language.as_deref(), Some("en-GB"));
    assert_eq!(
        entry.rights.as_ref().map(|r| r.content.as_str()),
        Some("© Wire Example Ltd. Copyright 2026 Wire Example Ltd. No archival use.")
    );
    assert_eq!(entry.links.len(), 1);
    assert_eq!(
        entry.links[0].href,
        "https://wire.example/stories/flood-valencia"
    );

    let html = squeeze(body(story));
    assert_eq!(
        html,
        "<p>Rescue teams reached three villages by boat on Friday after the Júcar river burst its banks.</p> \
         <h2>Roads closed</h2> \
         <p>Regional authorities closed <em>twelve</em> roads &amp; two rail lines. \
         Updates: <a href=\"https://wire.example/live?id=1&amp;lang=en\">live page</a>.</p>"
    );
    for never in [
        "Desk:",
        "Check casualty",
        "Reporting by",
        "Inline picture",
        "Staff Correspondent",
    ] {
        assert!(!format!("{entry:?}").contains(never), "{never:?} leaked");
    }

    let image = &entry.media[0];
    let rendition = &image.content[0];
    assert_eq!(
        rendition.url.as_ref().map(Url::as_str),
        Some("https://media.wire.example/flood-hi.jpg")
    );
    assert_eq!(
        (rendition.width, rendition.height),
        (Some(3000), Some(2000))
    );
    assert_eq!(
        rendition.content_type.as_ref().map(|m| m.to_string()),
        Some("image/jpeg".to_owned())
    );
    assert!(
        image
            .description
            .as_ref()
            .is_some_and(|d| d.content.starts_with("Residents wade"))
    );
    assert_eq!(image.credits[0].entity, "Wire Example/Luis Ortega");
}

#[test]
fn xhtml_story_keeps_markup_and_drops_scripts() {
    let items = read_fixture("text-xhtml.xml");
    let item = &items[0];
    assert_eq!(title(item), "Acme Widgets announces annual results");
    assert_eq!(
        summary(item),
        "Acme Widgets reported a six per cent rise in profits."
    );
    assert_eq!(authors(item), ["Business Desk", "By Sam Park"]);
    assert_eq!(item.entry.language.as_deref(), Some("en-US"));
    assert_eq!(
        item.entry.rights.as_ref().map(|r| r.content.as_str()),
        Some("© Acme Newswire. Copyright 2026 Acme Newswire.")
    );
    // Not squeezed: the no-break space must survive as written.
    assert!(
        body(item).contains("profits rose <strong>6%</strong> to $12\u{a0}million."),
        "{}",
        body(item)
    );
    let html = squeeze(body(item));
    assert!(
        html.contains("<tr><th>Year</th><th>Profit</th></tr>"),
        "{html}"
    );
    assert!(
        !html.contains("track()") && !html.contains("<title>"),
        "{html}"
    );
    assert!(item.entry.links.is_empty(), "no web link was given");
}

#[test]
fn embargoed_item_carries_its_embargo_in_utc_and_no_ednote() {
    let items = read_fixture("embargoed.xml");
    let item = &items[0];
    assert_eq!(item.editorial.embargoed, Some(utc("2026-11-21T11:00:00Z")));
    assert_eq!(item.editorial.status, PubStatus::Usable);
    assert_eq!(item.editorial.urgency, Some(3));
    assert_eq!(item.entry.published, Some(utc("2026-11-20T08:55:00Z")));
    assert!(!format!("{item:?}").contains("STRICTLY"));
}

#[test]
fn withheld_and_canceled_versions_say_so() {
    let withheld = read_fixture("withheld.xml");
    assert_eq!(withheld[0].editorial.status, PubStatus::Withheld);
    let killed = read_fixture("canceled.xml");
    assert_eq!(killed[0].editorial.status, PubStatus::Canceled);
    assert_eq!(withheld[0].entry.id, killed[0].entry.id);
    assert!(killed[0].entry.updated > withheld[0].entry.updated);
    assert!(!format!("{killed:?}").contains("KILL KILL"));
}

#[test]
fn flash_has_urgency_one_and_its_literal_dateline() {
    let items = read_fixture("flash.xml");
    assert_eq!(items[0].editorial.urgency, Some(1));
    assert_eq!(items[0].editorial.located.as_deref(), Some("TOKYO"));
    assert_eq!(title(&items[0]), "FLASH: Strong earthquake hits Tokyo");
}

#[test]
fn message_yields_its_news_items_with_the_packaged_photo_folded_in() {
    let items = read_fixture("message-two-items.xml");
    let ids: Vec<&str> = items.iter().map(|i| i.entry.id.as_str()).collect();
    assert_eq!(ids, ["urn:item:A", "urn:item:B"]);
    let first = &items[0];
    assert_eq!(
        body(first),
        "<p>Der Bundestag hat den Haushalt beschlossen.</p><p>Die Opposition stimmte dagegen.</p>"
    );
    assert_eq!(
        first.entry.language.as_deref(),
        Some("de"),
        "inherited from the message"
    );
    let photo = &first.entry.media[0];
    assert_eq!(
        photo.content[0].url.as_ref().map(Url::as_str),
        Some("https://media.wire.example/plenum.jpg")
    );
    assert_eq!(
        photo.description.as_ref().map(|d| d.content.as_str()),
        Some("Abgeordnete im Plenarsaal.")
    );
    let second = &items[1];
    assert_eq!(title(second), "Bahn streicht Verbindungen");
    assert_eq!(summary(second), "Wegen Sturmschäden fallen Züge aus.");
    assert!(second.entry.media.is_empty());
}

#[test]
fn subjects_and_genres_become_coded_categories() {
    let items = read_fixture("subjects.xml");
    let categories: Vec<(&str, Option<&str>, Option<&str>)> = items[0]
        .entry
        .categories
        .iter()
        .map(|c| (c.term.as_str(), c.label.as_deref(), c.scheme.as_deref()))
        .collect();
    assert_eq!(
        categories,
        [
            ("medtop:20000523", Some("Arbeitsmarkt"), Some("subject")),
            (
                "http://cv.iptc.org/newscodes/mediatopic/20000533",
                Some("unemployment"),
                Some("subject")
            ),
            ("gyimeid:104530187", None, Some("subject")),
            ("genre:Analysis", Some("Analysis"), Some("genre")),
        ]
    );
}

#[test]
fn truncated_document_is_malformed_with_its_position() {
    let error = read(&fixture("truncated.xml"), &doc_url()).expect_err("truncated");
    match error {
        ParseError::Malformed { reason, .. } => {
            let lines = fixture("truncated.xml").lines().count();
            assert!(
                reason.contains(&format!("at {lines}:")),
                "line {lines} in {reason:?}"
            )
        }
        other => panic!("expected Malformed, got {other}"),
    }
}

#[test]
fn billion_laughs_is_refused_at_once() {
    let started = Instant::now();
    let error = read(&fixture("billion-laughs.xml"), &doc_url()).expect_err("bomb");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(
        matches!(&error, ParseError::Malformed { reason, .. } if reason.contains("DTD")),
        "{error}"
    );
}

#[test]
fn external_entity_is_never_resolved() {
    let error = read(&fixture("xxe.xml"), &doc_url()).expect_err("xxe");
    let text = error.to_string();
    assert!(matches!(error, ParseError::Malformed { .. }), "{text}");
    assert!(!text.contains("root:"), "{text}");
}

#[test]
fn sniffing_tells_g2_items_from_other_documents() {
    assert!(sniff_newsml(&fixture("flash.xml")));
    assert!(sniff_newsml(&fixture("message-two-items.xml")));
    assert!(!sniff_newsml(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"/>"
    ));
}

// ---- the IPTC guideline listings ----

fn listings_dir() -> Option<PathBuf> {
    let dir =
        skip::shared_folder("WIREFEED_AGENCY_FORMATS", "agency-formats").join("newsml-g2/examples");
    if dir.is_dir() {
        Some(dir)
    } else {
        skip::skip_or_fail(&format!(
            "no NewsML-G2 listings at {} (set WIREFEED_AGENCY_FORMATS)",
            dir.display()
        ));
        None
    }
}

/// Listings that are not a readable news item, and why the reader refuses each.
const REFUSED: &[(&str, &str)] = &[
    ("LISTING_10_", "conceptItem"),
    ("LISTING_11_", "conceptItem"),
    ("LISTING_12_", "knowledgeItem"),
    ("LISTING_13_", "catalogItem"),
    ("LISTING_14_", "conceptItem"),
    ("LISTING_15_", "knowledgeItem"),
    ("LISTING_16_", "the newsItem: nothing to publish"), // a composite item of events
    ("LISTING_17_", "planningItem"),
    ("LISTING_18_", "planningItem"),
    ("LISTING_19_", "planningItem"),
    ("LISTING_20_", "planningItem"),
    ("LISTING_23_", "packageItem"),
    (
        "LISTING_24_",
        "4 newsItem, 1 packageItem: nothing to publish",
    ), // a package and four "....." placeholders
    ("LISTING_25_", "<contentSet>"),       // a fragment
    ("LISTING_28_", "<contentMeta>"),      // a fragment
    ("LISTING_29_", "nothing to publish"), // hop history only
    ("LISTING_6_", "packageItem"),
    ("LISTING_7_", "<groupSet>"), // package fragments
    ("LISTING_8_", "<groupSet>"),
    ("LISTING_9_", "<groupSet>"),
    ("ap_metadata_example", "nothing to publish"), // subjects of a video, no text
    ("facet-example", "nothing to publish"),       // subject facets only
];

#[test]
fn every_text_and_picture_listing_reads_and_the_rest_are_refused() {
    let Some(dir) = listings_dir() else { return };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("readable folder entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
        .collect();
    paths.sort();
    let mut read_ok = 0;
    for path in &paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let url = Url::from_file_path(path).expect("absolute path");
        let result = read(&text, &url);
        match REFUSED.iter().find(|(prefix, _)| name.starts_with(prefix)) {
            Some((_, why)) => match result {
                Err(ParseError::NotAFeed { reason, .. }) => {
                    assert!(
                        reason.contains(why),
                        "{name}: {reason:?} should name {why:?}"
                    )
                }
                other => panic!("{name}: expected NotAFeed ({why}), got {other:?}"),
            },
            None => {
                let items = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                for item in &items {
                    assert!(!item.entry.id.is_empty(), "{name}: no id");
                    assert!(
                        !title(item).is_empty() || !summary(item).is_empty(),
                        "{name}: neither title nor summary"
                    );
                }
                read_ok += 1;
            }
        }
    }
    assert_eq!(
        read_ok, 11,
        "readable listings: 1, 2, 3, 3A, 4, 5, 21, 22, 26, 27, Receiver View"
    );
}

#[test]
fn listing_values_match_the_guidelines() {
    let Some(dir) = listings_dir() else { return };
    let read_listing = |name: &str| {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        read(&text, &Url::from_file_path(&path).expect("absolute path"))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };

    let news = &read_listing("LISTING_1_A_NewsML-G2_News_Item.xml")[0];
    assert_eq!(title(news), "Fed to halt QE to avert \"bubble\"");
    assert_eq!(news.editorial.embargoed, Some(utc("2018-10-23T12:00:00Z")));
    assert_eq!(news.editorial.located.as_deref(), Some("Berlin"));
    assert_eq!(news.entry.published, Some(utc("2016-10-18T18:12:21Z")));
    assert_eq!(news.entry.updated, Some(utc("2018-10-21T21:25:32Z")));
    assert_eq!(authors(news), ["Meredith Jameson"]);
    assert_eq!(
        news.entry.links[0].href,
        "http://www.example.com/video/20081222-PNN-1517-407624/index.html"
    );
    assert_eq!(
        news.entry.categories[1].label.as_deref(),
        Some("labour market")
    );
    assert!(!format!("{news:?}").contains("Note to editors"));

    let text = &read_listing("LISTING_2_NewsML-G2_Text_Document.xml")[0];
    assert!(body(text).starts_with("<p>(New York, NY - October 21) Et, sent"));
    assert_eq!(authors(text), ["Meredith Jameson", "By Meredith Jameson"]);
    assert_eq!(
        text.entry.published,
        Some(utc("2016-11-21T20:21:06Z")),
        "contentCreated when firstCreated is absent"
    );

    let sports = &read_listing("LISTING_22_Sports_story_in_NewsML-G2NITF.xml")[0];
    assert!(
        summary(sports).starts_with("A pair of teams coming off big weekend sweeps will square")
    );
    assert_eq!(authors(sports), ["The Sports Network"]);

    // Relative and file:// renditions are not usable from a spool file.
    let photo = &read_listing("LISTING_3_Photo_in_NewsML-G2.xml")[0];
    assert!(photo.entry.media.is_empty());
    assert!(title(photo).starts_with("Variety Of Recessionary Forces"));

    let crash =
        &read_listing("LISTING_26_Embedded_photo_metadata_fields_mapped_to_NewsML-G2.xml")[0];
    let lead = &crash.entry.media[0];
    assert_eq!(
        lead.content[0].url.as_ref().map(Url::as_str),
        Some(
            "http://www.acmenews.com/content/pictures/hires/20081208/USA-CRASH-MILITARY_001_HI.jpg"
        )
    );
    assert_eq!(lead.credits[0].entity, "Acme/John Smith");
    assert_eq!(crash.editorial.urgency, Some(4));
    assert_eq!(
        crash.entry.rights.as_ref().map(|r| r.content.as_str()),
        Some("© Thomson Reuters. Copyright 2008 Thomson Reuters. NO ARCHIVAL OR WIRELESS USE.")
    );

    let video = &read_listing("LISTING_4_Multiple_Renditions_of_a_Video_in_NewsML-G2.xml")[0];
    assert!(title(video).is_empty());
    assert!(summary(video).starts_with("- Amir Hussein Abdullahian"));
}
