//! G2 date-times (`xs:dateTime`, `xs:date`) to UTC.
//!
//! G2 writes `2018-10-21T16:25:32-05:00`, with optional fractions, `Z` or an
//! offset, or none; agencies also send `+0100` offsets and bare dates. A time
//! without a zone is taken as UTC (the G2 guidelines recommend a zone; UTC is
//! what agencies that omit it mean), a bare date as midnight UTC.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Parses a G2 date or date-time; `None` for anything else (including the
/// truncated forms `2018-10` and `2018`, which no timestamp field uses).
pub(super) fn parse_g2_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    if let Ok(at) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(at.with_timezone(&Utc));
    }
    if let Ok(at) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(at.and_utc());
    }
    let date_part = text.get(..10)?;
    let date = NaiveDate::parse_from_str(date_part, "%Y-%m-%d").ok()?;
    let midnight = date.and_hms_opt(0, 0, 0)?;
    match &text[10..] {
        "" | "Z" => Some(midnight.and_utc()),
        // A date with an offset: midnight there.
        zone => {
            let at = format!("{date_part}T00:00:00{zone}");
            DateTime::parse_from_rfc3339(&at)
                .or_else(|_| DateTime::parse_from_str(&at, "%Y-%m-%dT%H:%M:%S%z"))
                .ok()
                .map(|at| at.with_timezone(&Utc))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test date is RFC 3339")
            .with_timezone(&Utc)
    }

    #[test]
    fn offsets_fractions_and_padding_are_read_as_utc() {
        assert_eq!(
            parse_g2_datetime(" 2018-10-21T16:25:32-05:00 \n"),
            Some(utc("2018-10-21T21:25:32Z"))
        );
        assert_eq!(
            parse_g2_datetime("2018-10-19T11:17:00.150Z"),
            Some(utc("2018-10-19T11:17:00.150Z"))
        );
        assert_eq!(
            parse_g2_datetime("2018-10-21T16:25:32+0100"),
            Some(utc("2018-10-21T15:25:32Z"))
        );
    }

    #[test]
    fn a_time_without_zone_and_a_bare_date_are_utc() {
        assert_eq!(
            parse_g2_datetime("2018-10-23T12:00:00"),
            Some(utc("2018-10-23T12:00:00Z"))
        );
        assert_eq!(
            parse_g2_datetime("2018-02-05"),
            Some(utc("2018-02-05T00:00:00Z"))
        );
        assert_eq!(
            parse_g2_datetime("2018-02-05+01:00"),
            Some(utc("2018-02-04T23:00:00Z"))
        );
    }

    #[test]
    fn truncated_and_garbage_dates_are_none() {
        assert_eq!(parse_g2_datetime("2018-10"), None);
        assert_eq!(parse_g2_datetime(""), None);
        assert_eq!(parse_g2_datetime("Friday noon"), None);
        assert_eq!(parse_g2_datetime("2018-02-05\u{e9}"), None);
    }
}
