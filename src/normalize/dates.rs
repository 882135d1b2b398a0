//! Published and updated dates: fallbacks for undated items, and clamping of
//! dates in the future so a mis-set agency clock cannot pin a story on top.

use chrono::{DateTime, Duration, Utc};

/// How far ahead of our clock a date may be before it is clamped: clocks
/// drift and feeds round, but not by more than this.
const FUTURE_TOLERANCE: Duration = Duration::minutes(10);

/// The dates an article is published with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dates {
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

/// published = the item's published, else its updated, else `now` (first
/// seen); updated = the item's updated, else published. Each date more than
/// ten minutes ahead of `now` becomes `now`.
pub(crate) fn resolve(
    feed_id: &str,
    published: Option<DateTime<Utc>>,
    updated: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Dates {
    let clamp = |date: DateTime<Utc>| {
        if date > now + FUTURE_TOLERANCE {
            tracing::debug!(feed = %feed_id, date = %date, now = %now, "date in the future clamped to now");
            now
        } else {
            date
        }
    };
    let published = published.or(updated).map_or(now, clamp);
    let updated = updated.map_or(published, clamp);
    Dates { published, updated }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
    }

    #[test]
    fn undated_item_is_published_when_first_seen() {
        let dates = resolve("f", None, None, now());
        assert_eq!(
            dates,
            Dates {
                published: now(),
                updated: now()
            }
        );
    }

    #[test]
    fn updated_stands_in_for_a_missing_published() {
        let updated = now() - Duration::hours(2);
        assert_eq!(
            resolve("f", None, Some(updated), now()),
            Dates {
                published: updated,
                updated
            }
        );
    }

    #[test]
    fn far_future_date_is_clamped_but_small_skew_is_kept() {
        let skewed = now() + Duration::minutes(5);
        assert_eq!(resolve("f", Some(skewed), None, now()).published, skewed);
        let future = now() + Duration::days(3);
        assert_eq!(
            resolve("f", Some(future), Some(future), now()),
            Dates {
                published: now(),
                updated: now()
            }
        );
    }
}
