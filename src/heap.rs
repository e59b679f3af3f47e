//! A counting global allocator: the live heap in bytes and its peak.
//!
//! The page installs it (WebAssembly), so time travel can keep its checkpoints within a byte
//! budget: a checkpoint weighs what its clone allocated ([`measured_clone`]). Native binaries may
//! install it too (`#[global_allocator] static A: Counting = Counting;`), as the memory benchmark
//! and test do; where it is not installed every figure here is 0.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting.
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is passed on unchanged to the system allocator; the counters are plain
// atomics and never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            grew(new_size - layout.size());
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes allocated and not yet freed.
pub fn live_bytes() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// The most [`live_bytes`] has been.
pub fn peak_bytes() -> usize {
    PEAK.load(Ordering::Relaxed)
}

/// A clone of `value` and the bytes the clone allocated. Exact while no other thread allocates
/// (the page has one thread; the native memory test takes a lock).
pub fn measured_clone<T: Clone>(value: &T) -> (T, usize) {
    let before = live_bytes();
    let copy = value.clone();
    let bytes = live_bytes().saturating_sub(before);
    (copy, bytes)
}
