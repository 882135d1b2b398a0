//! Credentials for paid agency feeds, as the fetcher sends them.
//!
//! The values come from environment variables or the credentials file named
//! in `[site]`, never from feeds.toml itself. A [`Secret`] cannot be printed
//! by accident: its `Debug` is `[redacted]` and it has no `Display`.

use std::fmt;

/// A password, token or key. Read it with [`Secret::expose`] only where it is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value read from the environment or the credentials file.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the request header that carries it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How a feed proves who is fetching: `auth = { ... }` in its `[[feed]]`.
///
/// Sent only to the scheme, host and port of the feed's own URL; a redirect
/// to any other origin is followed without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer <token>`.
    Bearer { token: Secret },
    /// `Authorization: Basic ...` (user name and password).
    Basic { user: String, password: Secret },
    /// A header of the agency's own, such as `x-api-key: <value>`.
    Header { name: String, value: Secret },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_print_as_redacted_in_debug_output() {
        let auth = Auth::Basic {
            user: "newsroom".into(),
            password: Secret::new("hunter2"),
        };
        let printed = format!("{auth:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("[redacted]"), "{printed}");
        assert!(printed.contains("newsroom"), "{printed}");
    }
}
