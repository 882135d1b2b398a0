//! Building the one published article from every source version of a story.
//!
//! The store keeps each feed's own version of a story and rebuilds the
//! article from all of them whenever one changes, so a correction to the
//! primary or a fold of a new duplicate always starts from the sources, never
//! from an earlier merge.

use crate::model::Article;

/// One feed's version of a story, as normalize built it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceVersion {
    pub article: Article,
    /// The feed's `priority` from feeds.toml: higher wins the primary place.
    pub priority: i64,
}

/// The article for a story told by `versions` (in the order they were first
/// seen; at least one), published under the story's existing `id`.
///
/// The highest priority version is the primary (on a tie, the one seen
/// first): its text, source and labels are the article's. The others become
/// `also_via`, in order, and fill what the primary lacks: image, byline and
/// summary. The article is published at the earliest real date any source
/// gave (first-seen times count only when no source had a date) and updated
/// at the latest update of any source.
///
/// Returns `None` when `versions` is empty.
pub fn combine(id: &str, versions: &[SourceVersion]) -> Option<Article> {
    let primary_index = versions
        .iter()
        .enumerate()
        .max_by(|(ia, a), (ib, b)| a.priority.cmp(&b.priority).then(ib.cmp(ia)))
        .map(|(index, _)| index)?;
    let primary = &versions[primary_index].article;
    let others: Vec<&Article> = versions
        .iter()
        .enumerate()
        .filter(|(index, _)| *index != primary_index)
        .map(|(_, version)| &version.article)
        .collect();

    let mut article = primary.clone();
    article.id = id.to_owned();
    article.also_via = others.iter().map(|other| other.source.clone()).collect();
    if article.image.is_none() {
        article.image = others.iter().find_map(|other| other.image.clone());
    }
    if article.authors.is_empty()
        && let Some(other) = others.iter().find(|other| !other.authors.is_empty())
    {
        article.authors = other.authors.clone();
    }
    if article.summary.is_none() {
        article.summary = others.iter().find_map(|other| other.summary.clone());
    }

    let all = || std::iter::once(primary).chain(others.iter().copied());
    let earliest_dated = all()
        .filter(|version| version.source.published.is_some())
        .map(|version| version.published)
        .min();
    article.published = earliest_dated
        .or_else(|| all().map(|version| version.published).min())
        .unwrap_or(primary.published);
    article.updated = all()
        .map(|version| version.updated)
        .max()
        .unwrap_or(primary.updated);
    // One source withholding or killing the story, or holding it under
    // embargo, holds the whole article: its copies are the same story.
    article.editorial.status = all()
        .map(|version| version.editorial.status)
        .max()
        .unwrap_or_default();
    article.editorial.embargoed = all()
        .filter_map(|version| version.editorial.embargoed)
        .max();
    Some(article)
}

/// An undated item's `published` is the time wirefeed first saw it; a later
/// fetch of the same item must not move it to "now". Copies the stored
/// version's `published` into `incoming` when the source gave no date.
pub fn keep_first_seen(incoming: &mut Article, stored: &Article) {
    if incoming.source.published.is_none() {
        incoming.published = stored.published;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::testing::{article, at};
    use crate::model::Image;

    fn version(article: Article, priority: i64) -> SourceVersion {
        SourceVersion { article, priority }
    }

    #[test]
    fn higher_priority_source_is_primary_and_the_id_is_kept() {
        let partner = article("partner-1", "partner")
            .title("Partner text")
            .build();
        let agency = article("ap-1", "ap").title("Agency text").build();
        let merged = combine("partner-1", &[version(partner, 1), version(agency, 10)]).unwrap();
        assert_eq!(merged.id, "partner-1");
        assert_eq!(merged.title, "Agency text");
        assert_eq!(merged.source.feed_id, "ap");
        assert_eq!(merged.also_via.len(), 1);
        assert_eq!(merged.also_via[0].feed_id, "partner");
    }

    #[test]
    fn a_withheld_or_embargoed_copy_holds_the_whole_article() {
        use crate::model::PubStatus;
        let agency = article("ap-1", "ap").status(PubStatus::Withheld).build();
        let partner = article("p-1", "partner").embargoed(at(20)).build();
        let killed = article("ap-2", "ap").status(PubStatus::Canceled).build();
        let merged = combine("p-1", &[version(partner.clone(), 1), version(agency, 10)]).unwrap();
        assert_eq!(merged.editorial.status, PubStatus::Withheld);
        assert_eq!(merged.editorial.embargoed, Some(at(20)));
        let merged = combine("p-1", &[version(partner, 1), version(killed, 10)]).unwrap();
        assert_eq!(merged.editorial.status, PubStatus::Canceled);
    }

    #[test]
    fn equal_priority_keeps_the_first_seen_as_primary() {
        let first = article("a", "one").build();
        let second = article("b", "two").build();
        let merged = combine("a", &[version(first, 5), version(second, 5)]).unwrap();
        assert_eq!(merged.source.feed_id, "one");
    }

    #[test]
    fn missing_image_byline_and_summary_come_from_also_via() {
        let image = Image {
            url: "https://img.example/a.jpg".into(),
            caption: None,
            credit: Some("(AP)".into()),
            mime_type: None,
            width: None,
            height: None,
        };
        let primary = article("a", "ap").no_summary().build();
        let secondary = article("b", "partner")
            .summary("Standfirst")
            .author("Jane Doe")
            .image(image.clone())
            .build();
        let merged = combine("a", &[version(primary, 10), version(secondary, 1)]).unwrap();
        assert_eq!(merged.image, Some(image));
        assert_eq!(merged.authors, ["Jane Doe"]);
        assert_eq!(merged.summary.as_deref(), Some("Standfirst"));
    }

    #[test]
    fn earliest_real_date_wins_over_a_first_seen_time() {
        let primary = article("a", "ap").published(at(50)).build();
        let dated = article("b", "x").published(at(30)).build();
        let undated = article("c", "y").undated(at(10)).build();
        let merged = combine(
            "a",
            &[version(primary, 10), version(dated, 1), version(undated, 1)],
        )
        .unwrap();
        assert_eq!(merged.published, at(30));
    }

    #[test]
    fn undated_item_keeps_its_first_seen_time() {
        let stored = article("a", "f").undated(at(10)).build();
        let mut incoming = article("a", "f").undated(at(99)).build();
        keep_first_seen(&mut incoming, &stored);
        assert_eq!(incoming.published, at(10));
    }

    #[test]
    fn nothing_to_combine_is_none() {
        assert_eq!(combine("a", &[]), None);
    }
}
