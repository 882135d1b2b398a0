//! `auth` of a `[[feed]]` and the `credentials_file` of `[site]`: where a
//! paid feed's credentials come from.
//!
//! feeds.toml names the kind of credential and where its secret lives, an
//! environment variable or the credentials file, never the secret itself:
//! feeds.toml is shared, versioned and pasted into tickets. Problems name
//! the feed and the variable or file entry, never a value.
//!
//! ```toml
//! auth = { bearer_env = "AP_TOKEN" }                          # Authorization: Bearer
//! auth = { user = "newsroom", password_env = "DPA_PASS" }      # Authorization: Basic
//! auth = { header = "x-api-key", value_env = "REUTERS_KEY" }  # a header of the agency's own
//! auth = "credentials_file"                                   # the feed's entry in [site] credentials_file
//! ```
//!
//! The credentials file is TOML with one table per feed id, holding the
//! same shapes with the values themselves: `bearer = "..."`;
//! `user = "..."` and `password = "..."`; `header = "..."` and `value = "..."`.

use std::ops::Range;
use std::path::{Path, PathBuf};

use reqwest::header::{HeaderName, HeaderValue};
use toml::de::DeValue;

use super::fields::Fields;
use super::report::Report;
use super::values::resolve;
use crate::config::{Auth, Secret};

/// Reads an environment variable; the loader passes `std::env::var`, tests their own.
pub(super) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// What `auth = "..."` says to read the feed's entry of the credentials file.
const FROM_FILE: &str = "credentials_file";
const AUTH_KEYS: &[&str] = &["bearer_env", "user", "password_env", "header", "value_env"];

/// The credentials file, read once: one table per feed id.
pub(super) struct CredentialsFile {
    path: PathBuf,
    /// Where `credentials_file` is written in feeds.toml.
    span: Range<usize>,
    entries: toml::Table,
}

/// `credentials_file` in `[site]`, read and parsed; problems are reported at the key.
pub(super) fn credentials_file(
    fields: &Fields<'_, '_>,
    base_dir: &Path,
    report: &mut Report<'_>,
) -> Option<CredentialsFile> {
    let written = fields.string("credentials_file", report)?;
    let span = written.span();
    let path = resolve(base_dir, Path::new(written.get_ref()));
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) => {
            report.error(
                span,
                format!("cannot read the credentials file {}: {err}", path.display()),
            );
            return None;
        }
    };
    warn_if_others_can_read(&path, span.clone(), report);
    // toml's own message quotes the offending line, which may hold a secret:
    // only its reason and line are passed on.
    match text.parse::<toml::Table>() {
        Ok(entries) => Some(CredentialsFile {
            path,
            span,
            entries,
        }),
        Err(err) => {
            let line = err
                .span()
                .map(|at| text[..at.start.min(text.len())].lines().count().max(1));
            let at = line
                .map(|line| format!(" on line {line}"))
                .unwrap_or_default();
            report.error(
                span,
                format!(
                    "the credentials file {} is not valid TOML{at}: {}",
                    path.display(),
                    err.message()
                ),
            );
            None
        }
    }
}

#[cfg(unix)]
fn warn_if_others_can_read(path: &Path, span: Range<usize>, report: &mut Report<'_>) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(metadata) = std::fs::metadata(path) else {
        return;
    };
    if metadata.permissions().mode() & 0o077 != 0 {
        report.warning_with_hint(
            span,
            format!(
                "the credentials file {} can be read by other users",
                path.display()
            ),
            Some(format!("chmod 600 {}", path.display())),
        );
    }
}

#[cfg(not(unix))]
fn warn_if_others_can_read(_path: &Path, _span: Range<usize>, _report: &mut Report<'_>) {}

/// The `auth` key of the feed `id`, its secret looked up; `None` when absent or wrong.
pub(super) fn auth(
    fields: &Fields<'_, '_>,
    id: Option<&str>,
    credentials: Option<&CredentialsFile>,
    env: Env<'_>,
    report: &mut Report<'_>,
) -> Option<Auth> {
    let value = fields.get("auth")?;
    match value.get_ref() {
        DeValue::String(text) if text == FROM_FILE => {
            from_file(&fields.what, value.span(), id?, credentials, report)
        }
        DeValue::Table(_) => {
            let (table, span) = fields.table("auth", report)?;
            let what = format!("`auth` of {}", fields.what);
            let auth = Fields::new(table, span.clone(), what, AUTH_KEYS, report);
            from_env(&auth, span, env, report)
        }
        _ => {
            report.error_with_hint(
                value.span(),
                format!(
                    "`auth` in {} must be a table naming where the secret is, or \"{FROM_FILE}\"",
                    fields.what
                ),
                Some(
                    "like auth = { bearer_env = \"AP_TOKEN\" }, or auth = \"credentials_file\""
                        .to_string(),
                ),
            );
            None
        }
    }
}

/// `auth = { ... }`: exactly one shape, its secret from the environment.
fn from_env(
    fields: &Fields<'_, '_>,
    span: Range<usize>,
    env: Env<'_>,
    report: &mut Report<'_>,
) -> Option<Auth> {
    let secret = |key: &str, report: &mut Report<'_>| {
        let variable = fields.string(key, report)?;
        let value = env(variable.get_ref()).filter(|value| !value.is_empty());
        if value.is_none() {
            report.error_with_hint(
                variable.span(),
                format!(
                    "{}: the environment variable `{}` is not set",
                    fields.what,
                    variable.get_ref()
                ),
                Some(format!(
                    "export {}=... in the service's environment",
                    variable.get_ref()
                )),
            );
        }
        value.map(Secret::new)
    };
    let shapes = [
        fields.has("bearer_env"),
        fields.has("user") || fields.has("password_env"),
        fields.has("header") || fields.has("value_env"),
    ];
    if shapes.iter().filter(|&&shape| shape).count() != 1 {
        report.error_with_hint(
            span,
            format!("{} must be exactly one kind of credential", fields.what),
            Some(
                "bearer_env = \"...\"; or user = \"...\" with password_env = \"...\"; \
                 or header = \"...\" with value_env = \"...\""
                    .to_string(),
            ),
        );
        return None;
    }
    if shapes[0] {
        let token = secret("bearer_env", report)?;
        return checked(fields, span, Auth::Bearer { token }, report);
    }
    if shapes[1] {
        let user = fields.required_string("user", report);
        if !fields.has("password_env") {
            fields.missing("password_env", report);
        }
        let password = secret("password_env", report)?;
        let auth = Auth::Basic {
            user: user?.into_inner(),
            password,
        };
        return checked(fields, span, auth, report);
    }
    let name = fields.required_string("header", report);
    if !fields.has("value_env") {
        fields.missing("value_env", report);
    }
    let value = secret("value_env", report)?;
    let auth = Auth::Header {
        name: name?.into_inner(),
        value,
    };
    checked(fields, span, auth, report)
}

