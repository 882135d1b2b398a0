//! Finds what a feed reader could execute in a published file: script and
//! style elements, event-handler attributes, `javascript:`/`vbscript:`/`data:`
//! URLs, inline SVG and the like.
//!
//! The outputs are parsed, not grepped: an RSS description or an Atom
//! `type="html"` text is HTML once the reader unescapes it, so every XML text
//! node and attribute value is read unescaped, and every HTML it holds is
//! parsed again with lol_html. JSON Feed strings are checked the same way.
//! Text that merely mentions a tag is not flagged unless it would parse as one.

use std::cell::RefCell;

use quick_xml::XmlVersion;
use quick_xml::events::Event;

/// Elements no republished HTML (nor any output XML) may hold.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math",
    "form", "base", "meta", "link", "template",
];

/// Attributes whose value is a URL a reader follows or loads.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "poster",
    "background",
    "cite",
    "data",
    "xlink:href",
    "url",
    "uri",
    "xmlurl",
    "htmlurl",
];

/// What wirefeed's own index.html may hold that republished HTML may not:
/// its charset and viewport `<meta>`, its `<style>`, its alternate `<link>`s.
const PAGE_ELEMENTS: &[&str] = &["style", "meta", "link"];

/// Output elements whose text is a URL.
const URL_ELEMENTS: &[&str] = &["link", "url", "uri", "comments", "docs", "icon", "logo"];

/// JSON Feed members whose value is a URL.
const URL_MEMBERS: &[&str] = &[
    "url",
    "external_url",
    "image",
    "banner_image",
    "avatar",
    "icon",
    "favicon",
    "home_page_url",
    "feed_url",
    "next_url",
    "home_url",
    "item_url",
];

/// Every problem found in wirefeed's own `index.html`: feed names and labels
/// from outside must not have become markup in it.
pub fn page_problems(name: &str, text: &str) -> Vec<String> {
    let forbidden: Vec<&str> = FORBIDDEN_ELEMENTS
        .iter()
        .copied()
        .filter(|tag| !PAGE_ELEMENTS.contains(tag))
        .collect();
    let mut found = Vec::new();
    scan_html(name, text, &forbidden, &mut found);
    let styles = text.matches("<style").count();
    if styles != 1 {
        found.push(format!(
            "{name}: {styles} <style> elements, wirefeed writes one"
        ));
    }
    found
}

/// Every problem found in the published file `name` with text `text`
/// (`.rss`, `.atom`, `.opml` or `.json`), each saying where.
pub fn problems(name: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    if name.ends_with(".json") {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) => check_json(name, None, &value, &mut found),
            Err(error) => found.push(format!("{name}: not valid JSON: {error}")),
        }
    } else {
        check_xml(name, text, &mut found);
    }
    found
}

fn check_xml(name: &str, text: &str, found: &mut Vec<String>) {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut open: Vec<String> = Vec::new();
    // quick-xml hands a text over in pieces (each `&lt;` is its own event):
    // the whole text of an element is gathered before it is checked, as the
    // reader would see it.
    let mut pending = String::new();
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => {
                found.push(format!("{name}: not well-formed XML: {error}"));
                return;
            }
        };
        match event {
            Event::Text(ref content) => {
                pending.push_str(&content.xml_content(XmlVersion::Implicit1_0));
                continue;
            }
            Event::GeneralRef(ref reference) => {
                let entity = reference.clone().into_inner();
                match reference.resolve_char_ref() {
                    Ok(Some(c)) => pending.push(c),
                    _ => match quick_xml::escape::resolve_predefined_entity(&entity) {
                        Some(resolved) => pending.push_str(resolved),
                        None => pending.push_str(&format!("&{entity};")),
                    },
                }
                continue;
            }
            Event::CData(ref content) => {
                pending.push_str(&content.clone().into_inner());
                continue;
            }
            _ => {}
        }
        if !pending.trim().is_empty() {
            check_xml_text(name, open.last(), &pending, found);
        }
        pending.clear();
        match event {
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                let local = tag.local_name().as_ref().to_lowercase();
                let qualified = tag.name().as_ref().to_lowercase();
                if FORBIDDEN_ELEMENTS.contains(&local.as_str()) && !is_feed_link(&qualified) {
                    found.push(format!("{name}: <{qualified}> element"));
                }
                for attribute in tag.attributes().flatten() {
                    let key = attribute.key.as_ref().to_lowercase();
                    let value = attribute
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map(|v| v.into_owned())
                        .unwrap_or_else(|_| attribute.value.to_string());
                    let place = format!("{name}: <{qualified} {key}>");
                    check_attribute(&place, &key, &value, found);
                }
                if matches!(event, Event::Start(_)) {
                    open.push(local);
                }
            }
            Event::End(_) => {
                open.pop();
            }
            Event::Eof => return,
            _ => {}
        }
    }
}

