//! Stable ids: the article id wirefeed publishes, and the source item id it
//! derives when a feed gives an item no id of its own.
//!
//! Everything here is a hash of the item's own data, never random, so the
//! same item gets the same id on every run and after every restart.

use sha2::{Digest, Sha256};

/// Hex characters kept from the SHA-256 of an article id: 80 bits, far more
/// than any newsroom archive needs to stay collision-free.
const ARTICLE_ID_HEX_LEN: usize = 20;

/// The stable id of an article from its item alone: the first 20 hex
/// characters of the SHA-256 of `feed_id`, a NUL byte and `item_id`. The NUL
/// keeps `("a", "bc")` and `("ab", "c")` apart. An item with a canonical URL
/// gets [`anchored_article_id`] instead; this one is for an item without a
/// link, or whose link's id another article of its own feed already holds.
pub fn article_id(feed_id: &str, item_id: &str) -> String {
    hash_hex(&[feed_id, item_id], ARTICLE_ID_HEX_LEN)
}

/// The id a new article gets. Copies of one story from several feeds that
/// share its canonical URL fold into one article, and that article's id must
/// not depend on which copy was fetched first: after a lost state the same
/// inputs, in any order, give the ids readers already have. So the URL, not
/// the feed, names it. The prefix holds a ':', which no feed id may, so this
/// hash never equals an [`article_id`].
pub fn anchored_article_id(feed_id: &str, item_id: &str, canonical_url: Option<&str>) -> String {
    match canonical_url {
        Some(url) => hash_hex(&["wirefeed:url", url], ARTICLE_ID_HEX_LEN),
        None => article_id(feed_id, item_id),
    }
}

/// What a source item id is derived from when the feed gave none.
pub(crate) enum IdBasis<'a> {
    /// The item's canonical link.
    Link(&'a str),
    /// The item's title and its published date (RFC 3339, or "" when none).
    TitleAndDate(&'a str, &'a str),
    /// The item's body (or summary) text as the source sent it.
    Content(&'a str),
}

/// The source item id for an item that had none. Links are used as they are
/// (readable in attribution); titles and bodies are hashed, with a prefix
/// saying which so two kinds can never collide.
pub(crate) fn derived_item_id(basis: IdBasis<'_>) -> String {
    match basis {
        IdBasis::Link(link) => link.to_owned(),
        IdBasis::TitleAndDate(title, date) => {
            format!("wirefeed:title:{}", hash_hex(&[title, date], 32))
        }
        IdBasis::Content(body) => format!("wirefeed:content:{}", hash_hex(&[body], 32)),
    }
}

/// Lower-case hex of the SHA-256 of `parts` joined with NUL bytes, cut to `len`
/// characters (at most 64).
pub(crate) fn hash_hex(parts: &[&str], len: usize) -> String {
    let mut hasher = Sha256::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hasher.update([0u8]);
        }
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest.iter() {
        hex.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        hex.push(char::from_digit(u32::from(byte & 0x0f), 16).unwrap_or('0'));
    }
    hex.truncate(len);
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_id_is_twenty_hex_chars_and_the_same_every_time() {
        let id = article_id("ap-world", "urn:ap:123");
        assert_eq!(id.len(), 20);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(id, article_id("ap-world", "urn:ap:123"));
    }

    #[test]
    fn an_article_with_a_canonical_url_is_named_by_the_url_whichever_feed_brought_it() {
        let url = "https://agency.example/story";
        let from_agency = anchored_article_id("ap-world", "urn:ap:1", Some(url));
        let from_partner = anchored_article_id("harbour", "tag:harbour,2026:9", Some(url));
        assert_eq!(from_agency, from_partner);
        assert_ne!(from_agency, article_id("ap-world", "urn:ap:1"));
        assert_eq!(
            anchored_article_id("ap-world", "urn:ap:1", None),
            article_id("ap-world", "urn:ap:1")
        );
    }

    #[test]
    fn article_id_separates_feed_and_item() {
        assert_ne!(article_id("a", "bc"), article_id("ab", "c"));
        assert_ne!(article_id("ap-world", "1"), article_id("reuters", "1"));
    }

    #[test]
    fn sha256_hex_matches_known_digest() {
        // SHA-256("abc")
        assert_eq!(
            hash_hex(&["abc"], 64),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn derived_ids_from_title_and_content_never_collide() {
        let by_title = derived_item_id(IdBasis::TitleAndDate("x", ""));
        let by_body = derived_item_id(IdBasis::Content("x"));
        assert_ne!(by_title, by_body);
        assert_eq!(by_title, derived_item_id(IdBasis::TitleAndDate("x", "")));
    }
}
