//! The feeds already in feeds.toml, as `add` and `import` need them: which
//! ids are taken and which URLs are configured.

use std::collections::HashSet;

use url::Url;

use crate::config::{Config, SourceLocation};

/// Ids and URLs of the configured feeds, growing as entries are planned.
#[derive(Debug, Clone, Default)]
pub struct Existing {
    ids: HashSet<String>,
    /// (id, URL as written, parsed when it is http(s)).
    urls: Vec<(String, String, Option<Url>)>,
}

impl Existing {
    /// The feeds of `config`, enabled or not.
    pub fn of(config: &Config) -> Existing {
        let mut existing = Existing::default();
        for feed in &config.feeds {
            let parsed = match &feed.location {
                SourceLocation::Http(url) => Some(url.clone()),
                // As `export-opml` writes it, so a round trip finds it.
                SourceLocation::File(path) => super::opml::file_url(path),
            };
            existing.insert(&feed.id, &feed.url, parsed);
        }
        existing
    }

    /// Ids in use.
    pub fn ids(&self) -> &HashSet<String> {
        &self.ids
    }

    /// The id of the feed already reading `url`: the same text, or the same
    /// URL once parsed (`HTTPS://Agency.example:443/x` is `https://agency.example/x`).
    pub fn id_for_url(&self, url: &Url) -> Option<&str> {
        self.urls
            .iter()
            .find(|(_, written, parsed)| written == url.as_str() || parsed.as_ref() == Some(url))
            .map(|(id, _, _)| id.as_str())
    }

    /// Records a feed planned for adding, so later ones cannot take its id or URL.
    pub fn insert(&mut self, id: &str, written: &str, parsed: Option<Url>) {
        self.ids.insert(id.to_string());
        self.urls
            .push((id.to_string(), written.to_string(), parsed));
    }
}

/// `text` as an absolute http(s) URL, or why not.
pub fn http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|err| err.to_string())?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        "http" | "https" => Err("it has no host".to_string()),
        other => Err(format!("the scheme is {other}:")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_url_written_differently_is_found() {
        let mut existing = Existing::default();
        existing.insert(
            "ap",
            "HTTPS://Agency.example:443/world.rss",
            http_url("HTTPS://Agency.example:443/world.rss").ok(),
        );
        let url = http_url("https://agency.example/world.rss").expect("valid");
        assert_eq!(existing.id_for_url(&url), Some("ap"));
        let other = http_url("https://agency.example/sport.rss").expect("valid");
        assert_eq!(existing.id_for_url(&other), None);
    }

    #[test]
    fn only_absolute_http_urls_are_accepted() {
        assert!(http_url("ftp://x.example/feed").is_err());
        assert!(http_url("agency.example/feed").is_err());
        assert!(http_url(" https://x.example/feed ").is_ok());
    }
}
