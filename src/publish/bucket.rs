//! The output as objects in an S3-compatible bucket (`output_dir =
//! "s3://BUCKET/PREFIX"`): the same operations as the output folder, through
//! the `object_store` crate.
//!
//! - **Whole files.** A PUT is atomic: a reader gets the old object or the
//!   new one, never half of one, so there are no temporaries to clean up.
//! - **Only changed files.** Each object carries the SHA-256 of its bytes in
//!   its metadata (`x-amz-meta-sha256`). Before a PUT, a HEAD compares it and
//!   the object's Content-Type and Cache-Control with what would be written;
//!   when all agree nothing is sent, so an unchanged feed keeps its
//!   Last-Modified and ETag. The digest is ours, not the ETag: an S3 ETag is
//!   the MD5 of the bytes only for some uploads (not with SSE-KMS, not on
//!   every S3-compatible store).
//! - **The headers readers need.** The bucket's host serves the objects
//!   itself, so each gets the Content-Type `[server]` would send for the
//!   file, and a Cache-Control.
//!
//! Endpoint, region and credentials come from the standard `AWS_*`
//! environment variables ([`AmazonS3Builder::from_env`]); errors name the
//! bucket, the key and the operation, never a credential.
//!
//! `object_store` is async and publishing is blocking work (it runs in
//! `spawn_blocking`, beside the state's SQLite): each call here waits for its
//! request on the runtime that spawned the publish, or on a small runtime of
//! its own when there is none (a test or a bench calling `publish` directly).

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as Key;
use object_store::{
    Attribute, AttributeValue, Attributes, BackoffConfig, ClientConfigKey, GetOptions, ObjectStore,
    ObjectStoreExt, PutOptions, PutPayload, RetryConfig,
};
use sha2::{Digest, Sha256};

use super::error::PublishError;
use super::write::WriteOutcome;
use crate::config::Bucket;

/// Feeds are polled: a minute in a reader's or a CDN's cache absorbs a crowd
/// of readers polling at once, yet a story reaches them a minute after it is
/// published at worst. `public` lets shared caches (a CDN in front of the
/// bucket) keep it too; nothing published is private.
pub const CACHE_CONTROL: &str = "public, max-age=60";

/// The user metadata key holding the hex SHA-256 of the object's bytes.
const DIGEST_KEY: &str = "sha256";

/// How long one request may take, body included: published files are at most
/// a few MiB.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take: an endpoint that does not answer is down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Retries of a request that can succeed later (5xx, timeouts, a dropped
/// connection); the publish itself is retried by the daemon, so a dead
/// endpoint is reported within seconds instead of object_store's default of
/// minutes.
const RETRY: RetryConfig = RetryConfig {
    backoff: BackoffConfig {
        init_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(2),
        base: 2.0,
    },
    max_retries: 3,
    retry_timeout: Duration::from_secs(20),
};

/// A bucket and prefix published files are written under.
#[derive(Debug, Clone)]
pub(super) struct BucketOutput {
    bucket: Bucket,
    store: Arc<AmazonS3>,
    /// A runtime of its own, made on first need when the caller runs on none.
    runtime: Arc<OnceLock<tokio::runtime::Runtime>>,
}

impl BucketOutput {
    /// The client for `bucket`, set up from the `AWS_*` environment variables.
    /// Connects to nothing yet.
    pub(super) fn open(bucket: &Bucket) -> Result<BucketOutput, PublishError> {
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(&bucket.name)
            .with_retry(RETRY)
            .with_config(
                AmazonS3ConfigKey::Client(ClientConfigKey::Timeout),
                format!("{}s", REQUEST_TIMEOUT.as_secs()),
            )
            .with_config(
                AmazonS3ConfigKey::Client(ClientConfigKey::ConnectTimeout),
                format!("{}s", CONNECT_TIMEOUT.as_secs()),
            )
            .build()
            .map_err(|source| PublishError::Bucket {
                op: "set up a client for",
                url: bucket.to_string(),
                source,
            })?;
        Ok(BucketOutput {
            bucket: bucket.clone(),
            store: Arc::new(store),
            runtime: Arc::new(OnceLock::new()),
        })
    }

    /// Puts `bytes` at `relative` unless the object already holds them with
    /// the same headers.
    pub(super) fn put(&self, relative: &str, bytes: &[u8]) -> Result<WriteOutcome, PublishError> {
        let key = self.key(relative)?;
        let content_type = content_type(relative);
        let digest = hex_sha256(bytes);
        self.wait(async {
            let head = GetOptions {
                head: true,
                ..GetOptions::default()
            };
            match self.store.get_opts(&key, head).await {
                Ok(found) if holds(&found.attributes, &digest, content_type) => {
                    tracing::debug!(object = %self.url(&key), "unchanged");
                    return Ok(WriteOutcome::Unchanged);
                }
                Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                Err(source) => return Err(self.error("read the metadata of", &key, source)),
            }
            let mut attributes = Attributes::new();
            attributes.insert(Attribute::ContentType, content_type.into());
            attributes.insert(Attribute::CacheControl, CACHE_CONTROL.into());
            attributes.insert(Attribute::Metadata(DIGEST_KEY.into()), digest.into());
            let options = PutOptions {
                attributes,
                ..PutOptions::default()
            };
            self.store
                .put_opts(&key, PutPayload::from(bytes.to_vec()), options)
                .await
                .map_err(|source| self.error("write", &key, source))?;
            tracing::debug!(object = %self.url(&key), bytes = bytes.len(), "written");
            Ok(WriteOutcome::Written)
        })
    }

