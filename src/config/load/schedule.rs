//! Cron schedules as editors write them (crontab's 5 fields, or 6 with
//! seconds first), turned into `cron::Schedule`.
//!
//! The `cron` crate wants seconds first and numbers days of the week 1-7
//! from Sunday, while crontab numbers them 0-7 with both 0 and 7 meaning
//! Sunday. Day-of-week numbers are translated so `* * * * 1-5` means
//! Monday to Friday here too, as it does in crontab.

use std::str::FromStr;

use crate::config::Schedule;

const DAY_NAMES: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// Parses a 5-field crontab expression (run at second 0), a 6-field one with
/// seconds first, or a shorthand like `@hourly`.
pub(super) fn parse_schedule(expr: &str) -> Result<Schedule, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let for_crate = match fields.as_slice() {
        [shorthand] if shorthand.starts_with('@') => shorthand.to_string(),
        [minute, hour, day, month, weekday] => {
            format!(
                "0 {minute} {hour} {day} {month} {}",
                crate_weekdays(weekday)?
            )
        }
        [second, minute, hour, day, month, weekday] => {
            format!(
                "{second} {minute} {hour} {day} {month} {}",
                crate_weekdays(weekday)?
            )
        }
        _ => {
            return Err(format!(
                "schedule `{expr}` has {} fields; expected 5 (minute hour day month weekday) or 6 (second first)",
                fields.len()
            ));
        }
    };
    let cron = cron::Schedule::from_str(&for_crate)
        .map_err(|err| format!("invalid schedule `{expr}`: {err}"))?;
    Ok(Schedule {
        expr: expr.to_string(),
        cron,
    })
}

/// True when both day fields are restricted. crontab then runs on days that
/// match *either*; the cron crate runs only on days that match *both*.
pub(super) fn restricts_both_days(expr: &str) -> bool {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let days = match fields.as_slice() {
        [_, _, day, _, weekday] | [_, _, _, day, _, weekday] => [day, weekday],
        _ => return false,
    };
    days.iter().all(|field| !matches!(**field, "*" | "?"))
}

/// Rewrites a crontab day-of-week field (0-7, names, ranges, lists, steps)
/// as the cron crate's list of days 1-7 from Sunday.
fn crate_weekdays(field: &str) -> Result<String, String> {
    if field == "*" || field == "?" {
        return Ok(field.to_string());
    }
    let mut days = [false; 7];
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => {
                let step: usize =
                    step.parse().ok().filter(|&s| s > 0).ok_or_else(|| {
                        format!("day-of-week step `{step}` must be a number above 0")
                    })?;
                (range, step)
            }
            None => (item, 1),
        };
        let (first, last) = match range {
            "*" | "?" => (0, 6),
            _ => match range.split_once('-') {
                Some((a, b)) => (weekday(a)?, weekday(b)?),
                // crontab reads `2/3` as "from 2 to the end, every 3".
                None if step > 1 => (weekday(range)?, 6),
                None => (weekday(range)?, weekday(range)?),
            },
        };
        if first > last {
            return Err(format!("day-of-week range `{range}` runs backwards"));
        }
        for day in (first..=last).step_by(step) {
            days[day % 7] = true;
        }
    }
    let list: Vec<String> = (0..7)
        .filter(|&day| days[day])
        .map(|day| (day + 1).to_string())
        .collect();
    Ok(list.join(","))
}

/// A crontab day of the week: 0-7 (0 and 7 are Sunday) or a name. Sunday
/// as 7 stays 7 here so ranges like `5-7` work; callers fold it with `% 7`.
fn weekday(text: &str) -> Result<usize, String> {
    if let Ok(n) = text.parse::<usize>() {
        return if n <= 7 {
            Ok(n)
        } else {
            Err(format!(
                "day of week `{text}` must be 0-7 (0 and 7 are Sunday)"
            ))
        };
    }
    let lower = text.to_ascii_lowercase();
    DAY_NAMES
        .iter()
        // `get`, not `[..3]`: the name may start with a multi-byte letter
        // ("الاثنين"), and three bytes would end inside it.
        .position(|name| {
            lower
                .get(..3)
                .is_some_and(|prefix| name.starts_with(prefix))
                && is_day_name(&lower)
        })
        .ok_or_else(|| format!("`{text}` is not a day of the week (0-7 or SUN..SAT)"))
}

