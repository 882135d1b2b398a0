//! JSON Feeds with members of the wrong type, reshaped into what feed-rs reads.
//!
//! feed-rs reads a JSON Feed with serde into strict types, so one `"title": null`,
//! one numeric `id` or one `"tags": "x"` anywhere rejects the whole feed and every
//! good item with it. After such a rejection the feed is reshaped once, member by
//! member, to the types feed-rs expects: numbers become strings where a string is
//! expected (`"id": 12345`), a lone string becomes a one-element list where a list of
//! strings is expected, and anything else of the wrong type is removed, the item
//! keeping the rest. A feed whose `items` is not a list is left to be refused: there
//! is no item list to save.

use serde_json::{Map, Value};

/// Feed members that must be strings when present.
const FEED_STRINGS: &[&str] = &[
    "home_page_url",
    "feed_url",
    "language",
    "description",
    "icon",
    "favicon",
];

/// Item members that must be strings when present.
const ITEM_STRINGS: &[&str] = &[
    "id",
    "url",
    "external_url",
    "title",
    "content_html",
    "content_text",
    "summary",
    "date_published",
    "date_modified",
];

/// The feed reshaped to the types feed-rs expects, or `None` when it is not a
/// JSON object with an `items` list, or nothing needed changing.
pub(super) fn reshaped(text: &str) -> Option<String> {
    let mut feed: Value = serde_json::from_str(text).ok()?;
    let members = feed.as_object_mut()?;
    if !members.get("items").is_some_and(Value::is_array) {
        return None;
    }
    let mut changes = 0;
    // feed-rs requires a title; a missing or null one is an empty title.
    if !members.get("title").is_some_and(Value::is_string) {
        let title = members.get("title").and_then(as_string).unwrap_or_default();
        members.insert("title".into(), Value::from(title));
        changes += 1;
    }
    changes += strings(members, FEED_STRINGS);
    changes += authors(members);
    if let Some(Value::Array(items)) = members.get_mut("items") {
        let before = items.len();
        items.retain(Value::is_object);
        changes += before - items.len();
        for item in items.iter_mut().filter_map(Value::as_object_mut) {
            changes += strings(item, ITEM_STRINGS);
            changes += authors(item);
            changes += tags(item);
            changes += attachments(item);
        }
    }
    if changes == 0 {
        return None;
    }
    serde_json::to_string(&feed).ok()
}

/// A string, or a number or boolean written as one; `None` for anything else.
fn as_string(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Makes each of `names` in `object` a string, or removes it; `null` counts
/// as absent. Returns how many members changed.
fn strings(object: &mut Map<String, Value>, names: &[&str]) -> usize {
    let mut changes = 0;
    for name in names {
        let Some(value) = object.get(*name) else {
            continue;
        };
        if value.is_string() {
            continue;
        }
        changes += 1;
        match as_string(value) {
            Some(text) => {
                object.insert((*name).into(), Value::from(text));
            }
            None => {
                object.remove(*name);
            }
        }
    }
    changes
}

/// `author` must be an author object and `authors` a list of them.
fn authors(object: &mut Map<String, Value>) -> usize {
    let mut changes = 0;
    match object.get_mut("author") {
        Some(Value::Object(author)) => changes += strings(author, &["name", "url"]),
        Some(_) => {
            object.remove("author");
            changes += 1;
        }
        None => {}
    }
    match object.get_mut("authors") {
        Some(Value::Array(list)) => {
            let before = list.len();
            list.retain(Value::is_object);
            changes += before - list.len();
            for author in list.iter_mut().filter_map(Value::as_object_mut) {
                changes += strings(author, &["name", "url"]);
            }
        }
        Some(_) => {
            object.remove("authors");
            changes += 1;
        }
        None => {}
    }
    changes
}

/// `tags` must be a list of strings; a lone string is one tag.
fn tags(item: &mut Map<String, Value>) -> usize {
    let Some(value) = item.get_mut("tags") else {
        return 0;
    };
    match value {
        Value::Array(list) => {
            let before: Vec<Value> = std::mem::take(list);
            let count = before.len();
            *list = before
                .iter()
                .filter_map(as_string)
                .map(Value::from)
                .collect();
            let changed = count != list.len() || before.iter().any(|tag| !tag.is_string());
            usize::from(changed)
        }
        Value::String(tag) => {
            *value = Value::Array(vec![Value::from(tag.clone())]);
            1
        }
        _ => {
            item.remove("tags");
            1
        }
    }
}

/// `attachments` must be a list of objects with a string `url` and
/// `mime_type`, an optional string `title` and a whole `size_in_bytes`.
fn attachments(item: &mut Map<String, Value>) -> usize {
    let Some(value) = item.get_mut("attachments") else {
        return 0;
    };
    let Value::Array(list) = value else {
        item.remove("attachments");
        return 1;
    };
    let mut changes = 0;
    let before = list.len();
    list.retain(|attachment| {
        ["url", "mime_type"]
            .iter()
            .all(|name| attachment.get(name).is_some_and(Value::is_string))
    });
    changes += before - list.len();
    for attachment in list.iter_mut().filter_map(Value::as_object_mut) {
        changes += strings(attachment, &["title"]);
        if attachment
            .get("size_in_bytes")
            .is_some_and(|size| !size.is_u64())
        {
            attachment.remove("size_in_bytes");
            changes += 1;
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reshape(text: &str) -> Value {
        let text = reshaped(text).expect("reshaped");
        serde_json::from_str(&text).expect("JSON")
    }

    #[test]
    fn numbers_become_strings_and_null_title_an_empty_one() {
        let feed = reshape(
            r#"{"version":"https://jsonfeed.org/version/1.1","title":null,
                "items":[{"id":12345,"title":"t","date_published":20261125}]}"#,
        );
        assert_eq!(feed["title"], "");
        assert_eq!(feed["items"][0]["id"], "12345");
        assert_eq!(feed["items"][0]["date_published"], "20261125");
    }

    #[test]
    fn members_of_the_wrong_shape_are_removed_and_the_item_kept() {
        let feed = reshape(
            r#"{"version":"v","title":"f","home_page_url":{"x":1},"items":[
                {"id":"a","url":["u"],"title":{"text":"t"},"authors":"Someone","tags":"one",
                 "attachments":{"url":"u"}},
                "not an item",
                {"id":"b","attachments":[{"url":"u","mime_type":"audio/mpeg","size_in_bytes":"big"},{"url":"v"}]}
            ]}"#,
        );
        assert!(feed.get("home_page_url").is_none());
        let items = feed["items"].as_array().expect("items");
        assert_eq!(items.len(), 2, "the string is no item");
        let first = &items[0];
        assert_eq!(first["id"], "a");
        for gone in ["url", "title", "authors", "attachments"] {
            assert!(first.get(gone).is_none(), "{gone} removed: {first}");
        }
        assert_eq!(first["tags"], serde_json::json!(["one"]));
        let attachments = items[1]["attachments"].as_array().expect("kept");
        assert_eq!(
            attachments.len(),
            1,
            "the one without a mime type is dropped"
        );
        assert!(attachments[0].get("size_in_bytes").is_none());
    }

    #[test]
    fn items_that_are_not_a_list_and_well_typed_feeds_are_left_alone() {
        assert_eq!(
            reshaped(r#"{"version":"v","title":"t","items":{"id":"1"}}"#),
            None
        );
        assert_eq!(
            reshaped(r#"{"version":"v","title":"t","items":[{"id":"1"}]}"#),
            None
        );
        assert_eq!(reshaped("[1, 2]"), None);
    }
}
