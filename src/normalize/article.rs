//! One feed entry to one [`Article`]: the steps of normalize in order.

use feed_rs::model::Entry;
use url::Url;

use super::canonical::canonical_url;
use super::id::{IdBasis, anchored_article_id, derived_item_id};
use super::rules::{ItemFacts, Verdict};
use super::sanitize::sanitize_html;
use super::text::{plain_to_html, sanitized_to_text, text_of, truncate_at_word, word_count};
use super::{Context, NO_SOURCE_ID, Outcome, byline, dates, image, language, links, rules, slug};
use crate::config::FeedConfig;
use crate::model::{Article, Attribution};

/// Longest summary made from (or capped like) the body, in characters.
const SUMMARY_MAX_CHARS: usize = 300;
/// Longest title kept, in characters: headlines run to a hundred or so; a
/// longer one is a feed fault, and one of a megabyte a hostile one.
pub(crate) const TITLE_MAX_CHARS: usize = 300;
/// Longest title made from the body when the item has none.
const TITLE_FROM_BODY_MAX_CHARS: usize = 80;
/// Reading speed for `reading_minutes`.
const WORDS_PER_MINUTE: usize = 200;

/// What normalize knows about the feed as a whole, worked out once.
pub(crate) struct Channel<'a> {
    /// Where the document came from; the last resort for relative links.
    pub doc_url: &'a Url,
    /// The feed's own page link (RSS channel link, Atom alternate).
    pub link: Option<Url>,
    /// The root element's `xml:base`, which every entry inherits.
    pub xml_base: Option<Url>,
    /// JSON Feed item images by item id (feed-rs drops them).
    pub json_images: &'a std::collections::HashMap<String, String>,
    pub home_url: Option<String>,
    pub rights: Option<String>,
    pub language: Option<&'a str>,
    pub authors: &'a [feed_rs::model::Person],
}

/// Build the article for one entry; `None` for an entry with nothing to
/// publish (no title, no content and no link).
pub(crate) fn normalize_entry(
    feed: &FeedConfig,
    ctx: &Context<'_>,
    channel: &Channel<'_>,
    entry: &Entry,
) -> Option<Outcome> {
    let item_link = links::alternate(&entry.links, channel.doc_url);
    let base = content_base(entry, item_link.as_ref(), channel);

    let title_text = entry.title.as_ref().map(text_of).unwrap_or_default();
    let summary_text = entry.summary.as_ref().map(text_of).unwrap_or_default();
    let (body_source, body_is_summary) = match body_html(entry, &summary_text) {
        Some(Body::Content(html)) => (Some(html), false),
        Some(Body::Summary(html)) => (Some(html), true),
        None => (None, false),
    };
    // A file:// base (a local spool) means nothing to readers: relative URLs
    // are dropped rather than pointed at our disk.
    let public_base = matches!(base.scheme(), "http" | "https").then_some(&base);
    let body_html = body_source
        .as_deref()
        .map(|html| sanitize_html(html, public_base))
        .filter(|html| !html.trim().is_empty());
    let body_text = body_html
        .as_deref()
        .map(sanitized_to_text)
        .unwrap_or_default();

    if title_text.is_empty()
        && body_html.is_none()
        && summary_text.is_empty()
        && item_link.is_none()
    {
        tracing::debug!(feed = %feed.id, entry = %entry.id, "entry without title, content or link skipped");
        return None;
    }

    let item_id = source_item_id(
        entry,
        item_link.as_ref(),
        &title_text,
        body_source
            .as_deref()
            .or(entry.summary.as_ref().map(|s| s.content.as_str())),
    );
    let title = if title_text.is_empty() {
        [&body_text, &summary_text]
            .into_iter()
            .find(|text| !text.is_empty())
            .map(|text| truncate_at_word(text, TITLE_FROM_BODY_MAX_CHARS))
            .or_else(|| item_link.as_ref().map(Url::to_string))
            .unwrap_or_default()
    } else if title_text.chars().count() > TITLE_MAX_CHARS {
        tracing::warn!(feed = %feed.id, item = %item_id, chars = title_text.chars().count(), "title too long; cut to {TITLE_MAX_CHARS} characters");
        truncate_at_word(&title_text, TITLE_MAX_CHARS)
    } else {
        title_text
    };
    let authors = byline::authors(&entry.authors, channel.authors);
    let categories = categories(entry);

    let facts = ItemFacts {
        title: &title,
        url: item_link.as_ref().map(Url::as_str),
        categories: &categories,
        authors: &authors,
    };
    let classification = match rules::classify(feed, &facts) {
        Verdict::Keep(classification) => classification,
        Verdict::Drop { rule_line } => {
            tracing::debug!(feed = %feed.id, item = %item_id, rule_line, "item dropped by rule");
            return Some(Outcome::Dropped {
                item_id,
                title,
                rule_line,
            });
        }
    };

    let dates = dates::resolve(entry.published, entry.updated, ctx.now);
    let no_aliases = Default::default();
    let url = item_link
        .as_ref()
        .map(|link| canonical_url(link).to_string());
    Some(Outcome::Keep(Article {
        id: anchored_article_id(&feed.id, &item_id, url.as_deref()),
        url,
        title,
        summary: summary(&summary_text, &body_text, body_is_summary),
        authors,
        source: attribution(feed, channel, entry, item_id, item_link.as_ref(), &dates),
        also_via: Vec::new(),
        published: dates.published,
        updated: dates.updated,
        section: classification.section,
        kind: classification.kind,
        tags: slug::labels(&classification.tags, ctx.tag_aliases),
        // Aliases are a `[tags]` setting; regions and series are written as editors want them.
        regions: slug::labels(&classification.regions, &no_aliases),
        series: classification
            .series
            .as_deref()
            .and_then(|series| slug::label(series, &no_aliases)),
        language: language::first_language([
            entry.language.as_deref(),
            channel.language,
            feed.language.as_deref(),
            Some(ctx.site.language.as_str()),
        ]),
        image: image::lead_image(
            entry,
            &base,
            body_html.as_deref(),
            channel.json_images.get(&entry.id).map(String::as_str),
        ),
        enclosures: image::enclosures(entry, &base),
        reading_minutes: body_html.as_ref().map(|_| reading_minutes(&body_text)),
        breaking: classification.breaking,
        categories,
        content_html: body_html,
        editorial: Default::default(),
    }))
}

