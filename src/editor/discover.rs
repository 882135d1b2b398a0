//! Feed autodiscovery: the `<link rel="alternate">` feeds an HTML page names.
//!
//! The page is run through html5ever's tokenizer (a real HTML tokenizer, so
//! comments, unquoted attributes and `<script>` bodies are handled as a
//! browser would), and each feed link is resolved against the page URL, or
//! against `<base href>` when the page sets one.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer,
};
use url::Url;

/// The feed formats autodiscovery recognizes, by the link's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    Rss,
    Atom,
    Json,
}

impl FeedKind {
    /// The kind a `type` attribute announces, if it is a feed type.
    fn from_media_type(media_type: &str) -> Option<FeedKind> {
        let essence = media_type.split(';').next().unwrap_or_default().trim();
        match essence.to_ascii_lowercase().as_str() {
            "application/rss+xml" => Some(FeedKind::Rss),
            "application/atom+xml" => Some(FeedKind::Atom),
            "application/feed+json" | "application/json+feed" => Some(FeedKind::Json),
            _ => None,
        }
    }
}

impl std::fmt::Display for FeedKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FeedKind::Rss => "RSS",
            FeedKind::Atom => "Atom",
            FeedKind::Json => "JSON Feed",
        })
    }
}

/// One feed a page links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLink {
    /// Absolute: resolved against the page (or its `<base href>`).
    pub url: Url,
    pub kind: FeedKind,
    /// The link's `title` attribute, when it has one.
    pub title: Option<String>,
}

/// Every feed `html` links with `<link rel="alternate" type=…>`, in document
/// order, duplicates removed. Links whose href does not resolve are skipped.
pub fn feed_links(html: &str, page_url: &Url) -> Vec<FeedLink> {
    let sink = LinkSink::default();
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(sink, Default::default());
    // The sink never asks to pause for a script, so one feed reads everything.
    let _ = tokenizer.feed(&input);
    tokenizer.end();

    let tags = tokenizer.sink.tags.take();
    let mut base = page_url.clone();
    let mut links: Vec<FeedLink> = Vec::new();
    for tag in tags {
        let attr = |name: &str| {
            tag.attrs
                .iter()
                .find(|a| &*a.name.local == name)
                .map(|a| a.value.trim().to_string())
        };
        if &*tag.name == "base" {
            // Only the first <base href> counts, as in browsers.
            if base == *page_url
                && let Some(resolved) = attr("href").and_then(|h| page_url.join(&h).ok())
            {
                base = resolved;
            }
            continue;
        }
        let is_alternate = attr("rel").is_some_and(|rel| {
            rel.split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case("alternate"))
        });
        let kind = attr("type").as_deref().and_then(FeedKind::from_media_type);
        let (true, Some(kind), Some(href)) = (is_alternate, kind, attr("href")) else {
            continue;
        };
        let Ok(url) = base.join(&href) else {
            tracing::debug!(%href, page = %page_url, "feed link does not resolve");
            continue;
        };
        if links.iter().all(|link| link.url != url) {
            links.push(FeedLink {
                url,
                kind,
                title: attr("title").filter(|t| !t.is_empty()),
            });
        }
    }
    links
}

/// Collects `<link>` and `<base>` start tags.
#[derive(Default)]
struct LinkSink {
    tags: RefCell<Vec<Tag>>,
}

impl TokenSink for LinkSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line_number: u64) -> TokenSinkResult<()> {
        let Token::TagToken(tag) = token else {
            return TokenSinkResult::Continue;
        };
        if tag.kind != TagKind::StartTag {
            return TokenSinkResult::Continue;
        }
        // Without a tree builder the tokenizer does not know that these hold
        // text, not markup; a `<link>` written inside a script is not a link.
        let raw = match &*tag.name {
            "script" => Some(RawKind::ScriptData),
            "style" | "noscript" | "iframe" | "noembed" | "noframes" | "xmp" => {
                Some(RawKind::Rawtext)
            }
            "textarea" | "title" => Some(RawKind::Rcdata),
            _ => None,
        };
        if let Some(kind) = raw {
            return TokenSinkResult::RawData(kind);
        }
        if matches!(&*tag.name, "link" | "base") {
            self.tags.borrow_mut().push(tag);
        }
        TokenSinkResult::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Url {
        Url::parse("https://news.example/world/index.html").expect("static url")
    }

    fn fixture(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/editor")
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn relative_href_resolves_against_the_page_url() {
        let links = feed_links(&fixture("home-relative.html"), &page());
        let urls: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(urls, ["https://news.example/world/feed.rss"]);
        assert_eq!(links[0].kind, FeedKind::Rss);
        assert_eq!(links[0].title.as_deref(), Some("World news"));
    }

    #[test]
    fn several_feed_links_come_in_document_order_without_other_links() {
        let links = feed_links(&fixture("home-several.html"), &page());
        let found: Vec<(&str, FeedKind)> = links.iter().map(|l| (l.url.as_str(), l.kind)).collect();
        assert_eq!(
            found,
            [
                ("https://news.example/atom.xml", FeedKind::Atom),
                ("https://cdn.example/rss?x=1&y=2", FeedKind::Rss),
                ("https://news.example/world/feed.json", FeedKind::Json),
            ]
        );
    }

    #[test]
    fn base_href_changes_where_relative_links_point() {
        let html = r#"<html><head><base href="https://static.example/site/">
            <link rel="alternate" type="application/atom+xml" href="atom.xml"></head></html>"#;
        let links = feed_links(html, &page());
        assert_eq!(
            links[0].url.as_str(),
            "https://static.example/site/atom.xml"
        );
    }

    #[test]
    fn links_in_scripts_and_comments_and_stylesheets_are_not_feeds() {
        let html = r#"<html><head>
            <!-- <link rel="alternate" type="application/rss+xml" href="/old.rss"> -->
            <script>document.write('<link rel="alternate" type="application/rss+xml" href="/js.rss">')</script>
            <link rel="stylesheet" type="text/css" href="/site.css">
            <link rel="alternate" hreflang="fr" href="/fr/">
            </head><body>no feeds</body></html>"#;
        assert_eq!(feed_links(html, &page()), []);
    }
}
