//! An item's `contentSet` to HTML, and what its NITF head says about the
//! story (headlines, byline, dateline, abstract).
//!
//! The HTML is written from the parsed tree, never copied from the source
//! text: every text node and attribute value is escaped here, so a body can
//! hold nothing the tree did not (`normalize` sanitizes it further).
//!
//! - NITF (`application/nitf+xml`): `body.content` becomes paragraphs,
//!   `hl1`/`hl2` → `h2`, `bq` → `blockquote`, lists, tables, `em`, `q`, `a
//!   href`; `block` and the inline NITF tags (`person`, `org`, `chron`...)
//!   keep only their text; `media` (pictures: the first one is offered as
//!   the lead image instead), `note` (editorial notes), `body.head` and
//!   `body.end` are left out. NITF elements are matched by local name, since
//!   NITF comes with its own namespace, none, or (by mistake) G2's inherited
//!   default one.
//! - XHTML (`application/xhtml+xml`): the children of `<body>` (or of
//!   `inlineXML` when there is no body), element by element, without
//!   scripts, styles, comments or namespaced attributes.
//! - `inlineData` with `text/plain`: paragraphs split on blank lines.

use feed_rs::model::MediaObject;
use roxmltree::Node;
use url::Url;

use super::media::nitf_image;
use super::xml::{
    attr, collapse_whitespace, escape_attribute, escape_text, is_g2, non_empty, plain_text,
};

/// What an item's content says, beyond its metadata.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Body {
    pub html: Option<String>,
    /// NITF `byline` text (without the `byttl` job title) or an XHTML
    /// element of class `byline`.
    pub byline: Option<String>,
    /// NITF `dateline` (its `location` when it has one).
    pub dateline: Option<String>,
    /// NITF `abstract` as plain text.
    pub abstract_text: Option<String>,
    /// NITF `hedline/hl1`, the headline.
    pub headline: Option<String>,
    /// NITF `hedline/hl2`, a subheadline.
    pub subheadline: Option<String>,
    /// The first usable picture of the NITF body (`media`), which the HTML leaves out.
    pub image: Option<MediaObject>,
}

/// Elements written as themselves, with no end tag.
const VOID: &[&str] = &["br", "hr", "img", "col", "area", "wbr"];

/// Reads the first usable body of `content_set` (a G2 `contentSet`).
pub(super) fn read(content_set: Node<'_, '_>, doc_url: &Url) -> Body {
    let mut body = Body::default();
    for content in content_set.children().filter(Node::is_element) {
        let kind = attr(content, "contenttype")
            .and_then(|mime| mime.split(';').next())
            .map(|mime| mime.trim().to_ascii_lowercase());
        let inline_xml = is_g2(content, "inlineXML");
        let html = match kind.as_deref() {
            Some("application/nitf+xml") if inline_xml => nitf(content, doc_url, &mut body),
            Some("application/xhtml+xml") if inline_xml => xhtml(content, &mut body),
            // Base64 or other encoded data is not text to show.
            Some("text/plain")
                if is_g2(content, "inlineData") && attr(content, "encoding").is_none() =>
            {
                plain(content.text().unwrap_or(""))
            }
            _ => None,
        };
        if body.html.is_none() {
            body.html = html;
        }
    }
    body
}

fn nitf(inline: Node<'_, '_>, doc_url: &Url, body: &mut Body) -> Option<String> {
    let nitf_body = inline
        .descendants()
        .find(|node| node.is_element() && node.tag_name().name() == "body")?;
    if let Some(head) = child_named(nitf_body, "body.head") {
        body.byline = body.byline.take().or_else(|| nitf_byline(head));
        body.dateline = body.dateline.take().or_else(|| {
            let dateline = child_named(head, "dateline")?;
            child_named(dateline, "location")
                .and_then(plain_text)
                .or_else(|| plain_text(dateline))
        });
        body.abstract_text = body
            .abstract_text
            .take()
            .or_else(|| child_named(head, "abstract").and_then(plain_text));
        let hedline = child_named(head, "hedline");
        let line = |name| {
            hedline
                .and_then(|hedline| child_named(hedline, name))
                .and_then(plain_text)
        };
        body.headline = body.headline.take().or_else(|| line("hl1"));
        body.subheadline = body.subheadline.take().or_else(|| line("hl2"));
    }
    let mut out = String::new();
    let contents = nitf_body
        .children()
        .filter(|node| node.is_element() && node.tag_name().name() == "body.content");
    for content in contents {
        content
            .children()
            .for_each(|child| nitf_node(child, &mut out));
        if body.image.is_none() {
            body.image = content
                .descendants()
                .filter(|node| node.is_element() && node.tag_name().name() == "media")
                .find_map(|media| nitf_image(media, doc_url));
        }
    }
    non_empty(out.trim().to_owned())
}

