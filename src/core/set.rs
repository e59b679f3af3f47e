//! [`LiteSet`]: the ordered set the protocols and properties use, a sorted vector.
//!
//! The sets here are small (node ids, a ballot's voters, slots a learner learned) or grow at the
//! end (increasing slots), and they are cloned with every time-travel checkpoint. A sorted vector
//! (`litemap`'s map with `()` values) suits that better than `BTreeSet`, and it is a fraction of the
//! WebAssembly: every `BTreeSet`/`BTreeMap` key type brings its own B-tree code, far more than a
//! `LiteMap`'s.

use litemap::LiteMap;

/// Sorts a short slice (a cluster's node ids, a legend's roles) by insertion, by `key`. Each
/// element type `sort_unstable` is used with puts a quicksort into the WebAssembly; this is a
/// short loop, and for the few dozen elements it is given as fast.
pub fn sort_short<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && key(&v[j]) < key(&v[j - 1]) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// A map from pairs that come in key order (a cluster's peers, clients by number), appended one
/// by one: collecting into a `LiteMap` sorts (a stable sort in the WebAssembly per element type)
/// even when there is nothing to sort. A pair out of order is inserted where it belongs.
pub fn map_in_order<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> LiteMap<K, V> {
    let mut map = LiteMap::new();
    for (key, value) in pairs {
        append_or_insert(&mut map, key, value);
    }
    map
}

/// Inserts into a map whose new keys mostly come above every key it holds: such a key is
/// appended without a search; any other is inserted where it belongs (as `insert` would).
pub fn append_or_insert<K: Ord, V>(map: &mut LiteMap<K, V>, key: K, value: V) {
    if let Some((key, value)) = map.try_append(key, value) {
        map.insert(key, value);
    }
}

/// An ordered set kept as a sorted vector; iteration is in ascending order, as `BTreeSet`'s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiteSet<K: Ord>(LiteMap<K, ()>);

impl<K: Ord> Default for LiteSet<K> {
    fn default() -> Self {
        LiteSet(LiteMap::new())
    }
}

impl<K: Ord> LiteSet<K> {
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds `key`; true if it was not there.
    pub fn insert(&mut self, key: K) -> bool {
        self.0.try_insert(key, ()).is_none()
    }
    pub fn contains(&self, key: &K) -> bool {
        self.0.contains_key(key)
    }
    /// Removes `key`; true if it was there.
    pub fn remove(&mut self, key: &K) -> bool {
        self.0.remove(key).is_some()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn clear(&mut self) {
        self.0.clear()
    }
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &K> {
        self.into_iter()
    }
    pub fn first(&self) -> Option<&K> {
        self.0.first().map(|(k, _)| k)
    }
    pub fn retain(&mut self, mut keep: impl FnMut(&K) -> bool) {
        self.0.retain(|k, _| keep(k))
    }
}

impl<K: Ord> FromIterator<K> for LiteSet<K> {
    fn from_iter<I: IntoIterator<Item = K>>(iter: I) -> Self {
        let mut set = LiteSet::new();
        for key in iter {
            set.insert(key);
        }
        set
    }
}

impl<K: Ord> Extend<K> for LiteSet<K> {
    fn extend<I: IntoIterator<Item = K>>(&mut self, iter: I) {
        for key in iter {
            self.insert(key);
        }
    }
}

impl<'a, K: Ord> IntoIterator for &'a LiteSet<K> {
    type Item = &'a K;
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, ())>, fn(&'a (K, ())) -> &'a K>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.as_slice().iter().map(|(k, _)| k)
    }
}

impl<K: Ord> IntoIterator for LiteSet<K> {
    type Item = K;
    type IntoIter = std::iter::Map<std::vec::IntoIter<(K, ())>, fn((K, ())) -> K>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_tuple_vec().into_iter().map(|(k, _)| k)
    }
}

/// The entries of `map` from `key` on, in order: `BTreeMap::range(key..)` for a [`LiteMap`].
pub fn range_from<'a, K: Ord, V>(map: &'a LiteMap<K, V>, key: &K) -> impl DoubleEndedIterator<Item = (&'a K, &'a V)> {
    let start = map.find_index(key).unwrap_or_else(|at| at);
    map.as_slice()[start..].iter().map(|(k, v)| (k, v))
}

#[cfg(test)]
mod tests {
    use super::{range_from, LiteSet};
    use litemap::LiteMap;

    /// Property tests: proptest is a native dev-dependency (the wasm32 build of the tests,
    /// which clippy checks, has none).
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::super::{map_in_order, sort_short};
        use litemap::LiteMap;
        use proptest::prelude::*;

        proptest! {
            /// The insertion sort orders as `sort_by_key` does, and keeps equal keys in their order.
            #[test]
            fn sorts_short_slices_as_the_standard_sort(v in proptest::collection::vec((0u8..8, any::<u32>()), 0..60)) {
                let mut ours = v.clone();
                sort_short(&mut ours, |&(key, _)| key);
                let mut theirs = v;
                theirs.sort_by_key(|&(key, _)| key);
                prop_assert_eq!(ours, theirs);
            }

            /// In order or not, with repeated keys or not, the pairs make the map that collecting
            /// them does (the last value of a key wins).
            #[test]
            fn maps_pairs_as_collecting_does(mut v in proptest::collection::vec((0u8..40, any::<u32>()), 0..60), sorted in any::<bool>()) {
                if sorted {
                    v.sort_by_key(|&(key, _)| key);
                }
                let ours = map_in_order(v.iter().copied());
                let theirs: LiteMap<u8, u32> = v.into_iter().collect();
                prop_assert_eq!(ours, theirs);
            }
        }
    }

    #[test]
    fn keeps_keys_once_and_in_order() {
        let mut s: LiteSet<u32> = [5, 1, 3].into_iter().collect();
        assert!(s.insert(2));
        assert!(!s.insert(3));
        assert_eq!(s.iter().copied().collect::<Vec<_>>(), vec![1, 2, 3, 5]);
        assert!(s.remove(&1) && !s.remove(&1));
        assert_eq!((s.len(), s.contains(&5), s.contains(&1), s.first()), (3, true, false, Some(&2)));
        s.retain(|&k| k > 2);
        assert_eq!(s.iter().copied().collect::<Vec<_>>(), vec![3, 5]);
    }

    #[test]
    fn range_from_starts_at_the_key_or_the_next_one() {
        let map: LiteMap<u64, char> = [(1, 'a'), (3, 'b'), (7, 'c')].into_iter().collect();
        let keys = |k| range_from(&map, &k).map(|(k, _)| *k).collect::<Vec<_>>();
        assert_eq!((keys(0), keys(3), keys(4), keys(8)), (vec![1, 3, 7], vec![3, 7], vec![7], vec![]));
    }
}
