//! Slugs and labels for tags, regions and series.
//!
//! Slugs become file names under `output/` (`tags/<slug>.rss`) and stay in
//! readers' subscriptions, so they are plain ASCII, stable, and never empty.

use std::collections::{BTreeMap, HashSet};

use crate::model::Label;

use super::id::hash_hex;

/// Longest slug, in characters.
const MAX_SLUG_LEN: usize = 80;
/// Hex characters of the hash used when a name has no ASCII letters or digits.
const FALLBACK_HASH_LEN: usize = 10;

/// The file-name-safe slug of a name: transliterated to ASCII, lower-case,
/// every run of other characters turned into one '-', trimmed, at most 80
/// characters (cut at a '-' when possible). A name with nothing left
/// ("★", "") gets `t-` and 10 hex characters of a hash of the name, so the slug
/// is still stable and never empty. The result only ever holds `a-z`, `0-9`
/// and '-'.
pub fn slugify(name: &str) -> String {
    let ascii = deunicode::deunicode_with_tofu(name, " ").to_ascii_lowercase();
    let mut slug = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let mut slug = slug.trim_end_matches('-').to_owned();

    if slug.len() > MAX_SLUG_LEN {
        // All ASCII by now, so byte and char positions agree.
        slug.truncate(MAX_SLUG_LEN);
        if let Some(dash) = slug.rfind('-').filter(|&at| at >= MAX_SLUG_LEN / 2) {
            slug.truncate(dash);
        }
        slug = slug.trim_end_matches('-').to_owned();
    }

    if slug.is_empty() {
        return format!("t-{}", hash_hex(&[name], FALLBACK_HASH_LEN));
    }
    slug
}

/// Labels for names as written in feeds.toml, aliases folded (looked up
/// lower-cased), de-duplicated by slug in first-seen order.
pub(crate) fn labels(names: &[String], aliases: &BTreeMap<String, String>) -> Vec<Label> {
    let mut seen = HashSet::new();
    names
        .iter()
        .filter_map(|name| label(name, aliases))
        .filter(|label| seen.insert(label.slug.clone()))
        .collect()
}

/// One label; `None` for a blank name.
pub(crate) fn label(name: &str, aliases: &BTreeMap<String, String>) -> Option<Label> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let canonical = aliases.get(&name.to_lowercase()).map_or(name, |c| c.trim());
    Some(Label {
        slug: slugify(canonical),
        label: canonical.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_valid_slug(slug: &str) -> bool {
        !slug.is_empty()
            && slug.len() <= MAX_SLUG_LEN
            && slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !slug.starts_with('-')
            && !slug.ends_with('-')
    }

    #[test]
    fn names_become_lower_case_dashed_slugs() {
        assert_eq!(
            slugify("Palestinian Territories"),
            "palestinian-territories"
        );
        assert_eq!(slugify("Arts & Culture"), "arts-culture");
        assert_eq!(slugify("  US & Canada  "), "us-canada");
        assert_eq!(slugify("Côte d'Ivoire"), "cote-d-ivoire");
    }

    #[test]
    fn path_traversal_cannot_escape_the_output_folder() {
        let slug = slugify("../../etc/passwd");
        assert_eq!(slug, "etc-passwd");
        assert!(!slug.contains('/') && !slug.contains('.'));
    }

    #[test]
    fn empty_and_symbol_only_names_get_a_stable_hash_slug() {
        let empty = slugify("");
        assert!(is_valid_slug(&empty), "{empty}");
        assert!(empty.starts_with("t-") && empty.len() == 12);
        assert_eq!(slugify("★"), slugify("★"));
        assert_ne!(slugify("★"), slugify(""));
        assert!(is_valid_slug(&slugify("...")));
    }

    #[test]
    fn arabic_names_get_a_valid_stable_slug() {
        let slug = slugify("فلسطين");
        assert!(is_valid_slug(&slug), "{slug}");
        assert_eq!(slug, slugify("فلسطين"));
    }

    #[test]
    fn long_names_are_capped_at_eighty_chars_on_a_dash() {
        let name = "word ".repeat(60);
        let slug = slugify(&name);
        assert!(is_valid_slug(&slug), "{slug}");
        assert!(slug.ends_with("word"));
        let unbroken = slugify(&"x".repeat(300));
        assert_eq!(unbroken.len(), MAX_SLUG_LEN);
    }

    #[test]
    fn tag_aliases_are_folded_and_duplicates_removed() {
        let aliases =
            BTreeMap::from([("palestinian territories".to_owned(), "Palestine".to_owned())]);
        let names = vec![
            "Palestinian Territories".to_owned(),
            "palestine".to_owned(),
            "Gaza".to_owned(),
            " ".to_owned(),
        ];
        let labels = labels(&names, &aliases);
        assert_eq!(
            labels,
            vec![
                Label {
                    slug: "palestine".into(),
                    label: "Palestine".into()
                },
                Label {
                    slug: "gaza".into(),
                    label: "Gaza".into()
                },
            ]
        );
    }
}
