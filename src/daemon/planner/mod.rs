//! When each feed is fetched next.
//!
//! The planner is pure bookkeeping: no I/O, no clock of its own, no tasks.
//! The daemon tells it the time, asks which feeds are due, runs them, and
//! reports each outcome back; the planner answers with the next time to wake.
//!
//! # Rules
//!
//! - **Slots.** A feed runs on its cron schedule shifted by a jitter that is
//!   stable for its id (FNV-1a of the id), below both the planner's
//!   `max_jitter` and a quarter of the schedule's shortest interval. A hundred
//!   feeds on `*/5` spread over the jitter window, and a restart keeps each
//!   feed in its slot. A new feed, or one whose schedule changed, waits for its
//!   next slot after the moment the config was adopted.
//! - **Success** (200 or 304) clears the failure count; the next run is the
//!   next slot, or the response's freshness (`fresh_until`) when that is later.
//! - **Transient failure** (5xx, 408, 429, timeouts, connection errors): retry
//!   after the backoff, whether that is sooner than the next slot (an hourly
//!   feed hit by a blip is retried in 30 s) or later (a struggling server
//!   behind a `*/1` feed is not hit every minute). A daily feed in a long
//!   outage is thus probed hourly: cheap, and it is back soon after its source.
//! - **Permanent failure** (404, parse error, ...): the later of the next slot
//!   and the backoff: never sooner than the schedule, and slower while it lasts.
//! - **Backoff** after `n` consecutive failures is [`BACKOFF_BASE`] × 2^(n−1),
//!   at most [`BACKOFF_CAP`].
//! - **Floors.** `Retry-After` (any failure) and `fresh_until` (success) only
//!   ever delay a run, and by at most [`FLOOR_CAP`] from now.
//! - **Sleep.** A feed whose planned time has long passed (the machine slept)
//!   is due once; its next run is planned from the time it finishes, so the
//!   missed slots are not replayed.
//! - **One at a time.** A feed handed out by [`Planner::take_due`] is not
//!   handed out again until [`Planner::finished`] is called for it, even if a
//!   reload removes the feed and adds it back meanwhile.
//! - A schedule that never fires again leaves its feed unplanned (a transient
//!   failure is still retried).

mod timing;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};

use crate::config::{FeedConfig, Schedule};

pub use timing::{BACKOFF_BASE, BACKOFF_CAP, FLOOR_CAP};

use timing::{backoff, capped_floor, jitter, next_slot};

/// How a fetch ended, as far as planning cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Fetched (200 or 304). `fresh_until`: Cache-Control max-age / Expires
    /// from the response, a floor on the next fetch.
    Success { fresh_until: Option<DateTime<Utc>> },
    /// Failed. `transient`: worth retrying soon (5xx, 408, 429, timeouts,
    /// connection errors); `retry_after`: the server's Retry-After, a floor.
    Failure {
        transient: bool,
        retry_after: Option<DateTime<Utc>>,
    },
}

/// One feed's place in the plan, for status output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// When it runs next; None while it runs, or when its schedule has ended.
    pub next_run: Option<DateTime<Utc>>,
    /// Failures since the last success.
    pub consecutive_failures: u32,
    /// Set when `next_run` was decided by failures rather than the schedule:
    /// the backoff, or the server's Retry-After, ends then. None while the
    /// feed follows its schedule, and while it runs.
    pub backoff_until: Option<DateTime<Utc>>,
    /// Handed out by `take_due` and not finished yet.
    pub running: bool,
}

/// The schedule of every enabled feed, with backoff and running state.
#[derive(Debug)]
pub struct Planner {
    max_jitter: std::time::Duration,
    feeds: BTreeMap<String, FeedPlan>,
}

#[derive(Debug)]
struct FeedPlan {
    /// As configured; a change of its expression re-plans the feed.
    schedule: Schedule,
    jitter: TimeDelta,
    next_run: Option<DateTime<Utc>>,
    /// See [`Plan::backoff_until`].
    backoff_until: Option<DateTime<Utc>>,
    running: bool,
    failures: u32,
    /// Removed from the config while running: kept only so it is not handed
    /// out twice should it come back; forgotten when it finishes.
    retired: bool,
}

