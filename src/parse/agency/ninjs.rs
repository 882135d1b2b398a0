//! ninjs (IPTC News in JSON) items into agency items, every generation in
//! one reader:
//! - 1.x: `headline`, `body_html` / `body_xhtml` / `body_text`,
//!   `description_text` / `description_html`, `byline`, `subject`, `genre`,
//!   `place`, renditions and associations as objects keyed by name;
//! - 2.x: `headlines[]`, `bodies[]`, `descriptions[]` (each with a role and a
//!   content type), `by`, `subjects`, `genres`, `places`, renditions and
//!   associations as arrays;
//! - 3.x: the 2.x shape with camelCase names (`pubStatus`, `versionCreated`,
//!   `embargoedUntil`, `contentType`), so names are matched without case.
//!
//! A document is one item, an array of items, or an API envelope holding
//! them under `items` / `data` / `item` (as AP's API wraps them).
//!
//! Read besides the fields in [`super`]'s table: `type` (a picture item's own
//! renditions are its image), descriptions by role (`caption` for pictures,
//! `creditline` as the picture credit), `title` and `slugline` as the title
//! of an item without headline. Ignored: `ednote` (for the newsroom only),
//! `altids`, `profile`, `version` (`versioncreated` orders versions),
//! `people`/`organisations`/`objects`/`events` (entities, not categories a
//! rule could rely on), `infosources`, `trustindicators`, `rightsinfo`
//! (linked or encoded rights languages; the notice and terms are read),
//! `charcount`/`wordcount`, and any association that is not a picture.

use feed_rs::model::{Category, Entry, Person};
use serde_json::{Map, Value};
use url::Url;

use super::build::{self, Rendition};
use super::{AgencyItem, Editorial, PubStatus};
use crate::parse::{NO_SOURCE_ID, ParseError};

/// How deep an envelope may nest items (`{"data": {"items": [{"item": …}]}}`).
const MAX_ENVELOPE_DEPTH: usize = 4;

/// Reads every ninjs item of a JSON document.
pub fn read(text: &str, url: &Url) -> Result<Vec<AgencyItem>, ParseError> {
    let value: Value = serde_json::from_str(text).map_err(|error| ParseError::Malformed {
        url: url.clone(),
        reason: format!("not valid JSON: {error}"),
    })?;
    let mut objects = Vec::new();
    collect_items(&value, MAX_ENVELOPE_DEPTH, &mut objects);
    if objects.is_empty() {
        return Err(ParseError::NotAFeed {
            url: url.clone(),
            reason: "JSON without a ninjs item (an object with a \"uri\" and a headline, body or renditions)"
                .into(),
        });
    }
    Ok(objects
        .into_iter()
        .map(|object| item(Obj(object)))
        .collect())
}

/// Whether `value` looks like ninjs: one item, or an array or envelope of them.
pub fn looks_like_ninjs(value: &Value) -> bool {
    let mut objects = Vec::new();
    collect_items(value, MAX_ENVELOPE_DEPTH, &mut objects);
    !objects.is_empty()
}

fn collect_items<'a>(value: &'a Value, depth: usize, into: &mut Vec<&'a Map<String, Value>>) {
    match value {
        Value::Object(map) if is_item(Obj(map)) => into.push(map),
        Value::Object(map) if depth > 0 => {
            if let Some(inner) = Obj(map).get(&["items", "data", "item"]) {
                collect_items(inner, depth - 1, into);
            }
        }
        Value::Array(values) if depth > 0 => {
            for value in values {
                collect_items(value, depth - 1, into);
            }
        }
        _ => {}
    }
}

fn is_item(object: Obj<'_>) -> bool {
    object.str(&["uri"]).is_some()
        && object
            .get(&[
                "headline",
                "headlines",
                "bodies",
                "body_html",
                "body_xhtml",
                "body_text",
                "descriptions",
                "description_text",
                "renditions",
            ])
            .is_some()
}

