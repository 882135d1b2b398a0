//! Dedup's questions about a whole feed, answered before it asks them.
//!
//! Dedup asks about one incoming article at a time: is this item stored,
//! which articles carry this URL, is this id taken. On PostgreSQL each is a
//! round trip, and round trips were most of a cold cycle's time
//! (benches/README.md). Inside the write group, which holds the cluster's
//! write lock so nobody else writes meanwhile, the questions of a whole
//! feed are answered in three queries, and an answer is forgotten as soon
//! as the group writes something that could change it: the question then
//! goes to the database as before.

use std::collections::HashMap;

use chrono::DateTime;

use crate::dedup::StoredItem;
use crate::store::prepared::PreparedArticle;

/// Answers known ahead for the open write group.
#[derive(Debug, Default)]
pub(super) struct LookAhead {
    /// (feed id, item id) → the stored item, `None` when there is none.
    items: HashMap<(String, String), Option<StoredItem>>,
    /// Canonical URL → the articles with a version there, first seen first.
    urls: HashMap<String, Vec<String>>,
    /// Article id → whether an article has it.
    ids: HashMap<String, bool>,
}

impl LookAhead {
    pub(super) fn item(&self, feed_id: &str, item_id: &str) -> Option<Option<StoredItem>> {
        self.items
            .get(&(feed_id.to_owned(), item_id.to_owned()))
            .cloned()
    }

    pub(super) fn articles_with_url(&self, url: &str) -> Option<Vec<String>> {
        self.urls.get(url).cloned()
    }

    pub(super) fn article_exists(&self, id: &str) -> Option<bool> {
        self.ids.get(id).copied()
    }

    /// A version of `item_id` from `feed_id` under `url` was written to
    /// `article_id`: what was known of them no longer holds.
    pub(super) fn forget_version(
        &mut self,
        feed_id: &str,
        item_id: &str,
        url: Option<&str>,
        article_id: &str,
    ) {
        self.items.remove(&(feed_id.to_owned(), item_id.to_owned()));
        if let Some(url) = url {
            self.urls.remove(url);
        }
        self.ids.remove(article_id);
    }

    pub(super) fn forget_article(&mut self, id: &str) {
        self.ids.remove(id);
    }

    pub(super) fn forget_all(&mut self) {
        *self = LookAhead::default();
    }
}

/// The three queries, and their answers as a [`LookAhead`].
pub(super) struct Questions {
    pub feed_id: String,
    pub item_ids: Vec<String>,
    pub urls: Vec<String>,
    pub ids: Vec<String>,
}

impl Questions {
    pub(super) fn of(feed_id: &str, articles: &[PreparedArticle]) -> Questions {
        let mut questions = Questions {
            feed_id: feed_id.to_owned(),
            item_ids: Vec::with_capacity(articles.len()),
            urls: Vec::with_capacity(articles.len()),
            ids: Vec::with_capacity(articles.len()),
        };
        for prepared in articles {
            let article = &prepared.article;
            questions.item_ids.push(article.source.item_id.clone());
            questions.ids.push(article.id.clone());
            if let Some(url) = &article.url {
                questions.urls.push(url.clone());
            }
        }
        questions
    }

    pub(super) const ITEMS: &'static str = "SELECT item_id, digest, updated, killed FROM sources
         WHERE feed_id = $1 AND item_id = ANY($2)";
    pub(super) const URLS: &'static str = "SELECT url, article_id FROM sources WHERE url = ANY($1)
         GROUP BY url, article_id ORDER BY url, MIN(id)";
    pub(super) const IDS: &'static str = "SELECT id FROM articles WHERE id = ANY($1)";

    /// The answers, from the rows of [`Self::ITEMS`], [`Self::URLS`] and
    /// [`Self::IDS`]: every question asked has one, "none" included.
    pub(super) fn answers(
        self,
        items: &[postgres::Row],
        urls: &[postgres::Row],
        ids: &[postgres::Row],
    ) -> LookAhead {
        let mut ahead = LookAhead::default();
        for item_id in self.item_ids {
            ahead.items.insert((self.feed_id.clone(), item_id), None);
        }
        for row in items {
            let item_id: String = row.get(0);
            let stored = DateTime::from_timestamp_micros(row.get(2)).map(|updated| StoredItem {
                digest: row.get(1),
                updated,
                killed: row.get(3),
            });
            match stored {
                Some(stored) => {
                    ahead
                        .items
                        .insert((self.feed_id.clone(), item_id), Some(stored));
                }
                // A date out of range: let the question go to the database.
                None => {
                    ahead.items.remove(&(self.feed_id.clone(), item_id));
                }
            }
        }
        for url in self.urls {
            ahead.urls.insert(url, Vec::new());
        }
        for row in urls {
            let url: String = row.get(0);
            ahead.urls.entry(url).or_default().push(row.get(1));
        }
        for id in self.ids {
            ahead.ids.insert(id, false);
        }
        for row in ids {
            ahead.ids.insert(row.get(0), true);
        }
        ahead
    }
}
