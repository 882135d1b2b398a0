//! One G2 `newsItem` to an [`AgencyItem`]: the metadata of `itemMeta`,
//! `contentMeta` and `rightsInfo`, and the body of `contentSet`.

use chrono::{DateTime, Utc};
use feed_rs::model::{Category, Content, Entry, Link, Person};
use mediatype::MediaTypeBuf;
use roxmltree::Node;
use url::Url;

use super::body::{self, Body};
use super::media::lead_image;
use super::xml::{
    attr, collapse_whitespace, concept_name, g2_child, g2_children, g2_path, plain_text, xml_lang,
};
use crate::parse::NO_SOURCE_ID;
use crate::parse::agency::build::{date, plain};
use crate::parse::agency::{AgencyItem, Editorial, PubStatus};

/// What kind of item this is (`itemMeta/itemClass`), as far as reading cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ItemClass {
    Text,
    /// `ninat:picture` and `ninat:graphic`: the item is its own lead image.
    Picture,
    /// Video, audio, composite, or no class given.
    Other,
}

impl ItemClass {
    pub(super) fn of(item: Node<'_, '_>) -> ItemClass {
        let qcode =
            g2_path(item, &["itemMeta", "itemClass"]).and_then(|class| attr(class, "qcode"));
        let word = qcode.map(|qcode| qcode.rsplit_once(':').map_or(qcode, |(_, word)| word));
        match word {
            Some("text") => ItemClass::Text,
            Some("picture" | "graphic") => ItemClass::Picture,
            _ => ItemClass::Other,
        }
    }
}

/// Reads one `newsItem`; `None` when it has nothing to publish (no
/// headline, description or body), as in the guidelines' skeleton listings.
pub(super) fn read_item(
    item: Node<'_, '_>,
    doc_url: &Url,
    inherited_lang: Option<&str>,
) -> Option<AgencyItem> {
    let item_meta = g2_child(item, "itemMeta");
    let content_meta = g2_child(item, "contentMeta");
    let content_set = g2_child(item, "contentSet");
    let class = ItemClass::of(item);

    let mut body = content_set
        .map(|set| body::read(set, doc_url))
        .unwrap_or_default();
    let language = content_meta
        .and_then(|meta| g2_child(meta, "language"))
        .and_then(|language| attr(language, "tag"))
        .or_else(|| {
            content_set
                .and_then(|set| g2_child(set, "inlineXML"))
                .and_then(xml_lang)
        })
        .or_else(|| xml_lang(item))
        .or(inherited_lang);

    let title = content_meta
        .and_then(|meta| headline(meta, language))
        .or_else(|| body.headline.clone());
    let caption = content_meta.and_then(|meta| {
        pick(meta, "description", language, |role| {
            role == Some(CAPTION_ROLE)
        })
    });
    let summary = content_meta
        .and_then(|meta| summary_description(meta, language))
        .or_else(|| body.abstract_text.clone())
        .or_else(|| body.subheadline.clone())
        .or_else(|| caption.clone().filter(|_| class == ItemClass::Picture));
    if title.is_none() && summary.is_none() && body.html.is_none() {
        tracing::debug!(guid = ?attr(item, "guid"), "newsItem with nothing to publish skipped");
        return None;
    }

    let rights_info = g2_child(item, "rightsInfo");
    let holder = rights_info
        .and_then(|info| g2_child(info, "copyrightHolder"))
        .and_then(|holder| concept_name(holder, language));
    let media = match (class, content_set) {
        (ItemClass::Picture, Some(set)) => {
            let credit = content_meta
                .and_then(|meta| g2_child(meta, "creditline"))
                .and_then(plain_text)
                .or_else(|| holder.clone());
            let caption = caption.as_deref().or(summary.as_deref());
            lead_image(set, doc_url, caption, credit.as_deref())
                .into_iter()
                .collect()
        }
        _ => body.image.take().into_iter().collect(),
    };

    let entry = Entry {
        id: attr(item, "guid").unwrap_or(NO_SOURCE_ID).to_owned(),
        title: title.as_deref().map(plain),
        summary: summary.as_deref().map(plain),
        content: body.html.as_deref().map(html_content),
        authors: authors(content_meta, &body, language),
        categories: content_meta.map(categories).unwrap_or_default(),
        published: date_of(item_meta, "firstCreated")
            .or_else(|| date_of(content_meta, "contentCreated")),
        updated: date_of(item_meta, "versionCreated"),
        rights: rights_info
            .and_then(|info| rights(info, holder.as_deref()))
            .as_deref()
            .map(plain),
        links: item_meta.map(web_links).unwrap_or_default(),
        language: language.map(str::to_owned),
        media,
        ..Entry::default()
    };
    Some(AgencyItem {
        entry,
        editorial: editorial(item_meta, content_meta, &body, language),
    })
}

fn editorial(
    item_meta: Option<Node<'_, '_>>,
    content_meta: Option<Node<'_, '_>>,
    body: &Body,
    language: Option<&str>,
) -> Editorial {
    let mut status = item_meta
        .and_then(|meta| g2_child(meta, "pubStatus"))
        .and_then(|status| attr(status, "qcode"))
        .map_or(PubStatus::Usable, PubStatus::from_word);
    let embargo = item_meta.and_then(|meta| g2_child(meta, "embargoed"));
    let embargoed = embargo.and_then(|embargo| date(embargo.text().unwrap_or("")));
    // An empty `<embargoed/>` is G2 for "embargoed until further notice": held
    // back like a withheld item until a version with a time (or none) arrives.
    let indefinite = embargo.is_some_and(|embargo| embargo.text().unwrap_or("").trim().is_empty());
    if indefinite && status == PubStatus::Usable {
        status = PubStatus::Withheld;
    }
    let urgency = content_meta
        .and_then(|meta| g2_child(meta, "urgency"))
        .and_then(|urgency| urgency.text()?.trim().parse::<u8>().ok())
        .filter(|urgency| (1..=9).contains(urgency));
    let located = content_meta
        .and_then(|meta| g2_child(meta, "located"))
        .and_then(|located| concept_name(located, language))
        .or_else(|| {
            content_meta
                .and_then(|meta| g2_child(meta, "dateline"))
                .and_then(plain_text)
        })
        .or_else(|| body.dateline.clone());
    Editorial {
        status,
        embargoed,
        urgency,
        located,
    }
}

