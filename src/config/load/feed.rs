//! One `[[feed]]` and its `[[feed.rule]]` tables, with `[defaults]` applied.

use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use regex::Regex;
use toml::Spanned;
use toml::de::DeTable;

use super::auth::{Env, auth};
use super::fields::Fields;
use super::report::Report;
use super::roots::root_of;
use super::settings::{language, max_body, schedule, timeout};
use super::site::Access;
use super::suggest::did_you_mean;
use super::values::{http_url, is_feed_id, source_location};
use crate::config::{
    DEFAULT_BREAKING_URGENCY, Defaults, FeedConfig, Rule, RuleAction, RuleMatch, Schedule, Section,
    SourceFormat, SourceLocation, SpoolMode,
};

const FEED_KEYS: &[&str] = &[
    "id",
    "name",
    "url",
    "home_url",
    "schedule",
    "timeout",
    "max_body",
    "section",
    "kind",
    "tags",
    "regions",
    "series",
    "language",
    "credit",
    "rights",
    "priority",
    "enabled",
    "rule",
    "allow_private",
    "auth",
    "format",
    "breaking_urgency",
    "spool",
];
const RULE_CONDITIONS: &[&str] = &["category", "title_matches", "url_matches", "author"];
const RULE_ACTIONS: &[&str] = &[
    "section", "kind", "tags", "regions", "series", "breaking", "drop",
];
/// The article kinds the site knows (DESIGN.md).
const KINDS: &[&str] = &[
    "news",
    "opinion",
    "analysis",
    "blog",
    "feature",
    "video",
    "infographic",
    "gallery",
];

/// What every feed is checked against.
pub(super) struct FeedContext<'a> {
    pub(super) defaults: &'a Defaults,
    pub(super) sections: &'a [Section],
    /// The folder holding feeds.toml, for `file:relative/path`.
    pub(super) base_dir: &'a Path,
    /// The folders file sources may read and the credentials file.
    pub(super) access: &'a Access,
    /// Where `auth`'s `*_env` variables are read.
    pub(super) env: Env<'a>,
}

/// A feed as read, with the spans the file-wide checks (duplicates) need.
pub(super) struct ParsedFeed {
    /// `None` when the feed has errors.
    pub(super) config: Option<FeedConfig>,
    pub(super) id: Option<Spanned<String>>,
    pub(super) url: Option<Spanned<String>>,
}

