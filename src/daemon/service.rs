//! `wirefeed run`: the scheduler loop that keeps every feed fresh.
//!
//! One loop owns the state of the service. It sleeps until the planner says
//! a feed is due (or a signal, a changed feeds.toml or a watchdog tick wakes
//! it), runs the due feeds through [`crate::cycle::run_feeds`], tells the
//! planner how each went, and reports to systemd. Shutdown is a parameter,
//! so tests and `main` each bring their own.
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

use chrono::{DateTime, Utc};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::oneshot;
use tracing::{error, info, warn};

use super::notify::Notifier;
use super::planner::{Outcome, Planner};
use super::server::{self, Metrics};
use crate::config::{self, Config, Problems};
use crate::cycle::{self, CycleError, CycleReport, FeedOutcome};
use crate::fetch::{FetchError, Fetcher};
use crate::store::{PlannedFetch, Store};

/// Feeds on the same schedule are spread over at most this much time.
const MAX_JITTER: Duration = Duration::from_secs(30);
/// How often feeds.toml is checked for edits.
const CONFIG_POLL: Duration = Duration::from_secs(2);
/// How long running fetches may take to finish once a stop is requested.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// The longest the loop sleeps without looking around.
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// Why the service could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{path}: invalid configuration\n{problems}")]
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
    let mut config = load(config_path)?;
    let fetcher = Arc::new(Fetcher::new(&config.defaults)?);
    let mut planner = Planner::new(MAX_JITTER);
    let mut hangup = signal(SignalKind::hangup()).map_err(ServiceError::Signals)?;
    let mut config_seen = modified(config_path);
    let mut health = Health::default();
    let metrics = Metrics::default();
    let server = match &config.server {
        // Bound before READY=1, so a taken or bad address fails the start.
        Some(settings) => Some(start_server(settings.listen, &config, &metrics).await?),
        None => None,
    };

    planner.set_feeds(&config.feeds, Utc::now());
    notifier.ready();
    info!(config = %config_path.display(), feeds = config.feeds.len(), "service started");

    // Everything once at start: a restart should not wait a schedule's length
    // for fresh output.
    let everything: Vec<String> = config
        .feeds
        .iter()
        .filter(|f| f.enabled)
        .map(|f| f.id.clone())
        .collect();
    let mut watchdog = tokio::time::interval(notifier.watchdog_interval().unwrap_or(MAX_SLEEP));
    let mut config_poll = tokio::time::interval(CONFIG_POLL);
    tokio::pin!(shutdown);
    let batch = run_batch(
        &config,
        &fetcher,
        &mut planner,
        &everything,
        &mut health,
        &metrics,
    );
    let mut stopping = finish(batch, &mut watchdog, &notifier, shutdown.as_mut()).await;
    notifier.status(&health.line(&planner));

    while !stopping {
        let wait = planner
            .next_due()
            .map_or(MAX_SLEEP, |due| {
                (due - Utc::now()).to_std().unwrap_or(Duration::ZERO)
            })
            .min(MAX_SLEEP);
        tokio::select! {
            () = &mut shutdown => stopping = true,
            _ = watchdog.tick() => {
                // Only a loop that still turns pings; a stuck loop gets restarted.
                notifier.watchdog();
                continue;
            }
            _ = hangup.recv() => {
                info!(config = %config_path.display(), "reload requested");
                reload(config_path, &mut config, &mut planner, &notifier, &mut health, &metrics);
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
                reload(config_path, &mut config, &mut planner, &notifier, &mut health, &metrics);
            }
            () = tokio::time::sleep(wait) => {
                let due = planner.take_due(Utc::now());
                if due.is_empty() {
                    continue;
                }
                let batch = run_batch(&config, &fetcher, &mut planner, &due, &mut health, &metrics);
                stopping = finish(batch, &mut watchdog, &notifier, shutdown.as_mut()).await;
            }
        }
        notifier.status(&health.line(&planner));
    }

    notifier.stopping();
    if let Some((stop, task)) = server {
        let _ = stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
    }
    info!("service stopped");
    Ok(())
}

