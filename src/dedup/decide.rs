//! The two questions dedup answers: is this revision of a known item newer,
//! and are two stories from different feeds the same story?
//!
//! Precision matters more than recall here: folding two different stories
//! hides news from readers, while a missed duplicate only shows a story
//! twice. Every threshold below errs on the side of keeping stories apart.

use crate::dedup::fingerprint::{Fingerprint, containment, jaccard};
use crate::model::Article;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// What a new fetch of an already stored item means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revision {
    /// A newer version (a correction): it replaces the stored one.
    Update,
    /// The same version again: nothing to write.
    Unchanged,
    /// An older version than the stored one (a stale mirror or cache).
    IgnoredOlder,
}

/// Compares an incoming version of an item with the stored one, given the
/// stored version's [`content_digest`].
///
/// An undated item gets `updated = now` from normalize on every fetch, so for
/// it only the content decides; a dated item whose `updated` moved forward is
/// an update even when the text is the same.
pub fn revision(
    stored: &Article,
    stored_digest: &str,
    incoming: &Article,
    incoming_digest: &str,
) -> Revision {
    revision_of(stored.updated, stored_digest, incoming, incoming_digest)
}

/// [`revision`] knowing only the stored version's `updated` and digest,
/// which is all it looks at: the store decides without reading the version.
pub fn revision_of(
    stored_updated: DateTime<Utc>,
    stored_digest: &str,
    incoming: &Article,
    incoming_digest: &str,
) -> Revision {
    if incoming.updated < stored_updated {
        return Revision::IgnoredOlder;
    }
    let undated = incoming.source.published.is_none();
    let same_content = incoming_digest == stored_digest;
    if same_content && (undated || incoming.updated <= stored_updated) {
        Revision::Unchanged
    } else {
        Revision::Update
    }
}

/// A digest of everything in an article except its dates, which normalize
/// may have invented (undated items get the time they were seen).
pub fn content_digest(article: &Article) -> String {
    let mut undated = article.clone();
    undated.published = chrono::DateTime::UNIX_EPOCH;
    undated.updated = chrono::DateTime::UNIX_EPOCH;
    // Serializing plain owned data into a Vec cannot fail; the Debug form is
    // a fallback that is just as deterministic.
    let bytes =
        serde_json::to_vec(&undated).unwrap_or_else(|_| format!("{undated:?}").into_bytes());
    let hash = Sha256::digest(&bytes);
    hash.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Shared word pairs of title + lead needed to call two stories the same.
pub const MIN_STORY_SIMILARITY: f64 = 0.6;
/// Shared title words needed on top of [`MIN_STORY_SIMILARITY`].
pub const MIN_TITLE_SIMILARITY: f64 = 0.5;
/// Share of the shorter lead's word pairs found in the other lead that makes
/// two stories the same even when the headline was rewritten or the lead
/// trimmed. Measured over the shorter lead so a partner's one-sentence cut
/// of a three-sentence agency lead still counts as the copy it is. On the
/// evaluation set same-story leads are at 0.84 or more; different stories
/// without conflicting figures stay at 0.34 or less.
pub const MIN_LEAD_SIMILARITY: f64 = 0.8;
/// Lead words both stories need before their leads count as evidence; short
/// leads ("Watch the video") say nothing about the story.
pub const MIN_LEAD_WORDS: usize = 15;
/// Title words two lead-less stories need to be folded on equal titles alone;
/// "Live updates" from two outlets are not the same story.
pub const MIN_TITLE_WORDS_ALONE: usize = 6;

/// Whether two stories (from different feeds) are the same story.
///
/// - Numbers must not conflict: when each story carries a number the other
///   lacks, they are different. "Death toll rises to 43,000" and
///   "… to 43,100" are a day apart and both news, though their words match;
///   a trimmed copy that lost some figures still agrees.
/// - With substantial leads on both sides: title + lead word pairs overlap
///   at least [`MIN_STORY_SIMILARITY`] and the title words at least
///   [`MIN_TITLE_SIMILARITY`]; or one lead is nearly contained in the
///   other ([`MIN_LEAD_SIMILARITY`]) while the headline was rewritten or
///   the lead trimmed.
/// - Without: only equal normalized titles of at least
///   [`MIN_TITLE_WORDS_ALONE`] words. Titles alone are too short for
///   similarity: "X: We are ready to fight" and "X: We are ready to talk"
///   share most of their word pairs and are different news.
pub fn is_same_story(a: &Fingerprint, b: &Fingerprint) -> bool {
    compare(a, b).verdict.is_same()
}

/// Why two stories are or are not the same: the verdict of
/// [`is_same_story`] with the figures it rests on, for `explain`, `preview`
/// and the evaluation of the folding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    pub verdict: Verdict,
    /// Shared word pairs of title + lead (Jaccard), when both leads are usable.
    pub story: Option<f64>,
    /// Shared title words (Jaccard).
    pub title: f64,
    /// Share of the shorter lead's word pairs found in the other lead, when
    /// both leads are usable.
    pub lead: Option<f64>,
}

