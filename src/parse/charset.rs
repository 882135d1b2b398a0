//! Character sets: turns a document's raw bytes into UTF-8 text that feed-rs reads consistently.
//!
//! feed-rs (through quick-xml) decodes by the XML prolog alone, panics on UTF-16BE and rejects
//! a body whose declared encoding is wrong. So we decode everything ourselves:
//!
//! 1. a byte order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) decides;
//! 2. else the byte layout of a BOM-less UTF-16/32 document (XML 1.0 appendix F) decides;
//! 3. else valid UTF-8 holding non-ASCII characters is UTF-8, whatever single-byte charset
//!    is declared (a blanket `charset=iso-8859-1` header on a UTF-8 feed is common; Latin-1
//!    text forming valid multi-byte UTF-8 by accident is not);
//! 4. else, like feedparser, the first of these that decodes the body without an invalid
//!    byte: the HTTP `Content-Type` charset, the XML prolog's `encoding`, UTF-8;
//! 5. else UTF-8 with the broken sequences replaced by U+FFFD when most non-ASCII characters
//!    are valid UTF-8 (a stray byte must not garble a whole Arabic feed), and windows-1252
//!    (which decodes anything, and is what "ISO-8859-1" servers really send) otherwise.
//!
//! Whenever the body is not read as it declared itself, [`Decoded::mismatch`] says why, so
//! that `parse` can warn about the feed.
//!
//! A declared charset is skipped when it cannot be true: an unknown label, or UTF-16 declared
//! on a body whose first bytes are plain ASCII. So a UTF-8 body declaring `utf-16`, or a
//! Latin-1 body behind a server's blanket `charset=utf-8`, still reads right.
//!
//! The result has no BOM and its prolog no longer declares an encoding, so feed-rs reads it
//! as the UTF-8 it now is.

use std::sync::LazyLock;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};
use regex::Regex;

/// How many leading bytes may hold the XML declaration; real prologs are far shorter.
const PROLOG_WINDOW: usize = 1024;

/// A character set a body may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    /// Anything encoding_rs knows (every WHATWG encoding).
    Whatwg(&'static Encoding),
    /// UTF-32, which the WHATWG standard (and so encoding_rs) leaves out.
    Utf32 { big_endian: bool },
}

/// A body decoded to UTF-8, and what did not add up on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Decoded {
    /// UTF-8 text ready for feed-rs: no BOM, no `encoding=` in the prolog.
    pub text: String,
    /// Why the body was not read as it declared itself, for a warning;
    /// `None` when it was (or declared nothing and is clean UTF-8).
    pub mismatch: Option<String>,
}

/// Decodes `body` to UTF-8 text ready for feed-rs: no BOM, no `encoding=` in the prolog.
pub(super) fn decode_to_utf8(body: &[u8], content_type: Option<&str>) -> Decoded {
    let (text, mismatch) = if let Some((charset, bom_len)) = byte_order_mark(body) {
        (decode(&body[bom_len..], charset).0, None)
    } else if let Some(charset) = bomless_wide_layout(body) {
        (decode(body, charset).0, None)
    } else {
        decode_first_fitting(body, content_type)
    };
    Decoded {
        text: without_declared_encoding(text),
        mismatch,
    }
}

