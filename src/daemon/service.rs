//! `wirefeed run`: the scheduler loop that keeps every feed fresh.
//!
//! One loop owns the state of the service. It sleeps until the planner says
//! a feed is due (or a signal, a changed feeds.toml, a stored feed or a
//! watchdog tick wakes it), starts each due feed as a task of its own
//! ([`crate::cycle::FeedTasks`]), and goes back to waiting. The tasks hand
//! their results to the one [`Writer`], which keeps the state open for the
//! life of the service and reports each feed as soon as it is committed; the
//! loop then tells the planner how it went and reports to systemd. A slow or
//! hanging host delays its own feeds and nothing else. Shutdown is a
//! parameter, so tests and `main` each bring their own.
//!
//! Publishing follows storing, debounced: the channels the stored feeds
//! changed wait until nothing has changed for a second (five at most), then
//! only those channels are rendered again. While publishes fail, the retry
//! waits out its backoff whatever changes meanwhile.
//!
//! A stop gives the running feeds ten seconds to be stored, then exits.
//! Every feed is stored whole or not at all, so nothing committed is lost
//! either way (tests/crash.rs kills the service at random moments).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{oneshot, watch};
use tracing::{debug, error, info, warn};

use super::notify::Notifier;
use super::planner::{Outcome, Plan, Planner};
use super::server::{self, Metrics};
use super::websub::HubNotifier;
use crate::config::{self, Config, Problems};
use crate::cycle::{
    self, CycleError, CycleReport, FeedOutcome, FeedReport, FeedTasks, OwnedPlan, Reported, Writer,
};
use crate::feed_error::{FeedError, FeedFailure};
use crate::fetch::{FetchError, Fetcher};
use crate::publish::Publication;
use crate::store::cluster::{Claim, Cluster, Release};
use crate::store::{ChangedChannels, Location, StoreError};

/// Feeds on the same schedule are spread over at most this much time.
const MAX_JITTER: Duration = Duration::from_secs(30);
/// How often feeds.toml is checked for edits.
const CONFIG_POLL: Duration = Duration::from_secs(2);
/// How long running feeds may take to be stored once a stop is requested.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// The longest the loop sleeps without looking around.
const MAX_SLEEP: Duration = Duration::from_secs(60);
/// A publish waits this long after the last stored change, so a burst of
/// fetches makes one publish...
const PUBLISH_QUIET: Duration = Duration::from_secs(1);
/// ...but never longer than this after the first.
const PUBLISH_MAX_DELAY: Duration = Duration::from_secs(5);
/// How long WebSub pings still waiting may take once a stop is requested.
const HUB_DRAIN: Duration = Duration::from_secs(3);
/// How soon a failed publish is tried again: a full disk or a read-only
/// folder may be fixed within seconds, so the first retry comes soon; each
/// further failure doubles the wait, up to [`PUBLISH_RETRY_CAP`], so a long
/// outage logs a few lines an hour, not one every few seconds.
const PUBLISH_RETRY: Duration = Duration::from_secs(5);
/// The longest wait between two tries of a failing publish.
const PUBLISH_RETRY_CAP: Duration = Duration::from_secs(5 * 60);
/// An instance in a cluster holds at most this many feeds per fetch it may
/// have in flight ([defaults] concurrency): enough to keep its fetches and
/// its writer busy, few enough to leave work for the others.
const CLAIM_PER_FETCH: usize = 4;
/// How soon due feeds an instance left for lack of room are asked for again.
const CLAIM_BACKLOG: TimeDelta = TimeDelta::milliseconds(250);
/// How soon feeds are asked for again when a claim failed (the database
/// is away, or slow).
const CLAIM_RETRY: Duration = Duration::from_secs(5);
/// The plan is saved for `wirefeed status` at most this often: feeds finish
/// one by one now, and each save is a write to the state.
const PLAN_SAVE_EVERY: Duration = Duration::from_secs(5);

/// Why the service could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{path}: cannot load the configuration\n{problems}")]
    Config { path: PathBuf, problems: Problems },
    #[error("cannot set up fetching: {0}")]
    Fetcher(#[from] FetchError),
    #[error("cannot listen for signals: {0}")]
    Signals(std::io::Error),
    #[error("cannot serve the output: {0}")]
    Serve(std::io::Error),
    #[error("cannot join the cluster: {0}")]
    Cluster(StoreError),
}

