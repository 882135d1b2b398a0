//! One cycle over every feed: fetch, parse, normalize, then dedup and store
//! feed by feed, then publish. `wirefeed once` runs exactly one; the daemon
//! starts each feed on its own schedule through the same parts.
//!
//! Fetching and the CPU work of parsing and normalizing run concurrently, one
//! task per feed ([`FeedTasks`]); the SQLite writes run on one thread, the
//! [`Writer`], in arrival order, in groups of one transaction each. A feed
//! that fails is recorded in the state and reported; it never stops the
//! others.

mod writer;

pub use writer::{FeedReport, OwnedPlan, Released, Reported, Stored, Writer, WriterHandle};

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tracing::{debug, info, warn};

use crate::config::{Config, FeedConfig, SourceLocation, SpoolMode};
use crate::feed_error::{FeedError, FeedFailure};
use crate::fetch::{Document, FetchError, Fetched, Fetcher, SpoolFiles, Validators};
use crate::normalize::{self, Outcome};
use crate::parse::{ParseError, Parsed};
use crate::publish::{Publication, PublishError, PublishReport, Record};
use crate::store::{ChangedChannels, FeedIngest, Location, PreparedArticle, Store, StoreError};
use writer::Submitted;

/// Items beyond this many in one fetch are ignored (with a warning): a feed
/// that suddenly lists 100,000 items is a fault upstream, not news.
pub const MAX_ITEMS_PER_FETCH: usize = 2_000;

