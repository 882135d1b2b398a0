//! Turns the bytes of one fetched [`Document`] into a `feed_rs` [`Feed`], or into agency
//! items (`agency`: IPTC ninjs and NewsML-G2).
//!
//! Owns everything between raw bytes and feed-rs: character sets (`charset`), recognising
//! what is not a feed (`sniff`), refusing documents built to attack their reader
//! (`entities`), repairs for feeds feed-rs rejects but publishers serve (`lenient`, with
//! `json_shape` for mistyped JSON Feeds), and containing feed-rs panics (`isolate`).
//! RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed 1.0/1.1 are read by feed-rs itself.
//!
//! The feed comes back unsanitized and with [`NO_SOURCE_ID`] wherever the source gave no
//! id: sanitizing and stable ids belong to `normalize`.

pub mod agency;
mod charset;
mod entities;
mod error;
mod isolate;
mod json_shape;
mod lenient;
mod sniff;

pub use error::ParseError;

use std::borrow::Cow;

use feed_rs::model::Feed;
use feed_rs::parser::{ParseErrorKind, ParseFeedError};

use crate::config::SourceFormat;
use crate::fetch::Document;
use agency::AgencyItem;
use isolate::Failure;

/// feed-rs invents ids for entries without one (random UUIDs in the worst case); we never want those.
/// Every entry/feed without its own id gets exactly this id; `normalize` derives a stable one.
pub const NO_SOURCE_ID: &str = "wirefeed:no-source-id";

/// How many repairs one document may need; each fixes one element, so a feed needing more
/// is more broken than we want to guess about.
const MAX_REPAIRS: usize = 8;

/// What one document held: a feed, or agency items.
#[derive(Debug, Clone, PartialEq)]
// Feed is the common case; boxing it would allocate per document for nothing.
#[allow(clippy::large_enum_variant)]
pub enum Parsed {
    Feed(Feed),
    Agency(Vec<AgencyItem>),
}

/// Reads one document as `format` says, or as it looks when `None`: IPTC
/// ninjs (JSON that is not a JSON Feed) and NewsML-G2 (XML in the IPTC
/// namespace) become agency items, everything else a feed.
pub fn read(doc: &Document, format: Option<SourceFormat>) -> Result<Parsed, ParseError> {
    let text = decoded(doc)?;
    let url = &doc.url;
    match format {
        Some(SourceFormat::Feed) => feed_of(&text, url).map(Parsed::Feed),
        Some(SourceFormat::Ninjs) => agency::ninjs::read(&text, url).map(Parsed::Agency),
        Some(SourceFormat::NewsmlG2) => agency::newsml::read(&text, url).map(Parsed::Agency),
        None if agency::newsml::sniff_newsml(&text) => {
            agency::newsml::read(&text, url).map(Parsed::Agency)
        }
        None if sniff::may_be_ninjs(&text) => match agency::ninjs::read(&text, url) {
            // Not ninjs after all: feed-rs says what else is wrong with it.
            Err(ParseError::NotAFeed { .. }) => feed_of(&text, url).map(Parsed::Feed),
            read => read.map(Parsed::Agency),
        },
        None => feed_of(&text, url).map(Parsed::Feed),
    }
}

/// Parses one document into a feed.
///
/// Relative links resolve against `doc.url` unless the feed sets its own base (`xml:base`).
/// Never panics on any input: a feed-rs panic becomes [`ParseError::Panicked`].
pub fn parse(doc: &Document) -> Result<Feed, ParseError> {
    feed_of(&decoded(doc)?, &doc.url)
}

/// The document's text, refused when it is empty, a web page or built to
/// attack its reader.
fn decoded(doc: &Document) -> Result<String, ParseError> {
    let url = &doc.url;
    let charset::Decoded { text, mismatch } =
        charset::decode_to_utf8(&doc.body, doc.content_type.as_deref());
    if let Some(mismatch) = mismatch {
        tracing::warn!(%url, %mismatch, "the feed's bytes do not match its charset");
    }
    if text.trim().is_empty() {
        return Err(ParseError::Empty { url: url.clone() });
    }
    if let Some(reason) = sniff::html_page_reason(&text) {
        return Err(ParseError::NotAFeed {
            url: url.clone(),
            reason: reason.to_string(),
        });
    }
    if let Some(reason) = entities::hostile_declaration(&text) {
        return Err(ParseError::Hostile {
            url: url.clone(),
            reason,
        });
    }
    Ok(text)
}

/// feed-rs's reading of `text`, with repairs.
fn feed_of(text: &str, url: &url::Url) -> Result<Feed, ParseError> {
    let mut current = Cow::Borrowed(text);
    let mut repairs = 0;
    loop {
        let failure = match isolate::parse_isolated(&current, url.as_str()) {
            Ok(feed) => return Ok(feed),
            Err(failure) => failure,
        };
        let repair = match &failure {
            Failure::Rejected(error) if repairs < MAX_REPAIRS => lenient::repair(&current, error),
            Failure::Panicked(_) if repairs < MAX_REPAIRS => lenient::repair_after_panic(&current),
            _ => None,
        };
        let Some(repair) = repair else {
            return Err(to_parse_error(failure, &current, url));
        };
        if repair.lossy {
            tracing::warn!(%url, ?failure, repair = repair.what, "the feed was repaired at a loss");
        } else {
            tracing::debug!(%url, ?failure, repair = repair.what, "retrying a repaired feed");
        }
        repairs += 1;
        current = Cow::Owned(repair.text);
    }
}

fn to_parse_error(failure: Failure, text: &str, url: &url::Url) -> ParseError {
    let url = url.clone();
    match failure {
        Failure::Panicked(message) => {
            tracing::warn!(%url, %message, "feed-rs panicked; the document is skipped");
            ParseError::Panicked { url, message }
        }
        Failure::Rejected(ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot)) => {
            let reason = match sniff::root_tag(text) {
                Some(root) => format!("root element <{}> is not RSS, Atom or RDF", root.local_name),
                None if text.trim_start().starts_with('<') => {
                    "XML without a root element".to_string()
                }
                None => "neither XML nor JSON".to_string(),
            };
            ParseError::NotAFeed { url, reason }
        }
        Failure::Rejected(ParseFeedError::JsonUnsupportedVersion(version)) => {
            ParseError::NotAFeed {
                url,
                reason: format!("JSON with version {version:?} is not a JSON Feed"),
            }
        }
        Failure::Rejected(error) => ParseError::Malformed {
            url,
            reason: error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests;