/// Runs the service until `shutdown` completes.
pub async fn run(
    config_path: &Path,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServiceError> {
    let notifier = Notifier::from_env();
    let config = load(config_path)?;
    let fetcher = Arc::new(Fetcher::new(&config.defaults)?);
    let mut hangup = signal(SignalKind::hangup()).map_err(ServiceError::Signals)?;
    let mut config_seen = modified(config_path);
    let metrics = Metrics::default();
    // One writer for the life of the service: the state stays open, and
    // with it dedup's candidate index.
    let (writer, mut reports) = Writer::start(Location::of(&config));
    if let Err(error) = writer.handle().open().await {
        error!(%error, "cannot open the state database; trying again as feeds come in");
    }
    // On a shared PostgreSQL state, this instance is one of a cluster:
    // feeds are claimed before they run, and one instance publishes.
    let cluster = match Location::of(&config) {
        Location::Postgres(url) => Some(Cluster::start(&url).map_err(ServiceError::Cluster)?),
        Location::Sqlite(_) => None,
    };
    let mut state_changes = cluster.as_ref().map(Cluster::state_changes);
    let mut publisher_changes = cluster.as_ref().map(Cluster::publisher_changes);
    let tasks = FeedTasks::new(&config, Arc::clone(&fetcher), writer.handle().clone());
    // /status lists the feeds of the configuration running now.
    let (served_config, running_config) = watch::channel(Arc::new(config.clone()));
    let server = match &config.server {
        // Bound before READY=1, so a taken or bad address fails the start.
        Some(settings) => {
            Some(start_server(settings.listen, &config, &metrics, running_config).await?)
        }
        None => None,
    };
    let mut service = Service {
        planner: Planner::new(MAX_JITTER),
        config: Arc::new(config),
        fetcher,
        writer,
        tasks,
        running: 0,
        plans_saved: None,
        // Nothing worth saving until the start-up fetches report: every
        // feed is running, none has a next fetch.
        plans_dirty: false,
        health: Health::default(),
        metrics,
        publication: Publication::default(),
        pending: Pending::default(),
        hub: None,
        embargo: None,
        publish_failures: 0,
        startup: Startup::default(),
        waves: Vec::new(),
        served_config,
        cluster,
        cluster_moved: false,
    };
    service.follow_hub();

    service.planner.set_feeds(&service.config.feeds, Utc::now());
    // The last process may have stored more than it published before it
    // ended: this one publishes everything once, even if it is stopped early.
    service.pending.add(None);
    notifier.ready();
    info!(config = %config_path.display(), feeds = service.config.feeds.len(), "service started");

    // Everything once at start, published as it comes in: a restart should
    // not wait a schedule's length for fresh output.
    let everything = service.planner.take_all();
    let started = service.start_due(everything).await;
    service.startup = Startup {
        waiting: started.into_iter().collect(),
        until: Some(Instant::now() + PUBLISH_MAX_DELAY),
    };
    let mut watchdog = tokio::time::interval(notifier.watchdog_interval().unwrap_or(MAX_SLEEP));
    let mut config_poll = tokio::time::interval(CONFIG_POLL);
    tokio::pin!(shutdown);
    let mut stopping = false;

    while !stopping {
        let wait = service
            .planner
            .next_due()
            .map_or(MAX_SLEEP, |due| {
                (due - Utc::now()).to_std().unwrap_or(Duration::ZERO)
            })
            .min(MAX_SLEEP);
        let publish_at = service.pending.due.map(|due| service.startup.hold(due));
        let plans_at = service.plans_due();
        // Embargoes are released once for the cluster, by its publisher.
        let embargo_at = service
            .embargo
            .filter(|_| service.publishes())
            .map(|at| Instant::now() + (at - Utc::now()).to_std().unwrap_or(Duration::ZERO));
        tokio::select! {
            () = &mut shutdown => stopping = true,
            Some(report) = reports.recv() => service.feed_reported(report),
            _ = watchdog.tick() => {
                // Only a loop that still turns pings; a stuck loop gets restarted.
                notifier.watchdog();
                continue;
            }
            _ = hangup.recv() => {
                info!(config = %config_path.display(), "reload requested");
                service.reload(config_path, &notifier).await;
                config_seen = modified(config_path);
            }
            _ = config_poll.tick() => {
                // Editors save the file; nobody should have to send a signal.
                let now_seen = modified(config_path);
                if now_seen == config_seen {
                    continue;
                }
                config_seen = now_seen;
                info!(config = %config_path.display(), "feeds.toml changed on disk");
                service.reload(config_path, &notifier).await;
            }
            () = sleep_until_some(embargo_at) => {
                let release = service.release_embargoes();
                stopping = finish(release, &mut watchdog, &notifier, shutdown.as_mut()).await;
            }
            () = sleep_until_some(plans_at) => service.save_plans(false),
            () = sleep_until_some(publish_at) => {
                stopping = finish(service.publish(), &mut watchdog, &notifier, shutdown.as_mut()).await;
            }
            () = tokio::time::sleep(wait) => {
                let due = service.planner.take_due(Utc::now());
                if due.is_empty() {
                    continue;
                }
                service.start_due(due).await;
            }
            () = changed(&mut state_changes) => service.stored_elsewhere(),
            () = changed(&mut publisher_changes) => service.publisher_changed(),
        }
        // The first line follows the start-up publish, as systemd's status
        // of a service that has just started should.
        if service.health.published_once {
            notifier.status(&service.health.line(&service.planner));
        }
        if let Some(hub) = &service.hub {
            service.metrics.record_websub(hub.stats());
        }
        if std::mem::take(&mut service.cluster_moved) {
            state_changes = service.cluster.as_ref().map(Cluster::state_changes);
            publisher_changes = service.cluster.as_ref().map(Cluster::publisher_changes);
            if service.cluster.is_none() {
                service.metrics.forget_cluster();
            }
        }
        if let Some(cluster) = &service.cluster {
            service
                .metrics
                .record_cluster(cluster.instance(), cluster.view());
        }
    }

    notifier.stopping();
    if service.running > 0 {
        // Reports still come in while the feeds finish; the rest are
        // abandoned, stored whole or not at all, and run after a restart.
        info!(
            running = service.running,
            "stop requested: letting the running feeds finish"
        );
        let deadline = Instant::now() + STOP_GRACE;
        while service.running > 0 {
            tokio::select! {
                Some(report) = reports.recv() => service.feed_reported(report),
                _ = watchdog.tick() => notifier.watchdog(),
                () = tokio::time::sleep_until(deadline) => {
                    warn!(
                        grace_s = STOP_GRACE.as_secs(),
                        running = service.running,
                        "stopping with feeds unfinished; they run again after a restart"
                    );
                    break;
                }
            }
        }
    }
    service.save_plans(true);
    if service.pending.due.is_some() {
        // What was stored is published before exit, within the same bound.
        if tokio::time::timeout(STOP_GRACE, service.publish())
            .await
            .is_err()
        {
            warn!(
                grace_s = STOP_GRACE.as_secs(),
                "stopping before the publish finished; it runs after a restart"
            );
        }
    }
    // The plan and the publish's record are written before exit. Bounded:
    // a group abandoned above may still hold the writer.
    let _ = tokio::time::timeout(Duration::from_secs(2), service.writer.handle().flush()).await;
    if let Some(hub) = service.hub.take()
        && !hub.drain(HUB_DRAIN).await
    {
        warn!(
            grace_s = HUB_DRAIN.as_secs(),
            "stopping with WebSub pings unsent"
        );
    }
    if let Some((stop, task)) = server {
        let _ = stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
    }
    if let Some(cluster) = service.cluster.take() {
        cluster.stop(Duration::from_secs(2)).await;
    }
    info!("service stopped");
    Ok(())
}

/// Completes when `watched` changes; never for `None`, nor once its sender
/// is gone.
async fn changed<T>(watched: &mut Option<watch::Receiver<T>>) {
    let gone = match watched {
        Some(receiver) => receiver.changed().await.is_err(),
        None => true,
    };
    if gone {
        std::future::pending::<()>().await;
    }
}

/// Sleeps until `at`; never completes for `None`.
async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Awaits a publish or an embargo release, pinging the watchdog meanwhile
/// (a long publish is progress, not a hang). When `shutdown` completes first,
/// the work gets [`STOP_GRACE`] more to finish and is then abandoned: every
/// feed is stored whole or not at all, and every file is replaced whole, so
/// abandoned work is simply done again after the restart. Returns whether to
/// stop.
async fn finish(
    work: impl Future<Output = ()>,
    watchdog: &mut tokio::time::Interval,
    notifier: &Notifier,
    shutdown: Pin<&mut impl Future<Output = ()>>,
) -> bool {
    tokio::pin!(work);
    let mut shutdown = shutdown;
    loop {
        tokio::select! {
            () = &mut work => return false,
            _ = watchdog.tick() => notifier.watchdog(),
            () = &mut shutdown => {
                notifier.stopping();
                info!("stop requested: letting the running work finish");
                if tokio::time::timeout(STOP_GRACE, &mut work).await.is_err() {
                    warn!(grace_s = STOP_GRACE.as_secs(), "stopping with work unfinished; it runs again after a restart");
                }
                return true;
            }
        }
    }
}

/// What `STATUS=` reports beyond the planner's counts.
#[derive(Default)]
struct Health {
    /// Whether a publish has run (or failed) since the start.
    published_once: bool,
    last_publish: Option<DateTime<Utc>>,
    /// Set when a reload was refused, until a good one.
    refused_reload: Option<String>,
    last_error: Option<String>,
}

impl Health {
    fn line(&self, planner: &Planner) -> String {
        let mut line = format!(
            "{}, {} failing",
            crate::plural::count(planner.planned(), "feed", "feeds"),
            planner.failing()
        );
        match self.last_publish {
            Some(at) => line.push_str(&format!(
                ", last publish {} s ago",
                (Utc::now() - at).num_seconds().max(0)
            )),
            None => line.push_str(", not published yet"),
        }
        if let Some(error) = &self.last_error {
            line.push_str(&format!("; {error}"));
        }
        if let Some(refused) = &self.refused_reload {
            line.push_str(&format!("; reload refused: {refused}"));
        }
        line
    }
}

/// The feeds started with the service: the start-up publish waits for them
/// (every feed published at once, as a restart should), but for at most
/// [`PUBLISH_MAX_DELAY`], so a hanging host does not hold it back.
#[derive(Default)]
struct Startup {
    waiting: std::collections::HashSet<String>,
    until: Option<Instant>,
}

impl Startup {
    /// When a publish due at `due` may run.
    fn hold(&self, due: Instant) -> Instant {
        match self.until {
            Some(until) if !self.waiting.is_empty() => due.max(until),
            _ => due,
        }
    }
}

/// Stored changes not yet published.
#[derive(Default)]
struct Pending {
    /// Channels to render; `None` with `due` set means every channel.
    channels: Option<ChangedChannels>,
    /// When to publish: [`PUBLISH_QUIET`] after the last change, but no later
    /// than [`PUBLISH_MAX_DELAY`] after the first; while publishes fail, the
    /// retry time. `None`: nothing to publish.
    due: Option<Instant>,
    first: Option<Instant>,
    /// Set while publishes fail: the retry logged with the failure. Changes
    /// made meanwhile join the publish but do not bring it forward, so the
    /// backoff means what the log says.
    retry: Option<Instant>,
}

impl Pending {
    /// Adds `changed` (every channel when `None`) to what is waiting.
    fn add(&mut self, changed: Option<ChangedChannels>) {
        let now = Instant::now();
        let first = *self.first.get_or_insert(now);
        self.channels = match (self.channels.take(), changed) {
            (Some(mut waiting), Some(changed)) if self.due.is_some() => {
                waiting.merge(changed);
                Some(waiting)
            }
            (_, Some(changed)) if self.due.is_none() => Some(changed),
            _ => None,
        };
        let soon = (now + PUBLISH_QUIET).min(first + PUBLISH_MAX_DELAY);
        self.due = Some(self.retry.unwrap_or(soon));
    }

    /// Keeps `channels` (every channel when `None`) waiting after a failed
    /// publish, to be tried again in `wait` and not before.
    fn retry_after(channels: Option<ChangedChannels>, wait: Duration) -> Pending {
        let at = Instant::now() + wait;
        Pending {
            channels,
            due: Some(at),
            first: None,
            retry: Some(at),
        }
    }
}

/// Everything the service loop owns.
struct Service {
    config: Arc<Config>,
    fetcher: Arc<Fetcher>,
    /// Stores what the feed tasks fetched, and reports each feed.
    writer: Writer,
    tasks: FeedTasks,
    /// Feeds started and not yet reported.
    running: usize,
    /// When the plan was last handed to the writer, and whether it changed since.
    plans_saved: Option<Instant>,
    plans_dirty: bool,
    planner: Planner,
    health: Health,
    metrics: Metrics,
    /// What this process has published under the current configuration.
    publication: Publication,
    pending: Pending,
    /// Pings `[site] websub_hub` when published feeds change.
    hub: Option<HubNotifier>,
    /// The earliest embargo holding an article back: the loop wakes then to
    /// publish it, whether or not a fetch is due.
    embargo: Option<DateTime<Utc>>,
    /// Publishes failed in a row, for the retry's backoff.
    publish_failures: u32,
    startup: Startup,
    /// Waves of feeds started together and not all stored yet.
    waves: Vec<Wave>,
    /// Where a reload that takes effect is announced to the server.
    served_config: watch::Sender<Arc<Config>>,
    /// This instance's place among the instances sharing a PostgreSQL
    /// state; `None` on SQLite, where the one instance does everything.
    cluster: Option<Cluster>,
    /// Set when a reload moved the state: the loop subscribes again.
    cluster_moved: bool,
}

impl Service {
    /// Whether this instance publishes: always on its own, and when it
    /// holds the cluster's publish lock in a cluster.
    fn publishes(&self) -> bool {
        self.cluster.as_ref().is_none_or(Cluster::is_publisher)
    }

    /// Starts what this instance may run of `due` (marked running by the
    /// planner): all of it alone; in a cluster, the feeds it claims, the
    /// others planned for when the cluster says to ask again. Returns the
    /// feeds started.
    async fn start_due(&mut self, due: Vec<String>) -> Vec<String> {
        let Some(cluster) = &self.cluster else {
            self.start_feeds(&due);
            return due;
        };
        // An instance claims no more than it can soon run: the feeds it
        // leaves are there for the others (ten thousand feeds due at a
        // start must not all go to the first instance to ask), and it asks
        // for them again shortly.
        let now = Utc::now();
        let capacity = (self.config.defaults.concurrency.max(1) * CLAIM_PER_FETCH)
            .saturating_sub(self.running);
        let (due, later) = due.split_at(capacity.min(due.len()));
        for feed_id in later {
            self.planner.defer(feed_id, now + CLAIM_BACKLOG);
        }
        let due = due.to_vec();
        let asked: Vec<(String, Duration)> = due
            .iter()
            .map(|id| {
                let timeout = self
                    .config
                    .feeds
                    .iter()
                    .find(|feed| &feed.id == id)
                    .map_or(self.config.defaults.timeout, |feed| feed.timeout);
                (id.clone(), timeout)
            })
            .collect();
        let mut mine = Vec::new();
        match cluster.claim(&asked, now).await {
            Ok(answers) => {
                for (feed_id, claim) in answers {
                    match claim {
                        Claim::Mine { failures } => {
                            self.planner.set_failures(&feed_id, failures);
                            mine.push(feed_id);
                        }
                        Claim::NotBefore(at) => self.planner.defer(&feed_id, at),
                    }
                }
            }
            Err(error) => {
                error!(%error, feeds = due.len(), retry_s = CLAIM_RETRY.as_secs(), "cannot claim due feeds; asking again");
                self.health.last_error = Some(error.to_string());
            }
        }
        // A feed the answer left out (or every feed, when the claim
        // failed) is asked for again soon.
        let retry = now + CLAIM_RETRY;
        for feed_id in due.iter().filter(|id| !mine.contains(id)) {
            if self.planner.plan(feed_id).is_some_and(|plan| plan.running) {
                self.planner.defer(feed_id, retry);
            }
        }
        self.plans_dirty = true;
        self.start_feeds(&mine);
        mine
    }

    /// Leaves the cluster of the old state and joins that of `state` (none
    /// for SQLite). The loop subscribes to the new one's changes.
    async fn join_cluster_of(&mut self, state: &Location) {
        if let Some(old) = self.cluster.take() {
            old.stop(Duration::from_secs(2)).await;
        }
        self.cluster = match state {
            Location::Postgres(url) => match Cluster::start(url) {
                Ok(cluster) => Some(cluster),
                Err(error) => {
                    // The new [store] was checked when feeds.toml loaded;
                    // this is not expected, and fetching on alone is safe
                    // only without other instances.
                    error!(%error, "cannot join the cluster of the new state");
                    None
                }
            },
            Location::Sqlite(_) => None,
        };
        self.cluster_moved = true;
    }

    /// Another instance committed to the shared state: its changes are
    /// marked stale there, and the publisher publishes them.
    fn stored_elsewhere(&mut self) {
        if self.publishes() {
            self.pending.add(Some(ChangedChannels::default()));
        }
    }

    /// This instance gained or lost the cluster's publish lock. A new
    /// publisher starts from what the state says is published (it renders
    /// every channel once; unchanged files are left alone) and looks for
    /// embargoes to release.
    fn publisher_changed(&mut self) {
        if self.publishes() {
            self.publication = Publication::default();
            self.pending.add(None);
            self.embargo = Some(Utc::now());
        }
    }

    /// Starts each of `due` (marked running by the planner) as a task.
    fn start_feeds(&mut self, due: &[String]) {
        let mut waiting = std::collections::HashSet::new();
        for feed_id in due {
            let feed = self
                .config
                .feeds
                .iter()
                .find(|feed| feed.enabled && &feed.id == feed_id);
            match feed {
                Some(feed) => {
                    self.tasks.start(&self.config, feed.clone());
                    self.running += 1;
                    waiting.insert(feed_id.clone());
                }
                None => {
                    // The planner and the configuration change together;
                    // this only guards against a feed staying "running".
                    warn!(feed = %feed_id, "a due feed is not in the configuration");
                    self.planner
                        .finished(feed_id, TRANSIENT_FAILURE, Utc::now());
                }
            }
        }
        if !waiting.is_empty() {
            debug!(
                started = waiting.len(),
                running = self.running,
                "feeds started"
            );
            self.waves.push(Wave {
                report: CycleReport {
                    feeds: waiting.len(),
                    ..CycleReport::default()
                },
                waiting,
                started: Instant::now(),
            });
        }
    }

    /// Takes one feed's report from the writer: tells the planner how it
    /// went and queues a publish of the channels it changed.
    fn feed_reported(&mut self, report: FeedReport) {
        self.running = self.running.saturating_sub(1);
        let now = Utc::now();
        let FeedReport { feed_id, reported } = report;
        self.startup.waiting.remove(&feed_id);
        let outcome = match reported {
            Reported::Stored(mut stored) => {
                record_metrics(&self.metrics, &stored.report);
                let outcome = stored.report.outcomes.first().map(|(_, o)| o.clone());
                self.wave_done(&feed_id, Ok(std::mem::take(&mut stored.report)));
                self.embargo = stored.next_embargo;
                if self.publish_failures == 0 {
                    self.health.last_error = None;
                }
                if !stored.changed.is_empty() {
                    self.pending.add(Some(stored.changed));
                } else if self.pending.due.is_none() {
                    // Nothing new and nothing waiting: the output is current.
                    self.health.last_publish = Some(now);
                    self.metrics.record_current(now);
                }
                match outcome {
                    Some(outcome) => planner_outcome(outcome, now),
                    None => TRANSIENT_FAILURE,
                }
            }
            Reported::StoreFailed(error) => {
                // Nothing of the feed was stored: it counts as a transient
                // failure, retried with backoff, and everything is published
                // again in case the state was replaced.
                let error = CycleError::Group(error);
                // "cycle failed", as when feeds were stored in batches:
                // operators' alerts look for it.
                error!(feed = %feed_id, %error, "cycle failed");
                self.wave_done(&feed_id, Err(FeedError::Store(error.to_string())));
                self.health.last_error = Some(error_summary(&error));
                self.pending.add(None);
                TRANSIENT_FAILURE
            }
            // A feed whose task died without a word must not stay "running"
            // (and so never due) for good: it is retried like a transient failure.
            Reported::Lost => {
                warn!(feed = %feed_id, "no outcome reported for a running feed; retrying it");
                let lost = "its task stopped before it was stored".to_owned();
                self.wave_done(&feed_id, Err(FeedError::Internal(lost)));
                TRANSIENT_FAILURE
            }
        };
        let failures_before = self
            .planner
            .plan(&feed_id)
            .map_or(0, |plan| plan.consecutive_failures);
        self.planner.finished(&feed_id, outcome, now);
        let plan = self.planner.plan(&feed_id);
        log_plan(&feed_id, failures_before, plan, now);
        if let Some(cluster) = &self.cluster {
            cluster.release(Release {
                // A feed this configuration dropped meanwhile is left due
                // for any instance that still has it.
                due: plan.map_or(Some(now), |plan| plan.next_run),
                failures: plan.map_or(0, |plan| plan.consecutive_failures),
                backoff_until: plan.and_then(|plan| plan.backoff_until),
                feed_id,
            });
        }
        self.plans_dirty = true;
        self.notice_new_state();
    }

    /// Adds `feed_id`'s report to its wave (or why it was not stored), and
    /// logs the wave once it is complete.
    fn wave_done(&mut self, feed_id: &str, report: Result<CycleReport, FeedError>) {
        let Some(at) = self
            .waves
            .iter()
            .position(|wave| wave.waiting.contains(feed_id))
        else {
            return;
        };
        let wave = &mut self.waves[at];
        wave.waiting.remove(feed_id);
        match report {
            Ok(report) => wave.report.absorb(report),
            Err(error) => wave.report.failed.push(FeedFailure {
                feed_id: feed_id.to_owned(),
                error,
            }),
        }
        if wave.waiting.is_empty() {
            let mut wave = self.waves.swap_remove(at);
            wave.report.elapsed = wave.started.elapsed();
            log_report(&wave.report);
        }
    }

    /// Releases the articles whose embargo passed and queues their channels
    /// for the publish. On failure the release is tried again after
    /// [`PUBLISH_RETRY`].
    async fn release_embargoes(&mut self) {
        match self.writer.handle().release_embargoes().await {
            Ok(released) => {
                self.embargo = released.next_embargo;
                if released.count > 0 {
                    info!(
                        released = released.count,
                        "embargo passed: articles published"
                    );
                    self.pending.add(Some(released.changed));
                }
            }
            Err(error) => {
                error!(%error, retry_s = PUBLISH_RETRY.as_secs(), "releasing embargoed articles failed; retrying");
                self.health.last_error = Some(error_summary(&error));
                self.embargo = Some(Utc::now() + PUBLISH_RETRY);
            }
        }
        self.notice_new_state();
    }

    /// After the writer found the state file removed or replaced (it warns)
    /// and opened a new one: everything is published again from it.
    fn notice_new_state(&mut self) {
        if self.writer.handle().take_replaced() {
            self.publication = Publication::default();
            self.pending.add(None);
        }
    }

    /// When the plan is next to be saved: [`PLAN_SAVE_EVERY`] after the
    /// last save, once it changed.
    fn plans_due(&self) -> Option<Instant> {
        if !self.plans_dirty {
            return None;
        }
        Some(
            self.plans_saved
                .map_or_else(Instant::now, |at| at + PLAN_SAVE_EVERY),
        )
    }

    /// Hands the plan to the writer for `wirefeed status` (another process
    /// reads it there) when it changed, at most every [`PLAN_SAVE_EVERY`]
    /// unless `now`. Only the status output depends on it.
    fn save_plans(&mut self, now: bool) {
        // In a cluster the plan is the cluster's (store::cluster), kept as
        // feeds are released; every instance writing its own view of every
        // feed would only fight over the rows.
        if self.cluster.is_some() {
            self.plans_dirty = false;
            return;
        }
        let recent = self
            .plans_saved
            .is_some_and(|at| at.elapsed() < PLAN_SAVE_EVERY);
        if !self.plans_dirty || (recent && !now) {
            return;
        }
        let plans = self
            .planner
            .plans()
            .map(|(feed_id, plan)| OwnedPlan {
                feed_id: feed_id.to_owned(),
                next_fetch: plan.next_run,
                backoff_until: plan.backoff_until,
            })
            .collect();
        // A full queue leaves it for the next turn rather than wait.
        self.plans_dirty = !self.writer.handle().save_plans(plans);
        self.plans_saved = Some(Instant::now());
    }

    /// Publishes what is pending. On failure it stays pending and is tried
    /// again after [`publish_retry`].
    async fn publish(&mut self) {
        let Pending { channels, .. } = std::mem::take(&mut self.pending);
        if !self.publishes() {
            // What this instance stored is marked stale in the shared
            // state; the publisher renders it. This instance's part is done.
            debug!("not publishing: another instance publishes for the cluster");
            self.health.published_once = true;
            self.startup.waiting.clear();
            self.metrics.record_current(Utc::now());
            return;
        }
        let started = std::time::Instant::now();
        let result = cycle::publish_changes(
            &self.config,
            &mut self.publication,
            channels.clone(),
            Some(self.writer.handle()),
        )
        .await;
        let now = Utc::now();
        self.health.published_once = true;
        self.startup.waiting.clear();
        match result {
            Ok(report) => {
                if let Some(hub) = &self.hub {
                    let base = &self.config.site.base_url;
                    hub.announce(
                        report
                            .changed_feeds
                            .iter()
                            .filter_map(|path| base.join(path).ok()),
                    );
                }
                self.metrics.record_publish(started.elapsed(), now);
                self.health.last_publish = Some(now);
                self.health.last_error = None;
                self.publish_failures = 0;
                let channels = channels
                    .as_ref()
                    .map_or("all".to_owned(), |c| c.len().to_string());
                let elapsed_ms = started.elapsed().as_millis() as u64;
                // A publish that wrote nothing is routine: debug.
                if report.written > 0 {
                    info!(channels, written = report.written, elapsed_ms, "publish");
                } else {
                    debug!(channels, written = 0, elapsed_ms, "publish");
                }
            }
            Err(error) => {
                self.publish_failures = self.publish_failures.saturating_add(1);
                let retry = publish_retry(self.publish_failures);
                error!(%error, retry_s = retry.as_secs(), "publish failed; retrying");
                self.health.last_error = Some(error_summary(&error));
                // Files of a failed publish may be half-way: render everything
                // it was to render again, from scratch.
                self.publication = Publication::default();
                self.pending = Pending::retry_after(channels, retry);
            }
        }
    }

    /// Starts, replaces or stops the WebSub notifier to match the
    /// configuration. A replaced notifier's waiting pings are dropped: they
    /// were for the old hub.
    fn follow_hub(&mut self) {
        let wanted = self.config.site.websub_hub.as_ref();
        if self.hub.as_ref().map(HubNotifier::hub) == wanted {
            return;
        }
        let allow_private = self.config.defaults.allow_private;
        self.hub = wanted.and_then(|hub| match self.fetcher.hub_client(hub, allow_private) {
            Ok(client) => {
                info!(%hub, "announcing changed feeds to the WebSub hub");
                Some(HubNotifier::spawn(hub.clone(), client))
            }
            Err(refused) => {
                tracing::error!(%hub, %refused, "WebSub hub refused by the address policy ([defaults] allow_private = true allows it): feeds are not announced");
                None
            }
        });
    }

    /// Reads feeds.toml again. A valid file replaces the running configuration
    /// (added feeds start, removed ones stop, changed schedules apply) and
    /// everything is published under it; an invalid one is refused with every
    /// problem logged, and the last good one stays.
    async fn reload(&mut self, path: &Path, notifier: &Notifier) {
        notifier.reloading();
        match load(path) {
            Ok(new) => {
                self.planner.set_feeds(&new.feeds, Utc::now());
                for old in &self.config.feeds {
                    if !new.feeds.iter().any(|feed| feed.id == old.id) {
                        self.metrics.forget_feed(&old.id);
                    }
                }
                if new.server.as_ref().map(|s| s.listen)
                    != self.config.server.as_ref().map(|s| s.listen)
                {
                    warn!("[server] changes take effect at the next restart");
                }
                info!(config = %path.display(), feeds = new.feeds.len(), "configuration reloaded");
                let state = Location::of(&new);
                if state != Location::of(&self.config) {
                    // Feeds queued before go to the old state, the rest to the new.
                    self.writer.handle().use_location(state.clone()).await;
                    self.join_cluster_of(&state).await;
                }
                self.config = Arc::new(new);
                self.served_config.send_replace(Arc::clone(&self.config));
                self.follow_hub();
                self.health.refused_reload = None;
                // Titles, sections and URLs are in every file.
                self.publication = Publication::default();
                self.pending.add(None);
            }
            Err(ServiceError::Config { problems, .. }) => {
                // One log line per problem, each with its file:line:column.
                for problem in problems.errors() {
                    let problem = problem.to_string().replace("\n", " ");
                    warn!(config = %path.display(), "reload refused: {problem}");
                }
                self.health.refused_reload = Some(format!(
                    "{} problems in {}",
                    problems.errors().count(),
                    path.display()
                ));
            }
            Err(error) => {
                warn!(config = %path.display(), %error, "reload refused");
                self.health.refused_reload = Some(error.to_string());
            }
        }
        self.plans_dirty = true;
        self.save_plans(true);
        notifier.ready();
    }
}

/// The wait before trying again after `failures` failed publishes in a
/// row (1 for the first): [`PUBLISH_RETRY`] × 2^(failures − 1), at most
/// [`PUBLISH_RETRY_CAP`].
fn publish_retry(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    (PUBLISH_RETRY * (1 << doublings)).min(PUBLISH_RETRY_CAP)
}

const TRANSIENT_FAILURE: Outcome = Outcome::Failure {
    transient: true,
    retry_after: None,
};

fn planner_outcome(outcome: FeedOutcome, now: DateTime<Utc>) -> Outcome {
    match outcome {
        FeedOutcome::Fetched { fresh_for, .. } => Outcome::Success {
            fresh_until: later(now, fresh_for),
        },
        FeedOutcome::Failed {
            transient,
            retry_after,
        } => Outcome::Failure {
            transient,
            retry_after: later(now, retry_after),
        },
    }
}

/// `now` plus `wait`, if there is a wait and it fits.
fn later(now: DateTime<Utc>, wait: Option<Duration>) -> Option<DateTime<Utc>> {
    let wait = chrono::TimeDelta::from_std(wait?).ok()?;
    now.checked_add_signed(wait)
}

fn record_metrics(metrics: &Metrics, report: &CycleReport) {
    let now = Utc::now();
    for (feed_id, outcome) in &report.outcomes {
        match outcome {
            FeedOutcome::Fetched { modified, .. } => {
                metrics.record_fetch(feed_id, if *modified { "fetched" } else { "not_modified" });
                metrics.record_success(feed_id, now);
            }
            FeedOutcome::Failed { .. } => metrics.record_fetch(feed_id, "failed"),
        }
    }
    metrics.add_ingested((report.new + report.updated + report.folded) as u64);
    metrics.add_folded(report.folded as u64);
}

/// Binds the listen address and serves the output folder, /healthz,
/// /metrics and /status until the returned sender fires.
async fn start_server(
    listen: std::net::SocketAddr,
    config: &Config,
    metrics: &Metrics,
    running_config: server::RunningConfig,
) -> Result<
    (
        oneshot::Sender<()>,
        tokio::task::JoinHandle<std::io::Result<()>>,
    ),
    ServiceError,
> {
    let listener = server::bind(listen).await.map_err(ServiceError::Serve)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server::serve_bound(
        listener,
        // A bucket is served by its own host; here only the status routes.
        config.site.output_dir.folder().map(Path::to_path_buf),
        Location::of(config),
        metrics.clone(),
        max_publish_age(config),
        running_config,
        async move {
            let _ = stopped.await;
        },
    ));
    info!(%listen, "serving the output folder, /healthz, /metrics and /status");
    Ok((stop, task))
}

