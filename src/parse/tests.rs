//! Behaviour of `parse` on small fixtures in `tests/fixtures/parse/`.

use std::path::PathBuf;

use super::*;

fn fixture(name: &str, content_type: Option<&str>) -> Document {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/parse")
        .join(name);
    let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Document {
        url: url::Url::parse(&format!("https://feeds.example/partner/{name}")).expect("valid url"),
        body,
        content_type: content_type.map(str::to_string),
    }
}

/// The feed-rs model of `doc`, as most tests here look at it.
fn parse(doc: &Document) -> Result<Feed, ParseError> {
    super::parse(doc).map(|parsed| parsed.feed)
}

fn document(body: &[u8]) -> Document {
    Document {
        url: url::Url::parse("https://feeds.example/feed.xml").expect("valid url"),
        body: body.to_vec(),
        content_type: None,
    }
}

fn title(feed: &Feed) -> &str {
    feed.title.as_ref().map_or("", |t| t.content.as_str())
}

fn entry_titles(feed: &Feed) -> Vec<&str> {
    feed.entries
        .iter()
        .map(|e| e.title.as_ref().map_or("", |t| t.content.as_str()))
        .collect()
}

#[test]
fn rss2_feed_parses_with_items_and_dates() {
    let feed = parse(&fixture("rss2.xml", None)).expect("parses");
    assert_eq!(title(&feed), "Agency Wire");
    assert_eq!(
        entry_titles(&feed),
        ["Ceasefire talks resume", "No guid here"]
    );
    assert_eq!(feed.entries[0].id, "agency-4711");
    assert!(feed.entries[0].published.is_some());
}

#[test]
fn rss2_html_is_left_unsanitized_for_normalize() {
    let feed = parse(&fixture("rss2.xml", None)).expect("parses");
    let summary = feed.entries[0].summary.as_ref().expect("has a description");
    assert!(summary.content.contains("<script>"), "{}", summary.content);
}

#[test]
fn rss1_rdf_feed_parses() {
    let feed = parse(&fixture("rss1.rdf", None)).expect("parses");
    assert_eq!(title(&feed), "Partner RDF");
    assert_eq!(entry_titles(&feed), ["First RDF story"]);
}

#[test]
fn atom_feed_parses_and_xml_base_resolves_links() {
    let feed = parse(&fixture("atom.xml", None)).expect("parses");
    assert_eq!(title(&feed), "Outlet Atom");
    assert_eq!(feed.entries[0].id, "urn:outlet:1");
    assert_eq!(
        feed.entries[0].links[0].href,
        "https://outlet.example/news/2026/atom-story"
    );
}

#[test]
fn json_feed_1_1_parses() {
    let feed = parse(&fixture("feed.json", Some("application/feed+json"))).expect("parses");
    assert_eq!(title(&feed), "Partner JSON");
    assert_eq!(entry_titles(&feed), ["JSON story", "JSON story without id"]);
    assert_eq!(feed.entries[0].id, "j1");
}

#[test]
fn entries_and_feeds_without_ids_get_no_source_id_never_a_uuid() {
    for (name, untitled_index) in [("rss2.xml", 1), ("feed.json", 1)] {
        let feed = parse(&fixture(name, None)).expect("parses");
        assert_eq!(feed.entries[untitled_index].id, NO_SOURCE_ID, "{name}");
    }
    let bare = parse(&document(
        b"<rss version=\"2.0\"><channel><item><description>x</description></item></channel></rss>",
    ))
    .expect("parses");
    assert_eq!(bare.id, NO_SOURCE_ID);
    assert_eq!(bare.entries[0].id, NO_SOURCE_ID);
}

#[test]
fn relative_item_link_resolves_against_document_url() {
    let feed = parse(&fixture("rss2.xml", None)).expect("parses");
    assert_eq!(
        feed.entries[0].links[0].href,
        "https://feeds.example/world/ceasefire-talks"
    );
}

#[test]
fn iso_8859_1_declared_in_prolog_is_decoded() {
    let feed = parse(&fixture("latin1_prolog.xml", None)).expect("parses");
    assert_eq!(title(&feed), "R\u{e9}gion");
    assert_eq!(entry_titles(&feed), ["Caf\u{e9} cr\u{e8}me"]);
}

