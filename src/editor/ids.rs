//! Feed ids for new entries: a slug of the feed's title or host, made unique.

use std::collections::HashSet;

use url::Url;

use crate::normalize::slugify;

/// Longest generated id; ids show up in logs and state, so keep them short.
const MAX_ID_LEN: usize = 40;

/// The id a feed gets when none is given: the slug of its title, or of its
/// host (without `www.`) when the title is empty.
pub fn base_id(title: Option<&str>, url: &Url) -> String {
    let title = title.map(str::trim).filter(|t| !t.is_empty());
    let host = url.host_str().map(|h| h.strip_prefix("www.").unwrap_or(h));
    let slug = slugify(title.or(host).unwrap_or("feed"));
    if slug.len() <= MAX_ID_LEN {
        return slug;
    }
    // Slugs are ASCII, so a byte cut is a character cut; end on a whole word.
    let cut = &slug[..MAX_ID_LEN];
    cut.rfind('-')
        .filter(|&at| at >= MAX_ID_LEN / 2)
        .map_or(cut, |at| &cut[..at])
        .to_string()
}

/// `base` if it is free, else the first free `base-2`, `base-3`, ….
pub fn unique_id(base: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken.contains(id))
        .unwrap_or_else(|| base.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::is_feed_id;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("static url")
    }

    #[test]
    fn id_is_the_slug_of_the_title() {
        let id = base_id(
            Some("Agence Métropole — Monde"),
            &url("https://am.example/rss"),
        );
        assert_eq!(id, "agence-metropole-monde");
        assert!(is_feed_id(&id));
    }

    #[test]
    fn id_falls_back_to_the_host_without_www_when_the_title_is_blank() {
        assert_eq!(
            base_id(Some("  "), &url("https://www.partner.example/feed")),
            "partner-example"
        );
        assert_eq!(
            base_id(None, &url("http://wire.example:8080/x")),
            "wire-example"
        );
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        let id = base_id(
            Some("The Daily Chronicle of Everything That Happens Anywhere at Any Time"),
            &url("https://c.example/"),
        );
        assert_eq!(id, "the-daily-chronicle-of-everything-that");
        assert!(id.len() <= MAX_ID_LEN);
    }

    #[test]
    fn taken_ids_get_the_first_free_numeric_suffix() {
        let taken: HashSet<String> = ["world", "world-2", "sport"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(unique_id("world", &taken), "world-3");
        assert_eq!(unique_id("sport", &taken), "sport-2");
        assert_eq!(unique_id("culture", &taken), "culture");
    }

    #[test]
    fn feed_ids_refuse_upper_case_and_spaces() {
        assert!(is_feed_id("ap_world-2"));
        assert!(!is_feed_id("AP World"));
        assert!(!is_feed_id(""));
    }
}
