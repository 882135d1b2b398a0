//! Repairs for feeds that feed-rs rejects but real publishers serve and feedparser reads.
//!
//! Each repair is applied only after feed-rs has rejected the original text, so a feed
//! that parses as published is never rewritten.

use std::sync::LazyLock;

use regex::Regex;

use super::sniff;

/// The RSS versions feed-rs dispatches on; any other (or none) is rejected as "no feed root".
const VERSIONS_FEED_RS_READS: [&str; 4] = ["2.0", "", "0.91", "0.92"];

/// Rewrites an `<rss>` root without a version feed-rs knows (none, `0.93`, `0.94`, `2.0.1` ...)
/// to `version="2.0"`, whose reader also handles the older element sets.
///
/// Returns `None` when the root is not `<rss>` or already carries a version feed-rs reads.
pub(super) fn with_rss_version(text: &str) -> Option<String> {
    static VERSION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"\sversion\s*=\s*(?:"([^"]*)"|'([^']*)')"#).expect("static regex is valid")
    });
    let root = sniff::root_tag(text)?;
    if root.local_name != "rss" {
        return None;
    }
    let fixed_tag = match VERSION.captures(root.tag) {
        Some(found) => {
            let value = found.get(1).or(found.get(2)).map_or("", |m| m.as_str());
            if VERSIONS_FEED_RS_READS.contains(&value) {
                return None;
            }
            VERSION.replace(root.tag, r#" version="2.0""#).into_owned()
        }
        None => {
            let name_len = root.tag[1..]
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .map_or(root.tag.len(), |i| i + 1);
            format!(
                "{} version=\"2.0\"{}",
                &root.tag[..name_len],
                &root.tag[name_len..]
            )
        }
    };
    let end = root.offset + root.tag.len();
    Some(format!(
        "{}{}{}",
        &text[..root.offset],
        fixed_tag,
        &text[end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versionless_rss_gets_version_2() {
        let fixed = with_rss_version("<?xml version=\"1.0\"?><rss><channel/></rss>");
        assert_eq!(
            fixed.as_deref(),
            Some("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel/></rss>")
        );
    }

    #[test]
    fn unknown_rss_version_is_replaced_and_other_attributes_kept() {
        let fixed = with_rss_version("<rss xmlns:dc=\"d\" version='0.94'><channel/></rss>");
        assert_eq!(
            fixed.as_deref(),
            Some("<rss xmlns:dc=\"d\" version=\"2.0\"><channel/></rss>")
        );
    }

    #[test]
    fn known_rss_version_and_other_roots_are_left_alone() {
        assert_eq!(
            with_rss_version("<rss version=\"0.91\"><channel/></rss>"),
            None
        );
        assert_eq!(with_rss_version("<feed><title>t</title></feed>"), None);
    }
}