/// One `[[feed]]`: problems go to the report, and `config` is filled only
/// when the required keys could be read.
pub(super) fn feed(
    table: &DeTable<'_>,
    span: Range<usize>,
    index: usize,
    context: &FeedContext<'_>,
    report: &mut Report<'_>,
) -> ParsedFeed {
    let what = match table.get("id").and_then(|v| v.get_ref().as_str()) {
        Some(id) => format!("[[feed]] \"{id}\""),
        None => format!("[[feed]] #{}", index + 1),
    };
    let fields = Fields::new(table, span, what, FEED_KEYS, report);
    let id = fields.required_string("id", report).filter(|id| {
        let ok = is_feed_id(id.get_ref());
        if !ok {
            report.error(
                id.span(),
                format!(
                    "feed id `{}` may hold only lower-case letters, digits, '-' and '_'",
                    id.get_ref()
                ),
            );
        }
        ok
    });
    let url = fields.required_string("url", report);
    let location = url.as_ref().and_then(|url| {
        source_location(url.get_ref(), context.base_dir)
            .map_err(|err| report.error(url.span(), format!("`url` in {}: {err}", fields.what)))
            .ok()
    });
    let file_root = match (&location, &url) {
        (Some(SourceLocation::File(path)), Some(url)) => root_of(
            path,
            &context.access.file_roots,
            &fields.what,
            url.span(),
            report,
        ),
        _ => None,
    };
    let allow_private = fields
        .bool("allow_private", report)
        .unwrap_or(context.defaults.allow_private);
    let auth = auth(
        &fields,
        id.as_ref().map(|id| id.get_ref().as_str()),
        context.access.credentials.as_ref(),
        context.env,
        report,
    );
    if let (Some(_), Some(SourceLocation::File(_)), Some(value)) =
        (&auth, &location, fields.get("auth"))
    {
        report.warning(
            value.span(),
            format!("`auth` in {} is ignored: it is a file source", fields.what),
        );
    }
    let home_url = fields.string("home_url", report).and_then(|home| {
        http_url(home.get_ref())
            .map_err(|err| {
                report.error(home.span(), format!("`home_url` in {}: {err}", fields.what))
            })
            .ok()
    });
    let feed_schedule = schedule(&fields, report);
    let feed_timeout = timeout(&fields, report);
    warn_if_timeout_outlasts_schedule(
        &fields,
        feed_schedule.as_ref(),
        feed_timeout,
        context.defaults,
        report,
    );
    if let Some(location) = &location {
        warn_if_remote_and_faster_than_a_minute(
            &fields,
            location,
            feed_schedule.as_ref().unwrap_or(&context.defaults.schedule),
            report,
        );
    }
    let section = section_ref(&fields, "section", context.sections, report);
    let kind = kind(&fields, report);
    let rules = fields
        .tables("rule", "[[feed.rule]]", report)
        .into_iter()
        .enumerate()
        .map(|(i, (table, span))| rule(table, span, i, &fields.what, context.sections, report))
        .collect::<Vec<_>>();
    warn_on_catch_all_rules_before_others(&rules, report);
    warn_on_shadowed_rules(&rules, report);

    let name = fields.string("name", report).map(|s| s.into_inner());
    let tags = fields.strings("tags", report).unwrap_or_default();
    let regions = fields.strings("regions", report).unwrap_or_default();
    let series = fields.string("series", report).map(|s| s.into_inner());
    let language = language(&fields, report);
    let credit = fields.string("credit", report).map(|s| s.into_inner());
    let rights = fields.string("rights", report).map(|s| s.into_inner());
    let priority = fields
        .integer("priority", report)
        .map_or(0, |p| p.into_inner());
    let enabled = fields.bool("enabled", report).unwrap_or(true);
    let format = format(&fields, report);
    let breaking_urgency = breaking_urgency(&fields, report);
    let spool = spool_mode(&fields, report);
    let max_body = max_body(&fields, report).unwrap_or(context.defaults.max_body);

    let config = (|| {
        let id = id.as_ref()?.get_ref().clone();
        Some(FeedConfig {
            name: name.unwrap_or_else(|| id.clone()),
            id,
            url: url.as_ref()?.get_ref().clone(),
            location: location?,
            home_url,
            schedule: feed_schedule.unwrap_or_else(|| context.defaults.schedule.clone()),
            timeout: feed_timeout.unwrap_or(context.defaults.timeout),
            max_body,
            section,
            kind,
            tags,
            regions,
            series,
            language,
            credit,
            rights,
            priority,
            enabled,
            rules: rules.into_iter().map(|r| r.rule).collect(),
            allow_private,
            auth,
            file_root,
            format,
            breaking_urgency,
            spool,
        })
    })();
    ParsedFeed { config, id, url }
}

/// `format`: one of [`SourceFormat::NAMES`].
fn format(fields: &Fields<'_, '_>, report: &mut Report<'_>) -> Option<SourceFormat> {
    let value = fields.string("format", report)?;
    let name = value.get_ref();
    let format = SourceFormat::from_name(name);
    if format.is_none() {
        let hint = did_you_mean(name, SourceFormat::NAMES)
            .unwrap_or_else(|| format!("one of {}", SourceFormat::NAMES.join(", ")));
        report.error(
            value.span(),
            format!(
                "`format` in {}: unknown format `{name}`; {hint}",
                fields.what
            ),
        );
    }
    format
}

/// `spool`: one of [`SpoolMode::NAMES`].
fn spool_mode(fields: &Fields<'_, '_>, report: &mut Report<'_>) -> SpoolMode {
    let Some(value) = fields.string("spool", report) else {
        return SpoolMode::default();
    };
    let name = value.get_ref();
    SpoolMode::from_name(name).unwrap_or_else(|| {
        let hint = did_you_mean(name, SpoolMode::NAMES)
            .unwrap_or_else(|| format!("one of {}", SpoolMode::NAMES.join(", ")));
        report.error(
            value.span(),
            format!("`spool` in {}: unknown value `{name}`; {hint}", fields.what),
        );
        SpoolMode::default()
    })
}

