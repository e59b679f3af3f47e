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
    /// Keys `(time, seq, slot)` pushed in order after the one in the heap, earliest first.
    in_order: VecDeque<(u64, u64, u32)>,
    /// The slot of the in-order event now in the heap, if any.
    in_order_head: Option<u32>,
    /// The key of the last event pushed in order.
    in_order_last: (u64, u64),
    slots: Vec<Option<E>>,
    free: Vec<u32>,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: KeyHeap::default(),
            in_order: VecDeque::new(),
            in_order_head: None,
            in_order_last: (0, 0),
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<E> EventQueue<E> {
    pub fn len(&self) -> usize {
        self.heap.len() + self.in_order.len()
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
        if self.in_order_head.is_none() {
            self.in_order_head = Some(slot);
            self.in_order_last = (time, seq);
            self.heap.push(time, seq, slot);
        } else if self.in_order_last <= (time, seq) {
            self.in_order_last = (time, seq);
            self.in_order.push_back((time, seq, slot));
        } else {
            self.heap.push(time, seq, slot);
        }
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
        if self.in_order_head == Some(slot) {
            // The FIFO's next event takes its place in the heap.
            self.in_order_head = self.in_order.pop_front().map(|(t, s, next)| {
                self.heap.push(t, s, next);
                next
            });
        }
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

    /// Events pushed in order and not come out in the order of one heap of them all, whatever
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
