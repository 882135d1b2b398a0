//! The values the state holds and hands back, whatever backend keeps them:
//! a feed's fetch history, the publish record, labels and source versions.
//! Backends read and write these; nothing here knows a database.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::dedup::FoldEvidence;
use crate::fetch::Validators;
use crate::model::{Article, Channel, PubStatus};

/// The health of one feed, as `wirefeed status` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedState {
    pub feed_id: String,
    /// When it was last fetched, whatever the outcome.
    pub last_fetch: Option<DateTime<Utc>>,
    /// When a fetch last succeeded (including "304 Not Modified").
    pub last_success: Option<DateTime<Utc>>,
    /// Why the last fetch failed; `None` once one succeeds.
    pub last_error: Option<String>,
    /// The HTTP status of the last fetch, if it got that far.
    pub http_status: Option<u16>,
    /// Failed fetches since the last success.
    pub consecutive_failures: u32,
    /// Stored articles whose primary or also_via source is this feed.
    pub items: u64,
    /// Sent back on the next fetch as If-None-Match / If-Modified-Since.
    pub validators: Validators,
    /// When the daemon plans to fetch it next, as last saved; `None` while it
    /// runs, when its schedule has ended, or when no daemon has planned it.
    pub next_fetch: Option<DateTime<Utc>>,
    /// Set while failures (the backoff or a Retry-After), not the schedule,
    /// hold the next fetch back: they do so until then.
    pub backoff_until: Option<DateTime<Utc>>,
}

/// One feed's place in the daemon's plan, as saved for `wirefeed status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedFetch<'a> {
    /// The feed's id in feeds.toml.
    pub feed_id: &'a str,
    /// See [`FeedState::next_fetch`].
    pub next_fetch: Option<DateTime<Utc>>,
    /// See [`FeedState::backoff_until`].
    pub backoff_until: Option<DateTime<Utc>>,
}

/// One published channel as the last publish left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedChannel {
    /// The channel's path stem: `all`, `sections/politics`.
    pub stem: String,
    /// Fingerprint of the settings its files were rendered with.
    pub settings: String,
    /// Its entry in index.html and feeds.opml, as publish serialized it.
    pub listing: String,
}

/// The published channels and the changes not yet published.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishedState {
    pub channels: Vec<PublishedChannel>,
    /// Stems of channels changed since their files were written.
    pub stale: BTreeSet<String>,
    /// The newest stale mark read: a publish of this state clears marks up
    /// to it and no further.
    pub through: i64,
}

impl PublishedState {
    /// (stem, listing) of every channel whose files are current: rendered
    /// with `settings` and not marked stale since.
    pub fn current<'a>(&'a self, settings: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.channels
            .iter()
            .filter(move |row| row.settings == settings && !self.stale.contains(&row.stem))
            .map(|row| (row.stem.as_str(), row.listing.as_str()))
    }
}

/// What a [`LabelInfo`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LabelKind {
    Tag,
    Region,
    Language,
}

impl LabelKind {
    pub(crate) fn column(self) -> &'static str {
        match self {
            LabelKind::Tag => "tag",
            LabelKind::Region => "region",
            LabelKind::Language => "language",
        }
    }

    /// The channel of this kind's label `slug`.
    pub fn channel(self, slug: String) -> Channel {
        match self {
            LabelKind::Tag => Channel::Tag(slug),
            LabelKind::Region => Channel::Region(slug),
            LabelKind::Language => Channel::Language(slug),
        }
    }

    pub(crate) fn from_column(value: &str) -> Option<LabelKind> {
        match value {
            "tag" => Some(LabelKind::Tag),
            "region" => Some(LabelKind::Region),
            "language" => Some(LabelKind::Language),
            _ => None,
        }
    }
}

/// A tag, region or language present in stored articles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelInfo {
    pub kind: LabelKind,
    /// The slug (tags, regions) or BCP 47 code (languages) of its channel.
    pub slug: String,
    /// What people read: "Palestine", "العربية". For a slug written with
    /// different labels, the label of its newest article.
    pub label: String,
    /// Stored articles carrying it.
    pub count: u64,
}

/// One stored source version.
#[derive(Debug, Clone)]
pub struct StoredSource {
    /// Row id: the order versions were first seen.
    pub id: i64,
    pub article_id: String,
    pub priority: i64,
    pub digest: String,
    pub version: Article,
}

