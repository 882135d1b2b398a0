//! The output folder over HTTP: `ServeDir` does the reading, ranges and
//! `If-Modified-Since`; this middleware adds what it lacks: hiding dotfiles,
//! feed content types, and an ETag with `If-None-Match` 304s.
//!
//! The ETag is a hash of the bytes served, not of the file's time and size:
//! instances behind one load balancer each write their own copy of the
//! output at their own moment, and a reader's conditional GET must be a 304
//! whichever of them answers.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{
    CONTENT_LENGTH, CONTENT_TYPE, ETAG, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED,
};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Runs in front of `ServeDir` for every file request.
pub(super) async fn file_headers(mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if has_hidden_segment(&path) {
        // The publisher's `.name.tmp-<pid>` temporaries, and `..` in any spelling.
        return StatusCode::NOT_FOUND.into_response();
    }
    let if_none_match = request.headers_mut().remove(IF_NONE_MATCH);
    if if_none_match.is_some() {
        // RFC 9110 13.1.3: If-None-Match wins; ServeDir would otherwise answer
        // If-Modified-Since alone.
        request.headers_mut().remove(IF_MODIFIED_SINCE);
    }
    let method = request.method().clone();
    // A HEAD is answered as a GET whose body is dropped: the ETag needs
    // the bytes.
    if method == Method::HEAD {
        *request.method_mut() = Method::GET;
    }
    let mut response = next.run(request).await;
    let status = response.status();
    if !(status.is_success() || status == StatusCode::NOT_MODIFIED) {
        return response;
    }
    if let Some(content_type) = crate::publish::media_type(&path) {
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    if status != StatusCode::OK {
        return without_body_for_head(response, &method);
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_HASHED).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::warn!(path, %error, "cannot read a published file to serve it");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let etag = etag(&bytes);
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let response = Response::from_parts(parts, Body::from(bytes));
    if let Some(wanted) = if_none_match
        && matches(&wanted, &etag)
        && (method == Method::GET || method == Method::HEAD)
    {
        let mut not_modified = Response::new(Body::empty());
        *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
        for name in [CONTENT_TYPE, LAST_MODIFIED] {
            if let Some(value) = response.headers().get(&name) {
                not_modified.headers_mut().insert(name, value.clone());
            }
        }
        not_modified.headers_mut().insert(ETAG, etag);
        return not_modified;
    }
    let mut response = without_body_for_head(response, &method);
    response.headers_mut().insert(ETAG, etag);
    response
}

/// Published files are feeds and pages of at most a few MiB; a file past
/// this is not one of ours to hash.
const MAX_HASHED: usize = 256 * 1024 * 1024;

/// The response to a HEAD: the GET's headers, no body.
fn without_body_for_head(response: Response, method: &Method) -> Response {
    if method != Method::HEAD {
        return response;
    }
    let (parts, _) = response.into_parts();
    Response::from_parts(parts, Body::empty())
}

/// Any segment starting with '.', raw or percent-encoded (`%2e`).
fn has_hidden_segment(path: &str) -> bool {
    path.split('/').any(|segment| {
        let lower = segment.to_ascii_lowercase();
        lower.starts_with('.') || lower.starts_with("%2e")
    }) || path.to_ascii_lowercase().contains("%2f")
        || path.contains('\\')
        || path.to_ascii_lowercase().contains("%5c")
}

/// A weak validator from the bytes themselves (weak: the same bytes may go
/// out gzip- or brotli-encoded): equal files give equal tags on every
/// instance, and any change to a file changes its tag.
fn etag(bytes: &[u8]) -> HeaderValue {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..12]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    HeaderValue::from_str(&format!("W/\"{hex}\"")).unwrap_or(HeaderValue::from_static("W/\"\""))
}

/// Weak comparison, as If-None-Match requires: `W/` is ignored on both sides.
fn matches(wanted: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(wanted) = wanted.to_str() else {
        return false;
    };
    let ours = etag.to_str().unwrap_or_default().trim_start_matches("W/");
    wanted
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == ours)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::media_type as content_type;

    #[test]
    fn dotfiles_and_encoded_parent_segments_are_hidden() {
        assert!(has_hidden_segment("/.politics.rss.tmp-42"));
        assert!(has_hidden_segment("/section/.hidden"));
        assert!(has_hidden_segment("/%2e%2e/feeds.toml"));
        assert!(has_hidden_segment("/%2E./feeds.toml"));
        assert!(has_hidden_segment("/a%2f..%2ffeeds.toml"));
        assert!(!has_hidden_segment("/section/politics.rss"));
        assert!(!has_hidden_segment("/"));
    }

    #[test]
    fn feed_extensions_get_feed_media_types() {
        assert_eq!(
            content_type("/politics.rss"),
            Some("application/rss+xml; charset=utf-8")
        );
        assert_eq!(
            content_type("/tag/world.JSON"),
            Some("application/feed+json; charset=utf-8")
        );
        assert_eq!(content_type("/"), Some("text/html; charset=utf-8"));
        assert_eq!(content_type("/logo.png"), None);
    }

    #[test]
    fn a_ninjs_article_is_plain_json_not_a_json_feed() {
        assert_eq!(
            content_type("/ninjs/4f1c2a.json"),
            Some("application/json; charset=utf-8")
        );
        // A channel whose slug happens to be "ninjs" is still a feed.
        assert_eq!(
            content_type("/tags/ninjs.json"),
            Some("application/feed+json; charset=utf-8")
        );
        assert_eq!(
            content_type("/all.json"),
            Some("application/feed+json; charset=utf-8")
        );
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists_and_star() {
        let ours = HeaderValue::from_static("W/\"abc-10\"");
        for wanted in ["W/\"abc-10\"", "\"abc-10\"", "\"x\", W/\"abc-10\"", "*"] {
            assert!(
                matches(&HeaderValue::from_static(wanted), &ours),
                "{wanted}"
            );
        }
        assert!(!matches(&HeaderValue::from_static("W/\"abc-11\""), &ours));
    }
}