/// Decodes an ASCII-compatible body with the first candidate charset that fits it, and
/// says why when that is not the charset it declared first.
fn decode_first_fitting(body: &[u8], content_type: Option<&str>) -> (String, Option<String>) {
    let declared: Vec<&'static Encoding> = content_type
        .and_then(charset_from_content_type)
        .into_iter()
        .chain(prolog_encoding(body))
        .filter_map(|label| match Encoding::for_label(label.as_bytes()) {
            // A wide encoding declared on a body we just read as ASCII is a publisher's mistake.
            Some(encoding) if encoding.is_ascii_compatible() => Some(encoding),
            Some(_) => {
                tracing::debug!(charset = %label, "ignoring a wide charset declared on an ASCII-compatible body");
                None
            }
            None => {
                tracing::debug!(charset = %label, "ignoring an unknown charset");
                None
            }
        })
        .collect();
    let first = declared.first().copied();
    let differs = |encoding: &'static Encoding| {
        (first.is_some_and(|first| first != encoding)).then(|| {
            format!(
                "declared charset {} does not fit the bytes; read as {}",
                first.map_or("", |e| e.name()),
                encoding.name()
            )
        })
    };

    // Legacy text almost never forms valid multi-byte UTF-8 by accident, while blanket
    // `charset=iso-8859-1` headers on UTF-8 feeds are common: valid UTF-8 with non-ASCII
    // characters is UTF-8, unless a multi-byte legacy charset (Shift_JIS, GBK ...) is
    // declared, whose bytes can also be valid UTF-8.
    let legacy_multibyte_declared = first.is_some_and(|e| e != UTF_8 && !e.is_single_byte());
    if !legacy_multibyte_declared
        && !body.is_ascii()
        && let Ok(text) = std::str::from_utf8(body)
    {
        return (text.to_owned(), differs(UTF_8));
    }
    for encoding in declared.iter().copied().chain([UTF_8]) {
        let (text, had_errors) = decode(body, Charset::Whatwg(encoding));
        if !had_errors {
            return (text, differs(encoding));
        }
        tracing::debug!(
            charset = encoding.name(),
            "charset does not fit the body; trying the next"
        );
    }
    let declared_name = first.map_or("no charset", |e| e.name());
    if mostly_utf8(body) {
        let text = String::from_utf8_lossy(body).into_owned();
        let why = format!("invalid UTF-8 bytes (declared {declared_name}) replaced with U+FFFD");
        return (text, Some(why));
    }
    let why = format!(
        "the bytes are neither UTF-8 nor the declared {declared_name}; read as windows-1252"
    );
    (decode(body, Charset::Whatwg(WINDOWS_1252)).0, Some(why))
}

/// Whether a body that is not valid UTF-8 is still UTF-8 with a few broken
/// sequences (a truncated character, a stray byte pasted in) rather than a
/// legacy charset: it holds more valid multi-byte characters than invalid
/// sequences. Reading such a body as windows-1252 would garble every
/// non-ASCII character in it to save a few.
fn mostly_utf8(body: &[u8]) -> bool {
    let (mut multibyte, mut invalid) = (0usize, 0usize);
    for chunk in body.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        invalid += usize::from(!chunk.invalid().is_empty());
    }
    multibyte > invalid
}

