//! Peak memory of the bench process, from Linux's `/proc/self/status`.
//!
//! VmHWM is the most resident memory the process held at once since it
//! started, or since [`reset_peak`]: heap in use, heap the allocator kept
//! after a free, thread stacks, and the code. Not memory of child
//! processes, nor the kernel's page cache of the files read and written.

/// The peak resident memory so far, as Linux prints it (`123456 kB`).
pub fn peak() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l[6..].trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Lowers the peak to the memory resident now (Linux 4.0 and later), so
/// that what comes next is measured alone; false where that is not allowed.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
