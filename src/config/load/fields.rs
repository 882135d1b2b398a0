//! Typed, spanned access to one table of the parsed TOML tree. Every read
//! that fails (wrong type, missing required key) and every key nobody reads
//! becomes a problem in the [`Report`], so a walk finds all of them at once.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::report::Report;
use super::suggest::did_you_mean;

pub(super) type Value<'i> = Spanned<DeValue<'i>>;

/// One table of feeds.toml and how to name it in messages.
pub(super) struct Fields<'t, 'i> {
    table: &'t DeTable<'i>,
    /// Where the table starts (its header), for "missing key" problems.
    span: Range<usize>,
    /// How messages name it: `[site]`, `[[feed]] "ap-world"`.
    pub(super) what: String,
}

impl<'t, 'i> Fields<'t, 'i> {
    /// Wraps a table and reports every key not in `known`.
    pub(super) fn new(
        table: &'t DeTable<'i>,
        span: Range<usize>,
        what: String,
        known: &[&str],
        report: &mut Report<'_>,
    ) -> Self {
        for (key, _) in table.iter() {
            if !known.contains(&key.get_ref().as_ref()) {
                report.error_with_hint(
                    key.span(),
                    format!("unknown key `{}` in {what}", key.get_ref()),
                    did_you_mean(key.get_ref(), known.iter().copied())
                        .or_else(|| Some(format!("known keys here: {}", known.join(", ")))),
                );
            }
        }
        Fields { table, span, what }
    }

    /// Where the table starts.
    pub(super) fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    pub(super) fn get(&self, key: &str) -> Option<&'t Value<'i>> {
        self.table.get(key)
    }

    pub(super) fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }

    fn wrong_type(&self, key: &str, value: &Value<'_>, expected: &str, report: &mut Report<'_>) {
        report.error(
            value.span(),
            format!(
                "`{key}` in {} must be {expected}, found {}",
                self.what,
                value.get_ref().type_str()
            ),
        );
    }

    /// Reports a missing required key at the table's header.
    pub(super) fn missing(&self, key: &str, report: &mut Report<'_>) {
        report.error(
            self.span(),
            format!("{} is missing required key `{key}`", self.what),
        );
    }

    pub(super) fn string(&self, key: &str, report: &mut Report<'_>) -> Option<Spanned<String>> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some(Spanned::new(value.span(), s.to_string())),
            _ => {
                self.wrong_type(key, value, "a string", report);
                None
            }
        }
    }

    /// A string that must be there; reports it when missing.
    pub(super) fn required_string(
        &self,
        key: &str,
        report: &mut Report<'_>,
    ) -> Option<Spanned<String>> {
        if !self.has(key) {
            self.missing(key, report);
        }
        self.string(key, report)
    }

    pub(super) fn integer(&self, key: &str, report: &mut Report<'_>) -> Option<Spanned<i64>> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some(Spanned::new(value.span(), n)),
                Err(_) => {
                    report.error(
                        value.span(),
                        format!("`{key}` in {} is too large", self.what),
                    );
                    None
                }
            },
            _ => {
                self.wrong_type(key, value, "an integer", report);
                None
            }
        }
    }

    /// An integer greater than zero, as a count.
    pub(super) fn positive(&self, key: &str, report: &mut Report<'_>) -> Option<usize> {
        let n = self.integer(key, report)?;
        match usize::try_from(*n.get_ref()) {
            Ok(count) if count > 0 => Some(count),
            _ => {
                report.error(
                    n.span(),
                    format!(
                        "`{key}` in {} must be greater than 0, found {}",
                        self.what,
                        n.get_ref()
                    ),
                );
                None
            }
        }
    }

    pub(super) fn bool(&self, key: &str, report: &mut Report<'_>) -> Option<bool> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(key, value, "true or false", report);
                None
            }
        }
    }

    /// An array of strings; each wrong element is reported on its own.
    pub(super) fn strings(&self, key: &str, report: &mut Report<'_>) -> Option<Vec<String>> {
        let value = self.get(key)?;
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(key, value, "an array of strings, like [\"world\"]", report);
            return None;
        };
        let mut strings = Vec::with_capacity(items.len());
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => strings.push(s.to_string()),
                other => report.error(
                    item.span(),
                    format!(
                        "`{key}` in {} must hold only strings, found {}",
                        self.what,
                        other.type_str()
                    ),
                ),
            }
        }
        Some(strings)
    }

    /// A sub-table (`[site]`, or `site = { ... }`).
    pub(super) fn table(
        &self,
        key: &str,
        report: &mut Report<'_>,
    ) -> Option<(&'t DeTable<'i>, Range<usize>)> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Table(table) => Some((table, value.span())),
            _ => {
                self.wrong_type(key, value, &format!("a table, written [{key}]"), report);
                None
            }
        }
    }

    /// An array of tables, each with the span of its header. `header` is how
    /// the editor writes one (`[[feed.rule]]`), for messages.
    pub(super) fn tables(
        &self,
        key: &str,
        header: &str,
        report: &mut Report<'_>,
    ) -> Vec<(&'t DeTable<'i>, Range<usize>)> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(
                key,
                value,
                &format!("a list of tables, each written {header}"),
                report,
            );
            return Vec::new();
        };
        let mut tables = Vec::with_capacity(items.len());
        for item in items.iter() {
            match item.get_ref() {
                DeValue::Table(table) => tables.push((table, item.span())),
                other => report.error(
                    item.span(),
                    format!("each `{key}` must be a table, found {}", other.type_str()),
                ),
            }
        }
        tables
    }
}
