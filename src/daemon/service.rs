//! `wirefeed run`: the scheduler loop that keeps every feed fresh.
//!
//! One loop owns the state of the service. It sleeps until the planner says
//! a feed is due (or a signal, a changed feeds.toml or a watchdog tick wakes
//! it), runs the due feeds through [`crate::cycle::ingest_feeds`], tells the
//! planner how each went, and reports to systemd. Shutdown is a parameter,
//! so tests and `main` each bring their own.
//!
//! Publishing follows storing, debounced: the channels each batch changed
//! wait until no batch has changed anything for a second (five at most),
//! then only those channels are rendered again.
//!
//! A batch of due feeds runs to the end before the loop takes the next
//! event, except a stop: that gives the batch ten seconds, then exits.
//! Every feed is stored whole or not at all, so nothing committed is lost
//! either way (tests/crash.rs kills the service at random moments).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use chrono::{DateTime, Utc};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{oneshot, watch};
use tracing::{debug, error, info, warn};

use super::notify::Notifier;
use super::planner::{Outcome, Plan, Planner};
use super::server::{self, Metrics};
use super::websub::HubNotifier;
use crate::config::{self, Config, Problems};
use crate::cycle::{self, CycleError, CycleReport, FeedOutcome};
use crate::fetch::{FetchError, Fetcher};
use crate::publish::Publication;
use crate::store::{ChangedChannels, PlannedFetch, Store};

/// Feeds on the same schedule are spread over at most this much time.
const MAX_JITTER: Duration = Duration::from_secs(30);
/// How often feeds.toml is checked for edits.
const CONFIG_POLL: Duration = Duration::from_secs(2);
/// How long running fetches may take to finish once a stop is requested.
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
        config,
        fetcher,
        health: Health::default(),
        metrics,
        publication: Publication::default(),
        pending: Pending::default(),
        hub: None,
        embargo: None,
        publish_failures: 0,
        state_seen: false,
        served_config,
    };
    service.follow_hub();

    service.planner.set_feeds(&service.config.feeds, Utc::now());
    // The last process may have stored more than it published before it
    // ended: this one publishes everything once, even if it is stopped early.
    service.pending.add(None);
    notifier.ready();
    info!(config = %config_path.display(), feeds = service.config.feeds.len(), "service started");

    // Everything once at start, published at once: a restart should not
    // wait a schedule's length for fresh output.
    let everything: Vec<String> = service
        .config
        .feeds
        .iter()
        .filter(|f| f.enabled)
        .map(|f| f.id.clone())
        .collect();
    let mut watchdog = tokio::time::interval(notifier.watchdog_interval().unwrap_or(MAX_SLEEP));
    let mut config_poll = tokio::time::interval(CONFIG_POLL);
    tokio::pin!(shutdown);
    let mut stopping = finish(
        service.run_batch(&everything),
        &mut watchdog,
        &notifier,
        shutdown.as_mut(),
    )
    .await;
    if !stopping {
        stopping = finish(
            service.publish(),
            &mut watchdog,
            &notifier,
            shutdown.as_mut(),
        )
        .await;
    }
    notifier.status(&service.health.line(&service.planner));

    while !stopping {
        let wait = service
            .planner
            .next_due()
            .map_or(MAX_SLEEP, |due| {
                (due - Utc::now()).to_std().unwrap_or(Duration::ZERO)
            })
            .min(MAX_SLEEP);
        let publish_at = service.pending.due;
        let embargo_at = service
            .embargo
            .map(|at| Instant::now() + (at - Utc::now()).to_std().unwrap_or(Duration::ZERO));
        tokio::select! {
            () = &mut shutdown => stopping = true,
            _ = watchdog.tick() => {
                // Only a loop that still turns pings; a stuck loop gets restarted.
                notifier.watchdog();
                continue;
            }
            _ = hangup.recv() => {
                info!(config = %config_path.display(), "reload requested");
                service.reload(config_path, &notifier);
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
                service.reload(config_path, &notifier);
            }
            () = sleep_until_some(embargo_at) => {
                let release = service.release_embargoes();
                stopping = finish(release, &mut watchdog, &notifier, shutdown.as_mut()).await;
            }
            () = sleep_until_some(publish_at) => {
                stopping = finish(service.publish(), &mut watchdog, &notifier, shutdown.as_mut()).await;
            }
            () = tokio::time::sleep(wait) => {
                let due = service.planner.take_due(Utc::now());
                if due.is_empty() {
                    continue;
                }
                let batch = service.run_batch(&due);
                stopping = finish(batch, &mut watchdog, &notifier, shutdown.as_mut()).await;
            }
        }
        notifier.status(&service.health.line(&service.planner));
        if let Some(hub) = &service.hub {
            service.metrics.record_websub(hub.stats());
        }
    }

    notifier.stopping();
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
    info!("service stopped");
    Ok(())
}

/// Sleeps until `at`; never completes for `None`.
async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Awaits a batch of fetches or a publish, pinging the watchdog meanwhile
/// (a long batch is progress, not a hang). When `shutdown` completes first,
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

/// Stored changes not yet published.
#[derive(Default)]
struct Pending {
    /// Channels to render; `None` with `due` set means every channel.
    channels: Option<ChangedChannels>,
    /// When to publish: [`PUBLISH_QUIET`] after the last change, but no later
    /// than [`PUBLISH_MAX_DELAY`] after the first. `None`: nothing to publish.
    due: Option<Instant>,
    first: Option<Instant>,
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
        self.due = Some((now + PUBLISH_QUIET).min(first + PUBLISH_MAX_DELAY));
    }
}

