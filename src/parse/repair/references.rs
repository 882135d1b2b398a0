//! Repairs inside character data and attribute values: bare ampersands, HTML named
//! entities XML does not know, and control characters XML 1.0 forbids.
//!
//! Publishers paste HTML into feeds: a headline "Record, replay & measure", a
//! summary with `&nbsp;` or `&eacute;`, a byline with a stray U+0008 from a word
//! processor. XML rejects each; feedparser's loose mode reads them as a browser
//! would, and so do we, but without letting a repair add markup: an entity whose
//! character is `<`, `>`, `&` or a quote (`&LT;`, `&AMP;`) comes out escaped, and
//! `&lt;` and the other four XML entities are kept exactly as written.
//!
//! The HTML5 table is html5ever's (`markup5ever::data::NAMED_ENTITIES`, the WHATWG
//! list of 2,231 names), already a dependency for sanitizing, rather than a hand
//! list that would go stale.

use std::collections::HashSet;

use super::Fixes;

/// The five entities every XML parser knows; kept as written.
const XML_ENTITIES: [&str; 5] = ["amp", "lt", "gt", "quot", "apos"];

/// Longest entity name worth looking up (the longest HTML5 name has 31 letters).
const MAX_NAME: usize = 40;

/// Where a run of text sits, which decides what a mapped character must be escaped as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Context {
    /// Character data between tags.
    Text,
    /// Inside a start tag (attribute values, and whatever else the tag holds).
    Tag,
}

/// Whether XML 1.0 allows `c` in a document (§2.2): every control character but
/// tab, line feed and carriage return is forbidden, and so are U+FFFE and U+FFFF.
pub(super) fn is_forbidden(c: char) -> bool {
    (c < '\u{20}' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// Appends `run` to `out` with forbidden characters dropped (comments, CDATA,
/// processing instructions: nothing in them is a reference).
pub(super) fn push_without_forbidden(out: &mut String, run: &str, fixes: &mut Fixes) {
    for c in run.chars() {
        if is_forbidden(c) {
            fixes.control_characters += 1;
        } else {
            out.push(c);
        }
    }
}

/// Appends `run` (text or a start tag) to `out` with every `&` made a valid
/// reference and forbidden characters dropped. `declared` holds the entity names the
/// document's own DTD declares, which are left for the parser as before.
pub(super) fn push_repaired(
    out: &mut String,
    run: &str,
    context: Context,
    declared: &HashSet<String>,
    fixes: &mut Fixes,
) {
    let mut rest = run;
    while let Some(at) = rest.find(|c: char| c == '&' || is_forbidden(c)) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if !rest.starts_with('&') {
            let forbidden = rest.chars().next().map_or(1, char::len_utf8);
            fixes.control_characters += 1;
            rest = &rest[forbidden..];
            continue;
        }
        let consumed = match reference(rest) {
            Reference::Char { len, allowed: true } | Reference::Named { len, .. }
                if is_kept(rest, len, declared) =>
            {
                out.push_str(&rest[..len]);
                len
            }
            Reference::Char {
                len,
                allowed: false,
            } => {
                // `&#8;` is the same forbidden character written another way.
                fixes.control_characters += 1;
                len
            }
            Reference::Named { len } => {
                match html5ever::data::NAMED_ENTITIES.get(&rest[1..len]) {
                    Some(&(first, second)) => {
                        for code in [first, second] {
                            if let Some(c) = char::from_u32(code).filter(|&c| c != '\0') {
                                push_escaped(out, c, context);
                            }
                        }
                        fixes.html_entities += 1;
                        len
                    }
                    None => {
                        // Neither XML's, the document's nor HTML's: the `&` was text.
                        out.push_str("&amp;");
                        fixes.bare_ampersands += 1;
                        1
                    }
                }
            }
            Reference::Char { .. } | Reference::None => {
                out.push_str("&amp;");
                fixes.bare_ampersands += 1;
                1
            }
        };
        rest = &rest[consumed..];
    }
    out.push_str(rest);
}

/// What an `&` starts.
enum Reference {
    /// `&#…;` or `&#x…;`, `len` bytes long, naming a character XML allows or not.
    Char { len: usize, allowed: bool },
    /// `&name;`, `len` bytes long.
    Named { len: usize },
    /// Nothing a parser would take for a reference: a bare ampersand.
    None,
}

/// Reads the reference `text` (which starts with `&`) begins, if any.
fn reference(text: &str) -> Reference {
    let body = &text[1..];
    if let Some(number) = body.strip_prefix('#') {
        let (digits, radix, prefix) = match number.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 2),
            None => (number, 10, 1),
        };
        let end = digits
            .find(|c: char| !c.is_digit(radix))
            .unwrap_or(digits.len());
        if end == 0 || !digits[end..].starts_with(';') {
            return Reference::None;
        }
        let allowed = u32::from_str_radix(&digits[..end], radix)
            .ok()
            .and_then(char::from_u32)
            .is_some_and(|c| c != '\0' && !is_forbidden(c));
        return Reference::Char {
            len: 1 + prefix + end + 1,
            allowed,
        };
    }
    let end = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')))
        .unwrap_or(body.len());
    let name = &body[..end];
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':');
    if !starts_well || end > MAX_NAME || !body[end..].starts_with(';') {
        return Reference::None;
    }
    Reference::Named { len: 1 + end + 1 }
}

