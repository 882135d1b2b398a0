//! Repairs keyed on what feed-rs reported: each is tried only for the error (or
//! panic) it answers, and fixes one thing feed-rs cannot read in a document that is
//! otherwise sound XML or JSON.

use std::sync::LazyLock;

use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use regex::Regex;

use super::Repair;
use crate::parse::{json_shape, sniff};

/// An e-mail address right after a non-ASCII letter ("Newsdesk –news@…").
static EMAIL_AFTER_NON_ASCII: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([^\x00-\x7F])([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")
        .expect("a valid regex")
});

/// The repair for a panic of feed-rs on `text`, if there is one: feed-rs
/// 3.0 slices a byline one byte before its e-mail address, which panics
/// when that byte is inside a multi-byte letter (found by the feed fuzz
/// target), and the whole feed was lost over one byline. A space before the
/// address changes nothing a reader sees.
pub(in crate::parse) fn repair_after_panic(text: &str) -> Option<Repair> {
    if !EMAIL_AFTER_NON_ASCII.is_match(text) {
        return None;
    }
    Some(Repair {
        text: EMAIL_AFTER_NON_ASCII
            .replace_all(text, "$1 $2")
            .into_owned(),
        what: "a space between a byline's last letter and its e-mail address".to_string(),
        lossy: false,
    })
}

/// The repair for the error feed-rs reported on `text`, if there is one.
pub(in crate::parse) fn repair(text: &str, error: &ParseFeedError) -> Option<Repair> {
    match error {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => {
            repaired_rss(text).map(|text| Repair {
                text,
                what: "<rss> root given a version or an empty <channel>".to_string(),
                lossy: false,
            })
        }
        ParseFeedError::ParseError(ParseErrorKind::UnknownMimeType { position, mime }) => {
            without_type_attribute(text, *position, mime).map(|text| Repair {
                text,
                what: "unknown type attribute removed, read as plain text".to_string(),
                lossy: false,
            })
        }
        ParseFeedError::JsonUnsupportedVersion(version) => {
            with_json_feed_version_url(text, version).map(|text| Repair {
                text,
                what: "JSON Feed version given as its canonical URL".to_string(),
                lossy: false,
            })
        }
        ParseFeedError::JsonSerde(_) => json_shape::reshaped(text).map(|text| Repair {
            text,
            what: "JSON Feed members of the wrong type converted or removed".to_string(),
            lossy: true,
        }),
        _ => None,
    }
}

/// The repair for a feed feed-rs read without a single entry, if there is one: an
/// Atom 0.3 feed. feed-rs knows the elements (0.3 and 1.0 share most) but not the 0.3
/// namespace, so it reads no entry, title or link of one. Declared as Atom 1.0, with
/// 0.3's `issued` and `modified` under their 1.0 names, it reads as the publisher meant.
pub(in crate::parse) fn repair_empty(text: &str) -> Option<Repair> {
    static NAMESPACE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(xmlns(?::[\w.-]+)?\s*=\s*["'])http://purl\.org/atom/ns#(["'])"#)
            .expect("static regex is valid")
    });
    static DATES: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"<(/?(?:[\w.-]+:)?)(issued|modified)([\s/>])").expect("static regex is valid")
    });
    let root = sniff::root_tag(text)?;
    if root.local_name != "feed" || !NAMESPACE.is_match(root.tag) {
        return None;
    }
    let declared = NAMESPACE.replace_all(text, "${1}http://www.w3.org/2005/Atom${2}");
    let renamed = DATES.replace_all(&declared, |found: &regex::Captures| {
        let name = if &found[2] == "issued" {
            "published"
        } else {
            "updated"
        };
        format!("<{}{name}{}", &found[1], &found[3])
    });
    Some(Repair {
        text: renamed.into_owned(),
        what: "Atom 0.3 read as Atom 1.0".to_string(),
        lossy: false,
    })
}

