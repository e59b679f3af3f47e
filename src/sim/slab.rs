//! [`Slab`]: the messages in flight, each in a numbered slot.

/// Values by `u64` id, each kept in a slot of a vector whose freed slots are reused. Whoever
/// inserts a value is told its slot and finds it again there in O(1) (a message's delivery
/// event carries its slot); finding a value by id alone (a person's "drop message #42") looks
/// at every slot, and [`Slab::iter`] sorts by id. There is no map from id to slot: a `BTreeMap`
/// cost every message a B-tree insert and removal, a tenth of a simulated event's time.
#[derive(Clone, Debug)]
pub struct Slab<V> {
    slots: Vec<Option<(u64, V)>>,
    free: Vec<u32>,
    len: usize,
}

impl<V> Default for Slab<V> {
    fn default() -> Self {
        Slab { slots: Vec::new(), free: Vec::new(), len: 0 }
    }
}

impl<V> Slab<V> {
    pub fn len(&self) -> usize {
        self.len
    }
    /// Adds `value` under `id` (an id not held already: the simulator numbers every message
    /// afresh) and returns its slot.
    pub fn insert(&mut self, id: u64, value: V) -> u32 {
        self.len += 1;
        match self.free.pop() {
            Some(at) => {
                self.slots[at as usize] = Some((id, value));
                at
            }
            None => {
                self.slots.push(Some((id, value)));
                (self.slots.len() - 1) as u32
            }
        }
    }
    /// The slot holding `id`, looking at every slot.
    pub fn find(&self, id: u64) -> Option<u32> {
        self.slots.iter().position(|s| matches!(s, Some((held, _)) if *held == id)).map(|at| at as u32)
    }
    /// The value of `id` if slot `at` still holds it.
    pub fn get(&self, at: u32, id: u64) -> Option<&V> {
        match self.slots.get(at as usize) {
            Some(Some((held, value))) if *held == id => Some(value),
            _ => None,
        }
    }
    pub fn get_mut(&mut self, at: u32, id: u64) -> Option<&mut V> {
        match self.slots.get_mut(at as usize) {
            Some(Some((held, value))) if *held == id => Some(value),
            _ => None,
        }
    }
    /// Takes the value of `id` out of slot `at` (nothing if the slot holds something else).
    pub fn remove(&mut self, at: u32, id: u64) -> Option<V> {
        let slot = self.slots.get_mut(at as usize)?;
        if !matches!(slot, Some((held, _)) if *held == id) {
            return None;
        }
        self.len -= 1;
        self.free.push(at);
        slot.take().map(|(_, value)| value)
    }
    /// In id order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &V)> {
        let mut held: Vec<(u64, &V)> = self.slots.iter().flatten().map(|(id, value)| (*id, value)).collect();
        held.sort_unstable_by_key(|(id, _)| *id);
        held.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::Slab;

    #[test]
    fn keeps_values_by_slot_iterates_in_id_order_and_reuses_slots() {
        let mut s = Slab::default();
        let at: Vec<u32> = [5, 1, 9].into_iter().map(|id| s.insert(id, id * 10)).collect();
        assert_eq!(s.remove(at[1], 1), Some(10));
        assert_eq!(s.remove(at[1], 1), None);
        let three = s.insert(3, 30);
        assert_eq!(three, at[1], "the freed slot was reused");
        assert_eq!(s.remove(at[1], 1), None, "a reused slot does not answer for its old id");
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![(3, &30), (5, &50), (9, &90)]);
        assert_eq!(s.slots.len(), 3);
        *s.get_mut(at[0], 5).unwrap() += 1;
        assert_eq!(
            (s.get(at[0], 5), s.get(at[0], 9), s.find(9), s.find(1), s.len()),
            (Some(&51), None, Some(at[2]), None, 3)
        );
        assert_eq!(s.get(99, 5), None, "a slot past the end holds nothing");
    }
}
