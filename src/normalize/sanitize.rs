//! HTML sanitizing for article bodies, with ammonia.
//!
//! Agency bodies arrive with scripts, trackers, embeds and relative links;
//! what wirefeed republishes is a newsroom allowlist with every URL absolute.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use ammonia::{Builder, UrlRelative};
use url::Url;

/// Elements an article body may keep.
pub const ALLOWED_TAGS: &[&str] = &[
    "p",
    "br",
    "hr",
    "a",
    "em",
    "strong",
    "b",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "small",
    "mark",
    "q",
    "cite",
    "abbr",
    "blockquote",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "figure",
    "figcaption",
    "img",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "pre",
    "code",
    "span",
    "div",
];

/// Elements removed together with everything inside them.
pub const REMOVED_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math", "form",
    "button", "select", "textarea", "audio", "video", "canvas",
];

/// Only these schemes survive in href/src/cite; `javascript:`, `data:`,
/// `vbscript:` and the rest are dropped with their attribute.
pub const URL_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// Attributes every allowed element may keep; `lang` and `dir` keep Arabic
/// passages right to left.
pub const GENERIC_ATTRIBUTES: &[&str] = &["lang", "dir", "title"];

/// The attributes each element may keep besides the generic ones.
pub const TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href"]),
    ("img", &["src", "alt", "width", "height"]),
    ("td", &["colspan", "rowspan"]),
    ("th", &["colspan", "rowspan", "scope"]),
    ("ol", &["start"]),
    ("blockquote", &["cite"]),
    ("q", &["cite"]),
];

/// Sanitize an article body: allowlisted tags and attributes only, no event
/// handlers, no scripting or `data:` URLs, links marked
/// `rel="noopener noreferrer"`. Relative URLs are made absolute against
/// `base`; without a base they are removed, since a relative link means
/// nothing once republished elsewhere.
pub fn sanitize_html(html: &str, base: Option<&Url>) -> String {
    let url_relative = match base {
        Some(base) => UrlRelative::RewriteWithBase(base.clone()),
        None => UrlRelative::Deny,
    };
    CITE_BASE.with_borrow_mut(|cite_base| *cite_base = base.cloned());
    SANITIZER.with_borrow_mut(|builder| builder.url_relative(url_relative).clean(html).to_string())
}

thread_local! {
    /// One sanitizer per thread, built once: building one fills a dozen
    /// hash sets, which cost more than cleaning a short body. Only the
    /// base of relative URLs changes from call to call.
    static SANITIZER: RefCell<Builder<'static>> = RefCell::new(sanitizer());

    /// The base `cite` values are resolved against during the current
    /// [`sanitize_html`] call on this thread: ammonia takes an attribute
    /// filter once per builder, so the filter reads the base from here.
    static CITE_BASE: RefCell<Option<Url>> = const { RefCell::new(None) };
}

fn sanitizer() -> Builder<'static> {
    let tag_attributes: HashMap<&str, HashSet<&str>> = TAG_ATTRIBUTES
        .iter()
        .map(|(tag, attributes)| (*tag, attributes.iter().copied().collect()))
        .collect();
    let mut builder = Builder::empty();
    builder
        .tags(ALLOWED_TAGS.iter().copied().collect())
        .clean_content_tags(REMOVED_WITH_CONTENT.iter().copied().collect())
        .tag_attributes(tag_attributes)
        .generic_attributes(GENERIC_ATTRIBUTES.iter().copied().collect())
        .url_schemes(URL_SCHEMES.iter().copied().collect())
        .link_rel(Some("noopener noreferrer"))
        // ammonia vets href and src but not `cite`, which it passes through
        // as written (`javascript:` included): vetted here the same way.
        .attribute_filter(|_element, attribute, value| match attribute {
            "cite" => CITE_BASE
                .with_borrow(|base| cite_url(value, base.as_ref()))
                .map(Into::into),
            _ => Some(value.into()),
        })
        .strip_comments(true);
    builder
}

/// A `cite` value made absolute against `base`, if it is then http(s).
fn cite_url(value: &str, base: Option<&Url>) -> Option<String> {
    let url = match base {
        Some(base) => base.join(value.trim()).ok()?,
        None => Url::parse(value.trim()).ok()?,
    };
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://news.example/world/story.html").unwrap()
    }

    #[test]
    fn scripts_handlers_and_scripting_urls_are_removed() {
        let dirty = r#"<p onclick="steal()">Hi<script>alert(1)</script></p>
            <img src="x.jpg" onerror="alert(2)">
            <a href="javascript:alert(3)">j</a><a href=" JaVaScRiPt:alert(4)">k</a>
            <a href="vbscript:msgbox(5)">v</a><img src="data:image/png;base64,AAAA">
            <img src="ok.jpg" srcset="javascript:alert(6) 1x">
            <iframe src="https://evil.example/"></iframe><style>p{}</style><object data="x.swf"></object>"#;
        let clean = sanitize_html(dirty, Some(&base()));
        for bad in [
            "script",
            "alert",
            "onclick",
            "onerror",
            "javascript",
            "vbscript",
            "data:",
            "iframe",
            "style",
            "object",
        ] {
            assert!(
                !clean.to_ascii_lowercase().contains(bad),
                "{bad} survived in {clean}"
            );
        }
        assert!(clean.contains("<p>Hi</p>"));
    }

    #[test]
    fn relative_urls_are_resolved_against_the_base() {
        let clean = sanitize_html(
            r#"<a href="../politics/x">x</a><img src="/img/a.jpg" alt="A">"#,
            Some(&base()),
        );
        assert!(
            clean.contains(r#"href="https://news.example/politics/x""#),
            "{clean}"
        );
        assert!(
            clean.contains(r#"src="https://news.example/img/a.jpg""#),
            "{clean}"
        );
    }

    #[test]
    fn links_get_noopener_noreferrer() {
        let clean = sanitize_html(
            r#"<a href="https://a.example/" target="_blank">a</a>"#,
            None,
        );
        assert_eq!(
            clean,
            r#"<a href="https://a.example/" rel="noopener noreferrer">a</a>"#
        );
    }

    #[test]
    fn newsroom_markup_is_kept() {
        let html = "<figure><img src=\"https://i.example/a.jpg\" alt=\"A\" width=\"640\" height=\"360\"><figcaption>Gaza (AP)</figcaption></figure><blockquote>q</blockquote><h2>t</h2><ul><li>l</li></ul><pre><code>c</code></pre>";
        assert_eq!(sanitize_html(html, None), html);
    }

    #[test]
    fn cite_urls_are_vetted_like_links() {
        let dirty = r#"<blockquote cite="javascript:alert(1)">a</blockquote><q cite="/sources/1">b</q><blockquote cite=" JAVASCRIPT:alert(2)">c</blockquote>"#;
        let clean = sanitize_html(dirty, Some(&base()));
        assert!(
            !clean.to_ascii_lowercase().contains("javascript"),
            "{clean}"
        );
        assert!(
            clean.contains(r#"<q cite="https://news.example/sources/1">b</q>"#),
            "{clean}"
        );
        assert!(clean.contains("<blockquote>a</blockquote>"), "{clean}");
        let without_base = sanitize_html(r#"<q cite="/relative">x</q>"#, None);
        assert_eq!(without_base, "<q>x</q>");
    }
}
