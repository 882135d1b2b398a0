//! Editors' tools for feeds.toml and OPML: `add`, `import`, `export-opml`.
//!
//! Editing keeps the file as the editor wrote it: entries are appended with
//! `toml_edit`, so comments, blank lines and key order stay byte for byte,
//! and the result must load with [`crate::config::load`] or the original is
//! put back. Feeds are checked with the pipeline's own fetcher and parser
//! before they are added, so what `add` accepts `once` can read.
//!
//! # Layout
//!
//! - `add`: the `add` command, one feed from its URL or home page.
//! - `import`: the `import` command, every feed of an OPML file.
//! - `discover`: `<link rel="alternate">` autodiscovery in an HTML page.
//! - `probe`: fetch and parse a candidate URL, following a page's feed link.
//! - `append`: `[[feed]]` entries appended with toml_edit, written atomically and checked.
//! - `existing`: the ids and URLs already configured.
//! - `ids`: ids for new feeds, slugged and made unique.
//! - `sections`: `--section` and OPML categories matched to declared sections.
//! - `opml`: reading and writing OPML.
//! - `error`: [`EditorError`].

mod add;
mod append;
mod discover;
mod error;
mod existing;
mod ids;
mod import;
mod opml;
mod probe;
mod sections;

pub use add::{AddRequest, Added, add};
pub use append::NewFeed;
pub use discover::{FeedKind, FeedLink, feed_links};
pub use error::EditorError;
pub use import::{ImportOptions, ImportReport, Imported, SkipReason, Skipped, import};
pub use opml::{OpmlFeed, read_opml, write_opml};
