//! The small RSS feeds the daemon benches serve from 127.0.0.1 (`latency`,
//! `cadence`): a partner's channel, its items, and a feed that answers 304
//! once fetched, as a quiet partner does.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An RSS 2.0 channel titled `title` holding `items`.
pub fn rss(title: &str, items: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title><link>https://partner.example/</link><description>{title}</description>{items}</channel></rss>"#
    )
}

/// Item `n` of `feed`, with a link, a guid, a date and a paragraph.
pub fn item(feed: &str, n: u32, title: &str) -> String {
    format!(
        "<item><title>{title}</title><link>https://partner.example/{feed}/{n}</link><guid>{feed}-{n}</guid>\
         <pubDate>Wed, 25 Nov 2026 08:{:02}:00 GMT</pubDate><description>&lt;p&gt;{title}, with a paragraph of copy.&lt;/p&gt;</description></item>",
        n % 60
    )
}

/// Partner feed `n` with `items` items: 304 when asked with its ETag.
pub fn unchanging(n: &str, items: u32, headers: &HeaderMap, story: &str) -> Response {
    let etag = format!("\"{n}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|value| value.as_bytes() == etag.as_bytes())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let items: String = (0..items)
        .map(|i| item(n, i, &format!("{story} {i} of feed {n}")))
        .collect();
    ([(header::ETAG, etag)], rss(&format!("Partner {n}"), &items)).into_response()
}
