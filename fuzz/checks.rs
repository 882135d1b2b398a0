//! What each fuzz target asserts, shared by the targets (`fuzz_targets/`)
//! and by `tests/fuzz_regressions.rs`, which replays every crash input ever
//! found so a fixed crash stays fixed.

use std::path::Path;
use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use wirefeed::config::{Config, FeedConfig, SourceFormat};
use wirefeed::fetch::Document;
use wirefeed::normalize::{self, Outcome};

/// Longest slug, in characters (the contract of `slugify`).
const MAX_SLUG_LEN: usize = 80;

/// feeds.toml text: a config or a list of problems, never a panic.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Relative paths in the text resolve against this folder; nothing is read.
    let _ = wirefeed::config::parse_str(text, Path::new("/fuzz/feeds.toml"));
}

/// A name's slug is a safe, stable file name: never empty, only `a-z`,
/// `0-9` and '-', no '-' at either end, at most 80 characters, the same
/// every time, and the slug of a slug is itself.
pub fn slug(name: &str) {
    let slug = normalize::slugify(name);
    assert_valid_slug(&slug, name);
    assert_eq!(normalize::slugify(name), slug, "unstable slug for {name:?}");
    assert_eq!(
        normalize::slugify(&slug),
        slug,
        "the slug of {slug:?} is not itself"
    );
}

fn assert_valid_slug(slug: &str, name: &str) {
    assert!(!slug.is_empty(), "empty slug for {name:?}");
    assert!(
        slug.len() <= MAX_SLUG_LEN,
        "slug of {} chars for {name:?}",
        slug.len()
    );
    assert!(
        slug.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
        "slug {slug:?} for {name:?}"
    );
    assert!(
        !slug.starts_with('-') && !slug.ends_with('-'),
        "slug {slug:?} for {name:?}"
    );
}

/// A feed with a rule for every kind of field, so rules and slugs run on
/// fuzzed categories and titles.
const FEEDS_TOML: &str = r#"
[site]
title = "Fuzz News"
base_url = "https://feeds.example.org/"

[[section]]
slug = "politics"
title = "Politics"

[[section]]
slug = "sports"
title = "Sports"

[[feed]]
id = "agency"
name = "Agency"
url = "https://agency.example/world.rss"
section = "politics"
tags = ["world"]
credit = "Source: Agency"

  [[feed.rule]]
  category = "Sports"
  section = "sports"
  tags = ["Sport"]

  [[feed.rule]]
  title_matches = "(?i)^breaking:"
  breaking = true

  [[feed.rule]]
  title_matches = "(?i)sponsored"
  drop = true

[tags.aliases]
"palestinian territories" = "Palestine"
"#;

/// What the "server" said the body is: the first byte of the input modulo 6.
const CONTENT_TYPES: [Option<&str>; 6] = [
    None,
    Some("application/rss+xml"),
    Some("application/atom+xml; charset=utf-8"),
    Some("text/xml; charset=iso-8859-1"),
    Some("application/feed+json"),
    Some("text/html; charset=windows-1256"),
];

/// The feed's `format`: the first byte of the input divided by 6, modulo 4.
/// Bytes 0 to 5 sniff, as every feed without `format` does.
const FORMATS: [Option<SourceFormat>; 4] = [
    None,
    Some(SourceFormat::Feed),
    Some(SourceFormat::Ninjs),
    Some(SourceFormat::NewsmlG2),
];

fn fuzz_config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        match wirefeed::config::parse_str(FEEDS_TOML, Path::new("/fuzz/feeds.toml")) {
            Ok((config, _)) => config,
            Err(problems) => panic!("the fuzz feeds.toml is invalid: {problems:?}"),
        }
    })
}

/// The fuzz feed once per entry of [`FORMATS`], in that order.
fn fuzz_feeds() -> &'static [FeedConfig] {
    static FEEDS: OnceLock<Vec<FeedConfig>> = OnceLock::new();
    FEEDS.get_or_init(|| {
        let feed = &fuzz_config().feeds[0];
        FORMATS
            .iter()
            .map(|&format| FeedConfig {
                format,
                ..feed.clone()
            })
            .collect()
    })
}

/// The first byte picks the Content-Type and the feed's `format`, the rest
/// is the body; it goes through what a cycle runs on a fetched document
/// (`cycle::normalize_documents`: `parse::read` with the feed's format, then
/// `normalize_feed` or `normalize_agency`). Never panics; every kept article
/// has an id and valid slugs.
pub fn feed(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let selector = usize::from(selector);
    let config = fuzz_config();
    let feed = &fuzz_feeds()[selector / CONTENT_TYPES.len() % FORMATS.len()];
    let Ok(url) = url::Url::parse("https://agency.example/world.rss") else {
        return;
    };
    let doc = Document {
        url,
        body: body.to_vec(),
        content_type: CONTENT_TYPES[selector % CONTENT_TYPES.len()].map(str::to_owned),
    };
    let Some(now) = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).single() else {
        return;
    };
    let Ok(outcomes) = wirefeed::cycle::normalize_documents(config, feed, &[doc], now) else {
        return;
    };
    for outcome in outcomes {
        if let Outcome::Keep(article) = outcome {
            assert!(!article.id.is_empty(), "article without an id");
            for label in article.tags.iter().chain(&article.regions) {
                assert_valid_slug(&label.slug, &label.label);
            }
        }
    }
}
