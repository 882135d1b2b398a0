//! The planner driven through its public API with fixed dates.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use chrono::{TimeZone, Timelike};

use super::*;

const ONE_MINUTE: Duration = Duration::from_secs(60);

/// 2026-03-02 09:00:00 + `seconds`.
fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + TimeDelta::seconds(seconds)
}

/// An enabled feed with a schedule in the cron crate's syntax (seconds first).
fn feed(id: &str, expr: &str) -> FeedConfig {
    crate::config::testing::feed(id, expr)
}

fn every_five_minutes(id: &str) -> FeedConfig {
    feed(id, "0 */5 * * * *")
}

fn planner_with(feeds: &[FeedConfig], now: DateTime<Utc>) -> Planner {
    let mut planner = Planner::new(ONE_MINUTE);
    planner.set_feeds(feeds, now);
    planner
}

fn next_run(planner: &Planner, id: &str) -> DateTime<Utc> {
    planner
        .plan(id)
        .and_then(|plan| plan.next_run)
        .unwrap_or_else(|| panic!("{id} is not planned"))
}

/// Takes every due feed at the feed's planned time and checks `id` was one.
fn run_now(planner: &mut Planner, id: &str) -> DateTime<Utc> {
    let when = next_run(planner, id);
    assert!(planner.take_due(when).contains(&id.to_string()));
    when
}

const SUCCESS: Outcome = Outcome::Success { fresh_until: None };
const TRANSIENT: Outcome = Outcome::Failure {
    transient: true,
    retry_after: None,
};
const PERMANENT: Outcome = Outcome::Failure {
    transient: false,
    retry_after: None,
};

#[test]
fn a_new_feed_runs_at_its_next_slot_shifted_by_its_stable_jitter() {
    let planner = planner_with(&[every_five_minutes("ap-world")], at(100));
    let first = next_run(&planner, "ap-world");
    let offset = first - at(300);
    assert!(
        offset >= TimeDelta::zero() && offset < TimeDelta::seconds(60),
        "{first}"
    );

    // Another process (a restart) puts the feed in the same slot.
    let restarted = planner_with(&[every_five_minutes("ap-world")], at(250));
    assert_eq!(next_run(&restarted, "ap-world"), first);
}

#[test]
fn a_hundred_feeds_on_the_same_schedule_are_spread_over_the_jitter_window() {
    let feeds: Vec<FeedConfig> = (0..100)
        .map(|n| every_five_minutes(&format!("partner-{n}")))
        .collect();
    let planner = planner_with(&feeds, at(10));
    let seconds: BTreeSet<u32> = feeds
        .iter()
        .map(|feed| next_run(&planner, &feed.id).second())
        .collect();
    // 100 feeds over 60 one-second buckets: a good hash fills most of them.
    assert!(
        seconds.len() >= 40,
        "only {} distinct seconds",
        seconds.len()
    );
    let instants: BTreeSet<DateTime<Utc>> = feeds
        .iter()
        .map(|feed| next_run(&planner, &feed.id))
        .collect();
    assert!(
        instants.len() >= 95,
        "only {} distinct times",
        instants.len()
    );
}

#[test]
fn an_every_second_feed_is_jittered_by_less_than_a_quarter_second() {
    let planner = planner_with(&[feed("ticker", "* * * * * *")], at(0));
    let next = next_run(&planner, "ticker");
    assert!(
        next > at(0) && next < at(1) + TimeDelta::milliseconds(250),
        "{next}"
    );
}

#[test]
fn six_field_schedules_fire_on_their_seconds() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(&[feed("wire", "*/10 * * * * *")], at(3));
    assert_eq!(planner.next_due(), Some(at(10)));
    assert_eq!(planner.take_due(at(10)), ["wire"]);
    planner.finished("wire", SUCCESS, at(12));
    assert_eq!(planner.next_due(), Some(at(20)));
}

#[test]
fn schedules_from_feeds_toml_plan_five_and_six_field_expressions() {
    let text = r#"
[site]
title = "T"
base_url = "https://example.org/"

[[feed]]
id = "hourly"
name = "Hourly"
url = "https://agency.example/hourly.rss"
schedule = "15 * * * *"

[[feed]]
id = "fast"
name = "Fast"
url = "https://agency.example/fast.rss"
schedule = "*/20 * * * * *"
"#;
    let (config, _) =
        crate::config::parse_str(text, Path::new("/etc/wirefeed/feeds.toml")).unwrap();
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(&config.feeds, at(5));
    assert_eq!(next_run(&planner, "hourly"), at(15 * 60));
    assert_eq!(next_run(&planner, "fast"), at(20));
}

