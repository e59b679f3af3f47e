//! The simulator's event order: a min-heap of `(time, seq, slot)` keys, earliest `(time, seq)`
//! first. It is its own crate for one reason: Cargo sets optimisation per package, and this heap
//! is the hottest code of the simulator that is not generic over a protocol (generic code is
//! compiled where it is used). The page's wasm is built at `opt-level = "z"`; this crate is
//! built at `3` (`[profile.release.package.event-keys]` in the root `Cargo.toml`), which is what
//! the browser's profile asked for (docs/performance.md, fourth pass).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Keys of waiting events: the smallest `(time, seq)` comes out first. `seq` must be unique per
/// key (the simulator gives every push its own), so the order is total and runs repeat exactly.
#[derive(Clone, Debug, Default)]
pub struct KeyHeap {
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
}

impl KeyHeap {
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
    pub fn push(&mut self, time: u64, seq: u64, slot: u32) {
        self.heap.push(Reverse((time, seq, slot)));
    }
    /// The earliest key's time.
    pub fn next_time(&self) -> Option<u64> {
        self.heap.peek().map(|Reverse((time, _, _))| *time)
    }
    /// The earliest key's time and slot.
    pub fn peek(&self) -> Option<(u64, u32)> {
        self.heap.peek().map(|Reverse((time, _, slot))| (*time, *slot))
    }
    /// Takes the earliest key: its time and slot.
    pub fn pop(&mut self) -> Option<(u64, u32)> {
        self.heap.pop().map(|Reverse((time, _, slot))| (time, slot))
    }
}

#[cfg(test)]
mod tests {
    use super::KeyHeap;

    #[test]
    fn earliest_time_then_sequence_first() {
        let mut h = KeyHeap::default();
        for (time, seq, slot) in [(30, 0, 0), (10, 2, 1), (10, 1, 2), (20, 3, 3)] {
            h.push(time, seq, slot);
        }
        assert_eq!((h.len(), h.next_time(), h.peek()), (4, Some(10), Some((10, 2))));
        let order: Vec<_> = std::iter::from_fn(|| h.pop()).collect();
        assert_eq!(order, vec![(10, 2), (10, 1), (20, 3), (30, 0)]);
        assert!(h.is_empty() && h.next_time().is_none());
    }
}
