//! A counting global allocator: the live heap in bytes and its peak.
//!
//! The page installs it (WebAssembly), so time travel can keep its checkpoints within a byte
//! budget: a checkpoint weighs what its clone allocated ([`measured_clone`]). Native binaries may
//! install it too (`#[global_allocator] static A: Counting = Counting;`), as the `sim` binary,
//! the memory benchmark and test do; where it is not installed every figure here is 0, and
//! checkpoints weigh nothing (only their count is limited). Counts are kept per thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator, counting.
pub struct Counting;

// Per thread: a checkpoint is cloned on one thread, so its weight is a difference of that
// thread's count; and threads do not contend on the counters (shared atomics slowed a
// two-thread seed sweep badly). The page has one thread. `live` is signed, because a thread may
// free what another allocated. One thread-local holds all three, so an allocation looks it up once.
struct Counters {
    live: Cell<isize>,
    peak: Cell<isize>,
    allocated: Cell<u64>,
}

thread_local! {
    static COUNTERS: Counters =
        const { Counters { live: Cell::new(0), peak: Cell::new(0), allocated: Cell::new(0) } };
}

// `try_with`: never panic inside the allocator (the key has no destructor, so it does not fail
// in practice).
fn grew(bytes: usize) {
    let _ = COUNTERS.try_with(|c| {
        c.allocated.set(c.allocated.get().wrapping_add(bytes as u64));
        let now = c.live.get().wrapping_add(bytes as isize);
        c.live.set(now);
        c.peak.set(c.peak.get().max(now));
    });
}

fn shrank(bytes: usize) {
    let _ = COUNTERS.try_with(|c| c.live.set(c.live.get().wrapping_sub(bytes as isize)));
}

/// This thread's live count, signed (see [`Counters`]).
fn live() -> isize {
    COUNTERS.try_with(|c| c.live.get()).unwrap_or(0)
}

// SAFETY: every call is passed on unchanged to the system allocator; the counters are
// thread-local cells with constant initialisers and never allocate.
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
        shrank(layout.size());
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            grew(new_size - layout.size());
        } else {
            shrank(layout.size() - new_size);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes this thread allocated and not yet freed (what other threads freed of them is
/// subtracted there).
pub fn live_bytes() -> usize {
    live().max(0) as usize
}

/// The most [`live_bytes`] has been on this thread.
pub fn peak_bytes() -> usize {
    COUNTERS.try_with(|c| c.peak.get()).unwrap_or(0).max(0) as usize
}

/// Starts [`peak_bytes`] again from the live heap: the peak of what follows.
pub fn reset_peak() {
    let _ = COUNTERS.try_with(|c| c.peak.set(c.live.get()));
}

/// Bytes this thread has allocated in all (growth by `realloc` included), freed or not: what a
/// piece of work costs the allocator, whatever it gave back.
pub fn allocated_bytes() -> u64 {
    COUNTERS.try_with(|c| c.allocated.get()).unwrap_or(0)
}

/// A clone of `value` and the bytes the clone allocated (counted on this thread, so other
/// threads' allocations do not disturb it).
pub fn measured_clone<T: Clone>(value: &T) -> (T, usize) {
    let before = live();
    let copy = value.clone();
    let bytes = live().wrapping_sub(before).max(0) as usize;
    (copy, bytes)
}
