//! [`EditorError`]: why `add`, `import` or `export-opml` refused or failed.

use std::path::PathBuf;

use crate::config::Problems;
use crate::fetch::FetchError;
use crate::parse::ParseError;

/// What went wrong while editing `feeds.toml` or reading/writing OPML.
#[derive(Debug, thiserror::Error)]
pub enum EditorError {
    /// feeds.toml must load before it is edited: an edit would bury its mistakes.
    #[error("{path}: cannot edit an invalid configuration, run `wirefeed check`:\n{problems}")]
    InvalidConfig { path: PathBuf, problems: Problems },

    /// The URL given to `add` is not an absolute http(s) URL.
    #[error("`{url}` is not an http:// or https:// URL: {reason}")]
    BadUrl { url: String, reason: String },

    /// The feed URL is already configured.
    #[error("{url} is already configured as feed `{id}` (line {line} of {path})", line = line.map_or_else(|| "?".to_string(), |l| l.to_string()))]
    DuplicateUrl {
        url: String,
        id: String,
        path: PathBuf,
        line: Option<usize>,
    },

    /// `--id` names a feed that already exists.
    #[error("feed id `{id}` is already used in {path}; choose another with --id")]
    DuplicateId { id: String, path: PathBuf },

    /// `--id` holds characters a feed id may not.
    #[error("feed id `{id}` may hold only lower-case letters, digits, '-' and '_'")]
    BadId { id: String },

    /// `--section` names no declared `[[section]]`.
    #[error("section `{section}` is not declared in {path}{hint}", hint = hint.as_deref().map(|h| format!("\n  help: {h}")).unwrap_or_default())]
    UnknownSection {
        section: String,
        path: PathBuf,
        hint: Option<String>,
    },

    /// The page or feed could not be fetched (the error names the URL).
    #[error("cannot fetch: {0}")]
    Fetch(#[source] FetchError),

    /// The feed was fetched but does not parse (the error names the URL).
    #[error("cannot read the feed: {0}")]
    Parse(#[source] ParseError),

    /// Not a feed, and not a page that links one.
    #[error(
        "{url} is not a feed ({reason}) and links none (no <link rel=\"alternate\"> with an RSS, Atom or JSON Feed type)"
    )]
    NoFeedLinked { url: String, reason: String },

    /// The server answered "not modified" to a request that asked for the feed.
    #[error("{url} answered 304 Not Modified to an unconditional request")]
    NothingFetched { url: String },

    /// feeds.toml is not TOML that `toml_edit` can keep formatting for.
    #[error("{path}: cannot edit: {reason}")]
    Edit { path: PathBuf, reason: String },

    /// feeds.toml changed on disk between reading it and writing the edit.
    #[error("{path} was changed by someone else meanwhile; nothing written, run the command again")]
    ChangedMeanwhile { path: PathBuf },

    /// The edited file did not load; the original was put back.
    #[error("{path}: the edited file did not load, the original was restored:\n{problems}")]
    EditRejected { path: PathBuf, problems: Problems },

    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The OPML file is not well-formed XML.
    #[error("{path}: not valid OPML at byte {position}: {reason}")]
    Opml {
        path: PathBuf,
        position: u64,
        reason: String,
    },
}