/// What went wrong for the cycle as a whole (single feeds failing are not errors).
#[derive(Debug, thiserror::Error)]
pub enum CycleError {
    #[error("the state database failed: {0}")]
    Store(#[from] StoreError),
    /// A write group failed; every feed of the group carries the error.
    #[error("the state database failed: {0}")]
    Group(Arc<StoreError>),
    #[error("cannot set up fetching: {0}")]
    Fetcher(#[from] FetchError),
    #[error("cannot publish: {0}")]
    Publish(#[from] PublishError),
    #[error("the {0} task stopped unexpectedly")]
    Task(&'static str),
}

/// How one feed's fetch went, for the daemon's planner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedOutcome {
    /// Fetched and stored, or not modified; `fresh_for` is how long the
    /// server says it stays fresh, a floor on the next fetch.
    Fetched {
        fresh_for: Option<Duration>,
        /// False for a 304 or an unchanged spool.
        modified: bool,
    },
    /// Failed; `transient` failures (5xx, 429, timeouts, connection errors)
    /// are worth retrying soon, after the server's Retry-After if it gave one.
    Failed {
        transient: bool,
        retry_after: Option<Duration>,
    },
}

/// What one cycle did, for the CLI's summary line and for tests.
#[derive(Debug, Default)]
pub struct CycleReport {
    pub feeds: usize,
    pub not_modified: usize,
    /// Every feed that failed, and why.
    pub failed: Vec<FeedFailure>,
    /// Every feed of the cycle and how its fetch went.
    pub outcomes: Vec<(String, FeedOutcome)>,
    pub new: usize,
    pub updated: usize,
    pub folded: usize,
    pub unchanged: usize,
    pub dropped: usize,
    pub publish: PublishReport,
    pub elapsed: Duration,
    /// Time the SQLite writer spent storing (the serial part of a cycle).
    pub storing: Duration,
    /// CPU time of the writer thread over the same spans: `storing` minus
    /// waiting for the disk and for a core.
    pub storing_cpu: Duration,
    /// Time spent building and writing the published files.
    pub publishing: Duration,
    /// The earliest embargo still holding an article back, after the cycle:
    /// when the daemon must wake to publish it.
    pub next_embargo: Option<DateTime<Utc>>,
}

/// One result per feed, sent from the fetch tasks to the storage thread.
pub(crate) enum FeedResult {
    NotModified {
        status: Option<u16>,
        fresh_for: Option<Duration>,
    },
    Failed {
        status: Option<u16>,
        error: FeedError,
    },
    Items {
        status: Option<u16>,
        validators: Validators,
        articles: Vec<PreparedArticle>,
        dropped: usize,
        fresh_for: Option<Duration>,
        /// A drop folder's files, moved once the articles are committed.
        spool: Option<SpoolFiles>,
    },
}

pub(crate) struct FeedMessage {
    feed_id: String,
    priority: i64,
    at: DateTime<Utc>,
    result: FeedResult,
    /// Held until the feed is stored: bounds the fetched-but-unstored data.
    _in_flight: OwnedSemaphorePermit,
}

/// Told about each feed as soon as it is stored, for progress displays.
pub trait Progress: Send + Sync {
    /// `feed_id` is done; `failed` when its fetch or parse failed.
    fn feed_done(&self, feed_id: &str, failed: bool);
}

/// Runs one full cycle over every enabled feed, then publishes.
pub async fn run_once(config: &Config) -> Result<CycleReport, CycleError> {
    run_once_with(config, None).await
}

/// [`run_once`], telling `progress` about each feed as it is stored.
pub async fn run_once_with(
    config: &Config,
    progress: Option<Arc<dyn Progress>>,
) -> Result<CycleReport, CycleError> {
    let fetcher = Arc::new(Fetcher::new(&config.defaults)?);
    run_feeds(config, &fetcher, None, progress).await
}

/// Runs the enabled feeds named in `only` (every enabled feed when `None`),
/// then publishes every channel.
pub async fn run_feeds(
    config: &Config,
    fetcher: &Arc<Fetcher>,
    only: Option<&[String]>,
    progress: Option<Arc<dyn Progress>>,
) -> Result<CycleReport, CycleError> {
    let started = Instant::now();
    let (mut report, _) = ingest_feeds(config, fetcher, only, progress).await?;
    let publishing = Instant::now();
    report.publish = publish_stale(config).await?;
    report.publishing = publishing.elapsed();
    report.elapsed = started.elapsed();
    Ok(report)
}

/// A cycle without the publish: fetches, parses and stores the enabled
/// feeds named in `only` (every enabled feed when `None`). Returns the
/// report (its publish fields empty) and the channels the new articles
/// changed, for [`publish_changes`].
pub async fn ingest_feeds(
    config: &Config,
    fetcher: &Arc<Fetcher>,
    only: Option<&[String]>,
    progress: Option<Arc<dyn Progress>>,
) -> Result<(CycleReport, ChangedChannels), CycleError> {
    let started = Instant::now();
    let (writer, mut reports) = Writer::start(Location::of(config));
    // Opened before the fetches start, so they carry the stored validators.
    writer.handle().open().await?;
    // Embargoes that passed since the last cycle: their channels go out
    // with this cycle's publish.
    let released = writer.handle().release_embargoes().await?;
    if released.count > 0 {
        info!(released = released.count, "embargoed articles published");
    }
    let mut changed = released.changed;
    let config = Arc::new(config.clone());
    let tasks = FeedTasks::new(&config, Arc::clone(fetcher), writer.handle().clone());
    let feeds: Vec<FeedConfig> = config
        .feeds
        .iter()
        .filter(|f| f.enabled && only.is_none_or(|ids| ids.contains(&f.id)))
        .cloned()
        .collect();
    let mut report = CycleReport {
        feeds: feeds.len(),
        next_embargo: released.next_embargo,
        ..CycleReport::default()
    };
    let mut waiting = feeds.len();
    for feed in feeds {
        tasks.start(&config, feed);
    }
    // The writer holds a sender as long as `tasks` lives: count the reports
    // rather than wait for the channel to close.
    while waiting > 0 {
        let Some(FeedReport { feed_id, reported }) = reports.recv().await else {
            return Err(CycleError::Task("storing"));
        };
        waiting -= 1;
        match reported {
            Reported::Stored(stored) => {
                if let Some(progress) = &progress {
                    progress.feed_done(&feed_id, !stored.report.failed.is_empty());
                }
                report.next_embargo = stored.next_embargo;
                changed.merge(stored.changed);
                report.absorb(stored.report);
            }
            Reported::StoreFailed(error) => return Err(CycleError::Group(error)),
            // Its task died (a panic, logged by the runtime): the rest of the
            // cycle goes on, as it would for a feed that failed.
            Reported::Lost => {
                warn!(feed = %feed_id, "the feed's task stopped without a result");
                if let Some(progress) = &progress {
                    progress.feed_done(&feed_id, true);
                }
            }
        }
    }
    drop(tasks);
    (report.storing, report.storing_cpu) = writer.storing();
    writer.close().await;
    report.elapsed = started.elapsed();
    Ok((report, changed))
}

impl CycleReport {
    /// Adds one feed's report (from [`Stored`]) to this one.
    pub(crate) fn absorb(&mut self, feed: CycleReport) {
        self.not_modified += feed.not_modified;
        self.failed.extend(feed.failed);
        self.outcomes.extend(feed.outcomes);
        self.new += feed.new;
        self.updated += feed.updated;
        self.folded += feed.folded;
        self.unchanged += feed.unchanged;
        self.dropped += feed.dropped;
    }
}

/// Starts feeds as tasks that fetch, parse and normalize, and hand the
/// result to a [`Writer`], which reports each feed once it is stored.
/// Clones share their bounds, so they hold across every feed of a process.
#[derive(Clone)]
pub struct FeedTasks {
    fetcher: Arc<Fetcher>,
    writer: WriterHandle,
    /// Fetched and parsed but not yet stored, or on the way there.
    in_flight: Arc<Semaphore>,
    /// Parsing and normalizing at once.
    cpu: Arc<Semaphore>,
}

impl FeedTasks {
    pub fn new(config: &Config, fetcher: Arc<Fetcher>, writer: WriterHandle) -> FeedTasks {
        // Fetching and parsing outpace the single SQLite writer; without a
        // bound every feed of a cold cycle would sit parsed in memory
        // waiting for it.
        let in_flight = Arc::new(Semaphore::new(config.defaults.concurrency.max(1) * 2));
        // Parsing and sanitizing are CPU work: one feed per core at a time, a
        // core left to the SQLite writer, the one serial stage, which had
        // spent much of a cold cycle waiting for a core. As many at once as
        // fetches in flight, they only took turns on the cores, each thread
        // with its own allocator arena (figures: benches/README.md,
        // "Decisions").
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let cpu = Arc::new(Semaphore::new(cores.saturating_sub(1).max(1)));
        FeedTasks {
            fetcher,
            writer,
            in_flight,
            cpu,
        }
    }

    /// Starts `feed` under `config`. Its one [`FeedReport`] comes from the
    /// writer once it is stored, or says it was lost.
    pub fn start(&self, config: &Arc<Config>, feed: FeedConfig) {
        let tasks = self.clone();
        let config = Arc::clone(config);
        // Made before the task: a task that dies still reports its feed.
        let report = self.writer.guard(&feed.id);
        let underway = self.writer.underway();
        tokio::spawn(async move {
            let Ok(permit) = Arc::clone(&tasks.in_flight).acquire_owned().await else {
                return; // never closed
            };
            let validators = tasks.writer.validators(&feed.id);
            let at = Utc::now();
            let result =
                process_feed(&tasks.fetcher, &config, &feed, &validators, at, &tasks.cpu).await;
            let message = FeedMessage {
                feed_id: feed.id.clone(),
                priority: feed.priority,
                at,
                result,
                _in_flight: permit,
            };
            tasks
                .writer
                .submit(Submitted { message, report }, underway)
                .await;
        });
    }
}

/// [`crate::publish::publish_changes`]. With `writer`, what was published
/// is recorded in the state through it rather than a connection of the
/// publish's own: a write from another connection would make the writer
/// drop dedup's candidate index.
pub async fn publish_changes(
    config: &Config,
    publication: &mut Publication,
    changed: Option<ChangedChannels>,
    writer: Option<&WriterHandle>,
) -> Result<PublishReport, CycleError> {
    let record = match writer {
        Some(_) => Record::ByCaller,
        None => Record::Here,
    };
    let (report, left) =
        crate::publish::publish_changes(config, publication, changed, record).await?;
    if let (Some(writer), Some(left)) = (writer, left) {
        writer.record_published(left);
    }
    Ok(report)
}

/// [`crate::publish::publish_stale`]: what `wirefeed once` publishes.
pub async fn publish_stale(config: &Config) -> Result<PublishReport, CycleError> {
    Ok(crate::publish::publish_stale(config).await?)
}

/// CPU time the calling thread has used.
fn thread_cpu_time() -> Duration {
    let time = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(time.tv_sec).unwrap_or(0),
        u32::try_from(time.tv_nsec).unwrap_or(0),
    )
}

/// Fetch, parse and normalize one feed. Never fails: failures become a result.
async fn process_feed(
    fetcher: &Fetcher,
    config: &Arc<Config>,
    feed: &FeedConfig,
    validators: &Validators,
    at: DateTime<Utc>,
    cpu: &Semaphore,
) -> FeedResult {
    match fetcher.fetch(feed, validators).await {
        // Logged by the fetcher at debug: most fetches of a well-run
        // newsroom are 304s, one info line each would bury the rest.
        Ok(Fetched::NotModified { status, fresh_for }) => {
            FeedResult::NotModified { status, fresh_for }
        }
        Ok(Fetched::Documents {
            status,
            validators,
            documents,
            fresh_for,
        }) => {
            let config = Arc::clone(config);
            let feed = feed.clone();
            // Parsing and sanitizing are CPU work: keep them off the fetch
            // workers, one feed per core. The semaphore is never closed.
            let _core = cpu.acquire().await.ok();
            let work =
                tokio::task::spawn_blocking(move || read_documents(&config, &feed, &documents, at));
            match work.await {
                Ok(Ok(read)) => FeedResult::Items {
                    status,
                    validators,
                    articles: read.articles,
                    dropped: read.dropped,
                    fresh_for,
                    spool: read.spool,
                },
                Ok(Err(error)) => FeedResult::Failed { status, error },
                Err(join) => FeedResult::Failed {
                    status,
                    error: FeedError::Internal(join.to_string()),
                },
            }
        }
        Err(error) => FeedResult::Failed {
            status: error.status(),
            error: FeedError::Fetch(error),
        },
    }
}

/// One feed's documents, read.
struct ReadFeed {
    articles: Vec<PreparedArticle>,
    dropped: usize,
    spool: Option<SpoolFiles>,
}

/// Parses and normalizes every document of one feed, ready for the store.
fn read_documents(
    config: &Config,
    feed: &FeedConfig,
    documents: &[Document],
    now: DateTime<Utc>,
) -> Result<ReadFeed, FeedError> {
    let (outcomes, unreadable) = normalize_each(config, feed, documents, now);
    let spool = drop_folder(feed).map(|folder| {
        let failed: Vec<(PathBuf, String)> = unreadable
            .iter()
            .filter_map(|error| Some((error.url().to_file_path().ok()?, error.to_string())))
            .collect();
        let stored = documents
            .iter()
            .filter_map(|doc| doc.url.to_file_path().ok())
            .filter(|path| !failed.iter().any(|(bad, _)| bad == path))
            .collect();
        SpoolFiles {
            mode: feed.spool,
            folder,
            stored,
            failed,
        }
    });
    if !documents.is_empty() && unreadable.len() == documents.len() {
        // Nothing to store: a drop folder's bad files go to failed/ now.
        if let Some(spool) = &spool {
            spool.settle(&feed.id);
        }
        if let Some(error) = unreadable.into_iter().next() {
            return Err(FeedError::Parse(error));
        }
    }
    let mut articles = Vec::new();
    let mut dropped = 0;
    for outcome in outcomes {
        match outcome {
            Outcome::Keep(article) => articles.push(article),
            Outcome::Dropped { .. } => dropped += 1,
        }
    }
    if articles.len() > MAX_ITEMS_PER_FETCH {
        warn!(feed = %feed.id, items = articles.len(), kept = MAX_ITEMS_PER_FETCH, "too many items; keeping the first");
        articles.truncate(MAX_ITEMS_PER_FETCH);
    }
    // The SQLite writer is the one serial stage: hand it articles with their
    // JSON, digest and fingerprint already computed here, in parallel.
    let prepared = articles
        .into_iter()
        .map(PreparedArticle::new)
        .collect::<Result<Vec<_>, _>>()
        .map_err(FeedError::Normalize)?;
    Ok(ReadFeed {
        articles: prepared,
        dropped,
        spool,
    })
}

/// The drop folder of `feed`: a `file:` folder whose files are moved or
/// deleted once read.
fn drop_folder(feed: &FeedConfig) -> Option<PathBuf> {
    match &feed.location {
        SourceLocation::File(path) if feed.spool != SpoolMode::Keep && path.is_dir() => {
            Some(path.clone())
        }
        _ => None,
    }
}

/// What normalize makes of every item of every document of one feed, in
/// feed order (`wirefeed preview` shows it). One unreadable file of a spool
/// folder is logged and skipped; the feed fails only when nothing parses.
/// Public for the `feed` fuzz target (`fuzz/checks.rs`), which must run
/// exactly what a cycle runs on a fetched document.
pub fn normalize_documents(
    config: &Config,
    feed: &FeedConfig,
    documents: &[Document],
    now: DateTime<Utc>,
) -> Result<Vec<Outcome>, ParseError> {
    let (outcomes, unreadable) = normalize_each(config, feed, documents, now);
    if !documents.is_empty()
        && unreadable.len() == documents.len()
        && let Some(error) = unreadable.into_iter().next()
    {
        return Err(error);
    }
    Ok(outcomes)
}

/// Every document's outcomes, in feed order, and the documents that did
/// not parse, with why (logged when the feed has several).
fn normalize_each(
    config: &Config,
    feed: &FeedConfig,
    documents: &[Document],
    now: DateTime<Utc>,
) -> (Vec<Outcome>, Vec<ParseError>) {
    let ctx = normalize::Context {
        site: &config.site,
        tag_aliases: &config.tag_aliases,
        now,
    };
    let mut outcomes = Vec::new();
    let mut unreadable = Vec::new();
    for doc in documents {
        let parsed = match crate::parse::read_feed(&feed.id, doc, feed.format) {
            Ok(parsed) => parsed,
            Err(error) => {
                if documents.len() > 1 {
                    warn!(feed = %feed.id, document = %doc.url, %error, "skipping a document that does not parse");
                }
                unreadable.push(error);
                continue;
            }
        };
        outcomes.extend(match &parsed {
            Parsed::Feed(parsed) => normalize::normalize_feed(feed, &ctx, parsed),
            Parsed::Agency(items) => normalize::normalize_agency(feed, &ctx, items),
        });
    }
    (outcomes, unreadable)
}

fn store_feed(
    store: &mut Store,
    message: FeedMessage,
    report: &mut CycleReport,
) -> Result<(), StoreError> {
    // The in-flight permit stays in `message` and is released once stored.
    let FeedMessage {
        feed_id,
        priority,
        at,
        result,
        ..
    } = message;
    match result {
        FeedResult::NotModified { status, fresh_for } => {
            report.not_modified += 1;
            report.outcomes.push((
                feed_id.clone(),
                FeedOutcome::Fetched {
                    fresh_for,
                    modified: false,
                },
            ));
            store.record_not_modified(&feed_id, at, status)
        }
        FeedResult::Failed { status, error } => {
            // An Option records `status=404`, or no field when there was no
            // response; `?status` would print `Some(404)`.
            let (stage, transient) = (error.stage(), error.is_transient());
            warn!(feed = %feed_id, %stage, status, transient, %error, "feed failed");
            store.record_failure(&feed_id, at, &error.to_string(), status)?;
            let outcome = FeedOutcome::Failed {
                transient,
                retry_after: error.retry_after(),
            };
            report.outcomes.push((feed_id.clone(), outcome));
            report.failed.push(FeedFailure { feed_id, error });
            Ok(())
        }
        FeedResult::Items {
            status,
            validators,
            articles,
            dropped,
            fresh_for,
            spool: _,
        } => {
            let count = articles.len();
            let ingest = FeedIngest {
                feed_id: &feed_id,
                priority,
                fetched_at: at,
                http_status: status,
                validators,
            };
            let outcome = store.ingest_prepared(&ingest, articles)?;
            report.outcomes.push((
                feed_id.clone(),
                FeedOutcome::Fetched {
                    fresh_for,
                    modified: true,
                },
            ));
            // A fetch that stored nothing new is routine: debug.
            if outcome.new + outcome.updated + outcome.folded > 0 {
                info!(
                    feed = %feed_id, items = count, new = outcome.new, updated = outcome.updated,
                    folded = outcome.folded, unchanged = outcome.unchanged, dropped, "stored"
                );
            } else {
                debug!(
                    feed = %feed_id, items = count, unchanged = outcome.unchanged, dropped,
                    "nothing new"
                );
            }
            report.new += outcome.new;
            report.updated += outcome.updated;
            report.folded += outcome.folded;
            report.unchanged += outcome.unchanged + outcome.ignored_older;
            report.dropped += dropped;
            Ok(())
        }
    }
}
