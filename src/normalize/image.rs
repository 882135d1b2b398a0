//! The lead image (with caption and credit) and the video/audio enclosures
//! of an item, from Media RSS, enclosures, attachments or the body.
//!
//! feed-rs maps RSS `<enclosure>` and `media:content` into media objects and
//! Atom `rel="enclosure"` links and JSON Feed attachments into links; it does
//! not expose JSON Feed `image`/`banner_image` or the Media RSS `medium`
//! attribute, so images are recognised by MIME type or file extension.

use std::collections::HashSet;
use std::sync::LazyLock;

use feed_rs::model::{Entry, MediaContent, MediaObject};
use regex::Regex;
use url::Url;

use super::links::resolve_http;
use super::text::{collapse_whitespace, text_of};
use crate::model::{Enclosure, Image};

/// The first `<img src>` of sanitized HTML (ammonia writes double quotes).
static FIRST_IMG_SRC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"<img\b[^>]*?\ssrc="([^"]+)""#).expect("static regex"));

/// Lead image, in order of preference: Media RSS / enclosure image content,
/// the JSON Feed item's `image`, a media thumbnail, an image enclosure link or
/// attachment, the body's first `<img>`.
pub(crate) fn lead_image(
    entry: &Entry,
    base: &Url,
    body_html: Option<&str>,
    json_image: Option<&str>,
) -> Option<Image> {
    let from_content = entry.media.iter().find_map(|media| {
        media
            .content
            .iter()
            .filter(|content| {
                kind_of(content_mime(content).as_deref(), content.url.as_ref()) == MediaKind::Image
            })
            .find_map(|content| {
                let url = resolve_http(content.url.as_ref()?.as_str(), base)?;
                Some(Image {
                    url: url.to_string(),
                    mime_type: content_mime(content),
                    width: content.width,
                    height: content.height,
                    ..described(media)
                })
            })
    });
    let from_thumbnail = || {
        entry.media.iter().find_map(|media| {
            let thumbnail = media.thumbnails.first()?;
            let url = resolve_http(&thumbnail.image.uri, base)?;
            Some(Image {
                url: url.to_string(),
                width: thumbnail.image.width,
                height: thumbnail.image.height,
                ..described(media)
            })
        })
    };
    let from_link = || {
        entry.links.iter().find_map(|link| {
            let url = resolve_http(&link.href, base)?;
            (kind_of(link.media_type.as_deref(), Some(&url)) == MediaKind::Image
                && is_attachment(link.rel.as_deref()))
            .then(|| Image {
                url: url.to_string(),
                caption: link
                    .title
                    .as_deref()
                    .map(collapse_whitespace)
                    .filter(|t| !t.is_empty()),
                credit: None,
                mime_type: link.media_type.clone(),
                width: None,
                height: None,
            })
        })
    };
    let from_body = || {
        let src = FIRST_IMG_SRC
            .captures(body_html?)?
            .get(1)?
            .as_str()
            .replace("&amp;", "&");
        let url = resolve_http(&src, base)?;
        Some(Image {
            url: url.to_string(),
            caption: None,
            credit: None,
            mime_type: None,
            width: None,
            height: None,
        })
    };
    let from_json = || {
        Some(Image {
            url: resolve_http(json_image?, base)?.to_string(),
            caption: None,
            credit: None,
            mime_type: None,
            width: None,
            height: None,
        })
    };
    from_content
        .or_else(from_json)
        .or_else(from_thumbnail)
        .or_else(from_link)
        .or_else(from_body)
}

/// Video and audio attached to the item, de-duplicated by URL.
pub(crate) fn enclosures(entry: &Entry, base: &Url) -> Vec<Enclosure> {
    let from_media = entry
        .media
        .iter()
        .flat_map(|media| &media.content)
        .filter_map(|content| {
            let mime = content_mime(content);
            let url = resolve_http(content.url.as_ref()?.as_str(), base)?;
            matches!(
                kind_of(mime.as_deref(), Some(&url)),
                MediaKind::Video | MediaKind::Audio
            )
            .then(|| Enclosure {
                url: url.to_string(),
                mime_type: mime,
                length: content.size,
            })
        });
    let from_links = entry
        .links
        .iter()
        .filter(|link| is_attachment(link.rel.as_deref()))
        .filter_map(|link| {
            let url = resolve_http(&link.href, base)?;
            matches!(
                kind_of(link.media_type.as_deref(), Some(&url)),
                MediaKind::Video | MediaKind::Audio
            )
            .then(|| Enclosure {
                url: url.to_string(),
                mime_type: link.media_type.clone(),
                length: link.length,
            })
        });
    let mut seen = HashSet::new();
    from_media
        .chain(from_links)
        .filter(|enclosure| seen.insert(enclosure.url.clone()))
        .collect()
}

/// Caption and credit of a media object: caption from `media:description`,
/// else `media:title`; credit from the first `media:credit`.
fn described(media: &MediaObject) -> Image {
    let caption = media
        .description
        .as_ref()
        .or(media.title.as_ref())
        .map(text_of)
        .filter(|text| !text.is_empty());
    let credit = media
        .credits
        .iter()
        .map(|credit| collapse_whitespace(&credit.entity))
        .find(|c| !c.is_empty());
    Image {
        url: String::new(),
        caption,
        credit,
        mime_type: None,
        width: None,
        height: None,
    }
}

/// An Atom `rel="enclosure"` link, or a link without rel (JSON Feed
/// attachments carry a MIME type and no rel).
fn is_attachment(rel: Option<&str>) -> bool {
    rel.is_none_or(|rel| rel.eq_ignore_ascii_case("enclosure"))
}

fn content_mime(content: &MediaContent) -> Option<String> {
    content.content_type.as_ref().map(|mime| mime.to_string())
}

#[derive(Debug, PartialEq, Eq)]
enum MediaKind {
    Image,
    Video,
    Audio,
    Other,
}

/// By MIME type when given, else by the URL's file extension.
fn kind_of(mime: Option<&str>, url: Option<&Url>) -> MediaKind {
    if let Some(mime) = mime {
        let mime = mime.trim().to_ascii_lowercase();
        return if mime.starts_with("image/") {
            MediaKind::Image
        } else if mime.starts_with("video/")
            || mime == "application/x-mpegurl"
            || mime == "application/vnd.apple.mpegurl"
        {
            MediaKind::Video
        } else if mime.starts_with("audio/") {
            MediaKind::Audio
        } else {
            MediaKind::Other
        };
    }
    let extension = url
        .and_then(|url| {
            url.path()
                .rsplit_once('.')
                .map(|(_, ext)| ext.to_ascii_lowercase())
        })
        .unwrap_or_default();
    match extension.as_str() {
        "jpg" | "jpeg" | "png" | "gif" | "webp" | "avif" => MediaKind::Image,
        "mp4" | "m4v" | "webm" | "mov" | "m3u8" => MediaKind::Video,
        "mp3" | "m4a" | "aac" | "ogg" | "opus" | "wav" => MediaKind::Audio,
        _ => MediaKind::Other,
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn media_kind_comes_from_the_mime_type_before_the_extension() {
        assert_eq!(
            kind_of(Some("image/jpeg"), Some(&url("https://x.example/a.mp4"))),
            MediaKind::Image
        );
        assert_eq!(
            kind_of(
                Some("application/pdf"),
                Some(&url("https://x.example/a.jpg"))
            ),
            MediaKind::Other
        );
        assert_eq!(
            kind_of(Some("application/x-mpegURL"), None),
            MediaKind::Video
        );
    }

    #[test]
    fn media_kind_falls_back_to_the_file_extension() {
        assert_eq!(
            kind_of(None, Some(&url("https://x.example/p/A.JPG?w=1"))),
            MediaKind::Image
        );
        assert_eq!(
            kind_of(None, Some(&url("https://x.example/ep.mp3"))),
            MediaKind::Audio
        );
        assert_eq!(
            kind_of(None, Some(&url("https://x.example/story"))),
            MediaKind::Other
        );
    }
}
