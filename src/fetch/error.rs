//! Why a fetch failed, said so that an editor or operator can act on it.
//!
//! Every per-feed variant carries the URL (or the path, for `file://` sources);
//! [`FetchError::is_transient`] tells the caller whether trying again later can help.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::StatusCode;

use super::MAX_REDIRECTS;
use super::policy::Refused;

/// A failed fetch.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The shared HTTP client could not be built (TLS set-up); no feed can be fetched.
    #[error("could not set up the HTTP client: {source}")]
    Client { source: reqwest::Error },

    /// The whole fetch, body included, took longer than the feed's `timeout`.
    #[error("{url}: no complete answer within {}s (the feed's timeout); the server is slow or down", after.as_secs_f64())]
    Timeout { url: String, after: Duration },

    /// No connection could be opened: DNS failure, refused, unreachable, TLS handshake.
    #[error(
        "{url}: could not connect ({}); check the address and that the server is up",
        root_cause(source)
    )]
    Connect { url: String, source: reqwest::Error },

    /// The connection broke while the request or response was in flight.
    #[error(
        "{url}: the connection failed during the transfer ({})",
        root_cause(source)
    )]
    Network { url: String, source: reqwest::Error },

    /// The body arrived but could not be decompressed.
    #[error(
        "{url}: the server sent a body that could not be decoded ({})",
        root_cause(source)
    )]
    Decode { url: String, source: reqwest::Error },

    /// The server sent us round more than [`MAX_REDIRECTS`] redirects.
    #[error("{url}: more than {MAX_REDIRECTS} redirects; point the feed at the final address")]
    TooManyRedirects { url: String },

    /// The address policy refused the feed's host or a redirect's: it is (or
    /// resolves only to) a loopback, private, link-local or unique-local address.
    #[error(
        "{url}: refused to connect: {refused}; wirefeed reaches only public addresses \
         unless the feed sets allow_private = true"
    )]
    Refused { url: String, refused: Refused },

    /// A redirect that is not followed: to another scheme than http(s), or an unreadable `Location`.
    #[error("{url}: refused to follow the redirect to {to}: {reason}")]
    Redirect {
        url: String,
        /// The redirect's target, credentials redacted.
        to: String,
        reason: String,
    },

    /// The feed's `auth` cannot be put in a request header (a hand-built config;
    /// the loader refuses these). The value is never shown.
    #[error("{url}: the feed's auth cannot be sent in a request header; run `wirefeed check`")]
    Credentials { url: String },

    /// The server answered with an error status (anything but 2xx and 304).
    #[error("{url}: the server answered HTTP {status}{}", status_hint(*status))]
    Status {
        url: String,
        status: u16,
        /// The server's `Retry-After`, when it gave one in seconds or as a date.
        retry_after: Option<Duration>,
    },

    /// The (decompressed) body, or one file of a folder, is over the feed's `max_body`.
    #[error(
        "{location}: the body is larger than the feed's max_body of {limit} bytes; \
         raise max_body if the feed really is that big"
    )]
    TooLarge {
        /// The URL, or the file's path.
        location: String,
        limit: u64,
    },

    /// A `file://` source that does not exist.
    #[error("{}: no such file or folder; check the feed's file:// URL", path.display())]
    Missing { path: PathBuf },

    /// A `file://` source that no folder of `file_roots` allows.
    #[error("{}: not inside any folder of file_roots in [site]; it is not read", path.display())]
    NoFileRoot { path: PathBuf },

    /// A `file://` source (or a file in its folder) whose real path, symlinks
    /// resolved, leaves its `file_roots` folder.
    #[error(
        "{}: resolves to {}, outside its file_roots folder {}; it is not read",
        path.display(),
        real.display(),
        root.display()
    )]
    OutsideFileRoot {
        path: PathBuf,
        real: PathBuf,
        root: PathBuf,
    },

    /// A `file://` source that exists but could not be read.
    #[error("{}: could not read: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl FetchError {
    /// The HTTP status the server answered with, if the failure was an error status.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether trying again later can succeed: 5xx, 408, 429, timeouts and
    /// network failures. A 404, a bad file or an oversize body will fail the
    /// same way next time.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout { .. }
            | FetchError::Connect { .. }
            | FetchError::Network { .. } => true,
            FetchError::Status { status, .. } => *status >= 500 || *status == 408 || *status == 429,
            FetchError::Client { .. }
            | FetchError::Decode { .. }
            | FetchError::TooManyRedirects { .. }
            | FetchError::Refused { .. }
            | FetchError::Redirect { .. }
            | FetchError::Credentials { .. }
            | FetchError::NoFileRoot { .. }
            | FetchError::OutsideFileRoot { .. }
            | FetchError::TooLarge { .. }
            | FetchError::Missing { .. }
            | FetchError::Io { .. } => false,
        }
    }

    /// How long the server asked us to wait (`Retry-After` on a 429 or 503), if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The status's reason phrase and, where there is one, what to do about it.
fn status_hint(status: u16) -> String {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
        .map(|reason| format!(" {reason}"))
        .unwrap_or_default();
    let advice = match status {
        401 | 403 => "; the server refuses access (credentials or IP allow-list?)",
        404 | 410 => "; the feed is not at this address any more",
        // What the error is, not what happens next: `once` exits, the
        // daemon retries, `status` shows it later. The daemon says when.
        408 | 429 => "; the server asks us to slow down",
        500.. => "; a server-side error, likely temporary",
        _ => "",
    };
    format!("{reason}{advice}")
}

/// The innermost cause ("Connection refused (os error 111)"): reqwest's own
/// message only repeats the URL ("error sending request for url (...)").
pub(crate) fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> FetchError {
        FetchError::Status {
            url: "https://agency.example/world.rss".into(),
            status: code,
            retry_after: None,
        }
    }

    #[test]
    fn server_errors_and_throttling_are_transient_client_errors_are_not() {
        for code in [500, 502, 503, 504, 408, 429] {
            assert!(status(code).is_transient(), "{code} should be transient");
        }
        for code in [400, 401, 403, 404, 410] {
            assert!(
                !status(code).is_transient(),
                "{code} should not be transient"
            );
        }
    }

    #[test]
    fn status_message_names_url_reason_and_advice() {
        let text = status(404).to_string();
        assert_eq!(
            text,
            "https://agency.example/world.rss: the server answered HTTP 404 Not Found; \
             the feed is not at this address any more"
        );
    }

    #[test]
    fn missing_file_message_names_the_path() {
        let error = FetchError::Missing {
            path: PathBuf::from("/srv/spool/ap"),
        };
        assert!(error.to_string().starts_with("/srv/spool/ap: no such file"));
        assert!(!error.is_transient());
        assert_eq!(error.status(), None);
    }
}
