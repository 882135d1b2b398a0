//! Picking and resolving the links of a feed or an item.

use feed_rs::model::Link;
use url::Url;

/// `href` made absolute against `base`, if it is an http(s) URL afterwards.
/// Anything else (`javascript:`, `data:`, `mailto:`, garbage) is `None`.
pub(crate) fn resolve_http(href: &str, base: &Url) -> Option<Url> {
    let url = base.join(href.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// The page link among `links`: the first `alternate` (or rel-less) link that
/// is not media, resolved against `base`.
pub(crate) fn alternate(links: &[Link], base: &Url) -> Option<Url> {
    links
        .iter()
        .filter(|link| link.target.is_none())
        .filter(|link| {
            link.rel
                .as_deref()
                .is_none_or(|rel| rel.eq_ignore_ascii_case("alternate"))
        })
        .filter(|link| link.media_type.as_deref().is_none_or(is_page_type))
        .find_map(|link| resolve_http(&link.href, base))
}

fn is_page_type(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("text/html")
        || essence.eq_ignore_ascii_case("application/xhtml+xml")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://news.example/feed.xml").unwrap()
    }

    #[test]
    fn only_http_links_survive_resolution() {
        assert_eq!(
            resolve_http("/a", &base()).unwrap().as_str(),
            "https://news.example/a"
        );
        assert!(resolve_http("javascript:alert(1)", &base()).is_none());
        assert!(resolve_http("data:text/html,x", &base()).is_none());
    }
}
