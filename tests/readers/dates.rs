//! The two date formats feeds use, parsed strictly.

/// RFC 3339 with the upper-case `T` and `Z` RFC 4287 §3.3 requires.
pub fn is_rfc3339(text: &str) -> bool {
    text.as_bytes().get(10) == Some(&b'T')
        && !text.contains('z')
        && chrono::DateTime::parse_from_rfc3339(text).is_ok()
}

/// RFC 822 (as updated by RFC 2822), the date format of RSS 2.0.
pub fn is_rfc822(text: &str) -> bool {
    chrono::DateTime::parse_from_rfc2822(text).is_ok()
}
