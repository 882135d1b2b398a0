//! The lead picture of an item: for a picture (or graphic) item its largest
//! usable `remoteContent` rendition, for a text item the first picture of its
//! NITF body; with caption and credit.

use feed_rs::model::MediaObject;
use roxmltree::Node;
use url::Url;

use crate::parse::agency::build::{self, Rendition};

use super::xml::{attr, g2_children, plain_text};

/// The lead image of a picture item from its `contentSet`: the largest
/// usable rendition ([`build::largest`]: http(s), a type browsers show),
/// relative hrefs resolved against the document URL.
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
    let renditions: Vec<Rendition> = renditions.collect();
    build::picture(build::largest(&renditions)?, caption, credit)
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
    let renditions: Vec<Rendition> = renditions.collect();
    let caption = child("media-caption").and_then(plain_text);
    let credit = child("media-producer").and_then(plain_text);
    build::picture(
        build::largest(&renditions)?,
        caption.as_deref(),
        credit.as_deref(),
    )
}

/// A rendition from an element whose attributes are named, in order: the
/// URL, the MIME type, width, height and byte size ("" when there is none).
fn rendition(node: Node<'_, '_>, doc_url: &Url, names: [&str; 5]) -> Option<Rendition> {
    let [href, mime, width, height, size] = names;
    let url = doc_url.join(attr(node, href)?).ok()?;
    Some(Rendition {
        href: url.to_string(),
        content_type: attr(node, mime).map(str::to_owned),
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
