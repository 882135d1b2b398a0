//! Character sets: turns a document's raw bytes into UTF-8 text that feed-rs reads consistently.
//!
//! feed-rs (through quick-xml) decodes by the XML prolog alone, panics on UTF-16BE and rejects
//! a body whose declared encoding is wrong. So we decode everything ourselves, in the order
//! publishers' mistakes make most robust:
//!
//! 1. a byte order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE);
//! 2. the byte layout of a BOM-less UTF-16/32 document (XML 1.0 appendix F);
//! 3. the HTTP `Content-Type` charset;
//! 4. the XML prolog's `encoding`;
//! 5. UTF-8, or windows-1252 when the body is not valid UTF-8.
//!
//! A declared charset is skipped when it cannot be true: an unknown label, or UTF-16 declared
//! on a body whose first bytes are plain ASCII. When decoding with a declared charset hits
//! invalid bytes but the body is valid UTF-8, the body is read as UTF-8.
//!
//! The result has no BOM and its prolog no longer declares an encoding, so feed-rs reads it
//! as the UTF-8 it now is.

use std::sync::LazyLock;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};
use regex::Regex;

/// How many leading bytes may hold the XML declaration; real prologs are far shorter.
const PROLOG_WINDOW: usize = 1024;

/// The character set chosen for a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    /// Anything encoding_rs knows (every WHATWG encoding).
    Whatwg(&'static Encoding),
    /// UTF-32, which the WHATWG standard (and so encoding_rs) leaves out.
    Utf32 { big_endian: bool },
}

/// Decodes `body` to UTF-8 text ready for feed-rs: no BOM, no `encoding=` in the prolog.
pub(super) fn decode_to_utf8(body: &[u8], content_type: Option<&str>) -> String {
    let (charset, start) = choose_charset(body, content_type);
    let payload = &body[start..];
    let text = match charset {
        Charset::Whatwg(encoding) => decode_whatwg(payload, encoding),
        Charset::Utf32 { big_endian } => decode_utf32(payload, big_endian),
    };
    without_declared_encoding(text)
}

/// Picks the charset and the offset where the text starts (past any BOM).
fn choose_charset(body: &[u8], content_type: Option<&str>) -> (Charset, usize) {
    if let Some(found) = byte_order_mark(body) {
        return found;
    }
    if let Some(charset) = bomless_wide_layout(body) {
        return (charset, 0);
    }
    let declared = content_type
        .and_then(charset_from_content_type)
        .into_iter()
        .chain(prolog_encoding(body));
    for label in declared {
        match Encoding::for_label(label.as_bytes()) {
            // A wide encoding declared on a body we just read as ASCII is a publisher's mistake.
            Some(encoding) if encoding.is_ascii_compatible() => {
                return (Charset::Whatwg(encoding), 0);
            }
            Some(_) => {
                tracing::debug!(charset = %label, "ignoring a wide charset declared on an ASCII-compatible body")
            }
            None => tracing::debug!(charset = %label, "ignoring an unknown charset"),
        }
    }
    if std::str::from_utf8(body).is_ok() {
        (Charset::Whatwg(UTF_8), 0)
    } else {
        (Charset::Whatwg(WINDOWS_1252), 0)
    }
}

fn byte_order_mark(body: &[u8]) -> Option<(Charset, usize)> {
    // UTF-32LE's mark starts with UTF-16LE's, so the longer marks are tried first.
    match body {
        [0x00, 0x00, 0xFE, 0xFF, ..] => Some((Charset::Utf32 { big_endian: true }, 4)),
        [0xFF, 0xFE, 0x00, 0x00, ..] => Some((Charset::Utf32 { big_endian: false }, 4)),
        [0xEF, 0xBB, 0xBF, ..] => Some((Charset::Whatwg(UTF_8), 3)),
        [0xFE, 0xFF, ..] => Some((Charset::Whatwg(UTF_16BE), 2)),
        [0xFF, 0xFE, ..] => Some((Charset::Whatwg(UTF_16LE), 2)),
        _ => None,
    }
}

/// Recognises `<` (or `<?`) in a BOM-less UTF-16 or UTF-32 document.
fn bomless_wide_layout(body: &[u8]) -> Option<Charset> {
    match body {
        [0x00, 0x00, 0x00, 0x3C, ..] => Some(Charset::Utf32 { big_endian: true }),
        [0x3C, 0x00, 0x00, 0x00, ..] => Some(Charset::Utf32 { big_endian: false }),
        [0x00, 0x3C, 0x00, 0x3F, ..] => Some(Charset::Whatwg(UTF_16BE)),
        [0x3C, 0x00, 0x3F, 0x00, ..] => Some(Charset::Whatwg(UTF_16LE)),
        _ => None,
    }
}

/// The `charset` parameter of a Content-Type header, without quotes.
fn charset_from_content_type(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        (!value.is_empty()).then(|| value.to_string())
    })
}