/// `breaking_urgency`: 0 to 9.
fn breaking_urgency(fields: &Fields<'_, '_>, report: &mut Report<'_>) -> u8 {
    let Some(value) = fields.integer("breaking_urgency", report) else {
        return DEFAULT_BREAKING_URGENCY;
    };
    match u8::try_from(*value.get_ref()) {
        Ok(urgency) if urgency <= 9 => urgency,
        _ => {
            report.error(
                value.span(),
                format!(
                    "`breaking_urgency` in {} must be 0 (off) to 9; agencies rank urgency 1 (flash) to 9",
                    fields.what
                ),
            );
            DEFAULT_BREAKING_URGENCY
        }
    }
}

/// A fetch that may outlast the gap to the next run means runs pile up.
/// Checked where the feed sets its own schedule or timeout; `[defaults]`
/// alone is checked once, not for every feed.
fn warn_if_timeout_outlasts_schedule(
    fields: &Fields<'_, '_>,
    schedule: Option<&Schedule>,
    timeout: Option<Duration>,
    defaults: &Defaults,
    report: &mut Report<'_>,
) {
    if schedule.is_none() && timeout.is_none() {
        return;
    }
    let schedule = schedule.unwrap_or(&defaults.schedule);
    let timeout = timeout.unwrap_or(defaults.timeout);
    let Some(interval) = schedule.shortest_interval() else {
        return;
    };
    if timeout > interval {
        let span = fields
            .get("timeout")
            .or_else(|| fields.get("schedule"))
            .map_or_else(|| fields.span(), |v| v.span());
        report.warning(
            span,
            format!(
                "timeout {timeout:?} in {} is longer than its schedule `{}` runs ({interval:?} apart)",
                fields.what, schedule.expr
            ),
        );
    }
}

/// A `section` key, which must name a declared `[[section]]`.
fn section_ref(
    fields: &Fields<'_, '_>,
    key: &str,
    sections: &[Section],
    report: &mut Report<'_>,
) -> Option<String> {
    let slug = fields.string(key, report)?;
    if sections.iter().any(|s| s.slug == *slug.get_ref()) {
        return Some(slug.into_inner());
    }
    let slugs = sections.iter().map(|s| s.slug.as_str());
    let hint = did_you_mean(slug.get_ref(), slugs.clone()).or_else(|| {
        Some(if sections.is_empty() {
            "no [[section]] is declared; add one with slug and title".to_string()
        } else {
            format!(
                "declared sections: {}",
                slugs.collect::<Vec<_>>().join(", ")
            )
        })
    });
    report.error_with_hint(
        slug.span(),
        format!(
            "section `{}` in {} is not declared in any [[section]]",
            slug.get_ref(),
            fields.what
        ),
        hint,
    );
    None
}

/// A `kind` key; an unknown kind is kept but warned about.
fn kind(fields: &Fields<'_, '_>, report: &mut Report<'_>) -> Option<String> {
    let kind = fields.string("kind", report)?;
    if !KINDS.contains(&kind.get_ref().as_str()) {
        report.warning_with_hint(
            kind.span(),
            format!("unknown kind `{}` in {}", kind.get_ref(), fields.what),
            did_you_mean(kind.get_ref(), KINDS.iter().copied())
                .or_else(|| Some(format!("known kinds: {}", KINDS.join(", ")))),
        );
    }
    Some(kind.into_inner())
}

/// One `[[feed.rule]]` as read, with what the feed-level checks need.
struct ParsedRule {
    rule: Rule,
    /// Its `[[feed.rule]]` header.
    span: Range<usize>,
    /// False for a catch-all rule, which matches every item.
    has_condition: bool,
}

