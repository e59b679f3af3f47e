//! The network model: per directed link latency range, loss and duplication; partitions into
//! groups and one-way cuts. Reordering comes from latency jitter. All draws use the simulator's
//! RNG, passed in.

use super::action::LinkChange;
use crate::core::{NodeId, TimeUs};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub const PPM: u32 = 1_000_000;

/// Parameters of one directed link.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LinkParams {
    pub latency_us_min: TimeUs,
    pub latency_us_max: TimeUs,
    pub drop_ppm: u32,
    pub duplicate_ppm: u32,
}

impl Default for LinkParams {
    fn default() -> Self {
        LinkParams { latency_us_min: 1_000, latency_us_max: 5_000, drop_ppm: 0, duplicate_ppm: 0 }
    }
}

impl LinkParams {
    pub fn apply(&mut self, change: &LinkChange) {
        if let Some((lo, hi)) = change.latency_us {
            self.latency_us_min = lo.min(hi);
            self.latency_us_max = lo.max(hi);
        }
        if let Some(p) = change.drop_ppm {
            self.drop_ppm = p.min(PPM);
        }
        if let Some(p) = change.duplicate_ppm {
            self.duplicate_ppm = p.min(PPM);
        }
    }
}

/// What happens to one message handed to the network.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    Blocked,
    Lost,
    /// Delivered after the first latency, and, if duplicated, again after the second.
    Delivered {
        latency_us: TimeUs,
        duplicate_latency_us: Option<TimeUs>,
    },
}

#[derive(Clone, Debug, Hash)]
pub struct Network {
    node_count: usize,
    /// `links[from * n + to]`.
    links: Vec<LinkParams>,
    /// One-way cuts, `cut[from * n + to]`.
    cut: Vec<bool>,
    /// The partition group of each node; nodes talk only within their group.
    group: Vec<u32>,
}

impl Network {
    pub fn new(node_count: usize, base: LinkParams) -> Self {
        Network {
            node_count,
            links: vec![base; node_count * node_count],
            cut: vec![false; node_count * node_count],
            group: vec![0; node_count],
        }
    }

    fn slot(&self, from: NodeId, to: NodeId) -> usize {
        from.index() * self.node_count + to.index()
    }

    pub fn link(&self, from: NodeId, to: NodeId) -> &LinkParams {
        &self.links[self.slot(from, to)]
    }

    /// Whether a message from `from` can reach `to` right now.
    pub fn blocked(&self, from: NodeId, to: NodeId) -> bool {
        self.cut[self.slot(from, to)] || self.group[from.index()] != self.group[to.index()]
    }

    pub fn is_cut_one_way(&self, from: NodeId, to: NodeId) -> bool {
        self.cut[self.slot(from, to)]
    }

    pub fn group_of(&self, node: NodeId) -> u32 {
        self.group[node.index()]
    }

    pub fn is_partitioned(&self) -> bool {
        self.group.iter().any(|&g| g != self.group[0]) || self.cut.iter().any(|&c| c)
    }

