//! The IPTC formats news agencies deliver, read into feed-rs entries: ninjs
//! (News in JSON, generations 1.x, 2.x and 3.x) and NewsML-G2 (XML
//! `newsItem`s, alone or in a `newsMessage`).
//!
//! Everything RSS also has goes into the [`Entry`], so `normalize` treats an
//! agency item like any other (sanitizing, rules, ids, images); the editorial
//! signals RSS has no place for ride alongside in [`Editorial`].
//!
//! How fields map into the entry:
//! - id: the item's `uri` (NewsML-G2 `guid`); title: the main headline;
//!   summary: the description/abstract; content: the body as HTML
//!   (unsanitized, like every parsed feed);
//! - authors: the byline people (`by`, `byline`, G2 `creator`);
//! - categories: subjects and genres, each with its code as the term
//!   (`medtop:20000763`) and its name as the label, so a `[[feed.rule]]`
//!   matches either;
//! - published: `firstcreated`; updated: `versioncreated`;
//! - rights: copyright holder, notice and usage terms in one line;
//! - media: the lead picture, as one media object holding its largest
//!   usable rendition, with the caption as description and the credit;
//! - language: the item's language.
//!
//! Never read: `ednote` (a note to editors, never published), and the
//! format's own packaging (priority, signals other than those below).

pub mod newsml;

use chrono::{DateTime, Utc};
use feed_rs::model::Entry;

/// One agency item: the entry `normalize` reads, and what it must honour.
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyItem {
    pub entry: Entry,
    pub editorial: Editorial,
}

/// The editorial signals an agency sends with an item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Editorial {
    /// `pubstatus` (ninjs) / `pubStatus` (G2).
    pub status: PubStatus,
    /// Not to be published before this time.
    pub embargoed: Option<DateTime<Utc>>,
    /// 1 (a flash) to 9 (lowest); agencies mark breaking news 1 to 3.
    pub urgency: Option<u8>,
    /// Where the story was filed from (`located`, the dateline place).
    pub located: Option<String>,
}

/// Whether an item may be published.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PubStatus {
    /// Publish it (also when the item says nothing).
    #[default]
    Usable,
    /// Take it down until a usable version arrives.
    Withheld,
    /// Killed: take it down for good; older versions must not bring it back.
    Canceled,
}

impl PubStatus {
    /// Reads `usable`, `withheld`, `canceled` (also `cancelled`) in any case,
    /// with or without the G2 scheme prefix (`stat:withheld`). Anything else
    /// is usable: an unknown word must not take a story down.
    pub fn from_word(word: &str) -> PubStatus {
        let word = word.trim();
        let word = word.rsplit_once(':').map_or(word, |(_, tail)| tail);
        if word.eq_ignore_ascii_case("withheld") {
            PubStatus::Withheld
        } else if word.eq_ignore_ascii_case("canceled") || word.eq_ignore_ascii_case("cancelled") {
            PubStatus::Canceled
        } else {
            PubStatus::Usable
        }
    }
}

/// The agency formats wirefeed reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgencyFormat {
    Ninjs,
    NewsmlG2,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pubstatus_words_and_scheme_prefixes_are_read() {
        assert_eq!(PubStatus::from_word("usable"), PubStatus::Usable);
        assert_eq!(PubStatus::from_word("Withheld"), PubStatus::Withheld);
        assert_eq!(PubStatus::from_word("stat:canceled"), PubStatus::Canceled);
        assert_eq!(PubStatus::from_word("cancelled"), PubStatus::Canceled);
        assert_eq!(PubStatus::from_word("draft?"), PubStatus::Usable);
    }
}
