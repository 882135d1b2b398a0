//! Entity declarations in a document's DTD: the door to XXE and entity bombs.
//!
//! quick-xml (under feed-rs) never expands entities a document declares; it
//! leaves `&name;` in the text as written. So neither an external entity
//! (`SYSTEM "file:///etc/passwd"`) nor a billion-laughs bomb can do harm in
//! the parser. A feed that declares one is still hostile or broken beyond
//! use, and publishing its unexpanded `&lol9;` helps no reader, so the
//! document is refused with a reason an operator can act on. Plain internal
//! entities (`<!ENTITY nbsp "&#160;">`), which some CMSs declare, are let
//! through as before.

use std::sync::LazyLock;

use quick_xml::events::Event;
use regex::Regex;

/// Why the DTD of `text` makes the document hostile, if it does: an external
/// entity, a parameter entity, or an entity built from other entities.
pub(super) fn hostile_declaration(text: &str) -> Option<String> {
    static ENTITY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"<!ENTITY\s+(%\s*)?([^\s"']+)\s+(?:(SYSTEM|PUBLIC)\b|"([^"]*)"|'([^']*)')"#)
            .expect("static regex is valid")
    });
    if !text.contains("<!ENTITY") {
        return None;
    }
    let doctype = doctype(text)?;
    ENTITY.captures_iter(&doctype).find_map(|found| {
        let name = found.get(2).map_or("", |m| m.as_str());
        if found.get(3).is_some() {
            return Some(format!(
                "the DTD declares the external entity `{name}` (an XXE attempt); \
                 wirefeed never reads what entities point to"
            ));
        }
        if found.get(1).is_some() {
            return Some(format!("the DTD declares the parameter entity `{name}`"));
        }
        let value = found.get(4).or(found.get(5)).map_or("", |m| m.as_str());
        refers_to_entities(value).then(|| {
            format!(
                "the DTD declares the entity `{name}` built from other entities \
                 (an entity expansion bomb)"
            )
        })
    })
}

/// The content of the document's `<!DOCTYPE>`, read by quick-xml so that a
/// `]` or `>` quoted inside an entity value cannot end it early. Only the
/// prolog is read: declarations cannot come after the root element. A prolog
/// quick-xml cannot read is left to feed-rs to reject.
fn doctype(text: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(Event::DocType(doctype)) => {
                return Some(doctype[..].to_owned());
            }
            Ok(Event::Start(_) | Event::Empty(_) | Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// Whether an entity value refers to another entity (`&name;` or `%name;`);
/// character references (`&#160;`) do not count.
fn refers_to_entities(value: &str) -> bool {
    static REFERENCE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[&%][A-Za-z_:][^\s;]*;").expect("static regex is valid"));
    REFERENCE.is_match(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_entities_are_hostile_whatever_they_point_to() {
        let text = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><rss/>";
        let reason = hostile_declaration(text).expect("hostile");
        assert!(reason.contains("external entity `xxe`"), "{reason}");
        let public = "<!DOCTYPE rss [<!ENTITY x PUBLIC \"-//x\" \"http://evil.example/x\">]><rss/>";
        assert!(hostile_declaration(public).is_some());
    }

    #[test]
    fn nested_and_parameter_entities_are_hostile() {
        let bomb = "<!DOCTYPE rss [<!ENTITY a \"lol\"><!ENTITY b '&a;&a;'>]><rss/>";
        assert!(
            hostile_declaration(bomb)
                .expect("hostile")
                .contains("entity `b` built from other entities")
        );
        let parameter = "<!DOCTYPE rss [<!ENTITY % p \"x\">]><rss/>";
        assert!(
            hostile_declaration(parameter)
                .expect("hostile")
                .contains("parameter")
        );
    }

    #[test]
    fn plain_entities_and_public_doctypes_are_let_through() {
        let plain = "<!DOCTYPE rss [<!ENTITY nbsp \"&#160;\"><!ENTITY mdash \"&#x2014;\">]><rss/>";
        assert_eq!(hostile_declaration(plain), None);
        let netscape = "<!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS 0.91//EN\" \
                        \"http://my.netscape.com/publish/formats/rss-0.91.dtd\"><rss version=\"0.91\"/>";
        assert_eq!(hostile_declaration(netscape), None);
    }

    #[test]
    fn a_bracket_quoted_in_an_entity_value_does_not_end_the_doctype_early() {
        let text = "<!DOCTYPE x [<!ENTITY a \"]><fake>\"><!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><rss/>";
        assert!(
            hostile_declaration(text)
                .expect("hostile")
                .contains("`xxe`")
        );
    }

    #[test]
    fn text_after_the_root_is_not_read_as_a_declaration() {
        let quoted = "<rss><channel><description>&lt;!ENTITY x SYSTEM \"y\"&gt; <!ENTITY x SYSTEM \"y\"></description></channel></rss>";
        assert_eq!(hostile_declaration(quoted), None);
    }
}
