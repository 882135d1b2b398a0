//! The two questions dedup answers: is this revision of a known item newer,
//! and are two stories from different feeds the same story?
//!
//! Precision matters more than recall here: folding two different stories
//! hides news from readers, while a missed duplicate only shows a story
//! twice. Every threshold below errs on the side of keeping stories apart.

use crate::dedup::figures::{Figure, figures};
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
/// Share of the shorter body opening's word pairs found in the other that
/// makes two stories the same when their leads fell short: a partner that
/// cuts the lead by a third and rewrites the headline still runs the rest of
/// the copy. Different stories that share a background paragraph stay near
/// one half; templated reports share more, and their figures tell them apart.
pub const MIN_BODY_SIMILARITY: f64 = 0.8;
/// Lead containment from which the bodies are compared at all. A copy whose
/// lead was cut by a third keeps two thirds of it; different stories share
/// a third or less, and most candidates the index brings are such, so they
/// are told apart without hashing two bodies.
pub const MIN_LEAD_FOR_BODY: f64 = 0.5;
/// Body words both stories need before their bodies count as evidence: two
/// short paragraphs, so that a cut lead and the paragraph after it weigh
/// more than the cut.
pub const MIN_BODY_WORDS: usize = 40;

/// Whether two stories (from different feeds) are the same story.
///
/// - Figures must not conflict: when each story carries a figure the other
///   lacks, they are different. "Death toll rises to 43,000" and
///   "… to 43,100" are a day apart and both news, though their words match;
///   a trimmed copy that lost some figures still agrees. Figures are
///   compared like with like: "seven" is 7, and only figures standing in
///   text both stories share count (see [`figures_conflict`]).
/// - With substantial leads on both sides: title + lead word pairs overlap
///   at least [`MIN_STORY_SIMILARITY`] and the title words at least
///   [`MIN_TITLE_SIMILARITY`]; or one lead is nearly contained in the
///   other ([`MIN_LEAD_SIMILARITY`]) while the headline was rewritten or
///   the lead trimmed.
/// - Without: only equal normalized titles of at least
///   [`MIN_TITLE_WORDS_ALONE`] words. Titles alone are too short for
///   similarity: "X: We are ready to fight" and "X: We are ready to talk"
///   share most of their word pairs and are different news.
/// - When neither decided, and the leads share at least
///   [`MIN_LEAD_FOR_BODY`] (or cannot be compared): one body's opening
///   nearly contained in the other's ([`MIN_BODY_SIMILARITY`]) with no
///   conflicting figure in the bodies either.
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
    /// both leads are usable; when the bodies decided ([`Verdict::SameLead`]
    /// through [`MIN_BODY_SIMILARITY`]), the same share of the shorter
    /// body's opening.
    pub lead: Option<f64>,
}

/// The rule of [`is_same_story`] that decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Title and lead overlap enough.
    SameStory,
    /// One lead nearly contained in the other, under a rewritten headline
    /// or after a trim; or, when the leads fell short, one body's opening
    /// in the other's.
    SameLead,
    /// Equal long titles, no usable leads.
    SameTitle,
    /// Each carries a figure the other lacks, in text both share.
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
    let same_title = !leads_usable && a.title == b.title && a.title.len() >= MIN_TITLE_WORDS_ALONE;
    let mut comparison = Comparison {
        verdict: Verdict::Different,
        story,
        title,
        lead,
    };
    let (a_lead, b_lead) = ([&a.title[..], &a.lead], [&b.title[..], &b.lead]);
    let (a_all, b_all) = (
        [&a.title[..], &a.lead, &a.body],
        [&b.title[..], &b.lead, &b.body],
    );
    comparison.verdict = if figures_conflict(&a_lead, &b_lead) {
        Verdict::NumbersDiffer
    } else if story.is_some_and(|s| s >= MIN_STORY_SIMILARITY) && title >= MIN_TITLE_SIMILARITY {
        Verdict::SameStory
    } else if lead.is_some_and(|l| l >= MIN_LEAD_SIMILARITY) {
        Verdict::SameLead
    } else if same_title {
        Verdict::SameTitle
    } else if let Some(body) = lead
        .is_none_or(|l| l >= MIN_LEAD_FOR_BODY)
        .then(|| body_containment(a, b))
        .flatten()
    {
        comparison.lead = Some(body);
        Verdict::SameLead
    } else {
        Verdict::Different
    };
    // Whatever rule found them the same, the figures further down must
    // agree too: templated reports and follow-ups can share their opening
    // and differ only in a later paragraph's figures. Asked of the few pairs
    // found the same, not of every candidate.
    // Equal bodies (a copy run whole) have no figure to disagree on.
    let bodies_differ = a.body != b.body;
    if comparison.verdict.is_same() && bodies_differ && figures_conflict(&a_all, &b_all) {
        comparison.verdict = Verdict::NumbersDiffer;
    }
    comparison
}

