//! Recognising a NewsML-G2 document from its root start tag alone.
//!
//! The root element's namespace can only be declared on the root itself, so
//! its start tag is enough to tell a G2 `newsItem` from an RSS channel or a
//! G2 concept item without parsing the document.

use super::xml::G2_NS;
use crate::parse::sniff::root_tag;

/// How far into the text the root start tag is looked for by [`sniff_newsml`].
const SNIFF_WINDOW: usize = 4096;

/// The root element: its local name and namespace URI as declared on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Root<'a> {
    pub local_name: &'a str,
    pub namespace: Option<&'a str>,
}

impl Root<'_> {
    /// Whether the root is a G2 element at all.
    pub fn is_g2(&self) -> bool {
        self.namespace == Some(G2_NS)
    }

    /// Whether the root is a G2 item or message this reader turns into items.
    pub fn is_readable(&self) -> bool {
        self.is_g2() && matches!(self.local_name, "newsItem" | "newsMessage")
    }
}

/// True when the text's root element is a NewsML-G2 `newsItem` or
/// `newsMessage` (by namespace, whatever the prefix), looking only at the
/// first 4 KB (the prolog, comments and the root start tag).
pub fn sniff_newsml(text: &str) -> bool {
    let mut end = text.len().min(SNIFF_WINDOW);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    root(&text[..end]).is_some_and(|root| root.is_readable())
}

/// The root element of `text`, if its start tag can be found.
pub(super) fn root(text: &str) -> Option<Root<'_>> {
    // A byte-order mark is not text before the root.
    let tag = root_tag(text.trim_start_matches('\u{feff}'))?.tag;
    let inner = tag
        .strip_prefix('<')?
        .trim_end_matches('>')
        .trim_end_matches('/');
    let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
    let (prefix, local_name) = match inner[..name_end].split_once(':') {
        Some((prefix, local)) => (Some(prefix), local),
        None => (None, &inner[..name_end]),
    };
    let namespace = attributes(&inner[name_end..]).find_map(|(name, value)| {
        let declares = match prefix {
            Some(prefix) => name.strip_prefix("xmlns:") == Some(prefix),
            None => name == "xmlns",
        };
        declares.then_some(value)
    });
    Some(Root {
        local_name,
        namespace,
    })
}

/// The `name="value"` pairs of a start tag's attribute text (either quote).
fn attributes(mut rest: &str) -> impl Iterator<Item = (&str, &str)> {
    std::iter::from_fn(move || {
        let trimmed = rest.trim_start();
        let eq = trimmed.find('=')?;
        let name = trimmed[..eq].trim();
        let after = trimmed[eq + 1..].trim_start();
        let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let value_and_rest = &after[1..];
        let close = value_and_rest.find(quote)?;
        rest = &value_and_rest[close + 1..];
        Some((name, &value_and_rest[..close]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_item_and_message_are_recognised_by_namespace_not_prefix() {
        let item = format!(
            "<?xml version=\"1.0\"?>\n<!-- hi -->\n<newsItem xmlns=\"{G2_NS}\" guid=\"x\">"
        );
        assert!(sniff_newsml(&item));
        let prefixed = format!("<g2:newsMessage xmlns:xsi='x' xmlns:g2='{G2_NS}'>");
        assert!(sniff_newsml(&prefixed));
        assert!(sniff_newsml(&format!(
            "\u{feff}<newsItem xmlns=\"{G2_NS}\"/>"
        )));
    }

    #[test]
    fn other_roots_and_namespaces_are_not_newsml() {
        assert!(!sniff_newsml("<rss version=\"2.0\"><channel/></rss>"));
        assert!(!sniff_newsml("<newsItem xmlns=\"http://example.com/\">"));
        assert!(!sniff_newsml(&format!("<conceptItem xmlns=\"{G2_NS}\">")));
        // The prefix must be declared for the root's own prefix.
        assert!(!sniff_newsml(&format!("<a:newsItem xmlns=\"{G2_NS}\">")));
        assert!(!sniff_newsml("{\"uri\": \"x\"}"));
    }

    #[test]
    fn sniffing_looks_only_at_the_first_window() {
        let late = format!(
            "<!--{}--><newsItem xmlns=\"{G2_NS}\">",
            "x".repeat(SNIFF_WINDOW)
        );
        assert!(!sniff_newsml(&late));
        // A multibyte character across the window's end must not panic.
        let multibyte = format!("<!--{}", "\u{e9}".repeat(SNIFF_WINDOW));
        assert!(!sniff_newsml(&multibyte));
    }
}
