//! Broken XML that real publishers serve, read end to end: served over real HTTP
//! on 127.0.0.1, through one cycle like `wirefeed once`, and found in the
//! published output, with one warning naming the feed and what was repaired.

mod support;

#[path = "support/log_capture.rs"]
#[allow(dead_code)]
mod log_capture;

use support::newsroom::{Newsroom, item, titles};

fn parse_fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/parse")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn a_bare_ampersand_in_one_title_no_longer_loses_the_whole_feed() {
    log_capture::install();
    let mut newsroom = Newsroom::new();
    let body = parse_fixture("bare_ampersand.rss");
    // The fixture is what publishers serve: XML a strict parser rejects.
    assert!(
        roxmltree::Document::parse(&String::from_utf8_lossy(&body)).is_err(),
        "the fixture must be broken XML"
    );
    newsroom.serve("/notes.rss", body, "application/rss+xml");
    newsroom.feed(
        "/notes.rss",
        "[[feed]]\nid = \"eng-notes\"\nurl = \"{url}\"\nsection = \"technology\"\n",
    );

    let report = newsroom.once();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let items = newsroom.items("sections/technology.json");
    assert_eq!(items.len(), 15, "{:?}", titles(&items));
    let story = item(&items, "Record, replay & measure");
    assert_eq!(story["url"], "https://engineering.example/posts/2");
    let rss = newsroom.rss("all.rss");
    assert!(
        rss.items()
            .iter()
            .any(|i| i.title() == Some("Record, replay & measure")),
        "the repaired title is published as written"
    );

    let warnings: Vec<String> = log_capture::lines_for("eng-notes")
        .into_iter()
        .filter(|line| line.contains("WARN") && line.contains("repair"))
        .collect();
    assert_eq!(warnings.len(), 1, "one warning per feed: {warnings:#?}");
    assert!(
        warnings[0].contains("1 bare ampersand escaped"),
        "{}",
        warnings[0]
    );
}
