//! Turns the bytes of one fetched [`Document`] into a `feed_rs` [`Feed`], or into agency
//! items (`agency`: IPTC ninjs and NewsML-G2).
//!
//! Owns everything between raw bytes and feed-rs: character sets (`charset`), recognising
//! what is not a feed (`sniff`), refusing documents built to attack their reader
//! (`entities`), repairs for feeds feed-rs rejects but publishers serve (`repair`, with
//! `json_shape` for mistyped JSON Feeds), and containing feed-rs panics (`isolate`).
//! RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed 1.0/1.1 are read by feed-rs itself.
//!
//! What feed-rs leaves out is read here too, from the decoded text: the root element's
//! `xml:base` (`xml_base`) and JSON Feed item images (`item_images`), so normalize
//! works from a [`ParsedFeed`] and never sees the fetched bytes.
//!
//! The feed comes back unsanitized and with [`NO_SOURCE_ID`] wherever the source gave no
//! id: sanitizing and stable ids belong to `normalize`.

pub mod agency;
mod charset;
mod entities;
mod error;
mod isolate;
mod item_images;
mod json_shape;
mod repair;
mod sniff;
mod xml_base;

pub use error::ParseError;

use std::borrow::Cow;
use std::collections::HashMap;

use feed_rs::model::Feed;
use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use url::Url;

use crate::config::SourceFormat;
use crate::fetch::Document;
use agency::AgencyItem;
use isolate::Failure;

/// feed-rs invents ids for entries without one (random UUIDs in the worst case); we never want those.
/// Every entry/feed without its own id gets exactly this id; `normalize` derives a stable one.
pub const NO_SOURCE_ID: &str = "wirefeed:no-source-id";

/// How many keyed repairs one document may need; each fixes one element, so a feed
/// needing more is more broken than we want to guess about. The salvage of broken XML
/// (`repair::salvage`) mends everything it can in one pass and is tried once.
const MAX_REPAIRS: usize = 8;

/// What one document held: a feed, or agency items.
#[derive(Debug, Clone, PartialEq)]
// Feed is the common case; boxing it would allocate per document for nothing.
#[allow(clippy::large_enum_variant)]
pub enum Parsed {
    Feed(ParsedFeed),
    Agency(AgencyDocument),
}

/// One feed document, read: feed-rs's model and what feed-rs leaves out.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    /// Where the document came from: the last resort for relative links.
    pub url: Url,
    pub feed: Feed,
    /// The root element's `xml:base`, resolved: feed-rs applies it to the
    /// links it maps, not to content.
    pub xml_base: Option<Url>,
    /// JSON Feed items' `image` (else `banner_image`) by item id.
    pub item_images: HashMap<String, String>,
}

impl ParsedFeed {
    /// `feed`, read from `text` fetched at `url`.
    fn new(feed: Feed, text: &str, url: &Url) -> Self {
        ParsedFeed {
            url: url.clone(),
            feed,
            xml_base: xml_base::root_xml_base(text, url),
            item_images: item_images::item_images(text),
        }
    }
}

/// One agency document's items and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyDocument {
    pub url: Url,
    pub items: Vec<AgencyItem>,
}

/// Reads one document of the feed `feed` as `format` says, or as it looks when
/// `None`: IPTC ninjs (JSON that is not a JSON Feed) and NewsML-G2 (XML in the IPTC
/// namespace) become agency items, everything else a feed. What had to be repaired
/// for it to read is logged once, naming the feed.
pub fn read_feed(
    feed: &str,
    doc: &Document,
    format: Option<SourceFormat>,
) -> Result<Parsed, ParseError> {
    read_logged(Some(feed), doc, format)
}

/// [`read_feed`] for a document no feed id goes with; logs name its URL only.
pub fn read(doc: &Document, format: Option<SourceFormat>) -> Result<Parsed, ParseError> {
    read_logged(None, doc, format)
}

fn read_logged(
    feed: Option<&str>,
    doc: &Document,
    format: Option<SourceFormat>,
) -> Result<Parsed, ParseError> {
    let text = decoded(doc)?;
    let url = &doc.url;
    let as_feed = |text: &str| {
        feed_of(text, url).map(|(parsed, repairs)| {
            repairs.log(feed, url);
            Parsed::Feed(ParsedFeed::new(parsed, text, url))
        })
    };
    let as_agency = |items| {
        Parsed::Agency(AgencyDocument {
            url: url.clone(),
            items,
        })
    };
    match format {
        Some(SourceFormat::Feed) => as_feed(&text),
        Some(SourceFormat::Ninjs) => agency::ninjs::read(&text, url).map(as_agency),
        Some(SourceFormat::NewsmlG2) => agency::newsml::read(&text, url).map(as_agency),
        None if agency::newsml::sniff_newsml(&text) => {
            agency::newsml::read(&text, url).map(as_agency)
        }
        None if sniff::may_be_ninjs(&text) => match agency::ninjs::read(&text, url) {
            // Not ninjs after all: feed-rs says what else is wrong with it.
            Err(ParseError::NotAFeed { .. }) => as_feed(&text),
            read => read.map(as_agency),
        },
        None => as_feed(&text),
    }
}

