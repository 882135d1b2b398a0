//! Peak memory of the bench process, from Linux's `/proc/self/status`.
//!
//! VmHWM is the most resident memory the process held at once since it
//! started (or since a reset through `/proc/self/clear_refs`): heap in use,
//! heap the allocator kept after a free, thread stacks, and the code. Not
//! the memory of child processes, nor the kernel's page cache of the files
//! read and written.

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