/// Rewrites a JSON Feed `version` that names JSON Feed 1.x without its canonical
/// `https://jsonfeed.org/version/1.x` URL (`"1.1"`, `"http://jsonfeed.org/version/1"`),
/// which feed-rs rejects; any other version is left to be reported.
fn with_json_feed_version_url(text: &str, version: &str) -> Option<String> {
    let number = version
        .trim()
        .trim_end_matches('/')
        .trim_start_matches("http://jsonfeed.org/version/")
        .trim_start_matches("https://jsonfeed.org/version/");
    let canonical = match number {
        "1" | "1.0" => "https://jsonfeed.org/version/1",
        "1.1" => "https://jsonfeed.org/version/1.1",
        _ => return None,
    };
    let mut feed: serde_json::Value = serde_json::from_str(text).ok()?;
    *feed.as_object_mut()?.get_mut("version")? = serde_json::Value::from(canonical);
    serde_json::to_string(&feed).ok()
}

/// The RSS versions feed-rs dispatches on; any other (or none) is rejected as "no feed root".
const VERSIONS_FEED_RS_READS: [&str; 4] = ["2.0", "", "0.91", "0.92"];

/// Repairs an `<rss>` document feed-rs rejects as having no feed root:
///
/// - a root without a version feed-rs knows (none, `0.93`, `0.94`, `2.0.1` ...) gets
///   `version="2.0"`, whose reader also handles the older element sets;
/// - a root without a `<channel>` (what some CMSs serve when there are no items, or
///   with their items straight under `<rss>`) gets one around its content, so it reads
///   as a feed (empty, or with those items) rather than as no feed.
///
/// Returns `None` when the root is not `<rss>` or there is nothing to repair.
fn repaired_rss(text: &str) -> Option<String> {
    let root = sniff::root_tag(text)?;
    if root.local_name != "rss" {
        return None;
    }
    let rest = &text[root.offset + root.tag.len()..];
    let has_channel = rest.contains("<channel");
    let versioned = with_known_version(root.tag);
    if versioned.is_none() && has_channel {
        return None;
    }
    let tag = versioned.unwrap_or_else(|| root.tag.to_string());
    let before = &text[..root.offset];
    if has_channel {
        return Some(format!("{before}{tag}{rest}"));
    }
    if let Some(open) = tag.strip_suffix("/>") {
        return Some(format!(
            "{before}{}><channel></channel></rss>",
            open.trim_end()
        ));
    }
    // Items straight under <rss> (feedparser reads them) go into the channel.
    Some(match rest.rfind("</rss") {
        Some(end) => format!(
            "{before}{tag}<channel>{}</channel>{}",
            &rest[..end],
            &rest[end..]
        ),
        None => format!("{before}{tag}<channel></channel>{rest}"),
    })
}

/// Removes `type="<mime>"` from the start tag that ends at byte `position`, where feed-rs
/// reports an Atom or Media RSS text with a type it cannot read (`application/octet-stream`,
/// an empty type ...). Without the attribute the element reads as plain text, which loses
/// less than dropping the whole feed.
fn without_type_attribute(text: &str, position: u64, mime: &str) -> Option<String> {
    static TYPE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"\stype\s*=\s*(?:"([^"]*)"|'([^']*)')"#).expect("static regex is valid")
    });
    let end = usize::try_from(position).ok()?;
    let before = text.get(..end)?;
    let start = before.rfind('<')?;
    let tag = &before[start..];
    let found = TYPE.captures_iter(tag).find(|found| {
        found.get(1).or(found.get(2)).map(|m| m.as_str().trim()) == Some(mime.trim())
    })?;
    let attribute = found.get(0)?;
    let (tag_start, tag_end) = (start + attribute.start(), start + attribute.end());
    Some(format!("{}{}", &text[..tag_start], &text[tag_end..]))
}

