//! The whole pipeline end to end: feeds served over real HTTP on 127.0.0.1,
//! one cycle like `wirefeed once`, and every published output parsed back.

mod support;

use support::newsroom::{AGENCY, Newsroom, PARTNER, item, titles};
use wirefeed::feed_error::Stage;

fn agency_and_partner() -> Newsroom {
    let mut newsroom = Newsroom::new();
    newsroom.serve_fixture("/agency.rss", "agency.rss", "application/rss+xml");
    newsroom.serve_fixture("/partner.atom", "partner.atom", "application/atom+xml");
    newsroom.feed("/agency.rss", AGENCY);
    newsroom.feed("/partner.atom", PARTNER);
    newsroom
}

#[test]
fn every_channel_is_published_in_three_formats_with_attribution() {
    let newsroom = agency_and_partner();
    let report = newsroom.once();
    assert!(report.failed.is_empty(), "{:?}", report.failed);

    for stem in [
        "all",
        "breaking",
        "sections/politics",
        "sections/economy",
        "sections/sports",
        "regions/mena",
    ] {
        for ext in ["rss", "atom", "json"] {
            assert!(
                newsroom.output_path(&format!("{stem}.{ext}")).is_file(),
                "{stem}.{ext} missing"
            );
        }
    }
    assert!(newsroom.output_path("index.html").is_file());
    assert!(newsroom.output_path("feeds.opml").is_file());

    let items = newsroom.items("all.json");
    for item in &items {
        let source = &item["_wirefeed"]["source"];
        assert!(source["feed_id"].is_string(), "no source on {item}");
        assert!(source["name"].is_string());
    }
    let rss = newsroom.rss("all.rss");
    assert_eq!(rss.items().len(), items.len());
    for item in rss.items() {
        let source = item.source().expect("every RSS item has <source>");
        assert!(
            source.url().starts_with("http://127.0.0.1:"),
            "{}",
            source.url()
        );
    }
    let atom = newsroom.atom("all.atom");
    assert_eq!(atom.entries().len(), items.len());
    for entry in atom.entries() {
        assert!(entry.source().is_some(), "every Atom entry has <source>");
        assert!(
            !entry.authors().is_empty(),
            "every Atom entry has an author"
        );
    }
}

#[test]
fn rules_set_section_region_tag_breaking_and_drop() {
    let newsroom = agency_and_partner();
    newsroom.once();

    let sports = titles(&newsroom.items("sections/sports.json"));
    assert_eq!(
        sports,
        ["National team qualifies for the World Cup after late winner"]
    );
    let economy = titles(&newsroom.items("sections/economy.json"));
    assert!(
        economy.iter().any(|t| t.contains("Central bank")),
        "{economy:?}"
    );
    let breaking = titles(&newsroom.items("breaking.json"));
    assert!(
        breaking.iter().all(|t| t.contains("Central bank")) && breaking.len() == 1,
        "{breaking:?}"
    );

    let mena = titles(&newsroom.items("regions/mena.json"));
    assert!(
        mena.iter().any(|t| t.contains("Ceasefire talks")),
        "{mena:?}"
    );
    // The alias folds "Palestinian Territories" into the tag "Palestine".
    let palestine = newsroom.items("tags/palestine.json");
    assert!(
        titles(&palestine)
            .iter()
            .any(|t| t.contains("We are ready"))
    );
    assert!(
        !newsroom
            .output_path("tags/palestinian-territories.json")
            .exists()
    );

    let all = titles(&newsroom.items("all.json"));
    assert!(
        !all.iter().any(|t| t.contains("Sponsored")),
        "dropped item published: {all:?}"
    );
}

#[test]
fn republished_story_is_folded_into_the_agency_original() {
    let newsroom = agency_and_partner();
    let report = newsroom.once();

    let items = newsroom.items("all.json");
    let cairo: Vec<_> = items
        .iter()
        .filter(|i| i["title"].as_str().unwrap_or("").contains("Cairo"))
        .collect();
    assert_eq!(
        cairo.len(),
        1,
        "the partner's copy with its own URL is folded: {:?}",
        titles(&items)
    );
    let story = cairo[0];
    assert_eq!(
        story["_wirefeed"]["source"]["feed_id"], "agency",
        "the higher priority feed stays primary"
    );
    let also_via = story["_wirefeed"]["also_via"].as_array().expect("also_via");
    assert_eq!(also_via.len(), 1);
    assert_eq!(also_via[0]["feed_id"], "partner");
    assert!(
        report.folded >= 2,
        "Cairo story and the rate rise fold: {report:?}"
    );
}

