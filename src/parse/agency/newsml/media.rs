//! The lead picture of an item: for a picture (or graphic) item its largest
//! usable `remoteContent` rendition, for a text item the first picture of its
//! NITF body; with caption and credit.

use feed_rs::model::{MediaContent, MediaCredit, MediaObject};

use crate::parse::agency::build::plain;
use mediatype::MediaTypeBuf;
use roxmltree::Node;
use url::Url;

use super::xml::{attr, g2_children, plain_text};

/// Picture types every browser shows; a rendition of another type (TIFF, a
/// camera RAW) is taken only when there is nothing else.
const WEB_IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png", "image/webp", "image/gif"];

/// One rendition worth considering.
struct Rendition {
    url: Url,
    content_type: Option<MediaTypeBuf>,
    width: Option<u32>,
    height: Option<u32>,
    size: Option<u64>,
}

impl Rendition {
    fn is_web_image(&self) -> bool {
        self.content_type.as_ref().is_some_and(|mime| {
            let essence = mime.essence().to_string().to_ascii_lowercase();
            WEB_IMAGE_TYPES.contains(&essence.as_str())
        })
    }

    fn area(&self) -> u64 {
        u64::from(self.width.unwrap_or(0)) * u64::from(self.height.unwrap_or(0))
    }
}

/// The lead image of a picture item from its `contentSet`: the largest
/// rendition by width × height whose `href` is http(s) (relative hrefs are
/// resolved against the document URL), web image types first.
pub(super) fn lead_image(
    content_set: Node<'_, '_>,
    doc_url: &Url,
    caption: Option<&str>,
    credit: Option<&str>,
) -> Option<MediaObject> {
    let renditions = g2_children(content_set, "remoteContent").filter_map(|remote| {
        rendition(
            remote,
            doc_url,
            ["href", "contenttype", "width", "height", "size"],
        )
    });
    Some(media_object(largest(renditions)?, caption, credit))
}

/// A picture in a NITF body (`<media media-type="image">`): its largest
/// `media-reference`, with `media-caption` and `media-producer` as credit.
pub(super) fn nitf_image(media: Node<'_, '_>, doc_url: &Url) -> Option<MediaObject> {
    if attr(media, "media-type").is_some_and(|kind| !kind.eq_ignore_ascii_case("image")) {
        return None;
    }
    let child = |name: &str| {
        media
            .children()
            .find(|node| node.is_element() && node.tag_name().name() == name)
    };
    let renditions = media
        .children()
        .filter(|node| node.is_element() && node.tag_name().name() == "media-reference")
        .filter_map(|reference| {
            rendition(
                reference,
                doc_url,
                ["source", "mime-type", "width", "height", ""],
            )
        });
    let caption = child("media-caption").and_then(plain_text);
    let credit = child("media-producer").and_then(plain_text);
    Some(media_object(
        largest(renditions)?,
        caption.as_deref(),
        credit.as_deref(),
    ))
}

fn largest(renditions: impl Iterator<Item = Rendition>) -> Option<Rendition> {
    renditions.max_by_key(|rendition| (rendition.is_web_image(), rendition.area()))
}

fn media_object(best: Rendition, caption: Option<&str>, credit: Option<&str>) -> MediaObject {
    // `MediaObject` has a private field: start from the default, then fill in.
    let mut media = MediaObject::default();
    media.content = vec![MediaContent {
        url: Some(best.url),
        content_type: best.content_type,
        height: best.height,
        width: best.width,
        duration: None,
        size: best.size,
        rating: None,
    }];
    media.description = caption.map(plain);
    media.credits = credit
        .map(|entity| MediaCredit {
            entity: entity.to_owned(),
        })
        .into_iter()
        .collect();
    media
}

/// A rendition from an element whose attributes are named, in order: the
/// URL, the MIME type, width, height and byte size ("" when there is none).
fn rendition(node: Node<'_, '_>, doc_url: &Url, names: [&str; 5]) -> Option<Rendition> {
    let [href, mime, width, height, size] = names;
    let url = doc_url.join(attr(node, href)?).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    Some(Rendition {
        url,
        content_type: attr(node, mime).and_then(|mime| mime.parse().ok()),
        width: attr(node, width).and_then(|n| n.parse().ok()),
        height: attr(node, height).and_then(|n| n.parse().ok()),
        size: attr(node, size).and_then(|n| n.parse().ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::agency::newsml::xml::G2_NS;

    fn best_of(content_set: &str, doc_url: &str) -> Option<MediaObject> {
        let xml = format!("<contentSet xmlns=\"{G2_NS}\">{content_set}</contentSet>");
        let doc = roxmltree::Document::parse(&xml).expect("test XML parses");
        let url = Url::parse(doc_url).expect("test URL");
        lead_image(doc.root_element(), &url, Some("A caption"), Some("Getty"))
    }

    fn url_of(media: &MediaObject) -> String {
        media.content[0]
            .url
            .as_ref()
            .map(Url::to_string)
            .unwrap_or_default()
    }

    #[test]
    fn largest_web_rendition_wins_over_larger_tiff_and_file_urls() {
        let media = best_of(
            r#"<remoteContent href="https://x.example/raw.tif" contenttype="image/tiff" width="6000" height="4000"/>
               <remoteContent href="file:///pics/huge.jpg" contenttype="image/jpeg" width="5000" height="4000"/>
               <remoteContent href="https://x.example/web.jpg" contenttype="image/jpeg" width="480" height="320"/>
               <remoteContent href="https://x.example/hi.jpg" contenttype="image/jpeg" width="1500" height="1001"/>"#,
            "https://agency.example/feed/",
        )
        .expect("a rendition is usable");
        assert_eq!(url_of(&media), "https://x.example/hi.jpg");
        assert_eq!(media.content[0].width, Some(1500));
        assert_eq!(media.content[0].height, Some(1001));
        assert_eq!(
            media.description.as_ref().map(|t| t.content.as_str()),
            Some("A caption")
        );
        assert_eq!(media.credits[0].entity, "Getty");
    }

    #[test]
    fn relative_hrefs_resolve_against_an_http_document_but_not_a_spool_file() {
        let rendition = r#"<remoteContent href="./pic.jpg" contenttype="image/jpeg"/>"#;
        let media = best_of(rendition, "https://agency.example/items/1.xml").expect("resolved");
        assert_eq!(url_of(&media), "https://agency.example/items/pic.jpg");
        assert!(best_of(rendition, "file:///spool/1.xml").is_none());
    }
}
