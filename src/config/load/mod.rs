//! Reads `feeds.toml` into a validated [`Config`], reporting every problem at
//! once. The TOML is parsed with spans and error recovery, then walked table
//! by table; each check adds to one [`Report`] instead of stopping, so an
//! editor sees all mistakes, each with its line and column, in one go.

mod auth;
mod feed;
mod fields;
mod report;
mod roots;
mod schedule;
mod settings;
mod site;
mod suggest;
mod units;
mod values;

pub(crate) use suggest::{closest, did_you_mean};
pub(crate) use values::is_feed_id;

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use toml::de::DeTable;

use super::{Config, FeedConfig, Problem, Problems, Section, Severity};
use auth::Env;
use feed::{FeedContext, ParsedFeed};
use fields::Fields;
use report::Report;

const TOP_LEVEL_KEYS: &[&str] = &[
    "site", "defaults", "section", "feed", "tags", "server", "store",
];

/// Reads and validates the file at `path`.
///
/// `Ok` carries the config and its warnings; `Err` carries every problem
/// found, errors and warnings alike. An unreadable file is one problem
/// without a line.
pub fn load(path: &Path) -> Result<(Config, Problems), Problems> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_str(&text, path),
        Err(err) => Err(Problems(vec![unreadable(path, &err)])),
    }
}

/// The one problem of a file that cannot be read. A missing file is the
/// newcomer's first step, so it says where wirefeed looked and what to do.
fn unreadable(path: &Path, err: &std::io::Error) -> Problem {
    let (message, hint) = if err.kind() == std::io::ErrorKind::NotFound {
        (
            "no such file: wirefeed reads ./feeds.toml unless told `--config FILE`".to_owned(),
            Some(
                "start from the demo newsroom's commented feeds.toml at the top of wirefeed's \
                 source, or from /etc/wirefeed/feeds.toml as the package installs it"
                    .to_owned(),
            ),
        )
    } else {
        (format!("cannot read {}: {err}", path.display()), None)
    };
    Problem {
        severity: Severity::Error,
        file: path.to_path_buf(),
        line: None,
        column: None,
        message,
        hint,
    }
}

/// Validates the text of a feeds.toml. `path` names the file in messages,
/// and its folder is where relative paths (`output_dir`, `state_dir`,
/// `file:` URLs) start from.
///
/// Credentials named by `auth` are read from the environment now.
pub fn parse_str(text: &str, path: &Path) -> Result<(Config, Problems), Problems> {
    parse_with_env(text, path, &|name| std::env::var(name).ok())
}

/// [`parse_str`] with the environment given, so tests need not change the process's.
fn parse_with_env(text: &str, path: &Path, env: Env<'_>) -> Result<(Config, Problems), Problems> {
    let mut report = Report::new(path, text);
    let (document, syntax_errors) = DeTable::parse_recoverable(text);
    for error in &syntax_errors {
        match error.span() {
            Some(span) => report.error(span, format!("invalid TOML: {}", error.message())),
            None => report.file_error(format!("invalid TOML: {}", error.message()), None),
        }
    }
    if !syntax_errors.is_empty() {
        // What the parser recovered is a guess; walking it would add errors
        // about the guess ("no [site] table") after the one that matters.
        return Err(report.finish());
    }
    let base_dir = path.parent().unwrap_or(Path::new(""));
    let config = config(document.get_ref(), path, base_dir, env, &mut report);
    let problems = report.finish();
    match config {
        Some(config) if !problems.has_errors() => Ok((config, problems)),
        _ => Err(problems),
    }
}

/// Walks the whole document; `None` when something required is missing.
fn config(
    document: &DeTable<'_>,
    path: &Path,
    base_dir: &Path,
    env: Env<'_>,
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
    let (site, access) = match site_table {
        Some((table, span)) => site::site(table, span, base_dir, report),
        None => (None, site::Access::default()),
    };

    let defaults = site::defaults(root.table("defaults", report), report);
    if let Some(interval) = defaults
        .schedule
        .shortest_interval()
        .filter(|&i| defaults.timeout > i)
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

    let (sections, section_spans) = sections(&root, report);
    let context = FeedContext {
        defaults: &defaults,
        sections: &sections,
        base_dir,
        access: &access,
        env,
    };
    let feeds: Vec<ParsedFeed> = root
        .tables("feed", "[[feed]]", report)
        .into_iter()
        .enumerate()
        .map(|(i, (table, span))| feed::feed(table, span, i, &context, report))
        .collect();
    check_duplicate_feeds(&feeds, report);
    warn_on_unused_sections(&sections, &section_spans, &feeds, report);

    let tag_aliases = site::tag_aliases(root.table("tags", report), report);
    let server = root
        .table("server", report)
        .and_then(|(table, span)| site::server(table, span, report));
    let store = root
        .table("store", report)
        .and_then(|(table, span)| site::store(table, span, report));

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
        server,
        store,
    })
}

