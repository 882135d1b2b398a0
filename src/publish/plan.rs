//! The publish plan: which channels to render, from what the state says
//! changed and what was published, and the record of what was.
//!
//! The rest of `publish` turns plain data into files; this is the part that
//! reads the state for it. The channels wanted are every declared section
//! and every label in use; a channel is rendered when it changed since it
//! was published, was never published by this process, or its files are
//! missing. What was rendered is recorded in the state, so a later process
//! (`wirefeed once` after the daemon, or a restart) publishes only what is
//! stale.

use std::collections::BTreeSet;

use crate::config::Config;
use crate::model::{Channel, ChannelFeed};
use crate::store::{ChangedChannels, LabelKind, Location, Store, StoreError};

use super::{Publication, PublishError, PublishReport};

/// Where a publish records what it wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// Through a connection of its own, before it returns.
    Here,
    /// Not at all: the [`PublishedRecord`] goes back to the caller, which
    /// records it through its own connection (the daemon's writer: a write
    /// from another connection would make it drop dedup's candidate index).
    ByCaller,
}

/// What a publish wrote, to be recorded in the state once the files are in
/// place.
#[derive(Debug)]
pub struct PublishedRecord {
    settings: String,
    listed: Vec<(String, String)>,
    rendered: BTreeSet<String>,
    /// The last stale mark the publish read: later ones stay for the next.
    through: i64,
}

impl PublishedRecord {
    pub fn write(&self, store: &mut Store) -> Result<(), StoreError> {
        store.record_published(&self.settings, &self.listed, &self.rendered, self.through)
    }
}

/// Publishes the channels in `changed` (every channel when `None`), those
/// the state marks stale, and every channel `publication` has not
/// published yet (a new tag, the first
/// publish of a process); index.html and feeds.opml always list them all.
/// Returns the record when `record` leaves it to the caller.
pub async fn publish_changes(
    config: &Config,
    publication: &mut Publication,
    changed: Option<ChangedChannels>,
    record: Record,
) -> Result<(PublishReport, Option<PublishedRecord>), PublishError> {
    publish(config, publication, Render::Changed(changed), record).await
}

/// Publishes the channels whose files are not current, as the state records
/// them: changed since any process published them, rendered under other
/// settings, never published, or missing from the output folder. What
/// `wirefeed once` does, so a cycle that changed one feed rewrites only
/// that feed's channels.
pub async fn publish_stale(config: &Config) -> Result<PublishReport, PublishError> {
    let (report, _) = publish(
        config,
        &mut Publication::default(),
        Render::Stale,
        Record::Here,
    )
    .await?;
    Ok(report)
}

/// Which channels a publish renders besides those `publication` lacks.
enum Render {
    /// These (every channel when `None`).
    Changed(Option<ChangedChannels>),
    /// None: `publication` is first resumed from the state's record.
    Stale,
}

async fn publish(
    config: &Config,
    publication: &mut Publication,
    render: Render,
    record: Record,
) -> Result<(PublishReport, Option<PublishedRecord>), PublishError> {
    let config = config.clone();
    let mut taken = std::mem::take(publication);
    // Reading the channels back is SQLite work too: off the async workers.
    // A publication lost to a panic only means the next publish renders all.
    let (taken, report, left) = tokio::task::spawn_blocking(move || {
        let mut store = Location::of(&config).open()?;
        // Read before the articles: marks added after this are left for the
        // next publish, however this one turns out.
        let state = store.published()?;
        let settings = super::settings_fingerprint(&config);
        let wanted = wanted_channels(&config, &store)?;
        let channels: Vec<Channel> = wanted.iter().map(|(channel, _)| channel.clone()).collect();
        let changed = match render {
            Render::Changed(changed) => changed,
            Render::Stale => {
                taken = Publication::resume(&config, state.current(&settings), &channels);
                Some(ChangedChannels::default())
            }
        };
        // The stale marks count too: on a state shared by several
        // instances they are how the publisher learns what the others
        // stored.
        let render: Vec<(Channel, String)> = wanted
            .into_iter()
            .filter(|(channel, _)| {
                !taken.has(channel)
                    || changed.as_ref().is_none_or(|c| c.contains(channel))
                    || state.stale.contains(&channel.path_stem())
            })
            .collect();
        let feeds = read_channels(&config, &store, render)?;
        let report = taken.publish(&config, &feeds, &channels)?;
        let published = PublishedRecord {
            settings,
            listed: taken.recorded(),
            rendered: feeds.iter().map(|feed| feed.channel.path_stem()).collect(),
            through: state.through,
        };
        if record == Record::Here {
            published.write(&mut store)?;
            return Ok::<_, PublishError>((taken, report, None));
        }
        Ok((taken, report, Some(published)))
    })
    .await
    .map_err(|_| PublishError::Task)??;
    *publication = taken;
    Ok((report, left))
}

/// Every channel to publish with its label: all, breaking, every declared
/// section (even empty, so subscriptions keep working), every tag and region
/// in use, and languages when more than one is published.
pub(crate) fn wanted_channels(
    config: &Config,
    store: &Store,
) -> Result<Vec<(Channel, String)>, StoreError> {
    let mut wanted: Vec<(Channel, String)> = vec![
        (Channel::All, String::new()),
        (Channel::Breaking, "Breaking".to_owned()),
    ];
    for section in &config.sections {
        wanted.push((
            Channel::Section(section.slug.clone()),
            section.title.clone(),
        ));
    }
    let labels = store.labels()?;
    let languages = labels
        .iter()
        .filter(|l| l.kind == LabelKind::Language)
        .count();
    for label in labels {
        if label.kind == LabelKind::Language && languages < 2 {
            continue;
        }
        wanted.push((label.kind.channel(label.slug), label.label));
    }
    Ok(wanted)
}

/// The newest articles of each of `channels`.
fn read_channels(
    config: &Config,
    store: &Store,
    channels: Vec<(Channel, String)>,
) -> Result<Vec<ChannelFeed>, StoreError> {
    let limit = config.site.max_items;
    channels
        .into_iter()
        .map(|(channel, label)| {
            let articles = store.latest(&channel, limit)?;
            Ok(ChannelFeed {
                channel,
                label,
                articles,
            })
        })
        .collect()
}
