//! Which declared `[[section]]` a `--section` flag or an OPML category means.

use crate::config::{Section, did_you_mean};

/// The declared section whose slug is `wanted` exactly, or a hint for the
/// error: the closest slug ("did you mean") and the list of declared ones.
pub fn declared(wanted: &str, sections: &[Section]) -> Result<String, String> {
    if sections.iter().any(|s| s.slug == wanted) {
        return Ok(wanted.to_string());
    }
    if sections.is_empty() {
        return Err("no [[section]] is declared; add one with slug and title".to_string());
    }
    let slugs: Vec<&str> = sections.iter().map(|s| s.slug.as_str()).collect();
    let list = format!("declared sections: {}", slugs.join(", "));
    Err(match did_you_mean(wanted, slugs) {
        Some(hint) => format!("{hint} {list}"),
        None => list,
    })
}

/// The section an OPML category names: its slug or its title, ignoring case.
pub fn for_category<'a>(category: &str, sections: &'a [Section]) -> Option<&'a Section> {
    let category = category.trim();
    sections.iter().find(|s| {
        s.slug.eq_ignore_ascii_case(category) || s.title.to_lowercase() == category.to_lowercase()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sections() -> Vec<Section> {
        [("politics", "Politics"), ("sports", "Sport & Games")]
            .into_iter()
            .map(|(slug, title)| Section {
                slug: slug.into(),
                title: title.into(),
            })
            .collect()
    }

    #[test]
    fn declared_slug_is_accepted() {
        assert_eq!(declared("sports", &sections()), Ok("sports".to_string()));
    }

    #[test]
    fn misspelled_slug_gets_did_you_mean_and_the_declared_list() {
        assert_eq!(
            declared("politcs", &sections()),
            Err("did you mean `politics`? declared sections: politics, sports".to_string())
        );
        assert_eq!(
            declared("weather", &sections()),
            Err("declared sections: politics, sports".to_string())
        );
        assert!(declared("x", &[]).unwrap_err().contains("no [[section]]"));
    }

    #[test]
    fn category_matches_slug_or_title_ignoring_case() {
        let sections = sections();
        let slug = |c: &str| for_category(c, &sections).map(|s| s.slug.as_str());
        assert_eq!(slug("POLITICS"), Some("politics"));
        assert_eq!(slug(" sport & games "), Some("sports"));
        assert_eq!(slug("Sport"), None);
    }
}