/// "By Jane Doe, <byttl>Staff</byttl>" → "By Jane Doe": the byline's own text,
/// or its `person` when it names one.
fn nitf_byline(head: Node<'_, '_>) -> Option<String> {
    let byline = child_named(head, "byline")?;
    if let Some(person) = child_named(byline, "person").and_then(plain_text) {
        return Some(person);
    }
    let own: String = byline
        .children()
        .filter(|node| node.is_text())
        .filter_map(|node| node.text())
        .collect();
    let own = collapse_whitespace(&own);
    non_empty(own.trim_end_matches([',', ';', ' ']).to_owned())
}

fn nitf_node(node: Node<'_, '_>, out: &mut String) {
    if node.is_text() {
        escape_text(node.text().unwrap_or(""), out);
        return;
    }
    if !node.is_element() {
        return;
    }
    let name = node.tag_name().name();
    let html = match name {
        "p" | "em" | "q" | "sub" | "sup" | "pre" | "ul" | "ol" | "li" | "dl" | "dt" | "dd"
        | "table" | "caption" | "thead" | "tbody" | "tfoot" | "tr" => name,
        "td" | "th" => {
            out.push('<');
            out.push_str(name);
            for span in ["colspan", "rowspan"] {
                if let Some(value) = attr(node, span) {
                    push_attribute(span, value, out);
                }
            }
            out.push('>');
            node.children().for_each(|child| nitf_node(child, out));
            out.push_str("</");
            out.push_str(name);
            out.push('>');
            return;
        }
        "hl1" | "hl2" => "h2",
        "bq" => "blockquote",
        "credit" => "p",
        "br" | "hr" => {
            out.push('<');
            out.push_str(name);
            out.push('>');
            return;
        }
        "a" => match attr(node, "href") {
            Some(href) => {
                out.push_str("<a");
                push_attribute("href", href, out);
                out.push('>');
                node.children().for_each(|child| nitf_node(child, out));
                out.push_str("</a>");
                return;
            }
            None => "",
        },
        "media" | "note" | "nitf-table-metadata" | "body.head" | "body.end" => return,
        // `block`, `nitf-table`, `fn` and the inline semantic tags: their text only.
        _ => "",
    };
    if html.is_empty() {
        node.children().for_each(|child| nitf_node(child, out));
        return;
    }
    out.push('<');
    out.push_str(html);
    out.push('>');
    node.children().for_each(|child| nitf_node(child, out));
    out.push_str("</");
    out.push_str(html);
    out.push('>');
}

fn xhtml(inline: Node<'_, '_>, body: &mut Body) -> Option<String> {
    let root = inline
        .descendants()
        .find(|node| node.is_element() && node.tag_name().name() == "body")
        .unwrap_or(inline);
    if body.byline.is_none() {
        body.byline = root
            .descendants()
            .find(|node| {
                attr(*node, "class")
                    .is_some_and(|class| class.split_whitespace().any(|c| c == "byline"))
            })
            .and_then(plain_text);
    }
    let mut out = String::new();
    for child in root.children() {
        xhtml_node(child, &mut out);
    }
    non_empty(out.trim().to_owned())
}

fn xhtml_node(node: Node<'_, '_>, out: &mut String) {
    if node.is_text() {
        escape_text(node.text().unwrap_or(""), out);
        return;
    }
    if !node.is_element() {
        return;
    }
    let name = node.tag_name().name();
    if matches!(name, "script" | "style") {
        return;
    }
    out.push('<');
    out.push_str(name);
    for attribute in node.attributes().filter(|a| a.namespace().is_none()) {
        push_attribute(attribute.name(), attribute.value(), out);
    }
    out.push('>');
    if VOID.contains(&name) {
        return;
    }
    node.children().for_each(|child| xhtml_node(child, out));
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn push_attribute(name: &str, value: &str, out: &mut String) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape_attribute(value, out);
    out.push('"');
}

/// Plain text to paragraphs: a blank line ends one; line breaks inside a
/// paragraph are the sender's wrapping.
fn plain(text: &str) -> Option<String> {
    let mut out = String::new();
    for paragraph in text.replace("\r\n", "\n").split("\n\n") {
        let paragraph = collapse_whitespace(paragraph);
        if paragraph.is_empty() {
            continue;
        }
        out.push_str("<p>");
        escape_text(&paragraph, &mut out);
        out.push_str("</p>");
    }
    non_empty(out)
}

/// The first child element with this local name (NITF is matched without namespace).
fn child_named<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.children()
        .find(|child| child.is_element() && child.tag_name().name() == name)
}
