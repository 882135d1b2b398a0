//! `read` on small documents; the listings and fixtures are in `tests/agency_newsml.rs`.

use super::*;
use crate::parse::agency::PubStatus;
use xml::G2_NS;

fn url() -> Url {
    Url::parse("https://agency.example/g2/item.xml").expect("test URL")
}

fn item(inner: &str) -> String {
    format!("<newsItem xmlns=\"{G2_NS}\" guid=\"urn:x:1\" version=\"2\">{inner}</newsItem>")
}

#[test]
fn headline_summary_and_nitf_body_are_read() {
    let doc = item(
        r#"<itemMeta><itemClass qcode="ninat:text"/><pubStatus qcode="stat:usable"/></itemMeta>
        <contentMeta><headline role="hdltype:sub">Sub</headline><headline>Main <b>bold</b>
        line</headline><description role="drol:summary">Short.</description></contentMeta>
        <contentSet><inlineXML contenttype="application/nitf+xml"><nitf xmlns="http://iptc.org/std/NITF/2006-10-18/">
        <body><body.content><p>One &amp; <em>two</em> <a href="https://x.example/?a=1&amp;b=&quot;2&quot;">link</a></p>
        <media media-type="image"><media-reference source="https://x.example/p.jpg" mime-type="image/jpeg"/>
        <media-caption>A caption</media-caption><media-producer>AP Photo</media-producer></media>
        <hl2>Sub head</hl2><note>internal</note></body.content></body></nitf></inlineXML></contentSet>"#,
    );
    let items = read(&doc, &url()).expect("reads");
    let entry = &items[0].entry;
    assert_eq!(entry.id, "urn:x:1");
    assert_eq!(
        entry.title.as_ref().map(|t| t.content.as_str()),
        Some("Main bold line")
    );
    assert_eq!(
        entry.summary.as_ref().map(|t| t.content.as_str()),
        Some("Short.")
    );
    let body = entry
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .expect("body");
    assert_eq!(
        body.split_whitespace().collect::<Vec<_>>().join(" "),
        "<p>One &amp; <em>two</em> <a href=\"https://x.example/?a=1&amp;b=&quot;2&quot;\">link</a></p> <h2>Sub head</h2>"
    );
    assert_eq!(
        entry.content.as_ref().map(|c| c.content_type.to_string()),
        Some("text/html".to_owned())
    );
    // The body's picture is left out of the HTML and offered as the lead image.
    let lead = entry.media[0].content[0].url.as_ref().map(Url::as_str);
    assert_eq!(lead, Some("https://x.example/p.jpg"));
    assert_eq!(
        entry.media[0]
            .description
            .as_ref()
            .map(|d| d.content.as_str()),
        Some("A caption")
    );
    assert_eq!(entry.media[0].credits[0].entity, "AP Photo");
}

#[test]
fn xhtml_body_drops_scripts_and_escapes_text() {
    let doc = item(
        r#"<contentMeta><headline>H</headline></contentMeta><contentSet>
        <inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head>
        <body><p class="byline">By Jane Doe</p><p onclick="x">1 &lt; 2</p><script>alert(1)</script><br/></body></html></inlineXML></contentSet>"#,
    );
    let items = read(&doc, &url()).expect("reads");
    let entry = &items[0].entry;
    let body = entry
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .expect("body");
    assert_eq!(
        body,
        "<p class=\"byline\">By Jane Doe</p><p onclick=\"x\">1 &lt; 2</p><br>"
    );
    assert_eq!(entry.authors[0].name.as_deref(), Some("By Jane Doe"));
}

#[test]
fn plain_inline_data_becomes_paragraphs() {
    let doc = item(
        "<contentMeta><headline>H</headline></contentMeta><contentSet>\
         <inlineData contenttype=\"text/plain\">First line\nwrapped &lt;here&gt;.\r\n\r\nSecond.</inlineData></contentSet>",
    );
    let items = read(&doc, &url()).expect("reads");
    let body = items[0]
        .entry
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref());
    assert_eq!(
        body,
        Some("<p>First line wrapped &lt;here&gt;.</p><p>Second.</p>")
    );
}

#[test]
fn empty_embargo_is_held_back_as_withheld() {
    let doc =
        item("<itemMeta><embargoed/></itemMeta><contentMeta><headline>H</headline></contentMeta>");
    let items = read(&doc, &url()).expect("reads");
    assert_eq!(items[0].editorial.status, PubStatus::Withheld);
    assert_eq!(items[0].editorial.embargoed, None);
}

