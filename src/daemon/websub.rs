//! The publisher side of WebSub: telling the hub that a published feed changed.
//!
//! Publishing hands the URLs of feeds whose bytes changed to
//! [`HubNotifier::announce`], which only records them and returns. A
//! background task sends each topic to the hub as a `hub.mode=publish` POST
//! (one request per topic, which every hub understands), a few at a time, and
//! retries failures with exponential backoff. Nothing here can slow down or
//! fail a publish: the worst a broken hub does is log lines.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use reqwest::header::{CONTENT_TYPE, USER_AGENT};
use reqwest::{Client, StatusCode};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use url::{Url, form_urlencoded};

use crate::fetch::root_cause;

/// How long one ping may take before it counts as failed.
pub const PING_TIMEOUT: Duration = Duration::from_secs(10);

/// Pings in flight at once: enough that one slow topic does not hold up the
/// rest, few enough not to look like a flood to a shared hub.
pub const MAX_PARALLEL_PINGS: usize = 4;

/// When to try a failed ping again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// The wait after the first failure; it doubles after each further one.
    pub first_delay: Duration,
    /// The longest wait between two attempts.
    pub max_delay: Duration,
    /// Attempts in all, the first included, before the topic is given up.
    pub attempts: u32,
}

impl Default for Retry {
    /// 1 s, 2 s, 4 s, 8 s, 16 s: six attempts over about half a minute, after
    /// which the readers' next regular poll is as good as a ping.
    fn default() -> Self {
        Retry {
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            attempts: 6,
        }
    }
}

impl Retry {
    /// The wait after `failures` consecutive failures (1 or more).
    fn delay_after(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.first_delay
            .saturating_mul(1 << doublings)
            .min(self.max_delay)
    }
}

/// What the notifier has done since it started, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PingStats {
    /// Pings the hub accepted (2xx).
    pub delivered: u64,
    /// Attempts that failed, retried or not.
    pub failed: u64,
    /// Topics dropped after their last attempt failed (or the hub refused them).
    pub given_up: u64,
    /// Topics waiting for their first attempt or a retry right now.
    pub waiting: usize,
}