#[test]
fn take_due_returns_only_feeds_whose_time_has_come_earliest_first() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(
        &[
            feed("late", "30 * * * * *"),
            feed("early", "10 * * * * *"),
            feed("hourly", "0 0 * * * *"),
        ],
        at(0),
    );
    assert!(planner.take_due(at(5)).is_empty());
    assert_eq!(planner.take_due(at(45)), ["early", "late"]);
}

#[test]
fn take_due_never_returns_a_running_feed() {
    let mut planner = planner_with(&[every_five_minutes("ap-world")], at(0));
    run_now(&mut planner, "ap-world");
    assert!(planner.take_due(at(3600)).is_empty());
    assert!(planner.plan("ap-world").unwrap().running);
}

#[test]
fn next_due_ignores_running_feeds() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(
        &[
            feed("minutely", "0 * * * * *"),
            every_five_minutes("ap-world"),
        ],
        at(0),
    );
    assert_eq!(planner.next_due(), Some(at(60)));
    assert_eq!(planner.take_due(at(60)), ["minutely"]);
    assert_eq!(planner.next_due(), Some(at(300)));

    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(&[feed("minutely", "0 * * * * *")], at(0));
    planner.take_due(at(60));
    assert_eq!(planner.next_due(), None);
}

#[test]
fn consecutive_transient_failures_back_off_exponentially_up_to_an_hour() {
    let mut planner = planner_with(&[every_five_minutes("ap-world")], at(0));
    let mut waits = Vec::new();
    for _ in 0..9 {
        let started = run_now(&mut planner, "ap-world");
        let done = started + TimeDelta::seconds(2);
        planner.finished("ap-world", TRANSIENT, done);
        waits.push((next_run(&planner, "ap-world") - done).num_seconds());
    }
    assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    assert_eq!(planner.plan("ap-world").unwrap().consecutive_failures, 9);
    assert_eq!(planner.failing(), 1);
}

#[test]
fn a_transient_failure_of_an_hourly_feed_is_retried_before_its_next_slot() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(&[feed("hourly", "0 0 * * * *")], at(0));
    let started = run_now(&mut planner, "hourly");
    planner.finished("hourly", TRANSIENT, started);
    assert_eq!(
        next_run(&planner, "hourly"),
        started + TimeDelta::seconds(30)
    );
}

#[test]
fn a_permanent_failure_waits_for_the_schedule_and_backs_off_beyond_it() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(&[feed("minutely", "0 * * * * *")], at(0));

    // First failure: the 30 s backoff is shorter than the next slot.
    planner.take_due(at(60));
    planner.finished("minutely", PERMANENT, at(61));
    assert_eq!(next_run(&planner, "minutely"), at(120));

    // Second failure: the 60 s backoff ends just after the next slot.
    planner.take_due(at(120));
    planner.finished("minutely", PERMANENT, at(121));
    assert_eq!(next_run(&planner, "minutely"), at(181));

    // Third failure: a 120 s backoff skips a slot.
    planner.take_due(at(181));
    planner.finished("minutely", PERMANENT, at(182));
    assert_eq!(next_run(&planner, "minutely"), at(302));
}

#[test]
fn retry_after_delays_the_retry_beyond_the_backoff() {
    let mut planner = planner_with(&[every_five_minutes("ap-world")], at(0));
    let started = run_now(&mut planner, "ap-world");
    let retry_after = started + TimeDelta::minutes(20);
    planner.finished(
        "ap-world",
        Outcome::Failure {
            transient: true,
            retry_after: Some(retry_after),
        },
        started,
    );
    assert_eq!(next_run(&planner, "ap-world"), retry_after);
}

#[test]
fn retry_after_sooner_than_the_backoff_does_not_shorten_it() {
    let mut planner = planner_with(&[every_five_minutes("ap-world")], at(0));
    let started = run_now(&mut planner, "ap-world");
    planner.finished(
        "ap-world",
        Outcome::Failure {
            transient: true,
            retry_after: Some(started + TimeDelta::seconds(1)),
        },
        started,
    );
    assert_eq!(
        next_run(&planner, "ap-world"),
        started + TimeDelta::seconds(30)
    );
}

#[test]
fn retry_after_is_capped_at_a_day() {
    let mut planner = planner_with(&[every_five_minutes("ap-world")], at(0));
    let started = run_now(&mut planner, "ap-world");
    planner.finished(
        "ap-world",
        Outcome::Failure {
            transient: true,
            retry_after: Some(started + TimeDelta::days(365)),
        },
        started,
    );
    assert_eq!(next_run(&planner, "ap-world"), started + FLOOR_CAP);
}

