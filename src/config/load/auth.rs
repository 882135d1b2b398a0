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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::parse_with_env;
    use crate::config::{Auth, Config, Problems};

    const SITE: &str = "[site]\ntitle = \"T\"\nbase_url = \"https://example.org/\"\n";

    fn env(name: &str) -> Option<String> {
        match name {
            "AP_TOKEN" => Some("tok-ap-secret".into()),
            "DPA_PASS" => Some("dpa-secret".into()),
            "REUTERS_KEY" => Some("reuters-secret".into()),
            _ => None,
        }
    }

    fn load_in(dir: &Path, text: &str) -> Result<Config, Problems> {
        parse_with_env(text, &dir.join("feeds.toml"), &env).map(|(config, _)| config)
    }

    fn load(text: &str) -> Result<Config, Problems> {
        load_in(Path::new("/etc/wirefeed"), text)
    }

    fn feed_with(auth: &str) -> String {
        format!("{SITE}[[feed]]\nid = \"ap\"\nurl = \"https://agency.example/\"\nauth = {auth}\n")
    }

    #[test]
    fn each_kind_of_credential_is_read_from_the_environment() {
        let cases = [
            ("{ bearer_env = \"AP_TOKEN\" }", "Bearer", "tok-ap-secret"),
            (
                "{ user = \"newsroom\", password_env = \"DPA_PASS\" }",
                "Basic",
                "dpa-secret",
            ),
            (
                "{ header = \"x-api-key\", value_env = \"REUTERS_KEY\" }",
                "Header",
                "reuters-secret",
            ),
        ];
        for (auth, kind, secret) in cases {
            let config = load(&feed_with(auth)).unwrap_or_else(|p| panic!("{p}"));
            let found = config.feeds[0].auth.clone().expect("auth");
            let value = match &found {
                Auth::Bearer { token } => token.expose(),
                Auth::Basic { user, password } => {
                    assert_eq!(user, "newsroom");
                    password.expose()
                }
                Auth::Header { name, value } => {
                    assert_eq!(name, "x-api-key");
                    value.expose()
                }
            };
            assert_eq!(value, secret);
            assert!(format!("{found:?}").starts_with(kind), "{found:?}");
            assert!(!format!("{:?}", config.feeds[0]).contains(secret));
        }
    }

    #[test]
    fn an_unset_variable_is_an_error_naming_the_feed_and_the_variable() {
        let problems = load(&feed_with("{ bearer_env = \"AFP_TOKEN\" }")).unwrap_err();
        assert_eq!(problems.0.len(), 1, "{problems}");
        let problem = &problems.0[0];
        assert_eq!((problem.line, problem.column), (Some(7), Some(23)));
        assert!(problem.message.contains("\"ap\""), "{problems}");
        assert!(problem.message.contains("`AFP_TOKEN`"), "{problems}");
    }

    #[test]
    fn a_secret_written_in_feeds_toml_is_refused() {
        let problems = load(&feed_with("{ bearer = \"tok-inline\" }")).unwrap_err();
        let text = problems.to_string();
        assert!(text.contains("unknown key `bearer`"), "{text}");
        assert!(text.contains("bearer_env"), "{text}");
        assert!(!text.contains("tok-inline"), "{text}");
    }

    #[test]
    fn mixed_or_incomplete_credentials_are_errors() {
        for auth in [
            "{ bearer_env = \"AP_TOKEN\", header = \"x-api-key\", value_env = \"REUTERS_KEY\" }",
            "{ }",
        ] {
            let problems = load(&feed_with(auth)).unwrap_err();
            assert!(
                problems.to_string().contains("exactly one kind"),
                "{problems}"
            );
        }
        let problems = load(&feed_with("{ user = \"newsroom\" }")).unwrap_err();
        assert!(
            problems
                .to_string()
                .contains("missing required key `password_env`"),
            "{problems}"
        );
        let problems = load(&feed_with(
            "{ header = \"bad header\", value_env = \"REUTERS_KEY\" }",
        ))
        .unwrap_err();
        assert!(
            problems.to_string().contains("not a valid header name"),
            "{problems}"
        );
    }

    #[test]
    fn credentials_come_from_the_feeds_entry_in_the_credentials_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("credentials.toml"),
            "[ap]\nbearer = \"file-secret\"\n\n[dpa]\nuser = \"newsroom\"\npassword = \"pw\"\n",
        )
        .expect("write credentials");
        let text = format!(
            "{SITE}credentials_file = \"credentials.toml\"\n\
             [[feed]]\nid = \"ap\"\nurl = \"https://agency.example/\"\nauth = \"credentials_file\"\n\
             [[feed]]\nid = \"dpa\"\nurl = \"https://dpa.example/\"\nauth = \"credentials_file\"\n"
        );
        let config = load_in(dir.path(), &text).unwrap_or_else(|p| panic!("{p}"));
        assert!(
            matches!(&config.feeds[0].auth, Some(Auth::Bearer { token }) if token.expose() == "file-secret")
        );
        assert!(
            matches!(&config.feeds[1].auth, Some(Auth::Basic { user, .. }) if user == "newsroom")
        );
    }

    #[test]
    fn a_feed_missing_from_the_credentials_file_is_an_error_naming_both() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("credentials.toml"),
            "[ap]\nbearer = \"file-secret\"\n",
        )
        .expect("write credentials");
        let text = format!(
            "{SITE}credentials_file = \"credentials.toml\"\n\
             [[feed]]\nid = \"afp\"\nurl = \"https://afp.example/\"\nauth = \"credentials_file\"\n"
        );
        let problems = load_in(dir.path(), &text).unwrap_err();
        let text = problems.to_string();
        assert!(text.contains("has no entry [afp]"), "{text}");
        assert!(text.contains("credentials.toml"), "{text}");
        assert!(text.contains(":8:8: error"), "{text}");
    }

    #[test]
    fn a_broken_credentials_file_is_reported_without_quoting_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("credentials.toml"),
            "[ap]\nbearer = \"unterminated-secret\n",
        )
        .expect("write credentials");
        let text = format!("{SITE}credentials_file = \"credentials.toml\"\n");
        let problems = load_in(dir.path(), &text).unwrap_err();
        let text = problems.to_string();
        assert!(text.contains("not valid TOML on line 2"), "{text}");
        assert!(!text.contains("unterminated-secret"), "{text}");
        let missing = load_in(
            dir.path(),
            &format!("{SITE}credentials_file = \"nope.toml\"\n"),
        )
        .unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("cannot read the credentials file"),
            "{missing}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_credentials_file_others_can_read_is_a_warning() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("credentials.toml");
        std::fs::write(&path, "[ap]\nbearer = \"x\"\n").expect("write credentials");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let text = format!("{SITE}credentials_file = \"credentials.toml\"\n");
        let (_, warnings) = parse_with_env(&text, &dir.path().join("feeds.toml"), &env)
            .unwrap_or_else(|p| panic!("{p}"));
        assert!(warnings.to_string().contains("chmod 600"), "{warnings}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let (_, warnings) = parse_with_env(&text, &dir.path().join("feeds.toml"), &env)
            .unwrap_or_else(|p| panic!("{p}"));
        assert!(warnings.is_empty(), "{warnings}");
    }
}
