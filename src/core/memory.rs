//! How the allocator treats freed memory: kept for the next surface rebuild, not handed back.

/// The largest block taken from the heap (larger ones are mapped on their own), and how much
/// freed heap may stay kept: fixed above a 512² rebuild's buffers (about 15 MB).
const MMAP_THRESHOLD: i32 = 32 << 20;
const TRIM_THRESHOLD: i32 = 64 << 20;

/// Keeps freed heap for reuse. glibc by default hands freed blocks back to the system and
/// moves its thresholds as blocks come and go, so a 512² rebuild faulted its buffers in afresh
/// in some processes (1.5 M page faults, 16–24 ms) and not in others (80 K, 9–12 ms); fixed
/// thresholds keep it at the second (20 K). Other allocators are left as they are.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets two of the allocator's parameters; glibc takes its own lock.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    }
}
