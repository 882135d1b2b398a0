//! Several `wirefeed run` instances on one PostgreSQL state: which instance
//! fetches a due feed, which one publishes, and which are alive.
//!
//! Every instance plans every feed from the same feeds.toml (the same slots,
//! the same jitter), and asks here before it fetches one:
//!
//! - `claims`: a due feed is fetched by the instance that claims it. The
//!   cluster's plan of each feed (when it is due, its failures) is a row;
//!   claiming locks the due, unleased rows with `FOR UPDATE SKIP LOCKED` and
//!   leases them to the claimant, so two instances never both get one. The
//!   instance that fetched it writes the next due time back as it releases
//!   it; the others learn it when they next ask. A lease lasts the feed's
//!   timeout past the holder's last heartbeat: a dead instance's feeds are
//!   free again within that, and the next instance to ask takes them.
//! - `heartbeat`: each instance says it is alive every second, keeps its
//!   leases moving, and tries for the publish lock (a session advisory lock
//!   on this coordination connection). The holder publishes, releases
//!   embargoes and pings WebSub for the cluster; when it dies its
//!   connection closes and the lock passes to the next instance's
//!   heartbeat within seconds.
//! - `view`: instances alive, who holds how many feeds, who publishes: for
//!   `status`, `/healthz` and `/metrics`.
//!
//! The coordination connection is async and separate from the writer's: a
//! claim must not wait behind a long write group.

mod claims;
mod heartbeat;
mod view;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_postgres::{Client, NoTls};

use crate::store::error::{StoreError, causes};
use crate::store::postgres::{PostgresBackend, connect};

pub use claims::{Claim, Release};
pub use view::{ClusterView, InstanceView, read_view};

/// How often an instance says it is alive, moves its leases on and tries
/// for the publish lock.
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// An instance not heard from for this long (five heartbeats) counts as gone.
pub const ALIVE_WITHIN: Duration = Duration::from_secs(5);
/// The shortest lease: it must outlast a few missed heartbeats.
const MIN_LEASE: Duration = Duration::from_secs(3);
/// How long one coordination query may take before the connection is
/// counted lost (and with it the publish lock).
const QUERY_TIMEOUT: Duration = Duration::from_secs(3);

/// This instance's place in a cluster: start it once per `wirefeed run`.
pub struct Cluster {
    shared: Arc<Shared>,
    releases: mpsc::UnboundedSender<Release>,
    heartbeat: JoinHandle<()>,
    releaser: JoinHandle<()>,
}

/// What the service loop and the background tasks share.
struct Shared {
    /// `host/pid/start`: unique across restarts and machines.
    instance: String,
    host: String,
    started: DateTime<Utc>,
    /// The address as logs show it: no password.
    shown: String,
    url: String,
    config: tokio_postgres::Config,
    client: tokio::sync::Mutex<Option<Arc<Client>>>,
    /// Whether this instance holds the publish lock.
    publisher: watch::Sender<bool>,
    /// The state's change counter as last read: it moves when any
    /// instance commits a write group.
    changes: watch::Sender<i64>,
    view: Mutex<ClusterView>,
    /// Feeds this instance holds, with their lease in milliseconds.
    held: Mutex<HashMap<String, i64>>,
    migrated: std::sync::atomic::AtomicBool,
}

impl Cluster {
    /// Joins the cluster of the state at `url` (a `[store] url`): starts the
    /// heartbeat and the releaser. Connecting happens there, and again after
    /// every lost connection, so a database that is down at start is not
    /// an error.
    pub fn start(url: &str) -> Result<Cluster, StoreError> {
        let connect::Settings { mut config, shown } = connect::settings(url)?;
        // The client notices a server gone silent; the server's side of the
        // same (tcp_keepalives_* below) frees the publish lock of an
        // instance whose machine died without closing its connection.
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(2));
        let started = Utc::now();
        let host = hostname();
        let shared = Arc::new(Shared {
            instance: format!(
                "{host}/{}/{}",
                std::process::id(),
                started.timestamp_millis()
            ),
            host,
            started,
            shown,
            url: url.to_owned(),
            config,
            client: tokio::sync::Mutex::new(None),
            publisher: watch::channel(false).0,
            changes: watch::channel(0).0,
            view: Mutex::new(ClusterView::default()),
            held: Mutex::new(HashMap::new()),
            migrated: std::sync::atomic::AtomicBool::new(false),
        });
        let (releases, queue) = mpsc::unbounded_channel();
        let heartbeat = tokio::spawn(heartbeat::run(Arc::clone(&shared)));
        let releaser = tokio::spawn(claims::release_queued(Arc::clone(&shared), queue));
        tracing::info!(instance = %shared.instance, state = %shared.shown, "joined the cluster");
        Ok(Cluster {
            shared,
            releases,
            heartbeat,
            releaser,
        })
    }

    /// This instance's name in the cluster.
    pub fn instance(&self) -> &str {
        &self.shared.instance
    }

    /// Claims what it can of `due` (feed id and timeout) at `now`: each
    /// feed comes back either claimed by this instance, with the cluster's
    /// count of its failures, or with the time to ask again.
    pub async fn claim(
        &self,
        due: &[(String, Duration)],
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, Claim)>, StoreError> {
        claims::claim(&self.shared, due, now).await
    }

    /// Hands a finished feed back with its next due time. Queued: the
    /// releaser writes releases in batches, in order.
    pub fn release(&self, release: Release) {
        self.shared.forget(&release.feed_id);
        // The releaser lives as long as the cluster; a send fails only
        // after `stop`, and the lease then runs out by itself.
        let _ = self.releases.send(release);
    }

    /// Whether this instance publishes for the cluster now.
    pub fn is_publisher(&self) -> bool {
        *self.shared.publisher.borrow()
    }

    /// Changes when this instance gains or loses the publish lock.
    pub fn publisher_changes(&self) -> watch::Receiver<bool> {
        self.shared.publisher.subscribe()
    }

    /// Changes when any instance commits to the state.
    pub fn state_changes(&self) -> watch::Receiver<i64> {
        self.shared.changes.subscribe()
    }

    /// The cluster as the last heartbeat saw it.
    pub fn view(&self) -> ClusterView {
        self.shared
            .view
            .lock()
            .map(|view| view.clone())
            .unwrap_or_default()
    }

    /// Leaves the cluster: releases still queued are written (for at most
    /// `grace`), the instance's row goes, and the publish lock with the
    /// connection.
    pub async fn stop(self, grace: Duration) {
        let Cluster {
            shared,
            releases,
            heartbeat,
            releaser,
        } = self;
        heartbeat.abort();
        // The releaser ends once the queue is empty and closed.
        drop(releases);
        let _ = tokio::time::timeout(grace, releaser).await;
        let leave = async {
            let client = shared.client().await?;
            client
                .execute(
                    "DELETE FROM cluster_instances WHERE instance = $1",
                    &[&shared.instance],
                )
                .await
                .map_err(shared.failed("leave the cluster"))
        };
        match tokio::time::timeout(grace, leave).await {
            Ok(Ok(_)) => tracing::info!(instance = %shared.instance, "left the cluster"),
            Ok(Err(error)) => {
                tracing::warn!(%error, "cannot leave the cluster cleanly; the others see this instance gone in seconds")
            }
            Err(_) => tracing::warn!(
                "leaving the cluster timed out; the others see this instance gone in seconds"
            ),
        }
        shared.publisher.send_replace(false);
    }
}

