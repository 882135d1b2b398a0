//! Deciding what an incoming article is: new, a newer version of an item
//! already kept, or the same story another feed already delivered.
//!
//! Everything here is pure logic on [`Article`](crate::model::Article)s; the
//! `store` module looks the candidates up in SQLite and writes the outcome.
//!
//! - [`fingerprint`] reduces a story to normalized tokens and a MinHash
//!   signature whose LSH band keys make near-duplicate lookup an index query.
//! - [`decide`] says whether a revision of a known item is newer, and whether
//!   two stories from different feeds are the same one.
//! - [`merge`] builds the one published article from every source version of
//!   a story.

pub mod decide;
pub mod fingerprint;
pub mod merge;
#[cfg(test)]
pub(crate) mod testing;

pub use decide::{
    Comparison, Revision, Verdict, compare, content_digest, is_same_story, revision, revision_of,
};
pub use fingerprint::Fingerprint;
pub use merge::{SourceVersion, combine, keep_first_seen};