/// The share of the shorter body opening's word pairs found in the other,
/// when both bodies have [`MIN_BODY_WORDS`] and it reaches
/// [`MIN_BODY_SIMILARITY`]; `None` otherwise.
fn body_containment(a: &Fingerprint, b: &Fingerprint) -> Option<f64> {
    if a.body.len() < MIN_BODY_WORDS || b.body.len() < MIN_BODY_WORDS {
        return None;
    }
    let body = containment(&a.body_shingles(), &b.body_shingles());
    (body >= MIN_BODY_SIMILARITY).then_some(body)
}

/// Whether the figures of two stories contradict each other: each carries a
/// figure the other lacks ("rises to 38" against "rises to 71").
///
/// Title and lead are taken together, so a figure moved from the lead into
/// a rewritten headline still agrees; and one side may carry fewer figures
/// than the other, because partners trim leads and drop agency datelines
/// ("TARSEL, Nov 17 (CPA) -"), which takes numbers out but never puts a
/// different one in.
#[cfg(test)]
fn numbers_conflict(a: &Fingerprint, b: &Fingerprint) -> bool {
    figures_conflict(&[&a.title, &a.lead], &[&b.title, &b.lead])
}

/// Whether each side has a figure the other lacks, counting only figures
/// that stand in text both share: a figure counts when the word pair just
/// before or just after it occurs in the other side's text.
///
/// That compares like with like. A partner whose lead runs on into its
/// second paragraph, or puts a sentence of its own before the copy, brings
/// figures the agency's one-paragraph lead has no words around, so they say
/// nothing against it; a follow-up in the same words with a new toll
/// ("has risen to 38, with more than 200" against "to 71, with more than
/// 400") has its figures in shared text and conflicts. A figure the other
/// side carries anywhere agrees with it.
fn figures_conflict(a: &[&[String]], b: &[&[String]]) -> bool {
    let (a_figures, b_figures) = (located_figures(a), located_figures(b));
    brings_a_new_figure(&a_figures, &b_figures, b) && brings_a_new_figure(&b_figures, &a_figures, a)
}

/// A figure of a run of words, with the run it stands in.
type Located<'w> = (&'w [String], Figure<'w>);

fn located_figures<'w>(runs: &[&'w [String]]) -> Vec<Located<'w>> {
    runs.iter()
        .flat_map(|words| {
            figures(words)
                .into_iter()
                .map(move |figure| (*words, figure))
        })
        .collect()
}