/// How old the last publish may be before /healthz says unhealthy: three
/// times the fastest feed's interval (a feed that stores nothing new counts
/// as current output), and
/// never under five minutes.
fn max_publish_age(config: &Config) -> Duration {
    let fastest = config
        .feeds
        .iter()
        .filter(|feed| feed.enabled)
        .filter_map(|feed| feed.schedule.shortest_interval())
        .min()
        .unwrap_or(MAX_SLEEP);
    (fastest * 3).max(Duration::from_secs(300))
}

/// One line per wave of feeds that came due together, once the last of
/// them is stored: at info when something failed or was stored, at debug
/// for a wave of 304s and unchanged feeds (most of them).
fn log_report(report: &CycleReport) {
    let elapsed_ms = report.elapsed.as_millis() as u64;
    let (feeds, failed) = (report.feeds, report.failed.len());
    let (new, updated, folded) = (report.new, report.updated, report.folded);
    if failed + new + updated + folded > 0 {
        info!(feeds, failed, new, updated, folded, elapsed_ms, "cycle");
    } else {
        debug!(feeds, failed, new, updated, folded, elapsed_ms, "cycle");
    }
}

/// Feeds that came due together, summed up in one `cycle` line when the
/// last of them is stored.
struct Wave {
    waiting: std::collections::HashSet<String>,
    report: CycleReport,
    started: Instant,
}

