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

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::{SocketAddr, TcpListener};
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::fetch::policy::{AddressRange, PublicOnly};

    /// A server on 127.0.0.1 answering `/ok` with 200 and `/go?<url>` with a
    /// redirect to `<url>`; it records each request line.
    fn server() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                reader.read_line(&mut line).expect("request line");
                let target = line.split(' ').nth(1).unwrap_or_default().to_owned();
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) <= 2 {
                        break;
                    }
                }
                log.lock().expect("log").push(target.clone());
                let answer = match target.strip_prefix("/go?") {
                    Some(to) => format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\n"),
                    None => "HTTP/1.1 200 OK\r\n".to_owned(),
                };
                let _ = stream.write_all(
                    format!("{answer}Content-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
                );
            }
        });
        (address, seen)
    }

    /// The strict client, with `agency.test` standing in for a public host
    /// that happens to be served on 127.0.0.1.
    fn strict_client(address: SocketAddr) -> Client {
        Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(PublicOnly)
            .resolve("agency.test", address)
            .build()
            .expect("client")
    }

    async fn get_strict(address: SocketAddr, path: &str) -> Result<Response, FetchError> {
        let url =
            Url::parse(&format!("http://agency.test:{}{path}", address.port())).expect("test url");
        let asking = Asking {
            shown: "http://agency.test/feed",
            allow_private: false,
            auth: None,
        };
        get(&strict_client(address), &url, &HeaderMap::new(), &asking).await
    }

    #[tokio::test]
    async fn every_hop_is_held_to_the_address_policy() {
        let (address, seen) = server();
        let port = address.port();
        let ok = get_strict(address, "/ok")
            .await
            .expect("the public stand-in");
        assert_eq!(ok.status(), 200);

        for (to, host, range) in [
            (
                format!("http://127.0.0.1:{port}/ok"),
                "127.0.0.1",
                AddressRange::Loopback,
            ),
            (
                format!("http://localhost:{port}/ok"),
                "localhost",
                AddressRange::Loopback,
            ),
            (
                "http://169.254.169.254/latest/".to_owned(),
                "169.254.169.254",
                AddressRange::LinkLocal,
            ),
            (
                "http://[::ffff:10.0.0.1]/".to_owned(),
                "[::ffff:a00:1]",
                AddressRange::Private,
            ),
        ] {
            let error = get_strict(address, &format!("/go?{to}"))
                .await
                .expect_err("refused");
            let FetchError::Refused { refused, .. } = &error else {
                panic!("{to}: expected Refused, got {error:?}");
            };
            assert_eq!(
                (refused.host.as_str(), refused.range),
                (host, range),
                "{to}"
            );
        }
        let seen = seen.lock().expect("log").clone();
        assert_eq!(
            seen.iter().filter(|target| *target == "/ok").count(),
            1,
            "{seen:?}"
        );
    }
}