#[test]
fn fresh_until_after_the_next_slot_delays_the_next_fetch() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(&[every_five_minutes("ap-world")], at(0));
    planner.take_due(at(300));
    planner.finished(
        "ap-world",
        Outcome::Success {
            fresh_until: Some(at(300 + 720)),
        },
        at(301),
    );
    assert_eq!(next_run(&planner, "ap-world"), at(1020));
}

#[test]
fn fresh_until_before_the_next_slot_changes_nothing() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(&[every_five_minutes("ap-world")], at(0));
    planner.take_due(at(300));
    planner.finished(
        "ap-world",
        Outcome::Success {
            fresh_until: Some(at(330)),
        },
        at(301),
    );
    assert_eq!(next_run(&planner, "ap-world"), at(600));
}

#[test]
fn a_bogus_expires_far_in_the_future_is_capped_at_a_day() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(&[every_five_minutes("ap-world")], at(0));
    planner.take_due(at(300));
    let far = Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap();
    planner.finished(
        "ap-world",
        Outcome::Success {
            fresh_until: Some(far),
        },
        at(301),
    );
    assert_eq!(next_run(&planner, "ap-world"), at(301) + FLOOR_CAP);
}

#[test]
fn a_success_after_failures_returns_the_feed_to_its_schedule() {
    let mut planner = planner_with(&[every_five_minutes("ap-world")], at(0));
    let slot = next_run(&planner, "ap-world");
    let jitter = slot - at(300);
    for _ in 0..6 {
        let started = run_now(&mut planner, "ap-world");
        planner.finished("ap-world", TRANSIENT, started + TimeDelta::seconds(1));
    }
    assert_eq!(planner.failing(), 1);

    let started = run_now(&mut planner, "ap-world");
    planner.finished("ap-world", SUCCESS, started + TimeDelta::seconds(1));
    let next = next_run(&planner, "ap-world");
    assert_eq!(planner.failing(), 0);
    assert_eq!(planner.plan("ap-world").unwrap().consecutive_failures, 0);
    // Back in its own slot: a five-minute mark plus the same jitter.
    let fire = next - jitter;
    assert_eq!((fire.minute() % 5, fire.second()), (0, 0), "{next}");
    assert!(next > started && next - started <= TimeDelta::minutes(5));

    // And the next failure starts the backoff from the beginning.
    let started = run_now(&mut planner, "ap-world");
    planner.finished("ap-world", TRANSIENT, started);
    assert_eq!(next_run(&planner, "ap-world"), started + BACKOFF_BASE);
}

#[test]
fn after_a_long_sleep_missed_slots_fire_once() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(&[feed("minutely", "0 * * * * *")], at(0));
    let woke = at(6 * 3600 + 17);
    assert_eq!(planner.take_due(woke), ["minutely"]);
    assert!(planner.take_due(woke).is_empty());
    planner.finished("minutely", SUCCESS, woke + TimeDelta::seconds(1));
    assert_eq!(next_run(&planner, "minutely"), at(6 * 3600 + 60));
    assert!(planner.take_due(woke + TimeDelta::seconds(2)).is_empty());
}

#[test]
fn set_feeds_plans_added_feeds_from_now() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(&[every_five_minutes("ap-world")], at(0));
    planner.set_feeds(
        &[
            every_five_minutes("ap-world"),
            feed("hourly", "0 0 * * * *"),
        ],
        at(1000),
    );
    assert_eq!(next_run(&planner, "hourly"), at(3600));
    assert_eq!(planner.planned(), 2);
}

#[test]
fn set_feeds_forgets_removed_and_disabled_feeds() {
    let mut planner = Planner::new(Duration::ZERO);
    let mut disabled = every_five_minutes("paused");
    planner.set_feeds(
        &[
            every_five_minutes("ap-world"),
            every_five_minutes("gone"),
            disabled.clone(),
        ],
        at(0),
    );
    assert_eq!(planner.planned(), 3);
    disabled.enabled = false;
    planner.set_feeds(&[every_five_minutes("ap-world"), disabled], at(10));
    assert_eq!(planner.planned(), 1);
    assert_eq!(planner.plan("gone"), None);
    assert_eq!(planner.plan("paused"), None);
    assert_eq!(planner.take_due(at(300)), ["ap-world"]);
}

