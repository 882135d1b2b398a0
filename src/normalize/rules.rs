//! The `[[feed.rule]]` mapping: which section, kind, tags, regions and series
//! an item gets, whether it is breaking, and whether it is dropped.
//!
//! For each field the first matching rule that sets it wins; fields no rule
//! sets come from the feed's own settings.

use crate::config::{FeedConfig, Rule, RuleMatch};

/// What a rule can see of an item.
pub(crate) struct ItemFacts<'a> {
    pub title: &'a str,
    /// The item's link as the source gave it (absolute).
    pub url: Option<&'a str>,
    pub categories: &'a [String],
    pub authors: &'a [String],
}

/// The fields rules decide, before labels are made from the names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Classification {
    pub section: Option<String>,
    pub kind: Option<String>,
    pub tags: Vec<String>,
    pub regions: Vec<String>,
    pub series: Option<String>,
    pub breaking: bool,
}

/// The rules' verdict on one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    Keep(Classification),
    /// The first matching rule with `drop = true`, by its feeds.toml line.
    Drop {
        rule_line: usize,
    },
}

/// Apply `feed.rules` to one item.
pub(crate) fn classify(feed: &FeedConfig, item: &ItemFacts<'_>) -> Verdict {
    let matching: Vec<&Rule> = feed
        .rules
        .iter()
        .filter(|rule| matches(&rule.when, item))
        .collect();

    if let Some(rule) = matching.iter().find(|rule| rule.then.drop) {
        return Verdict::Drop {
            rule_line: rule.line,
        };
    }

    Verdict::Keep(Classification {
        section: matching
            .iter()
            .find_map(|r| r.then.section.clone())
            .or_else(|| feed.section.clone()),
        kind: matching
            .iter()
            .find_map(|r| r.then.kind.clone())
            .or_else(|| feed.kind.clone()),
        series: matching
            .iter()
            .find_map(|r| r.then.series.clone())
            .or_else(|| feed.series.clone()),
        tags: matching
            .iter()
            .find_map(|r| r.then.tags.clone())
            .unwrap_or_else(|| feed.tags.clone()),
        regions: matching
            .iter()
            .find_map(|r| r.then.regions.clone())
            .unwrap_or_else(|| feed.regions.clone()),
        breaking: matching
            .iter()
            .find_map(|r| r.then.breaking)
            .unwrap_or(false),
    })
}

