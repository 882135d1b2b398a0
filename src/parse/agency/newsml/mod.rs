//! NewsML-G2 documents to [`AgencyItem`]s: a single `newsItem`, or a
//! `newsMessage` whose `itemSet` holds news items.
//!
//! Elements are matched by the G2 namespace URI and local name, never by
//! prefix. The XML is read with `roxmltree`, without DTDs: a document with a
//! `<!DOCTYPE>` is refused before any entity is expanded (G2 is defined by
//! XML Schema and needs none), so entity bombs and external entities
//! (`SYSTEM "file:///etc/passwd"`) never get a chance to be expanded or
//! fetched. The node count is capped as well.
//!
//! # What is mapped (per `newsItem`)
//!
//! - `@guid` → entry id ([`NO_SOURCE_ID`](crate::parse::NO_SOURCE_ID)
//!   without one); `@version` is informational only: versions are ordered
//!   by `versionCreated`.
//! - `itemMeta/pubStatus/@qcode` → status; `itemMeta/embargoed` → embargo
//!   (UTC; an empty `<embargoed/>`, "until further notice", is read as
//!   withheld); `contentMeta/urgency` (1–9) → urgency.
//! - `itemMeta/firstCreated` (else `contentMeta/contentCreated`) → published;
//!   `itemMeta/versionCreated` → updated.
//! - `contentMeta/headline` → title: one without a role or `hdltype:main`,
//!   in the item's language when there are several; else the NITF `hl1`.
//!   None when the item has neither: `normalize` then makes one from the
//!   body or summary (a picture's caption).
//! - `contentMeta/description` without a role or `drol:summary` (else any
//!   non-caption description, else the NITF `abstract`, else the NITF `hl2`
//!   subheadline; for pictures the `drol:caption`) → summary.
//! - `contentMeta/creator` (`name` or `@literal`) and the NITF `byline` (or
//!   an XHTML element of class `byline`) → authors, as written.
//! - `contentMeta/located` (`name` or `@literal`), else `contentMeta/dateline`,
//!   else the NITF `dateline` → located.
//! - `contentMeta/subject` and `genre` with a `@qcode` (or `@uri`) →
//!   categories: the code as term, the `name` as label, scheme `subject` or
//!   `genre`.
//! - `contentMeta/language/@tag`, else `inlineXML/@xml:lang`, else the item's
//!   (or message's) `xml:lang` → language.
//! - `rightsInfo` (the first): `copyrightHolder`, `copyrightNotice`,
//!   `usageTerms` → rights, "© Holder. Notice. Usage terms.".
//! - `contentSet`: NITF or XHTML `inlineXML`, or `text/plain` `inlineData` →
//!   content as HTML (see `body`).
//! - Picture and graphic items: the largest usable `remoteContent` rendition
//!   → the lead image, with the caption and `creditline` (else the copyright
//!   holder) as credit (see `media`). Other items: the first picture of a
//!   NITF body (`media`/`media-reference`, with `media-caption` and
//!   `media-producer`) → the lead image.
//! - `itemMeta/link` with an absolute http(s) `@href`, no `@rel` or
//!   `irel:seeAlso`, and no non-HTML content type → the item's web link.
//!   Without one the entry has no link (`normalize` derives ids from the id).
//!
//! In a `newsMessage`, a picture item that a text item points to (by an
//! `itemMeta/link/@residref` naming the picture's guid, or by sharing a
//! `group` of a `packageItem` in the same message) becomes that text item's
//! lead image (over a picture of its NITF body) and is not returned as an
//! item of its own. Pictures nobody points to are items like any other.
//!
//! # What is ignored, and why
//!
//! - `itemMeta/edNote`: notes to editors are never published.
//! - `packageItem` (beyond pairing pictures with text), `conceptItem`,
//!   `knowledgeItem`, `planningItem`, `catalogItem`: no story to publish.
//! - `newsMessage/header`, `hopHistory`, `catalogRef`, `assert`,
//!   `itemMeta/signal`, `service`, `provider`, `title`, `fileName`,
//!   `contentMeta/slugline`, `keyword`, `infoSource`, `contributor`, `icon`:
//!   transport, workflow or desk data with no place in an article (the
//!   provider is the feed's own attribution).
//! - Subjects with only a `@literal` or facet `mainConcept`s: no code to map.
//! - `remoteContent` of text, video and audio items (the story is the item;
//!   video files are not lead images), and non-http(s) renditions.
//! - Items with no headline, description or body (skeletons, event lists).

