//! The simulator's event order: a min-heap of `(time, seq, slot)` keys, earliest `(time, seq)`
//! first. It is its own crate for one reason: Cargo sets optimisation per package, and this heap
//! is the hottest code of the simulator that is not generic over a protocol (generic code is
//! compiled where it is used). The page's wasm is built at `opt-level = "z"`; this crate is
//! built at `3` (`[profile.release.package.event-keys]` in the root `Cargo.toml`), which is what
//! the browser's profile asked for (docs/performance.md, fourth pass).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Bits of a key's low word that hold the slot; the sequence number has the other 40.
const SLOT_BITS: u32 = 24;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;

/// Keys of waiting events: the smallest `(time, seq)` comes out first. `seq` must be unique per
/// key (the simulator gives every push its own), so the order is total and runs repeat exactly.
///
/// A key is one `u128`: the time in the high word, then the sequence number's low 40 bits, then
/// the slot's 24. One two-word comparison orders keys, where a `(time, seq, slot)` tuple took
/// three, and a key moves as 16 bytes rather than 24. The slot (an index into the queue's
/// events) must be below 2^24: the simulator's limits keep far fewer events waiting. The
/// sequence number is kept modulo 2^40 (a trillion pushes): past that, two events of the same
/// microsecond on either side of the wrap would come out in the other order — the same
/// order in every run, so a run still repeats exactly.
#[derive(Clone, Debug, Default)]
pub struct KeyHeap {
    heap: BinaryHeap<Reverse<u128>>,
}

fn key(time: u64, seq: u64, slot: u32) -> u128 {
    debug_assert!(u64::from(slot) <= SLOT_MASK, "slot {slot} needs more than {SLOT_BITS} bits");
    (u128::from(time) << 64) | u128::from((seq << SLOT_BITS) | (u64::from(slot) & SLOT_MASK))
}

fn time_of(key: u128) -> u64 {
    (key >> 64) as u64
}

fn slot_of(key: u128) -> u32 {
    (key as u64 & SLOT_MASK) as u32
}

impl KeyHeap {
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
    pub fn push(&mut self, time: u64, seq: u64, slot: u32) {
        self.heap.push(Reverse(key(time, seq, slot)));
    }
    /// The earliest key's time.
    pub fn next_time(&self) -> Option<u64> {
        self.heap.peek().map(|Reverse(k)| time_of(*k))
    }
    /// The earliest key's time and slot.
    pub fn peek(&self) -> Option<(u64, u32)> {
        self.heap.peek().map(|Reverse(k)| (time_of(*k), slot_of(*k)))
    }
    /// Takes the earliest key: its time and slot.
    pub fn pop(&mut self) -> Option<(u64, u32)> {
        self.heap.pop().map(|Reverse(k)| (time_of(k), slot_of(k)))
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

    /// The packed keys come out in the order of `(time, seq)` tuples, slots intact, over the
    /// whole range of times and the 40 bits of sequence numbers and 24 of slots a key keeps.
    #[test]
    fn packed_keys_order_as_tuples() {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        // A fixed xorshift stream: the test is the same every run.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..50 {
            let (mut h, mut model) = (KeyHeap::default(), BinaryHeap::new());
            for seq in 0..400u64 {
                // Few distinct times, so that many keys tie on time and the sequence decides.
                let time = match round % 3 {
                    0 => next() % 8,
                    1 => u64::MAX - next() % 8,
                    _ => next(),
                };
                let seq = ((1 << 40) - 1 - 400 * round) - seq;
                let slot = (next() % (1 << 24)) as u32;
                h.push(time, seq, slot);
                model.push(Reverse((time, seq, slot)));
                if next() % 3 == 0 {
                    let Reverse((t, _, s)) = model.pop().unwrap();
                    assert_eq!(h.pop(), Some((t, s)));
                }
            }
            while let Some(Reverse((t, _, s))) = model.pop() {
                assert_eq!(h.peek(), Some((t, s)));
                assert_eq!(h.pop(), Some((t, s)));
            }
            assert!(h.is_empty());
        }
    }
}
