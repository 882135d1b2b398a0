//! The `[[feed.rule]]` mapping: which section, kind, tags, regions and series
//! an item gets, whether it is breaking, and whether it is dropped.
//!
//! For each field the first matching rule that sets it wins; fields no rule
//! sets come from the feed's own settings. [`provenance`] tells which rule
//! line decided each field, for `wirefeed preview` and `explain`.

use crate::config::{FeedConfig, Rule, RuleAction, RuleMatch};

/// What a rule can see of an item.
pub struct ItemFacts<'a> {
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

/// Which rule set one field of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetBy {
    /// The `[[feed.rule]]` at this 1-based feeds.toml line.
    Rule { line: usize },
    /// No rule set it; the feed's own setting applies.
    Feed,
    /// Neither a rule nor the feed sets it.
    Nothing,
}

/// For each field rules decide, what decided it: the answer to "why did this
/// story land in Sports?". The same first-match-wins code as `classify`,
/// which normalize applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub section: SetBy,
    pub kind: SetBy,
    pub tags: SetBy,
    pub regions: SetBy,
    pub series: SetBy,
    pub breaking: SetBy,
    /// The line of the first matching `drop = true` rule.
    pub drop: Option<usize>,
}

/// Apply `feed.rules` to one item.
pub(crate) fn classify(feed: &FeedConfig, item: &ItemFacts<'_>) -> Verdict {
    let matching = matching_rules(feed, item);
    if let Some(line) = drop_line(&matching) {
        return Verdict::Drop { rule_line: line };
    }
    Verdict::Keep(Classification {
        section: setting(&matching, |a| a.section.clone()).or_else(|| feed.section.clone()),
        kind: setting(&matching, |a| a.kind.clone()).or_else(|| feed.kind.clone()),
        series: setting(&matching, |a| a.series.clone()).or_else(|| feed.series.clone()),
        tags: setting(&matching, |a| a.tags.clone()).unwrap_or_else(|| feed.tags.clone()),
        regions: setting(&matching, |a| a.regions.clone()).unwrap_or_else(|| feed.regions.clone()),
        breaking: setting(&matching, |a| a.breaking).unwrap_or(false),
    })
}

/// Which rule line set each field of `item`, decided by the same code as
/// normalize's `classify`.
pub fn provenance(feed: &FeedConfig, item: &ItemFacts<'_>) -> Provenance {
    let matching = matching_rules(feed, item);
    let set_by = |setting: Option<(usize, ())>, feed_has_it: bool| match setting {
        Some((line, ())) => SetBy::Rule { line },
        None if feed_has_it => SetBy::Feed,
        None => SetBy::Nothing,
    };
    let line_of = |field: fn(&RuleAction) -> bool| first(&matching, |a| field(a).then_some(()));
    Provenance {
        section: set_by(line_of(|a| a.section.is_some()), feed.section.is_some()),
        kind: set_by(line_of(|a| a.kind.is_some()), feed.kind.is_some()),
        tags: set_by(line_of(|a| a.tags.is_some()), !feed.tags.is_empty()),
        regions: set_by(line_of(|a| a.regions.is_some()), !feed.regions.is_empty()),
        series: set_by(line_of(|a| a.series.is_some()), feed.series.is_some()),
        // A feed has no breaking setting of its own: only rules make news breaking.
        breaking: set_by(line_of(|a| a.breaking.is_some()), false),
        drop: drop_line(&matching),
    }
}

/// The rules whose conditions `item` meets, in feeds.toml order.
fn matching_rules<'f>(feed: &'f FeedConfig, item: &ItemFacts<'_>) -> Vec<&'f Rule> {
    feed.rules
        .iter()
        .filter(|rule| matches(&rule.when, item))
        .collect()
}

/// The line of the first matching rule with `drop = true`: a drop wins over
/// every setting, wherever the dropping rule is.
fn drop_line(matching: &[&Rule]) -> Option<usize> {
    matching
        .iter()
        .find(|rule| rule.then.drop)
        .map(|rule| rule.line)
}

/// The value of the first matching rule that sets a field.
fn setting<T>(matching: &[&Rule], field: impl Fn(&RuleAction) -> Option<T>) -> Option<T> {
    first(matching, field).map(|(_, value)| value)
}

/// The first matching rule that sets a field, with its line and value.
fn first<T>(matching: &[&Rule], field: impl Fn(&RuleAction) -> Option<T>) -> Option<(usize, T)> {
    matching
        .iter()
        .find_map(|rule| field(&rule.then).map(|value| (rule.line, value)))
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

    #[test]
    fn provenance_names_the_first_rule_line_setting_each_field_and_the_feed_default_otherwise() {
        let mut feed = feed_config();
        feed.section = Some("politics".into());
        feed.kind = Some("news".into());
        feed.rules = vec![
            rule(
                10,
                RuleMatch {
                    category: Some("Sports".into()),
                    ..Default::default()
                },
                RuleAction {
                    section: Some("sports".into()),
                    ..Default::default()
                },
            ),
            rule(
                14,
                RuleMatch {
                    title_matches: Some(Regex::new("(?i)^breaking:").unwrap()),
                    ..Default::default()
                },
                RuleAction {
                    breaking: Some(true),
                    section: Some("economy".into()),
                    ..Default::default()
                },
            ),
        ];
        let cats = ["Sports".to_owned()];
        let item = facts("Breaking: late winner", &cats);
        let why = provenance(&feed, &item);
        assert_eq!(why.section, SetBy::Rule { line: 10 }, "first match wins");
        assert_eq!(why.breaking, SetBy::Rule { line: 14 });
        assert_eq!(why.kind, SetBy::Feed);
        assert_eq!(why.tags, SetBy::Nothing);
        assert_eq!(why.drop, None);
        // The same answer as classify gives, field by field.
        let Verdict::Keep(c) = classify(&feed, &item) else {
            panic!("dropped")
        };
        assert_eq!(c.section.as_deref(), Some("sports"));
        assert!(c.breaking);

        let why = provenance(&feed, &facts("Quiet day", &[]));
        assert_eq!(why.section, SetBy::Feed);
        assert_eq!(why.breaking, SetBy::Nothing);
    }

    #[test]
    fn provenance_reports_the_line_of_the_rule_that_drops() {
        let mut feed = feed_config();
        feed.rules = vec![
            rule(
                7,
                RuleMatch::default(),
                RuleAction {
                    tags: Some(vec!["world".into()]),
                    ..Default::default()
                },
            ),
            rule(
                9,
                RuleMatch {
                    title_matches: Some(Regex::new("(?i)sponsored").unwrap()),
                    ..Default::default()
                },
                RuleAction {
                    drop: true,
                    ..Default::default()
                },
            ),
        ];
        let why = provenance(&feed, &facts("Sponsored: cruises", &[]));
        assert_eq!(why.drop, Some(9));
        assert_eq!(why.tags, SetBy::Rule { line: 7 });
        assert_eq!(provenance(&feed, &facts("News", &[])).drop, None);
    }
}