mod body;
mod item;
mod media;
mod message;
mod sniff;
mod xml;

pub use sniff::sniff_newsml;

use roxmltree::{Document, ParsingOptions};
use url::Url;

use super::AgencyItem;
use crate::parse::ParseError;
use xml::is_g2;

/// Most XML nodes one document may have: far above a newsMessage of a few
/// hundred stories, far below what would exhaust memory.
const MAX_NODES: u32 = 2_000_000;

/// Reads a NewsML-G2 document (a `newsItem` or a `newsMessage`) into items.
///
/// Errors: [`ParseError::NotAFeed`] when the root is not a G2 `newsItem` or
/// `newsMessage` (a concept, knowledge, planning, catalog or package item,
/// another format), or when no item in it has anything to publish;
/// [`ParseError::Malformed`] for XML that does not parse (with line:column)
/// or that carries a DTD.
pub fn read(text: &str, url: &Url) -> Result<Vec<AgencyItem>, ParseError> {
    let not_a_feed = |reason: String| ParseError::NotAFeed {
        url: url.clone(),
        reason,
    };
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..ParsingOptions::default()
    };
    let doc = match Document::parse_with_options(text, options) {
        Ok(doc) => doc,
        Err(error) => {
            // Fragments and other formats often fail to parse too: say what
            // they are rather than where they broke.
            let refused = match sniff::root(text) {
                Some(root) => refusal(&root),
                None if !text.trim_start().starts_with('<') => Some("not XML".to_owned()),
                None => None,
            };
            return Err(match refused {
                Some(reason) => not_a_feed(reason),
                None => ParseError::Malformed {
                    url: url.clone(),
                    reason: describe(&error, text),
                },
            });
        }
    };
    let root = doc.root_element();
    let found = sniff::Root {
        local_name: root.tag_name().name(),
        namespace: root.tag_name().namespace(),
    };
    if let Some(reason) = refusal(&found) {
        return Err(not_a_feed(reason));
    }
    let (items, held) = if is_g2(root, "newsItem") {
        let items = item::read_item(root, url, None).into_iter().collect();
        (items, "the newsItem".to_owned())
    } else {
        message::read_message(root, url)
    };
    if items.is_empty() {
        return Err(not_a_feed(format!(
            "{held}: nothing to publish (no news item with a headline, description or body)"
        )));
    }
    Ok(items)
}

/// Why a document with this root is not read, if it is not.
fn refusal(root: &sniff::Root<'_>) -> Option<String> {
    if root.is_readable() {
        None
    } else if root.is_g2() {
        Some(format!(
            "NewsML-G2 <{}> carries no news item",
            root.local_name
        ))
    } else {
        Some(format!(
            "root element <{}> is not a NewsML-G2 newsItem or newsMessage (namespace {})",
            root.local_name,
            root.namespace.unwrap_or("none")
        ))
    }
}

/// The parser's message with its line:column, and why DTDs are refused.
fn describe(error: &roxmltree::Error, text: &str) -> String {
    use roxmltree::Error;
    match error {
        Error::DtdDetected => "a DTD (<!DOCTYPE>) is not accepted: NewsML-G2 uses none, and \
                               its entities are how XML bombs and external-entity reads work"
            .to_owned(),
        // roxmltree puts these at 1:1; where the text stops is the useful place.
        Error::UnexpectedEndOfStream | Error::UnclosedRootNode => {
            let line = text.lines().count().max(1);
            let column = text.lines().last().map_or(0, |last| last.chars().count()) + 1;
            format!("{error} at {line}:{column} (truncated?)")
        }
        _ => {
            let message = error.to_string();
            let pos = error.pos().to_string();
            if message.contains(&pos) {
                message
            } else {
                format!("{message} at {pos}")
            }
        }
    }
}

#[cfg(test)]
mod tests;
