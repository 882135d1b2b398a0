//! Process-wide allocator tuning, applied once at start by the binary (and
//! by the benches, so they measure what the binary does).

/// Caps glibc's malloc arenas at two. Under contention glibc gives threads
/// arenas of their own, up to eight per core, and memory freed in one arena
/// never serves another: with a cycle's parsing spread over the blocking
/// pool's threads, a fifth of the peak memory was memory freed but kept by
/// idle arenas (figures in benches/README.md, "Decisions").
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes tuning parameters of glibc's allocator;
    // it takes the allocator's own lock and is safe to call at any time.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
