//! Language codes: the first usable one of item, feed, feeds.toml and site,
//! normalized so `languages/<code>` channels do not split on spelling.

/// Normalize a BCP 47 tag to lower-case primary language plus optional
/// region: "en-US" and "en_us" are "en-us", "zh-Hant-TW" is "zh-tw", "AR" is
/// "ar". `None` when the primary subtag is not 2–3 ASCII letters.
pub(crate) fn normalize_language(tag: &str) -> Option<String> {
    let lower = tag.trim().to_ascii_lowercase().replace('_', "-");
    let mut subtags = lower.split('-');
    let primary = subtags
        .next()
        .filter(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()))?;
    // Skip a script subtag ("hant"); keep a region (two letters or three digits).
    let region = subtags.find(|s| s.len() != 4).filter(|s| {
        (s.len() == 2 && s.chars().all(|c| c.is_ascii_alphabetic()))
            || (s.len() == 3 && s.chars().all(|c| c.is_ascii_digit()))
    });
    Some(match region {
        Some(region) => format!("{primary}-{region}"),
        None => primary.to_owned(),
    })
}

/// The first candidate that normalizes to a usable code.
pub(crate) fn first_language<'a>(
    candidates: impl IntoIterator<Item = Option<&'a str>>,
) -> Option<String> {
    candidates
        .into_iter()
        .flatten()
        .find_map(normalize_language)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_lower_cased_with_optional_region() {
        assert_eq!(normalize_language("en-US").as_deref(), Some("en-us"));
        assert_eq!(normalize_language(" AR ").as_deref(), Some("ar"));
        assert_eq!(normalize_language("es_419").as_deref(), Some("es-419"));
        assert_eq!(normalize_language("zh-Hant-TW").as_deref(), Some("zh-tw"));
        assert_eq!(
            normalize_language("en-GB-oxendict").as_deref(),
            Some("en-gb")
        );
    }

    #[test]
    fn unusable_codes_fall_through_to_the_next_candidate() {
        assert_eq!(normalize_language(""), None);
        assert_eq!(normalize_language("english"), None);
        assert_eq!(
            first_language([None, Some("??"), Some("fr-FR"), Some("en")]).as_deref(),
            Some("fr-fr")
        );
    }
}
