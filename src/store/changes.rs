//! Which published channels an ingest may have changed, so publishing can
//! render only those.
//!
//! An over-approximation by design: a channel listed here may turn out to
//! render the same bytes (an article too old for its newest `max_items`),
//! and publishing then leaves the file alone. A channel missing here would
//! leave a published feed stale, so every article write records the
//! channels it leaves and the channels it enters.

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension};

use crate::model::{Article, Channel};
use crate::store::articles::LabelKind;
use crate::store::error::{SqlContext, StoreError};

/// Channels whose articles may have changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangedChannels {
    channels: BTreeSet<Channel>,
}

impl ChangedChannels {
    pub fn contains(&self, channel: &Channel) -> bool {
        self.channels.contains(channel)
    }

    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }

    pub fn len(&self) -> usize {
        self.channels.len()
    }

    /// Adds every channel of `other`.
    pub fn merge(&mut self, other: ChangedChannels) {
        self.channels.extend(other.channels);
    }

    pub fn iter(&self) -> impl Iterator<Item = &Channel> {
        self.channels.iter()
    }

    /// Every channel `article` appears in.
    pub(crate) fn add_article(&mut self, article: &Article) {
        self.channels.insert(Channel::All);
        if article.breaking {
            self.channels.insert(Channel::Breaking);
        }
        if let Some(section) = &article.section {
            self.channels.insert(Channel::Section(section.clone()));
        }
        for tag in &article.tags {
            self.channels.insert(Channel::Tag(tag.slug.clone()));
        }
        for region in &article.regions {
            self.channels.insert(Channel::Region(region.slug.clone()));
        }
        if let Some(language) = &article.language {
            self.channels.insert(Channel::Language(language.clone()));
        }
    }

    /// Every channel the stored article `id` appears in now, before it is
    /// rewritten; nothing when it is not stored.
    pub(crate) fn add_stored(&mut self, conn: &Connection, id: &str) -> Result<(), StoreError> {
        let row: Option<(Option<String>, bool)> = conn
            .prepare_cached("SELECT section, breaking FROM articles WHERE id = ?1")
            .and_then(|mut statement| {
                statement
                    .query_row([id], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()
            })
            .context(conn, "read an article's channels")?;
        let Some((section, breaking)) = row else {
            return Ok(());
        };
        self.channels.insert(Channel::All);
        if breaking {
            self.channels.insert(Channel::Breaking);
        }
        if let Some(section) = section {
            self.channels.insert(Channel::Section(section));
        }
        let labels: Vec<(String, String)> = conn
            .prepare_cached("SELECT kind, slug FROM labels WHERE article_id = ?1")
            .and_then(|mut statement| {
                statement
                    .query_map([id], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect()
            })
            .context(conn, "read an article's labels")?;
        for (kind, slug) in labels {
            if let Some(kind) = LabelKind::from_column(&kind) {
                self.channels.insert(kind.channel(slug));
            }
        }
        Ok(())
    }
}

impl FromIterator<Channel> for ChangedChannels {
    fn from_iter<I: IntoIterator<Item = Channel>>(iter: I) -> Self {
        ChangedChannels {
            channels: iter.into_iter().collect(),
        }
    }
}
