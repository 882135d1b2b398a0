//! The file-wide tables: `[site]`, `[defaults]`, `[[section]]`, `[tags]`.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::auth::{CredentialsFile, credentials_file};
use super::fields::Fields;
use super::report::Report;
use super::roots::file_roots;
use super::schedule::parse_schedule;
use super::settings::{language, max_body, schedule, timeout};
use super::values::{http_url, is_slug, resolve};
use crate::config::{
    Bucket, DEFAULT_CONCURRENCY, DEFAULT_MAX_BODY, DEFAULT_MAX_ITEMS, DEFAULT_PER_HOST,
    DEFAULT_SCHEDULE, DEFAULT_TIMEOUT, Defaults, Output, Schedule, Section, ServerConfig, Site,
    StoreConfig,
};

const SITE_KEYS: &[&str] = &[
    "title",
    "description",
    "base_url",
    "output_dir",
    "state_dir",
    "max_items",
    "language",
    "websub_hub",
    "file_roots",
    "credentials_file",
];
const DEFAULTS_KEYS: &[&str] = &[
    "schedule",
    "timeout",
    "max_body",
    "concurrency",
    "per_host",
    "allow_private",
];
const SECTION_KEYS: &[&str] = &["slug", "title"];
const TAGS_KEYS: &[&str] = &["aliases"];
const SERVER_KEYS: &[&str] = &["listen"];
const STORE_KEYS: &[&str] = &["url"];

/// What `[site]` allows the feeds: folders to read and where credentials are kept.
#[derive(Default)]
pub(super) struct Access {
    /// `file_roots`, resolved against the config folder, `.` and `..` worked out.
    pub(super) file_roots: Vec<PathBuf>,
    /// `credentials_file`, read.
    pub(super) credentials: Option<CredentialsFile>,
}

/// `[site]` (`None` when a required key is missing or wrong) and what it allows the feeds.
pub(super) fn site(
    table: &DeTable<'_>,
    span: Range<usize>,
    base_dir: &Path,
    report: &mut Report<'_>,
) -> (Option<Site>, Access) {
    let fields = Fields::new(table, span, "[site]".to_string(), SITE_KEYS, report);
    let access = Access {
        file_roots: file_roots(&fields, base_dir, report),
        credentials: credentials_file(&fields, base_dir, report),
    };
    (site_settings(&fields, base_dir, report), access)
}

fn site_settings(
    fields: &Fields<'_, '_>,
    base_dir: &Path,
    report: &mut Report<'_>,
) -> Option<Site> {
    let title = fields.required_string("title", report);
    let description = fields.string("description", report).map(|s| s.into_inner());
    let base_url = fields.required_string("base_url", report).and_then(|url| {
        let mut text = url.get_ref().clone();
        // Self links are joined onto base_url; without the '/' the last segment would be replaced.
        if !text.ends_with('/') {
            text.push('/');
        }
        http_url(&text)
            .map_err(|err| report.error(url.span(), format!("`base_url` in [site]: {err}")))
            .ok()
    });
    let dir = |key: &str, default: &str, report: &mut Report<'_>| {
        let written = fields
            .string(key, report)
            .map_or_else(|| default.to_string(), |s| s.into_inner());
        resolve(base_dir, &PathBuf::from(written))
    };
    let output_dir = output(fields, base_dir, report);
    let state_dir = dir("state_dir", "state", report);
    let max_items = fields
        .positive("max_items", report)
        .unwrap_or(DEFAULT_MAX_ITEMS);
    let language = language(fields, report).unwrap_or_else(|| "en".to_string());
    let websub_hub = fields.string("websub_hub", report).and_then(|hub| {
        http_url(hub.get_ref())
            .map_err(|err| report.error(hub.span(), format!("`websub_hub` in [site]: {err}")))
            .ok()
    });
    Some(Site {
        title: title?.into_inner(),
        description,
        base_url: base_url?,
        output_dir: output_dir?,
        state_dir,
        max_items,
        language,
        websub_hub,
    })
}

/// `output_dir`: a folder (the default, `output` beside feeds.toml) or
/// `s3://BUCKET/PREFIX`; `None` when it is a URL wirefeed cannot write to.
fn output(fields: &Fields<'_, '_>, base_dir: &Path, report: &mut Report<'_>) -> Option<Output> {
    let Some(written) = fields.string("output_dir", report) else {
        return Some(Output::Folder(resolve(base_dir, Path::new("output"))));
    };
    let text = written.get_ref().trim();
    let Some((scheme, rest)) = text
        .split_once("://")
        .filter(|(scheme, _)| is_scheme(scheme))
    else {
        return Some(Output::Folder(resolve(
            base_dir,
            Path::new(written.get_ref()),
        )));
    };
    let problem = if scheme.eq_ignore_ascii_case("s3") {
        match bucket(rest) {
            Ok(bucket) => return Some(Output::Bucket(bucket)),
            Err(problem) => problem,
        }
    } else {
        format!("only s3:// buckets are supported, not {scheme}://")
    };
    report.error_with_hint(
        written.span(),
        format!("`output_dir` in [site] is not a folder or a bucket wirefeed can write to: {problem}"),
        Some(
            "write a folder, such as \"output\", or \"s3://BUCKET/PREFIX\" (any S3-compatible store, set up by the AWS_* variables)"
                .to_string(),
        ),
    );
    None
}