/// One version of an article as `explain` shows it: its row, feed,
/// priority, the version itself and the evidence recorded when it was folded.
#[derive(Debug, Clone)]
pub struct SourceRecord {
    /// Row id in `sources`: the order versions were first seen.
    pub id: i64,
    pub feed_id: String,
    pub priority: i64,
    /// The version's canonical URL.
    pub url: Option<String>,
    /// The article as this feed gave it.
    pub version: Article,
    /// Why it was folded into the article, as decided at ingest; `None` for
    /// the version that started the article and for rows stored before
    /// the evidence was kept.
    pub fold_evidence: Option<FoldEvidence>,
}

/// One feed's fetches in one clock hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchHour {
    pub feed_id: String,
    /// The start of the hour, UTC.
    pub hour: DateTime<Utc>,
    pub fetches: u32,
    /// Fetches that failed (network, HTTP status, parse).
    pub failures: u32,
    /// Items taken in: stored new, updated, or folded into another story.
    pub items: u64,
}
/// How one fetch of a feed went, as the state records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchRecord<'a> {
    /// New content was taken in: `items` stored new, updated or folded, and
    /// the validators the server sent with it for the next conditional GET.
    Ingested {
        http_status: Option<u16>,
        validators: &'a Validators,
        items: u64,
    },
    /// "Not modified": a success with nothing new; the validators stored
    /// are still current.
    NotModified { http_status: Option<u16> },
    /// Failed; the validators stored are kept so the next attempt can still
    /// be conditional.
    Failed {
        error: &'a str,
        http_status: Option<u16>,
    },
}

/// `hidden_until` of an article withheld or killed: no time lifts it.
pub(crate) const NEVER: i64 = i64::MAX;

/// Until when `article` stays unpublished (microseconds), `None` when it
/// may be published now: withheld and killed articles until a usable
/// version arrives (never, for a kill), embargoed ones until the embargo.
pub(crate) fn hidden_until(article: &Article, now: DateTime<Utc>) -> Option<i64> {
    match article.editorial.status {
        PubStatus::Withheld | PubStatus::Canceled => Some(NEVER),
        PubStatus::Usable => article
            .editorial
            .embargoed
            .filter(|until| *until > now)
            .map(|until| until.timestamp_micros()),
    }
}

/// The label rows of `article` (kind, slug, label): its tags, regions and
/// language, as channel queries and label listings read them.
pub(crate) fn label_rows(
    article: &Article,
) -> impl Iterator<Item = (LabelKind, String, String)> + '_ {
    let tags = article
        .tags
        .iter()
        .map(|l| (LabelKind::Tag, l.slug.clone(), l.label.clone()));
    let regions = article
        .regions
        .iter()
        .map(|l| (LabelKind::Region, l.slug.clone(), l.label.clone()));
    let languages = article.language.iter().map(|code| {
        (
            LabelKind::Language,
            code.clone(),
            crate::store::language::display_name(code),
        )
    });
    tags.chain(regions).chain(languages)
}

/// How long a feed's fetch counts per hour are kept: enough for `/status`
/// to chart the last 24 hours whatever the time of day.
pub(crate) const FETCH_HOURS_KEPT: chrono::TimeDelta = chrono::TimeDelta::hours(48);

/// The start of the clock hour holding `at`, the key of its [`FetchHour`].
pub(crate) fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::DurationRound;
    // Only fails for instants near the ends of chrono's range.
    at.duration_trunc(chrono::TimeDelta::hours(1)).unwrap_or(at)
}

/// A version's LSH band keys as every backend stores them: 8 bytes each,
/// little-endian.
pub(crate) fn keys_blob(keys: &[i64]) -> Vec<u8> {
    keys.iter().flat_map(|key| key.to_le_bytes()).collect()
}

/// The keys of a stored blob; a trailing partial key is ignored.
pub(crate) fn keys_of_blob(blob: &[u8]) -> impl Iterator<Item = i64> + '_ {
    blob.chunks_exact(8).map(|bytes| {
        let mut key = [0u8; 8];
        key.copy_from_slice(bytes);
        i64::from_le_bytes(key)
    })
}
