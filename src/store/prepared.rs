//! The part of storing an article that needs no database: its JSON, content
//! digest, dedup fingerprint and LSH band keys. Computed before the single
//! SQLite writer takes the article, on whichever core is free, so the writer
//! (the critical path of a cycle) only runs queries.

use crate::dedup::fingerprint::BANDS;
use crate::dedup::{Fingerprint, Incoming, content_digest};
use crate::model::Article;
use crate::store::error::StoreError;

/// An article ready to be ingested.
#[derive(Debug, Clone)]
pub struct PreparedArticle {
    pub(crate) article: Article,
    pub(crate) json: String,
    pub(crate) digest: String,
    pub(crate) fingerprint: Fingerprint,
    pub(crate) band_keys: Option<[i64; BANDS]>,
}

impl PreparedArticle {
    pub fn new(article: Article) -> Result<PreparedArticle, StoreError> {
        let fingerprint = Fingerprint::of(&article);
        Ok(PreparedArticle {
            json: to_json(&article)?,
            digest: content_digest(&article),
            band_keys: fingerprint.band_keys(),
            fingerprint,
            article,
        })
    }

    pub fn article(&self) -> &Article {
        &self.article
    }

    /// What dedup decides on, for `feed_id`'s ingest.
    pub(crate) fn incoming<'a>(&'a self, feed_id: &'a str) -> Incoming<'a> {
        Incoming {
            feed_id,
            article: &self.article,
            digest: &self.digest,
            fingerprint: &self.fingerprint,
            band_keys: self.band_keys.as_ref(),
        }
    }

    /// The same article with changed fields (an update keeping its first-seen
    /// date): everything derived is computed again.
    pub(crate) fn with(
        self,
        change: impl FnOnce(&mut Article),
    ) -> Result<PreparedArticle, StoreError> {
        let mut article = self.article;
        change(&mut article);
        PreparedArticle::new(article)
    }
}

/// An article as JSON, the form every backend stores it in.
pub(crate) fn to_json(article: &Article) -> Result<String, StoreError> {
    serde_json::to_string(article).map_err(|source| StoreError::Serialize {
        article_id: article.id.clone(),
        source,
    })
}
