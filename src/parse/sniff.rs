//! A quick look at decoded text before and after feed-rs: where the root element is, and
//! whether the text is an HTML page rather than a feed.
//!
//! This is not an XML parser: it only skips what may precede the root element (the
//! declaration, processing instructions, comments, a DOCTYPE with an internal subset) and
//! reads the root's start tag, which is all the callers need.

/// The root element's start tag as it appears in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RootTag<'a> {
    /// The name without any namespace prefix (`RDF` for `<rdf:RDF>`).
    pub local_name: &'a str,
    /// The whole start tag, from `<` to `>` inclusive.
    pub tag: &'a str,
    /// Byte offset of the tag's `<` in the text.
    pub offset: usize,
}

/// Finds the root element's start tag, skipping the prolog.
pub(super) fn root_tag(text: &str) -> Option<RootTag<'_>> {
    let mut pos = 0;
    loop {
        let rest = &text[pos..];
        let lt = rest.find('<')?;
        if !rest[..lt].trim().is_empty() {
            // Text before any element: not XML (or not ours to guess about).
            return None;
        }
        pos += lt;
        let rest = &text[pos..];
        let skip_to = if rest.starts_with("<?") {
            rest.find("?>").map(|end| end + 2)
        } else if rest.starts_with("<!--") {
            rest.find("-->").map(|end| end + 3)
        } else if rest.starts_with("<!") {
            doctype_len(rest)
        } else {
            let end = rest.find('>')?;
            let tag = &rest[..=end];
            let name_end = tag[1..]
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .map_or(tag.len(), |i| i + 1);
            let name = &tag[1..name_end];
            let local_name = name.rsplit(':').next().unwrap_or(name);
            return Some(RootTag {
                local_name,
                tag,
                offset: pos,
            });
        };
        pos += skip_to?;
    }
}

/// Length of a `<!DOCTYPE ...>` declaration, including an internal subset in brackets.
pub(super) fn doctype_len(rest: &str) -> Option<usize> {
    let close = rest.find('>')?;
    match rest.find('[') {
        Some(open) if open < close => {
            let subset_end = open + rest[open..].find(']')?;
            Some(subset_end + rest[subset_end..].find('>')? + 1)
        }
        _ => Some(close + 1),
    }
}

/// Why `text` looks like an HTML page, if it does.
pub(super) fn html_page_reason(text: &str) -> Option<&'static str> {
    let doctype_html = text
        .trim_start()
        .get(..14)
        .is_some_and(|start| start.eq_ignore_ascii_case("<!doctype html"));
    if doctype_html {
        return Some("looks like an HTML page (<!DOCTYPE html>)");
    }
    match root_tag(text) {
        Some(root) if root.local_name.eq_ignore_ascii_case("html") => {
            Some("looks like an HTML page (<html> root element)")
        }
        _ => None,
    }
}

/// How far into a JSON document a JSON Feed states its version.
const JSON_FEED_VERSION_WITHIN: usize = 4096;

/// Whether `text` may be ninjs: JSON that does not declare itself a JSON
/// Feed near its start (JSON Feeds put `version` first by convention).
pub(super) fn may_be_ninjs(text: &str) -> bool {
    let start = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if !start.starts_with(['{', '[']) {
        return false;
    }
    let mut head = start.len().min(JSON_FEED_VERSION_WITHIN);
    while !start.is_char_boundary(head) {
        head -= 1;
    }
    !start[..head].contains("jsonfeed.org/version")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_that_is_no_json_feed_may_be_ninjs() {
        assert!(may_be_ninjs(" {\"uri\": \"urn:x\", \"headlines\": []}"));
        assert!(may_be_ninjs("[{\"uri\": \"urn:x\"}]"));
        assert!(!may_be_ninjs(
            "{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": []}"
        ));
        assert!(!may_be_ninjs("<rss/>"));
    }

    #[test]
    fn root_tag_skips_declaration_comments_and_doctype_subset() {
        let text = "<?xml version=\"1.0\"?>\n<!-- hi > there -->\n<!DOCTYPE rss [ <!ENTITY x \"y\"> ]>\n<rss version=\"2.0\"><channel/></rss>";
        let root = root_tag(text).expect("root is found");
        assert_eq!(root.local_name, "rss");
        assert_eq!(root.tag, "<rss version=\"2.0\">");
        assert_eq!(&text[root.offset..root.offset + 4], "<rss");
    }

    #[test]
    fn root_tag_drops_namespace_prefix() {
        let root = root_tag("<rdf:RDF xmlns:rdf=\"x\">").expect("root is found");
        assert_eq!(root.local_name, "RDF");
    }

    #[test]
    fn html_doctype_and_html_root_are_recognised() {
        assert!(html_page_reason("\n<!DOCTYPE html><html><body/></html>").is_some());
        assert!(html_page_reason("<?xml version=\"1.0\"?><HTML lang=\"en\">").is_some());
        assert!(html_page_reason("<rss version=\"2.0\"/>").is_none());
    }

    #[test]
    fn html_check_is_safe_on_multibyte_text_at_any_length() {
        // Regression: a fixed-length byte window split a UTF-8 character and panicked.
        let text = format!("<rss>{}\u{b144}</rss>", "x".repeat(249));
        assert!(html_page_reason(&text).is_none());
        assert!(html_page_reason("<!DOCTYPE h\u{e9}").is_none());
    }
}
