//! JSON Feed items' `image` and `banner_image`, which feed-rs does not map.
//!
//! Read with a shape that names only those members and skips the rest
//! without building it, so the second pass over a JSON Feed costs a scan,
//! not a second copy of every body. A feed that shape does not fit (an item
//! that is not an object: feed-rs reads the rest once `json_shape` reshaped
//! it) is read as a generic JSON value instead.

use std::collections::HashMap;

use serde::Deserialize;
use serde::de::IgnoredAny;

#[derive(Deserialize)]
struct Feed {
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    id: Option<Id>,
    #[serde(default)]
    image: Option<Image>,
    #[serde(default)]
    banner_image: Option<Image>,
}

/// JSON Feed ids are strings; numbers are common enough to accept.
#[derive(Deserialize)]
#[serde(untagged)]
enum Id {
    Text(String),
    Number(serde_json::Number),
    Other(IgnoredAny),
}

/// A member that is not a string is ignored, not a reason to lose the rest.
#[derive(Deserialize)]
#[serde(untagged)]
enum Image {
    Url(String),
    Other(IgnoredAny),
}

impl Image {
    fn url(self) -> Option<String> {
        match self {
            Image::Url(url) => Some(url),
            Image::Other(_) => None,
        }
    }
}

/// Each JSON Feed item's `image` (else `banner_image`) by item id; empty for
/// anything that is not a JSON object with an `items` list.
pub(super) fn item_images(text: &str) -> HashMap<String, String> {
    let text = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if !text.starts_with('{') {
        return HashMap::new();
    }
    match serde_json::from_str::<Feed>(text) {
        Ok(feed) => by_id(feed.items),
        Err(_) => loosely(text),
    }
}

fn by_id(items: Vec<Item>) -> HashMap<String, String> {
    items
        .into_iter()
        .filter_map(|item| {
            let id = match item.id? {
                Id::Text(id) => id,
                Id::Number(id) => id.to_string(),
                Id::Other(_) => return None,
            };
            let image = item
                .image
                .and_then(Image::url)
                .or_else(|| item.banner_image.and_then(Image::url))?;
            Some((id, image))
        })
        .collect()
}

/// [`item_images`] of a feed whose item list holds more than objects.
fn loosely(text: &str) -> HashMap<String, String> {
    let Ok(serde_json::Value::Object(mut feed)) = serde_json::from_str(text) else {
        return HashMap::new();
    };
    let Some(serde_json::Value::Array(items)) = feed.remove("items") else {
        return HashMap::new();
    };
    let items = items
        .into_iter()
        .filter(serde_json::Value::is_object)
        .filter_map(|item| serde_json::from_value::<Item>(item).ok())
        .collect();
    by_id(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_images_are_read_by_id() {
        let feed = r#" {"version": "https://jsonfeed.org/version/1.1", "items": [
            {"id": "a", "image": "https://x.example/a.jpg", "banner_image": "https://x.example/b.jpg"},
            {"id": 7, "banner_image": "https://x.example/7.jpg"},
            {"id": "c", "image": 5, "banner_image": "https://x.example/c.jpg"},
            {"id": "none"}, {"image": "https://x.example/no-id.jpg"}, {"id": ["bad"], "image": "x"}]}"#;
        let images = item_images(feed);
        assert_eq!(images.len(), 3);
        assert_eq!(images["a"], "https://x.example/a.jpg");
        assert_eq!(images["7"], "https://x.example/7.jpg");
        assert_eq!(images["c"], "https://x.example/c.jpg");
        assert!(item_images("<rss/>").is_empty());
        assert!(item_images("{ not json").is_empty());
        assert!(item_images(r#"{"items": "nope"}"#).is_empty());
        let mixed = r#"{"items": [1, {"id": "d", "image": "https://x.example/d.jpg"}, null]}"#;
        assert_eq!(item_images(mixed)["d"], "https://x.example/d.jpg");
    }
}
