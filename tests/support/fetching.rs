//! Feeds and a fetcher as the fetch-policy tests build them: one RSS
//! document served by the test server, and a bearer secret to look for.

use std::str::FromStr;
use std::time::Duration;

use wirefeed::config::{Auth, Defaults, FeedConfig, Schedule, Secret, SourceLocation};
use wirefeed::fetch::{FetchError, Fetched, Fetcher, Validators};

pub const RSS: &str =
    r#"<?xml version="1.0"?><rss version="2.0"><channel><title>World</title></channel></rss>"#;
pub const RSS_TYPE: &str = "application/rss+xml";
/// A credential no log, status or error may ever show.
pub const SECRET: &str = "s3cr3t-t0ken-value";

pub fn defaults() -> Defaults {
    Defaults {
        schedule: Schedule {
            expr: "*/5 * * * *".into(),
            cron: cron::Schedule::from_str("0 */5 * * * *").expect("valid cron"),
        },
        timeout: Duration::from_secs(5),
        max_body: 1024 * 1024,
        concurrency: 8,
        per_host: 4,
        allow_private: false,
    }
}

pub fn fetcher() -> Fetcher {
    Fetcher::new(&defaults()).expect("client builds")
}

/// A feed at `url` under the default policy: public addresses only.
pub fn strict_feed(url: &str) -> FeedConfig {
    let parsed = url::Url::parse(url).expect("test URL");
    FeedConfig::with_defaults("agency", url, SourceLocation::Http(parsed), &defaults())
}

/// A feed at `url` that may reach private addresses (the test server's).
pub fn private_feed(url: &str, auth: Option<Auth>) -> FeedConfig {
    let mut feed = strict_feed(url);
    feed.allow_private = true;
    feed.auth = auth;
    feed
}

pub fn bearer() -> Auth {
    Auth::Bearer {
        token: Secret::new(SECRET),
    }
}

pub async fn fetch(feed: &FeedConfig) -> Result<Fetched, FetchError> {
    fetcher().fetch(feed, &Validators::default()).await
}