/// The `<rss ...>` start tag with `version="2.0"`, or `None` if its version is one feed-rs reads.
fn with_known_version(tag: &str) -> Option<String> {
    static VERSION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"\sversion\s*=\s*(?:"([^"]*)"|'([^']*)')"#).expect("static regex is valid")
    });
    match VERSION.captures(tag) {
        Some(found) => {
            let value = found.get(1).or(found.get(2)).map_or("", |m| m.as_str());
            if VERSIONS_FEED_RS_READS.contains(&value) {
                return None;
            }
            Some(VERSION.replace(tag, r#" version="2.0""#).into_owned())
        }
        None => {
            let name_len = tag[1..]
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .map_or(tag.len(), |i| i + 1);
            Some(format!(
                "{} version=\"2.0\"{}",
                &tag[..name_len],
                &tag[name_len..]
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versionless_rss_gets_version_2() {
        let fixed = repaired_rss("<?xml version=\"1.0\"?><rss><channel/></rss>");
        assert_eq!(
            fixed.as_deref(),
            Some("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel/></rss>")
        );
    }

    #[test]
    fn unknown_rss_version_is_replaced_and_other_attributes_kept() {
        let fixed = repaired_rss("<rss xmlns:dc=\"d\" version='0.94'><channel/></rss>");
        assert_eq!(
            fixed.as_deref(),
            Some("<rss xmlns:dc=\"d\" version=\"2.0\"><channel/></rss>")
        );
    }

    #[test]
    fn rss_without_channel_gets_an_empty_one() {
        assert_eq!(
            repaired_rss("<rss version=\"2.0\">\n</rss>").as_deref(),
            Some("<rss version=\"2.0\"><channel>\n</channel></rss>")
        );
        assert_eq!(
            repaired_rss("<rss/>").as_deref(),
            Some("<rss version=\"2.0\"><channel></channel></rss>")
        );
    }

    #[test]
    fn unknown_type_attribute_before_position_is_removed() {
        let text = "<feed><title type=\"application/octet-stream\">dGl0bGU=</title></feed>";
        let position = text.find("dGl0").expect("fixture") as u64;
        assert_eq!(
            without_type_attribute(text, position, "application/octet-stream").as_deref(),
            Some("<feed><title>dGl0bGU=</title></feed>")
        );
        assert_eq!(without_type_attribute(text, position, "text/html"), None);
    }

    #[test]
    fn json_feed_version_number_becomes_canonical_url() {
        let fixed = with_json_feed_version_url(r#"{"version":"1.1","title":"t"}"#, "1.1")
            .expect("repaired");
        let fixed: serde_json::Value = serde_json::from_str(&fixed).expect("still JSON");
        assert_eq!(fixed["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(fixed["title"], "t");
        assert_eq!(
            with_json_feed_version_url(r#"{"version":"2.0"}"#, "2.0"),
            None
        );
    }

    #[test]
    fn items_straight_under_rss_go_into_a_channel() {
        assert_eq!(
            repaired_rss("<rss>\n<item><title>t</title></item>\n</rss>").as_deref(),
            Some("<rss version=\"2.0\"><channel>\n<item><title>t</title></item>\n</channel></rss>")
        );
    }

    #[test]
    fn an_atom_03_feed_is_declared_atom_10_with_its_dates_renamed() {
        let text = "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><entry><title>t</title>\
                    <issued>2004-01-01T00:00:00Z</issued><modified>2004-01-02T00:00:00Z</modified></entry></feed>";
        let repaired = repair_empty(text).expect("repaired");
        assert_eq!(
            repaired.text,
            "<feed version=\"0.3\" xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>t</title>\
             <published>2004-01-01T00:00:00Z</published><updated>2004-01-02T00:00:00Z</updated></entry></feed>"
        );
        assert_eq!(
            repair_empty("<feed xmlns=\"http://www.w3.org/2005/Atom\"/>"),
            None
        );
    }

    #[test]
    fn known_rss_version_with_channel_and_other_roots_are_left_alone() {
        assert_eq!(repaired_rss("<rss version=\"0.91\"><channel/></rss>"), None);
        assert_eq!(repaired_rss("<feed><title>t</title></feed>"), None);
    }
}
