//! Builders for the unit tests of the renderers.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

use chrono::{DateTime, TimeZone, Utc};

use crate::config::{Config, Defaults, Schedule, Section, Site};
use crate::model::{Article, Attribution, Channel, ChannelFeed, Label};

pub fn config(output_dir: PathBuf) -> Config {
    let schedule = Schedule {
        expr: "*/5 * * * *".to_owned(),
        cron: cron::Schedule::from_str("0 */5 * * * *").unwrap(),
    };
    Config {
        path: PathBuf::from("feeds.toml"),
        site: Site {
            title: "Example News".to_owned(),
            description: Some("News from everywhere".to_owned()),
            base_url: url::Url::parse("https://feeds.example.org/").unwrap(),
            output_dir: output_dir.into(),
            state_dir: PathBuf::from("state"),
            max_items: 50,
            language: "en".to_owned(),
            websub_hub: None,
        },
        defaults: Defaults {
            schedule,
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

pub fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, hour, 0, 0).unwrap()
}

pub fn article(id: &str) -> Article {
    Article {
        id: id.to_owned(),
        url: Some(format!("https://agency.example/{id}")),
        title: format!("Story {id}"),
        summary: Some("A standfirst.".to_owned()),
        content_html: Some("<p>Body.</p>".to_owned()),
        authors: vec!["Jane Doe".to_owned()],
        source: Attribution {
            feed_id: "ap-world".to_owned(),
            name: "Associated Press".to_owned(),
            home_url: Some("https://apnews.example/".to_owned()),
            feed_url: "https://agency.example/world.rss".to_owned(),
            item_id: format!("ap-{id}"),
            item_url: Some(format!("https://agency.example/{id}?utm_source=x")),
            credit: Some("Source: AP".to_owned()),
            rights: None,
            published: Some(at(9)),
        },
        also_via: Vec::new(),
        published: at(10),
        updated: at(11),
        section: Some("politics".to_owned()),
        kind: Some("news".to_owned()),
        tags: vec![Label {
            slug: "protests".to_owned(),
            label: "Protests".to_owned(),
        }],
        regions: vec![Label {
            slug: "mena".to_owned(),
            label: "MENA".to_owned(),
        }],
        series: None,
        language: Some("en".to_owned()),
        image: None,
        enclosures: Vec::new(),
        reading_minutes: Some(3),
        breaking: false,
        categories: Vec::new(),
        editorial: Default::default(),
    }
}

pub fn feed(channel: Channel, label: &str, articles: Vec<Article>) -> ChannelFeed {
    ChannelFeed {
        channel,
        label: label.to_owned(),
        articles,
    }
}
