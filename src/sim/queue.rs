//! [`EventQueue`]: inputs waiting for their moment, earliest (time, sequence number) first.

use crate::core::TimeUs;
use event_keys::KeyHeap;

/// A priority queue of events by `(time, seq)` (the sequence number makes the order total, so
/// a run is the same every time). The heap holds 24-byte keys; each event waits in a slot of a
/// vector whose freed slots are reused. A heap of whole events moved every event up and down
/// its levels at each push and pop: a third of the simulator's own time per event.
#[derive(Clone, Debug)]
pub struct EventQueue<E> {
    /// The keys, in their own crate so that they can be compiled for speed (see `event_keys`).
    heap: KeyHeap,
    slots: Vec<Option<E>>,
    free: Vec<u32>,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue { heap: KeyHeap::default(), slots: Vec::new(), free: Vec::new() }
    }
}

impl<E> EventQueue<E> {
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    /// Adds `event` at `time`; `seq` orders events of the same time (each push has its own).
    pub fn push(&mut self, time: TimeUs, seq: u64, event: E) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(event);
                slot
            }
            None => {
                self.slots.push(Some(event));
                (self.slots.len() - 1) as u32
            }
        };
        self.heap.push(time, seq, slot);
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
}
