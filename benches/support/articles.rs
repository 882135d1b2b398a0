//! Synthetic stored articles for the publish benchmark: what normalize would
//! have made of a newsroom's intake, built directly as
//! [`wirefeed::model::Article`] values. Each has a title, a standfirst, a
//! sanitized HTML body of 2–4 KB, one or two authors, its source's
//! attribution, one to three tags of 30, a region of 10, a section of 6,
//! a photo for half of them, and one in 40 is breaking news.
//!
//! Deterministic: article `n` is the same on every run. Used through
//! `#[path]` by `benches/publish.rs`, which also includes `support/words.rs`
//! as `words`.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, TimeZone, Utc};
use wirefeed::model::{Article, Attribution, Image, Label};

use crate::words::{Rng, vocabulary};

/// The section slugs articles are filed under.
pub const SECTIONS: [&str; 6] = [
    "politics",
    "economy",
    "sports",
    "culture",
    "health",
    "technology",
];

/// Tag slugs; an article gets one to three of them.
const TAGS: [&str; 30] = [
    "protests",
    "palestine",
    "elections",
    "climate",
    "football",
    "markets",
    "ai",
    "energy",
    "health-care",
    "film",
    "trade",
    "migration",
    "courts",
    "education",
    "housing",
    "labour",
    "oil",
    "refugees",
    "space",
    "tennis",
    "music",
    "banking",
    "drought",
    "vaccines",
    "privacy",
    "transport",
    "water",
    "wildfires",
    "inflation",
    "diplomacy",
];

/// Region slugs; an article gets one.
const REGIONS: [&str; 10] = [
    "africa",
    "asia",
    "asia-pacific",
    "europe",
    "latin-america",
    "mena",
    "palestine",
    "us-canada",
    "caribbean",
    "central-asia",
];

/// Makes the articles of any number of feeds from one vocabulary.
pub struct Newsroom {
    words: Vec<String>,
}

impl Newsroom {
    pub fn new() -> Newsroom {
        Newsroom {
            words: vocabulary(),
        }
    }

    /// Article `n` of the intake, from feed `feed_id` (named `outlet`).
    /// Published dates step back about 26 seconds per article from
    /// 25 November 2026, so 100,000 articles span a month.
    pub fn article(&self, n: usize, feed_id: &str, outlet: &str) -> Article {
        let mut rng =
            Rng(0x9E37_79B9_7F4A_7C15 ^ (n as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9));
        let words = &self.words;
        let published = newest() - Duration::seconds(n as i64 * 26 + (rng.next() % 20) as i64);
        let item_id = format!("{feed_id}-{n}");
        let url = format!("https://{feed_id}.example/news/{n}");
        let title = capitalize(&rng.sentence(words, 9));
        let summary = format!("{}.", capitalize(&rng.sentence(words, 28)));
        let body = body(&mut rng, words, &summary);
        let reading_minutes = (body.split_whitespace().count() / 230).max(1) as u32;
        let authors = (0..1 + rng.next() % 2)
            .map(|_| format!("Reporter {}", rng.next() % 500))
            .collect();
        let tags = (0..1 + rng.next() % 3)
            .map(|_| TAGS[(rng.next() % TAGS.len() as u64) as usize])
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(label)
            .collect();
        let region = REGIONS[(rng.next() % REGIONS.len() as u64) as usize];
        let image = rng.next().is_multiple_of(2).then(|| Image {
            url: format!("https://{feed_id}.example/img/{n}.jpg"),
            caption: Some(capitalize(&rng.sentence(words, 12))),
            credit: Some(format!("({outlet})")),
            mime_type: Some("image/jpeg".to_owned()),
            width: Some(1200),
            height: Some(800),
        });
        Article {
            id: wirefeed::normalize::article_id(feed_id, &item_id),
            url: Some(url.clone()),
            title,
            summary: Some(summary),
            content_html: Some(body),
            authors,
            source: Attribution {
                feed_id: feed_id.to_owned(),
                name: outlet.to_owned(),
                home_url: Some(format!("https://{feed_id}.example/")),
                feed_url: format!("https://{feed_id}.example/feed.rss"),
                item_id,
                item_url: Some(format!("{url}?utm_source=rss")),
                credit: Some(format!("Source: {outlet}")),
                rights: Some(format!("© 2026 {outlet}")),
                published: Some(published),
            },
            also_via: Vec::new(),
            published,
            updated: published,
            section: Some(SECTIONS[(rng.next() % SECTIONS.len() as u64) as usize].to_owned()),
            kind: Some("news".to_owned()),
            tags,
            regions: vec![label(region)],
            series: None,
            language: Some("en".to_owned()),
            image,
            enclosures: Vec::new(),
            reading_minutes: Some(reading_minutes),
            breaking: rng.next().is_multiple_of(40),
            categories: vec!["World".to_owned()],
            editorial: Default::default(),
        }
    }
}

/// The date of article 0, the newest.
fn newest() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

/// A body as the sanitizer leaves it: the standfirst, then paragraphs with
/// absolute links until 2–4 KB, and a figure.
fn body(rng: &mut Rng, words: &[String], lead: &str) -> String {
    let target = 2048 + (rng.next() % 2048) as usize;
    let mut body = format!("<p>{lead}</p>");
    while body.len() < target {
        let _ = write!(
            body,
            "<p>{}. <a href=\"https://agency.example/related/{}\">{}</a> {}.</p>",
            capitalize(&rng.sentence(words, 40)),
            rng.next() % 100_000,
            rng.sentence(words, 3),
            rng.sentence(words, 20)
        );
    }
    body.push_str("<figure><img src=\"https://agency.example/img/photo.jpg\" alt=\"photo\"><figcaption>A photo (Agency)</figcaption></figure>");
    body
}

/// A tag or region label from its slug: "health-care" reads "Health care".
fn label(slug: &str) -> Label {
    Label {
        slug: slug.to_owned(),
        label: capitalize(&slug.replace('-', " ")),
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
