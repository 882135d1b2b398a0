//! URLs as they may be shown: in errors, logs, `wirefeed status` and the
//! stored `last_error`, a user name and password in a URL are replaced, so a
//! credential that reached a URL (an editor's paste, a redirect's
//! `Location`) is never written anywhere.

use url::Url;

/// `url` with any user name and password replaced by `***`.
pub fn redacted(url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut shown = url.clone();
    // Only URLs that cannot carry credentials refuse these; they have none to hide.
    let _ = shown.set_username("***");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// A URL as written (a feed's `url`), redacted when it parses as one.
pub fn redacted_text(text: &str) -> String {
    match Url::parse(text) {
        Ok(url) if !url.username().is_empty() || url.password().is_some() => redacted(&url),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_name_and_password_are_replaced() {
        let url = Url::parse("https://newsroom:hunter2@agency.example/world.rss").expect("url");
        assert_eq!(redacted(&url), "https://***@agency.example/world.rss");
        assert_eq!(
            redacted_text("https://token@agency.example/"),
            "https://***@agency.example/"
        );
    }

    #[test]
    fn urls_without_credentials_are_shown_as_they_are() {
        assert_eq!(
            redacted_text("https://agency.example/world.rss?page=2"),
            "https://agency.example/world.rss?page=2"
        );
        assert_eq!(redacted_text("file:spool/ap"), "file:spool/ap");
    }
}
