//! `wirefeed explain ARTICLE_ID_OR_URL`: everything the state knows about
//! one article, and why it is the way it is.

use super::{InspectError, field_origins};
use crate::config::Config;
use crate::dedup::{Comparison, Fingerprint, compare};
use crate::model::{Article, Channel};
use crate::normalize::{Provenance, canonical_url};
use crate::publish::wanted_channels;
use crate::store::Location;
use crate::store::{FoldEvidence, SourceRecord, Store};

/// One article explained.
#[derive(Debug)]
pub struct Explanation {
    /// The article as published.
    pub article: Article,
    /// Which rule line set each field of the primary version, by the rules
    /// as configured now; `None` when its feed is no longer in feeds.toml.
    pub fields: Option<Provenance>,
    /// Every version, in the order first seen.
    pub sources: Vec<SourceExplained>,
    /// The published feeds it is among the newest `max_items` of.
    pub channels: Vec<Channel>,
    pub max_items: usize,
}

/// One feed's version of the article.
#[derive(Debug)]
pub struct SourceExplained {
    pub record: SourceRecord,
    /// Its text, source and labels are the article's.
    pub primary: bool,
    /// The feed's name in feeds.toml, when it is still listed.
    pub feed_name: Option<String>,
    pub fold: FoldReason,
}

/// Why a version belongs to the article.
#[derive(Debug, PartialEq)]
pub enum FoldReason {
    /// The first version seen: the article started with it.
    Started,
    /// Folded in at ingest, for this reason.
    Recorded(FoldEvidence),
    /// Stored before wirefeed kept the evidence: the comparison with the
    /// earlier versions made now (`None`: no earlier version of another feed).
    Recomputed(Option<FoldEvidence>),
}

/// Explains the stored article whose id, canonical URL or original link
/// (of any version) is `query`. Reads the state; writes nothing.
pub fn explain(config: &Config, query: &str) -> Result<Explanation, InspectError> {
    let location = Location::of(config);
    if !location.exists() {
        return Err(InspectError::NoState { location });
    }
    let store = location.open()?;
    let unknown = || InspectError::UnknownArticle {
        query: query.to_owned(),
        state: location.clone(),
    };
    let article_id = find_article(&store, query)?.ok_or_else(unknown)?;
    let article = store.article(&article_id)?.ok_or_else(unknown)?;
    let records = store.source_records(&article_id)?;

    let primary = |record: &SourceRecord| {
        record.feed_id == article.source.feed_id
            && record.version.source.item_id == article.source.item_id
    };
    let fields = records
        .iter()
        .find(|record| primary(record))
        .and_then(|record| {
            let feed = config.feeds.iter().find(|f| f.id == record.feed_id)?;
            Some(field_origins(feed, &record.version))
        });
    let sources = records
        .iter()
        .enumerate()
        .map(|(index, record)| SourceExplained {
            primary: primary(record),
            feed_name: config
                .feeds
                .iter()
                .find(|f| f.id == record.feed_id)
                .map(|f| f.name.clone()),
            fold: match (&record.fold_evidence, index) {
                (Some(evidence), _) => FoldReason::Recorded(evidence.clone()),
                (None, 0) => FoldReason::Started,
                (None, _) => FoldReason::Recomputed(recompute(&records[..index], record)),
            },
            record: record.clone(),
        })
        .collect();
    let channels = channels_of(config, &store, &article)?;
    Ok(Explanation {
        article,
        fields,
        sources,
        channels,
        max_items: config.site.max_items,
    })
}

/// An article id, else a canonical URL or original link as given, else the
/// link made canonical the way normalize does (tracking parameters removed).
fn find_article(store: &Store, query: &str) -> Result<Option<String>, InspectError> {
    if store.article(query)?.is_some() {
        return Ok(Some(query.to_owned()));
    }
    if let Some(id) = store.article_by_link(query)? {
        return Ok(Some(id));
    }
    match url::Url::parse(query) {
        Ok(url) => Ok(store.article_by_link(canonical_url(&url).as_str())?),
        Err(_) => Ok(None),
    }
}

/// Why `record` would join the article today, given the versions seen
/// before it: a shared canonical URL first, as at ingest, else the most
/// similar earlier version of another feed, same-story verdicts first.
fn recompute(earlier: &[SourceRecord], record: &SourceRecord) -> Option<FoldEvidence> {
    let others = || earlier.iter().filter(|e| e.feed_id != record.feed_id);
    if let Some(url) = &record.url
        && others().any(|e| e.url.as_ref() == Some(url))
    {
        return Some(FoldEvidence::SameUrl { url: url.clone() });
    }
    let mine = Fingerprint::of(&record.version);
    others()
        .map(|e| (e.id, compare(&mine, &Fingerprint::of(&e.version))))
        .max_by(|(_, a), (_, b)| {
            let key = |c: &Comparison| (c.verdict.is_same(), c.story.unwrap_or(0.0) + c.title);
            let (a, b) = (key(a), key(b));
            a.0.cmp(&b.0).then(a.1.total_cmp(&b.1))
        })
        .map(|(source_id, comparison)| FoldEvidence::Similar {
            source_id,
            comparison,
        })
}

/// The published channels `article` is among the newest `max_items` of:
/// the channels publish writes, narrowed to the article's own.
fn channels_of(
    config: &Config,
    store: &Store,
    article: &Article,
) -> Result<Vec<Channel>, InspectError> {
    let own = |channel: &Channel| match channel {
        Channel::All => true,
        Channel::Breaking => article.breaking,
        Channel::Section(slug) => article.section.as_ref() == Some(slug),
        Channel::Tag(slug) => article.tags.iter().any(|t| &t.slug == slug),
        Channel::Region(slug) => article.regions.iter().any(|r| &r.slug == slug),
        Channel::Language(code) => article.language.as_ref() == Some(code),
    };
    let mut channels = Vec::new();
    for (channel, _label) in wanted_channels(config, store)? {
        if !own(&channel) {
            continue;
        }
        let newest = store.latest(&channel, config.site.max_items)?;
        if newest.iter().any(|a| a.id == article.id) {
            channels.push(channel);
        }
    }
    Ok(channels)
}
