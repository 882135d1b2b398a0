//! How the evidence of a fold ([`FoldEvidence`], decided by dedup at ingest)
//! is kept in `sources.fold_evidence`.
//!
//! The evidence is recorded when the decision is made so `wirefeed explain`
//! shows what was decided then, not what today's thresholds would say.

use serde::{Deserialize, Serialize};

pub use crate::dedup::FoldEvidence;
use crate::dedup::{Comparison, Verdict};

/// The column's JSON form. Kept apart from [`FoldEvidence`] so the stored
/// form stays stable whatever becomes of the in-memory types.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Stored {
    SameUrl {
        url: String,
    },
    Similar {
        source_id: i64,
        verdict: String,
        story: Option<f64>,
        title: f64,
        lead: Option<f64>,
    },
}

/// The snake_case name of a verdict, as stored and as `explain --json` shows it.
pub fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::SameStory => "same_story",
        Verdict::SameLead => "same_lead",
        Verdict::SameTitle => "same_title",
        Verdict::NumbersDiffer => "numbers_differ",
        Verdict::Different => "different",
    }
}

fn verdict_of(name: &str) -> Option<Verdict> {
    [
        Verdict::SameStory,
        Verdict::SameLead,
        Verdict::SameTitle,
        Verdict::NumbersDiffer,
        Verdict::Different,
    ]
    .into_iter()
    .find(|verdict| verdict_name(*verdict) == name)
}

impl FoldEvidence {
    /// The JSON stored in `sources.fold_evidence`.
    pub(crate) fn to_column(&self) -> String {
        let stored = match self {
            FoldEvidence::SameUrl { url } => Stored::SameUrl { url: url.clone() },
            FoldEvidence::Similar {
                source_id,
                comparison,
            } => Stored::Similar {
                source_id: *source_id,
                verdict: verdict_name(comparison.verdict).to_owned(),
                story: comparison.story,
                title: comparison.title,
                lead: comparison.lead,
            },
        };
        // Plain strings and numbers: serializing them cannot fail, and a
        // non-finite score (never produced) would only be stored as null.
        serde_json::to_string(&stored).unwrap_or_default()
    }

    /// The evidence read back; `None` for text no wirefeed wrote (logged),
    /// which `explain` then treats like a row stored before evidence was kept.
    pub(crate) fn from_column(text: &str) -> Option<FoldEvidence> {
        let parsed = serde_json::from_str::<Stored>(text)
            .ok()
            .and_then(|stored| {
                Some(match stored {
                    Stored::SameUrl { url } => FoldEvidence::SameUrl { url },
                    Stored::Similar {
                        source_id,
                        verdict,
                        story,
                        title,
                        lead,
                    } => FoldEvidence::Similar {
                        source_id,
                        comparison: Comparison {
                            verdict: verdict_of(&verdict)?,
                            story,
                            title,
                            lead,
                        },
                    },
                })
            });
        if parsed.is_none() {
            tracing::warn!(
                evidence = text,
                "unreadable fold evidence in the state ignored"
            );
        }
        parsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_survives_the_column_round_trip() {
        let similar = FoldEvidence::Similar {
            source_id: 7,
            comparison: Comparison {
                verdict: Verdict::SameLead,
                story: Some(0.42),
                title: 0.1,
                lead: Some(0.9),
            },
        };
        let same_url = FoldEvidence::SameUrl {
            url: "https://agency.example/a".into(),
        };
        for evidence in [similar, same_url] {
            assert_eq!(
                FoldEvidence::from_column(&evidence.to_column()),
                Some(evidence)
            );
        }
        assert_eq!(FoldEvidence::from_column("{\"other\":1}"), None);
    }
}