fn item(object: Obj<'_>) -> AgencyItem {
    let is_picture = object
        .str(&["type"])
        .is_some_and(|kind| matches!(kind.to_ascii_lowercase().as_str(), "picture" | "graphic"));
    let title = headline(object).or_else(|| object.str(&["title", "slugline"]).map(build::plain));
    let mut entry = Entry {
        id: object.str(&["uri"]).unwrap_or(NO_SOURCE_ID).to_owned(),
        title,
        summary: summary(object, is_picture),
        content: body(object).map(build::html_content),
        authors: object
            .str(&["by", "byline"])
            .map(|name| Person {
                name: Some(name.to_owned()),
                uri: None,
                email: None,
                role: None,
            })
            .into_iter()
            .collect(),
        categories: categories(object),
        published: object.str(&["firstcreated"]).and_then(build::date),
        updated: object.str(&["versioncreated"]).and_then(build::date),
        rights: build::rights_line(
            object.str(&["copyrightholder"]),
            object.str(&["copyrightnotice"]),
            object.str(&["usageterms"]),
        )
        .map(|line| build::plain(&line)),
        language: object.str(&["language"]).map(str::to_owned),
        ..Entry::default()
    };
    let lead = if is_picture {
        picture_of(object)
    } else {
        associations(object)
            .into_iter()
            .find_map(|(_, association)| picture_of(association))
    };
    entry.media.extend(lead);
    AgencyItem {
        entry,
        editorial: Editorial {
            status: object
                .str(&["pubstatus"])
                .map_or(PubStatus::Usable, PubStatus::from_word),
            embargoed: object
                .str(&["embargoed", "embargoeduntil"])
                .and_then(build::date),
            urgency: object.get(&["urgency"]).and_then(urgency),
            located: object.str(&["located"]).map(str::to_owned),
        },
    }
}

/// The main headline: 1.x `headline`, else the `headlines[]` entry with
/// role `main` (or no role), else the first.
fn headline(object: Obj<'_>) -> Option<feed_rs::model::Text> {
    if let Some(headline) = object.str(&["headline"]) {
        return Some(build::plain(headline));
    }
    let headlines = roled_values(object.get(&["headlines"]));
    headlines
        .iter()
        .find(|value| {
            value
                .role
                .is_none_or(|role| role.eq_ignore_ascii_case("main"))
        })
        .or_else(|| headlines.first())
        .map(|value| build::typed(value.text, value.content_type))
}

/// The standfirst: 1.x `description_text` / `description_html`; 2.x the
/// first description that does not describe a picture, and for a picture
/// its caption.
fn summary(object: Obj<'_>, is_picture: bool) -> Option<feed_rs::model::Text> {
    if let Some(text) = object.str(&["description_text"]) {
        return Some(build::plain(text));
    }
    if let Some(html) = object.str(&["description_html", "description_xhtml"]) {
        return Some(build::html(html));
    }
    let descriptions = roled_values(object.get(&["descriptions"]));
    // Roles are the agency's own words ("summary", NTB's "text"); those
    // describing a picture are not the story's standfirst.
    let summary_like = |role: Option<&str>| {
        role.is_none_or(|role| {
            ![
                "caption",
                "creditline",
                "credit",
                "alt",
                "alttext",
                "alternativetext",
            ]
            .iter()
            .any(|picture| role.eq_ignore_ascii_case(picture))
        })
    };
    descriptions
        .iter()
        .find(|value| summary_like(value.role))
        .or_else(|| {
            descriptions.iter().find(|value| {
                is_picture
                    && value
                        .role
                        .is_some_and(|r| r.eq_ignore_ascii_case("caption"))
            })
        })
        .map(|value| build::typed(value.text, value.content_type))
}

/// The body as HTML: the (X)HTML body when there is one, else the plain
/// text body as paragraphs.
fn body(object: Obj<'_>) -> Option<String> {
    if let Some(html) = object.str(&["body_html", "body_xhtml"]) {
        return Some(html.to_owned());
    }
    if let Some(text) = object.str(&["body_text"]) {
        return Some(build::paragraphs(text));
    }
    let bodies = roled_values(object.get(&["bodies"]));
    let marked_up = bodies.iter().find(|value| {
        value.content_type.is_some_and(build::is_html_type)
            || value.role.is_some_and(build::is_html_type)
    });
    match marked_up {
        Some(value) => Some(value.text.to_owned()),
        None => bodies.first().map(|value| build::paragraphs(value.text)),
    }
}