#[test]
fn same_canonical_url_from_two_feeds_is_one_article() {
    let newsroom = agency_and_partner();
    newsroom.once();
    let items = newsroom.items("all.json");
    let rate: Vec<_> = items
        .iter()
        .filter(|i| i["url"].as_str() == Some("https://agency.example/economy/rate-rise"))
        .collect();
    assert_eq!(rate.len(), 1, "{:?}", titles(&items));
    assert_eq!(rate[0]["_wirefeed"]["also_via"][0]["feed_id"], "partner");
}

#[test]
fn stories_that_merely_start_alike_are_not_folded() {
    let newsroom = agency_and_partner();
    newsroom.once();
    let items = newsroom.items("all.json");
    item(&items, "Al-Nakhalah: We are ready");
    item(&items, "Al-Nakhalah: The enemy");
}

#[test]
fn canonical_url_drops_tracking_parameters_and_fragment() {
    let newsroom = agency_and_partner();
    newsroom.once();
    let items = newsroom.items("all.json");
    let cairo = item(&items, "Ceasefire talks");
    assert_eq!(
        cairo["url"],
        "https://agency.example/world/ceasefire-talks-resume?id=42"
    );
    assert_eq!(cairo["_wirefeed"]["source"]["item_id"], "AG-0001");
}

#[test]
fn hostile_html_is_sanitized_and_relative_links_resolved() {
    let newsroom = agency_and_partner();
    newsroom.once();
    for ext in ["rss", "atom", "json"] {
        let text = newsroom.output(&format!("all.{ext}"));
        for bad in [
            "<script",
            "&lt;script",
            "onclick",
            "onerror",
            "javascript:",
            "<iframe",
            "&lt;iframe",
            "steal(",
        ] {
            assert!(!text.contains(bad), "{bad} survived in all.{ext}");
        }
    }
    let items = newsroom.items("all.json");
    let harbour = item(&items, "Harbour expansion");
    assert_eq!(
        harbour["title"], "Harbour expansion approved despite objections",
        "titles are plain text"
    );
    let html = harbour["content_html"].as_str().expect("content");
    assert!(
        html.contains("https://partner.example/local/plan.pdf"),
        "{html}"
    );
    assert!(
        html.contains("https://partner.example/images/harbour.jpg"),
        "{html}"
    );
    assert_eq!(
        harbour["url"],
        "https://partner.example/local/harbour-expansion"
    );
}

#[test]
fn lead_image_keeps_caption_and_credit() {
    let newsroom = agency_and_partner();
    newsroom.once();
    let items = newsroom.items("all.json");
    let cairo = item(&items, "Ceasefire talks");
    assert_eq!(cairo["image"], "https://img.agency.example/cairo.jpg");
    assert_eq!(cairo["authors"][0]["name"], "Lina Haddad");
    let rss = newsroom.rss("all.rss");
    let text = newsroom.output("all.rss");
    assert!(text.contains("(AP)"), "media:credit is published");
    assert!(rss.items().iter().any(|i| {
        i.dublin_core_ext()
            .is_some_and(|dc| dc.creators().contains(&"Lina Haddad".to_owned()))
    }));
}

#[test]
fn correction_replaces_the_article_instead_of_adding_one() {
    let newsroom = agency_and_partner();
    newsroom.once();
    let corrected = String::from_utf8(Newsroom::fixture("agency.rss"))
        .expect("utf-8")
        .replace(
            "National team qualifies for the World Cup after late winner",
            "National team qualifies for the World Cup after stoppage-time winner",
        );
    newsroom.serve("/agency.rss", corrected.into_bytes(), "application/rss+xml");
    let report = newsroom.once();
    assert_eq!(report.updated, 1, "{report:?}");
    let sports = titles(&newsroom.items("sections/sports.json"));
    assert_eq!(
        sports,
        ["National team qualifies for the World Cup after stoppage-time winner"]
    );
}

#[test]
fn repeat_cycle_sends_validators_and_rewrites_nothing() {
    let newsroom = agency_and_partner();
    let first = newsroom.once();
    assert!(first.publish.written > 0);
    let mtime = std::fs::metadata(newsroom.output_path("all.rss"))
        .and_then(|m| m.modified())
        .expect("mtime");

    let second = newsroom.once();
    assert_eq!(second.not_modified, 2, "{second:?}");
    assert_eq!(second.publish.written, 0, "{second:?}");
    assert_eq!(second.new + second.updated, 0);
    let again = std::fs::metadata(newsroom.output_path("all.rss"))
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(mtime, again);
    let requests = newsroom.server.requests("/agency.rss");
    assert!(
        requests
            .last()
            .and_then(|r| r.header("if-none-match"))
            .is_some(),
        "conditional GET on the second fetch"
    );
}