/// A URL scheme as RFC 3986 spells one: a letter, then letters, digits, '+', '-', '.'.
fn is_scheme(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// `BUCKET` or `BUCKET/PREFIX` (the part after `s3://`), checked against
/// S3's naming rules so a typo is caught here rather than at the first publish.
fn bucket(text: &str) -> Result<Bucket, String> {
    let (name, prefix) = text.split_once('/').unwrap_or((text, ""));
    if name.is_empty() {
        return Err("it names no bucket".to_string());
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-';
    let ends_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !(3..=63).contains(&name.len())
        || !name.chars().all(allowed)
        || !ends_ok(name.chars().next())
        || !ends_ok(name.chars().last())
    {
        return Err(format!(
            "`{name}` is not a bucket name (3 to 63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit)"
        ));
    }
    if prefix.contains(['?', '#']) {
        return Err("a bucket URL takes no query or fragment".to_string());
    }
    let prefix = prefix.trim_end_matches('/');
    if !prefix.is_empty() {
        let bad = prefix.split('/').find(|segment| {
            segment.is_empty()
                || *segment == "."
                || *segment == ".."
                || segment.chars().any(|c| c.is_control() || c == '\\')
        });
        match bad {
            Some("") => return Err(format!("the prefix `{prefix}` has an empty segment")),
            Some(segment) => {
                return Err(format!(
                    "the prefix `{prefix}` has a segment `{segment}` that is not a folder name"
                ));
            }
            None => {}
        }
    }
    Ok(Bucket {
        name: name.to_string(),
        prefix: prefix.to_string(),
    })
}

/// `[defaults]`, or the built-in defaults when the table is absent.
pub(super) fn defaults(
    table: Option<(&DeTable<'_>, Range<usize>)>,
    report: &mut Report<'_>,
) -> Defaults {
    let built_in = || Defaults {
        schedule: default_schedule(),
        timeout: DEFAULT_TIMEOUT,
        max_body: DEFAULT_MAX_BODY,
        concurrency: DEFAULT_CONCURRENCY,
        per_host: DEFAULT_PER_HOST,
        allow_private: false,
    };
    let Some((table, span)) = table else {
        return built_in();
    };
    let fields = Fields::new(table, span, "[defaults]".to_string(), DEFAULTS_KEYS, report);
    Defaults {
        schedule: schedule(&fields, report).unwrap_or_else(default_schedule),
        timeout: timeout(&fields, report).unwrap_or(DEFAULT_TIMEOUT),
        max_body: max_body(&fields, report).unwrap_or(DEFAULT_MAX_BODY),
        concurrency: fields
            .positive("concurrency", report)
            .unwrap_or(DEFAULT_CONCURRENCY),
        per_host: fields
            .positive("per_host", report)
            .unwrap_or(DEFAULT_PER_HOST),
        allow_private: fields.bool("allow_private", report).unwrap_or(false),
    }
}

fn default_schedule() -> Schedule {
    match parse_schedule(DEFAULT_SCHEDULE) {
        Ok(schedule) => schedule,
        // The constant is ours, so this is a bug in this program, not in feeds.toml.
        Err(err) => unreachable!("DEFAULT_SCHEDULE does not parse: {err}"),
    }
}

/// One `[[section]]`, with the span of its slug for duplicate checks.
pub(super) fn section(
    table: &DeTable<'_>,
    span: Range<usize>,
    index: usize,
    report: &mut Report<'_>,
) -> Option<(Section, Range<usize>)> {
    let slug_text = table.get("slug").and_then(|v| v.get_ref().as_str());
    let what = match slug_text {
        Some(slug) => format!("[[section]] \"{slug}\""),
        None => format!("[[section]] #{}", index + 1),
    };
    let fields = Fields::new(table, span, what, SECTION_KEYS, report);
    let slug = fields.required_string("slug", report).filter(|slug| {
        let ok = is_slug(slug.get_ref());
        if !ok {
            report.error_with_hint(
                slug.span(),
                format!(
                    "section slug `{}` may hold only lower-case letters, digits and '-'",
                    slug.get_ref()
                ),
                Some(suggested_slug(slug.get_ref()))
                    .filter(|s| !s.is_empty())
                    .map(|s| format!("try `{s}`")),
            );
        }
        ok
    });
    let title = fields.required_string("title", report);
    let slug_span = slug.as_ref()?.span();
    Some((
        Section {
            slug: slug?.into_inner(),
            title: title?.into_inner(),
        },
        slug_span,
    ))
}

fn suggested_slug(text: &str) -> String {
    let lowered: String = text
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    lowered
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// `[tags]`: today only `aliases`, a map from alias to canonical tag.
pub(super) fn tag_aliases(
    table: Option<(&DeTable<'_>, Range<usize>)>,
    report: &mut Report<'_>,
) -> BTreeMap<String, String> {
    let mut aliases = BTreeMap::new();
    let Some((table, span)) = table else {
        return aliases;
    };
    let fields = Fields::new(table, span, "[tags]".to_string(), TAGS_KEYS, report);
    let Some((map, _)) = fields.table("aliases", report) else {
        return aliases;
    };
    for (alias, canonical) in map.iter() {
        match canonical.get_ref() {
            DeValue::String(name) => {
                let key = alias.get_ref().trim().to_lowercase();
                if let Some(earlier) = aliases.insert(key, name.trim().to_string()) {
                    // Aliases are matched ignoring case, so only one of the two can apply.
                    report.warning(
                        alias.span(),
                        format!(
                            "tag alias `{}` is listed twice, ignoring case (the earlier one maps to `{earlier}`)",
                            alias.get_ref()
                        ),
                    );
                }
            }
            other => report.error(
                canonical.span(),
                format!(
                    "tag alias `{}` in [tags.aliases] must map to a tag name (a string), found {}",
                    alias.get_ref(),
                    other.type_str()
                ),
            ),
        }
    }
    aliases
}

/// `[server]`; `None` when `listen` is missing or not a socket address.
pub(super) fn server(
    table: &DeTable<'_>,
    span: Range<usize>,
    report: &mut Report<'_>,
) -> Option<ServerConfig> {
    let fields = Fields::new(table, span, "[server]".to_string(), SERVER_KEYS, report);
    let listen = fields.required_string("listen", report)?;
    match listen.get_ref().parse() {
        Ok(listen) => Some(ServerConfig { listen }),
        Err(err) => {
            report.error_with_hint(
                listen.span(),
                format!(
                    "`listen` in [server] must be a socket address, found `{}`: {err}",
                    listen.get_ref()
                ),
                Some(
                    "write an address and a port, such as \"127.0.0.1:8080\" or \"[::1]:8080\""
                        .to_string(),
                ),
            );
            None
        }
    }
}

/// `[store]`: the PostgreSQL database the state lives in. Only the shape is
/// checked here (the store reads the address when it connects); a password
/// in it is an error, so feeds.toml never holds one.
pub(super) fn store(
    table: &DeTable<'_>,
    span: Range<usize>,
    report: &mut Report<'_>,
) -> Option<StoreConfig> {
    let fields = Fields::new(table, span, "[store]".to_string(), STORE_KEYS, report);
    let url = fields.required_string("url", report)?;
    let text = url.get_ref().trim();
    let postgres_url = text.starts_with("postgres://") || text.starts_with("postgresql://");
    let key_value = text.contains('=') && !text.contains("://");
    if !postgres_url && !key_value {
        report.error_with_hint(
            url.span(),
            "`url` in [store] must be a PostgreSQL address".to_string(),
            Some(
                "write \"postgres://USER@HOST:PORT/DATABASE\"; leave [store] out to keep the state in SQLite under state_dir"
                    .to_string(),
            ),
        );
        return None;
    }
    if has_password(text) {
        report.error_with_hint(
            url.span(),
            "`url` in [store] holds a password, which does not belong in feeds.toml".to_string(),
            Some(
                "remove it and set PGPASSWORD (or a ~/.pgpass line) in the service's environment"
                    .to_string(),
            ),
        );
        return None;
    }
    if let Some(mode) = tls_required(text) {
        report.error_with_hint(
            url.span(),
            format!("`url` in [store] asks for TLS (sslmode={mode}), which wirefeed does not speak to PostgreSQL yet"),
            Some("connect over a local socket (?host=/var/run/postgresql), a private network or a tunnel, and drop sslmode".to_string()),
        );
        return None;
    }
    Some(StoreConfig {
        url: text.to_owned(),
    })
}

/// The `sslmode` of a PostgreSQL address when it demands encryption.
fn tls_required(url: &str) -> Option<&str> {
    let pairs: Vec<&str> = match url.split_once('?') {
        Some((_, query)) if url.contains("://") => query.split('&').collect(),
        _ if url.contains("://") => Vec::new(),
        _ => url.split_whitespace().collect(),
    };
    pairs
        .into_iter()
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| key.trim() == "sslmode")
        .map(|(_, mode)| mode.trim())
        .filter(|mode| matches!(*mode, "require" | "verify-ca" | "verify-full"))
}

/// Whether a PostgreSQL address carries a password: `user:secret@` in a
/// URL, or a `password` key in either form.
fn has_password(url: &str) -> bool {
    if let Some(rest) = url.split_once("://").map(|(_, rest)| rest) {
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        if let Some((userinfo, _)) = authority.rsplit_once('@')
            && userinfo.contains(':')
        {
            return true;
        }
        if let Some((_, query)) = rest.split_once('?') {
            return query
                .split('&')
                .any(|pair| pair.split('=').next() == Some("password"));
        }
        return false;
    }
    url.split_whitespace()
        .any(|pair| pair.split('=').next().map(str::trim) == Some("password"))
}
