//! Keys that several tables share (`schedule`, `timeout`, `max_body` in
//! `[defaults]` and `[[feed]]`; `language` in `[site]` and `[[feed]]`), read
//! and checked the same way wherever they appear.

use toml::de::DeValue;

use super::fields::Fields;
use super::report::Report;
use super::schedule::{parse_schedule, restricts_both_days};
use super::units::{parse_duration, parse_size};
use super::values::is_language;
use crate::config::Schedule;

/// The `language` key of any table, checked to look like BCP 47.
pub(super) fn language(fields: &Fields<'_, '_>, report: &mut Report<'_>) -> Option<String> {
    let code = fields.string("language", report)?;
    if is_language(code.get_ref()) {
        Some(code.into_inner())
    } else {
        report.error_with_hint(
            code.span(),
            format!(
                "`language` in {} is not a language code: `{}`",
                fields.what,
                code.get_ref()
            ),
            Some("use a BCP 47 code like \"en\", \"ar\" or \"pt-BR\"".to_string()),
        );
        None
    }
}

/// The `schedule` key of `[defaults]` or a `[[feed]]`.
pub(super) fn schedule(fields: &Fields<'_, '_>, report: &mut Report<'_>) -> Option<Schedule> {
    let expr = fields.string("schedule", report)?;
    if restricts_both_days(expr.get_ref()) {
        report.warning_with_hint(
            expr.span(),
            format!(
                "`schedule` in {} sets both day of month and day of week: it runs only on days matching both (crontab would run on days matching either)",
                fields.what
            ),
            Some("set one of the two day fields to *".to_string()),
        );
    }
    parse_schedule(expr.get_ref())
        .map_err(|err| {
            report.error_with_hint(
                expr.span(),
                format!("`schedule` in {}: {err}", fields.what),
                Some("use 5 cron fields, like \"*/5 * * * *\" (every five minutes)".to_string()),
            )
        })
        .ok()
}

/// The `timeout` key of `[defaults]` or a `[[feed]]`.
pub(super) fn timeout(
    fields: &Fields<'_, '_>,
    report: &mut Report<'_>,
) -> Option<std::time::Duration> {
    let text = fields.string("timeout", report)?;
    parse_duration(text.get_ref())
        .map_err(|err| report.error(text.span(), format!("`timeout` in {}: {err}", fields.what)))
        .ok()
}

/// The `max_body` key: bytes as an integer, or a string with a unit.
pub(super) fn max_body(fields: &Fields<'_, '_>, report: &mut Report<'_>) -> Option<u64> {
    let value = fields.get("max_body")?;
    let parsed = match value.get_ref() {
        DeValue::Integer(_) => {
            let n = fields.integer("max_body", report)?;
            u64::try_from(*n.get_ref())
                .ok()
                .filter(|&bytes| bytes > 0)
                .ok_or_else(|| format!("must be greater than 0, found {}", n.get_ref()))
        }
        DeValue::String(text) => parse_size(text),
        other => Err(format!(
            "must be bytes (an integer) or a size like \"10MiB\", found {}",
            other.type_str()
        )),
    };
    parsed
        .map_err(|err| {
            report.error(
                value.span(),
                format!("`max_body` in {}: {err}", fields.what),
            )
        })
        .ok()
}
