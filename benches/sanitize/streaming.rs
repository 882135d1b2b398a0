//! A candidate streaming sanitizer on lol_html, with the allowlist of
//! wirefeed's ammonia builder (`src/normalize/sanitize.rs`).
//!
//! Bench-only: it exists to measure whether a streaming rewriter could
//! replace ammonia, not to be used by the pipeline. The allowlist is the
//! library's own (`wirefeed::normalize`), so both sanitize to the same list.
//!
//! lol_html never builds a tree, so three things ammonia gets from html5ever
//! for free are done by hand here: text of raw-text elements (`<title>`,
//! `<xmp>`, …) is escaped before its element is unwrapped, otherwise its
//! markup-looking text would become real markup; attribute values are
//! entity-decoded before their URL scheme is checked; doctypes and comments
//! are dropped explicitly.

use lol_html::html_content::{ContentType, Element, TextChunk, TextType};
use lol_html::{RewriteStrSettings, doc_comments, doc_text, doctype, element, rewrite_str};
use url::Url;
use wirefeed::normalize::{
    ALLOWED_TAGS, GENERIC_ATTRIBUTES, REMOVED_WITH_CONTENT, TAG_ATTRIBUTES, URL_SCHEMES,
};

/// Attributes holding a URL: checked for scheme and made absolute.
const URL_ATTRIBUTES: &[&str] = &["href", "src", "cite"];

/// The attributes `tag` may keep besides the generic ones.
fn tag_attributes(tag: &str) -> &'static [&'static str] {
    TAG_ATTRIBUTES
        .iter()
        .find(|(name, _)| *name == tag)
        .map_or(&[], |(_, attributes)| attributes)
}

/// Sanitize `html` like `wirefeed::normalize::sanitize_html`, in one
/// streaming pass. A rewriting error (lol_html gives up on input it cannot
/// tokenize unambiguously) yields an empty body: failing closed.
pub fn sanitize_streaming(html: &str, base: Option<&Url>) -> String {
    let settings = RewriteStrSettings::new()
        // Non-strict: ambiguous markup (text type unknowable without a tree)
        // is rewritten on the best guess instead of aborting the whole body.
        .with_strict(false)
        .with_enable_esi_tags(false)
        .append_element_content_handler(element!("*", |el| {
            clean_element(el, base);
            Ok(())
        }))
        .append_document_content_handler(doctype!(|d| {
            d.remove();
            Ok(())
        }))
        .append_document_content_handler(doc_comments!(|c| {
            c.remove();
            Ok(())
        }))
        .append_document_content_handler(doc_text!(|t| {
            escape_raw_text(t);
            Ok(())
        }));
    rewrite_str(html, settings).unwrap_or_default()
}

fn clean_element(el: &mut Element<'_, '_>, base: Option<&Url>) {
    let tag = el.tag_name();
    if REMOVED_WITH_CONTENT.contains(&tag.as_str()) {
        el.remove();
        return;
    }
    if !ALLOWED_TAGS.contains(&tag.as_str()) {
        el.remove_and_keep_content();
        return;
    }
    let allowed = tag_attributes(&tag);
    let mut drop = Vec::new();
    let mut rewrite = Vec::new();
    for attribute in el.attributes() {
        let name = attribute.name();
        if !allowed.contains(&name.as_str()) && !GENERIC_ATTRIBUTES.contains(&name.as_str()) {
            drop.push(name);
        } else if URL_ATTRIBUTES.contains(&name.as_str()) {
            match checked_url(&decode_entities(&attribute.value()), base) {
                Some(url) => rewrite.push((name, url)),
                None => drop.push(name),
            }
        }
    }
    for name in drop {
        el.remove_attribute(&name);
    }
    for (name, url) in rewrite {
        // Names came from the element itself, so they are valid.
        let _ = el.set_attribute(&name, &url);
    }
    if tag == "a" {
        let _ = el.set_attribute("rel", "noopener noreferrer");
    }
}

/// The URL to write back, or `None` when the attribute must go: a scheme
/// outside the allowlist, an unparsable value, or a relative URL without base.
fn checked_url(value: &str, base: Option<&Url>) -> Option<String> {
    let url = match Url::parse(value) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(value).ok()?,
        Err(_) => return None,
    };
    URL_SCHEMES
        .contains(&url.scheme())
        .then(|| url.as_str().replace('&', "&amp;"))
}

/// Text of raw-text and RCDATA elements is markup-looking text; once its
/// element is unwrapped it would be parsed as markup, so escape it.
fn escape_raw_text(chunk: &mut TextChunk<'_>) {
    let escaped = match chunk.text_type() {
        TextType::Data | TextType::CDataSection => return,
        // RCDATA decodes entities like normal text, so `&` stays as is.
        TextType::RCData => chunk.as_str().replace('<', "&lt;").replace('>', "&gt;"),
        TextType::RawText | TextType::ScriptData | TextType::PlainText => chunk
            .as_str()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;"),
    };
    if escaped != chunk.as_str() {
        chunk.replace(&escaped, ContentType::Html);
    }
}

/// Decode the character references an attribute value may hide a scheme
/// behind (`&#106;avascript:`, `java&Tab;script:`). Other named references
/// stay as they are: none of them decodes to an ASCII letter, so none can
/// spell a scheme.
fn decode_entities(raw: &str) -> String {
    if !raw.contains('&') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match decode_reference(rest) {
            Some((ch, used)) => {
                out.push(ch);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// One reference at the start of `s` (which starts with `&`): the character
/// and how many bytes it spans, semicolon included when present.
fn decode_reference(s: &str) -> Option<(char, usize)> {
    let body = &s[1..];
    if let Some(num) = body.strip_prefix('#') {
        let (digits, radix, prefix) = match num.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 2),
            None => (num, 10, 1),
        };
        let len = digits
            .find(|c: char| !c.is_digit(radix))
            .unwrap_or(digits.len());
        if len == 0 {
            return None;
        }
        let code = u32::from_str_radix(&digits[..len], radix).ok()?;
        let ch = char::from_u32(code).unwrap_or('\u{FFFD}');
        let semicolon = usize::from(digits[len..].starts_with(';'));
        return Some((ch, 1 + prefix + len + semicolon));
    }
    const NAMED: &[(&str, char)] = &[
        ("amp", '&'),
        ("lt", '<'),
        ("gt", '>'),
        ("quot", '"'),
        ("apos", '\''),
        ("colon", ':'),
        ("Tab", '\t'),
        ("NewLine", '\n'),
        ("nbsp", '\u{A0}'),
    ];
    NAMED.iter().find_map(|(name, ch)| {
        let after = body.strip_prefix(name)?;
        let semicolon = usize::from(after.starts_with(';'));
        Some((*ch, 1 + name.len() + semicolon))
    })
}