/// Who the item came from: feeds.toml first, then the feed itself.
fn attribution(
    feed: &FeedConfig,
    channel: &Channel<'_>,
    entry: &Entry,
    item_id: String,
    item_link: Option<&Url>,
    dates: &dates::Dates,
) -> Attribution {
    Attribution {
        feed_id: feed.id.clone(),
        name: feed.name.clone(),
        home_url: feed
            .home_url
            .as_ref()
            .map(Url::to_string)
            .or_else(|| channel.home_url.clone()),
        feed_url: feed.url.clone(),
        item_id,
        item_url: item_link.map(Url::to_string),
        credit: feed.credit.clone(),
        rights: feed
            .rights
            .clone()
            .or_else(|| entry.rights.as_ref().map(text_of).filter(|r| !r.is_empty()))
            .or_else(|| channel.rights.clone()),
        // The source's own date, as it said it; `None` when it gave none
        // that can be true (year 9999, year 0), like an undated item.
        published: dates.source,
    }
}

/// Relative URLs in the body resolve against the content's `xml:base`
/// (itself resolved), else the one the entry inherits from the root element,
/// else the item link, else the channel link, else the document URL.
fn content_base(entry: &Entry, item_link: Option<&Url>, channel: &Channel<'_>) -> Url {
    let fallback = channel
        .xml_base
        .as_ref()
        .or(item_link)
        .or(channel.link.as_ref())
        .unwrap_or(channel.doc_url);
    entry
        .base
        .as_deref()
        .and_then(|base| fallback.join(base.trim()).ok())
        .filter(|base| matches!(base.scheme(), "http" | "https"))
        .unwrap_or_else(|| fallback.clone())
}

/// Where the body came from.
enum Body {
    Content(String),
    /// A description too long for a standfirst: RSS feeds often send the
    /// whole story there.
    Summary(String),
}

/// The body as HTML: the entry's content, or its description when that is
/// longer than a standfirst.
fn body_html(entry: &Entry, summary_text: &str) -> Option<Body> {
    if let Some(content) = &entry.content {
        let body = content.body.as_deref().unwrap_or("").trim();
        if !body.is_empty() {
            return Some(Body::Content(
                if content
                    .content_type
                    .as_str()
                    .to_ascii_lowercase()
                    .starts_with("text/plain")
                {
                    plain_to_html(body)
                } else {
                    body.to_owned()
                },
            ));
        }
    }
    let summary = entry.summary.as_ref()?;
    (summary_text.chars().count() > SUMMARY_MAX_CHARS)
        .then(|| Body::Summary(summary.content.clone()))
}

/// The item's own id, or one derived from its link, title and date, or body.
fn source_item_id(entry: &Entry, link: Option<&Url>, title: &str, body: Option<&str>) -> String {
    let id = entry.id.trim();
    if !id.is_empty() && id != NO_SOURCE_ID {
        return id.to_owned();
    }
    if let Some(link) = link {
        return derived_item_id(IdBasis::Link(canonical_url(link).as_str()));
    }
    if !title.is_empty() {
        let date = entry
            .published
            .or(entry.updated)
            .map(|d| d.to_rfc3339())
            .unwrap_or_default();
        return derived_item_id(IdBasis::TitleAndDate(title, &date));
    }
    derived_item_id(IdBasis::Content(body.unwrap_or("")))
}

/// The standfirst: the item's summary, capped when it only repeats the body
/// (or is the body); without one, the start of the body.
fn summary(summary_text: &str, body_text: &str, body_is_summary: bool) -> Option<String> {
    let summary = if summary_text.is_empty() {
        body_text
    } else {
        summary_text
    };
    if summary.is_empty() {
        return None;
    }
    Some(if body_is_summary || summary == body_text {
        truncate_at_word(summary, SUMMARY_MAX_CHARS)
    } else {
        summary.to_owned()
    })
}

/// Category terms, and labels where they differ, as the source sent them.
fn categories(entry: &Entry) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for category in &entry.categories {
        for name in [Some(&category.term), category.label.as_ref()]
            .into_iter()
            .flatten()
        {
            let name = name.trim();
            if !name.is_empty() && !names.iter().any(|known| known == name) {
                names.push(name.to_owned());
            }
        }
    }
    names
}

fn reading_minutes(body_text: &str) -> u32 {
    let minutes = word_count(body_text).div_ceil(WORDS_PER_MINUTE).max(1);
    u32::try_from(minutes).unwrap_or(u32::MAX)
}
