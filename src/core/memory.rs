//! How the allocator treats freed memory: kept for the next surface rebuild, not handed back.

/// The largest block taken from the heap; larger ones are mapped on their own. Above a 512²
/// rebuild's largest buffer (the 4 MB field) with room to spare.
const MMAP_THRESHOLD: i32 = 32 << 20;
/// How much freed heap may stay kept at its top: above all of a rebuild's buffers together
/// (about 15 MB).
const TRIM_THRESHOLD: i32 = 64 << 20;

/// Keeps freed heap for reuse. glibc by default hands freed blocks back to the system and
/// moves its thresholds as blocks come and go, so a 512² rebuild faulted its buffers in afresh
/// in some processes (0.9–1.7 M page faults, 16–26 ms) and not in others (80–140 K, 10–12
/// ms); fixed thresholds keep every process at the second. Other allocators are left as
/// they are.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets two of the allocator's parameters; glibc takes its own lock.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    }
}
