//! Small helpers over the roxmltree DOM: G2 elements by namespace and local
//! name, plain text of mixed content, and escaping for the HTML we write.

use roxmltree::Node;

/// The NewsML-G2 namespace (every G2 version uses this one URI).
pub(super) const G2_NS: &str = "http://iptc.org/std/nar/2006-10-01/";
/// The namespace of `xml:lang`.
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Whether `node` is the G2 element `name`.
pub(super) fn is_g2(node: Node<'_, '_>, name: &str) -> bool {
    node.is_element()
        && node.tag_name().name() == name
        && node.tag_name().namespace() == Some(G2_NS)
}

/// The G2 child elements of `node` named `name`, in document order.
pub(super) fn g2_children<'a, 'input: 'a>(
    node: Node<'a, 'input>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    node.children().filter(move |child| is_g2(*child, name))
}

/// The first G2 child element of `node` named `name`.
pub(super) fn g2_child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.children().find(|child| is_g2(*child, name))
}

/// The element at `path` (G2 names) below `node`, taking the first match at each step.
pub(super) fn g2_path<'a, 'input>(
    node: Node<'a, 'input>,
    path: &[&str],
) -> Option<Node<'a, 'input>> {
    path.iter().try_fold(node, |at, name| g2_child(at, name))
}

/// An attribute without namespace, trimmed, `None` when absent or blank.
pub(super) fn attr<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attribute(name)
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// `xml:lang` of the element itself.
pub(super) fn xml_lang<'a>(node: Node<'a, '_>) -> Option<&'a str> {
    node.attribute((XML_NS, "lang"))
        .map(str::trim)
        .filter(|lang| !lang.is_empty())
}

/// All text below `node` (mixed content flattened, `<br/>` as a space),
/// whitespace collapsed; `None` when that leaves nothing.
pub(super) fn plain_text(node: Node<'_, '_>) -> Option<String> {
    let mut text = String::new();
    for descendant in node.descendants() {
        if descendant.is_text() {
            text.push_str(descendant.text().unwrap_or(""));
        } else if descendant.is_element() && descendant.tag_name().name() == "br" {
            text.push(' ');
        }
    }
    non_empty(collapse_whitespace(&text))
}

/// Runs of whitespace as one space, ends trimmed.
pub(super) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// The name of a G2 "flex" property (creator, located, copyrightHolder...):
/// its `name` child (the one in `lang` when there are several), else `@literal`.
pub(super) fn concept_name(node: Node<'_, '_>, lang: Option<&str>) -> Option<String> {
    let names: Vec<Node<'_, '_>> = g2_children(node, "name").collect();
    let in_lang = lang.and_then(|lang| {
        names
            .iter()
            .find(|name| xml_lang(**name).is_some_and(|name_lang| same_language(name_lang, lang)))
    });
    let chosen = in_lang
        .or_else(|| names.iter().find(|name| xml_lang(**name).is_none()))
        .or(names.first());
    chosen
        .and_then(|name| plain_text(*name))
        .or_else(|| attr(node, "literal").map(collapse_whitespace))
}

/// `en-GB` and `en` are the same language for picking a name.
fn same_language(a: &str, b: &str) -> bool {
    let primary = |tag: &str| {
        tag.split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    primary(a) == primary(b)
}

/// Escapes text for an HTML text node.
pub(super) fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
}

/// Escapes text for a double-quoted HTML attribute value.
pub(super) fn escape_attribute(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        let mut out = String::new();
        escape_text("a < b & c > d \"q\"", &mut out);
        assert_eq!(out, "a &lt; b &amp; c &gt; d \"q\"");
        out.clear();
        escape_attribute("x\" onload=\"y&<", &mut out);
        assert_eq!(out, "x&quot; onload=&quot;y&amp;&lt;");
    }

    #[test]
    fn concept_name_prefers_the_item_language_then_literal() {
        let xml = format!(
            "<s xmlns=\"{G2_NS}\"><a><name xml:lang=\"de\">Arbeitsmarkt</name><name xml:lang=\"en-GB\">labour  market</name></a><b literal=\"Acme\"/></s>"
        );
        let doc = roxmltree::Document::parse(&xml).expect("test XML parses");
        let root = doc.root_element();
        let a = g2_child(root, "a").expect("a");
        let b = g2_child(root, "b").expect("b");
        assert_eq!(
            concept_name(a, Some("en")).as_deref(),
            Some("labour market")
        );
        assert_eq!(concept_name(a, None).as_deref(), Some("Arbeitsmarkt"));
        assert_eq!(concept_name(b, None).as_deref(), Some("Acme"));
    }
}
