//! HTTP(S) sources: one conditional GET, its status classified, its body read under a cap.
//!
//! Redirects are followed in `redirects`, and the address policy is the
//! strict client's resolver (`policy`); this file sees only the final answer.
//!
//! reqwest decompresses gzip/brotli/deflate transparently and then no longer
//! knows the length, so the cap is counted here on the decompressed bytes,
//! chunk by chunk, and a small compressed "bomb" is cut off at the cap.

use std::time::Duration;

use reqwest::header::{
    self, ACCEPT, CONTENT_TYPE, ETAG, HeaderMap, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED, RETRY_AFTER,
};
use reqwest::{Client, Response, StatusCode, redirect};
use url::Url;

use super::policy::{PublicOnly, Refused};
use super::redirects::{self, Asking};
use super::{Document, FetchError, Fetched, USER_AGENT, Validators};
use crate::config::FeedConfig;

/// What we ask for: feed formats first, generic XML/JSON next, anything as a last resort
/// (many agencies serve RSS as `text/html` or `application/octet-stream`).
const ACCEPT_FEEDS: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
     application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5";

/// A client for the feeds of one address policy: `allow_private` false
/// connects only to public addresses (its resolver drops the others).
///
/// Redirects are not followed by the client: `redirects` checks each hop.
/// Proxies are reqwest's default (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`
/// from the environment); a proxied request is resolved by the proxy, so the
/// policy then sees the proxy's address, not the feed's.
pub(crate) fn client(allow_private: bool) -> Result<Client, FetchError> {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static(ACCEPT_FEEDS));
    let builder = Client::builder()
        .user_agent(USER_AGENT)
        .default_headers(headers)
        .redirect(redirect::Policy::none());
    let builder = if allow_private {
        builder
    } else {
        builder.dns_resolver(PublicOnly)
    };
    builder
        .build()
        .map_err(|source| FetchError::Client { source })
}

/// Fetches `url`, the location of `feed`, with the client of its address
/// policy; `feed_url` is the feed's URL as messages show it (redacted).
///
/// The caller bounds the time; this reads at most `max_body` decompressed bytes.
pub(crate) async fn fetch(
    client: &Client,
    url: &Url,
    feed: &FeedConfig,
    feed_url: &str,
    previous: &Validators,
) -> Result<Fetched, FetchError> {
    let max_body = feed.max_body;
    let mut conditional = HeaderMap::new();
    // A validator that is not a valid header value (a corrupted state) is dropped:
    // the worst outcome is one unconditional fetch.
    if let Some(etag) = previous.etag.as_deref().and_then(header_value) {
        conditional.insert(IF_NONE_MATCH, etag);
    }
    if let Some(date) = previous.last_modified.as_deref().and_then(header_value) {
        conditional.insert(IF_MODIFIED_SINCE, date);
    }
    let asking = Asking {
        shown: feed_url,
        allow_private: feed.allow_private,
        auth: feed.auth.as_ref(),
    };
    let mut response = redirects::get(client, url, &conditional, &asking).await?;

    let status = response.status();
    if status == StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified {
            status: Some(status.as_u16()),
            fresh_for: fresh_for(response.headers()),
        });
    }
    if !status.is_success() {
        return Err(FetchError::Status {
            url: feed_url.to_owned(),
            status: status.as_u16(),
            retry_after: retry_after(response.headers()),
        });
    }
    // Known only when the body is not compressed: reject before reading a byte.
    if response
        .content_length()
        .is_some_and(|length| length > max_body)
    {
        return Err(too_large(feed_url, max_body));
    }

    let headers = response.headers();
    let validators = Validators {
        etag: header_text(headers, ETAG),
        last_modified: header_text(headers, LAST_MODIFIED),
    };
    let content_type = header_text(headers, CONTENT_TYPE);
    let fresh_for = fresh_for(headers);
    let final_url = response.url().clone();
    let body = read_capped(&mut response, feed_url, max_body).await?;

    Ok(Fetched::Documents {
        fresh_for,
        status: Some(status.as_u16()),
        validators,
        documents: vec![Document {
            url: final_url,
            body,
            content_type,
        }],
    })
}