/// The rule of [`is_same_story`] that decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Title and lead overlap enough.
    SameStory,
    /// One lead nearly contained in the other, under a rewritten headline
    /// or after a trim.
    SameLead,
    /// Equal long titles, no usable leads.
    SameTitle,
    /// Each carries a number the other lacks.
    NumbersDiffer,
    /// Not similar enough.
    Different,
}

impl Verdict {
    pub fn is_same(self) -> bool {
        matches!(
            self,
            Verdict::SameStory | Verdict::SameLead | Verdict::SameTitle
        )
    }
}

/// Compares two stories (from different feeds); see [`is_same_story`].
pub fn compare(a: &Fingerprint, b: &Fingerprint) -> Comparison {
    let title_words = |f: &Fingerprint| f.title.iter().cloned().collect::<BTreeSet<_>>();
    let title = jaccard(&title_words(a), &title_words(b));
    let leads_usable = a.lead.len() >= MIN_LEAD_WORDS && b.lead.len() >= MIN_LEAD_WORDS;
    let (story, lead) = if leads_usable {
        (
            Some(jaccard(&a.story_shingles(), &b.story_shingles())),
            Some(containment(&a.lead_shingles(), &b.lead_shingles())),
        )
    } else {
        (None, None)
    };
    let verdict = if numbers_conflict(a, b) {
        Verdict::NumbersDiffer
    } else if let (Some(story), Some(lead)) = (story, lead) {
        if story >= MIN_STORY_SIMILARITY && title >= MIN_TITLE_SIMILARITY {
            Verdict::SameStory
        } else if lead >= MIN_LEAD_SIMILARITY {
            Verdict::SameLead
        } else {
            Verdict::Different
        }
    } else if a.title == b.title && a.title.len() >= MIN_TITLE_WORDS_ALONE {
        Verdict::SameTitle
    } else {
        Verdict::Different
    };
    Comparison {
        verdict,
        story,
        title,
        lead,
    }
}

/// Whether the figures of two stories contradict each other: each carries a
/// number the other lacks ("rises to 38" against "rises to 71").
///
/// Title and lead are taken together, so a figure moved from the lead into
/// a rewritten headline still agrees; and one side may carry fewer figures
/// than the other, because partners trim leads and drop agency datelines
/// ("TARSEL, Nov 17 (CPA) -"), which takes numbers out but never puts a
/// different one in.
fn numbers_conflict(a: &Fingerprint, b: &Fingerprint) -> bool {
    let (a, b) = (numbers(a), numbers(b));
    !a.is_subset(&b) && !b.is_subset(&a)
}