#[test]
fn a_removed_feed_running_now_finishes_but_is_not_planned_again() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(&[every_five_minutes("gone")], at(0));
    planner.take_due(at(300));
    planner.set_feeds(&[], at(301));
    assert_eq!(planner.planned(), 0);
    planner.finished("gone", TRANSIENT, at(302));
    assert_eq!(planner.next_due(), None);
    assert_eq!(planner.failing(), 0);
    assert!(planner.take_due(at(10_000)).is_empty());
}

#[test]
fn a_feed_removed_and_added_back_while_running_is_not_handed_out_twice() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(&[feed("minutely", "0 * * * * *")], at(0));
    planner.take_due(at(60));
    planner.set_feeds(&[], at(61));
    planner.set_feeds(&[feed("minutely", "0 * * * * *")], at(62));
    assert!(planner.take_due(at(500)).is_empty());
    planner.finished("minutely", SUCCESS, at(501));
    assert_eq!(next_run(&planner, "minutely"), at(540));
}

#[test]
fn a_changed_schedule_is_replanned_from_now() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(&[feed("ap-world", "0 0 * * * *")], at(0));
    assert_eq!(next_run(&planner, "ap-world"), at(3600));
    planner.set_feeds(&[feed("ap-world", "0 */5 * * * *")], at(400));
    assert_eq!(next_run(&planner, "ap-world"), at(600));
}

#[test]
fn a_changed_schedule_of_a_running_feed_applies_when_it_finishes() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(&[every_five_minutes("ap-world")], at(0));
    planner.take_due(at(300));
    planner.set_feeds(&[feed("ap-world", "0 0 * * * *")], at(301));
    assert!(planner.take_due(at(3000)).is_empty());
    planner.finished("ap-world", SUCCESS, at(302));
    assert_eq!(next_run(&planner, "ap-world"), at(3600));
}

#[test]
fn an_unchanged_feed_keeps_its_plan_backoff_and_running_state() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(
        &[every_five_minutes("failing"), every_five_minutes("busy")],
        at(0),
    );
    planner.take_due(at(300));
    planner.finished("failing", TRANSIENT, at(300));
    assert_eq!(planner.take_due(at(330)), ["failing"]);
    planner.finished("failing", TRANSIENT, at(330));
    let before = planner.plan("failing");
    assert_eq!(next_run(&planner, "failing"), at(390));

    planner.set_feeds(
        &[
            every_five_minutes("failing"),
            every_five_minutes("busy"),
            every_five_minutes("new"),
        ],
        at(340),
    );
    assert_eq!(planner.plan("failing"), before);
    assert!(planner.plan("busy").unwrap().running);
    assert_eq!(planner.take_due(at(390)), ["failing"]);
}

#[test]
fn finishing_an_unknown_feed_changes_nothing() {
    let mut planner = planner_with(&[every_five_minutes("ap-world")], at(0));
    let before = planner.plan("ap-world");
    planner.finished("never-heard-of", TRANSIENT, at(10));
    assert_eq!(planner.plan("ap-world"), before);
    assert_eq!((planner.planned(), planner.failing()), (1, 0));
}

#[test]
fn a_schedule_that_never_fires_again_leaves_the_feed_unplanned() {
    let planner = planner_with(&[feed("expired", "0 0 0 1 1 * 2020")], at(0));
    assert_eq!(planner.plan("expired").unwrap().next_run, None);
    assert_eq!(planner.next_due(), None);
}

fn backoff_until(planner: &Planner, id: &str) -> Option<DateTime<Utc>> {
    planner.plan(id).and_then(|plan| plan.backoff_until)
}

#[test]
fn a_feed_on_its_schedule_has_no_backoff() {
    let mut planner = planner_with(&[every_five_minutes("ap-world")], at(0));
    assert_eq!(backoff_until(&planner, "ap-world"), None);
    let started = run_now(&mut planner, "ap-world");
    planner.finished("ap-world", SUCCESS, started);
    assert_eq!(backoff_until(&planner, "ap-world"), None);
}

#[test]
fn a_transient_failure_backs_off_until_the_retry_even_before_the_next_slot() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(&[feed("hourly", "0 0 * * * *")], at(0));
    let started = run_now(&mut planner, "hourly");
    planner.finished("hourly", TRANSIENT, started);
    let retry = started + TimeDelta::seconds(30);
    assert_eq!(backoff_until(&planner, "hourly"), Some(retry));
    assert_eq!(next_run(&planner, "hourly"), retry);

    planner.take_due(retry);
    planner.finished("hourly", TRANSIENT, retry);
    assert_eq!(
        backoff_until(&planner, "hourly"),
        Some(retry + TimeDelta::seconds(60))
    );
}