/// The main headline: one without a role or with `hdltype:main`, else the first.
fn headline(meta: Node<'_, '_>, language: Option<&str>) -> Option<String> {
    pick(meta, "headline", language, |role| {
        role.is_none_or(|role| role == "hdltype:main")
    })
    .or_else(|| pick(meta, "headline", language, |_| true))
}

/// The summary: a description without a role or with `drol:summary`, else
/// any description that is not a picture caption.
fn summary_description(meta: Node<'_, '_>, language: Option<&str>) -> Option<String> {
    pick(meta, "description", language, |role| {
        role.is_none_or(|role| role == "drol:summary")
    })
    .or_else(|| {
        pick(meta, "description", language, |role| {
            role != Some(CAPTION_ROLE)
        })
    })
}

const CAPTION_ROLE: &str = "drol:caption";

/// The first `name` element whose `@role` fits, in the item's language when
/// one is in it; its plain text.
fn pick(
    meta: Node<'_, '_>,
    name: &str,
    language: Option<&str>,
    role_fits: impl Fn(Option<&str>) -> bool,
) -> Option<String> {
    let fitting: Vec<Node<'_, '_>> = g2_children(meta, name)
        .filter(|node| role_fits(attr(*node, "role")))
        .collect();
    let in_language = fitting
        .iter()
        .find(|node| match (xml_lang(**node), language) {
            (Some(own), Some(item)) => own.eq_ignore_ascii_case(item),
            _ => true,
        });
    in_language
        .or(fitting.first())
        .and_then(|node| plain_text(*node))
}

fn authors(content_meta: Option<Node<'_, '_>>, body: &Body, language: Option<&str>) -> Vec<Person> {
    let creators = content_meta
        .into_iter()
        .flat_map(|meta| g2_children(meta, "creator"))
        .filter_map(|creator| concept_name(creator, language));
    creators
        .chain(body.byline.clone())
        .map(|name| Person {
            name: Some(name),
            uri: None,
            email: None,
            role: None,
        })
        .collect()
}

/// Subjects and genres with a code, each as code + name.
fn categories(content_meta: Node<'_, '_>) -> Vec<Category> {
    let mut categories = Vec::new();
    for (element, scheme) in [("subject", "subject"), ("genre", "genre")] {
        for concept in g2_children(content_meta, element) {
            let Some(code) = attr(concept, "qcode").or_else(|| attr(concept, "uri")) else {
                continue;
            };
            categories.push(Category {
                term: code.to_owned(),
                scheme: Some(scheme.to_owned()),
                label: concept_name_only(concept),
                subcategories: Vec::new(),
            });
        }
    }
    categories
}

/// A concept's `name` child (not its literal: subjects with only a literal are
/// local labels, and those without a code are skipped anyway).
fn concept_name_only(concept: Node<'_, '_>) -> Option<String> {
    g2_child(concept, "name").and_then(plain_text)
}

fn date_of(meta: Option<Node<'_, '_>>, name: &str) -> Option<DateTime<Utc>> {
    date(g2_child(meta?, name)?.text()?)
}

/// "© Holder. Notice. Usage terms." from the parts present.
fn rights(info: Node<'_, '_>, holder: Option<&str>) -> Option<String> {
    let notice = g2_child(info, "copyrightNotice").and_then(plain_text);
    let terms = g2_child(info, "usageTerms").and_then(plain_text);
    let parts: Vec<String> = [holder.map(|holder| format!("© {holder}")), notice, terms]
        .into_iter()
        .flatten()
        .map(|part| {
            let part = part.trim_end_matches('.').to_owned();
            format!("{part}.")
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// A web page for the item: `itemMeta/link` with an absolute http(s) href,
/// `rel` absent or `irel:seeAlso`, and no content type other than HTML.
fn web_links(item_meta: Node<'_, '_>) -> Vec<Link> {
    g2_children(item_meta, "link")
        .filter(|link| attr(*link, "rel").is_none_or(|rel| rel == "irel:seeAlso"))
        .filter(|link| {
            attr(*link, "contenttype").is_none_or(|mime| {
                let mime = mime.to_ascii_lowercase();
                mime.starts_with("text/html") || mime.starts_with("application/xhtml+xml")
            })
        })
        .filter_map(|link| {
            let href = Url::parse(attr(link, "href")?).ok()?;
            matches!(href.scheme(), "http" | "https").then(|| Link {
                href: href.to_string(),
                target: None,
                rel: Some("alternate".to_owned()),
                media_type: None,
                href_lang: None,
                title: attr(link, "title").map(collapse_whitespace),
                length: None,
            })
        })
        .take(1)
        .collect()
}

fn html_content(html: &str) -> Content {
    Content {
        body: Some(html.to_owned()),
        content_type: MediaTypeBuf::new(mediatype::names::TEXT, mediatype::names::HTML),
        length: None,
        src: None,
    }
}