/// Tells one WebSub hub about changed feeds, in the background.
///
/// Dropping it stops the background task, abandoning pings in flight.
#[derive(Debug)]
pub struct HubNotifier {
    hub: Url,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl HubNotifier {
    /// Starts the background task that pings `hub`, with the default [`Retry`].
    /// Must be called from within a tokio runtime.
    pub fn spawn(hub: Url, client: Client) -> HubNotifier {
        HubNotifier::spawn_with_retry(hub, client, Retry::default())
    }

    /// Like [`HubNotifier::spawn`], with its own retry timing.
    pub fn spawn_with_retry(hub: Url, client: Client, retry: Retry) -> HubNotifier {
        let shared = Arc::new(Shared::default());
        let worker = Worker {
            hub: hub.clone(),
            client,
            retry,
            shared: Arc::clone(&shared),
        };
        HubNotifier {
            hub,
            shared,
            task: tokio::spawn(worker.run()),
        }
    }

    /// The hub this notifier pings.
    pub fn hub(&self) -> &Url {
        &self.hub
    }

    /// Queues a ping for each of `topics` (the public URLs of feeds whose
    /// bytes changed) and returns at once. A topic already waiting, for its
    /// first attempt or a retry, is not queued twice; one being sent right
    /// now is sent again afterwards, since the hub may have read the old bytes.
    pub fn announce(&self, topics: impl IntoIterator<Item = Url>) {
        let now = Instant::now();
        let mut added = false;
        {
            let mut queue = lock(&self.shared.queue);
            for topic in topics {
                queue.waiting.entry(topic).or_insert_with(|| {
                    added = true;
                    Waiting {
                        failures: 0,
                        due: now,
                    }
                });
            }
        }
        if added {
            self.shared.wake.notify_one();
        }
    }

    /// For shutdown: waits until every queued topic has been sent or given
    /// up, for at most `within`, then stops the task. Returns whether the
    /// queue emptied in time; what is left is dropped (readers' next poll
    /// picks the changes up).
    pub async fn drain(self, within: Duration) -> bool {
        let shared = &self.shared;
        let emptied = tokio::time::timeout(within, async {
            loop {
                let idle = shared.idle.notified();
                tokio::pin!(idle);
                // Registered before looking, so a wake-up in between is not missed.
                idle.as_mut().enable();
                if lock(&shared.queue).is_empty() {
                    return;
                }
                idle.await;
            }
        })
        .await
        .is_ok();
        if !emptied {
            let queue = lock(&shared.queue);
            tracing::warn!(
                waiting = queue.waiting.len(),
                in_flight = queue.in_flight.len(),
                "stopping with WebSub pings still queued"
            );
        }
        emptied
    }

    /// Counts of pings so far and topics waiting.
    pub fn stats(&self) -> PingStats {
        let waiting = lock(&self.shared.queue).waiting.len();
        PingStats {
            waiting,
            ..*lock(&self.shared.stats)
        }
    }
}

impl Drop for HubNotifier {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What `announce` and the task share.
#[derive(Debug, Default)]
struct Shared {
    queue: Mutex<Queue>,
    /// Woken by `announce`; a wake-up while the task is busy is kept for later.
    wake: Notify,
    /// Woken by the task each time a ping finishes, for `drain`.
    idle: Notify,
    stats: Mutex<PingStats>,
}

#[derive(Debug, Default)]
struct Queue {
    /// Topics to ping once `due`.
    waiting: HashMap<Url, Waiting>,
    /// Topics being pinged now, with the failures before this attempt. A
    /// topic announced again meanwhile also sits in `waiting`: the feed
    /// changed after the hub was told, so it is told again afterwards.
    in_flight: HashMap<Url, u32>,
}

impl Queue {
    fn is_empty(&self) -> bool {
        self.waiting.is_empty() && self.in_flight.is_empty()
    }
}

#[derive(Debug, Clone, Copy)]
struct Waiting {
    failures: u32,
    due: Instant,
}

/// Why one ping failed.
#[derive(Debug, thiserror::Error)]
enum PingError {
    #[error("the request failed: {}", root_cause(.0))]
    Request(#[source] reqwest::Error),

    #[error("the hub answered HTTP {0}")]
    Status(StatusCode),
}

impl PingError {
    /// Whether the same ping can succeed later: not when the hub refuses it
    /// (a 4xx other than 408 and 429 means the topic or the hub URL is wrong).
    fn is_transient(&self) -> bool {
        match self {
            PingError::Request(_) => true,
            PingError::Status(status) => {
                status.is_server_error()
                    || *status == StatusCode::REQUEST_TIMEOUT
                    || *status == StatusCode::TOO_MANY_REQUESTS
            }
        }
    }
}

/// The background task's state.
struct Worker {
    hub: Url,
    client: Client,
    retry: Retry,
    shared: Arc<Shared>,
}

impl Worker {
    async fn run(self) {
        let mut pings = FuturesUnordered::new();
        loop {
            for topic in self.start_due() {
                pings.push(self.ping(topic));
            }
            let next_due = self.next_due();
            tokio::select! {
                () = self.shared.wake.notified() => {}
                () = sleep_until(next_due) => {}
                Some((topic, outcome)) = pings.next(), if !pings.is_empty() => {
                    self.finish(topic, outcome);
                    self.shared.idle.notify_waiters();
                }
            }
        }
    }