#[test]
fn charset_given_only_in_content_type_is_used() {
    let doc = fixture(
        "latin1_http_charset.xml",
        Some("application/rss+xml; charset=ISO-8859-1"),
    );
    let feed = parse(&doc).expect("parses");
    assert_eq!(title(&feed), "R\u{e9}gion");
}

#[test]
fn utf16be_with_bom_parses_without_panicking() {
    let feed = parse(&fixture("utf16be_bom.xml", None)).expect("parses");
    assert_eq!(title(&feed), "R\u{e9}gion UTF-16");
}

#[test]
fn a_utf16_feed_keeps_its_root_xml_base() {
    let text = "<?xml version=\"1.0\" encoding=\"utf-16\"?>\
        <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"https://cdn.example/m/\">\
        <title>B</title><id>urn:b</id><updated>2026-11-25T10:00:00Z</updated>\
        <entry><id>urn:b:1</id><title>One</title><updated>2026-11-25T10:00:00Z</updated></entry></feed>";
    let mut body = vec![0xFF, 0xFE];
    body.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let parsed = super::parse(&document(&body)).expect("parses");
    assert_eq!(parsed.feed.entries.len(), 1);
    assert_eq!(
        parsed.xml_base.map(String::from).as_deref(),
        Some("https://cdn.example/m/")
    );
}

#[test]
fn json_feed_item_images_come_with_the_feed() {
    let doc = document(
        br#"{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": "j1", "title": "One", "content_text": "x", "image": "https://json.example/1.jpg"},
        {"id": "j2", "title": "Two", "content_text": "y"}]}"#,
    );
    let Ok(Parsed::Feed(parsed)) = read(&doc, None) else {
        panic!("a JSON Feed reads as a feed");
    };
    assert_eq!(parsed.feed.entries.len(), 2);
    assert!(parsed.xml_base.is_none());
    assert_eq!(parsed.url, doc.url);
    assert_eq!(parsed.item_images.len(), 1);
    assert_eq!(parsed.item_images["j1"], "https://json.example/1.jpg");
}

#[test]
fn rss_without_version_attribute_parses() {
    let feed = parse(&fixture("rss_no_version.xml", None)).expect("parses");
    assert_eq!(title(&feed), "Versionless");
    assert_eq!(entry_titles(&feed), ["Still read"]);
}

#[test]
fn utf8_body_declaring_utf16_parses_as_utf8() {
    let feed = parse(&fixture("utf8_declared_utf16.xml", None)).expect("parses");
    assert_eq!(title(&feed), "R\u{e9}gion");
}

#[test]
fn html_page_is_not_a_feed() {
    let doc = fixture("html_page.html", Some("text/html; charset=utf-8"));
    match parse(&doc) {
        Err(ParseError::NotAFeed { url, reason }) => {
            assert_eq!(url, doc.url);
            assert!(reason.contains("HTML page"), "{reason}");
        }
        other => panic!("expected NotAFeed, got {other:?}"),
    }
}

#[test]
fn truncated_xml_is_an_error_naming_the_document() {
    let doc = fixture("truncated.xml", None);
    let error = parse(&doc).expect_err("truncated XML must not parse");
    assert_eq!(error.url(), &doc.url);
    assert!(
        matches!(error, ParseError::Malformed { .. }),
        "expected Malformed, got {error:?}"
    );
}

#[test]
fn empty_and_whitespace_bodies_are_empty() {
    for body in [&b""[..], b"  \r\n\t"] {
        assert!(matches!(
            parse(&document(body)),
            Err(ParseError::Empty { .. })
        ));
    }
}

#[test]
fn unknown_xml_root_is_not_a_feed() {
    let error = parse(&document(
        b"<?xml version=\"1.0\"?><catalog><book/></catalog>",
    ))
    .expect_err("not a feed");
    assert!(
        matches!(&error, ParseError::NotAFeed { reason, .. } if reason.contains("<catalog>")),
        "{error:?}"
    );
}

