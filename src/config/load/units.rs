//! Durations ("1h30m") and byte sizes ("10MiB") as editors write them.

use std::time::Duration;

/// Parses "500ms", "20s", "5m", "1h", "1h30m": whole numbers, each with a unit.
pub(super) fn parse_duration(text: &str) -> Result<Duration, String> {
    let expected = "expected a duration like \"500ms\", \"20s\", \"5m\", \"1h\" or \"1h30m\"";
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(format!("empty duration; {expected}"));
    }
    let mut total = Duration::ZERO;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let number: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{text}` is not a duration; {expected}"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let part = match &rest[..unit_len] {
            "ms" => Duration::from_millis(number),
            "s" => Duration::from_secs(number),
            "m" => Duration::from_secs(number.saturating_mul(60)),
            "h" => Duration::from_secs(number.saturating_mul(3600)),
            _ => return Err(format!("`{text}` is not a duration; {expected}")),
        };
        total = total.saturating_add(part);
        rest = &rest[unit_len..];
    }
    if total.is_zero() {
        return Err(format!("duration `{text}` must be longer than zero"));
    }
    Ok(total)
}

/// Parses a byte size: "1048576", "512KiB", "10MiB", "1GiB" (powers of 1024)
/// or "1KB", "1MB", "1GB" (powers of 1000). Units are case-insensitive.
pub(super) fn parse_size(text: &str) -> Result<u64, String> {
    let expected = "expected bytes like 1048576, \"512KiB\", \"10MiB\" or \"1MB\"";
    let trimmed = text.trim();
    let digits = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let number: u64 = trimmed[..digits]
        .parse()
        .map_err(|_| format!("`{text}` is not a size; {expected}"))?;
    let multiplier: u64 = match trimmed[digits..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "mb" => 1000 * 1000,
        "gb" => 1000 * 1000 * 1000,
        "kib" => 1024,
        "mib" => 1024 * 1024,
        "gib" => 1024 * 1024 * 1024,
        _ => return Err(format!("`{text}` is not a size; {expected}")),
    };
    let bytes = number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("size `{text}` is too large"))?;
    if bytes == 0 {
        return Err(format!("size `{text}` must be greater than zero"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_every_unit_and_combined() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
    }

    #[test]
    fn durations_without_unit_or_with_unknown_unit_are_rejected() {
        for bad in ["20", "20 s", "5 minutes", "1.5h", "", "h", "0s", "-5s"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn sizes_with_binary_and_decimal_units() {
        assert_eq!(parse_size("10MiB"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("512KiB"), Ok(512 * 1024));
        assert_eq!(parse_size("1MB"), Ok(1_000_000));
        assert_eq!(parse_size("2 gib"), Ok(2 * 1024 * 1024 * 1024));
        assert_eq!(parse_size("4096"), Ok(4096));
    }

    #[test]
    fn sizes_with_unknown_unit_or_zero_are_rejected() {
        for bad in [
            "10 megs",
            "MiB",
            "0KiB",
            "1.5MiB",
            "99999999999999999999GiB",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