/// One `[[feed.rule]]`. Problems go to the report; whatever could not be
/// read is left `None` (the file is rejected anyway when there are errors).
fn rule(
    table: &DeTable<'_>,
    span: Range<usize>,
    index: usize,
    feed: &str,
    sections: &[Section],
    report: &mut Report<'_>,
) -> ParsedRule {
    let what = format!("[[feed.rule]] #{} of {feed}", index + 1);
    let known: Vec<&str> = RULE_CONDITIONS
        .iter()
        .chain(RULE_ACTIONS)
        .copied()
        .collect();
    let fields = Fields::new(table, span.clone(), what, &known, report);
    let regex = |key: &str, report: &mut Report<'_>| {
        let pattern = fields.string(key, report)?;
        Regex::new(pattern.get_ref())
            .map_err(|err| {
                report.error(
                    pattern.span(),
                    format!(
                        "`{key}` in {} is not a valid regex: {}",
                        fields.what,
                        regex_reason(&err)
                    ),
                )
            })
            .ok()
    };
    let when = RuleMatch {
        title_matches: regex("title_matches", report),
        url_matches: regex("url_matches", report),
        category: fields.string("category", report).map(|s| s.into_inner()),
        author: fields.string("author", report).map(|s| s.into_inner()),
    };
    let then = RuleAction {
        section: section_ref(&fields, "section", sections, report),
        kind: kind(&fields, report),
        tags: fields.strings("tags", report),
        regions: fields.strings("regions", report),
        series: fields.string("series", report).map(|s| s.into_inner()),
        breaking: fields.bool("breaking", report),
        drop: fields.bool("drop", report).unwrap_or(false),
    };
    if !RULE_ACTIONS.iter().any(|key| fields.has(key)) {
        report.error_with_hint(
            span.clone(),
            format!("{} sets nothing", fields.what),
            Some(format!("add one of: {}", RULE_ACTIONS.join(", "))),
        );
    }
    ParsedRule {
        rule: Rule {
            line: report.line_of(span.start),
            when,
            then,
        },
        span,
        has_condition: RULE_CONDITIONS.iter().any(|key| fields.has(key)),
    }
}

/// First match wins per field, so a catch-all rule hides every rule after
/// it for the fields it sets.
fn warn_on_catch_all_rules_before_others(rules: &[ParsedRule], report: &mut Report<'_>) {
    let Some((_, before_last)) = rules.split_last() else {
        return;
    };
    for rule in before_last.iter().filter(|r| !r.has_condition) {
        report.warning_with_hint(
            rule.span.clone(),
            "rule without a condition matches every item, but it is not the last rule".to_string(),
            Some(
                "move it to the end, or add category, title_matches, url_matches or author"
                    .to_string(),
            ),
        );
    }
}

/// A rule every item of which an earlier rule also matches, where the
/// earlier rule sets every field it sets (or drops), never changes anything:
/// first match wins per field. Most likely the rules are in the wrong order.
/// Skipped while the file has errors: a rule whose regex did not compile
/// would look like a catch-all.
fn warn_on_shadowed_rules(rules: &[ParsedRule], report: &mut Report<'_>) {
    if report.has_errors() {
        return;
    }
    for (index, later) in rules.iter().enumerate() {
        let shadow = rules[..index]
            .iter()
            .find(|earlier| always_wins_over(&earlier.rule, &later.rule));
        if let Some(earlier) = shadow {
            report.warning_with_hint(
                later.span.clone(),
                format!(
                    "this rule can never take effect: the rule on line {} matches every item it matches and sets the same fields first",
                    earlier.rule.line
                ),
                Some("put the more specific rule first".to_string()),
            );
        }
    }
}

/// Whether `earlier` decides every field `later` would set, for every item
/// `later` matches.
fn always_wins_over(earlier: &Rule, later: &Rule) -> bool {
    let (a, b) = (&earlier.when, &later.when);
    let same_text = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (None, _) => true,
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        (Some(_), None) => false,
    };
    let same_pattern = |x: &Option<Regex>, y: &Option<Regex>| match (x, y) {
        (None, _) => true,
        (Some(x), Some(y)) => x.as_str() == y.as_str(),
        (Some(_), None) => false,
    };
    let matches_all_it_matches = same_text(&a.category, &b.category)
        && same_text(&a.author, &b.author)
        && same_pattern(&a.title_matches, &b.title_matches)
        && same_pattern(&a.url_matches, &b.url_matches);
    if !matches_all_it_matches {
        return false;
    }
    let (x, y) = (&earlier.then, &later.then);
    let sets_something = y.drop
        || y.section.is_some()
        || y.kind.is_some()
        || y.tags.is_some()
        || y.regions.is_some()
        || y.series.is_some()
        || y.breaking.is_some();
    if !sets_something {
        return false;
    }
    if x.drop {
        return true;
    }
    !y.drop
        && (y.section.is_none() || x.section.is_some())
        && (y.kind.is_none() || x.kind.is_some())
        && (y.tags.is_none() || x.tags.is_some())
        && (y.regions.is_none() || x.regions.is_some())
        && (y.series.is_none() || x.series.is_some())
        && (y.breaking.is_none() || x.breaking.is_some())
}