#[test]
fn plain_text_is_not_a_feed() {
    let error = parse(&document(b"Service Unavailable")).expect_err("not a feed");
    assert!(matches!(error, ParseError::NotAFeed { .. }), "{error:?}");
}

#[test]
fn atom_text_with_unreadable_type_keeps_the_rest_of_the_feed() {
    let feed = parse(&document(
        br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>
        <entry><id>a</id><title type="application/octet-stream">eA==</title></entry>
        <entry><id>b</id><title>Readable</title></entry></feed>"#,
    ))
    .expect("parses after the repair");
    assert_eq!(title(&feed), "Wire");
    assert_eq!(entry_titles(&feed), ["eA==", "Readable"]);
}

#[test]
fn rss_without_channel_is_an_empty_feed() {
    let feed = parse(&document(
        b"<?xml version=\"1.0\"?>\n<rss version=\"2.0\">\n</rss>",
    ))
    .expect("parses as an empty feed");
    assert!(feed.entries.is_empty());
}

#[test]
fn json_feed_with_bare_version_number_parses() {
    let feed = parse(&document(
        br#"{"version": "1.1", "title": "Bare", "items": [{"id": "1", "content_text": "x"}]}"#,
    ))
    .expect("parses");
    assert_eq!(title(&feed), "Bare");
    assert_eq!(feed.entries[0].id, "1");
}

#[test]
fn stray_second_xml_declaration_does_not_panic_feed_rs() {
    let feed = parse(&document(
        b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>t</title>\
          <?xml version=\"1.0\" encoding=\"windows-1252\"?><item><title>x</title></item></channel></rss>",
    ))
    .expect("parses");
    assert_eq!(entry_titles(&feed), ["x"]);
}

#[test]
fn an_entity_bomb_is_refused_as_hostile_naming_the_document() {
    let bomb =
        b"<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"lol\"><!ENTITY b \"&a;&a;&a;\">]>\
        <rss version=\"2.0\"><channel><title>&b;</title></channel></rss>";
    match parse(&document(bomb)) {
        Err(error @ ParseError::Hostile { .. }) => {
            let text = error.to_string();
            assert!(
                text.starts_with("https://feeds.example/feed.xml: refused as hostile"),
                "{text}"
            );
            assert!(text.contains("`b`"), "{text}");
        }
        other => panic!("expected a hostile refusal, got {other:?}"),
    }
}

#[test]
fn a_json_feed_with_mistyped_members_keeps_its_items() {
    let feed = parse(&document(
        br#"{"version": "https://jsonfeed.org/version/1.1", "title": null,
             "items": [{"id": 7, "title": "kept", "tags": "one"}, {"id": "2", "title": ["x"]}]}"#,
    ))
    .expect("reshaped and parsed");
    assert_eq!(title(&feed), "");
    assert_eq!(feed.entries.len(), 2);
    assert_eq!(feed.entries[0].id, "7");
    assert_eq!(entry_titles(&feed), ["kept", ""]);
}

#[test]
fn a_json_feed_whose_items_are_no_list_stays_malformed() {
    let error = parse(&document(
        br#"{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": {"id": "1"}}"#,
    ))
    .expect_err("no item list to save");
    assert!(matches!(error, ParseError::Malformed { .. }), "{error:?}");
}

#[test]
fn a_byline_feed_rs_panics_on_is_repaired_not_the_whole_feed_lost() {
    // feed-rs 3.0 slices inside the dash: found by the feed fuzz target.
    let body = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>\
        <link>https://wire.example/</link><description>d</description>\
        <webMaster>Newsdesk \u{2013}news@wire.example</webMaster>\
        <item><title>Harbour strike ends</title><link>https://wire.example/1</link>\
        <author>Desk \u{2013}desk@wire.example</author></item></channel></rss>";
    let feed = parse(&document(body.as_bytes())).expect("repaired and parsed");
    assert_eq!(entry_titles(&feed), ["Harbour strike ends"]);
    let author = &feed.entries[0].authors[0];
    assert_eq!(author.email.as_deref(), Some("desk@wire.example"));
}

