//! Claiming due feeds and handing them back.
//!
//! A feed's row says when the cluster should fetch it next (`due`) and
//! who holds it now. A claim takes the rows of the asked feeds that are due
//! and not held (or whose holder stopped renewing its lease), skipping rows
//! another claim has locked this instant: of two instances asking for the
//! same feed at the same moment, exactly one gets it, and the other is told
//! when to ask again. The holder writes the next due time as it releases
//! the feed, so backoff after failures is the cluster's, not one
//! instance's.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::mpsc;

use super::{Shared, bounded, lease_ms, micros};
use crate::store::error::StoreError;
use crate::store::records::NEVER;

/// How soon to ask again for a feed that is due but was locked by another
/// instance's claim at that instant.
const CONTENDED_RETRY: TimeDelta = TimeDelta::milliseconds(250);
/// The most releases written in one statement.
const RELEASE_BATCH: usize = 500;

/// What a claim answered for one feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This instance holds it: fetch it. `failures`: the cluster's count
    /// of its consecutive failures, for the backoff after this fetch.
    Mine { failures: u32 },
    /// Not now: another instance holds it, or it is not due in the
    /// cluster's plan (another instance fetched it). Ask again then.
    NotBefore(DateTime<Utc>),
}

/// A finished feed going back to the cluster with its next due time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub feed_id: String,
    /// When it is due next; `None` when its schedule has ended.
    pub due: Option<DateTime<Utc>>,
    pub failures: u32,
    pub backoff_until: Option<DateTime<Utc>>,
}

pub(super) async fn claim(
    shared: &Shared,
    due: &[(String, Duration)],
    now: DateTime<Utc>,
) -> Result<Vec<(String, Claim)>, StoreError> {
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = due.iter().map(|(id, _)| id.as_str()).collect();
    let leases: Vec<i64> = due.iter().map(|(_, timeout)| lease_ms(*timeout)).collect();
    let at = micros(now);
    let client = shared.client().await?;
    let work = async {
        // A feed the cluster has never planned is due now.
        client
            .execute(
                "INSERT INTO feed_claims (feed_id, due)
                 SELECT id, $2 FROM unnest($1::text[]) AS id
                 ON CONFLICT (feed_id) DO NOTHING",
                &[&ids, &at],
            )
            .await
            .map_err(shared.failed("add feeds to the cluster's plan"))?;
        let claimed = client
            .query(
                "WITH free AS (
                     SELECT feed_id FROM feed_claims
                     WHERE feed_id = ANY($1) AND due <= $2
                       AND (lease_until IS NULL OR lease_until <= $2)
                     FOR UPDATE SKIP LOCKED
                 )
                 UPDATE feed_claims AS c
                 SET holder = $3, lease_until = $2 + asked.ms * 1000, lease_ms = asked.ms
                 FROM free, unnest($1::text[], $4::bigint[]) AS asked(feed_id, ms)
                 WHERE c.feed_id = free.feed_id AND asked.feed_id = free.feed_id
                 RETURNING c.feed_id, c.failures",
                &[&ids, &at, &shared.instance, &leases],
            )
            .await
            .map_err(shared.failed("claim due feeds"))?;
        let mut answers: Vec<(String, Claim)> = Vec::with_capacity(due.len());
        for row in &claimed {
            let feed_id: String = row.get(0);
            let failures: i32 = row.get(1);
            answers.push((
                feed_id,
                Claim::Mine {
                    failures: u32::try_from(failures).unwrap_or(0),
                },
            ));
        }
        let mine: Vec<&str> = answers.iter().map(|(id, _)| id.as_str()).collect();
        let others: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !mine.contains(id))
            .collect();
        if !others.is_empty() {
            let rows = client
                .query(
                    "SELECT feed_id, due, lease_until FROM feed_claims WHERE feed_id = ANY($1)",
                    &[&others],
                )
                .await
                .map_err(shared.failed("read the cluster's plan"))?;
            for row in &rows {
                let due: i64 = row.get(1);
                let lease: Option<i64> = row.get(2);
                answers.push((row.get(0), Claim::NotBefore(ask_again(now, due, lease))));
            }
        }
        Ok::<_, StoreError>(answers)
    };
    let answers = match bounded(work).await {
        Some(answers) => answers,
        None => {
            shared.drop_connection("a claim timed out").await;
            return Err(StoreError::Connect {
                state: shared.shown.clone(),
                reason: "claiming feeds timed out".to_owned(),
            });
        }
    };
    if answers.is_err() {
        shared.drop_connection("a claim failed").await;
    }
    let answers = answers?;
    for (feed_id, claim) in &answers {
        if let Claim::Mine { .. } = claim
            && let Some((_, timeout)) = due.iter().find(|(id, _)| id == feed_id)
        {
            shared.hold(feed_id, *timeout);
        }
    }
    Ok(answers)
}