/// Subjects, genres and places, each with its code as the term (so rules
/// can match codes) and its name as the label (so rules can match names).
fn categories(object: Obj<'_>) -> Vec<Category> {
    let groups = [
        (&["subject", "subjects"][..], "subject"),
        (&["genre", "genres"][..], "genre"),
        (&["place", "places"][..], "place"),
    ];
    let mut categories = Vec::new();
    for (names, scheme) in groups {
        let Some(Value::Array(concepts)) = object.get(names) else {
            continue;
        };
        for concept in concepts.iter().filter_map(Value::as_object).map(Obj) {
            let name = concept.str(&["name"]);
            let code = concept
                .str(&["qcode"])
                .map(str::to_owned)
                .or_else(|| concept.str(&["uri"]).map(qcode_of))
                .or_else(|| {
                    let code = concept.str(&["code"])?;
                    Some(match concept.str(&["scheme"]) {
                        Some(scheme) => format!("{}{code}", scheme_prefix(scheme)),
                        None => code.to_owned(),
                    })
                })
                .or_else(|| concept.str(&["literal"]).map(str::to_owned));
            let (term, label) = match (code, name) {
                (Some(code), name) => (code, name.map(str::to_owned)),
                (None, Some(name)) => (name.to_owned(), None),
                (None, None) => continue,
            };
            categories.push(Category {
                term,
                scheme: Some(scheme.to_owned()),
                label,
                subcategories: Vec::new(),
            });
        }
    }
    categories
}

/// A concept URI in one of the common IPTC schemes as its qcode
/// (`http://cv.iptc.org/newscodes/mediatopic/20000151` → `medtop:20000151`),
/// the form NewsML-G2 sends, so one rule matches both formats; any other URI
/// as it is.
fn qcode_of(uri: &str) -> String {
    SCHEME_ALIASES
        .iter()
        .find_map(|(scheme, alias)| {
            let head = uri.get(..scheme.len())?;
            head.eq_ignore_ascii_case(scheme)
                .then(|| format!("{alias}{}", &uri[scheme.len()..]))
        })
        .unwrap_or_else(|| uri.to_owned())
}

/// IPTC NewsCodes scheme URIs and their qcode aliases.
const SCHEME_ALIASES: [(&str, &str); 4] = [
    ("http://cv.iptc.org/newscodes/mediatopic/", "medtop:"),
    ("http://cv.iptc.org/newscodes/subjectcode/", "subj:"),
    ("http://cv.iptc.org/newscodes/genre/", "genre:"),
    ("http://cvx.iptc.org/iso3166-1a2/", "iso3166-1a2:"),
];

/// The part a 1.x `scheme` URI and `code` are joined with: the IPTC
/// NewsCodes' own alias where it is one of the common ones
/// (`http://cv.iptc.org/newscodes/mediatopic/` → `medtop:`), else the URI.
fn scheme_prefix(scheme: &str) -> String {
    SCHEME_ALIASES
        .iter()
        .find(|(uri, _)| scheme.eq_ignore_ascii_case(uri))
        .map_or_else(|| scheme.to_owned(), |(_, alias)| (*alias).to_owned())
}

/// The associated items, by name: 1.x holds them in an object keyed by
/// name, 2.x and 3.x in an array with a `name` each. Pictures named like
/// a lead picture come first.
fn associations(object: Obj<'_>) -> Vec<(String, Obj<'_>)> {
    let mut found: Vec<(String, Obj<'_>)> = match object.get(&["associations"]) {
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(name, value)| Some((name.clone(), Obj(value.as_object()?))))
            .collect(),
        Some(Value::Array(values)) => values
            .iter()
            .filter_map(Value::as_object)
            .map(|map| (Obj(map).str(&["name"]).unwrap_or("").to_owned(), Obj(map)))
            .collect(),
        _ => Vec::new(),
    };
    let lead_like = |name: &str| {
        let name = name.to_ascii_lowercase();
        [
            "featureimage",
            "featuremedia",
            "mainpic",
            "main",
            "picture",
            "image",
            "photo",
        ]
        .iter()
        .any(|lead| name.starts_with(lead))
    };
    // Stable: keeps the agency's order among equals.
    found.sort_by_key(|(name, _)| !lead_like(name));
    found
}

