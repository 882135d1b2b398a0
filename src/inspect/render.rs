//! What `preview` and `explain` found, as text for the editor at the
//! terminal and (for `explain --json`) as JSON for scripts.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::explain::{Explanation, FoldReason, SourceExplained};
use super::preview::{Becomes, Fate, Kept, Preview};
use crate::dedup::Revision;
use crate::model::{Article, Channel, Label};
use crate::normalize::{Provenance, SetBy};
use crate::store::{FoldEvidence, verdict_name};

/// The extensions every channel is published with.
const FORMATS: [&str; 3] = ["rss", "atom", "json"];

/// `preview` as text: one block per item, in feed order, then a tally.
pub fn render_preview(preview: &Preview, config_file: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "preview of feed {} ({}), fetched now from {}; nothing is stored or published",
        preview.feed_id, preview.feed_name, preview.url
    );
    if !preview.state_exists {
        let _ = writeln!(out, "no state file yet: every kept item would be new");
    }
    let (mut dropped, mut new, mut folded, mut stored) = (0, 0, 0, 0);
    for (number, item) in preview.items.iter().enumerate() {
        let _ = writeln!(out, "\n{}. {}", number + 1, item.title);
        let _ = writeln!(out, "   item       {}", item.item_id);
        match &item.fate {
            Fate::Dropped { rule_line } => {
                dropped += 1;
                let _ = writeln!(
                    out,
                    "   DROPPED    by the rule at {config_file}:{rule_line}"
                );
            }
            Fate::Kept(kept) => {
                let Kept {
                    article,
                    fields,
                    becomes,
                } = kept.as_ref();
                if let Some(link) = &article.source.item_url {
                    let _ = writeln!(out, "   link       {link}");
                }
                write_fields(&mut out, "   ", article, fields, config_file);
                let outcome = match becomes {
                    Becomes::New => {
                        new += 1;
                        "new article".to_owned()
                    }
                    Becomes::Stored {
                        article_id,
                        revision,
                    } => {
                        stored += 1;
                        let what = match revision {
                            Revision::Update => "a newer version: would replace it",
                            Revision::Unchanged => "unchanged",
                            Revision::IgnoredOlder => "an older version: would be ignored",
                        };
                        format!("update of a stored item (article {article_id}): {what}")
                    }
                    Becomes::Folded {
                        article_id,
                        title,
                        primary_feed,
                        evidence,
                    } => {
                        folded += 1;
                        format!(
                            "would fold into article {article_id} \"{title}\" (primary {primary_feed}): {}",
                            evidence_text(evidence, &|_| None)
                        )
                    }
                };
                let _ = writeln!(out, "   becomes    {outcome}");
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{}: {new} new, {folded} would fold, {stored} already stored, {dropped} dropped",
        crate::plural::count(preview.items.len(), "item", "items")
    );
    out
}

/// `explain` as text: the article, the rule behind each field, every source
/// with its fold decision, and the published feeds it is in.
pub fn render_explanation(explanation: &Explanation, config_file: &str) -> String {
    let article = &explanation.article;
    let mut out = String::new();
    let _ = writeln!(out, "article {}: {}", article.id, article.title);
    if let Some(url) = &article.url {
        let _ = writeln!(out, "  url        {url}");
    }
    let _ = writeln!(
        out,
        "  published  {}   updated {}",
        article.published.to_rfc3339(),
        article.updated.to_rfc3339()
    );
    match &explanation.fields {
        Some(fields) => {
            write_fields(&mut out, "  ", article, fields, config_file);
            let _ = writeln!(
                out,
                "  (rules as configured now in {config_file}, applied to the primary version)"
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  (the primary's feed {} is no longer in {config_file}: no rules to show)",
                article.source.feed_id
            );
        }
    }

    let _ = writeln!(out, "\nsources ({}):", explanation.sources.len());
    let feed_of = |row: i64| {
        explanation
            .sources
            .iter()
            .find(|source| source.record.id == row)
            .map(|source| source.record.feed_id.clone())
    };
    for source in &explanation.sources {
        write_source(&mut out, source, &feed_of);
    }

    let _ = writeln!(
        out,
        "\npublished in (among the newest {} of each):",
        explanation.max_items
    );
    if explanation.channels.is_empty() {
        let _ = writeln!(out, "  no published feed");
    }
    for channel in &explanation.channels {
        let _ = writeln!(out, "  {}", files(channel).join("  "));
    }
    out
}

fn write_source(
    out: &mut String,
    source: &SourceExplained,
    feed_of: &dyn Fn(i64) -> Option<String>,
) {
    let record = &source.record;
    let attribution = &record.version.source;
    let role = if source.primary {
        "primary "
    } else {
        "also_via"
    };
    let name = source
        .feed_name
        .as_deref()
        .unwrap_or("no longer in the configuration");
    let _ = writeln!(
        out,
        "  {role}  {} ({name}), priority {}, stored row {}",
        record.feed_id, record.priority, record.id
    );
    let _ = writeln!(
        out,
        "            link       {}",
        attribution.item_url.as_deref().unwrap_or("none")
    );
    let _ = writeln!(out, "            item       {}", attribution.item_id);
    let _ = writeln!(out, "            {}", time_text(&record.version));
    let fold = match &source.fold {
        FoldReason::Started => "started this article (first seen)".to_owned(),
        FoldReason::Recorded(evidence) => {
            format!("folded at ingest: {}", evidence_text(evidence, feed_of))
        }
        FoldReason::Recomputed(Some(evidence)) => format!(
            "folded before evidence was kept; recomputed now: {}",
            evidence_text(evidence, feed_of)
        ),
        FoldReason::Recomputed(None) => {
            "folded before evidence was kept; recomputed now: no earlier version of another feed"
                .to_owned()
        }
    };
    let _ = writeln!(out, "            {fold}");
}

/// The source's own date, or the first-seen time when it gave none.
fn time_text(version: &Article) -> String {
    match version.source.published {
        Some(published) => format!("published  {} (by the source)", published.to_rfc3339()),
        None => format!(
            "first seen {} (the source gave no date)",
            version.published.to_rfc3339()
        ),
    }
}

/// One line per rule-decided field: its value and what set it, indented by `indent`.
fn write_fields(
    out: &mut String,
    indent: &str,
    article: &Article,
    fields: &Provenance,
    config_file: &str,
) {
    let none = || "—".to_owned();
    let labels = |labels: &[Label]| {
        if labels.is_empty() {
            none()
        } else {
            labels
                .iter()
                .map(|l| l.slug.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let rows = [
        (
            "section",
            article.section.clone().unwrap_or_else(none),
            fields.section,
        ),
        (
            "kind",
            article.kind.clone().unwrap_or_else(none),
            fields.kind,
        ),
        ("tags", labels(&article.tags), fields.tags),
        ("regions", labels(&article.regions), fields.regions),
        (
            "series",
            article
                .series
                .as_ref()
                .map(|s| s.slug.clone())
                .unwrap_or_else(none),
            fields.series,
        ),
        (
            "breaking",
            if article.breaking { "yes" } else { "no" }.to_owned(),
            fields.breaking,
        ),
    ];
    for (field, value, set_by) in rows {
        let _ = writeln!(
            out,
            "{indent}{field:<10} {value:<24} {}",
            set_by_text(set_by, config_file)
        );
    }
}

fn set_by_text(set_by: SetBy, config_file: &str) -> String {
    match set_by {
        SetBy::Rule { line } => format!("rule at {config_file}:{line}"),
        SetBy::Feed => "feed default".to_owned(),
        SetBy::Nothing => "none".to_owned(),
    }
}

/// The evidence in words; `feed_of` names the feed of a stored row when known.
fn evidence_text(evidence: &FoldEvidence, feed_of: &dyn Fn(i64) -> Option<String>) -> String {
    match evidence {
        FoldEvidence::SameUrl { url } => format!("same canonical URL {url}"),
        FoldEvidence::Similar {
            source_id,
            comparison,
        } => {
            let score = |value: Option<f64>| {
                value.map_or_else(|| "n/a (short leads)".to_owned(), |v| format!("{v:.2}"))
            };
            let row = match feed_of(*source_id) {
                Some(feed) => format!("stored row {source_id} ({feed})"),
                None => format!("stored row {source_id}"),
            };
            format!(
                "similar text to {row}: verdict {}, story {}, title {:.2}, lead {}",
                verdict_name(comparison.verdict),
                score(comparison.story),
                comparison.title,
                score(comparison.lead)
            )
        }
    }
}

/// A channel's published files, relative to the output folder.
fn files(channel: &Channel) -> Vec<String> {
    let stem = channel.path_stem();
    FORMATS.iter().map(|ext| format!("{stem}.{ext}")).collect()
}

/// `explain --json`: the same facts for scripts.
pub fn explanation_json(explanation: &Explanation) -> Value {
    let article = &explanation.article;
    let slugs = |labels: &[Label]| labels.iter().map(|l| l.slug.clone()).collect::<Vec<_>>();
    let fields = explanation.fields.as_ref().map(|fields| {
        json!({
            "rules_as_configured_now": true,
            "section": set_by_json(fields.section),
            "kind": set_by_json(fields.kind),
            "tags": set_by_json(fields.tags),
            "regions": set_by_json(fields.regions),
            "series": set_by_json(fields.series),
            "breaking": set_by_json(fields.breaking),
        })
    });
    let sources: Vec<Value> = explanation
        .sources
        .iter()
        .map(|source| {
            let record = &source.record;
            let attribution = &record.version.source;
            let (decision, evidence) = match &source.fold {
                FoldReason::Started => ("started", None),
                FoldReason::Recorded(evidence) => ("recorded", Some(evidence)),
                FoldReason::Recomputed(evidence) => ("recomputed", evidence.as_ref()),
            };
            json!({
                "row": record.id,
                "role": if source.primary { "primary" } else { "also_via" },
                "feed_id": record.feed_id,
                "feed_name": source.feed_name,
                "priority": record.priority,
                "item_id": attribution.item_id,
                "link": attribution.item_url,
                "canonical_url": record.url,
                "published_by_source": attribution.published.map(|t| t.to_rfc3339()),
                "published": record.version.published.to_rfc3339(),
                "fold": {"decision": decision, "evidence": evidence.map(evidence_json)},
            })
        })
        .collect();
    let channels: Vec<Value> = explanation
        .channels
        .iter()
        .map(|channel| json!({"path": channel.path_stem(), "files": files(channel)}))
        .collect();
    json!({
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "published": article.published.to_rfc3339(),
        "updated": article.updated.to_rfc3339(),
        "section": article.section,
        "kind": article.kind,
        "tags": slugs(&article.tags),
        "regions": slugs(&article.regions),
        "series": article.series.as_ref().map(|s| s.slug.clone()),
        "breaking": article.breaking,
        "fields": fields,
        "sources": sources,
        "channels": channels,
        "max_items": explanation.max_items,
    })
}

fn set_by_json(set_by: SetBy) -> Value {
    match set_by {
        SetBy::Rule { line } => json!({"set_by": "rule", "line": line}),
        SetBy::Feed => json!({"set_by": "feed_default"}),
        SetBy::Nothing => json!({"set_by": "none"}),
    }
}

fn evidence_json(evidence: &FoldEvidence) -> Value {
    match evidence {
        FoldEvidence::SameUrl { url } => json!({"kind": "same_url", "url": url}),
        FoldEvidence::Similar {
            source_id,
            comparison,
        } => json!({
            "kind": "similar",
            "matched_row": source_id,
            "verdict": verdict_name(comparison.verdict),
            "story": comparison.story,
            "title": comparison.title,
            "lead": comparison.lead,
        }),
    }
}