/// Reads the (decompressed) body chunk by chunk, giving up as soon as it passes `max_body`.
async fn read_capped(
    response: &mut Response,
    feed_url: &str,
    max_body: u64,
) -> Result<Vec<u8>, FetchError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|source| classify(feed_url, source))?
    {
        if body.len() as u64 + chunk.len() as u64 > max_body {
            return Err(too_large(feed_url, max_body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Sorts a reqwest failure into what the caller can act on.
pub(crate) fn classify(feed_url: &str, source: reqwest::Error) -> FetchError {
    let url = feed_url.to_owned();
    if let Some(refused) = refusal(&source) {
        FetchError::Refused { url, refused }
    } else if source.is_redirect() {
        FetchError::TooManyRedirects { url }
    } else if source.is_connect() {
        FetchError::Connect { url, source }
    } else if source.is_decode() {
        FetchError::Decode { url, source }
    } else {
        FetchError::Network { url, source }
    }
}

/// The address policy's refusal, when that is what failed the connection
/// (the resolver's error arrives wrapped in reqwest's and hyper's).
fn refusal(error: &(dyn std::error::Error + 'static)) -> Option<Refused> {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(refused) = error.downcast_ref::<Refused>() {
            return Some(refused.clone());
        }
        cause = error.source();
    }
    None
}

fn too_large(feed_url: &str, limit: u64) -> FetchError {
    FetchError::TooLarge {
        location: feed_url.to_owned(),
        limit,
    }
}

fn header_value(text: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(text).ok()
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// `Retry-After` as delay-seconds or as an HTTP date (RFC 9110 §10.2.3).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(text).ok()?;
    let wait = date.with_timezone(&chrono::Utc) - chrono::Utc::now();
    // A date in the past means "now".
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// How long the response says it stays fresh: Cache-Control `max-age`
/// (less `Age`), else `Expires`. `no-cache`/`no-store` mean not at all.
fn fresh_for(headers: &HeaderMap) -> Option<Duration> {
    let cache_control = headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|directive| directive.trim().to_ascii_lowercase())
        .collect::<Vec<_>>();
    if cache_control
        .iter()
        .any(|d| d == "no-cache" || d == "no-store")
    {
        return None;
    }
    let max_age = cache_control.iter().find_map(|d| {
        d.strip_prefix("max-age=")?
            .trim_matches('"')
            .parse::<u64>()
            .ok()
    });
    if let Some(max_age) = max_age {
        let age = headers
            .get(header::AGE)
            .and_then(|value| value.to_str().ok()?.trim().parse::<u64>().ok())
            .unwrap_or(0);
        return Some(Duration::from_secs(max_age.saturating_sub(age)));
    }
    let expires = headers.get(header::EXPIRES)?.to_str().ok()?;
    let expires = chrono::DateTime::parse_from_rfc2822(expires.trim()).ok()?;
    (expires.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(name.clone(), HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn freshness_comes_from_max_age_less_age_then_expires() {
        use header::{AGE, CACHE_CONTROL, EXPIRES};
        let max_age = headers(&[(CACHE_CONTROL, "public, max-age=300"), (AGE, "100")]);
        assert_eq!(fresh_for(&max_age), Some(Duration::from_secs(200)));
        let no_cache = headers(&[(CACHE_CONTROL, "max-age=300"), (CACHE_CONTROL, "no-cache")]);
        assert_eq!(fresh_for(&no_cache), None);
        let expired = headers(&[(EXPIRES, "Wed, 21 Oct 2015 07:28:00 GMT")]);
        assert_eq!(fresh_for(&expired), None);
        let far = headers(&[(EXPIRES, "Fri, 01 Jan 2100 00:00:00 GMT")]);
        assert!(fresh_for(&far).is_some_and(|d| d > Duration::from_secs(86_400 * 365)));
        assert_eq!(fresh_for(&headers(&[(EXPIRES, "garbage")])), None);
        assert_eq!(fresh_for(&HeaderMap::new()), None);
    }

    fn headers_with_retry_after(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn retry_after_in_seconds_is_read() {
        let headers = headers_with_retry_after("120");
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(120)));
    }

    #[test]
    fn retry_after_as_a_past_date_means_now() {
        let headers = headers_with_retry_after("Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
    }

    #[test]
    fn unreadable_retry_after_is_ignored() {
        let headers = headers_with_retry_after("soon");
        assert_eq!(retry_after(&headers), None);
    }
}
