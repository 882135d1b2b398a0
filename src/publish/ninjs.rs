//! Published articles as IPTC ninjs 2.0, one `ninjs/<article-id>.json` per
//! article of the `all` channel, so a downstream newsroom system can take
//! wirefeed's normalized output in the industry's format.
//!
//! The folder mirrors that channel: an article that leaves it (withheld,
//! killed, or older than the newest `max_items`) loses its file.
//!
//! Mapped: `uri` (the file's own address), `type` text, `versioncreated`,
//! `firstcreated`, `pubstatus` usable (only published articles are written),
//! `urgency`, `language`, `headlines` (main), `descriptions` (summary),
//! `bodies` (the sanitized HTML), `by` (the byline), `located`, `subjects`
//! (tags), `places` (regions), `genres` (the kind), `infosources` (the
//! source and every feed it also came via), `copyrightholder` and
//! `copyrightnotice` (the source and its rights), `associations` (the lead
//! picture with its caption and credit). Never written: the agency's
//! `ednote`, which wirefeed does not keep.

use serde_json::{Map, Value, json};

use crate::config::Config;
use crate::model::{Article, Attribution};

/// The folder under the output folder.
pub(crate) const FOLDER: &str = "ninjs";

/// The path of `article`'s file, relative to the output folder.
pub(crate) fn relative_path(article: &Article) -> String {
    format!("{FOLDER}/{}.json", article.id)
}

/// `article` as a ninjs 2.0 object, pretty-printed.
pub(crate) fn render(config: &Config, article: &Article) -> String {
    let mut item = Map::new();
    let uri = config
        .site
        .base_url
        .join(&relative_path(article))
        .map_or_else(
            |_| format!("urn:wirefeed:{}", article.id),
            |url| url.to_string(),
        );
    item.insert("uri".into(), json!(uri));
    item.insert("type".into(), json!("text"));
    item.insert("versioncreated".into(), json!(article.updated.to_rfc3339()));
    item.insert("firstcreated".into(), json!(article.published.to_rfc3339()));
    item.insert("pubstatus".into(), json!("usable"));
    if let Some(urgency) = article.editorial.urgency {
        item.insert("urgency".into(), json!(urgency));
    }
    if let Some(language) = &article.language {
        item.insert("language".into(), json!(language));
    }
    item.insert(
        "headlines".into(),
        json!([{"role": "main", "value": article.title}]),
    );
    if let Some(summary) = &article.summary {
        item.insert(
            "descriptions".into(),
            json!([{"role": "summary", "contenttype": "text/plain", "value": summary}]),
        );
    }
    if let Some(body) = &article.content_html {
        item.insert(
            "bodies".into(),
            json!([{"role": "main", "contenttype": "text/html", "value": body}]),
        );
    }
    if !article.authors.is_empty() {
        item.insert("by".into(), json!(article.authors.join(", ")));
    }
    if let Some(located) = &article.editorial.located {
        item.insert("located".into(), json!(located));
    }
    let concepts = |labels: &[crate::model::Label]| -> Value {
        labels
            .iter()
            .map(|label| json!({"name": label.label, "literal": label.slug}))
            .collect()
    };
    if !article.tags.is_empty() {
        item.insert("subjects".into(), concepts(&article.tags));
    }
    if !article.regions.is_empty() {
        item.insert("places".into(), concepts(&article.regions));
    }
    if let Some(kind) = &article.kind {
        item.insert("genres".into(), json!([{"name": kind, "literal": kind}]));
    }
    let sources: Vec<Value> = std::iter::once(&article.source)
        .chain(&article.also_via)
        .map(infosource)
        .collect();
    item.insert("infosources".into(), Value::Array(sources));
    item.insert("copyrightholder".into(), json!(article.source.name));
    if let Some(rights) = &article.source.rights {
        item.insert("copyrightnotice".into(), json!(rights));
    }
    if let Some(image) = &article.image {
        let mut rendition = Map::new();
        rendition.insert("name".into(), json!("original"));
        rendition.insert("href".into(), json!(image.url));
        if let Some(kind) = &image.mime_type {
            rendition.insert("contenttype".into(), json!(kind));
        }
        if let Some(width) = image.width {
            rendition.insert("width".into(), json!(width));
        }
        if let Some(height) = image.height {
            rendition.insert("height".into(), json!(height));
        }
        let mut picture = Map::new();
        picture.insert("name".into(), json!("featureimage"));
        picture.insert("uri".into(), json!(image.url));
        picture.insert("type".into(), json!("picture"));
        picture.insert("renditions".into(), json!([rendition]));
        if let Some(caption) = &image.caption {
            picture.insert(
                "descriptions".into(),
                json!([{"role": "caption", "value": caption}]),
            );
        }
        if let Some(credit) = &image.credit {
            picture.insert("by".into(), json!(credit));
        }
        item.insert("associations".into(), json!([picture]));
    }
    let mut text = serde_json::to_string_pretty(&Value::Object(item)).unwrap_or_default();
    text.push('\n');
    text
}

/// Who the article came from: the outlet, with its item's own address.
fn infosource(source: &Attribution) -> Value {
    let mut party = Map::new();
    party.insert("name".into(), json!(source.name));
    if let Some(url) = source.item_url.as_ref().or(source.home_url.as_ref()) {
        party.insert("uri".into(), json!(url));
    }
    party.insert("literal".into(), json!(source.feed_id));
    Value::Object(party)
}