/// Whether one of `mine` is missing from `theirs` while standing in text
/// they share (`their_text`).
fn brings_a_new_figure(
    mine: &[Located<'_>],
    theirs: &[Located<'_>],
    their_text: &[&[String]],
) -> bool {
    let their_values: BTreeSet<&str> = theirs.iter().map(|(_, f)| f.value.as_ref()).collect();
    mine.iter().any(|(words, figure)| {
        !their_values.contains(figure.value.as_ref()) && in_shared_text(words, figure, their_text)
    })
}

/// Whether the word pair just before or just after `figure` occurs in
/// another text. Asked only of figures the other side lacks, a few per
/// comparison, so a scan of its words beats hashing them all.
fn in_shared_text(words: &[String], figure: &Figure, other: &[&[String]]) -> bool {
    let occurs = |pair: &[String]| {
        other
            .iter()
            .any(|run| run.windows(2).any(|other_pair| other_pair == pair))
    };
    let before = figure.start >= 2 && occurs(&words[figure.start - 2..figure.start]);
    let after = figure.end + 1 < words.len() && occurs(&words[figure.end..figure.end + 2]);
    before || after
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::fingerprint::containment;
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
            body: vec![],
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

    const MINE_LEAD: &str = "At least seven miners were killed and four injured when a gallery \
        collapsed at the Dunmore coal mine early on Tuesday, the operator said, as rescuers \
        tried to reach two men still trapped 600 metres underground. It was the worst \
        accident in the country's mines in 20 years.";

    #[test]
    fn a_number_written_as_a_word_is_the_same_figure() {
        let agency = article("a", "ap")
            .title("Seven miners killed in gallery collapse at Dunmore pit")
            .summary(MINE_LEAD)
            .build();
        // The partner writes every number in figures and cuts the last sentence.
        let partner = article("b", "partner")
            .title("Dunmore mine collapse: 7 killed, 4 injured")
            .summary(
                &MINE_LEAD
                    .replace("seven miners", "7 miners")
                    .replace("four injured", "4 injured")
                    .replace(
                        " It was the worst accident in the country's mines in 20 years.",
                        "",
                    ),
            )
            .build();
        let update = article("c", "partner")
            .title("Dunmore mine collapse: 9 killed")
            .summary(
                &MINE_LEAD
                    .replace("seven miners", "9 miners")
                    .replace("four injured", "4 injured"),
            )
            .build();
        assert!(same(&agency, &partner));
        let comparison = compare(&Fingerprint::of(&agency), &Fingerprint::of(&update));
        assert_eq!(comparison.verdict, Verdict::NumbersDiffer);
    }

    #[test]
    fn a_conflict_outside_the_shared_text_is_not_a_conflict() {
        let lead = "The unemployment rate fell to 5.8 percent in October, the lowest in 15 \
                    years, as construction and tourism firms kept hiring, the labour office \
                    said on Wednesday.";
        let agency = Fingerprint::of(
            &article("a", "ap")
                .title("Unemployment falls to 5.8 percent")
                .summary(lead)
                .build(),
        );
        // An excerpt cut from the partner's whole text: the lead lost a
        // clause (and its 15), the second paragraph brings a 14.
        let excerpt = Fingerprint::of(
            &article("b", "partner")
                .title("Jobless rate drops to 5.8 percent")
                .summary(
                    "The unemployment rate fell to 5.8 percent in October as construction \
                     and tourism firms kept hiring, the labour office said on Wednesday. \
                     Youth unemployment remained high at 14 percent.",
                )
                .build(),
        );
        // Each carries a figure the other lacks (15, 14), as the rule that
        // took title and lead whole counted them…
        let values = |f: &Fingerprint| -> BTreeSet<String> {
            figures(&f.title)
                .into_iter()
                .chain(figures(&f.lead))
                .map(|figure| figure.value.into_owned())
                .collect()
        };
        let (a, b) = (values(&agency), values(&excerpt));
        assert!(!a.is_subset(&b) && !b.is_subset(&a));
        // …but neither stands in text the other has.
        assert!(!numbers_conflict(&agency, &excerpt));
        assert_ne!(compare(&agency, &excerpt).verdict, Verdict::NumbersDiffer);
    }

    #[test]
    fn a_conflict_in_the_shared_text_keeps_a_follow_up_apart() {
        let lead = |toll: &str, injured: &str| {
            format!(
                "The death toll from the earthquake that struck Kessary province on Tuesday \
                 has risen to {toll}, with more than {injured} people injured, the civil \
                 defence agency said."
            )
        };
        let words = |title: &str, summary: &str| {
            Fingerprint::of(&article("a", "f").title(title).summary(summary).build())
        };
        let morning = words("Kessary quake toll rises", &lead("38", "200"));
        let evening = words(
            "Kessary quake toll rises",
            &lead("seventy-one", "four hundred"),
        );
        assert!(numbers_conflict(&morning, &evening));
        assert_eq!(compare(&morning, &evening).verdict, Verdict::NumbersDiffer);
        // A figure the other side carries anywhere agrees with it.
        let moved = words("Kessary toll at 38", &lead("thirty-eight", "200"));
        assert!(!numbers_conflict(&morning, &moved));
    }

    const CUT_LEAD: &str = "The government and the teachers' union agreed on Monday on a pay \
        rise of 6 percent over two years, ending a dispute that had threatened strikes in \
        schools before Christmas, Education Minister Sofia Lind said.";
    const LEAD_REST: &str = "New teachers will get an extra 150 crowns a month from January.";
    const SECOND_PARAGRAPH: &str = "The deal covers about 85,000 teachers and will cost the \
        state 410 million crowns a year, the ministry said. Headteachers welcomed the \
        agreement but warned that schools in the valleys still could not find enough \
        staff to cover classes.";

    #[test]
    fn a_lead_cut_by_a_third_under_a_new_headline_folds_by_its_body() {
        let agency = Fingerprint::of(
            &article("a", "ap")
                .title("Teachers to get 6 percent pay rise over two years")
                .summary(&format!("{CUT_LEAD} {LEAD_REST}"))
                .body(&format!(
                    "<p>{CUT_LEAD} {LEAD_REST}</p><p>{SECOND_PARAGRAPH}</p>"
                ))
                .build(),
        );
        // No summary: the partner's lead is its body's first words, so the
        // cut lead runs on into the second paragraph and its figures.
        let partner = Fingerprint::of(
            &article("b", "regional")
                .title("Valley teachers welcome pay deal")
                .no_summary()
                .body(&format!("<p>{CUT_LEAD}</p><p>{SECOND_PARAGRAPH}</p>"))
                .build(),
        );
        let lead = containment(&agency.lead_shingles(), &partner.lead_shingles());
        assert!(
            lead < MIN_LEAD_SIMILARITY,
            "the leads alone fold it: {lead}"
        );
        let comparison = compare(&agency, &partner);
        assert_eq!(comparison.verdict, Verdict::SameLead);
        assert!(
            comparison
                .lead
                .is_some_and(|body| body >= MIN_BODY_SIMILARITY)
        );
    }

    #[test]
    fn reports_alike_but_for_their_later_figures_are_different_reports() {
        // A templated market close: the opening is the same every day, the
        // figures that tell the days apart come after the lead's words.
        let report = |rose: &str, fell: &str, turnover: &str| {
            let lead = "The Aldermoor stock exchange's main index closed little changed on \
                        the day, with gains in banks and insurers offset by losses among \
                        exporters and carmakers, while the crown held steady against the \
                        euro and government bond yields barely moved, traders said, ahead \
                        of the inflation figures due later in the week and the central \
                        bank's last rate meeting of the year, which most of them expect to \
                        leave borrowing costs where they are.";
            let body = format!(
                "<p>{lead}</p><p>Of the stocks in the index, {rose} rose and {fell} fell. \
                 Turnover was {turnover} million crowns, dealers said.</p>"
            );
            Fingerprint::of(
                &article("a", "f")
                    .title("Aldermoor shares close little changed")
                    .no_summary()
                    .body(&body)
                    .build(),
            )
        };
        let monday = report("27", "13", "1,240");
        let tuesday = report("twelve", "twenty-eight", "980");
        assert!(
            monday
                .lead
                .iter()
                .all(|word| !word.starts_with(char::is_numeric))
        );
        assert_eq!(monday.lead, tuesday.lead);
        assert_eq!(compare(&monday, &tuesday).verdict, Verdict::NumbersDiffer);
        assert!(
            compare(&monday, &report("27", "thirteen", "1,240"))
                .verdict
                .is_same()
        );
    }

    #[test]
    fn stories_sharing_a_background_paragraph_stay_apart() {
        let background = "<p>The earthquake struck Kessary province before dawn on Tuesday, \
            collapsing homes in several mountain villages and cutting power to the provincial \
            capital Tarsel. Rescuers have been searching the rubble in Orden and Velika, where \
            most of the dead were found, and aftershocks continued through the night.</p>";
        let story = |title: &str, lead: &str| {
            Fingerprint::of(
                &article("a", "f")
                    .title(title)
                    .no_summary()
                    .body(&format!("<p>{lead}</p>{background}"))
                    .build(),
            )
        };
        let visit = story(
            "Prime minister visits quake zone",
            "Prime Minister Elena Varga toured the villages hit by the earthquake on \
             Wednesday and promised that the state would rebuild every destroyed home.",
        );
        let aid = story(
            "European Union pledges aid for quake victims",
            "The European Union pledged emergency aid on Thursday for the victims of the \
             earthquake, to pay for shelter, clean water and medical care.",
        );
        let comparison = compare(&visit, &aid);
        assert_eq!(comparison.verdict, Verdict::Different);
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