#[test]
fn a_feed_that_parses_as_served_is_not_repaired() {
    let text = decoded(&fixture("rss2.xml", None)).expect("decodes");
    let (_, repairs) = feed_of(&text, &document(b"").url).expect("parses");
    assert!(repairs.applied.is_empty(), "{:?}", repairs.applied);
}

#[test]
fn a_bare_ampersand_in_one_title_keeps_every_item_and_reads_as_written() {
    let feed = parse(&fixture("bare_ampersand.rss", None)).expect("repaired and parsed");
    assert_eq!(feed.entries.len(), 15);
    assert_eq!(entry_titles(&feed)[1], "Record, replay & measure");
}

#[test]
fn html_entities_in_a_broken_feed_become_characters_never_markup() {
    let feed = parse(&document(
        b"<rss version=\"2.0\"><channel><title>Caf&eacute; &amp; Co</title>\
          <item><title>&LT;script&GT; &mdash; R&D</title><link>https://x.example/1</link></item>\
          </channel></rss>",
    ))
    .expect("repaired and parsed");
    assert_eq!(title(&feed), "Caf\u{e9} & Co");
    assert_eq!(entry_titles(&feed), ["<script> \u{2014} R&D"]);
}

#[test]
fn control_characters_and_junk_before_the_xml_are_dropped() {
    let feed = parse(&document(
        b"Notice: session started\n<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T\x08</title>\
          <item><title>A\x1cB & C</title><link>https://x.example/1</link></item></channel></rss>",
    ))
    .expect("repaired and parsed");
    assert_eq!(title(&feed), "T");
    assert_eq!(entry_titles(&feed), ["AB & C"]);
}

#[test]
fn a_truncated_feed_keeps_its_complete_items_and_drops_the_cut_one() {
    let feed = parse(&document(
        b"<rss version=\"2.0\"><channel><title>Wire</title>\
          <item><title>Whole</title><link>https://x.example/1</link></item>\
          <item><title>Half a head",
    ))
    .expect("repaired and parsed");
    assert_eq!(entry_titles(&feed), ["Whole"]);
}

#[test]
fn an_undeclared_dublin_core_byline_is_read() {
    let feed = parse(&document(
        b"<rss version=\"2.0\"><channel><title>Wire & Co</title><item><title>t</title>\
          <link>https://x.example/1</link><dc:creator>Desk</dc:creator></item></channel></rss>",
    ))
    .expect("repaired and parsed");
    let authors: Vec<&str> = feed.entries[0]
        .authors
        .iter()
        .filter_map(|a| a.name.as_deref())
        .collect();
    assert_eq!(authors, ["Desk"]);
}

#[test]
fn an_atom_03_feed_reads_its_entries() {
    let feed = parse(&document(
        b"<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><title>Old Atom</title>\
          <entry><title>Entry</title><link rel=\"alternate\" href=\"https://x.example/1\"/>\
          <id>tag:x,2004:1</id><issued>2004-01-01T00:00:00Z</issued></entry></feed>",
    ))
    .expect("parses");
    assert_eq!(title(&feed), "Old Atom");
    assert_eq!(entry_titles(&feed), ["Entry"]);
    assert!(feed.entries[0].published.is_some());
}

#[test]
fn items_straight_under_a_versionless_rss_root_are_read() {
    let feed = parse(&document(
        b"<rss>\n<item><title>Loose</title><link>https://x.example/1</link></item>\n</rss>",
    ))
    .expect("parses");
    assert_eq!(entry_titles(&feed), ["Loose"]);
}

#[test]
fn a_mismatched_end_tag_is_still_malformed() {
    let error = parse(&document(
        b"<rss version=\"2.0\"><channel><title>a & b</title><item><title>x</link></item></channel></rss>",
    ))
    .expect_err("not guessed at");
    assert!(matches!(error, ParseError::Malformed { .. }), "{error:?}");
}

#[test]
fn an_entity_bomb_with_a_bare_ampersand_is_still_refused_as_hostile() {
    let bomb = b"<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"lol\"><!ENTITY b \"&a;&a;\">]>\
        <rss version=\"2.0\"><channel><title>&b; & more</title></channel></rss>";
    assert!(matches!(
        parse(&document(bomb)),
        Err(ParseError::Hostile { .. })
    ));
}
