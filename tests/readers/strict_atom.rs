//! The RFC 4287 rules a strict Atom 1.0 consumer enforces.

use std::collections::HashSet;

use crate::Checked;
use crate::dates::is_rfc3339;
use crate::xml_tree::{ATOM, Element};

/// Elements a feed may hold at most once (§4.1.1), besides id/title/updated.
const FEED_SINGLES: [&str; 5] = ["generator", "icon", "logo", "rights", "subtitle"];
/// Elements an entry may hold at most once (§4.1.2).
const ENTRY_SINGLES: [&str; 5] = ["content", "published", "rights", "source", "summary"];
/// Elements atom:source may hold at most once (§4.2.11).
const SOURCE_SINGLES: [&str; 8] = [
    "generator",
    "icon",
    "id",
    "logo",
    "rights",
    "subtitle",
    "title",
    "updated",
];

pub fn check(root: &Element) -> Checked {
    let mut problems = Vec::new();
    if root.ns != ATOM || root.name != "feed" {
        problems.push(format!(
            "root is {{{}}}{}, not atom:feed",
            root.ns, root.name
        ));
        return Checked { items: 0, problems };
    }
    exactly_one(root, "feed", &["id", "title", "updated"], &mut problems);
    at_most_one(root, "feed", &FEED_SINGLES, &mut problems);
    common(root, "feed", &mut problems);
    let feed_has_author = root.count(ATOM, "author") > 0;

    let mut ids = HashSet::new();
    let entries: Vec<&Element> = root.all(ATOM, "entry").collect();
    for (index, entry) in entries.iter().enumerate() {
        let id = entry.text_of(ATOM, "id").unwrap_or("no id");
        let at = format!("entry {index} ({id})");
        exactly_one(entry, &at, &["id", "title", "updated"], &mut problems);
        at_most_one(entry, &at, &ENTRY_SINGLES, &mut problems);
        common(entry, &at, &mut problems);
        if !ids.insert(id.to_owned()) {
            problems.push(format!("{at}: atom:id repeats an earlier entry's"));
        }
        let source = entry.first(ATOM, "source");
        let source_has_author = source.is_some_and(|s| s.count(ATOM, "author") > 0);
        if entry.count(ATOM, "author") == 0 && !feed_has_author && !source_has_author {
            problems.push(format!(
                "{at}: no atom:author here, in its source or the feed"
            ));
        }
        let has_alternate = entry.all(ATOM, "link").any(is_alternate);
        if entry.count(ATOM, "content") == 0 && !has_alternate {
            problems.push(format!("{at}: neither atom:content nor an alternate link"));
        }
        if let Some(content) = entry.first(ATOM, "content") {
            let kind = content.attr("type").unwrap_or("text");
            if !["text", "html", "xhtml"].contains(&kind) && !kind.contains('/') {
                problems.push(format!("{at}: atom:content type {kind:?}"));
            }
        }
        if let Some(source) = source {
            let at = format!("{at} source");
            at_most_one(source, &at, &SOURCE_SINGLES, &mut problems);
            common(source, &at, &mut problems);
            if source.count(ATOM, "entry") > 0 {
                problems.push(format!("{at}: holds an atom:entry"));
            }
        }
    }
    Checked {
        items: entries.len(),
        problems,
    }
}

/// Rules shared by feed, entry and source: ids, dates, links, people, texts.
fn common(element: &Element, at: &str, problems: &mut Vec<String>) {
    if let Some(id) = element.text_of(ATOM, "id")
        && url::Url::parse(id).is_err()
    {
        problems.push(format!("{at}: atom:id {id:?} is not an absolute IRI"));
    }
    for name in ["updated", "published"] {
        for date in element.all(ATOM, name) {
            if !is_rfc3339(date.text.trim()) {
                problems.push(format!("{at}: atom:{name} {:?} is not RFC 3339", date.text));
            }
        }
    }
    let mut alternates = HashSet::new();
    for link in element.all(ATOM, "link") {
        if link.attr("href").is_none_or(str::is_empty) {
            problems.push(format!("{at}: atom:link without href"));
        }
        let key = (link.attr("type"), link.attr("hreflang"));
        if is_alternate(link) && !alternates.insert(key) {
            problems.push(format!("{at}: two alternate links for {key:?}"));
        }
    }
    for person in element
        .all(ATOM, "author")
        .chain(element.all(ATOM, "contributor"))
    {
        if person.count(ATOM, "name") != 1 || person.text_of(ATOM, "name").is_none() {
            problems.push(format!(
                "{at}: a person needs exactly one non-empty atom:name"
            ));
        }
    }
    for name in ["title", "subtitle", "summary", "rights"] {
        for text in element.all(ATOM, name) {
            if let Some(kind) = text.attr("type")
                && !["text", "html", "xhtml"].contains(&kind)
            {
                problems.push(format!("{at}: atom:{name} type {kind:?}"));
            }
        }
    }
}

fn is_alternate(link: &Element) -> bool {
    link.attr("rel").is_none_or(|rel| rel == "alternate")
}

fn exactly_one(element: &Element, at: &str, names: &[&str], problems: &mut Vec<String>) {
    for name in names {
        let count = element.count(ATOM, name);
        if count != 1 {
            problems.push(format!("{at}: {count} atom:{name}, exactly one required"));
        }
    }
}

fn at_most_one(element: &Element, at: &str, names: &[&str], problems: &mut Vec<String>) {
    for name in names {
        let count = element.count(ATOM, name);
        if count > 1 {
            problems.push(format!("{at}: {count} atom:{name}, at most one allowed"));
        }
    }
}