/// Every `[[section]]` with the span of its slug; a repeated slug is an
/// error at the second one.
fn sections(root: &Fields<'_, '_>, report: &mut Report<'_>) -> (Vec<Section>, Vec<Range<usize>>) {
    let mut sections: Vec<Section> = Vec::new();
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for (i, (table, span)) in root
        .tables("section", "[[section]]", report)
        .into_iter()
        .enumerate()
    {
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
                spans.push(slug_span);
            }
        }
    }
    (sections, spans)
}

/// A section no feed and no rule files anything under is published empty
/// forever: most likely a slug misspelt where it was meant to be used.
/// Skipped while the file has errors (a misspelt section is one) and while
/// it has no feeds yet.
fn warn_on_unused_sections(
    sections: &[Section],
    spans: &[Range<usize>],
    feeds: &[ParsedFeed],
    report: &mut Report<'_>,
) {
    if feeds.is_empty() || report.has_errors() {
        return;
    }
    let Some(feeds) = feeds
        .iter()
        .map(|feed| feed.config.as_ref())
        .collect::<Option<Vec<&FeedConfig>>>()
    else {
        return;
    };
    let used = |slug: &str| {
        feeds.iter().any(|feed| {
            feed.section.as_deref() == Some(slug)
                || feed
                    .rules
                    .iter()
                    .any(|rule| rule.then.section.as_deref() == Some(slug))
        })
    };
    for (section, span) in sections.iter().zip(spans) {
        if !used(&section.slug) {
            report.warning_with_hint(
                span.clone(),
                format!(
                    "section `{}` is declared but no feed or rule uses it; it is published empty",
                    section.slug
                ),
                Some("set `section` on a [[feed]] or a [[feed.rule]], or remove it".to_string()),
            );
        }
    }
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::*;
    use crate::config::{Bucket, Output, SourceLocation};

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/config")
            .join(name)
    }

    /// (line, column, severity, a piece of the message) for each problem.
    fn positions(problems: &Problems) -> Vec<(usize, usize, Severity, String)> {
        problems
            .0
            .iter()
            .map(|p| {
                (
                    p.line.unwrap_or(0),
                    p.column.unwrap_or(0),
                    p.severity,
                    p.message.clone(),
                )
            })
            .collect()
    }

    fn minimal(extra: &str) -> String {
        format!(
            "[site]\ntitle = \"T\"\nbase_url = \"https://example.org/\"\n\n[[section]]\nslug = \"politics\"\ntitle = \"Politics\"\n{extra}"
        )
    }

    fn errors_of(text: &str) -> Problems {
        match parse_str(text, Path::new("/etc/wirefeed/feeds.toml")) {
            Ok((_, warnings)) => panic!("expected errors, got only warnings: {warnings}"),
            Err(problems) => problems,
        }
    }

    fn warnings_of(text: &str) -> Problems {
        match parse_str(text, Path::new("/etc/wirefeed/feeds.toml")) {
            Ok((_, warnings)) => warnings,
            Err(problems) => panic!("expected to load, got: {problems}"),
        }
    }

    #[test]
    fn design_example_loads_with_every_value() {
        let path = fixture("good.toml");
        let (config, warnings) = load(&path).unwrap_or_else(|p| panic!("{p}"));
        assert!(warnings.is_empty(), "{warnings}");
        let dir = path.parent().unwrap();

        assert_eq!(config.site.title, "Example News");
        assert_eq!(config.site.base_url.as_str(), "https://feeds.example.org/");
        assert_eq!(config.site.output_dir, Output::Folder(dir.join("output")));
        assert_eq!(config.site.state_dir, dir.join("state"));
        assert_eq!(config.site.max_items, 50);
        assert_eq!(config.site.language, "en");
        assert_eq!(config.defaults.schedule.expr, "*/5 * * * *");
        assert_eq!(config.defaults.timeout, Duration::from_secs(20));
        assert_eq!(config.defaults.max_body, 10 * 1024 * 1024);
        assert_eq!(
            (config.defaults.concurrency, config.defaults.per_host),
            (32, 4)
        );
        assert_eq!(
            config
                .sections
                .iter()
                .map(|s| s.slug.as_str())
                .collect::<Vec<_>>(),
            ["politics", "sports"]
        );

        let ap = &config.feeds[0];
        assert_eq!(
            (ap.id.as_str(), ap.name.as_str()),
            ("ap-world", "Associated Press")
        );
        assert_eq!(
            ap.location,
            SourceLocation::Http("https://agency.example/world.rss".parse().unwrap())
        );
        assert_eq!(ap.schedule.expr, "*/2 * * * *");
        assert_eq!(ap.section.as_deref(), Some("politics"));
        assert_eq!(ap.kind.as_deref(), Some("news"));
        assert_eq!(
            (ap.tags.clone(), ap.regions.clone()),
            (vec!["world".to_string()], vec!["mena".to_string()])
        );
        assert_eq!(ap.credit.as_deref(), Some("Source: AP"));
        assert_eq!((ap.priority, ap.enabled), (10, true));
        assert_eq!(ap.timeout, Duration::from_secs(20));

        let lines: Vec<usize> = ap.rules.iter().map(|r| r.line).collect();
        assert_eq!(lines, [34, 38, 42, 46]);
        assert_eq!(ap.rules[0].when.category.as_deref(), Some("Middle East"));
        assert_eq!(ap.rules[0].then.regions, Some(vec!["mena".to_string()]));
        assert_eq!(ap.rules[1].then.section.as_deref(), Some("sports"));
        assert!(
            ap.rules[2]
                .when
                .title_matches
                .as_ref()
                .unwrap()
                .is_match("BREAKING: quake")
        );
        assert_eq!(ap.rules[2].then.breaking, Some(true));
        assert!(ap.rules[3].then.drop);

        let spool = &config.feeds[1];
        assert_eq!(spool.name, "wire-spool");
        assert_eq!(spool.location, SourceLocation::File(dir.join("spool/wire")));
        assert_eq!(spool.max_body, 512 * 1024);
        assert_eq!(spool.timeout, Duration::from_secs(60));
        assert_eq!(spool.schedule.expr, "*/5 * * * *");
        assert!(!spool.enabled);
        assert_eq!(spool.file_root, Some(dir.join("spool")));
        assert!(!ap.allow_private && ap.auth.is_none() && ap.file_root.is_none());

        assert_eq!(
            config
                .tag_aliases
                .get("palestinian territories")
                .map(String::as_str),
            Some("palestine")
        );
    }

    #[test]
    fn every_mistake_is_reported_with_its_line_and_column() {
        let problems = load(&fixture("mistakes.toml")).unwrap_err();
        let found: Vec<(usize, usize, Severity)> = positions(&problems)
            .into_iter()
            .map(|(line, column, severity, _)| (line, column, severity))
            .collect();
        use Severity::{Error, Warning};
        assert_eq!(
            found,
            [
                (3, 12, Error),   // base_url ftp://
                (4, 12, Error),   // language "english"
                (7, 12, Error),   // schedule with 4 fields
                (8, 11, Error),   // timeout "20 seconds"
                (15, 8, Error),   // section declared twice
                (21, 1, Error),   // shedule
                (22, 11, Error),  // section politcs
                (23, 12, Error),  // priority = "high"
                (24, 8, Error),   // tags = "world"
                (25, 8, Warning), // kind newz
                (28, 19, Error),  // bad regex
                (31, 3, Error),   // rule sets nothing
                (35, 6, Error),   // duplicate id
                (36, 7, Error),   // gopher://
                (37, 11, Error),  // undeclared section economy
            ],
            "{problems}"
        );
        let text = problems.to_string();
        assert!(text.contains("mistakes.toml:21:1: error: unknown key `shedule` in [[feed]] \"ap-world\"\n  help: did you mean `schedule`?"), "{text}");
        assert!(text.contains("first on line 19"), "{text}");
        assert!(text.contains("first on line 11"), "{text}");
        assert!(text.contains("unclosed group"), "{text}");
    }

    #[test]
    fn misspelled_section_and_kind_get_did_you_mean_hints() {
        let problems = errors_of(&minimal(
            "[[feed]]\nid = \"a\"\nurl = \"https://a.example/\"\nsection = \"politcs\"\nkind = \"opnion\"\n",
        ));
        let hints: Vec<Option<&str>> = problems.0.iter().map(|p| p.hint.as_deref()).collect();
        assert_eq!(
            hints,
            [
                Some("did you mean `politics`?"),
                Some("did you mean `opinion`?")
            ]
        );
    }

    #[test]
    fn toml_syntax_error_points_at_its_position() {
        let problems = errors_of(&minimal(
            "[[feed]]\nid = \"a\nurl = \"https://a.example/\"\n",
        ));
        let syntax = problems
            .0
            .iter()
            .find(|p| p.message.starts_with("invalid TOML"))
            .unwrap_or_else(|| panic!("no syntax error in: {problems}"));
        assert_eq!(
            (syntax.line, syntax.column),
            (Some(9), Some(8)),
            "{problems}"
        );
    }

    #[test]
    fn a_toml_syntax_error_is_reported_alone_with_its_line_and_column() {
        for (text, position) in [
            // The rest of the file is swallowed by the open string.
            (
                minimal("[[feed]]\nid = \"a\nurl = \"https://a.example/\"\n"),
                (9, 8),
            ),
            // [site] itself is where the mistake is.
            (
                "[site\ntitle = \"T\"\nbase_url = \"https://example.org/\"\n".to_string(),
                (1, 6),
            ),
        ] {
            let problems = errors_of(&text);
            let found: Vec<(usize, usize, String)> = problems
                .0
                .iter()
                .map(|p| {
                    (
                        p.line.unwrap_or(0),
                        p.column.unwrap_or(0),
                        p.message.clone(),
                    )
                })
                .collect();
            assert_eq!(found.len(), 1, "{problems}");
            assert!(found[0].2.starts_with("invalid TOML"), "{problems}");
            assert_eq!((found[0].0, found[0].1), position, "{problems}");
        }
    }

    #[test]
    fn missing_required_keys_are_reported_at_the_table_header() {
        let problems = errors_of("[site]\ntitle = \"T\"\n\n[[feed]]\nname = \"x\"\n");
        let found: Vec<(usize, String)> = positions(&problems)
            .into_iter()
            .map(|(line, _, _, message)| (line, message))
            .collect();
        assert_eq!(
            found,
            [
                (1, "[site] is missing required key `base_url`".to_string()),
                (4, "[[feed]] #1 is missing required key `id`".to_string()),
                (4, "[[feed]] #1 is missing required key `url`".to_string()),
            ]
        );
    }

    #[test]
    fn missing_site_table_is_an_error_without_a_line() {
        let problems = errors_of("[defaults]\ntimeout = \"5s\"\n");
        assert_eq!(problems.0.len(), 1, "{problems}");
        assert_eq!(problems.0[0].line, None);
        assert!(problems.0[0].message.contains("no [site]"));
    }

    #[test]
    fn relative_paths_resolve_against_the_config_folder() {
        let text = minimal(
            "[[feed]]\nid = \"a\"\nurl = \"file:spool/a.xml\"\n[[feed]]\nid = \"b\"\nurl = \"file:///var/spool/b\"\n",
        )
        .replace(
            "base_url",
            "file_roots = [\"spool\", \"/var/spool\"]\nbase_url",
        );
        let (config, _) = parse_str(&text, Path::new("/etc/wirefeed/feeds.toml")).unwrap();
        assert_eq!(
            config.site.output_dir,
            Output::Folder(PathBuf::from("/etc/wirefeed/output"))
        );
        assert_eq!(config.site.state_dir, PathBuf::from("/etc/wirefeed/state"));
        assert_eq!(
            config.feeds[0].location,
            SourceLocation::File(PathBuf::from("/etc/wirefeed/spool/a.xml"))
        );
        assert_eq!(
            config.feeds[1].location,
            SourceLocation::File(PathBuf::from("/var/spool/b"))
        );
    }

    fn with_output_dir(value: &str) -> String {
        minimal("").replace("base_url", &format!("output_dir = \"{value}\"\nbase_url"))
    }

    #[test]
    fn an_s3_url_names_a_bucket_and_a_prefix_without_its_slashes() {
        let text = with_output_dir("s3://newsroom-feeds/public/wire/");
        let (config, _) = parse_str(&text, Path::new("/etc/wirefeed/feeds.toml")).unwrap();
        let bucket = Bucket {
            name: "newsroom-feeds".to_string(),
            prefix: "public/wire".to_string(),
        };
        assert_eq!(config.site.output_dir, Output::Bucket(bucket));
        assert_eq!(config.site.output_dir.folder(), None);
        assert_eq!(
            config.site.output_dir.to_string(),
            "s3://newsroom-feeds/public/wire"
        );
    }

    #[test]
    fn an_s3_url_without_a_prefix_publishes_at_the_bucket_root() {
        for url in ["s3://feeds.example.org", "s3://feeds.example.org/"] {
            let (config, _) =
                parse_str(&with_output_dir(url), Path::new("/etc/wirefeed/feeds.toml")).unwrap();
            let bucket = Bucket {
                name: "feeds.example.org".to_string(),
                prefix: String::new(),
            };
            assert_eq!(config.site.output_dir, Output::Bucket(bucket), "{url}");
        }
    }

    #[test]
    fn a_bucket_url_wirefeed_cannot_write_is_an_error_on_its_line() {
        for (url, says) in [
            ("s3://", "names no bucket"),
            ("s3:///prefix", "names no bucket"),
            (
                "gs://feeds/public",
                "only s3:// buckets are supported, not gs://",
            ),
            ("https://feeds.example.org/", "not https://"),
            ("s3://Feeds_Bucket/x", "`Feeds_Bucket` is not a bucket name"),
            ("s3://ab", "`ab` is not a bucket name"),
            ("s3://feeds/a//b", "the prefix `a//b` has an empty segment"),
            (
                "s3://feeds/a/../b",
                "segment `..` that is not a folder name",
            ),
            ("s3://feeds/a?versionId=1", "no query or fragment"),
        ] {
            let problems = errors_of(&with_output_dir(url));
            let found = positions(&problems);
            assert_eq!(found.len(), 1, "{url}: {problems}");
            let (line, column, severity, message) = &found[0];
            assert_eq!(
                (*line, *column, *severity),
                (3, 14, Severity::Error),
                "{url}"
            );
            assert!(
                message.contains("`output_dir` in [site]"),
                "{url}: {message}"
            );
            assert!(message.contains(says), "{url}: {message}");
        }
    }

    #[test]
    fn a_folder_that_looks_like_no_url_stays_a_folder() {
        for (written, folder) in [
            ("public", "/etc/wirefeed/public"),
            ("/srv/feeds:2024", "/srv/feeds:2024"),
            ("s3-mirror/out", "/etc/wirefeed/s3-mirror/out"),
        ] {
            let (config, _) = parse_str(
                &with_output_dir(written),
                Path::new("/etc/wirefeed/feeds.toml"),
            )
            .unwrap();
            assert_eq!(
                config.site.output_dir,
                Output::Folder(PathBuf::from(folder)),
                "{written}"
            );
        }
    }

    #[test]
    fn base_url_gets_a_trailing_slash() {
        let text = "[site]\ntitle = \"T\"\nbase_url = \"https://example.org/feeds\"\n";
        let (config, _) = parse_str(text, Path::new("feeds.toml")).unwrap();
        assert_eq!(config.site.base_url.as_str(), "https://example.org/feeds/");
    }

    #[test]
    fn duplicate_feed_url_is_a_warning_pointing_at_the_first() {
        let warnings = warnings_of(&minimal(
            "[[feed]]\nid = \"a\"\nurl = \"https://a.example/\"\nsection = \"politics\"\n[[feed]]\nid = \"b\"\nurl = \"https://a.example/\"\n",
        ));
        let found = positions(&warnings);
        assert_eq!(found.len(), 1, "{warnings}");
        assert_eq!((found[0].0, found[0].1), (14, 7));
        assert!(found[0].3.contains("also used on line 10"));
    }

    #[test]
    fn timeout_longer_than_the_schedule_interval_is_a_warning() {
        let warnings = warnings_of(&minimal(
            "[[feed]]\nid = \"a\"\nurl = \"https://a.example/\"\nschedule = \"*/2 * * * *\"\ntimeout = \"3m\"\nsection = \"politics\"\n",
        ));
        assert_eq!(warnings.0.len(), 1, "{warnings}");
        assert_eq!(warnings.0[0].line, Some(12));
        assert!(warnings.0[0].message.contains("longer than its schedule"));
    }

    #[test]
    fn catch_all_rule_before_others_is_a_warning() {
        let warnings = warnings_of(&minimal(
            "[[feed]]\nid = \"a\"\nurl = \"https://a.example/\"\nsection = \"politics\"\n[[feed.rule]]\nkind = \"news\"\n[[feed.rule]]\ncategory = \"x\"\ndrop = true\n[[feed.rule]]\ntags = [\"all\"]\n",
        ));
        assert_eq!(warnings.0.len(), 1, "{warnings}");
        assert_eq!(warnings.0[0].line, Some(12));
    }

    #[test]
    fn rule_section_must_be_declared() {
        let problems = errors_of(&minimal(
            "[[feed]]\nid = \"a\"\nurl = \"https://a.example/\"\n[[feed.rule]]\ncategory = \"Sport\"\nsection = \"sports\"\n",
        ));
        assert_eq!(positions(&problems)[0].0, 13, "{problems}");
        assert_eq!(
            problems.0[0].hint.as_deref(),
            Some("declared sections: politics")
        );
    }

    #[test]
    fn unknown_keys_are_reported_in_every_table() {
        let problems = errors_of(
            "colour = 1\n[site]\ntitle = \"T\"\nbase_url = \"https://e.org/\"\nmax_itmes = 3\n[defaults]\nper_hots = 2\n[tags]\nalias = {}\n",
        );
        let lines: Vec<usize> = problems.0.iter().map(|p| p.line.unwrap_or(0)).collect();
        assert_eq!(lines, [1, 5, 7, 9], "{problems}");
        let hints: Vec<&str> = problems
            .0
            .iter()
            .filter_map(|p| p.hint.as_deref())
            .collect();
        assert!(hints.contains(&"did you mean `max_items`?"), "{problems}");
        assert!(hints.contains(&"did you mean `per_host`?"), "{problems}");
        assert!(hints.contains(&"did you mean `aliases`?"), "{problems}");
    }

    #[test]
    fn server_listen_is_read_as_a_socket_address() {
        let text = minimal("[server]\nlisten = \"127.0.0.1:8080\"\n");
        let (config, _) =
            parse_str(&text, Path::new("feeds.toml")).unwrap_or_else(|p| panic!("{p}"));
        let listen = config.server.map(|s| s.listen);
        assert_eq!(listen, Some("127.0.0.1:8080".parse().unwrap()));
        let (config, _) = parse_str(&minimal(""), Path::new("feeds.toml")).unwrap();
        assert!(config.server.is_none());
    }

    #[test]
    fn bad_server_listen_and_unknown_server_keys_are_reported_with_positions() {
        let problems = errors_of(&minimal(
            "[server]\nlisten = \"localhost\"\nlisen = \"x\"\n",
        ));
        let found: Vec<(usize, usize)> = positions(&problems)
            .into_iter()
            .map(|(line, column, _, _)| (line, column))
            .collect();
        assert_eq!(found, [(9, 10), (10, 1)], "{problems}");
        assert!(
            problems.0[0].message.contains("socket address"),
            "{problems}"
        );
        assert_eq!(
            problems.0[1].hint.as_deref(),
            Some("did you mean `listen`?")
        );
        let problems = errors_of(&minimal("[server]\n"));
        assert!(
            problems.0[0]
                .message
                .contains("missing required key `listen`"),
            "{problems}"
        );
    }

    #[test]
    fn store_url_names_a_postgres_database_without_a_password() {
        for url in [
            "postgres://wire@db.example:5432/news",
            "postgresql://wire@/news?host=/var/run/postgresql",
            "host=/var/run/postgresql user=wire dbname=news",
            "postgres://wire@db.example/news?sslmode=disable",
        ] {
            let text = minimal(&format!("[store]\nurl = \"{url}\"\n"));
            let (config, _) =
                parse_str(&text, Path::new("feeds.toml")).unwrap_or_else(|p| panic!("{p}"));
            assert_eq!(config.store.map(|s| s.url).as_deref(), Some(url));
        }
        let (config, _) = parse_str(&minimal(""), Path::new("feeds.toml")).unwrap();
        assert!(config.store.is_none(), "SQLite unless told");
    }

    #[test]
    fn a_password_or_another_scheme_in_the_store_url_is_an_error_on_its_line() {
        for (url, says) in [
            ("postgres://wire:s3cret@db.example/news", "password"),
            (
                "postgres://wire@db.example/news?password=s3cret",
                "password",
            ),
            ("host=db.example password=s3cret dbname=news", "password"),
            ("mysql://wire@db.example/news", "PostgreSQL address"),
            ("postgres://wire@db.example/news?sslmode=require", "TLS"),
            ("host=db.example sslmode=verify-full dbname=news", "TLS"),
        ] {
            let problems = errors_of(&minimal(&format!("[store]\nurl = \"{url}\"\n")));
            let found: Vec<usize> = positions(&problems)
                .into_iter()
                .map(|(line, ..)| line)
                .collect();
            assert_eq!(found, [9], "{url}: {problems}");
            assert!(problems.0[0].message.contains(says), "{url}: {problems}");
            assert!(!problems.to_string().contains("s3cret"), "{problems}");
        }
    }

    fn with_hub(line: &str) -> String {
        format!("[site]\ntitle = \"T\"\nbase_url = \"https://example.org/\"\n{line}\n")
    }

    #[test]
    fn websub_hub_is_read_as_an_http_url_and_is_optional() {
        let text = with_hub("websub_hub = \"https://hub.example.org/\"");
        let (config, warnings) =
            parse_str(&text, Path::new("feeds.toml")).unwrap_or_else(|p| panic!("{p}"));
        assert!(warnings.is_empty(), "{warnings}");
        let hub = config.site.websub_hub.map(String::from);
        assert_eq!(hub.as_deref(), Some("https://hub.example.org/"));
        let (config, _) = parse_str(&minimal(""), Path::new("feeds.toml")).unwrap();
        assert!(config.site.websub_hub.is_none());
    }

    #[test]
    fn websub_hub_that_is_not_http_is_reported_at_its_value() {
        for (line, expected) in [
            (
                "websub_hub = \"ftp://hub.example.org/\"",
                "must start with http://",
            ),
            ("websub_hub = \"hub.example.org\"", "not a valid URL"),
            ("websub_hub = 443", "must be a string"),
        ] {
            let problems = errors_of(&with_hub(line));
            let found = positions(&problems);
            assert_eq!(found.len(), 1, "{problems}");
            assert_eq!((found[0].0, found[0].1), (4, 14), "{problems}");
            assert!(found[0].3.contains("websub_hub"), "{problems}");
            assert!(found[0].3.contains(expected), "{problems}");
        }
    }

    #[test]
    fn misspelled_websub_hub_gets_a_did_you_mean_hint() {
        let problems = errors_of(&with_hub("websub_hb = \"https://hub.example.org/\""));
        assert_eq!(positions(&problems)[0].0, 4, "{problems}");
        assert_eq!(
            problems.0[0].hint.as_deref(),
            Some("did you mean `websub_hub`?")
        );
    }

    #[test]
    fn a_missing_file_says_so_and_what_to_do() {
        let problems = load(&fixture("does-not-exist.toml")).unwrap_err();
        assert_eq!(problems.0.len(), 1);
        assert_eq!(problems.0[0].line, None);
        let shown = problems.to_string();
        assert!(shown.contains("does-not-exist.toml"), "{shown}");
        assert!(shown.contains("no such file"), "{shown}");
        assert!(shown.contains("--config FILE"), "{shown}");
        assert!(shown.contains("/etc/wirefeed/feeds.toml"), "{shown}");
        assert!(!shown.contains("invalid"), "{shown}");
    }

    #[test]
    fn an_unreadable_file_is_one_problem_without_a_line() {
        // A folder cannot be read as a file, whoever runs the test (root too).
        let problems = load(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap_err();
        assert_eq!(problems.0.len(), 1);
        assert_eq!(problems.0[0].line, None);
        assert!(problems.0[0].message.contains("cannot read"), "{problems}");
    }

    #[test]
    fn malformed_files_are_reported_not_panicked_on() {
        let inputs = [
            "",
            "[site",
            "[[feed]]\n[[feed.rule]]\n",
            "feed = 3\nsection = \"x\"\nsite = []",
            "[feed]\nid = 'a'\n[site]\ntitle = 1\nbase_url = 2",
            "é = \"",
            "[[section]]\nslug = ''\ntitle = 'Arts & Culture'\n[[section]]\nslug = 'Arts & Culture'",
            "[tags.aliases]\nx = 1\n[tags]\naliases = 3",
            "[site]\ntitle='T'\nbase_url='https://e.org'\n[[feed]]\nid='a'\nurl='file:'\nmax_body=-1\npriority=99999999999999999999\ntags=[1, 'x']",
            "[site]\ntitle='T'\nbase_url='https://e.org'\n[[feed]]\nid='a'\nurl='file://remote-host/x'\nrule = 'x'",
        ];
        for input in inputs {
            let problems = errors_of(input);
            assert!(problems.has_errors(), "{input:?}");
        }
    }

    #[test]
    fn default_timeout_longer_than_default_schedule_is_one_warning() {
        let text = minimal(
            "[defaults]\nschedule = \"* * * * *\"\ntimeout = \"2m\"\n[[feed]]\nid = \"a\"\nurl = \"https://a.example/\"\nsection = \"politics\"\n",
        );
        let warnings = warnings_of(&text);
        assert_eq!(warnings.0.len(), 1, "{warnings}");
        assert_eq!(warnings.0[0].line, Some(8));
        assert!(warnings.0[0].message.contains("default timeout"));
    }

    #[test]
    fn feed_settings_override_defaults() {
        let text = minimal(
            "[defaults]\nmax_body = 2048\ntimeout = \"5s\"\n[[feed]]\nid = \"a\"\nurl = \"https://a.example/\"\nlanguage = \"ar\"\nmax_body = \"1MB\"\n[[feed]]\nid = \"b\"\nurl = \"https://b.example/\"\ntimeout = \"500ms\"\n",
        );
        let (config, _) =
            parse_str(&text, Path::new("feeds.toml")).unwrap_or_else(|p| panic!("{p}"));
        let [a, b] = &config.feeds[..] else {
            panic!("expected two feeds");
        };
        assert_eq!(
            (a.max_body, a.timeout, a.language.as_deref()),
            (1_000_000, Duration::from_secs(5), Some("ar"))
        );
        assert_eq!(
            (b.max_body, b.timeout, b.language.as_deref()),
            (2048, Duration::from_millis(500), None)
        );
    }

    #[test]
    fn tag_aliases_are_stored_lower_cased_and_case_duplicates_warned() {
        let text =
            minimal("[tags.aliases]\n\"Gaza Strip\" = \"gaza\"\n\"gaza strip\" = \"palestine\"\n");
        let (config, warnings) =
            parse_str(&text, Path::new("feeds.toml")).unwrap_or_else(|p| panic!("{p}"));
        assert_eq!(config.tag_aliases.len(), 1);
        assert!(config.tag_aliases.contains_key("gaza strip"));
        assert_eq!(warnings.0.len(), 1, "{warnings}");
    }

    #[test]
    fn a_rule_shadowed_by_an_earlier_broader_rule_is_a_warning_at_the_later_rule() {
        let warnings = warnings_of(&minimal(
            "[[feed]]\nid = \"a\"\nurl = \"https://a.example/\"\nsection = \"politics\"\n\
             [[feed.rule]]\ncategory = \"Sport\"\ntags = [\"sport\"]\nkind = \"news\"\n\
             [[feed.rule]]\ncategory = \"sport\"\ntitle_matches = \"^Live\"\ntags = [\"live\"]\n",
        ));
        assert_eq!(warnings.0.len(), 1, "{warnings}");
        assert_eq!(warnings.0[0].line, Some(16));
        assert!(warnings.0[0].message.contains("line 12"), "{warnings}");
    }

    #[test]
    fn a_later_rule_setting_a_field_the_earlier_one_does_not_is_not_shadowed() {
        let warnings = warnings_of(&minimal(
            "[[feed]]\nid = \"a\"\nurl = \"https://a.example/\"\nsection = \"politics\"\n\
             [[feed.rule]]\ncategory = \"Sport\"\ntags = [\"sport\"]\n\
             [[feed.rule]]\ncategory = \"sport\"\ntitle_matches = \"^Live\"\ntags = [\"live\"]\nbreaking = true\n\
             [[feed.rule]]\ntitle_matches = \"^Live\"\ntags = [\"live\"]\n",
        ));
        assert!(warnings.is_empty(), "{warnings}");
    }

    #[test]
    fn an_unused_section_is_a_warning_at_its_slug() {
        let text = format!(
            "{}\n[[section]]\nslug = \"sports\"\ntitle = \"Sports\"\n\
             [[feed]]\nid = \"a\"\nurl = \"https://a.example/\"\n\
             [[feed.rule]]\ncategory = \"x\"\nsection = \"politics\"\n",
            minimal("")
        );
        let warnings = warnings_of(&text);
        assert_eq!(warnings.0.len(), 1, "{warnings}");
        assert_eq!(warnings.0[0].line, Some(10));
        assert!(warnings.0[0].message.contains("`sports`"), "{warnings}");
    }

    #[test]
    fn a_remote_feed_faster_than_once_a_minute_is_a_warning_but_a_local_one_is_not() {
        let warnings = warnings_of(&minimal(
            "[[feed]]\nid = \"a\"\nurl = \"https://a.example/\"\nsection = \"politics\"\nschedule = \"*/20 * * * * *\"\n\
             [[feed]]\nid = \"b\"\nurl = \"http://127.0.0.1:8080/feed\"\nsection = \"politics\"\nschedule = \"*/20 * * * * *\"\n",
        ));
        assert_eq!(warnings.0.len(), 1, "{warnings}");
        assert_eq!(warnings.0[0].line, Some(12));
        assert!(warnings.0[0].message.contains("a.example"), "{warnings}");
    }
}