/// Whether the reference of `len` bytes at the start of `text` stays as written: a
/// character reference XML allows, one of XML's five entities, or one the document
/// declares itself.
fn is_kept(text: &str, len: usize, declared: &HashSet<String>) -> bool {
    let name = &text[1..len - 1];
    name.starts_with('#') || XML_ENTITIES.contains(&name) || declared.contains(name)
}

/// Appends a character an HTML entity stood for, escaped where it would otherwise be
/// markup, so that mapping an entity never opens a tag, a reference or an attribute.
fn push_escaped(out: &mut String, c: char, context: Context) {
    match (c, context) {
        ('<', _) => out.push_str("&lt;"),
        ('>', _) => out.push_str("&gt;"),
        ('&', _) => out.push_str("&amp;"),
        ('"', Context::Tag) => out.push_str("&quot;"),
        ('\'', Context::Tag) => out.push_str("&apos;"),
        _ => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repaired(run: &str, context: Context) -> (String, Fixes) {
        let mut out = String::new();
        let mut fixes = Fixes::default();
        let declared = HashSet::from(["custom".to_string()]);
        push_repaired(&mut out, run, context, &declared, &mut fixes);
        (out, fixes)
    }

    #[test]
    fn a_bare_ampersand_in_a_headline_is_escaped() {
        let (out, fixes) = repaired("Record, replay & measure", Context::Text);
        assert_eq!(out, "Record, replay &amp; measure");
        assert_eq!(fixes.bare_ampersands, 1);
    }

    #[test]
    fn an_ampersand_in_a_link_query_is_escaped_but_valid_references_are_kept() {
        let (out, fixes) = repaired("?a=1&b=2&amp;c=3&#38;d&#x26;e", Context::Text);
        assert_eq!(out, "?a=1&amp;b=2&amp;c=3&#38;d&#x26;e");
        assert_eq!(fixes.bare_ampersands, 1);
    }

    #[test]
    fn html_named_entities_become_their_characters() {
        let (out, fixes) = repaired("caf&eacute;&nbsp;&mdash; &hellip;", Context::Text);
        assert_eq!(out, "caf\u{e9}\u{a0}\u{2014} \u{2026}");
        assert_eq!(fixes.html_entities, 4);
    }

    #[test]
    fn an_entity_that_stands_for_markup_stays_escaped() {
        let (out, fixes) = repaired("&LT;script&GT; &AMP;amp; &lt;b&gt;", Context::Text);
        assert_eq!(out, "&lt;script&gt; &amp;amp; &lt;b&gt;");
        assert_eq!(fixes.html_entities, 3);
        let (out, _) = repaired("title=\"a &QUOT; b\"", Context::Tag);
        assert_eq!(out, "title=\"a &quot; b\"");
    }

    #[test]
    fn an_unknown_entity_name_is_read_as_text() {
        let (out, fixes) = repaired("&notanentity; &custom;", Context::Text);
        assert_eq!(out, "&amp;notanentity; &custom;");
        assert_eq!(fixes.bare_ampersands, 1);
    }

    #[test]
    fn control_characters_xml_forbids_are_dropped_however_written() {
        let (out, fixes) = repaired("a\u{8}b\u{1c}c&#8;d&#x1C;e\tf\u{FFFE}", Context::Text);
        assert_eq!(out, "abcde\tf");
        assert_eq!(fixes.control_characters, 5);
    }
}