/// The numbers among a story's title and lead words.
fn numbers(f: &Fingerprint) -> BTreeSet<&str> {
    f.title
        .iter()
        .chain(&f.lead)
        .filter(|word| word.chars().all(char::is_numeric))
        .map(String::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::testing::{article, at};

    const LEAD: &str = "Israeli forces raided the Jenin refugee camp before dawn on Tuesday, \
        local officials said, in an operation that lasted several hours and left \
        two people wounded according to the Palestinian health ministry.";

    fn same(a: &Article, b: &Article) -> bool {
        is_same_story(&Fingerprint::of(a), &Fingerprint::of(b))
    }

    #[test]
    fn republished_copy_with_edited_headline_and_lead_is_the_same_story() {
        let agency = article("a", "ap")
            .title("Israeli forces raid Jenin refugee camp before dawn")
            .summary(LEAD)
            .build();
        let partner = article("b", "partner")
            .title("Israeli Forces Raid Jenin Refugee Camp")
            .summary(
                &LEAD
                    .replace("on Tuesday", "Tuesday")
                    .replace("two people", "two Palestinians"),
            )
            .build();
        assert!(same(&agency, &partner));
    }

    #[test]
    fn rewritten_headline_over_the_same_lead_is_the_same_story() {
        let agency = article("a", "ap")
            .title("Jenin camp raided")
            .summary(LEAD)
            .build();
        let partner = article("b", "partner")
            .title("Overnight operation wounds two in the West Bank")
            .summary(LEAD)
            .build();
        assert!(same(&agency, &partner));
    }

    #[test]
    fn statements_by_the_same_speaker_are_different_stories() {
        let ready = article("a", "ap")
            .title("Al-Nakhalah: We are ready to confront any aggression")
            .summary("Islamic Jihad Secretary-General Ziad al-Nakhalah said on Monday that the resistance is ready for all scenarios and will respond to any escalation in the occupied territories.")
            .build();
        let enemy = article("b", "partner")
            .title("Al-Nakhalah: The enemy has failed to achieve its goals")
            .summary("Islamic Jihad Secretary-General Ziad al-Nakhalah said on Monday that the occupation failed in Gaza and that its leaders are trying to hide their losses from their public.")
            .build();
        assert!(!same(&ready, &enemy));
    }

    #[test]
    fn daily_figures_with_different_numbers_are_different_stories() {
        let lead = |toll: &str, wounded: &str| {
            format!(
                "The Gaza Health Ministry said the death toll from the Israeli war on the \
                 Strip has risen to {toll} since October, with {wounded} people wounded and \
                 thousands more missing under the rubble."
            )
        };
        let monday = article("a", "ap")
            .title("Gaza death toll rises to 43,000")
            .summary(&lead("43,000", "101,000"))
            .build();
        let tuesday = article("b", "partner")
            .title("Gaza death toll rises to 43,100")
            .summary(&lead("43,100", "101,500"))
            .build();
        let copy = article("c", "partner")
            .title("Gaza Death Toll Rises to 43,000")
            .summary(&lead("43,000", "101,000"))
            .build();
        assert!(!same(&monday, &tuesday));
        assert!(same(&monday, &copy));
    }

    #[test]
    fn short_titles_without_leads_fold_only_when_equal_and_long() {
        let a = |title: &str| article("a", "ap").title(title).no_summary().build();
        let b = |title: &str| article("b", "x").title(title).no_summary().build();
        assert!(!same(
            &a("Al-Nakhalah: We are ready to fight"),
            &b("Al-Nakhalah: We are ready to talk")
        ));
        assert!(!same(&a("Live updates"), &b("Live updates")));
        assert!(same(
            &a("Earthquake of magnitude 6.1 strikes southern Turkey"),
            &b("Earthquake of magnitude 6.1 strikes southern Turkey")
        ));
    }

    #[test]
    fn copy_that_lost_some_figures_is_the_same_story() {
        let agency = article("a", "ap")
            .title("Death toll from Kessary earthquake rises to 71")
            .summary(
                "The death toll from the earthquake that struck Kessary province on Tuesday \
                 has risen to 71, with more than 400 people injured, the civil defence agency \
                 said. Rescuers were searching collapsed houses in 2 villages.",
            )
            .build();
        let trimmed = article("b", "partner")
            .title("Kessary quake death toll climbs to 71")
            .summary(
                "The death toll from the earthquake that struck Kessary province on Tuesday \
                 has risen to 71, with more than 400 people injured, the civil defence agency \
                 said.",
            )
            .build();
        assert!(same(&agency, &trimmed));
    }

    #[test]
    fn figures_conflict_only_when_each_side_has_one_the_other_lacks() {
        let words = |title: &str| Fingerprint {
            title: crate::dedup::fingerprint::tokens(title),
            lead: vec![],
        };
        assert!(numbers_conflict(
            &words("Toll rises to 38"),
            &words("Toll rises to 71")
        ));
        assert!(!numbers_conflict(
            &words("Toll rises to 71, 400 injured"),
            &words("Toll rises to 71")
        ));
        assert!(!numbers_conflict(
            &words("Toll rises"),
            &words("Toll is 71")
        ));
    }

    #[test]
    fn partner_cut_of_the_lead_to_its_first_sentence_is_the_same_story() {
        let agency = article("a", "ap")
            .title("Rail union calls strike over pay")
            .summary(
                "The rail workers' union called a national strike for next week on Tuesday \
                 after its members rejected the pay offer, threatening to halt almost all \
                 passenger and freight trains. The union said it wanted a bigger rise to \
                 make up for two years of high inflation.",
            )
            .build();
        let partner = article("b", "partner")
            .title("Trains to stop as union walks out")
            .summary(
                "The rail workers' union called a national strike for next week on Tuesday \
                 after its members rejected the pay offer, threatening to halt almost all \
                 passenger and freight trains.",
            )
            .build();
        let comparison = compare(&Fingerprint::of(&agency), &Fingerprint::of(&partner));
        assert_eq!(comparison.verdict, Verdict::SameLead);
        assert_eq!(comparison.lead, Some(1.0));
    }

    #[test]
    fn same_opening_with_a_different_point_is_a_different_story() {
        let opening = "National Bank Governor Ruth Calder said on Thursday that";
        let inflation = article("a", "ap")
            .title("Calder: inflation is stubborn")
            .summary(&format!(
                "{opening} inflation was proving stubborn in services such as rents, \
                 insurance and restaurants, and that the bank would act again."
            ))
            .build();
        let housing = article("b", "partner")
            .title("Calder: housing is cooling")
            .summary(&format!(
                "{opening} the housing market was cooling faster than the bank had \
                 expected, with sales down sharply since the summer."
            ))
            .build();
        assert!(!same(&inflation, &housing));
    }

    #[test]
    fn older_version_is_ignored() {
        let stored = article("a", "f").updated(at(10)).build();
        let incoming = article("a", "f").title("Changed").updated(at(9)).build();
        assert_eq!(
            revision(
                &stored,
                &content_digest(&stored),
                &incoming,
                &content_digest(&incoming)
            ),
            Revision::IgnoredOlder
        );
    }

    #[test]
    fn same_version_again_is_unchanged() {
        let stored = article("a", "f").updated(at(10)).build();
        assert_eq!(
            revision(
                &stored,
                &content_digest(&stored),
                &stored,
                &content_digest(&stored)
            ),
            Revision::Unchanged
        );
    }

    #[test]
    fn corrected_text_is_an_update_even_at_the_same_time() {
        let stored = article("a", "f").updated(at(10)).build();
        let incoming = article("a", "f").title("Corrected").updated(at(10)).build();
        assert_eq!(
            revision(
                &stored,
                &content_digest(&stored),
                &incoming,
                &content_digest(&incoming)
            ),
            Revision::Update
        );
    }

    #[test]
    fn undated_item_seen_again_later_is_unchanged() {
        let stored = article("a", "f").undated(at(10)).build();
        let incoming = article("a", "f").undated(at(20)).build();
        assert_eq!(
            revision(
                &stored,
                &content_digest(&stored),
                &incoming,
                &content_digest(&incoming)
            ),
            Revision::Unchanged
        );
    }
}
