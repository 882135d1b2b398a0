//! Redirects, followed here hop by hop rather than by reqwest, so that each
//! hop is checked before it is requested: the scheme stays http(s), the
//! address policy holds for the new host (`policy`), and the feed's
//! credentials go only to the origin (scheme, host and port) of the feed's
//! own URL, never to a host a redirect points at.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, LOCATION};
use reqwest::{Client, RequestBuilder, Response};
use url::Url;

use super::policy::check_literal;
use super::redact::redacted;
use super::{FetchError, MAX_REDIRECTS};
use crate::config::Auth;

/// Who is asking and what they may reach.
pub(crate) struct Asking<'a> {
    /// The feed's URL for messages, credentials redacted.
    pub(crate) shown: &'a str,
    /// Whether non-public addresses may be reached (`allow_private`).
    pub(crate) allow_private: bool,
    pub(crate) auth: Option<&'a Auth>,
}

/// GETs `start` with `headers`, following up to [`MAX_REDIRECTS`] redirects,
/// and returns the first response that is not a redirect.
pub(crate) async fn get(
    client: &Client,
    start: &Url,
    headers: &HeaderMap,
    asking: &Asking<'_>,
) -> Result<Response, FetchError> {
    let origin = start.origin();
    let mut url = start.clone();
    let mut seen = vec![url.clone()];
    loop {
        if !asking.allow_private {
            check_literal(&url).map_err(|refused| FetchError::Refused {
                url: asking.shown.to_owned(),
                refused,
            })?;
        }
        let mut request = client.get(url.clone()).headers(headers.clone());
        if let Some(auth) = asking.auth.filter(|_| url.origin() == origin) {
            request = with_auth(request, auth, asking.shown)?;
        }
        let response = request
            .send()
            .await
            .map_err(|source| super::http::classify(asking.shown, source))?;
        let Some(next) = redirect_target(&url, &response, asking.shown)? else {
            return Ok(response);
        };
        // A loop would only repeat itself up to the limit; say so at once.
        if seen.len() > MAX_REDIRECTS || seen.contains(&next) {
            return Err(FetchError::TooManyRedirects {
                url: asking.shown.to_owned(),
            });
        }
        tracing::debug!(
            from = %redacted(&url),
            to = %redacted(&next),
            status = response.status().as_u16(),
            "following a redirect"
        );
        seen.push(next.clone());
        url = next;
    }
}

/// Where a redirect points, `None` when the response is not one; refuses a
/// target that is not http(s).
fn redirect_target(url: &Url, response: &Response, shown: &str) -> Result<Option<Url>, FetchError> {
    if !response.status().is_redirection() {
        return Ok(None);
    }
    // 304, and a 3xx without a Location, are answers, not redirects.
    let Some(location) = response.headers().get(LOCATION) else {
        return Ok(None);
    };
    let refuse = |to: String, reason: &str| FetchError::Redirect {
        url: shown.to_owned(),
        to,
        reason: reason.to_owned(),
    };
    let text = location
        .to_str()
        .map_err(|_| refuse("an unreadable Location".into(), "it is not text"))?;
    let next = url.join(text).map_err(|_| {
        refuse(
            "a Location that is not a URL".into(),
            "it cannot be read as an address",
        )
    })?;
    match next.scheme() {
        "http" | "https" => Ok(Some(next)),
        other => Err(refuse(
            redacted(&next),
            &format!("a feed is fetched over http or https only, not {other}:"),
        )),
    }
}

/// Adds the feed's credentials, marked sensitive so that no debug output shows them.
fn with_auth(
    request: RequestBuilder,
    auth: &Auth,
    shown: &str,
) -> Result<RequestBuilder, FetchError> {
    Ok(match auth {
        Auth::Bearer { token } => request.bearer_auth(token.expose()),
        Auth::Basic { user, password } => request.basic_auth(user, Some(password.expose())),
        Auth::Header { name, value } => {
            let unusable = || FetchError::Credentials {
                url: shown.to_owned(),
            };
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| unusable())?;
            let mut value = HeaderValue::from_str(value.expose()).map_err(|_| unusable())?;
            value.set_sensitive(true);
            request.header(name, value)
        }
    })
}