    /// The objects directly under `relative` (not in its subfolders), as
    /// '/'-separated paths under the prefix.
    pub(super) fn files_in(&self, relative: &str) -> Result<Vec<String>, PublishError> {
        let folder = self.key(relative)?;
        let listed = self
            .wait(self.store.list_with_delimiter(Some(&folder)))
            .map_err(|source| self.error("list", &folder, source))?;
        Ok(listed
            .objects
            .iter()
            .filter_map(|object| object.location.filename())
            .map(|name| format!("{relative}/{name}"))
            .collect())
    }

    /// Deletes the object at `relative`; one already gone is fine.
    pub(super) fn remove(&self, relative: &str) -> Result<(), PublishError> {
        let key = self.key(relative)?;
        match self.wait(self.store.delete(&key)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {
                tracing::debug!(object = %self.url(&key), "removed");
                Ok(())
            }
            Err(source) => Err(self.error("delete", &key, source)),
        }
    }

    /// Whether the object at `relative` exists.
    pub(super) fn contains(&self, relative: &str) -> Result<bool, PublishError> {
        let key = self.key(relative)?;
        match self.wait(self.store.head(&key)) {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(source) => Err(self.error("read the metadata of", &key, source)),
        }
    }

    /// `PREFIX/relative`.
    fn key(&self, relative: &str) -> Result<Key, PublishError> {
        let text = if self.bucket.prefix.is_empty() {
            relative.to_owned()
        } else {
            format!("{}/{relative}", self.bucket.prefix)
        };
        Key::parse(&text).map_err(|source| PublishError::Bucket {
            op: "name an object for",
            url: format!("s3://{}/{text}", self.bucket.name),
            source: source.into(),
        })
    }

    fn url(&self, key: &Key) -> String {
        format!("s3://{}/{key}", self.bucket.name)
    }

    fn error(&self, op: &'static str, key: &Key, source: object_store::Error) -> PublishError {
        PublishError::Bucket {
            op,
            url: self.url(key),
            source,
        }
    }

    /// Runs `request` to its end from blocking code.
    fn wait<F: Future>(&self, request: F) -> F::Output {
        match tokio::runtime::Handle::try_current() {
            // On a thread of the runtime's blocking pool, where a publish
            // runs: its I/O driver does the work. Called from a worker of a
            // multi-thread runtime instead, `block_in_place` first hands the
            // worker's other tasks to another thread.
            Ok(handle) => match handle.runtime_flavor() {
                tokio::runtime::RuntimeFlavor::CurrentThread => handle.block_on(request),
                _ => tokio::task::block_in_place(|| handle.block_on(request)),
            },
            Err(_) => self
                .runtime
                .get_or_init(|| {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("a tokio runtime for the bucket's requests")
                })
                .block_on(request),
        }
    }
}

/// Whether an object's attributes say it holds `digest` with today's headers.
fn holds(attributes: &Attributes, digest: &str, content_type: &str) -> bool {
    let has = |attribute: Attribute, wanted: &str| {
        attributes
            .get(&attribute)
            .is_some_and(|value: &AttributeValue| value.as_ref() == wanted)
    };
    has(Attribute::Metadata(DIGEST_KEY.into()), digest)
        && has(Attribute::ContentType, content_type)
        && has(Attribute::CacheControl, CACHE_CONTROL)
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The media type stored with the object: what `[server]` would send.
pub(super) fn content_type(relative: &str) -> &'static str {
    super::media_type(relative).unwrap_or("application/octet-stream")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_published_file_gets_the_media_type_the_server_sends() {
        for (relative, media_type) in [
            ("all.rss", "application/rss+xml; charset=utf-8"),
            (
                "sections/politics.atom",
                "application/atom+xml; charset=utf-8",
            ),
            ("tags/world.json", "application/feed+json; charset=utf-8"),
            ("ninjs/4f1c2a.json", "application/json; charset=utf-8"),
            ("index.html", "text/html; charset=utf-8"),
            ("feeds.opml", "text/x-opml; charset=utf-8"),
        ] {
            assert_eq!(content_type(relative), media_type, "{relative}");
        }
    }

    #[test]
    fn an_object_holds_the_file_only_with_its_digest_and_both_headers() {
        let digest = hex_sha256(b"<rss/>");
        let mut attributes = Attributes::new();
        attributes.insert(
            Attribute::Metadata(DIGEST_KEY.into()),
            digest.clone().into(),
        );
        attributes.insert(
            Attribute::ContentType,
            "application/rss+xml; charset=utf-8".into(),
        );
        let rss = content_type("all.rss");
        assert!(!holds(&attributes, &digest, rss), "no Cache-Control yet");
        attributes.insert(Attribute::CacheControl, CACHE_CONTROL.into());
        assert!(holds(&attributes, &digest, rss));
        assert!(!holds(&attributes, &hex_sha256(b"<rss></rss>"), rss));
        assert!(!holds(&attributes, &digest, content_type("all.atom")));
    }
}