/// Decodes `payload` (past any BOM); `true` when invalid bytes were replaced.
fn decode(payload: &[u8], charset: Charset) -> (String, bool) {
    match charset {
        Charset::Whatwg(encoding) => {
            let (text, had_errors) = encoding.decode_without_bom_handling(payload);
            (text.into_owned(), had_errors)
        }
        Charset::Utf32 { big_endian } => decode_utf32(payload, big_endian),
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

fn decode_utf32(payload: &[u8], big_endian: bool) -> (String, bool) {
    let mut had_errors = false;
    let text = payload
        .chunks(4)
        .map(|unit| {
            let code = <[u8; 4]>::try_from(unit).ok().map(|bytes| {
                if big_endian {
                    u32::from_be_bytes(bytes)
                } else {
                    u32::from_le_bytes(bytes)
                }
            });
            code.and_then(char::from_u32).unwrap_or_else(|| {
                had_errors = true;
                char::REPLACEMENT_CHARACTER
            })
        })
        .collect();
    (text, had_errors)
}

/// Drops leading whitespace and every XML declaration's `encoding=`, which no longer
/// describes the text.
///
/// A declaration after whitespace is an XML error quick-xml reports, yet feeds are served so.
/// A second declaration further in (pasted content) makes quick-xml switch encodings
/// mid-stream and panic, so those lose their `encoding=` too.
fn without_declared_encoding(text: String) -> String {
    static DECLARED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(<\?xml\s[^>]*?)\s+encoding\s*=\s*(?:"[^"]*"|'[^']*')"#)
            .expect("static regex is valid")
    });
    let trimmed = text.trim_start();
    if !trimmed.starts_with('<') {
        // JSON (or not a feed at all): nothing here is an XML declaration.
        return text;
    }
    let trimmed = if trimmed.starts_with("<?xml") {
        trimmed
    } else {
        text.as_str()
    };
    DECLARED.replace_all(trimmed, "$1").into_owned()
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
    fn json_text_is_left_untouched() {
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"<?xml version='1.0' encoding='x'?>"}"#;
        assert_eq!(without_declared_encoding(json.to_string()), json);
    }

    #[test]
    fn a_second_declaration_loses_its_encoding_too() {
        let text = "<?xml version=\"1.0\"?><rss><?xml version=\"1.0\" encoding=\"cp1252\"?></rss>";
        assert_eq!(
            without_declared_encoding(text.to_string()),
            "<?xml version=\"1.0\"?><rss><?xml version=\"1.0\"?></rss>"
        );
    }

    #[test]
    fn latin1_prolog_decodes_accented_letters() {
        let body = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>caf\xE9</t>";
        assert_eq!(
            decode_to_utf8(body, None).text,
            "<?xml version=\"1.0\"?><t>caf\u{e9}</t>"
        );
    }

    #[test]
    fn http_charset_overrides_prolog_encoding() {
        let body = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>\xE9</t>";
        let text = decode_to_utf8(body, Some("text/xml; charset=windows-1252")).text;
        assert!(text.ends_with("<t>\u{e9}</t>"), "{text}");
    }

    #[test]
    fn utf16_declared_on_utf8_body_reads_as_utf8() {
        let body = "<?xml version=\"1.0\" encoding=\"utf-16\"?><t>\u{e9}</t>".as_bytes();
        assert_eq!(
            decode_to_utf8(body, None).text,
            "<?xml version=\"1.0\"?><t>\u{e9}</t>"
        );
    }

    #[test]
    fn latin1_body_behind_a_blanket_utf8_header_follows_the_prolog() {
        let body = b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><t>caf\xE9</t>";
        let text = decode_to_utf8(body, Some("application/xml; charset=utf-8")).text;
        assert!(text.ends_with("<t>caf\u{e9}</t>"), "{text}");
    }

    #[test]
    fn multibyte_charset_that_does_not_fit_falls_back_to_utf8() {
        // UTF-8 "ā" is C4 81; 81 is no Big5 trail byte, so Big5 cannot be the body's charset.
        let body = "<?xml version=\"1.0\" encoding=\"big5\"?><t>\u{101}</t>".as_bytes();
        assert_eq!(
            decode_to_utf8(body, None).text,
            "<?xml version=\"1.0\"?><t>\u{101}</t>"
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
        assert_eq!(decode_to_utf8(&le, None).text, text);
        assert_eq!(decode_to_utf8(&be_bom, None).text, text);
    }

    #[test]
    fn utf8_body_behind_a_latin1_header_reads_as_utf8_and_says_so() {
        let body = "<?xml version=\"1.0\"?><t>caf\u{e9} \u{63a}\u{632}\u{629}</t>".as_bytes();
        let decoded = decode_to_utf8(body, Some("text/xml; charset=iso-8859-1"));
        assert!(
            decoded
                .text
                .ends_with("<t>caf\u{e9} \u{63a}\u{632}\u{629}</t>"),
            "{decoded:?}"
        );
        let why = decoded.mismatch.expect("the header was overruled");
        assert!(
            why.contains("windows-1252") && why.contains("UTF-8"),
            "{why}"
        );
    }

    #[test]
    fn a_stray_byte_in_utf8_is_replaced_and_the_rest_kept() {
        let mut body = "<t>\u{63a}\u{632}\u{629} caf\u{e9} ".as_bytes().to_vec();
        body.extend_from_slice(b"\xFF end</t>");
        let decoded = decode_to_utf8(&body, Some("text/xml; charset=utf-8"));
        assert_eq!(
            decoded.text,
            "<t>\u{63a}\u{632}\u{629} caf\u{e9} \u{FFFD} end</t>"
        );
        assert!(
            decoded
                .mismatch
                .is_some_and(|why| why.contains("invalid UTF-8"))
        );
    }

    #[test]
    fn a_body_read_as_declared_has_no_mismatch() {
        let body = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>caf\xE9</t>";
        assert_eq!(decode_to_utf8(body, None).mismatch, None);
        assert_eq!(
            decode_to_utf8("<t>\u{e9}</t>".as_bytes(), None).mismatch,
            None
        );
    }

    #[test]
    fn undeclared_invalid_utf8_falls_back_to_windows_1252() {
        assert_eq!(
            decode_to_utf8(b"<t>\x93hi\x94</t>", None).text,
            "<t>\u{201c}hi\u{201d}</t>"
        );
    }
}
