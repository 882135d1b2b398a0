//! The JSON Feed 1.1 rules (jsonfeed.org/version/1.1) a strict consumer
//! enforces, plus wirefeed's own `_wirefeed` attribution object.

use std::collections::HashSet;

use serde_json::Value;

use crate::Checked;
use crate::dates::is_rfc3339;

const VERSION: &str = "https://jsonfeed.org/version/1.1";

pub fn check(feed: &Value) -> Checked {
    let mut problems = Vec::new();
    if feed["version"] != VERSION {
        problems.push(format!(
            "feed: version {}, expected {VERSION}",
            feed["version"]
        ));
    }
    if !feed["title"].is_string() {
        problems.push("feed: no title string".to_owned());
    }
    for key in ["home_page_url", "feed_url"] {
        if !feed[key].is_null() && !is_absolute_url(&feed[key]) {
            problems.push(format!("feed: {key} is not an absolute URL"));
        }
    }
    authors(&feed["authors"], "feed", true, &mut problems);
    let Some(items) = feed["items"].as_array() else {
        problems.push("feed: items is not an array".to_owned());
        return Checked { items: 0, problems };
    };

    let mut ids = HashSet::new();
    for (index, item) in items.iter().enumerate() {
        let at = format!("item {index} ({})", item["id"]);
        match item["id"].as_str() {
            Some(id) if !id.is_empty() => {
                if !ids.insert(id) {
                    problems.push(format!("{at}: id repeats an earlier item's"));
                }
            }
            _ => problems.push(format!("{at}: id is not a non-empty string")),
        }
        if !item["content_html"].is_string() && !item["content_text"].is_string() {
            problems.push(format!("{at}: neither content_html nor content_text"));
        }
        for key in ["url", "external_url", "image", "banner_image"] {
            if !item[key].is_null() && !is_absolute_url(&item[key]) {
                problems.push(format!("{at}: {key} is not an absolute URL"));
            }
        }
        for key in ["date_published", "date_modified"] {
            if !item[key].is_null() && !item[key].as_str().is_some_and(is_rfc3339) {
                problems.push(format!("{at}: {key} {} is not RFC 3339", item[key]));
            }
        }
        authors(&item["authors"], &at, false, &mut problems);
        if !item["tags"].is_null() && !all_strings(&item["tags"]) {
            problems.push(format!("{at}: tags is not an array of strings"));
        }
        for attachment in item["attachments"].as_array().into_iter().flatten() {
            if !is_absolute_url(&attachment["url"]) || !attachment["mime_type"].is_string() {
                problems.push(format!("{at}: attachment needs url and mime_type"));
            }
        }
        let wirefeed = &item["_wirefeed"];
        if !wirefeed.is_object() || !wirefeed["source"]["feed_id"].is_string() {
            problems.push(format!("{at}: no _wirefeed object with source.feed_id"));
        }
    }
    Checked {
        items: items.len(),
        problems,
    }
}

/// `authors`, when present, is an array of objects naming someone (§ authors).
fn authors(authors: &Value, at: &str, optional: bool, problems: &mut Vec<String>) {
    if authors.is_null() && optional {
        return;
    }
    let valid = authors.as_array().is_some_and(|list| {
        list.iter().all(|author| {
            author.is_object()
                && ["name", "url", "avatar"]
                    .iter()
                    .any(|key| author[key].as_str().is_some_and(|s| !s.is_empty()))
        })
    });
    if !valid {
        problems.push(format!("{at}: authors is not an array of author objects"));
    }
}

fn all_strings(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|list| list.iter().all(Value::is_string))
}

fn is_absolute_url(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|text| url::Url::parse(text).is_ok())
}