impl Planner {
    /// An empty plan. `max_jitter` bounds how far a feed is shifted from its
    /// schedule's fire times.
    pub fn new(max_jitter: std::time::Duration) -> Planner {
        Planner {
            max_jitter,
            feeds: BTreeMap::new(),
        }
    }

    /// Adopt the (re)loaded feed list: new enabled feeds are planned from
    /// `now`; removed or disabled feeds are forgotten (one running now
    /// finishes but is not planned again); a feed whose schedule expression
    /// changed is re-planned from `now`; unchanged feeds keep their plan,
    /// backoff and running state.
    pub fn set_feeds(&mut self, feeds: &[FeedConfig], now: DateTime<Utc>) {
        let wanted: BTreeMap<&str, &FeedConfig> = feeds
            .iter()
            .filter(|feed| feed.enabled)
            .map(|feed| (feed.id.as_str(), feed))
            .collect();

        self.feeds.retain(|id, plan| {
            if wanted.contains_key(id.as_str()) {
                return true;
            }
            // A running feed is kept out of sight until it finishes, so that
            // adding it back meanwhile cannot start a second fetch.
            plan.retired = true;
            plan.next_run = None;
            plan.backoff_until = None;
            plan.running
        });

        for (id, feed) in wanted {
            let schedule = &feed.schedule;
            match self.feeds.get_mut(id) {
                Some(plan) if !plan.retired && plan.schedule.expr == schedule.expr => {}
                Some(plan) => {
                    if plan.retired {
                        // Back after a removal: a new feed that happens to be running.
                        plan.retired = false;
                        plan.failures = 0;
                    }
                    plan.schedule = schedule.clone();
                    plan.jitter = jitter(id, schedule, self.max_jitter);
                    // A running feed is planned when it finishes, on the new schedule.
                    if !plan.running {
                        plan.next_run = next_slot(&plan.schedule, plan.jitter, now);
                        plan.backoff_until = None;
                    }
                }
                None => {
                    let jitter = jitter(id, schedule, self.max_jitter);
                    let plan = FeedPlan {
                        schedule: schedule.clone(),
                        jitter,
                        next_run: next_slot(schedule, jitter, now),
                        backoff_until: None,
                        running: false,
                        failures: 0,
                        retired: false,
                    };
                    self.feeds.insert(id.to_string(), plan);
                }
            }
        }
    }