#[test]
fn urgency_outside_one_to_nine_is_none() {
    for (text, expected) in [
        ("1", Some(1)),
        (" 9 ", Some(9)),
        ("0", None),
        ("12", None),
        ("x", None),
    ] {
        let doc = item(&format!(
            "<contentMeta><urgency>{text}</urgency><headline>H</headline></contentMeta>"
        ));
        let items = read(&doc, &url()).expect("reads");
        assert_eq!(items[0].editorial.urgency, expected, "urgency {text:?}");
    }
}

#[test]
fn prefixed_g2_elements_are_matched_by_namespace() {
    let doc = format!(
        "<g2:newsItem xmlns:g2=\"{G2_NS}\" guid=\"p\"><g2:contentMeta><g2:headline>Prefixed</g2:headline>\
         <headline xmlns=\"http://other.example/\">Not G2</headline></g2:contentMeta></g2:newsItem>"
    );
    let items = read(&doc, &url()).expect("reads");
    assert_eq!(
        items[0].entry.title.as_ref().map(|t| t.content.as_str()),
        Some("Prefixed")
    );
}

#[test]
fn an_item_with_nothing_to_publish_is_not_a_feed() {
    let doc = item("<itemMeta><itemClass qcode=\"ninat:text\"/></itemMeta>");
    let error = read(&doc, &url()).expect_err("nothing to publish");
    assert!(
        matches!(&error, ParseError::NotAFeed { reason, .. } if reason.contains("the newsItem: nothing to publish")),
        "{error}"
    );
}

#[test]
fn other_roots_are_refused_with_their_name() {
    let concept = format!("<conceptItem xmlns=\"{G2_NS}\" guid=\"c\"/>");
    let error = read(&concept, &url()).expect_err("concept item");
    assert!(
        matches!(&error, ParseError::NotAFeed { reason, .. } if reason.contains("<conceptItem>")),
        "{error}"
    );
    let rss = "<rss version=\"2.0\"><channel/></rss>";
    let error = read(rss, &url()).expect_err("rss");
    assert!(
        matches!(&error, ParseError::NotAFeed { reason, .. } if reason.contains("<rss>")),
        "{error}"
    );
}

#[test]
fn malformed_xml_names_line_and_column() {
    let doc =
        format!("<newsItem xmlns=\"{G2_NS}\" guid=\"x\">\n<contentMeta>\n<headline>H</title>");
    let error = read(&doc, &url()).expect_err("malformed");
    assert!(
        matches!(&error, ParseError::Malformed { reason, .. } if reason.contains("3:")),
        "{error}"
    );
}

#[test]
fn nitf_head_fills_in_a_missing_headline_summary_and_dateline() {
    let doc = item(
        r#"<contentSet><inlineXML contenttype="application/nitf+xml"><nitf><body><body.head>
        <hedline><hl1>NITF head</hl1><hl2>NITF sub</hl2></hedline>
        <dateline><location>OSLO</location>, Nov 20</dateline></body.head>
        <body.content><p>Text.</p></body.content></body></nitf></inlineXML></contentSet>"#,
    );
    let items = read(&doc, &url()).expect("reads");
    let entry = &items[0].entry;
    assert_eq!(
        entry.title.as_ref().map(|t| t.content.as_str()),
        Some("NITF head")
    );
    assert_eq!(
        entry.summary.as_ref().map(|t| t.content.as_str()),
        Some("NITF sub")
    );
    assert_eq!(items[0].editorial.located.as_deref(), Some("OSLO"));
}

#[test]
fn an_item_without_guid_gets_the_no_source_id_marker() {
    let doc = format!(
        "<newsItem xmlns=\"{G2_NS}\"><contentMeta><headline>H</headline></contentMeta></newsItem>"
    );
    let items = read(&doc, &url()).expect("reads");
    assert_eq!(items[0].entry.id, crate::parse::NO_SOURCE_ID);
}

#[test]
fn the_parsed_root_decides_even_when_the_start_tag_fools_the_sniffer() {
    // A '>' inside an attribute before xmlns ends the sniffed tag early.
    let doc = format!(
        "<newsItem guid=\"a>b\" xmlns=\"{G2_NS}\"><contentMeta><headline>H</headline></contentMeta></newsItem>"
    );
    let items = read(&doc, &url()).expect("reads");
    assert_eq!(items[0].entry.id, "a>b");
    let with_bom = format!(
        "\u{feff}{}",
        item("<contentMeta><headline>H</headline></contentMeta>")
    );
    assert_eq!(read(&with_bom, &url()).expect("reads with a BOM").len(), 1);
    let error = read("plain words", &url()).expect_err("not XML");
    assert!(
        matches!(&error, ParseError::NotAFeed { reason, .. } if reason == "not XML"),
        "{error}"
    );
}