/// Fetching someone else's server more than once a minute gets a newsroom
/// blocked; agencies ask for a minute or more. Local sources may go faster.
fn warn_if_remote_and_faster_than_a_minute(
    fields: &Fields<'_, '_>,
    location: &SourceLocation,
    schedule: &Schedule,
    report: &mut Report<'_>,
) {
    let SourceLocation::Http(url) = location else {
        return;
    };
    let local = match url.host() {
        Some(url::Host::Domain(host)) => host == "localhost" || host.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => true,
    };
    let Some(interval) = schedule.shortest_interval() else {
        return;
    };
    if local || interval >= Duration::from_secs(60) {
        return;
    }
    let span = fields
        .get("schedule")
        .or_else(|| fields.get("url"))
        .map_or_else(|| fields.span(), |v| v.span());
    report.warning_with_hint(
        span,
        format!(
            "{} fetches {} every {interval:?} (schedule `{}`), faster than once a minute",
            fields.what,
            url.host_str().unwrap_or_default(),
            schedule.expr
        ),
        Some("remote servers may block this; use a schedule of a minute or more".to_string()),
    );
}

/// The regex crate draws the pattern with a caret over several lines; a
/// problem is one line (the column already points at the pattern), so keep
/// only the reason.
fn regex_reason(err: &regex::Error) -> String {
    let text = err.to_string();
    let last = text.lines().last().unwrap_or_default();
    last.strip_prefix("error: ").unwrap_or(last).to_string()
}

#[cfg(test)]
mod agency_tests {
    use std::path::Path;

    use super::super::parse_with_env;
    use crate::config::{Config, DEFAULT_BREAKING_URGENCY, Problems, SourceFormat};

    const SITE: &str = "[site]\ntitle = \"T\"\nbase_url = \"https://example.org/\"\n";

    fn load(feed_keys: &str) -> Result<Config, Problems> {
        let text = format!(
            "{SITE}[[feed]]\nid = \"wire\"\nurl = \"https://wire.example/items\"\n{feed_keys}"
        );
        parse_with_env(&text, Path::new("/etc/wirefeed/feeds.toml"), &|_| None)
            .map(|(config, _)| config)
    }

    #[test]
    fn format_and_breaking_urgency_are_read_with_their_defaults() {
        let config = load("").unwrap_or_else(|p| panic!("{p}"));
        assert_eq!(config.feeds[0].format, None, "sniffed by default");
        assert_eq!(config.feeds[0].breaking_urgency, DEFAULT_BREAKING_URGENCY);
        let config = load("format = \"newsml-g2\"\nbreaking_urgency = 1\n")
            .unwrap_or_else(|p| panic!("{p}"));
        assert_eq!(config.feeds[0].format, Some(SourceFormat::NewsmlG2));
        assert_eq!(config.feeds[0].breaking_urgency, 1);
    }

    #[test]
    fn a_misspelt_format_and_an_urgency_out_of_range_are_errors_at_their_line() {
        let problems = load("format = \"newsml\"\nbreaking_urgency = 12\n").unwrap_err();
        assert_eq!(problems.0.len(), 2, "{problems}");
        assert_eq!(problems.0[0].line, Some(7));
        assert!(
            problems.0[0].message.contains("did you mean `newsml-g2`?"),
            "{problems}"
        );
        assert_eq!(problems.0[1].line, Some(8));
        assert!(problems.0[1].message.contains("0 (off) to 9"), "{problems}");
    }
}
