//! The `xml:base` of a document's root element.
//!
//! feed-rs applies `xml:base` to the links it maps but not to content, and
//! Atom feeds often set it once on `<feed>` for every entry's relative URLs,
//! so normalize needs the root's base to resolve links inside bodies. It is
//! read from the decoded text, so a UTF-16 feed's base is found like any
//! other.

use url::Url;

/// How far into the document the root element's start tag is looked for.
const HEAD_CHARS: usize = 4096;

/// The root element's `xml:base`, resolved against the document URL, when it
/// is an http(s) URL afterwards.
pub(super) fn root_xml_base(text: &str, doc_url: &Url) -> Option<Url> {
    let end = text
        .char_indices()
        .nth(HEAD_CHARS)
        .map_or(text.len(), |(at, _)| at);
    let mut rest = &text[..end];
    // Only XML has a root element: a JSON Feed whose first item's HTML holds
    // a `<feed xml:base=…>` must not set the base of every item. (Junk
    // before `<?xml`, which repair removes, may stay.)
    if rest
        .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
        .starts_with(['{', '['])
    {
        return None;
    }
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
    let base = doc_url.join(value[..value.find(quote)?].trim()).ok()?;
    matches!(base.scheme(), "http" | "https").then_some(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://news.example/feed.xml").unwrap()
    }

    #[test]
    fn root_xml_base_is_read_from_the_root_element_only() {
        let atom = r#"<?xml version="1.0"?><!-- c --><feed xmlns="http://www.w3.org/2005/Atom" xml:base="/news/"><entry xml:base="x/">"#;
        assert_eq!(
            root_xml_base(atom, &base()).unwrap().as_str(),
            "https://news.example/news/"
        );
        assert!(
            root_xml_base("<rss version=\"2.0\"><channel xml:base=\"/a/\">", &base()).is_none()
        );
        assert!(root_xml_base("<feed xml:base='javascript:x'>", &base()).is_none());
        assert!(root_xml_base("{\"version\": 1}", &base()).is_none());
        let json = r#"{"items": [{"content_html": "<feed xml:base=\"https://x.example/\">"}]}"#;
        assert!(root_xml_base(json, &base()).is_none(), "HTML inside JSON");
    }

    #[test]
    fn a_root_tag_cut_by_the_head_limit_has_no_base() {
        let long = format!("<feed {} xml:base=\"/news/\">", "a".repeat(HEAD_CHARS));
        assert!(root_xml_base(&long, &base()).is_none());
        let multibyte = format!("<!-- {} --><feed xml:base=\"/n/\">", "é".repeat(100));
        assert_eq!(
            root_xml_base(&multibyte, &base()).unwrap().as_str(),
            "https://news.example/n/"
        );
    }
}
