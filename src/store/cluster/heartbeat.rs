//! Once a second: this instance is alive, its leases move on, it tries for
//! the publish lock if it lacks it, and it looks at the cluster.
//!
//! The publish lock is a session advisory lock, so it lives exactly as long
//! as the coordination connection: a process killed outright closes its
//! socket and the server frees the lock at once; a machine that vanishes
//! is noticed by the server's keepalives within about five seconds. The
//! next heartbeat of another instance then takes it. An instance whose own
//! heartbeat fails or stalls drops its connection and stops publishing
//! before it could be sure it still holds the lock.

use std::sync::Arc;

use chrono::Utc;

use super::{ALIVE_WITHIN, HEARTBEAT, Shared, bounded, micros, view};
use crate::store::error::StoreError;

/// The advisory lock the publishing instance holds ("wirefeed" + 3).
const PUBLISH_LOCK: i64 = 0x7769_7265_6665_6503;
/// Rows of instances gone this long are deleted by the publisher.
const FORGET_AFTER_SECS: i64 = 3600;

pub(super) async fn run(shared: Arc<Shared>) {
    let mut ticks = tokio::time::interval(HEARTBEAT);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // One line per outage, not one per second.
    let mut failing = false;
    loop {
        ticks.tick().await;
        match bounded(beat(&shared)).await {
            Some(Ok(())) => {
                if failing {
                    tracing::info!(instance = %shared.instance, "coordination connection back");
                }
                failing = false;
            }
            Some(Err(error)) => {
                shared.drop_connection("the heartbeat failed").await;
                if !failing {
                    tracing::error!(instance = %shared.instance, %error, "cluster heartbeat failed; retrying every second");
                }
                failing = true;
            }
            None => {
                shared.drop_connection("the heartbeat timed out").await;
                if !failing {
                    tracing::error!(instance = %shared.instance, state = %shared.shown, "cluster heartbeat timed out; retrying every second");
                }
                failing = true;
            }
        }
    }
}

async fn beat(shared: &Shared) -> Result<(), StoreError> {
    let client = shared.client().await?;
    let now = micros(Utc::now());
    let mut publishing = *shared.publisher.borrow();
    if !publishing {
        let won: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&PUBLISH_LOCK])
            .await
            .map_err(shared.failed("try for the publish lock"))?
            .get(0);
        if won {
            // Whoever said it published before has lost the lock with its
            // connection: its row must not say so any longer.
            client
                .execute(
                    "UPDATE cluster_instances SET publishing = FALSE WHERE instance <> $1",
                    &[&shared.instance],
                )
                .await
                .map_err(shared.failed("take over publishing"))?;
            tracing::info!(instance = %shared.instance, "publishing for the cluster");
            shared.publisher.send_replace(true);
            publishing = true;
        }
    }
    let pid = i64::from(std::process::id());
    client
        .execute(
            "INSERT INTO cluster_instances (instance, host, pid, started, seen, publishing)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (instance) DO UPDATE SET seen = $5, publishing = $6",
            &[
                &shared.instance,
                &shared.host,
                &pid,
                &micros(shared.started),
                &now,
                &publishing,
            ],
        )
        .await
        .map_err(shared.failed("say this instance is alive"))?;
    let (held, leases) = shared.held();
    if !held.is_empty() {
        client
            .execute(
                "UPDATE feed_claims AS c SET lease_until = $3 + h.ms * 1000
                 FROM unnest($1::text[], $2::bigint[]) AS h(feed_id, ms)
                 WHERE c.feed_id = h.feed_id AND c.holder = $4",
                &[&held, &leases, &now, &shared.instance],
            )
            .await
            .map_err(shared.failed("renew this instance's leases"))?;
    }
    if publishing {
        let gone = now - FORGET_AFTER_SECS * 1_000_000;
        client
            .execute("DELETE FROM cluster_instances WHERE seen < $1", &[&gone])
            .await
            .map_err(shared.failed("forget instances long gone"))?;
    }
    let changes: i64 = client
        .query_one("SELECT value FROM wirefeed_meta WHERE key = 'changes'", &[])
        .await
        .map_err(shared.failed("read the change counter"))?
        .get(0);
    shared.changes.send_if_modified(|seen| {
        let moved = *seen != changes;
        *seen = changes;
        moved
    });
    let alive_since = now - i64::try_from(ALIVE_WITHIN.as_micros()).unwrap_or(i64::MAX);
    let seen = view::read(&client, alive_since, now)
        .await
        .map_err(shared.failed("read the cluster"))?;
    if let Ok(mut view) = shared.view.lock() {
        *view = seen;
    }
    Ok(())
}