/// All conditions given must hold; a rule without conditions matches everything.
fn matches(when: &RuleMatch, item: &ItemFacts<'_>) -> bool {
    let category = when.category.as_deref().is_none_or(|wanted| {
        let wanted = wanted.trim();
        item.categories
            .iter()
            .any(|c| c.trim().to_lowercase() == wanted.to_lowercase())
    });
    let title = when
        .title_matches
        .as_ref()
        .is_none_or(|re| re.is_match(item.title));
    let url = when
        .url_matches
        .as_ref()
        .is_none_or(|re| item.url.is_some_and(|u| re.is_match(u)));
    let author = when.author.as_deref().is_none_or(|wanted| {
        let wanted = wanted.trim();
        item.authors
            .iter()
            .any(|a| a.trim().to_lowercase() == wanted.to_lowercase())
    });
    category && title && url && author
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RuleAction;
    use crate::normalize::tests::feed_config;
    use regex::Regex;

    fn rule(line: usize, when: RuleMatch, then: RuleAction) -> Rule {
        Rule { line, when, then }
    }

    fn facts<'a>(title: &'a str, categories: &'a [String]) -> ItemFacts<'a> {
        ItemFacts {
            title,
            url: Some("https://news.example/sport/1"),
            categories,
            authors: &[],
        }
    }

    #[test]
    fn feed_defaults_apply_when_no_rule_matches() {
        let mut feed = feed_config();
        feed.section = Some("politics".into());
        feed.kind = Some("news".into());
        feed.tags = vec!["world".into()];
        feed.rules = vec![rule(
            10,
            RuleMatch {
                category: Some("Sports".into()),
                ..Default::default()
            },
            RuleAction {
                section: Some("sports".into()),
                ..Default::default()
            },
        )];
        let Verdict::Keep(c) = classify(&feed, &facts("A", &[])) else {
            panic!("dropped")
        };
        assert_eq!(c.section.as_deref(), Some("politics"));
        assert_eq!(c.kind.as_deref(), Some("news"));
        assert_eq!(c.tags, vec!["world".to_owned()]);
        assert!(!c.breaking);
    }

    #[test]
    fn category_rule_sets_section_case_insensitively_on_the_whole_name() {
        let mut feed = feed_config();
        feed.section = Some("politics".into());
        feed.rules = vec![rule(
            10,
            RuleMatch {
                category: Some("Sports".into()),
                ..Default::default()
            },
            RuleAction {
                section: Some("sports".into()),
                ..Default::default()
            },
        )];
        let Verdict::Keep(c) = classify(&feed, &facts("A", &["SPORTS".into()])) else {
            panic!()
        };
        assert_eq!(c.section.as_deref(), Some("sports"));
        let Verdict::Keep(c) = classify(&feed, &facts("A", &["Sports Business".into()])) else {
            panic!()
        };
        assert_eq!(c.section.as_deref(), Some("politics"));
    }

    #[test]
    fn first_matching_rule_wins_per_field() {
        let mut feed = feed_config();
        feed.rules = vec![
            rule(
                10,
                RuleMatch::default(),
                RuleAction {
                    kind: Some("analysis".into()),
                    ..Default::default()
                },
            ),
            rule(
                20,
                RuleMatch::default(),
                RuleAction {
                    kind: Some("opinion".into()),
                    section: Some("economy".into()),
                    ..Default::default()
                },
            ),
            rule(
                30,
                RuleMatch::default(),
                RuleAction {
                    section: Some("sports".into()),
                    breaking: Some(true),
                    ..Default::default()
                },
            ),
        ];
        let Verdict::Keep(c) = classify(&feed, &facts("A", &[])) else {
            panic!()
        };
        assert_eq!(c.kind.as_deref(), Some("analysis"));
        assert_eq!(c.section.as_deref(), Some("economy"));
        assert!(c.breaking);
    }

    #[test]
    fn title_regex_marks_breaking() {
        let mut feed = feed_config();
        feed.rules = vec![rule(
            5,
            RuleMatch {
                title_matches: Some(Regex::new("(?i)^breaking:").unwrap()),
                ..Default::default()
            },
            RuleAction {
                breaking: Some(true),
                ..Default::default()
            },
        )];
        let Verdict::Keep(c) = classify(&feed, &facts("BREAKING: quake", &[])) else {
            panic!()
        };
        assert!(c.breaking);
        let Verdict::Keep(c) = classify(&feed, &facts("Not breaking: quake", &[])) else {
            panic!()
        };
        assert!(!c.breaking);
    }

    #[test]
    fn drop_rule_drops_with_its_line_even_after_other_matches() {
        let mut feed = feed_config();
        feed.rules = vec![
            rule(
                10,
                RuleMatch::default(),
                RuleAction {
                    section: Some("x".into()),
                    ..Default::default()
                },
            ),
            rule(
                14,
                RuleMatch {
                    title_matches: Some(Regex::new("(?i)sponsored").unwrap()),
                    ..Default::default()
                },
                RuleAction {
                    drop: true,
                    ..Default::default()
                },
            ),
            rule(
                18,
                RuleMatch::default(),
                RuleAction {
                    drop: true,
                    ..Default::default()
                },
            ),
        ];
        assert_eq!(
            classify(&feed, &facts("Sponsored: buy", &[])),
            Verdict::Drop { rule_line: 14 }
        );
        assert_eq!(
            classify(&feed, &facts("News", &[])),
            Verdict::Drop { rule_line: 18 }
        );
    }

    #[test]
    fn all_conditions_of_a_rule_must_hold() {
        let mut feed = feed_config();
        let when = RuleMatch {
            category: Some("world".into()),
            url_matches: Some(Regex::new("/sport/").unwrap()),
            author: Some("jane doe".into()),
            ..Default::default()
        };
        feed.rules = vec![rule(
            3,
            when,
            RuleAction {
                regions: Some(vec!["mena".into()]),
                ..Default::default()
            },
        )];
        let cats = ["World".to_owned()];
        let authors = ["Jane Doe".to_owned()];
        let mut item = facts("A", &cats);
        let Verdict::Keep(c) = classify(&feed, &item) else {
            panic!()
        };
        assert!(c.regions.is_empty(), "author condition not met yet");
        item.authors = &authors;
        let Verdict::Keep(c) = classify(&feed, &item) else {
            panic!()
        };
        assert_eq!(c.regions, vec!["mena".to_owned()]);
    }
}