/// The `encoding` of an XML declaration read as ASCII.
fn prolog_encoding(body: &[u8]) -> Option<String> {
    static ENCODING: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
        regex::bytes::Regex::new(r#"^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:\-]+)["']"#)
            .expect("static regex is valid")
    });
    let window = &body[..body.len().min(PROLOG_WINDOW)];
    let label = ENCODING.captures(window)?.get(1)?;
    Some(String::from_utf8_lossy(label.as_bytes()).into_owned())
}

fn decode_whatwg(payload: &[u8], encoding: &'static Encoding) -> String {
    let (text, had_errors) = encoding.decode_without_bom_handling(payload);
    if had_errors && encoding != UTF_8 {
        if let Ok(utf8) = std::str::from_utf8(payload) {
            tracing::debug!(
                charset = encoding.name(),
                "declared charset does not fit; the body is valid UTF-8"
            );
            return utf8.to_string();
        }
    }
    if had_errors {
        tracing::debug!(
            charset = encoding.name(),
            "invalid bytes replaced while decoding"
        );
    }
    text.into_owned()
}

fn decode_utf32(payload: &[u8], big_endian: bool) -> String {
    payload
        .chunks(4)
        .map(|unit| {
            let code = match <[u8; 4]>::try_from(unit) {
                Ok(bytes) if big_endian => u32::from_be_bytes(bytes),
                Ok(bytes) => u32::from_le_bytes(bytes),
                Err(_) => u32::from(char::REPLACEMENT_CHARACTER),
            };
            char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
        })
        .collect()
}

/// Drops leading whitespace and the prolog's `encoding=`, which no longer describes the text.
///
/// A declaration after whitespace is an XML error quick-xml reports, yet feeds are served so.
fn without_declared_encoding(text: String) -> String {
    static DECLARED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^\s*(<\?xml[^>]*?)\s+encoding\s*=\s*(?:"[^"]*"|'[^']*')"#)
            .expect("static regex is valid")
    });
    let trimmed = text.trim_start();
    if !trimmed.starts_with("<?xml") {
        return text;
    }
    DECLARED.replace(trimmed, "$1").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_charset_is_read_with_quotes_and_spaces() {
        assert_eq!(
            charset_from_content_type(r#"text/xml;charset= "us-ascii""#).as_deref(),
            Some("us-ascii")
        );
        assert_eq!(
            charset_from_content_type("application/rss+xml; charset='ISO-8859-1'").as_deref(),
            Some("ISO-8859-1")
        );
    }

    #[test]
    fn content_type_without_charset_parameter_gives_none() {
        assert_eq!(
            charset_from_content_type("text/xml; charset:iso-8859-1"),
            None
        );
        assert_eq!(charset_from_content_type("text/xml; qs=0.9"), None);
    }

    #[test]
    fn prolog_encoding_is_removed_and_leading_whitespace_dropped() {
        let text = "  \n<?xml version=\"1.0\" encoding='iso-8859-1' standalone=\"yes\"?><rss/>";
        assert_eq!(
            without_declared_encoding(text.to_string()),
            "<?xml version=\"1.0\" standalone=\"yes\"?><rss/>"
        );
    }

    #[test]
    fn latin1_prolog_decodes_accented_letters() {
        let body = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>caf\xE9</t>";
        assert_eq!(
            decode_to_utf8(body, None),
            "<?xml version=\"1.0\"?><t>caf\u{e9}</t>"
        );
    }

    #[test]
    fn http_charset_overrides_prolog_encoding() {
        let body = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>\xE9</t>";
        let text = decode_to_utf8(body, Some("text/xml; charset=windows-1252"));
        assert!(text.ends_with("<t>\u{e9}</t>"), "{text}");
    }

    #[test]
    fn utf16_declared_on_utf8_body_reads_as_utf8() {
        let body = "<?xml version=\"1.0\" encoding=\"utf-16\"?><t>\u{e9}</t>".as_bytes();
        assert_eq!(
            decode_to_utf8(body, None),
            "<?xml version=\"1.0\"?><t>\u{e9}</t>"
        );
    }

    #[test]
    fn utf32_with_and_without_bom_decodes() {
        let text = "<?xml version=\"1.0\"?><t>\u{e9}</t>";
        let le: Vec<u8> = text
            .chars()
            .flat_map(|c| u32::from(c).to_le_bytes())
            .collect();
        let mut be_bom = vec![0x00, 0x00, 0xFE, 0xFF];
        be_bom.extend(text.chars().flat_map(|c| u32::from(c).to_be_bytes()));
        assert_eq!(decode_to_utf8(&le, None), text);
        assert_eq!(decode_to_utf8(&be_bom, None), text);
    }

    #[test]
    fn undeclared_invalid_utf8_falls_back_to_windows_1252() {
        assert_eq!(
            decode_to_utf8(b"<t>\x93hi\x94</t>", None),
            "<t>\u{201c}hi\u{201d}</t>"
        );
    }
}