/// `auth = "credentials_file"`: the feed's table in the credentials file.
fn from_file(
    what: &str,
    span: Range<usize>,
    id: &str,
    credentials: Option<&CredentialsFile>,
    report: &mut Report<'_>,
) -> Option<Auth> {
    let Some(file) = credentials else {
        report.error_with_hint(
            span,
            format!(
                "{what} takes its credentials from the credentials file, but [site] names none"
            ),
            Some("add credentials_file = \"/etc/wirefeed/credentials.toml\" to [site]".to_string()),
        );
        return None;
    };
    let here = format!("the credentials file {}", file.path.display());
    let Some(entry) = file.entries.get(id) else {
        report.error_with_hint(
            span,
            format!("{what}: {here} has no entry [{id}]"),
            Some(format!(
                "add [{id}] with bearer = \"...\" (or user and password, or header and value)"
            )),
        );
        return None;
    };
    let Some(entry) = entry.as_table() else {
        report.error(span, format!("{what}: [{id}] in {here} must be a table"));
        return None;
    };
    let text = |key: &str| {
        entry
            .get(key)
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
    };
    let auth = match (
        text("bearer"),
        text("user"),
        text("password"),
        text("header"),
        text("value"),
    ) {
        (Some(token), None, None, None, None) => Auth::Bearer {
            token: Secret::new(token),
        },
        (None, Some(user), Some(password), None, None) => Auth::Basic {
            user,
            password: Secret::new(password),
        },
        (None, None, None, Some(name), Some(value)) => Auth::Header {
            name,
            value: Secret::new(value),
        },
        _ => {
            report.error_with_hint(
                span,
                format!(
                    "{what}: [{id}] in {here} must hold exactly one kind of credential, as strings"
                ),
                Some("bearer = \"...\"; or user and password; or header and value".to_string()),
            );
            return None;
        }
    };
    let known = ["bearer", "user", "password", "header", "value"];
    if let Some(unknown) = entry.keys().find(|key| !known.contains(&key.as_str())) {
        report.error(
            file.span.clone(),
            format!("unknown key `{unknown}` in [{id}] of {here}"),
        );
        return None;
    }
    checked_at(what, span, auth, report)
}

fn checked(
    fields: &Fields<'_, '_>,
    span: Range<usize>,
    auth: Auth,
    report: &mut Report<'_>,
) -> Option<Auth> {
    checked_at(&fields.what, span, auth, report)
}

/// A header name and values that can go on the wire (no line breaks, no
/// colon in a user name); a value is never quoted back.
fn checked_at(what: &str, span: Range<usize>, auth: Auth, report: &mut Report<'_>) -> Option<Auth> {
    let problem = match &auth {
        Auth::Bearer { token } => HeaderValue::from_str(token.expose())
            .err()
            .map(|_| "the token holds characters a header cannot carry".to_string()),
        Auth::Basic { user, password } => {
            if user.contains(':') {
                Some(format!("the user name `{user}` holds a ':'"))
            } else if password.expose().contains(['\r', '\n']) {
                Some("the password holds a line break".to_string())
            } else {
                None
            }
        }
        Auth::Header { name, value } => {
            if HeaderName::from_bytes(name.as_bytes()).is_err() {
                Some(format!("`{name}` is not a valid header name"))
            } else if HeaderValue::from_str(value.expose()).is_err() {
                Some(format!(
                    "the value for `{name}` holds characters a header cannot carry"
                ))
            } else {
                None
            }
        }
    };
    match problem {
        Some(problem) => {
            report.error(span, format!("{what}: {problem}"));
            None
        }
        None => Some(auth),
    }
}
