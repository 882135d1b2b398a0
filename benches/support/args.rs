//! Command-line flags of the bench binaries: `--name N` numbers and
//! `--name TEXT` values, nothing more.

/// The number after `--name` on the command line, or `default` when it is
/// absent or not a number.
pub fn number(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The value after `--name` on the command line, if any.
#[allow(dead_code)]
pub fn text(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}