fn is_day_name(lower: &str) -> bool {
    const FULL: [&str; 7] = [
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ];
    lower.len() == 3 || FULL.contains(&lower)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::{DateTime, Datelike, TimeZone, Timelike, Utc, Weekday};

    use super::*;

    fn next_runs(expr: &str, count: usize) -> Vec<DateTime<Utc>> {
        let schedule = parse_schedule(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 30).unwrap(); // a Monday
        schedule.cron.after(&start).take(count).collect()
    }

    #[test]
    fn five_field_schedule_runs_at_second_zero() {
        let runs = next_runs("*/5 * * * *", 3);
        assert!(runs.iter().all(|t| t.second() == 0 && t.minute() % 5 == 0));
        assert_eq!(runs[0], Utc.with_ymd_and_hms(2024, 1, 1, 0, 5, 0).unwrap());
    }

    #[test]
    fn six_field_schedule_has_seconds_first() {
        let runs = next_runs("15 */10 * * * *", 2);
        assert_eq!(
            runs[0],
            Utc.with_ymd_and_hms(2024, 1, 1, 0, 10, 15).unwrap()
        );
        assert_eq!(
            runs[1],
            Utc.with_ymd_and_hms(2024, 1, 1, 0, 20, 15).unwrap()
        );
    }

    #[test]
    fn weekday_zero_fires_on_sunday_as_in_crontab() {
        for run in next_runs("* * * * 0", 5) {
            assert_eq!(run.weekday(), Weekday::Sun);
        }
        assert_eq!(next_runs("0 12 * * 7", 1)[0].weekday(), Weekday::Sun);
    }

    #[test]
    fn weekday_ranges_and_lists_mean_what_they_mean_in_crontab() {
        let weekdays: Vec<Weekday> = next_runs("0 9 * * 1-5", 7)
            .iter()
            .map(|t| t.weekday())
            .collect();
        assert_eq!(
            weekdays,
            [
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
                Weekday::Mon,
                Weekday::Tue
            ]
        );
        let weekend: Vec<Weekday> = next_runs("0 9 * * 0,6", 2)
            .iter()
            .map(|t| t.weekday())
            .collect();
        assert_eq!(weekend, [Weekday::Sat, Weekday::Sun]);
        let fri_to_sun: Vec<Weekday> = next_runs("0 9 * * 5-7", 3)
            .iter()
            .map(|t| t.weekday())
            .collect();
        assert_eq!(fri_to_sun, [Weekday::Fri, Weekday::Sat, Weekday::Sun]);
    }

    #[test]
    fn weekday_names_are_accepted() {
        let days: Vec<Weekday> = next_runs("0 9 * * MON-FRI", 5)
            .iter()
            .map(|t| t.weekday())
            .collect();
        assert_eq!(
            days,
            [
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri
            ]
        );
        assert_eq!(next_runs("0 9 * * sun", 1)[0].weekday(), Weekday::Sun);
    }

    #[test]
    fn bad_schedules_are_rejected_with_a_reason() {
        assert!(parse_schedule("* * * *").unwrap_err().contains("4 fields"));
        assert!(
            parse_schedule("61 * * * *")
                .unwrap_err()
                .contains("invalid schedule")
        );
        assert!(parse_schedule("* * * * 8").unwrap_err().contains("0-7"));
        assert!(parse_schedule("* * * * funday").is_err());
        assert!(
            parse_schedule("* * * * 5-1")
                .unwrap_err()
                .contains("backwards")
        );
    }

    #[test]
    fn both_day_fields_restricted_is_detected() {
        assert!(restricts_both_days("0 9 1 * MON"));
        assert!(restricts_both_days("0 0 9 13 * 5"));
        assert!(!restricts_both_days("0 9 * * MON"));
        assert!(!restricts_both_days("0 9 1 * *"));
        assert!(!restricts_both_days("@daily"));
    }

    #[test]
    fn shortest_interval_of_common_schedules() {
        let every_two = parse_schedule("*/2 * * * *").unwrap();
        assert_eq!(
            every_two.shortest_interval(),
            Some(Duration::from_secs(120))
        );
        let every_ten_seconds = parse_schedule("*/10 * * * * *").unwrap();
        assert_eq!(
            every_ten_seconds.shortest_interval(),
            Some(Duration::from_secs(10))
        );
    }
}
