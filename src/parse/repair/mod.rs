//! Repairs for feeds that feed-rs rejects but real publishers serve and feedparser reads.
//!
//! Nothing here runs on a feed that parses as served: `parse` calls a repair only
//! after feed-rs has rejected (or panicked on) the text, so the common case is
//! never rewritten or copied. Two kinds:
//!
//! - `keyed`: one targeted fix per feed-rs error (an `<rss>` without a version, a
//!   JSON Feed version written as a number, a byline feed-rs panics on …), and one
//!   for a feed feed-rs read without any entry (Atom 0.3, whose namespace it lacks);
//! - `markup`: the salvage of broken XML (bare ampersands, HTML entities, control
//!   characters, junk before the XML, a truncated end, undeclared prefixes), tried
//!   once when no keyed repair answers the error.
//!
//! Every repair says what it did, so that `parse` can log once per feed how the
//! feed was read, and whether something of it was lost.

mod keyed;
mod markup;
mod prefixes;
mod references;

use std::fmt;

pub(super) use keyed::{repair, repair_after_panic, repair_empty};

/// A repaired text and what was repaired, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Repair {
    pub text: String,
    pub what: String,
    /// Whether the repair threw something of the source away, which is worth saying.
    pub lossy: bool,
}

/// The salvage of broken XML in `text`, if it mends anything; `None` when the text
/// is not XML, has none of the faults `markup` mends, or has one it does not guess at.
pub(super) fn salvage(text: &str) -> Option<Repair> {
    match markup::salvage(text) {
        Ok(salvaged) => Some(Repair {
            lossy: salvaged.fixes.is_lossy(),
            what: salvaged.fixes.to_string(),
            text: salvaged.text,
        }),
        Err(why) => {
            tracing::debug!(why, "broken XML not salvaged");
            None
        }
    }
}

/// What one salvage mended, counted, for the log line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Fixes {
    /// Text (a PHP warning, a BOM, stray bytes) before the XML was removed.
    pub junk_before_xml: bool,
    pub bare_ampersands: usize,
    /// A `<` that could not start markup, escaped.
    pub bare_less_thans: usize,
    /// HTML named entities replaced by their characters.
    pub html_entities: usize,
    /// Characters XML 1.0 forbids, dropped.
    pub control_characters: usize,
    /// CDATA sections and comments the end of the text cut, closed.
    pub unterminated_sections: usize,
    /// Tags or processing instructions the end of the text cut, dropped.
    pub cut_tags: usize,
    /// Elements still open at the end of the text, closed.
    pub closed_elements: usize,
    /// Items or entries the end of the text cut, dropped.
    pub cut_stories: usize,
    /// Undeclared prefixes bound to their customary namespace.
    pub bound_prefixes: Vec<String>,
}

impl Fixes {
    /// Whether nothing was mended.
    pub fn is_empty(&self) -> bool {
        *self == Fixes::default()
    }

    /// Whether a story of the source was left out.
    pub fn is_lossy(&self) -> bool {
        self.cut_stories > 0
    }
}

impl fmt::Display for Fixes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counted = [
            (
                self.bare_ampersands,
                "bare ampersand",
                "bare ampersands",
                "escaped",
            ),
            (self.bare_less_thans, "bare '<'", "bare '<'", "escaped"),
            (
                self.html_entities,
                "HTML entity",
                "HTML entities",
                "mapped to characters",
            ),
            (
                self.control_characters,
                "forbidden control character",
                "forbidden control characters",
                "dropped",
            ),
            (
                self.unterminated_sections,
                "unterminated CDATA or comment",
                "unterminated CDATA or comments",
                "closed",
            ),
            (
                self.cut_tags,
                "tag cut by the truncation",
                "tags cut by the truncation",
                "dropped",
            ),
            (
                self.closed_elements,
                "element left open by the truncation",
                "elements left open by the truncation",
                "closed",
            ),
            (
                self.cut_stories,
                "item cut by the truncation",
                "items cut by the truncation",
                "dropped",
            ),
        ];
        let mut parts: Vec<String> = Vec::new();
        if self.junk_before_xml {
            parts.push("junk before the XML removed".to_string());
        }
        for (count, one, many, done) in counted {
            match count {
                0 => {}
                1 => parts.push(format!("1 {one} {done}")),
                n => parts.push(format!("{n} {many} {done}")),
            }
        }
        if !self.bound_prefixes.is_empty() {
            parts.push(format!(
                "undeclared prefixes bound to their customary namespaces: {}",
                self.bound_prefixes.join(", ")
            ));
        }
        f.write_str(&parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_mended_reads_as_a_sentence_for_the_log() {
        let fixes = Fixes {
            junk_before_xml: true,
            bare_ampersands: 2,
            html_entities: 1,
            cut_stories: 1,
            closed_elements: 2,
            bound_prefixes: vec!["dc".to_string()],
            ..Fixes::default()
        };
        assert_eq!(
            fixes.to_string(),
            "junk before the XML removed, 2 bare ampersands escaped, \
             1 HTML entity mapped to characters, 2 elements left open by the truncation closed, \
             1 item cut by the truncation dropped, \
             undeclared prefixes bound to their customary namespaces: dc"
        );
        assert!(fixes.is_lossy());
    }
}