#[test]
fn a_permanent_failure_backs_off_only_once_the_backoff_passes_the_next_slot() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(&[feed("minutely", "0 * * * * *")], at(0));

    // The 30 s backoff ends before the next slot: the schedule decides.
    planner.take_due(at(60));
    planner.finished("minutely", PERMANENT, at(61));
    assert_eq!(backoff_until(&planner, "minutely"), None);

    // The 60 s backoff ends after it: the feed is held back.
    planner.take_due(at(120));
    planner.finished("minutely", PERMANENT, at(121));
    assert_eq!(backoff_until(&planner, "minutely"), Some(at(181)));
}

#[test]
fn retry_after_sets_the_end_of_the_backoff() {
    let mut planner = planner_with(&[every_five_minutes("ap-world")], at(0));
    let started = run_now(&mut planner, "ap-world");
    let retry_after = started + TimeDelta::minutes(20);
    let outcome = Outcome::Failure {
        transient: false,
        retry_after: Some(retry_after),
    };
    planner.finished("ap-world", outcome, started);
    assert_eq!(backoff_until(&planner, "ap-world"), Some(retry_after));
}

#[test]
fn backoff_is_cleared_while_running_after_a_success_and_by_a_new_schedule() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(&[every_five_minutes("ap-world")], at(0));
    planner.take_due(at(300));
    planner.finished("ap-world", TRANSIENT, at(300));
    assert!(backoff_until(&planner, "ap-world").is_some());

    assert_eq!(planner.take_due(at(330)), ["ap-world"]);
    assert_eq!(backoff_until(&planner, "ap-world"), None, "running");
    planner.finished("ap-world", TRANSIENT, at(330));
    assert_eq!(backoff_until(&planner, "ap-world"), Some(at(390)));

    planner.set_feeds(&[feed("ap-world", "0 0 * * * *")], at(340));
    assert_eq!(backoff_until(&planner, "ap-world"), None, "re-planned");
    assert_eq!(next_run(&planner, "ap-world"), at(3600));

    planner.take_due(at(3600));
    planner.finished("ap-world", TRANSIENT, at(3600));
    planner.take_due(at(3630));
    planner.finished("ap-world", SUCCESS, at(3630));
    assert_eq!(backoff_until(&planner, "ap-world"), None, "succeeded");
}

#[test]
fn plans_lists_every_current_feed_but_not_removed_ones_still_running() {
    let mut planner = Planner::new(Duration::ZERO);
    planner.set_feeds(
        &[
            every_five_minutes("ap-world"),
            every_five_minutes("leaving"),
        ],
        at(0),
    );
    planner.take_due(at(300));
    planner.finished("ap-world", TRANSIENT, at(300));
    planner.set_feeds(&[every_five_minutes("ap-world")], at(301));

    let plans: Vec<(&str, Plan)> = planner.plans().collect();
    assert_eq!(plans.len(), 1, "{plans:?}");
    let (id, plan) = plans[0];
    assert_eq!(id, "ap-world");
    assert_eq!(Some(plan), planner.plan("ap-world"));
    assert_eq!(plan.backoff_until, Some(at(330)));
    assert_eq!(plan.next_run, Some(at(330)));
    assert_eq!(plan.consecutive_failures, 1);
}

#[test]
fn a_deferred_feed_waits_for_the_time_the_cluster_gave_and_is_not_running() {
    let mut planner = planner_with(&[every_five_minutes("wire")], at(0));
    let due = next_run(&planner, "wire");
    assert_eq!(planner.take_due(due), vec!["wire".to_owned()]);
    // Another instance holds it until its lease ends.
    planner.defer("wire", due + TimeDelta::seconds(20));
    let plan = planner.plan("wire").unwrap();
    assert!(!plan.running);
    assert_eq!(plan.next_run, Some(due + TimeDelta::seconds(20)));
    assert!(planner.take_due(due + TimeDelta::seconds(19)).is_empty());
    assert_eq!(
        planner.take_due(due + TimeDelta::seconds(20)),
        vec!["wire".to_owned()]
    );
}

#[test]
fn the_clusters_failure_count_sets_the_backoff_after_the_next_run() {
    let mut planner = planner_with(&[every_five_minutes("wire")], at(0));
    let due = next_run(&planner, "wire");
    planner.take_due(due);
    // Two other instances failed it before this one claimed it.
    planner.set_failures("wire", 2);
    let failure = Outcome::Failure {
        transient: true,
        retry_after: None,
    };
    planner.finished("wire", failure, due);
    let plan = planner.plan("wire").unwrap();
    assert_eq!(plan.consecutive_failures, 3);
    assert_eq!(plan.next_run, Some(due + BACKOFF_BASE * 4));
}
