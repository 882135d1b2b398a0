//! Which published channels an ingest may have changed, so publishing can
//! render only those.
//!
//! An over-approximation by design: a channel listed here may turn out to
//! render the same bytes (an article too old for its newest `max_items`),
//! and publishing then leaves the file alone. A channel missing here would
//! leave a published feed stale, so every article write records the
//! channels it leaves and the channels it enters.

use std::collections::BTreeSet;

use crate::model::{Article, Channel};

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

    /// One channel, as a backend read it from what it stores.
    pub(crate) fn add(&mut self, channel: Channel) {
        self.channels.insert(channel);
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
}

impl FromIterator<Channel> for ChangedChannels {
    fn from_iter<I: IntoIterator<Item = Channel>>(iter: I) -> Self {
        ChangedChannels {
            channels: iter.into_iter().collect(),
        }
    }
}