/// Everything the service loop owns.
struct Service {
    config: Config,
    fetcher: Arc<Fetcher>,
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
    /// Whether the state file existed when last looked at, to notice it
    /// going missing under the running service.
    state_seen: bool,
    /// Where a reload that takes effect is announced to the server.
    served_config: watch::Sender<Arc<Config>>,
}

impl Service {
    /// Runs `due` feeds, hands each outcome to the planner, and queues a
    /// publish of the channels they changed.
    async fn run_batch(&mut self, due: &[String]) {
        self.notice_missing_state();
        let result = cycle::ingest_feeds(&self.config, &self.fetcher, Some(due), None).await;
        let now = Utc::now();
        match result {
            Ok((report, changed)) => {
                log_report(&report);
                self.embargo = report.next_embargo;
                record_metrics(&self.metrics, &report);
                self.health.last_error = None;
                let mut reported = std::collections::HashSet::new();
                for (feed_id, outcome) in report.outcomes {
                    let failures_before = self
                        .planner
                        .plan(&feed_id)
                        .map_or(0, |plan| plan.consecutive_failures);
                    let outcome = planner_outcome(outcome, now);
                    self.planner.finished(&feed_id, outcome, now);
                    log_plan(&feed_id, failures_before, self.planner.plan(&feed_id), now);
                    reported.insert(feed_id);
                }
                // A feed whose task died without a word must not stay "running"
                // (and so never due) for good: it is retried like a transient failure.
                for feed_id in due.iter().filter(|id| !reported.contains(*id)) {
                    warn!(feed = %feed_id, "no outcome reported for a due feed; retrying it");
                    self.planner.finished(feed_id, TRANSIENT_FAILURE, now);
                }
                if !changed.is_empty() {
                    self.pending.add(Some(changed));
                } else if self.pending.due.is_none() {
                    // Nothing new and nothing waiting: the output is current.
                    self.health.last_publish = Some(now);
                    self.metrics.record_current(now);
                }
            }
            Err(error) => {
                // The state is unusable: every feed of the batch counts as a
                // transient failure, retried with backoff. Feeds stored before
                // the error may have changed channels: publish them all.
                error!(%error, "cycle failed");
                self.health.last_error = Some(error_summary(&error));
                for feed_id in due {
                    self.planner.finished(feed_id, TRANSIENT_FAILURE, now);
                }
                self.pending.add(None);
            }
        }
        // Before the plans are saved: saving them would make a new file.
        self.notice_missing_state();
        save_plans(&self.config, &self.planner);
    }

    /// Releases the articles whose embargo passed and queues their channels
    /// for the publish. On failure the release is tried again after
    /// [`PUBLISH_RETRY`].
    async fn release_embargoes(&mut self) {
        match cycle::release_embargoes(&self.config).await {
            Ok((released, changed, next)) => {
                self.embargo = next;
                if released > 0 {
                    info!(released, "embargo passed: articles published");
                    self.pending.add(Some(changed));
                }
            }
            Err(error) => {
                error!(%error, retry_s = PUBLISH_RETRY.as_secs(), "releasing embargoed articles failed; retrying");
                self.health.last_error = Some(error_summary(&error));
                self.embargo = Some(Utc::now() + PUBLISH_RETRY);
            }
        }
    }

    /// Warns when the state file that was there has gone (deleted by hand,
    /// a cleanup job): the next open starts an empty one, so every feed is
    /// fetched in full again and published stories no longer in any feed
    /// drop out of the output. The service goes on; SQLite keeps writing to
    /// a file that is already open until it is closed.
    fn notice_missing_state(&mut self) {
        let path = crate::store::state_path(&self.config);
        let exists = path.exists();
        if self.state_seen && !exists {
            warn!(
                path = %path.display(),
                "the state database is missing; starting a new one (every feed is fetched in full again)"
            );
            // Everything is published again from the new state.
            self.publication = Publication::default();
        }
        self.state_seen = exists;
    }

    /// Publishes what is pending. On failure it stays pending and is tried
    /// again after [`publish_retry`].
    async fn publish(&mut self) {
        let Pending { channels, .. } = std::mem::take(&mut self.pending);
        let started = std::time::Instant::now();
        let result =
            cycle::publish_changes(&self.config, &mut self.publication, channels.clone()).await;
        let now = Utc::now();
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
                self.pending = Pending {
                    channels,
                    due: Some(Instant::now() + retry),
                    first: None,
                };
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
    fn reload(&mut self, path: &Path, notifier: &Notifier) {
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
                self.config = new;
                self.served_config
                    .send_replace(Arc::new(self.config.clone()));
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
        save_plans(&self.config, &self.planner);
        notifier.ready();
    }
}

/// Saves the plan to the state, where `wirefeed status` (another process)
/// reads it. Only the status output depends on it, so a failure is logged
/// and the service goes on.
fn save_plans(config: &Config, planner: &Planner) {
    let plans: Vec<PlannedFetch<'_>> = planner
        .plans()
        .map(|(feed_id, plan)| PlannedFetch {
            feed_id,
            next_fetch: plan.next_run,
            backoff_until: plan.backoff_until,
        })
        .collect();
    let path = crate::store::state_path(config);
    if let Err(error) = Store::open(&path).and_then(|mut store| store.record_plans(&plans)) {
        warn!(%error, "cannot save the plan for `wirefeed status`");
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
        config.site.output_dir.clone(),
        crate::store::state_path(config),
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
/// times the fastest feed's interval (a publish follows every batch), and
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

/// One line per batch: at info when something failed or was stored, at
/// debug for a batch of 304s and unchanged feeds (most of them).
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

/// What the planner made of a finished feed, when an operator should know:
/// a failed feed's retry (the cycle already logged why it failed), and a
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