#[test]
fn a_broken_feed_is_reported_and_the_others_still_publish() {
    let mut newsroom = agency_and_partner();
    newsroom
        .server
        .set("/down", support::http_server::Route::status(500));
    newsroom.serve_fixture("/truncated.rss", "truncated.rss", "application/rss+xml");
    newsroom.serve_fixture("/page.html", "not-a-feed.html", "text/html");
    newsroom.feed("/down", "[[feed]]\nid = \"down\"\nurl = \"{url}\"\n");
    newsroom.feed(
        "/truncated.rss",
        "[[feed]]\nid = \"truncated\"\nurl = \"{url}\"\n",
    );
    newsroom.feed(
        "/page.html",
        "[[feed]]\nid = \"homepage\"\nurl = \"{url}\"\n",
    );
    newsroom.raw_feed(
        "[[feed]]\nid = \"dead-host\"\nurl = \"http://127.0.0.1:9/feed.rss\"\ntimeout = \"2s\"\n",
    );

    let report = newsroom.once();
    let mut failed: Vec<&str> = report.failed.iter().map(|f| f.feed_id.as_str()).collect();
    failed.sort_unstable();
    assert_eq!(failed, ["dead-host", "down", "homepage", "truncated"]);
    let error = |id: &str| {
        &report
            .failed
            .iter()
            .find(|f| f.feed_id == id)
            .expect("listed above")
            .error
    };
    let reason = |id: &str| error(id).to_string();
    // The stage and whether a retry soon can help stay known to the edge.
    for (id, stage, transient) in [
        ("down", Stage::Fetch, true),
        ("dead-host", Stage::Fetch, true),
        ("homepage", Stage::Parse, false),
        ("truncated", Stage::Parse, false),
    ] {
        assert_eq!(
            (error(id).stage(), error(id).is_transient()),
            (stage, transient),
            "{id}: {}",
            error(id)
        );
    }
    assert!(reason("down").contains("500"), "{}", reason("down"));
    assert!(
        reason("dead-host").contains("127.0.0.1:9"),
        "{}",
        reason("dead-host")
    );

    let items = newsroom.items("all.json");
    item(&items, "Ceasefire talks");
    item(&items, "Harbour expansion");
}

#[test]
fn live_ticker_items_sharing_one_link_stay_distinct() {
    let mut newsroom = Newsroom::new();
    newsroom.serve_fixture("/ticker.rss", "ticker.rss", "application/rss+xml");
    newsroom.feed(
        "/ticker.rss",
        "[[feed]]\nid = \"ticker\"\nurl = \"{url}\"\nsection = \"politics\"\n",
    );
    newsroom.once();
    assert_eq!(newsroom.items("sections/politics.json").len(), 3);
}

#[test]
fn latin1_and_json_feeds_are_read() {
    let mut newsroom = Newsroom::new();
    newsroom.serve_fixture("/latin1.rss", "latin1.rss", "application/rss+xml");
    newsroom.serve_fixture("/tech.json", "tech.json", "application/feed+json");
    newsroom.feed(
        "/latin1.rss",
        "[[feed]]\nid = \"region\"\nurl = \"{url}\"\n",
    );
    newsroom.feed(
        "/tech.json",
        "[[feed]]\nid = \"tech\"\nurl = \"{url}\"\nsection = \"technology\"\n",
    );
    let report = newsroom.once();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let items = newsroom.items("all.json");
    let cafes = item(&items, "Les cafés du centre protestent");
    assert_eq!(cafes["language"], "fr");
    let technology = newsroom.items("sections/technology.json");
    assert_eq!(technology.len(), 2);
    let plant = item(&technology, "Chipmaker");
    assert_eq!(
        plant["image"], "https://techdaily.example/img/plant.jpg",
        "JSON Feed item image"
    );
    // Two languages are published, so each gets its own feed.
    assert!(newsroom.output_path("languages/fr.json").is_file());
    assert!(newsroom.output_path("languages/en.json").is_file());
}

