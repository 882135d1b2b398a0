//! Reads `feeds.toml` into a validated [`Config`], reporting every problem at
//! once. The TOML is parsed with spans and error recovery, then walked table
//! by table; each check adds to one [`Report`] instead of stopping, so an
//! editor sees all mistakes, each with its line and column, in one go.

mod feed;
mod fields;
mod report;
mod schedule;
mod site;
mod suggest;
mod units;
mod values;

use std::collections::HashMap;
use std::path::Path;

use toml::de::DeTable;

use super::{Config, FeedConfig, Problem, Problems, Section, Severity};
use feed::{FeedContext, ParsedFeed};
use fields::Fields;
use report::Report;
use schedule::shortest_interval;

const TOP_LEVEL_KEYS: &[&str] = &["site", "defaults", "section", "feed", "tags"];

/// Reads and validates the file at `path`.
///
/// `Ok` carries the config and its warnings; `Err` carries every problem
/// found, errors and warnings alike. An unreadable file is one problem
/// without a line.
pub fn load(path: &Path) -> Result<(Config, Problems), Problems> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_str(&text, path),
        Err(err) => Err(Problems(vec![Problem {
            severity: Severity::Error,
            file: path.to_path_buf(),
            line: None,
            column: None,
            message: format!("cannot read {}: {err}", path.display()),
            hint: None,
        }])),
    }
}

/// Validates the text of a feeds.toml. `path` names the file in messages,
/// and its folder is where relative paths (`output_dir`, `state_dir`,
/// `file:` URLs) start from.
pub fn parse_str(text: &str, path: &Path) -> Result<(Config, Problems), Problems> {
    let mut report = Report::new(path, text);
    let (document, syntax_errors) = DeTable::parse_recoverable(text);
    for error in &syntax_errors {
        match error.span() {
            Some(span) => report.error(span, format!("invalid TOML: {}", error.message())),
            None => report.file_error(format!("invalid TOML: {}", error.message()), None),
        }
    }
    let base_dir = path.parent().unwrap_or(Path::new(""));
    let config = config(document.get_ref(), path, base_dir, &mut report);
    let problems = report.finish();
    match config {
        Some(config) if !problems.has_errors() => {
            for warning in problems.warnings() {
                tracing::debug!(%warning, "feeds.toml warning");
            }
            Ok((config, problems))
        }
        _ => Err(problems),
    }
}

/// Walks the whole document; `None` when something required is missing.
fn config(
    document: &DeTable<'_>,
    path: &Path,
    base_dir: &Path,
    report: &mut Report<'_>,
) -> Option<Config> {
    let root = Fields::new(
        document,
        0..0,
        "feeds.toml".to_string(),
        TOP_LEVEL_KEYS,
        report,
    );

    let site_table = root.table("site", report);
    if site_table.is_none() && !root.has("site") {
        report.file_error(
            "feeds.toml has no [site] table",
            Some("add [site] with at least title and base_url".to_string()),
        );
    }
    let site = site_table.and_then(|(table, span)| site::site(table, span, base_dir, report));

    let defaults = site::defaults(root.table("defaults", report), report);
    if let Some(interval) =
        shortest_interval(&defaults.schedule.cron).filter(|&i| defaults.timeout > i)
    {
        let span = root.get("defaults").map_or(0..0, |d| d.span());
        report.warning(
            span,
            format!(
                "default timeout {:?} is longer than the default schedule `{}` runs ({interval:?} apart)",
                defaults.timeout, defaults.schedule.expr
            ),
        );
    }

    let sections = sections(&root, report);
    let context = FeedContext {
        defaults: &defaults,
        sections: &sections,
        base_dir,
    };
    let feeds: Vec<ParsedFeed> = root
        .tables("feed", report)
        .into_iter()
        .enumerate()
        .map(|(i, (table, span))| feed::feed(table, span, i, &context, report))
        .collect();
    check_duplicate_feeds(&feeds, report);

    let tag_aliases = site::tag_aliases(root.table("tags", report), report);

    Some(Config {
        path: path.to_path_buf(),
        site: site?,
        defaults,
        sections,
        feeds: feeds
            .into_iter()
            .map(|f| f.config)
            .collect::<Option<Vec<FeedConfig>>>()?,
        tag_aliases,
    })
}

/// Every `[[section]]`; a repeated slug is an error at the second one.
fn sections(root: &Fields<'_, '_>, report: &mut Report<'_>) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for (i, (table, span)) in root.tables("section", report).into_iter().enumerate() {
        let Some((section, slug_span)) = site::section(table, span, i, report) else {
            continue;
        };
        let line = report.line_of(slug_span.start);
        match first_line.get(&section.slug) {
            Some(first) => report.error(
                slug_span,
                format!(
                    "section `{}` is declared twice (first on line {first})",
                    section.slug
                ),
            ),
            None => {
                first_line.insert(section.slug.clone(), line);
                sections.push(section);
            }
        }
    }
    sections
}

/// Ids must be unique (state and attribution hang off them); the same url
/// twice is most likely a copy-paste slip, so it is only a warning.
fn check_duplicate_feeds(feeds: &[ParsedFeed], report: &mut Report<'_>) {
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut urls: HashMap<&str, usize> = HashMap::new();
    for feed in feeds {
        if let Some(id) = &feed.id {
            let line = report.line_of(id.span().start);
            if let Some(first) = ids.insert(id.get_ref(), line) {
                ids.insert(id.get_ref(), first);
                report.error(
                    id.span(),
                    format!(
                        "feed id `{}` is used twice (first on line {first})",
                        id.get_ref()
                    ),
                );
            }
        }
        if let Some(url) = &feed.url {
            let line = report.line_of(url.span().start);
            if let Some(first) = urls.insert(url.get_ref(), line) {
                urls.insert(url.get_ref(), first);
                report.warning(
                    url.span(),
                    format!("feed url `{}` is also used on line {first}", url.get_ref()),
                );
            }
        }
    }
}
