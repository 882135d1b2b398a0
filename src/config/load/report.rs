//! Collects problems while feeds.toml is walked, turning byte spans from the
//! TOML parser into the 1-based line and column an editor can jump to.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::config::{Problem, Problems, Severity};

/// Byte offsets where each line starts, to map spans to line:column.
struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line, column)
    }
}

/// The problems found so far in one file.
pub(super) struct Report<'t> {
    file: PathBuf,
    lines: LineIndex<'t>,
    problems: Vec<Problem>,
}

impl<'t> Report<'t> {
    pub(super) fn new(file: &Path, text: &'t str) -> Self {
        Report {
            file: file.to_path_buf(),
            lines: LineIndex::new(text),
            problems: Vec::new(),
        }
    }

    /// 1-based line of a byte offset.
    pub(super) fn line_of(&self, offset: usize) -> usize {
        self.lines.position(offset).0
    }

    /// Whether an error (not only warnings) was reported so far.
    pub(super) fn has_errors(&self) -> bool {
        self.problems
            .iter()
            .any(|problem| problem.severity == Severity::Error)
    }

    pub(super) fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.add(Severity::Error, Some(span), message.into(), None);
    }

    pub(super) fn warning(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.add(Severity::Warning, Some(span), message.into(), None);
    }

    pub(super) fn error_with_hint(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.add(Severity::Error, Some(span), message.into(), hint);
    }

    pub(super) fn warning_with_hint(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.add(Severity::Warning, Some(span), message.into(), hint);
    }

    /// A problem about the whole file rather than one spot in it.
    pub(super) fn file_error(&mut self, message: impl Into<String>, hint: Option<String>) {
        self.add(Severity::Error, None, message.into(), hint);
    }

    fn add(
        &mut self,
        severity: Severity,
        span: Option<Range<usize>>,
        message: String,
        hint: Option<String>,
    ) {
        let position = span.map(|span| self.lines.position(span.start));
        self.problems.push(Problem {
            severity,
            file: self.file.clone(),
            line: position.map(|(line, _)| line),
            column: position.map(|(_, column)| column),
            message,
            hint,
        });
    }

    /// All problems, whole-file ones first, then in file order.
    pub(super) fn finish(mut self) -> Problems {
        self.problems.sort_by_key(|p| (p.line, p.column));
        Problems(self.problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let index = LineIndex::new("a = 1\nké = \"x\"\n");
        assert_eq!(index.position(0), (1, 1));
        assert_eq!(index.position(4), (1, 5));
        assert_eq!(index.position(6), (2, 1));
        // "ké = " is 6 bytes but 5 characters.
        assert_eq!(index.position(12), (2, 6));
    }
}
