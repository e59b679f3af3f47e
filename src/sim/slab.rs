//! [`Slab`]: the messages in flight, by id.

use std::collections::BTreeMap;

/// Values by `u64` id, iterated in id order: a `BTreeMap` from id to a slot of a vector, whose
/// freed slots are reused. The B-tree holds 12-byte entries whatever the value, so its code is
/// compiled once for every protocol (a `BTreeMap<u64, InFlight<P>>` was one B-tree per message
/// type, ~8 KB of WebAssembly each) and its nodes never move whole messages.
#[derive(Clone, Debug)]
pub struct Slab<V> {
    index: BTreeMap<u64, u32>,
    slots: Vec<Option<V>>,
    free: Vec<u32>,
}

impl<V> Default for Slab<V> {
    fn default() -> Self {
        Slab { index: BTreeMap::new(), slots: Vec::new(), free: Vec::new() }
    }
}

impl<V> Slab<V> {
    pub fn len(&self) -> usize {
        self.index.len()
    }
    /// Adds `value` under `id`, replacing any value it had.
    pub fn insert(&mut self, id: u64, value: V) {
        if let Some(&at) = self.index.get(&id) {
            self.slots[at as usize] = Some(value);
            return;
        }
        let at = match self.free.pop() {
            Some(at) => {
                self.slots[at as usize] = Some(value);
                at
            }
            None => {
                self.slots.push(Some(value));
                (self.slots.len() - 1) as u32
            }
        };
        self.index.insert(id, at);
    }
    pub fn get(&self, id: u64) -> Option<&V> {
        self.index.get(&id).and_then(|&at| self.slots[at as usize].as_ref())
    }
    pub fn get_mut(&mut self, id: u64) -> Option<&mut V> {
        self.index.get(&id).and_then(|&at| self.slots[at as usize].as_mut())
    }
    pub fn contains(&self, id: u64) -> bool {
        self.index.contains_key(&id)
    }
    pub fn remove(&mut self, id: u64) -> Option<V> {
        let at = self.index.remove(&id)?;
        self.free.push(at);
        self.slots[at as usize].take()
    }
    /// In id order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &V)> {
        self.index.iter().filter_map(|(&id, &at)| self.slots[at as usize].as_ref().map(|v| (id, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::Slab;

    #[test]
    fn keeps_values_by_id_in_id_order_and_reuses_slots() {
        let mut s = Slab::default();
        for id in [5, 1, 9] {
            s.insert(id, id * 10);
        }
        assert_eq!(s.remove(1), Some(10));
        assert_eq!(s.remove(1), None);
        s.insert(3, 30);
        s.insert(9, 91);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![(3, &30), (5, &50), (9, &91)]);
        assert_eq!(s.slots.len(), 3, "the freed slot was reused");
        *s.get_mut(5).unwrap() += 1;
        assert_eq!((s.get(5), s.get(1), s.contains(3), s.len()), (Some(&51), None, true, 3));
    }
}
