//! The arithmetic of the plan: a feed's stable jitter, its next slot on the
//! schedule, and the backoff after consecutive failures.

use chrono::{DateTime, TimeDelta, Utc};

use crate::config::Schedule;

/// First retry after a failure waits this long; each further failure doubles it.
pub const BACKOFF_BASE: TimeDelta = TimeDelta::seconds(30);
/// Consecutive failures never push a retry further out than this.
pub const BACKOFF_CAP: TimeDelta = TimeDelta::hours(1);
/// A server's Retry-After, Cache-Control max-age or Expires never delays a feed
/// longer than this, so a bogus header cannot stop a feed.
pub const FLOOR_CAP: TimeDelta = TimeDelta::hours(24);
/// Jitter is at most this share of the schedule's shortest interval, so an
/// every-second feed is shifted by milliseconds, not by minutes.
const JITTER_SHARE: u32 = 4;

/// The feed's offset from its schedule: in [0, min(max_jitter, interval / 4)),
/// derived from the feed id alone so it is the same on every run and every
/// build, and a restart keeps the feed in its slot.
pub fn jitter(feed_id: &str, schedule: &Schedule, max_jitter: std::time::Duration) -> TimeDelta {
    let max_millis = u64::try_from(max_jitter.as_millis()).unwrap_or(u64::MAX);
    let share_millis = schedule.shortest_interval().map_or(u64::MAX, |interval| {
        u64::try_from((interval / JITTER_SHARE).as_millis()).unwrap_or(u64::MAX)
    });
    let cap = max_millis.min(share_millis);
    if cap == 0 {
        return TimeDelta::zero();
    }
    let millis = fnv1a_64(feed_id.as_bytes()) % cap;
    TimeDelta::try_milliseconds(i64::try_from(millis).unwrap_or(i64::MAX)).unwrap_or(TimeDelta::MAX)
}

/// The feed's first slot strictly after `now`: a schedule fire time plus the
/// feed's jitter. None when the schedule never fires again.
pub fn next_slot(
    schedule: &Schedule,
    jitter: TimeDelta,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    // Shifting `now` back by the jitter keeps a slot whose fire time has passed
    // but whose jittered time has not. Checked: a huge jitter must not panic.
    let shifted = now.checked_sub_signed(jitter)?;
    schedule
        .cron
        .after(&shifted)
        .next()
        .and_then(|fire| fire.checked_add_signed(jitter))
}

/// The wait after `failures` consecutive failures (1 for the first):
/// BACKOFF_BASE × 2^(failures − 1), at most BACKOFF_CAP.
pub fn backoff(failures: u32) -> TimeDelta {
    let doublings = failures.saturating_sub(1);
    // Any sane cap is reached long before 2^30; stopping there keeps the
    // shift and the multiplication in range.
    let factor = 1i32 << doublings.min(30);
    (BACKOFF_BASE * factor).min(BACKOFF_CAP)
}

/// A server-given time, cut to at most FLOOR_CAP after `now`.
pub fn capped_floor(floor: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    floor.min(now + FLOOR_CAP)
}

/// 64-bit FNV-1a, written out so a feed's jitter is the same across runs,
/// platforms and compiler versions (std's hashers promise none of that).
fn fnv1a_64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;
    use std::time::Duration;

    use chrono::TimeZone;

    use super::*;

    fn cron(expr: &str) -> Schedule {
        Schedule {
            expr: expr.to_owned(),
            cron: cron::Schedule::from_str(expr).unwrap(),
        }
    }

    #[test]
    fn fnv1a_matches_published_test_vectors() {
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn jitter_is_stable_for_a_feed_and_within_max_jitter() {
        let every_five = cron("0 */5 * * * *");
        let max = Duration::from_secs(60);
        for id in ["ap-world", "reuters-top", "afp-fr", "x", ""] {
            let first = jitter(id, &every_five, max);
            assert_eq!(first, jitter(id, &every_five, max), "{id}");
            assert!(
                first >= TimeDelta::zero() && first < TimeDelta::seconds(60),
                "{id}: {first}"
            );
        }
    }

    #[test]
    fn jitter_of_an_every_second_schedule_stays_under_a_quarter_second() {
        let every_second = cron("* * * * * *");
        let max = Duration::from_secs(300);
        for id in ["ap-world", "reuters-top", "afp-fr", "dpa", "efe"] {
            let j = jitter(id, &every_second, max);
            assert!(j < TimeDelta::milliseconds(250), "{id}: {j}");
        }
    }

    #[test]
    fn jitter_is_capped_by_the_shortest_gap_of_an_uneven_schedule() {
        // Runs at :00 and :10 each hour: the 10-minute gap caps jitter at 2.5 min.
        let uneven = cron("0 0,10 * * * *");
        let j = jitter("ap-world", &uneven, Duration::from_secs(3600));
        assert!(j < TimeDelta::seconds(150), "{j}");
    }

    #[test]
    fn an_enormous_max_jitter_never_panics() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 5, 10).unwrap();
        let every_five = cron("0 */5 * * * *");
        let j = jitter("ap-world", &every_five, Duration::MAX);
        assert!(j < TimeDelta::seconds(75), "{j}");
        // A one-off run has no interval to cap the jitter with.
        let once = cron("0 0 0 1 1 * 2030");
        let j = jitter("ap-world", &once, Duration::MAX);
        let _ = next_slot(&once, j, now);
    }

    #[test]
    fn zero_max_jitter_means_no_jitter() {
        assert_eq!(
            jitter("ap-world", &cron("0 */5 * * * *"), Duration::ZERO),
            TimeDelta::zero()
        );
    }

    #[test]
    fn next_slot_keeps_a_slot_whose_jittered_time_is_still_ahead() {
        let every_five = cron("0 */5 * * * *");
        let jitter = TimeDelta::seconds(40);
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 5, 10).unwrap();
        assert_eq!(
            next_slot(&every_five, jitter, now),
            Some(Utc.with_ymd_and_hms(2026, 3, 2, 9, 5, 40).unwrap())
        );
        let at_slot = Utc.with_ymd_and_hms(2026, 3, 2, 9, 5, 40).unwrap();
        assert_eq!(
            next_slot(&every_five, jitter, at_slot),
            Some(Utc.with_ymd_and_hms(2026, 3, 2, 9, 10, 40).unwrap())
        );
    }

    #[test]
    fn next_slot_is_none_when_the_schedule_has_ended() {
        let in_2020 = cron("0 0 0 1 1 * 2020");
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 5, 10).unwrap();
        assert_eq!(next_slot(&in_2020, TimeDelta::zero(), now), None);
    }

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        let seconds: Vec<i64> = (1..=10).map(|n| backoff(n).num_seconds()).collect();
        assert_eq!(
            seconds,
            [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
        );
        assert_eq!(backoff(u32::MAX), BACKOFF_CAP);
    }
}