/// `<atom:link>` and Atom's `<link>` are feed links, not HTML `<link>`s.
fn is_feed_link(qualified: &str) -> bool {
    qualified == "link" || qualified.ends_with(":link")
}

fn check_xml_text(name: &str, element: Option<&String>, value: &str, found: &mut Vec<String>) {
    let element = element.map_or("", String::as_str);
    let place = format!("{name}: <{element}> text");
    if URL_ELEMENTS.contains(&element) {
        check_url(&place, value, found);
    }
    check_html(&place, value, found);
}

fn check_json(
    name: &str,
    member: Option<&str>,
    value: &serde_json::Value,
    found: &mut Vec<String>,
) {
    match value {
        serde_json::Value::String(text) => {
            let member = member.unwrap_or("");
            let place = format!("{name}: \"{member}\"");
            if URL_MEMBERS.contains(&member) {
                check_url(&place, text, found);
            }
            check_html(&place, text, found);
        }
        serde_json::Value::Array(values) => {
            for value in values {
                check_json(name, member, value, found);
            }
        }
        serde_json::Value::Object(members) => {
            for (key, value) in members {
                check_json(name, Some(key), value, found);
            }
        }
        _ => {}
    }
}

fn check_attribute(place: &str, key: &str, value: &str, found: &mut Vec<String>) {
    let local = key.rsplit(':').next().unwrap_or(key);
    if local.starts_with("on") {
        found.push(format!("{place}: event handler attribute"));
    }
    if local == "style" {
        found.push(format!("{place}: style attribute"));
    }
    if URL_ATTRIBUTES.contains(&key) || URL_ATTRIBUTES.contains(&local) {
        check_url(place, value, found);
    }
    check_text(place, value, found);
}

/// A URL a reader may follow: nothing but http(s), mailto, or relative.
fn check_url(place: &str, value: &str, found: &mut Vec<String>) {
    let squeezed = squeeze(value);
    for scheme in ["javascript:", "vbscript:", "data:", "file:"] {
        if squeezed.starts_with(scheme) {
            found.push(format!("{place}: {scheme} URL {value:?}"));
        }
    }
}

/// Text that a reader may render as HTML: parse it and look inside.
fn check_html(place: &str, value: &str, found: &mut Vec<String>) {
    check_text(place, value, found);
    if value.contains('<') {
        scan_html(place, value, FORBIDDEN_ELEMENTS, found);
    }
}

/// Parses `value` as HTML and reports `forbidden` elements, event handlers,
/// style attributes and scripting URLs.
fn scan_html(place: &str, value: &str, forbidden: &[&str], found: &mut Vec<String>) {
    let problems = RefCell::new(Vec::new());
    let handler = lol_html::element!("*", |element: &mut lol_html::html_content::Element| {
        let tag = element.tag_name().to_lowercase();
        if forbidden.contains(&tag.as_str()) {
            problems
                .borrow_mut()
                .push(format!("{place}: HTML <{tag}> element"));
        }
        for attribute in element.attributes() {
            let key = attribute.name().to_lowercase();
            let where_ = format!("{place}: HTML <{tag} {key}>");
            check_attribute(
                &where_,
                &key,
                &attribute.value(),
                &mut problems.borrow_mut(),
            );
        }
        Ok(())
    });
    let settings = lol_html::Settings::new().append_element_content_handler(handler);
    let mut rewriter = lol_html::HtmlRewriter::new(settings, |_: &[u8]| {});
    let parsed = rewriter
        .write(value.as_bytes())
        .and_then(|()| rewriter.end());
    if let Err(error) = parsed {
        found.push(format!("{place}: HTML that does not parse: {error}"));
    }
    found.extend(problems.into_inner());
}

/// The giveaways the issue names, wherever they appear in a value.
fn check_text(place: &str, value: &str, found: &mut Vec<String>) {
    let squeezed = squeeze(value);
    for needle in [
        "<script",
        "javascript:",
        "vbscript:",
        "onerror=",
        "data:text/html",
    ] {
        if squeezed.contains(needle) {
            found.push(format!("{place}: contains {needle:?} in {value:?}"));
        }
    }
}

/// Lower-cased, without the whitespace and control characters browsers
/// ignore inside a URL scheme (`java\tscript:`).
fn squeeze(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect()
}