#[test]
fn a_spool_folder_is_read_file_by_file() {
    let mut newsroom = Newsroom::new();
    let spool = newsroom.dir.path().join("spool");
    std::fs::create_dir_all(&spool).expect("spool");
    std::fs::write(spool.join("a.xml"), Newsroom::fixture("ticker.rss")).expect("write");
    std::fs::write(spool.join("b.json"), Newsroom::fixture("tech.json")).expect("write");
    std::fs::write(spool.join("c.xml"), Newsroom::fixture("truncated.rss")).expect("write");
    newsroom.raw_feed("[[feed]]\nid = \"spool\"\nurl = \"file:spool\"\nsection = \"politics\"\n");
    let report = newsroom.once();
    assert!(
        report.failed.is_empty(),
        "one bad file does not fail the spool: {:?}",
        report.failed
    );
    assert_eq!(newsroom.items("sections/politics.json").len(), 5);
    let again = newsroom.once();
    assert_eq!(
        again.not_modified, 1,
        "an unchanged folder is not read again"
    );
}

fn agency_corrected() -> Vec<u8> {
    String::from_utf8(Newsroom::fixture("agency.rss"))
        .expect("utf-8")
        .replace(
            "National team qualifies for the World Cup after late winner",
            "National team qualifies for the World Cup after stoppage-time winner",
        )
        .into_bytes()
}

#[test]
fn a_later_cycle_rewrites_only_the_channels_its_changes_touch() {
    let newsroom = agency_and_partner();
    newsroom.once();
    // A stand-in in a channel the correction does not touch: a cycle that
    // rendered it again would overwrite it.
    let economy = newsroom.output_path("sections/economy.json");
    std::fs::write(&economy, "stand-in").expect("write stand-in");

    newsroom.serve("/agency.rss", agency_corrected(), "application/rss+xml");
    let report = newsroom.once();
    assert_eq!(report.updated, 1, "{report:?}");
    for rewritten in ["all.json", "sections/sports.json", "sections/sports.rss"] {
        assert!(
            report.publish.changed_feeds.iter().any(|f| f == rewritten),
            "{rewritten} in {:?}",
            report.publish.changed_feeds
        );
    }
    assert_eq!(std::fs::read_to_string(&economy).expect("read"), "stand-in");
    let index = newsroom.output("index.html");
    assert!(index.contains("sections/economy.rss"), "{index}");
    assert_eq!(
        titles(&newsroom.items("sections/sports.json")),
        ["National team qualifies for the World Cup after stoppage-time winner"]
    );
}

#[test]
fn channels_stored_but_never_published_are_published_by_the_next_cycle() {
    let newsroom = agency_and_partner();
    newsroom.once();
    newsroom.serve("/agency.rss", agency_corrected(), "application/rss+xml");
    let (config, _) =
        wirefeed::config::load(&newsroom.config_path()).unwrap_or_else(|p| panic!("{p}"));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    // Stored, then the process dies before publishing.
    let fetcher =
        std::sync::Arc::new(wirefeed::fetch::Fetcher::new(&config.defaults).expect("fetcher"));
    let (stored, _) = runtime
        .block_on(wirefeed::cycle::ingest_feeds(&config, &fetcher, None, None))
        .expect("ingest");
    assert_eq!(stored.updated, 1, "{stored:?}");

    // The next process fetches nothing new, and still publishes the change.
    let report = newsroom.once();
    assert_eq!(report.not_modified, 2, "{report:?}");
    assert_eq!(
        titles(&newsroom.items("sections/sports.json")),
        ["National team qualifies for the World Cup after stoppage-time winner"]
    );
    assert!(
        !report
            .publish
            .changed_feeds
            .iter()
            .any(|f| f == "sections/economy.json"),
        "{:?}",
        report.publish.changed_feeds
    );
}

#[test]
fn a_missing_file_or_new_site_settings_get_the_channels_rendered_again() {
    let newsroom = agency_and_partner();
    let first = newsroom.once();
    std::fs::remove_file(newsroom.output_path("sections/economy.atom")).expect("remove");
    let report = newsroom.once();
    assert_eq!(
        report.publish.changed_feeds,
        ["sections/economy.atom"],
        "only the missing file differs from what is rendered"
    );

    let (mut config, _) =
        wirefeed::config::load(&newsroom.config_path()).unwrap_or_else(|p| panic!("{p}"));
    config.site.title = "Another Desk".to_owned();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let renamed = runtime
        .block_on(wirefeed::cycle::run_once(&config))
        .expect("cycle");
    assert_eq!(
        renamed.publish.changed_feeds.len(),
        first.publish.changed_feeds.len(),
        "every channel carries the site title"
    );
    assert!(newsroom.output("all.rss").contains("Another Desk"));
}
