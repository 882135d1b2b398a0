//! What is wrong with a `feeds.toml`: one [`Problem`] per mistake, each with
//! its file, line and column, printed the way compilers print them so editors
//! and terminals can jump to the spot.

use std::fmt;
use std::path::PathBuf;

/// How bad a problem is: errors stop the file from loading, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One mistake (or risky setting) found in feeds.toml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// The file as it was named to the loader.
    pub file: PathBuf,
    /// 1-based; `None` when the problem is about the whole file (unreadable, a missing table).
    pub line: Option<usize>,
    /// 1-based, counted in characters.
    pub column: Option<usize>,
    pub message: String,
    /// A suggestion printed under the message ("did you mean ...").
    pub hint: Option<String>,
}

impl Problem {
    /// True for problems that stop the file from loading.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}: {}", self.severity, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  help: {hint}")?;
        }
        Ok(())
    }
}

/// Every problem found in one file, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// True when at least one problem is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Problem::is_error)
    }

    /// The problems that stop the file from loading.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter().filter(|p| p.severity == Severity::Error)
    }

    /// The problems that do not stop the file from loading.
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter().filter(|p| p.severity == Severity::Warning)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(severity: Severity, line: Option<usize>, hint: Option<&str>) -> Problem {
        Problem {
            severity,
            file: PathBuf::from("feeds.toml"),
            line,
            column: line.map(|_| 9),
            message: "unknown key `shedule` in [[feed]] \"ap-world\"".to_string(),
            hint: hint.map(str::to_string),
        }
    }

    #[test]
    fn problem_prints_like_a_compiler_with_the_hint_on_its_own_line() {
        let p = problem(Severity::Error, Some(12), Some("did you mean `schedule`?"));
        assert_eq!(
            p.to_string(),
            "feeds.toml:12:9: error: unknown key `shedule` in [[feed]] \"ap-world\"\n  help: did you mean `schedule`?"
        );
    }

    #[test]
    fn problem_without_position_prints_only_the_file() {
        let p = problem(Severity::Warning, None, None);
        assert!(
            p.to_string()
                .starts_with("feeds.toml: warning: unknown key")
        );
    }

    #[test]
    fn problems_split_into_errors_and_warnings() {
        let all = Problems(vec![
            problem(Severity::Warning, Some(1), None),
            problem(Severity::Error, Some(2), None),
        ]);
        assert!(all.has_errors());
        assert_eq!(all.errors().count(), 1);
        assert_eq!(all.warnings().count(), 1);
        assert_eq!(all.to_string().lines().count(), 2);
        assert!(!Problems(vec![problem(Severity::Warning, Some(1), None)]).has_errors());
    }
}