/// A picture's largest usable rendition, with its caption and credit.
fn picture_of(object: Obj<'_>) -> Option<feed_rs::model::MediaObject> {
    let kind = object.str(&["type"]).map(str::to_ascii_lowercase);
    if kind
        .as_deref()
        .is_some_and(|kind| !matches!(kind, "picture" | "graphic" | "image"))
    {
        return None;
    }
    let renditions = renditions(object);
    let chosen = build::largest(&renditions)?;
    let descriptions = roled_values(object.get(&["descriptions"]));
    let with_role = |role: &str| {
        descriptions
            .iter()
            .find(|value| value.role.is_some_and(|r| r.eq_ignore_ascii_case(role)))
            .map(|value| value.text)
    };
    let caption = with_role("caption")
        .or_else(|| object.str(&["description_text"]))
        .or_else(|| {
            descriptions
                .iter()
                .find(|v| v.role.is_none())
                .map(|v| v.text)
        })
        .or_else(|| object.str(&["headline"]));
    let credit = with_role("creditline")
        .or_else(|| object.str(&["by", "byline"]))
        .or_else(|| object.str(&["copyrightholder"]));
    build::picture(chosen, caption, credit)
}

/// Renditions in either shape: a 1.x object keyed by name, or an array.
fn renditions(object: Obj<'_>) -> Vec<Rendition> {
    let entries: Vec<Obj<'_>> = match object.get(&["renditions"]) {
        Some(Value::Object(map)) => map.values().filter_map(Value::as_object).map(Obj).collect(),
        Some(Value::Array(values)) => values
            .iter()
            .filter_map(Value::as_object)
            .map(Obj)
            .collect(),
        _ => Vec::new(),
    };
    entries
        .into_iter()
        .filter_map(|rendition| {
            Some(Rendition {
                href: rendition.str(&["href"])?.to_owned(),
                content_type: rendition
                    .str(&["contenttype", "mimetype"])
                    .map(str::to_owned),
                width: rendition
                    .number(&["width"])
                    .and_then(|n| u32::try_from(n).ok()),
                height: rendition
                    .number(&["height"])
                    .and_then(|n| u32::try_from(n).ok()),
                size: rendition.number(&["sizeinbytes"]),
            })
        })
        .collect()
}

/// Urgency 1 to 9, written as a number or a numeral.
fn urgency(value: &Value) -> Option<u8> {
    let number = match value {
        Value::Number(number) => number.as_f64()?,
        Value::String(text) => text.trim().parse().ok()?,
        _ => return None,
    };
    (1.0..=9.0)
        .contains(&number)
        .then_some(number.round() as u8)
}

/// A `{role, contenttype, value}` entry of `headlines`, `descriptions` or
/// `bodies`.
struct RoledValue<'a> {
    role: Option<&'a str>,
    content_type: Option<&'a str>,
    text: &'a str,
}

fn roled_values(value: Option<&Value>) -> Vec<RoledValue<'_>> {
    let Some(Value::Array(values)) = value else {
        return Vec::new();
    };
    values
        .iter()
        .filter_map(|value| match value {
            Value::Object(map) => {
                let object = Obj(map);
                Some(RoledValue {
                    role: object.str(&["role"]),
                    content_type: object.str(&["contenttype"]),
                    text: object.str(&["value"])?,
                })
            }
            Value::String(text) if !text.trim().is_empty() => Some(RoledValue {
                role: None,
                content_type: None,
                text,
            }),
            _ => None,
        })
        .collect()
}

/// A JSON object read by names in any case (2.x `pubstatus` is 3.x
/// `pubStatus`).
#[derive(Clone, Copy)]
struct Obj<'a>(&'a Map<String, Value>);