impl Shared {
    /// The coordination connection, made (and the schema migrated) when
    /// there is none or the last one broke. A broken one took the publish
    /// lock with it.
    async fn client(&self) -> Result<Arc<Client>, StoreError> {
        let mut slot = self.client.lock().await;
        if let Some(client) = slot.as_ref().filter(|client| !client.is_closed()) {
            return Ok(Arc::clone(client));
        }
        if slot.take().is_some() {
            self.lost_connection("the connection closed");
        }
        if !self.migrated.load(std::sync::atomic::Ordering::Relaxed) {
            let url = self.url.clone();
            tokio::task::spawn_blocking(move || PostgresBackend::open(&url).map(drop))
                .await
                .map_err(|_| StoreError::Connect {
                    state: self.shown.clone(),
                    reason: "migrating the schema stopped unexpectedly".to_owned(),
                })??;
            self.migrated
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let connecting = tokio::time::timeout(QUERY_TIMEOUT * 3, self.config.connect(NoTls));
        let (client, connection) = match connecting.await {
            Ok(Ok(pair)) => pair,
            Ok(Err(error)) => {
                return Err(StoreError::Connect {
                    state: self.shown.clone(),
                    reason: causes(&error),
                });
            }
            Err(_) => {
                return Err(StoreError::Connect {
                    state: self.shown.clone(),
                    reason: "timed out".to_owned(),
                });
            }
        };
        let shown = self.shown.clone();
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(state = %shown, error = %causes(&error), "coordination connection closed");
            }
        });
        client
            .batch_execute(
                "SET tcp_keepalives_idle = 2; SET tcp_keepalives_interval = 1; \
                 SET tcp_keepalives_count = 3",
            )
            .await
            .map_err(self.failed("set keepalives"))?;
        let client = Arc::new(client);
        *slot = Some(Arc::clone(&client));
        Ok(client)
    }

    /// Drops the coordination connection after a failed or slow query: a
    /// connection in doubt may have lost the publish lock already, so this
    /// instance stops publishing until a new one wins it.
    async fn drop_connection(&self, why: &str) {
        if self.client.lock().await.take().is_some() {
            self.lost_connection(why);
        }
    }

    fn lost_connection(&self, why: &str) {
        if self.publisher.send_replace(false) {
            tracing::warn!(instance = %self.instance, why, "lost the coordination connection: no longer publishing for the cluster");
        }
    }

    fn failed(&self, operation: &'static str) -> impl FnOnce(tokio_postgres::Error) -> StoreError {
        let state = self.shown.clone();
        move |source| StoreError::Postgres {
            state,
            operation,
            source,
        }
    }

    fn hold(&self, feed_id: &str, lease: Duration) {
        if let Ok(mut held) = self.held.lock() {
            held.insert(feed_id.to_owned(), lease_ms(lease));
        }
    }

    fn forget(&self, feed_id: &str) {
        if let Ok(mut held) = self.held.lock() {
            held.remove(feed_id);
        }
    }

    /// The feeds held and their leases, by feed id (the order every
    /// statement over several claim rows keeps).
    fn held(&self) -> (Vec<String>, Vec<i64>) {
        let mut held: Vec<(String, i64)> = self
            .held
            .lock()
            .map(|held| held.iter().map(|(id, ms)| (id.clone(), *ms)).collect())
            .unwrap_or_default();
        held.sort();
        held.into_iter().unzip()
    }
}

/// A feed's lease: its timeout, and never shorter than [`MIN_LEASE`].
fn lease_ms(timeout: Duration) -> i64 {
    i64::try_from(timeout.max(MIN_LEASE).as_millis()).unwrap_or(i64::MAX / 1000)
}

/// Runs `query` with [`QUERY_TIMEOUT`]; a timeout is reported as `None`.
async fn bounded<T>(query: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::time::timeout(QUERY_TIMEOUT, query).await.ok()
}

fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}