/// Awaits a batch of fetches, pinging the watchdog meanwhile (a long batch
/// is progress, not a hang). When `shutdown` completes first, the batch gets
/// [`STOP_GRACE`] more to finish and is then abandoned: every feed is stored
/// whole or not at all, so an abandoned one is simply fetched after the
/// restart. Returns whether to stop.
async fn finish(
    batch: impl Future<Output = ()>,
    watchdog: &mut tokio::time::Interval,
    notifier: &Notifier,
    shutdown: Pin<&mut impl Future<Output = ()>>,
) -> bool {
    tokio::pin!(batch);
    let mut shutdown = shutdown;
    loop {
        tokio::select! {
            () = &mut batch => return false,
            _ = watchdog.tick() => notifier.watchdog(),
            () = &mut shutdown => {
                notifier.stopping();
                info!("stop requested: letting the running fetches finish");
                if tokio::time::timeout(STOP_GRACE, &mut batch).await.is_err() {
                    warn!(grace_s = STOP_GRACE.as_secs(), "stopping with fetches unfinished; they run again after a restart");
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
        let mut line = format!("{} feeds, {} failing", planner.planned(), planner.failing());
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

/// Runs `due` feeds and hands each outcome to the planner.
async fn run_batch(
    config: &Config,
    fetcher: &Arc<Fetcher>,
    planner: &mut Planner,
    due: &[String],
    health: &mut Health,
    metrics: &Metrics,
) {
    let result = cycle::run_feeds(config, fetcher, Some(due)).await;
    let now = Utc::now();
    match result {
        Ok(report) => {
            log_report(&report);
            record_metrics(metrics, &report, now);
            health.last_publish = Some(now);
            health.last_error = None;
            let mut reported = std::collections::HashSet::new();
            for (feed_id, outcome) in report.outcomes {
                planner.finished(&feed_id, planner_outcome(outcome, now), now);
                reported.insert(feed_id);
            }
            // A feed whose task died without a word must not stay "running"
            // (and so never due) for good: it is retried like a transient failure.
            for feed_id in due.iter().filter(|id| !reported.contains(*id)) {
                warn!(feed = %feed_id, "no outcome reported for a due feed; retrying it");
                let outcome = Outcome::Failure {
                    transient: true,
                    retry_after: None,
                };
                planner.finished(feed_id, outcome, now);
            }
        }
        Err(error) => {
            // The state or the output is unusable: every feed of the batch
            // counts as a transient failure, so it is retried with backoff.
            error!(%error, "cycle failed");
            health.last_error = Some(error_summary(&error));
            for feed_id in due {
                let outcome = Outcome::Failure {
                    transient: true,
                    retry_after: None,
                };
                planner.finished(feed_id, outcome, now);
            }
        }
    }
    save_plans(config, planner);
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
    let path = cycle::state_path(config);
    if let Err(error) = Store::open(&path).and_then(|mut store| store.record_plans(&plans)) {
        warn!(%error, "cannot save the plan for `wirefeed status`");
    }
}

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

fn record_metrics(metrics: &Metrics, report: &CycleReport, now: DateTime<Utc>) {
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
    metrics.record_publish(report.publishing, now);
}

/// Binds the listen address and serves the output folder, /healthz and
/// /metrics until the returned sender fires.
async fn start_server(
    listen: std::net::SocketAddr,
    config: &Config,
    metrics: &Metrics,
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
        cycle::state_path(config),
        metrics.clone(),
        max_publish_age(config),
        async move {
            let _ = stopped.await;
        },
    ));
    info!(%listen, "serving the output folder, /healthz and /metrics");
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

fn log_report(report: &CycleReport) {
    info!(
        feeds = report.feeds,
        failed = report.failed.len(),
        new = report.new,
        updated = report.updated,
        folded = report.folded,
        written = report.publish.written,
        elapsed_ms = report.elapsed.as_millis() as u64,
        "cycle"
    );
}

fn error_summary(error: &CycleError) -> String {
    error
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Reads feeds.toml again. A valid file replaces the running configuration
/// (added feeds start, removed ones stop, changed schedules apply); an invalid
/// one is refused with every problem logged, and the last good one stays.
fn reload(
    path: &Path,
    config: &mut Config,
    planner: &mut Planner,
    notifier: &Notifier,
    health: &mut Health,
    metrics: &Metrics,
) {
    notifier.reloading();
    match load(path) {
        Ok(new) => {
            planner.set_feeds(&new.feeds, Utc::now());
            for old in &config.feeds {
                if !new.feeds.iter().any(|feed| feed.id == old.id) {
                    metrics.forget_feed(&old.id);
                }
            }
            if new.server.as_ref().map(|s| s.listen) != config.server.as_ref().map(|s| s.listen) {
                warn!("[server] changes take effect at the next restart");
            }
            info!(config = %path.display(), feeds = new.feeds.len(), "configuration reloaded");
            *config = new;
            health.refused_reload = None;
        }
        Err(ServiceError::Config { problems, .. }) => {
            // One log line per problem, each with its file:line:column.
            for problem in problems.errors() {
                let problem = problem.to_string().replace("\n", " ");
                warn!(config = %path.display(), "reload refused: {problem}");
            }
            health.refused_reload = Some(format!(
                "{} problems in {}",
                problems.errors().count(),
                path.display()
            ));
        }
        Err(error) => {
            warn!(config = %path.display(), %error, "reload refused");
            health.refused_reload = Some(error.to_string());
        }
    }
    save_plans(config, planner);
    notifier.ready();
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
