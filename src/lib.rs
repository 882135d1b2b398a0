//! wirefeed: a newsroom syndication engine.
//!
//! # Layout
//!
//! The modules follow the flow of DESIGN.md, one job each:
//!
//! ```text
//! config ─► fetch ─► parse ─► normalize ─► dedup ─► store ─► publish
//! ```
//!
//! - [`config`] reads and validates `feeds.toml`, reporting every problem with its line.
//! - [`fetch`] is the only module that touches the network (and `file://` sources).
//! - [`parse`] turns bytes into a `feed_rs` feed, isolating parser panics.
//! - [`normalize`] builds the [`model::Article`] for each item: sanitizing, ids, rules.
//! - [`dedup`] decides what an incoming article is (new, update, unchanged,
//!   older, killed, or a fold into another feed's article, with the evidence),
//!   asking the state through its `FoldFacts` trait and its in-memory
//!   candidate index; "a partner's copy was not folded" starts in `dedup::fold`.
//! - [`store`] holds the state: `Store` runs an ingest (dedup decides, the
//!   decision is written) over a `store::Backend`, persistence only, of
//!   which SQLite (`store::sqlite`) is the embedded default; the only
//!   module that touches a database.
//! - [`publish`] is the only module that writes the output folder.
//! - [`cycle`] runs feeds, one task each, into the state's one writer: all of
//!   them once for `once`, each as it comes due for the daemon;
//!   [`feed_error`] says why one feed failed, typed to the edge; [`status`]
//!   reports feed health.
//! - [`daemon`] is the long-running service: schedules, systemd, reload.
//! - [`plural`] words the counts printed for people ("1 error", "2 errors").
//! - [`editor`] edits feeds.toml for editors: `add`, `import`, `export-opml`.
//! - [`inspect`] answers editors: `preview` of one feed, `explain` of one article.
//!
//! The binary (`main.rs`) adds what only a process needs: the progress bar
//! `once` shows on a terminal (`progress`) and the allocator tuning
//! (`allocator`, which the benches include by path to measure the same).

pub mod config;
pub mod cycle;
pub mod daemon;
pub mod dedup;
pub mod editor;
pub mod feed_error;
pub mod fetch;
pub mod inspect;
pub mod model;
pub mod normalize;
pub mod parse;
pub mod plural;
pub mod publish;
pub mod status;
pub mod store;
