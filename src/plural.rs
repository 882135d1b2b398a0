//! Counts as people read them: "1 error", "2 errors", "0 feeds". Every count
//! printed for a person goes through [`count`], so none says "1 errors".

/// `n` followed by `one` when `n` is 1, else by `many`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_zero_and_more_are_plural() {
        assert_eq!(count(1, "error", "errors"), "1 error");
        assert_eq!(count(0, "error", "errors"), "0 errors");
        assert_eq!(count(2, "entry", "entries"), "2 entries");
    }
}