    /// Draws the fate of one message on `from → to`.
    pub fn fate(&self, from: NodeId, to: NodeId, rng: &mut ChaCha8Rng) -> Fate {
        if self.blocked(from, to) {
            return Fate::Blocked;
        }
        let link = self.link(from, to);
        if link.drop_ppm > 0 && rng.gen_range(0..PPM) < link.drop_ppm {
            return Fate::Lost;
        }
        let latency_us = draw_latency(link, rng);
        let duplicate_latency_us =
            (link.duplicate_ppm > 0 && rng.gen_range(0..PPM) < link.duplicate_ppm).then(|| draw_latency(link, rng));
        Fate::Delivered { latency_us, duplicate_latency_us }
    }

    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        // Unnamed nodes share group 0; the named groups are 1, 2, ...
        self.group.iter_mut().for_each(|g| *g = 0);
        for (i, group) in groups.iter().enumerate() {
            for node in group {
                self.group[node.index()] = i as u32 + 1;
            }
        }
    }

    pub fn set_cut(&mut self, from: NodeId, to: NodeId, cut: bool) {
        let slot = self.slot(from, to);
        self.cut[slot] = cut;
    }

    pub fn heal(&mut self) {
        self.group.iter_mut().for_each(|g| *g = 0);
        self.cut.iter_mut().for_each(|c| *c = false);
    }

    /// Applies a change to one link, the links out of / into one node, or all links.
    pub fn change_links(&mut self, from: Option<NodeId>, to: Option<NodeId>, change: &LinkChange) {
        let n = self.node_count;
        for f in 0..n {
            for t in 0..n {
                let matches_from = from.is_none_or(|x| x.index() == f);
                let matches_to = to.is_none_or(|x| x.index() == t);
                if matches_from && matches_to {
                    self.links[f * n + t].apply(change);
                }
            }
        }
    }

    /// Sets every link back to `base` (used by heal-all).
    pub fn reset_links(&mut self, base: LinkParams) {
        self.links.iter_mut().for_each(|l| *l = base);
    }
}

pub fn draw_latency(link: &LinkParams, rng: &mut ChaCha8Rng) -> TimeUs {
    if link.latency_us_max <= link.latency_us_min {
        link.latency_us_min
    } else {
        rng.gen_range(link.latency_us_min..=link.latency_us_max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn n(i: u32) -> NodeId {
        NodeId(i)
    }

    #[test]
    fn partition_blocks_exactly_the_links_between_groups() {
        let mut net = Network::new(5, LinkParams::default());
        net.partition(&[vec![n(1), n(2)], vec![n(3)]]);
        // {1,2} | {3} | {4,5} (unnamed nodes share a group)
        for a in 1..=5 {
            for b in 1..=5 {
                let same = matches!((a, b), (1 | 2, 1 | 2) | (3, 3) | (4 | 5, 4 | 5));
                assert_eq!(net.blocked(n(a), n(b)), !same, "{a}->{b}");
            }
        }
        net.heal();
        assert!(!net.is_partitioned());
    }

    #[test]
    fn one_way_cut_blocks_one_direction_only() {
        let mut net = Network::new(3, LinkParams::default());
        net.set_cut(n(1), n(2), true);
        assert!(net.blocked(n(1), n(2)));
        assert!(!net.blocked(n(2), n(1)));
        assert!(!net.blocked(n(1), n(3)));
        net.set_cut(n(1), n(2), false);
        assert!(!net.blocked(n(1), n(2)));
    }

    #[test]
    fn observed_drop_rate_matches_the_configured_one() {
        let mut net = Network::new(2, LinkParams::default());
        net.change_links(None, None, &LinkChange { drop_ppm: Some(200_000), ..Default::default() });
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let trials = 100_000;
        let lost = (0..trials).filter(|_| net.fate(n(1), n(2), &mut rng) == Fate::Lost).count();
        let rate = lost as f64 / trials as f64;
        assert!((rate - 0.2).abs() < 0.01, "observed drop rate {rate}");
    }

    #[test]
    fn observed_duplicate_rate_and_latency_stay_in_range() {
        let mut net = Network::new(2, LinkParams::default());
        let change =
            LinkChange { duplicate_ppm: Some(100_000), latency_us: Some((2_000, 3_000)), ..Default::default() };
        net.change_links(Some(n(1)), Some(n(2)), &change);
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut dups = 0;
        for _ in 0..50_000 {
            match net.fate(n(1), n(2), &mut rng) {
                Fate::Delivered { latency_us, duplicate_latency_us } => {
                    assert!((2_000..=3_000).contains(&latency_us));
                    if let Some(d) = duplicate_latency_us {
                        assert!((2_000..=3_000).contains(&d));
                        dups += 1;
                    }
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        let rate = dups as f64 / 50_000.0;
        assert!((rate - 0.1).abs() < 0.01, "observed duplicate rate {rate}");
        // The reverse link kept the defaults.
        assert_eq!(net.link(n(2), n(1)).duplicate_ppm, 0);
    }
}
