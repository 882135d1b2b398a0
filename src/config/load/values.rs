//! Checks on single values: language codes, URLs, slugs, ids, paths.

use std::path::{Path, PathBuf};

use url::Url;

use crate::config::SourceLocation;

/// A plausible BCP 47 tag: a 2-3 letter language, then subtags of 1-8
/// letters or digits ("en", "ar", "pt-BR", "zh-Hant-TW").
pub(super) fn is_language(code: &str) -> bool {
    let mut parts = code.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|part| {
            (1..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric())
        })
}

/// Section slugs: lower-case ASCII letters, digits and '-'.
pub(super) fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Feed ids: lower-case ASCII letters, digits, '-' and '_'.
pub(crate) fn is_feed_id(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// An absolute http:// or https:// URL.
pub(super) fn http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|err| format!("`{text}` is not a valid URL: {err}"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        "http" | "https" => Err(format!("`{text}` has no host")),
        other => Err(format!(
            "`{text}` must start with http:// or https://, not {other}:"
        )),
    }
}

/// Where a feed is read from: http(s) URLs, `file:///absolute/path` or
/// `file:relative/path` (relative to the folder holding feeds.toml).
pub(super) fn source_location(text: &str, base_dir: &Path) -> Result<SourceLocation, String> {
    if let Some(rest) = text.strip_prefix("file:") {
        if rest.starts_with("//") {
            let url = Url::parse(text)
                .map_err(|err| format!("`{text}` is not a valid file URL: {err}"))?;
            return url.to_file_path().map(SourceLocation::File).map_err(|()| {
                format!("`{text}` is not a local file path (use file:///absolute/path)")
            });
        }
        if rest.is_empty() {
            return Err(
                "`file:` needs a path, like file:spool/ap or file:///var/spool/ap".to_string(),
            );
        }
        return Ok(SourceLocation::File(resolve(base_dir, Path::new(rest))));
    }
    match Url::parse(text) {
        // Not quoted back: the message would print the password.
        Ok(url) if !url.username().is_empty() || url.password().is_some() => Err(
            "a user name or password in the URL would be stored and shown in feeds.toml; \
             remove it and set `auth = { user = \"...\", password_env = \"...\" }` instead"
                .to_string(),
        ),
        Ok(url) if matches!(url.scheme(), "http" | "https") => {
            http_url(text).map(SourceLocation::Http)
        }
        Ok(url) => Err(format!(
            "`{text}` uses {}:, but a feed url must be http://, https:// or file:",
            url.scheme()
        )),
        Err(err) => Err(format!("`{text}` is not a valid URL: {err}")),
    }
}

/// A path from feeds.toml: relative ones are relative to its folder.
pub(super) fn resolve(base_dir: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base_dir.join(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_language_codes() {
        for good in ["en", "ar", "es", "pt-BR", "zh-Hant-TW", "fil"] {
            assert!(is_language(good), "{good}");
        }
        for bad in ["english", "e", "en_US", "en-", "12", ""] {
            assert!(!is_language(bad), "{bad}");
        }
    }

    #[test]
    fn file_urls_resolve_absolute_and_relative_paths() {
        let base = Path::new("/etc/wirefeed");
        assert_eq!(
            source_location("file:///var/spool/ap", base),
            Ok(SourceLocation::File(PathBuf::from("/var/spool/ap")))
        );
        assert_eq!(
            source_location("file:spool/ap.xml", base),
            Ok(SourceLocation::File(PathBuf::from(
                "/etc/wirefeed/spool/ap.xml"
            )))
        );
    }

    #[test]
    fn feed_urls_must_be_http_https_or_file() {
        let base = Path::new("/etc/wirefeed");
        assert!(matches!(
            source_location("https://agency.example/world.rss", base),
            Ok(SourceLocation::Http(_))
        ));
        assert!(
            source_location("ftp://agency.example/world.rss", base)
                .unwrap_err()
                .contains("ftp:")
        );
        assert!(source_location("agency.example/world.rss", base).is_err());
    }

    #[test]
    fn a_password_in_a_feed_url_is_refused_without_being_quoted() {
        let base = Path::new("/etc/wirefeed");
        let error =
            source_location("https://newsroom:hunter2@agency.example/world.rss", base).unwrap_err();
        assert!(error.contains("auth"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[test]
    fn slugs_and_ids() {
        assert!(is_slug("arts-culture"));
        assert!(!is_slug("Arts"));
        assert!(!is_slug("arts_culture"));
        assert!(is_feed_id("ap_world-2"));
        assert!(!is_feed_id("AP World"));
    }
}