    /// The earliest planned time among feeds not running; None when nothing
    /// is planned.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.feeds
            .values()
            .filter(|plan| !plan.running)
            .filter_map(|plan| plan.next_run)
            .min()
    }

    /// Every feed due at `now` (planned time <= now) and not already running,
    /// marked running, earliest first. A feed is never returned twice before
    /// `finished`.
    pub fn take_due(&mut self, now: DateTime<Utc>) -> Vec<String> {
        let mut due: Vec<(DateTime<Utc>, &String)> = self
            .feeds
            .iter()
            .filter(|(_, plan)| !plan.running)
            .filter_map(|(id, plan)| plan.next_run.filter(|&at| at <= now).map(|at| (at, id)))
            .collect();
        due.sort();
        let ids: Vec<String> = due.into_iter().map(|(_, id)| id.clone()).collect();
        for id in &ids {
            if let Some(plan) = self.feeds.get_mut(id) {
                plan.running = true;
                plan.next_run = None;
                plan.backoff_until = None;
            }
        }
        ids
    }

    /// Every planned feed not already running, due or not, marked running:
    /// what the service fetches once when it starts.
    pub fn take_all(&mut self) -> Vec<String> {
        let mut ids = Vec::new();
        for (id, plan) in &mut self.feeds {
            if plan.running || plan.retired {
                continue;
            }
            plan.running = true;
            plan.next_run = None;
            plan.backoff_until = None;
            ids.push(id.clone());
        }
        ids
    }

    /// Hands back a feed taken by [`Planner::take_due`] or
    /// [`Planner::take_all`] without running it: another instance of the
    /// cluster has it, or it is not due in the cluster's plan. It is
    /// planned for `at`, its failures left as they are.
    pub fn defer(&mut self, feed_id: &str, at: DateTime<Utc>) {
        if let Some(plan) = self.hand_back(feed_id) {
            plan.next_run = Some(at);
        }
    }

    /// Adopts the cluster's count of a feed's consecutive failures before
    /// it runs, so the backoff after this run continues the cluster's.
    pub fn set_failures(&mut self, feed_id: &str, failures: u32) {
        if let Some(plan) = self.feeds.get_mut(feed_id) {
            plan.failures = failures;
        }
    }

    /// Record a finished fetch and plan the next one. A feed the current
    /// config no longer has is forgotten here.
    pub fn finished(&mut self, feed_id: &str, outcome: Outcome, now: DateTime<Utc>) {
        let Some(plan) = self.hand_back(feed_id) else {
            return;
        };
        let slot = next_slot(&plan.schedule, plan.jitter, now);
        (plan.next_run, plan.backoff_until) = match outcome {
            Outcome::Success { fresh_until } => {
                plan.failures = 0;
                let floor = fresh_until.map(|until| capped_floor(until, now));
                (slot.map(|slot| slot.max(floor.unwrap_or(slot))), None)
            }
            Outcome::Failure {
                transient,
                retry_after,
            } => {
                plan.failures = plan.failures.saturating_add(1);
                let backed_off = now + backoff(plan.failures);
                let next = if transient {
                    Some(backed_off)
                } else {
                    slot.map(|slot| slot.max(backed_off))
                };
                let floor = retry_after.map(|after| capped_floor(after, now));
                let next = next.map(|next| next.max(floor.unwrap_or(next)));
                // A transient retry always waits out a backoff, even one that
                // ends before the next slot; a permanent failure only when it
                // pushed the run past its slot.
                let backoff_until =
                    next.filter(|&next| transient || slot.is_none_or(|slot| next > slot));
                (next, backoff_until)
            }
        };
    }

    /// A running feed comes back: no longer running, to be planned by the
    /// caller; one the config dropped meanwhile is forgotten (`None`).
    fn hand_back(&mut self, feed_id: &str) -> Option<&mut FeedPlan> {
        if self.feeds.get(feed_id)?.retired {
            self.feeds.remove(feed_id);
            return None;
        }
        let plan = self.feeds.get_mut(feed_id)?;
        plan.running = false;
        Some(plan)
    }

    /// Feeds with consecutive failures, for STATUS= lines.
    pub fn failing(&self) -> usize {
        self.current().filter(|plan| plan.failures > 0).count()
    }

    /// Feeds in the plan: the enabled feeds of the current config, running
    /// ones included.
    pub fn planned(&self) -> usize {
        self.current().count()
    }

    /// Where one feed of the current config stands; None for a feed it does
    /// not have (or has not enabled).
    pub fn plan(&self, feed_id: &str) -> Option<Plan> {
        self.feeds
            .get(feed_id)
            .filter(|plan| !plan.retired)
            .map(FeedPlan::public)
    }

    /// Where every feed of the current config stands, by feed id: what the
    /// daemon saves for `wirefeed status`.
    pub fn plans(&self) -> impl Iterator<Item = (&str, Plan)> {
        self.feeds
            .iter()
            .filter(|(_, plan)| !plan.retired)
            .map(|(id, plan)| (id.as_str(), plan.public()))
    }

    fn current(&self) -> impl Iterator<Item = &FeedPlan> {
        self.feeds.values().filter(|plan| !plan.retired)
    }
}

impl FeedPlan {
    fn public(&self) -> Plan {
        Plan {
            next_run: self.next_run,
            consecutive_failures: self.failures,
            backoff_until: self.backoff_until,
            running: self.running,
        }
    }
}
