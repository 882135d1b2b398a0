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

/// The `xml:base` of the document's root element, resolved against the
/// document URL. feed-rs applies it to links but not to content, and Atom
/// feeds often set it once on `<feed>` for every entry's relative URLs.
pub(crate) fn root_xml_base(body: &[u8], doc_url: &Url) -> Option<Url> {
    let head = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let mut rest = head.as_ref();
    // Skip the prolog, comments and doctype to the root element's start tag.
    let tag = loop {
        let start = rest.find('<')?;
        rest = &rest[start + 1..];
        if rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            break &rest[..rest.find('>')?];
        }
    };
    let at = tag.find("xml:base")?;
    let value = tag[at + "xml:base".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &value[1..];
    let base = &value[..value.find(quote)?];
    resolve_http(base, doc_url)
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
    fn root_xml_base_is_read_from_the_root_element_only() {
        let atom = br#"<?xml version="1.0"?><!-- c --><feed xmlns="http://www.w3.org/2005/Atom" xml:base="/news/"><entry xml:base="x/">"#;
        assert_eq!(
            root_xml_base(atom, &base()).unwrap().as_str(),
            "https://news.example/news/"
        );
        assert!(
            root_xml_base(b"<rss version=\"2.0\"><channel xml:base=\"/a/\">", &base()).is_none()
        );
        assert!(root_xml_base(b"<feed xml:base='javascript:x'>", &base()).is_none());
        assert!(root_xml_base(b"{\"version\": 1}", &base()).is_none());
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
