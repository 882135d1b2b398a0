//! Deciding what an incoming article is: new, a newer version of an item
//! already kept, killed, or the same story another feed already delivered.
//! dedup decides, the store applies: "a partner's copy was not folded"
//! starts in [`fold`].
//!
//! Everything here is logic on [`Article`](crate::model::Article)s and
//! answers the state gives through [`FoldFacts`]; the store implements that
//! trait and writes the [`Decision`].
//!
//! - [`fold`] is the fold policy: one [`Decision`] per incoming article.
//! - [`facts`] is what the policy asks the state ([`FoldFacts`]).
//! - [`index`] is the in-memory candidate index of LSH band keys.
//! - [`fingerprint`] reduces a story to normalized tokens and a MinHash
//!   signature whose LSH band keys make near-duplicate lookup an index query.
//! - [`figures`] reads the figures among a story's words ("seven" is 7).
//! - [`decide`] says whether a revision of a known item is newer, and whether
//!   two stories from different feeds are the same one.
//! - [`merge`] builds the one published article from every source version of
//!   a story.

pub mod decide;
pub mod facts;
pub mod figures;
pub mod fingerprint;
pub mod fold;
pub mod index;
pub mod merge;
#[cfg(test)]
pub(crate) mod testing;

pub use facts::{FoldFacts, StoredCandidate, StoredItem};
pub use fold::{Decision, FoldEvidence, Incoming};
pub use index::CandidateIndex;

pub use decide::{
    Comparison, Revision, Verdict, compare, content_digest, is_same_story, revision, revision_of,
};
pub use fingerprint::Fingerprint;
pub use merge::{SourceVersion, combine, keep_first_seen};
