//! Escaping for the markup publish writes by hand (credit paragraphs,
//! index.html, feeds.opml), and the characters no XML document may hold.
//! The feed crates escape their own output but pass those characters through.

/// Escapes text for an XML or HTML text node or a quoted attribute value.
pub fn escape_markup(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other if !is_xml_char(other) => {}
            other => escaped.push(other),
        }
    }
    escaped
}

/// Whether XML 1.0 (§2.2, `Char`) allows `character` in a document. C0
/// controls other than tab, LF and CR, U+FFFE and U+FFFF are forbidden even
/// as character references, so text holding them can only drop them.
pub fn is_xml_char(character: char) -> bool {
    !matches!(
        character,
        '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}'
    )
}

/// Drops from a rendered XML document the characters XML 1.0 forbids. They
/// arrive in source text (a backspace from a wire system, a NUL escaped in a
/// JSON Feed) and one of them makes the whole file ill-formed, so every
/// strict reader rejects it; markup never holds them, only text does.
pub fn drop_non_xml_chars(document: Vec<u8>) -> Vec<u8> {
    match String::from_utf8(document) {
        Ok(text) if text.chars().all(is_xml_char) => text.into_bytes(),
        Ok(text) => text
            .chars()
            .filter(|c| is_xml_char(*c))
            .collect::<String>()
            .into_bytes(),
        // The renderers write UTF-8; anything else is left for the reader to judge.
        Err(error) => error.into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped_and_others_kept() {
        assert_eq!(
            escape_markup(r#"<a href="x">Tom & Jerry's</a> غزة"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt; غزة"
        );
    }

    #[test]
    fn characters_xml_forbids_are_dropped_and_the_rest_kept() {
        assert_eq!(
            escape_markup("Mar\u{8}kets\u{0} & \u{FFFF}co"),
            "Markets &amp; co"
        );
        let document = "<t a=\"x\u{1}\">Stocks\u{B} rally\t\r\n\u{C}غزة\u{FFFE}</t>";
        assert_eq!(
            drop_non_xml_chars(document.as_bytes().to_vec()),
            "<t a=\"x\">Stocks rally\t\r\nغزة</t>".as_bytes()
        );
        assert!(is_xml_char('\u{FFFD}') && is_xml_char('\u{1F600}'));
    }
}
