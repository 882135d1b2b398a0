//! Published and updated dates: fallbacks for undated items, and dates no
//! news item can have (year 9999, year 0) treated as no date at all.
//!
//! A date far in the future must not pin a story on top: clamping it to the
//! fetch time would re-date it at every fetch (each fetch is a new "now",
//! newer than the stored one, so the story would be updated and rise again
//! each time). Treated as no date, the story gets the time it was first seen
//! and keeps it across fetches, like any undated item.

use chrono::{DateTime, Duration, Utc};

/// How far ahead of our clock a date may be before it is implausible:
/// clocks drift and feeds round, but not by more than this.
const FUTURE_TOLERANCE: Duration = Duration::minutes(10);

/// Nothing syndicated predates the Unix epoch; earlier dates are CMS
/// placeholders ("0000-00-00") or parse accidents.
const EARLIEST: DateTime<Utc> = DateTime::UNIX_EPOCH;

/// The dates an article is published with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dates {
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// The item's own date (published, else updated) when plausible: what
    /// attribution reports, and what tells the store the date is not ours.
    pub source: Option<DateTime<Utc>>,
}

/// Whether `date` can be a news item's date at `now`.
pub(crate) fn is_plausible(date: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    date >= EARLIEST && date <= now + FUTURE_TOLERANCE
}

/// published = the item's published, else its updated, else `now` (first
/// seen); updated = the item's updated, else published. Implausible dates
/// (before 1970, more than ten minutes ahead of `now`) count as absent.
pub(crate) fn resolve(
    published: Option<DateTime<Utc>>,
    updated: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Dates {
    let plausible = |date: Option<DateTime<Utc>>| date.filter(|d| is_plausible(*d, now));
    let (published, updated) = (plausible(published), plausible(updated));
    let source = published.or(updated);
    let published = source.unwrap_or(now);
    Dates {
        published,
        updated: updated.unwrap_or(published),
        source,
    }
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
        let dates = resolve(None, None, now());
        assert_eq!(
            dates,
            Dates {
                published: now(),
                updated: now(),
                source: None,
            }
        );
    }

    #[test]
    fn updated_stands_in_for_a_missing_published() {
        let updated = now() - Duration::hours(2);
        assert_eq!(
            resolve(None, Some(updated), now()),
            Dates {
                published: updated,
                updated,
                source: Some(updated),
            }
        );
    }

    #[test]
    fn far_future_date_counts_as_no_date_but_small_skew_is_kept() {
        let skewed = now() + Duration::minutes(5);
        assert_eq!(resolve(Some(skewed), None, now()).published, skewed);
        let future = now() + Duration::days(3);
        assert_eq!(
            resolve(Some(future), Some(future), now()),
            Dates {
                published: now(),
                updated: now(),
                source: None,
            }
        );
    }

    #[test]
    fn dates_before_1970_count_as_no_date() {
        let zero = Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap();
        let fine = now() - Duration::hours(1);
        assert_eq!(
            resolve(Some(zero), Some(fine), now()),
            Dates {
                published: fine,
                updated: fine,
                source: Some(fine),
            }
        );
        assert!(!is_plausible(zero, now()));
        assert!(is_plausible(DateTime::UNIX_EPOCH, now()));
    }
}