    /// Moves the due topics not already in flight to `in_flight`, as many as
    /// there is room for.
    fn start_due(&self) -> Vec<Url> {
        let now = Instant::now();
        let mut queue = lock(&self.shared.queue);
        let room = MAX_PARALLEL_PINGS.saturating_sub(queue.in_flight.len());
        let mut due: Vec<(Url, Waiting)> = queue
            .waiting
            .iter()
            .filter(|(topic, waiting)| waiting.due <= now && !queue.in_flight.contains_key(*topic))
            .map(|(topic, waiting)| (topic.clone(), *waiting))
            .collect();
        due.sort_by_key(|(_, waiting)| waiting.due);
        due.truncate(room);
        for (topic, waiting) in &due {
            queue.waiting.remove(topic);
            queue.in_flight.insert(topic.clone(), waiting.failures);
        }
        due.into_iter().map(|(topic, _)| topic).collect()
    }

    /// When the earliest waiting topic that can start falls due.
    fn next_due(&self) -> Option<Instant> {
        let queue = lock(&self.shared.queue);
        if queue.in_flight.len() >= MAX_PARALLEL_PINGS {
            // A finishing ping wakes the loop anyway.
            return None;
        }
        queue
            .waiting
            .iter()
            .filter(|(topic, _)| !queue.in_flight.contains_key(*topic))
            .map(|(_, waiting)| waiting.due)
            .min()
    }

    fn ping(&self, topic: Url) -> impl Future<Output = (Url, Result<(), PingError>)> + use<> {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("hub.mode", "publish")
            .append_pair("hub.url", topic.as_str())
            .finish();
        let request = self
            .client
            .post(self.hub.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(USER_AGENT, crate::fetch::USER_AGENT)
            .timeout(PING_TIMEOUT)
            .body(body);
        async move {
            let outcome = match request.send().await {
                Ok(response) if response.status().is_success() => Ok(()),
                Ok(response) => Err(PingError::Status(response.status())),
                Err(err) => Err(PingError::Request(err)),
            };
            (topic, outcome)
        }
    }

    /// Counts and logs the outcome, and queues a retry when one can help.
    fn finish(&self, topic: Url, outcome: Result<(), PingError>) {
        let hub = &self.hub;
        let mut queue = lock(&self.shared.queue);
        let earlier_failures = queue.in_flight.remove(&topic).unwrap_or(0);
        let mut stats = lock(&self.shared.stats);
        let error = match outcome {
            Ok(()) => {
                stats.delivered += 1;
                tracing::debug!(hub = %hub, topic = %topic, "WebSub hub notified");
                return;
            }
            Err(error) => error,
        };
        stats.failed += 1;
        let failures = earlier_failures + 1;
        if !error.is_transient() || failures >= self.retry.attempts {
            stats.given_up += 1;
            tracing::error!(
                hub = %hub,
                topic = %topic,
                error = %error,
                attempts = failures,
                "giving up notifying the WebSub hub; subscribers will see the change at their next poll"
            );
            return;
        }
        let retry_in = self.retry.delay_after(failures);
        tracing::warn!(
            hub = %hub,
            topic = %topic,
            error = %error,
            attempt = failures,
            retry_in = ?retry_in,
            "could not notify the WebSub hub; will retry"
        );
        // Announced again during the attempt: that entry is due now, which is
        // sooner than the retry, so it stands and the two merge.
        queue.waiting.entry(topic).or_insert(Waiting {
            failures,
            due: Instant::now() + retry_in,
        });
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded data stays consistent at every await-free step, so a
    // panic elsewhere while holding the lock leaves nothing half-done.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_doubles_from_the_first_and_stops_at_the_cap() {
        let retry = Retry {
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(10),
            attempts: 6,
        };
        let delays: Vec<u64> = (1..=6).map(|n| retry.delay_after(n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 10, 10]);
        assert_eq!(retry.delay_after(500), Duration::from_secs(10));
    }

    #[test]
    fn only_failures_that_can_pass_later_are_retried() {
        let status = |code| PingError::Status(StatusCode::from_u16(code).unwrap());
        for code in [500, 502, 503, 408, 429] {
            assert!(status(code).is_transient(), "{code}");
        }
        for code in [400, 403, 404, 410] {
            assert!(!status(code).is_transient(), "{code}");
        }
    }
}
