//! Pieces of a feed-rs entry that both agency readers build the same way:
//! texts, the HTML body, dates, the lead picture and the rights line.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use feed_rs::model::{Content, MediaContent, MediaCredit, MediaObject, Text};
use mediatype::MediaTypeBuf;
use mediatype::names::{HTML, PLAIN, TEXT};

/// A plain-text value.
pub(crate) fn plain(content: &str) -> Text {
    Text {
        content_type: MediaTypeBuf::new(TEXT, PLAIN),
        src: None,
        content: content.trim().to_owned(),
    }
}

/// An HTML value (sanitized later, by `normalize`).
pub(crate) fn html(content: &str) -> Text {
    Text {
        content_type: MediaTypeBuf::new(TEXT, HTML),
        src: None,
        content: content.trim().to_owned(),
    }
}

/// A text whose media type the agency gave: HTML for any (X)HTML type,
/// plain otherwise.
pub(crate) fn typed(content: &str, content_type: Option<&str>) -> Text {
    if content_type.is_some_and(is_html_type) {
        html(content)
    } else {
        plain(content)
    }
}

/// Whether a media type or a ninjs body role names (X)HTML.
pub(crate) fn is_html_type(content_type: &str) -> bool {
    let lower = content_type.to_ascii_lowercase();
    lower.contains("html")
}

/// The entry's body, as HTML.
pub(crate) fn html_content(body: String) -> Content {
    Content {
        body: Some(body),
        content_type: MediaTypeBuf::new(TEXT, HTML),
        length: None,
        src: None,
    }
}

/// Plain text as HTML paragraphs: a blank line (or, when there is none, a
/// line break) separates paragraphs.
pub(crate) fn paragraphs(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let separator = if text.contains("\n\n") { "\n\n" } else { "\n" };
    text.split(separator)
        .map(str::trim)
        .filter(|paragraph| !paragraph.is_empty())
        .map(|paragraph| format!("<p>{}</p>", escape(paragraph)))
        .collect()
}

/// Text escaped for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

/// A date-time as agencies write it (G2's `xs:dateTime` / `xs:date`, ninjs's
/// `date-time`), in UTC: RFC 3339, optional fractions, `Z`, an offset
/// (also `+0100`), or none (read as UTC: what agencies that omit it mean);
/// a bare date is midnight UTC there. `None` for anything else, including
/// the truncated forms `2018-10` and `2018`, which no timestamp field uses.
pub(crate) fn date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    if let Ok(at) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(at.with_timezone(&Utc));
    }
    if let Ok(at) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(at.and_utc());
    }
    let date_part = text.get(..10)?;
    let date = NaiveDate::parse_from_str(date_part, "%Y-%m-%d").ok()?;
    let midnight = date.and_hms_opt(0, 0, 0)?;
    match &text[10..] {
        "" | "Z" => Some(midnight.and_utc()),
        // A date with an offset: midnight there.
        zone => {
            let at = format!("{date_part}T00:00:00{zone}");
            DateTime::parse_from_rfc3339(&at)
                .or_else(|_| DateTime::parse_from_str(&at, "%Y-%m-%dT%H:%M:%S%z"))
                .ok()
                .map(|at| at.with_timezone(&Utc))
        }
    }
}

/// One rendition of a picture, as either format describes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Rendition {
    pub href: String,
    pub content_type: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub size: Option<u64>,
}

impl Rendition {
    /// Web-readable: an http(s) link to an image type browsers show (or of
    /// no stated type).
    fn usable(&self) -> bool {
        let web =
            url::Url::parse(&self.href).is_ok_and(|url| matches!(url.scheme(), "http" | "https"));
        let shown = self.content_type.as_deref().is_none_or(|kind| {
            let kind = kind.to_ascii_lowercase();
            [
                "image/jpeg",
                "image/jpg",
                "image/png",
                "image/webp",
                "image/gif",
            ]
            .iter()
            .any(|known| kind.starts_with(known))
        });
        web && shown
    }

    /// Pixels when both sides are known, else the byte size: what "largest"
    /// compares.
    fn area(&self) -> (u64, u64) {
        let pixels = match (self.width, self.height) {
            (Some(width), Some(height)) => u64::from(width) * u64::from(height),
            _ => 0,
        };
        (pixels, self.size.unwrap_or(0))
    }
}

/// The largest usable rendition.
pub(crate) fn largest(renditions: &[Rendition]) -> Option<&Rendition> {
    renditions
        .iter()
        .filter(|rendition| rendition.usable())
        .max_by_key(|rendition| rendition.area())
}