impl<'a> Obj<'a> {
    fn get(self, names: &[&str]) -> Option<&'a Value> {
        names.iter().find_map(|name| {
            self.0
                .iter()
                .find(|(key, value)| key.eq_ignore_ascii_case(name) && !value.is_null())
                .map(|(_, value)| value)
        })
    }

    /// A non-blank string value.
    fn str(self, names: &[&str]) -> Option<&'a str> {
        names.iter().find_map(|name| {
            self.get(&[name])
                .and_then(Value::as_str)
                .filter(|text| !text.trim().is_empty())
        })
    }

    fn number(self, names: &[&str]) -> Option<u64> {
        match self.get(names)? {
            Value::Number(number) => number
                .as_u64()
                .or_else(|| number.as_f64().filter(|n| *n >= 0.0).map(|n| n as u64)),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_fixture(name: &str, text: &str) -> Vec<AgencyItem> {
        let url = Url::parse(&format!("https://wire.example/{name}")).expect("url");
        read(text, &url).unwrap_or_else(|error| panic!("{name}: {error}"))
    }

    fn only(name: &str, text: &str) -> AgencyItem {
        let mut items = read_fixture(name, text);
        assert_eq!(items.len(), 1, "{name}");
        items.remove(0)
    }

    fn text_of(text: &Option<feed_rs::model::Text>) -> &str {
        text.as_ref().map_or("", |text| text.content.as_str())
    }

    #[test]
    fn a_2x_text_item_maps_every_field_and_its_feature_picture() {
        let item = only(
            "text-with-picture-2.json",
            include_str!("../../../tests/fixtures/agency/ninjs/text-with-picture-2.json"),
        );
        let entry = &item.entry;
        assert_eq!(entry.id, "urn:newsml:wire.example:20261125:ceasefire-cairo");
        assert_eq!(
            text_of(&entry.title),
            "Ceasefire talks resume in Cairo as mediators press for a deal",
            "the main headline, not the short one listed first"
        );
        assert!(text_of(&entry.summary).starts_with("Negotiators returned"));
        let body = entry
            .content
            .as_ref()
            .and_then(|c| c.body.as_deref())
            .unwrap_or("");
        assert!(
            body.contains("<em>within reach</em>"),
            "the HTML body is preferred over the plain one: {body}"
        );
        assert_eq!(
            entry.authors[0].name.as_deref(),
            Some("Mona Haddad and Peter Lind")
        );
        assert_eq!(entry.published, build::date("2026-11-25T08:10:00Z"));
        assert_eq!(entry.updated, build::date("2026-11-25T08:40:00Z"));
        assert_eq!(entry.language.as_deref(), Some("en"));
        assert_eq!(
            text_of(&entry.rights),
            "© Central Press Agency. Editorial use only."
        );
        let terms: Vec<(&str, Option<&str>)> = entry
            .categories
            .iter()
            .map(|c| (c.term.as_str(), c.label.as_deref()))
            .collect();
        assert_eq!(
            terms,
            [
                ("medtop:16009000", Some("armed conflict")),
                ("medtop:11000000", Some("diplomacy")),
                ("genre:Current", Some("Current")),
                ("EG", Some("Egypt")),
            ]
        );
        let picture = &entry.media[0];
        let content = &picture.content[0];
        assert_eq!(
            content.url.as_ref().map(Url::as_str),
            Some("https://cdn.wire.example/cairo-1600.jpg"),
            "the largest rendition a browser shows, from the feature image, not the logo"
        );
        assert_eq!((content.width, content.height), (Some(1600), Some(1067)));
        assert_eq!(
            text_of(&picture.description),
            "Delegates arrive for talks in Cairo, Nov. 25, 2026."
        );
        assert_eq!(picture.credits[0].entity, "CPA/Sami Nour");
        assert_eq!(
            item.editorial,
            Editorial {
                status: PubStatus::Usable,
                embargoed: None,
                urgency: Some(3),
                located: Some("Cairo".into()),
            }
        );
    }

    #[test]
    fn the_ednote_is_never_read() {
        let text = include_str!("../../../tests/fixtures/agency/ninjs/text-with-picture-2.json");
        let item = only("text-with-picture-2.json", text);
        let everything = format!("{item:?}");
        assert!(text.contains("NOT FOR PUBLICATION"));
        assert!(!everything.contains("NOT FOR PUBLICATION"), "{everything}");
    }

    #[test]
    fn a_1x_flash_maps_its_plain_body_subject_codes_and_picture() {
        let item = only(
            "flash-1x.json",
            include_str!("../../../tests/fixtures/agency/ninjs/flash-1x.json"),
        );
        assert_eq!(item.editorial.urgency, Some(1));
        assert_eq!(item.editorial.located.as_deref(), Some("Ankara"));
        let entry = &item.entry;
        assert_eq!(
            text_of(&entry.title),
            "FLASH: Strong earthquake shakes eastern Turkey"
        );
        assert_eq!(
            entry.content.as_ref().and_then(|c| c.body.as_deref()),
            Some(
                "<p>ANKARA (CPA) - A strong earthquake struck eastern Turkey on Wednesday, the disaster agency said.</p><p>No casualties were immediately reported.</p>"
            )
        );
        assert_eq!(entry.categories[0].term, "medtop:20000151");
        assert_eq!(entry.categories[0].label.as_deref(), Some("earthquake"));
        assert_eq!(entry.authors[0].name.as_deref(), Some("Wire staff"));
        assert_eq!(
            entry.media[0].content[0].url.as_ref().map(Url::as_str),
            Some("http://cdn.wire.example/quake-large.png")
        );
        assert_eq!(
            text_of(&entry.media[0].description),
            "Map of the earthquake region"
        );
    }

    #[test]
    fn a_3x_item_is_read_with_camel_case_names() {
        let item = only(
            "embargoed-3.json",
            include_str!("../../../tests/fixtures/agency/ninjs/embargoed-3.json"),
        );
        assert_eq!(
            item.editorial.embargoed,
            build::date("2026-11-26T09:00:00Z"),
            "embargoedUntil, in UTC"
        );
        assert_eq!(item.editorial.urgency, Some(4), "a numeral counts");
        assert_eq!(item.entry.updated, build::date("2026-11-25T06:00:00Z"));
        assert_eq!(item.entry.published, build::date("2026-11-25T06:00:00Z"));
        assert_eq!(
            text_of(&item.entry.rights),
            "Copyright 2026 Central Press Agency."
        );
        assert_eq!(
            item.entry.content.as_ref().and_then(|c| c.body.as_deref()),
            Some("<p>The budget will be presented on Thursday.</p>")
        );
    }

    #[test]
    fn withheld_and_canceled_are_read_and_a_plain_body_is_escaped() {
        let withheld = only(
            "withheld-2.json",
            include_str!("../../../tests/fixtures/agency/ninjs/withheld-2.json"),
        );
        assert_eq!(withheld.editorial.status, PubStatus::Withheld);
        let kill = only(
            "kill-2.json",
            include_str!("../../../tests/fixtures/agency/ninjs/kill-2.json"),
        );
        assert_eq!(kill.editorial.status, PubStatus::Canceled);
        assert_eq!(
            kill.entry.id, withheld.entry.id,
            "the kill names the same story"
        );
        assert!(kill.entry.updated > withheld.entry.updated);
    }

    #[test]
    fn an_api_envelope_yields_the_items_it_wraps() {
        let items = read_fixture(
            "envelope-2.json",
            include_str!("../../../tests/fixtures/agency/ninjs/envelope-2.json"),
        );
        let titles: Vec<&str> = items
            .iter()
            .map(|item| text_of(&item.entry.title))
            .collect();
        assert_eq!(titles, ["First story", "Second story"]);
    }

    #[test]
    fn json_without_items_and_broken_json_are_errors_naming_the_document() {
        let url = Url::parse("https://wire.example/x.json").expect("url");
        match read(
            r#"{"version": "https://jsonfeed.org/version/1.1", "items": []}"#,
            &url,
        ) {
            Err(ParseError::NotAFeed { url, .. }) => {
                assert_eq!(url.as_str(), "https://wire.example/x.json")
            }
            other => panic!("expected NotAFeed, got {other:?}"),
        }
        assert!(matches!(
            read(r#"{"uri": "a", "headline": "#, &url),
            Err(ParseError::Malformed { .. })
        ));
    }

    #[test]
    fn odd_types_never_panic_and_fall_back_to_nothing() {
        let url = Url::parse("https://wire.example/odd.json").expect("url");
        let odd = r#"{"uri": "u", "headlines": "not an array", "bodies": [1, null, {"value": 5}],
            "urgency": 77, "pubstatus": 3, "renditions": [{"href": 4}], "subjects": {"a": 1},
            "associations": [1, "x"], "versioncreated": "yesterday", "headline": null}"#;
        let item = read(odd, &url).expect("read").remove(0);
        assert_eq!(item.editorial.urgency, None);
        assert_eq!(item.editorial.status, PubStatus::Usable);
        assert!(item.entry.title.is_none() && item.entry.content.is_none());
        assert!(item.entry.updated.is_none() && item.entry.media.is_empty());
    }
}