/// Parses one document into a feed.
///
/// Relative links resolve against `doc.url` unless the feed sets its own base (`xml:base`).
/// Never panics on any input: a feed-rs panic becomes [`ParseError::Panicked`].
pub fn parse(doc: &Document) -> Result<ParsedFeed, ParseError> {
    let text = decoded(doc)?;
    let (feed, repairs) = feed_of(&text, &doc.url)?;
    repairs.log(None, &doc.url);
    Ok(ParsedFeed::new(feed, &text, &doc.url))
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

/// What was repaired for one document to read, in the order applied.
#[derive(Debug, Default)]
struct Repairs {
    applied: Vec<String>,
    /// Whether a repair left something of the source out.
    lossy: bool,
    /// Whether the document needed more than a keyed repair of something feed-rs
    /// alone cannot read (broken XML was salvaged, or something was lost): worth
    /// the operator's attention, where a versionless `<rss>` is not.
    worth_a_warning: bool,
}

impl Repairs {
    /// One line for the whole document: which repairs, and how many.
    fn log(&self, feed: Option<&str>, url: &url::Url) {
        if self.applied.is_empty() {
            return;
        }
        let (count, how, lossy) = (self.applied.len(), self.applied.join("; "), self.lossy);
        match (feed, self.worth_a_warning) {
            (Some(feed), true) => {
                tracing::warn!(feed = %feed, %url, repairs = count, %how, lossy, "the feed is broken as served and was repaired to be read")
            }
            (None, true) => {
                tracing::warn!(%url, repairs = count, %how, lossy, "the feed is broken as served and was repaired to be read")
            }
            (Some(feed), false) => {
                tracing::debug!(feed = %feed, %url, repairs = count, %how, "the feed was repaired to be read")
            }
            (None, false) => {
                tracing::debug!(%url, repairs = count, %how, "the feed was repaired to be read")
            }
        }
    }
}

/// feed-rs's reading of `text`, with repairs when it fails, and what they were.
///
/// A text that feed-rs reads as served is neither copied nor rewritten.
fn feed_of(text: &str, url: &url::Url) -> Result<(Feed, Repairs), ParseError> {
    feed_of_once(text, url, false)
}

/// [`feed_of`]; `read_empty_again` once a feed read without entries was repaired.
fn feed_of_once(
    text: &str,
    url: &url::Url,
    read_empty_again: bool,
) -> Result<(Feed, Repairs), ParseError> {
    let mut current = Cow::Borrowed(text);
    let mut repairs = Repairs::default();
    let mut keyed = 0;
    let mut salvaged = false;
    loop {
        let failure = match isolate::parse_isolated(&current, url.as_str()) {
            // Checked only when feed-rs found no entry, so a feed with items is never copied.
            Ok(feed) if feed.entries.is_empty() && !read_empty_again => {
                return Ok(read_again(feed, repairs, &current, url));
            }
            Ok(feed) => return Ok((feed, repairs)),
            Err(failure) => failure,
        };
        let repair = match &failure {
            Failure::Rejected(error) if keyed < MAX_REPAIRS => {
                match repair::repair(&current, error) {
                    Some(repair) => {
                        keyed += 1;
                        Some(repair)
                    }
                    None if !salvaged => {
                        salvaged = true;
                        repair::salvage(&current).inspect(|_| repairs.worth_a_warning = true)
                    }
                    None => None,
                }
            }
            Failure::Panicked(_) if keyed < MAX_REPAIRS => {
                keyed += 1;
                repair::repair_after_panic(&current)
            }
            _ => None,
        };
        let Some(repair) = repair else {
            return Err(to_parse_error(failure, &current, url));
        };
        tracing::debug!(%url, ?failure, repair = %repair.what, "retrying a repaired feed");
        repairs.lossy |= repair.lossy;
        repairs.worth_a_warning |= repair.lossy;
        repairs.applied.push(repair.what);
        current = Cow::Owned(repair.text);
    }
}

/// A feed feed-rs read without entries, read again after `repair::repair_empty` when
/// it has one; the first reading stands when the repaired text reads no better.
fn read_again(feed: Feed, mut repairs: Repairs, text: &str, url: &url::Url) -> (Feed, Repairs) {
    let Some(repair) = repair::repair_empty(text) else {
        return (feed, repairs);
    };
    match feed_of_once(&repair.text, url, true) {
        Ok((again, more)) if !again.entries.is_empty() => {
            repairs.applied.push(repair.what);
            repairs.applied.extend(more.applied);
            repairs.lossy |= more.lossy;
            repairs.worth_a_warning |= more.worth_a_warning;
            (again, repairs)
        }
        other => {
            tracing::debug!(%url, repair = %repair.what, read = ?other.err(), "a feed without entries reads no better repaired");
            (feed, repairs)
        }
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