/// The lead picture as the media object `normalize` takes the image from.
pub(crate) fn picture(
    rendition: &Rendition,
    caption: Option<&str>,
    credit: Option<&str>,
) -> Option<MediaObject> {
    let url = url::Url::parse(&rendition.href).ok()?;
    let content_type = rendition
        .content_type
        .as_deref()
        .map(|kind| kind.replace("image/jpg", "image/jpeg"))
        .and_then(|kind| kind.parse::<MediaTypeBuf>().ok());
    // `MediaObject` has a private field: start from the default, set ours.
    let mut media = MediaObject::default();
    media.content = vec![MediaContent {
        url: Some(url),
        content_type,
        height: rendition.height,
        width: rendition.width,
        duration: None,
        size: rendition.size,
        rating: None,
    }];
    media.description = caption.filter(|c| !c.trim().is_empty()).map(plain);
    media.credits = credit
        .filter(|c| !c.trim().is_empty())
        .map(|c| MediaCredit {
            entity: c.trim().to_owned(),
        })
        .into_iter()
        .collect();
    Some(media)
}

fn nonempty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The rights statement: the copyright notice (or "© holder" without one),
/// then the usage terms.
pub(crate) fn rights_line(
    holder: Option<&str>,
    notice: Option<&str>,
    terms: Option<&str>,
) -> Option<String> {
    let copyright = nonempty(notice)
        .map(str::to_owned)
        .or_else(|| nonempty(holder).map(|holder| format!("© {holder}")));
    let parts: Vec<String> = copyright
        .into_iter()
        .chain(nonempty(terms).map(str::to_owned))
        .map(|part| {
            if part.ends_with(['.', '!', '?']) {
                part
            } else {
                format!("{part}.")
            }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_date_forms_are_read_as_utc() {
        let expected = date("2019-05-10T14:02:28Z").expect("rfc 3339");
        assert_eq!(date("2019-05-10T16:02:28+02:00"), Some(expected));
        assert_eq!(date("2019-05-10T16:02:28+0200"), Some(expected));
        assert_eq!(date("2019-05-10T14:02:28"), Some(expected));
        assert_eq!(
            date("2019-05-10"),
            date("2019-05-10T00:00:00Z"),
            "a bare date is midnight UTC"
        );
        assert_eq!(date("last Tuesday"), None);
    }

    #[test]
    fn the_largest_web_image_rendition_wins() {
        let rendition = |href: &str, kind: &str, width, height| Rendition {
            href: href.into(),
            content_type: Some(kind.into()),
            width: Some(width),
            height: Some(height),
            size: None,
        };
        let renditions = [
            rendition("https://a.example/thumb.jpg", "image/jpeg", 125, 92),
            rendition("https://a.example/main.jpg", "image/jpeg", 3000, 2208),
            rendition("https://a.example/huge.tif", "image/tiff", 9000, 6000),
            rendition("ftp://a.example/big.jpg", "image/jpeg", 5000, 4000),
        ];
        assert_eq!(
            largest(&renditions).map(|r| r.href.as_str()),
            Some("https://a.example/main.jpg")
        );
    }

    #[test]
    fn rights_line_joins_notice_or_holder_with_the_terms() {
        assert_eq!(
            rights_line(Some("dpa"), None, Some("Editorial use only")),
            Some("© dpa. Editorial use only.".into())
        );
        assert_eq!(
            rights_line(Some("dpa"), Some("Copyright 2019, dpa."), None),
            Some("Copyright 2019, dpa.".into())
        );
        assert_eq!(rights_line(None, Some(" "), None), None);
    }

    #[test]
    fn plain_text_becomes_escaped_paragraphs() {
        assert_eq!(
            paragraphs("Fish & chips <b>\n\nSecond"),
            "<p>Fish &amp; chips &lt;b&gt;</p><p>Second</p>"
        );
        assert_eq!(paragraphs("One\nTwo"), "<p>One</p><p>Two</p>");
    }
}

#[cfg(test)]
mod date_tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test date is RFC 3339")
            .with_timezone(&Utc)
    }

    #[test]
    fn offsets_fractions_and_padding_are_read_as_utc() {
        assert_eq!(
            date(" 2018-10-21T16:25:32-05:00 \n"),
            Some(utc("2018-10-21T21:25:32Z"))
        );
        assert_eq!(
            date("2018-10-19T11:17:00.150Z"),
            Some(utc("2018-10-19T11:17:00.150Z"))
        );
        assert_eq!(
            date("2018-10-21T16:25:32+0100"),
            Some(utc("2018-10-21T15:25:32Z"))
        );
    }

    #[test]
    fn a_time_without_zone_and_a_bare_date_are_utc() {
        assert_eq!(
            date("2018-10-23T12:00:00"),
            Some(utc("2018-10-23T12:00:00Z"))
        );
        assert_eq!(date("2018-02-05"), Some(utc("2018-02-05T00:00:00Z")));
        assert_eq!(date("2018-02-05+01:00"), Some(utc("2018-02-04T23:00:00Z")));
    }

    #[test]
    fn truncated_and_garbage_dates_are_none() {
        assert_eq!(date("2018-10"), None);
        assert_eq!(date(""), None);
        assert_eq!(date("Friday noon"), None);
        assert_eq!(date("2018-02-05\u{e9}"), None);
    }
}
