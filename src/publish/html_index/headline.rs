//! What the front page shows of a story, and how many stories of each
//! channel it keeps.
//!
//! Headlines travel inside the channel's listing entry (saved in the state),
//! so a process that did not render a channel still shows its newest stories.
//! They are cut down here, at the source, so the state holds a few per
//! channel and not `max_items`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::Article;

use super::super::channels::Group;

/// A story as the front page lists it: plain text, escaped when rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headline {
    pub title: String,
    /// The story's canonical URL, only when a browser may follow it
    /// (http or https): a feed's `javascript:` link never becomes a link.
    pub url: Option<String>,
    /// The outlet the story is attributed to.
    pub source: String,
    /// The other outlets whose copies were folded into it, without repeats.
    pub also_via: Vec<String>,
    pub published: DateTime<Utc>,
    /// BCP 47 code, when known: sets `lang` and, for right-to-left scripts, `dir`.
    pub language: Option<String>,
}

/// Longest fallback title taken from a summary, in characters.
const FALLBACK_TITLE_CHARS: usize = 120;

impl Headline {
    pub fn of(article: &Article) -> Headline {
        let mut also_via: Vec<String> = Vec::new();
        for via in &article.also_via {
            let name = via.name.trim();
            if !name.is_empty()
                && name != article.source.name
                && !also_via.iter().any(|n| n == name)
            {
                also_via.push(name.to_owned());
            }
        }
        Headline {
            title: title(article),
            url: article
                .url
                .as_deref()
                .filter(|url| followable(url))
                .map(str::to_owned),
            source: article.source.name.clone(),
            also_via,
            published: article.published,
            language: article.language.clone(),
        }
    }
}

/// The title, or for an untitled item (some agency formats have none) the
/// start of its summary, so the list never shows an empty link.
fn title(article: &Article) -> String {
    let title = article.title.trim();
    if !title.is_empty() {
        return title.to_owned();
    }
    let summary = article.summary.as_deref().unwrap_or_default().trim();
    if summary.is_empty() {
        return "(untitled)".to_owned();
    }
    let mut cut: String = summary.chars().take(FALLBACK_TITLE_CHARS).collect();
    if summary.chars().count() > FALLBACK_TITLE_CHARS {
        cut.push('…');
    }
    cut
}

/// An absolute http(s) URL: what a reader's browser may be sent to.
fn followable(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
}

/// How many of a channel's newest stories the front page shows: the whole
/// site's first, then breaking news and sections, a few for the rest.
pub fn kept(group: Group) -> usize {
    match group {
        Group::All => 10,
        Group::Breaking => 5,
        Group::Sections => 5,
        Group::Tags | Group::Regions | Group::Languages => 3,
    }
}

/// The first [`kept`] of `articles`, which are newest first.
pub fn headlines(group: Group, articles: &[Article]) -> Vec<Headline> {
    articles
        .iter()
        .take(kept(group))
        .map(Headline::of)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::test_support::article;

    #[test]
    fn a_link_a_browser_would_run_is_dropped_and_the_title_kept() {
        let mut story = article("a");
        story.url = Some("javascript:alert(1)".to_owned());
        let headline = Headline::of(&story);
        assert_eq!(headline.url, None);
        assert_eq!(headline.title, "Story a");
        story.url = Some("https://agency.example/a".to_owned());
        assert_eq!(
            Headline::of(&story).url.as_deref(),
            Some("https://agency.example/a")
        );
    }

    #[test]
    fn also_via_names_each_other_outlet_once() {
        let mut story = article("a");
        let via = |name: &str| crate::model::Attribution {
            name: name.to_owned(),
            ..story.source.clone()
        };
        story.also_via = vec![
            via("Partner"),
            via("Associated Press"),
            via("Partner"),
            via(" "),
        ];
        assert_eq!(Headline::of(&story).also_via, ["Partner"]);
    }

    #[test]
    fn an_untitled_story_is_headed_by_the_start_of_its_summary() {
        let mut story = article("a");
        story.title = "  ".to_owned();
        story.summary = Some("ب".repeat(200));
        let title = Headline::of(&story).title;
        assert_eq!(title.chars().count(), FALLBACK_TITLE_CHARS + 1);
        assert!(title.ends_with('…'));
        story.summary = None;
        assert_eq!(Headline::of(&story).title, "(untitled)");
    }

    #[test]
    fn each_channel_keeps_only_its_newest_few() {
        let articles: Vec<Article> = (0..20).map(|i| article(&i.to_string())).collect();
        assert_eq!(headlines(Group::All, &articles).len(), 10);
        assert_eq!(headlines(Group::Tags, &articles).len(), 3);
        assert_eq!(headlines(Group::Sections, &articles[..2]).len(), 2);
        assert_eq!(headlines(Group::Sections, &articles)[0].title, "Story 0");
    }
}
