//! How many fetches may be in flight: in total, and against any one host.
//!
//! A newsroom lists dozens of feeds from the same agency host; firing them all
//! at once looks like an attack and gets us throttled. Each fetch holds one
//! global permit and, for HTTP, one permit of its host for its whole duration.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The global and per-host semaphores shared by every clone of a `Fetcher`.
#[derive(Debug)]
pub(crate) struct Limits {
    global: Arc<Semaphore>,
    per_host: usize,
    /// One semaphore per host seen so far; hosts are few (one per agency), so it is never pruned.
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// Permits held for the duration of one fetch; dropping it frees the slots.
#[derive(Debug)]
pub(crate) struct Slot {
    _global: OwnedSemaphorePermit,
    _host: Option<OwnedSemaphorePermit>,
}

impl Limits {
    /// Limits of `concurrency` fetches in all and `per_host` per host (each at least 1,
    /// so that a zero never deadlocks the daemon).
    pub(crate) fn new(concurrency: usize, per_host: usize) -> Limits {
        Limits {
            global: Arc::new(Semaphore::new(concurrency.max(1))),
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for a global slot and, when `host` is given, a slot for that host.
    ///
    /// The host slot is taken first, so a fetch waiting on a busy host does
    /// not sit on a global slot that fetches of other hosts could use.
    pub(crate) async fn acquire(&self, host: Option<&str>) -> Slot {
        let host_permit = match host {
            Some(host) => Some(acquire(self.host_semaphore(host)).await),
            None => None,
        };
        let global = acquire(Arc::clone(&self.global)).await;
        Slot {
            _global: global,
            _host: host_permit,
        }
    }

    fn host_semaphore(&self, host: &str) -> Arc<Semaphore> {
        // The map is only touched between awaits, so a poisoned lock still holds whole data.
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            hosts
                .entry(host.to_ascii_lowercase())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host))),
        )
    }
}

async fn acquire(semaphore: Arc<Semaphore>) -> OwnedSemaphorePermit {
    semaphore
        .acquire_owned()
        .await
        .expect("fetch semaphores are never closed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_host_at_its_limit_does_not_block_other_hosts() {
        let limits = Limits::new(4, 1);
        let _held = limits.acquire(Some("agency.example")).await;
        let other = tokio::time::timeout(
            std::time::Duration::from_millis(200),
            limits.acquire(Some("partner.example")),
        )
        .await;
        assert!(other.is_ok(), "another host should get a slot");
        let same = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            limits.acquire(Some("AGENCY.example")),
        )
        .await;
        assert!(same.is_err(), "the same host (any case) must wait");
    }

    #[tokio::test]
    async fn the_global_limit_holds_across_hosts() {
        let limits = Limits::new(1, 4);
        let held = limits.acquire(Some("agency.example")).await;
        let blocked =
            tokio::time::timeout(std::time::Duration::from_millis(50), limits.acquire(None)).await;
        assert!(blocked.is_err());
        drop(held);
        let freed =
            tokio::time::timeout(std::time::Duration::from_millis(200), limits.acquire(None)).await;
        assert!(freed.is_ok());
    }
}