/// When to ask again for a feed that was not claimed: when it is due in
/// the cluster's plan or its holder's lease ends, whichever is later, and
/// not at once (a claim locked it this instant).
fn ask_again(now: DateTime<Utc>, due: i64, lease_until: Option<i64>) -> DateTime<Utc> {
    let at = |micros: i64| DateTime::from_timestamp_micros(micros).unwrap_or(now);
    let mut next = if due == NEVER {
        now + TimeDelta::days(1)
    } else {
        at(due)
    };
    if let Some(lease) = lease_until.map(at).filter(|&lease| lease > now) {
        next = next.max(lease);
    }
    next.max(now + CONTENDED_RETRY)
}

/// Writes queued releases until the queue closes: whatever is waiting goes
/// in one statement, so a burst of finished feeds is one round trip. A
/// failed write is logged and dropped: the lease runs out and the next
/// claim finds the feed due at its old time, so it is fetched again rather
/// than lost.
pub(super) async fn release_queued(
    shared: Arc<Shared>,
    mut queue: mpsc::UnboundedReceiver<Release>,
) {
    let mut batch = Vec::new();
    while queue.recv_many(&mut batch, RELEASE_BATCH).await > 0 {
        // Rows in one order everywhere (releases, renewals), so two
        // statements over the same rows wait for each other, never deadlock.
        batch.sort_by(|a, b| a.feed_id.cmp(&b.feed_id));
        if let Err(error) = write_releases(&shared, &batch).await {
            tracing::warn!(%error, feeds = batch.len(), "cannot hand feeds back to the cluster; their leases run out instead");
        }
        batch.clear();
    }
}

async fn write_releases(shared: &Shared, batch: &[Release]) -> Result<(), StoreError> {
    let ids: Vec<&str> = batch.iter().map(|r| r.feed_id.as_str()).collect();
    let due: Vec<i64> = batch.iter().map(|r| r.due.map_or(NEVER, micros)).collect();
    let failures: Vec<i32> = batch
        .iter()
        .map(|r| i32::try_from(r.failures).unwrap_or(i32::MAX))
        .collect();
    let backoff: Vec<Option<i64>> = batch.iter().map(|r| r.backoff_until.map(micros)).collect();
    let client = shared.client().await?;
    // Only while this instance still holds it: a lease that ran out (a
    // stalled instance) belongs to whoever claimed the feed since.
    let written = bounded(client.execute(
        "UPDATE feed_claims AS c
         SET due = r.due, failures = r.failures, backoff_until = r.backoff,
             holder = NULL, lease_until = NULL
         FROM unnest($1::text[], $2::bigint[], $3::int[], $4::bigint[])
              AS r(feed_id, due, failures, backoff)
         WHERE c.feed_id = r.feed_id AND c.holder = $5",
        &[&ids, &due, &failures, &backoff, &shared.instance],
    ))
    .await;
    match written {
        Some(result) => result.map(drop).map_err(shared.failed("hand feeds back")),
        None => {
            shared.drop_connection("a release timed out").await;
            Err(StoreError::Connect {
                state: shared.shown.clone(),
                reason: "handing feeds back timed out".to_owned(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_not_claimed_is_asked_for_again_when_due_or_free_and_never_at_once() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let later = now + TimeDelta::seconds(30);
        // Due later in the cluster's plan: then.
        assert_eq!(ask_again(now, micros(later), None), later);
        // Held by another instance: when its lease ends.
        assert_eq!(ask_again(now, micros(now), Some(micros(later))), later);
        // Due and free, yet another claim locked it this instant: soon.
        assert_eq!(ask_again(now, micros(now), None), now + CONTENDED_RETRY);
        // A schedule that has ended is looked at again daily.
        assert_eq!(ask_again(now, NEVER, None), now + TimeDelta::days(1));
    }
}
