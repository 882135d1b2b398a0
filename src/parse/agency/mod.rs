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
//! format's own packaging (priority, and signals besides those of
//! [`Editorial`]). Each reader's module doc lists what else it reads and
//! ignores; `build` holds what both build the same way (texts, dates, the
//! lead picture, the rights line).

mod build;
pub mod newsml;
pub mod ninjs;

use feed_rs::model::Entry;

pub use crate::model::{Editorial, PubStatus};

/// One agency item: the entry `normalize` reads, and what it must honour.
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyItem {
    pub entry: Entry,
    pub editorial: Editorial,
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