/// What the planner made of a finished feed, when an operator should know:
/// a failed feed's retry (the writer already logged why it failed), and a
/// feed that succeeds again after failing.
fn log_plan(feed_id: &str, failures_before: u32, plan: Option<Plan>, now: DateTime<Utc>) {
    let Some(plan) = plan else {
        return;
    };
    if plan.consecutive_failures > 0 {
        let retry_in_s = plan.next_run.map(|next| (next - now).num_seconds().max(0));
        info!(
            feed = %feed_id,
            failures = plan.consecutive_failures,
            retry_in_s,
            "will retry"
        );
    } else if failures_before > 0 {
        info!(feed = %feed_id, failures = failures_before, "recovered");
    }
}

fn error_summary(error: &CycleError) -> String {
    error
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn load(path: &Path) -> Result<Config, ServiceError> {
    match config::load(path) {
        Ok((config, warnings)) => {
            for warning in warnings.warnings() {
                warn!("{warning}");
            }
            Ok(config)
        }
        Err(problems) => Err(ServiceError::Config {
            path: path.to_owned(),
            problems,
        }),
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Channel;

    fn channels(slugs: &[&str]) -> ChangedChannels {
        slugs
            .iter()
            .map(|slug| Channel::Section((*slug).to_owned()))
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_changes_makes_one_publish_within_the_maximum_delay() {
        let start = Instant::now();
        let mut pending = Pending::default();
        pending.add(Some(channels(&["politics"])));
        assert_eq!(pending.due, Some(start + PUBLISH_QUIET));

        // Changes keep coming just inside the quiet time: the publish moves
        // with them, but never past the maximum delay.
        for _ in 0..10 {
            tokio::time::advance(PUBLISH_QUIET / 2).await;
            pending.add(Some(channels(&["sports"])));
        }
        assert_eq!(pending.due, Some(start + PUBLISH_MAX_DELAY));
        assert_eq!(pending.channels, Some(channels(&["politics", "sports"])));
    }

    #[test]
    fn a_failing_publish_is_retried_soon_then_less_and_less_often() {
        assert_eq!(publish_retry(1), PUBLISH_RETRY);
        assert_eq!(publish_retry(2), PUBLISH_RETRY * 2);
        assert_eq!(publish_retry(4), PUBLISH_RETRY * 8);
        assert_eq!(publish_retry(7), PUBLISH_RETRY_CAP);
        assert_eq!(publish_retry(u32::MAX), PUBLISH_RETRY_CAP);
    }

    #[tokio::test(start_paused = true)]
    async fn a_change_during_a_publish_backoff_does_not_bring_the_retry_forward() {
        let mut pending = Pending::retry_after(Some(channels(&["politics"])), publish_retry(3));
        let retry_at = Instant::now() + publish_retry(3);
        assert_eq!(pending.due, Some(retry_at));

        tokio::time::advance(Duration::from_secs(2)).await;
        pending.add(Some(channels(&["sports"])));
        assert_eq!(pending.due, Some(retry_at), "the logged retry time holds");
        assert_eq!(
            pending.channels,
            Some(channels(&["politics", "sports"])),
            "the change joins the publish"
        );

        // A success takes what is pending: the next change is quick again.
        let _ = std::mem::take(&mut pending);
        pending.add(Some(channels(&["sports"])));
        assert_eq!(pending.due, Some(Instant::now() + PUBLISH_QUIET));
    }

    #[tokio::test(start_paused = true)]
    async fn everything_pending_stays_everything() {
        let mut pending = Pending::default();
        pending.add(None);
        pending.add(Some(channels(&["politics"])));
        assert_eq!(pending.channels, None);
        assert!(pending.due.is_some());

        let mut pending = Pending::default();
        pending.add(Some(channels(&["politics"])));
        pending.add(None);
        assert_eq!(pending.channels, None);
    }
}
