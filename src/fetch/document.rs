/// One fetched feed document: the raw bytes and what the transport said about them.
///
/// An HTTP fetch gives one document; a `file://` folder gives one per file.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where the bytes came from: the final URL after redirects, or the file's `file://` URL.
    /// Relative links in the feed resolve against it when the feed gives no base.
    pub url: url::Url,
    /// The raw body, not yet decoded: charset handling belongs to `parse`.
    pub body: Vec<u8>,
    /// The HTTP `Content-Type` header, if any (it may carry a charset).
    pub content_type: Option<String>,
}

/// Conditional-GET validators kept in the state between fetches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}
