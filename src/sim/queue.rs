//! [`EventQueue`]: inputs waiting for their moment, earliest (time, sequence number) first.

use crate::core::TimeUs;
use event_keys::KeyHeap;
use std::collections::VecDeque;

/// A priority queue of events by `(time, seq)` (the sequence number makes the order total, so
/// a run is the same every time). The heap holds 24-byte keys; each event waits in a slot of a
/// vector whose freed slots are reused. A heap of whole events moved every event up and down
/// its levels at each push and pop: a third of the simulator's own time per event.
///
/// Events pushed in order (each at or after the last one so pushed: a client's timeouts, all
/// a fixed time after their request) wait in a FIFO beside the heap instead
/// ([`EventQueue::push_in_order`]), and only the earliest of them is in the heap at any time;
/// when it leaves, the next one goes in. They were most of the heap — ~100 of the ~106 entries
/// of a 5-node cluster under steady load, nearly all of them timeouts of requests long answered
/// — and every push and pop paid for their levels. The heap still holds the earliest event of
/// all, so the order is the same as with one heap.
#[derive(Clone, Debug)]
pub struct EventQueue<E> {
    /// The keys, in their own crate so that they can be compiled for speed (see `event_keys`).
    heap: KeyHeap,
    in_order: InOrder,
    slots: Vec<Option<E>>,
    free: Vec<u32>,
}

/// The keys of events pushed in order, beside the heap (not generic, so compiled once).
#[derive(Clone, Debug, Default)]
struct InOrder {
    /// Keys `(time, seq, slot)` pushed in order after the one in the heap, earliest first.
    keys: VecDeque<(u64, u64, u32)>,
    /// The slot of the in-order event now in the heap, if any.
    head: Option<u32>,
    /// The key of the last event pushed in order.
    last: (u64, u64),
}

impl InOrder {
    fn push(&mut self, heap: &mut KeyHeap, time: u64, seq: u64, slot: u32) {
        if self.head.is_none() {
            self.head = Some(slot);
            self.last = (time, seq);
            heap.push(time, seq, slot);
        } else if self.last <= (time, seq) {
            self.last = (time, seq);
            self.keys.push_back((time, seq, slot));
        } else {
            heap.push(time, seq, slot);
        }
    }

    /// After `slot` left the heap: if it was the FIFO's, the next one takes its place.
    fn left(&mut self, heap: &mut KeyHeap, slot: u32) {
        if self.head == Some(slot) {
            self.head = self.keys.pop_front().map(|(t, s, next)| {
                heap.push(t, s, next);
                next
            });
        }
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue { heap: KeyHeap::default(), in_order: InOrder::default(), slots: Vec::new(), free: Vec::new() }
    }
}

impl<E> EventQueue<E> {
    pub fn len(&self) -> usize {
        self.heap.len() + self.in_order.keys.len()
    }

    fn slot_for(&mut self, event: E) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(event);
                slot
            }
            None => {
                self.slots.push(Some(event));
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// Adds `event` at `time`; `seq` orders events of the same time (each push has its own).
    pub fn push(&mut self, time: TimeUs, seq: u64, event: E) {
        let slot = self.slot_for(event);
        self.heap.push(time, seq, slot);
    }

    /// [`EventQueue::push`] for an event likely no earlier than the last one pushed this way:
    /// it waits in the FIFO if so (straight into the heap if the FIFO has nothing there), in the
    /// heap as any other if not.
    pub fn push_in_order(&mut self, time: TimeUs, seq: u64, event: E) {
        let slot = self.slot_for(event);
        self.in_order.push(&mut self.heap, time, seq, slot);
    }

    /// The time of the earliest event.
    pub fn next_time(&self) -> Option<TimeUs> {
        self.heap.next_time()
    }
    /// The earliest event, with its time, left in place.
    pub fn peek(&self) -> Option<(TimeUs, &E)> {
        let (time, slot) = self.heap.peek()?;
        self.slots[slot as usize].as_ref().map(|event| (time, event))
    }
    /// Takes the earliest event, with its time.
    pub fn pop(&mut self) -> Option<(TimeUs, E)> {
        let (time, slot) = self.heap.pop()?;
        self.in_order.left(&mut self.heap, slot);
        self.free.push(slot);
        // Every key in the heap has its event in its slot.
        self.slots[slot as usize].take().map(|event| (time, event))
    }
}

#[cfg(test)]
mod tests {
    use super::EventQueue;

    #[test]
    fn pops_by_time_then_sequence_and_reuses_slots() {
        let mut q = EventQueue::default();
        q.push(30, 0, "c");
        q.push(10, 1, "a2");
        q.push(10, 0, "a1");
        q.push(20, 2, "b");
        assert_eq!((q.len(), q.next_time()), (4, Some(10)));
        assert_eq!(q.peek(), Some((10, &"a1")));
        assert_eq!(q.pop(), Some((10, "a1")));
        assert_eq!(q.pop(), Some((10, "a2")));
        q.push(15, 3, "between");
        assert_eq!(q.slots.len(), 4, "freed slots are reused");
        let rest: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(rest, vec![(15, "between"), (20, "b"), (30, "c")]);
        assert!(q.len() == 0 && q.next_time().is_none());
    }

    /// Events pushed in order or not come out in the order of one heap of them all, whatever
    /// mix of the two pushes, out-of-order pushes to the FIFO included.
    #[test]
    fn the_fifo_and_the_heap_come_out_as_one_heap() {
        use rand::{Rng, SeedableRng};
        use std::collections::BinaryHeap;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for _ in 0..200 {
            let mut q = EventQueue::default();
            let mut model = BinaryHeap::new();
            let (mut seq, mut now, mut in_order_at) = (0u64, 0u64, 0u64);
            for _ in 0..300 {
                if rng.gen_bool(0.55) {
                    if rng.gen_bool(0.5) {
                        let t = now + rng.gen_range(0..50);
                        q.push(t, seq, seq);
                        model.push(std::cmp::Reverse((t, seq)));
                    } else {
                        // Mostly later than the last in-order push; sometimes not.
                        in_order_at = if rng.gen_bool(0.9) {
                            in_order_at.max(now) + rng.gen_range(0..20)
                        } else {
                            now + rng.gen_range(0..10)
                        };
                        q.push_in_order(in_order_at, seq, seq);
                        model.push(std::cmp::Reverse((in_order_at, seq)));
                    }
                    seq += 1;
                } else {
                    let expected = model.pop().map(|std::cmp::Reverse((t, s))| (t, s));
                    assert_eq!(q.next_time(), expected.map(|(t, _)| t));
                    assert_eq!(q.peek().map(|(t, &s)| (t, s)), expected);
                    assert_eq!(q.pop(), expected);
                    if let Some((t, _)) = expected {
                        now = t;
                    }
                }
                assert_eq!(q.len(), model.len());
            }
        }
    }
}
