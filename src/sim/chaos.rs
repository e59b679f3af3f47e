//! The `chaos` fault preset (swarm testing): every fault parameter is drawn from the seed, so
//! different seeds explore different mixes of faults (TigerBeetle's VOPR does the same). A safety
//! phase with faults is followed by a heal phase in which everything is repaired and liveness is
//! checked.

use super::action::{Action, LinkChange};
use super::network::PPM;
use crate::core::fields::FieldSink;
use crate::core::{NodeId, TimeUs, US_PER_MS};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// How often the chaos generator considers injecting a fault.
pub const CHAOS_TICK_US: TimeUs = 10 * US_PER_MS;

/// The fault mix of one chaos run, drawn from its seed and recorded in the trace.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ChaosParams {
    pub drop_ppm: u32,
    pub duplicate_ppm: u32,
    pub latency_us_min: TimeUs,
    pub latency_us_max: TimeUs,
    /// Per-tick probabilities (parts per million) of each fault.
    pub crash_ppm: u32,
    pub restart_ppm: u32,
    pub pause_ppm: u32,
    pub pause_us_max: TimeUs,
    pub partition_ppm: u32,
    pub one_way_cut_ppm: u32,
    pub heal_ppm: u32,
    pub drift_ppm: u32,
    /// Per-tick probability of an operator command (membership change, ...) to the leader.
    pub admin_ppm: u32,
    pub drift_pct_min: u32,
    pub drift_pct_max: u32,
    /// When the heal phase starts.
    pub heal_at_us: TimeUs,
}

impl ChaosParams {
    /// The fields of the trace's `chaos` record, in the order they are declared (a test holds
    /// the list to the struct's own `Serialize`).
    pub fn fields(&self, sink: &mut impl FieldSink) {
        sink.field("drop_ppm", &self.drop_ppm);
        sink.field("duplicate_ppm", &self.duplicate_ppm);
        sink.field("latency_us_min", &self.latency_us_min);
        sink.field("latency_us_max", &self.latency_us_max);
        sink.field("crash_ppm", &self.crash_ppm);
        sink.field("restart_ppm", &self.restart_ppm);
        sink.field("pause_ppm", &self.pause_ppm);
        sink.field("pause_us_max", &self.pause_us_max);
        sink.field("partition_ppm", &self.partition_ppm);
        sink.field("one_way_cut_ppm", &self.one_way_cut_ppm);
        sink.field("heal_ppm", &self.heal_ppm);
        sink.field("drift_ppm", &self.drift_ppm);
        sink.field("admin_ppm", &self.admin_ppm);
        sink.field("drift_pct_min", &self.drift_pct_min);
        sink.field("drift_pct_max", &self.drift_pct_max);
        sink.field("heal_at_us", &self.heal_at_us);
    }

    /// Draws a fault mix. Each kind of fault is switched off entirely in some runs (swarm testing:
    /// runs with fewer kinds of faults reach deeper states of the kinds they have).
    pub fn draw(rng: &mut ChaCha8Rng, duration_us: TimeUs) -> ChaosParams {
        let mut maybe = |max_ppm: u32| -> u32 {
            if rng.gen_bool(0.25) {
                0
            } else {
                rng.gen_range(0..=max_ppm)
            }
        };
        let drop_ppm = maybe(300_000);
        let duplicate_ppm = maybe(100_000);
        let crash_ppm = maybe(20_000);
        let restart_ppm = maybe(60_000).max(5_000);
        let pause_ppm = maybe(10_000);
        let partition_ppm = maybe(10_000);
        let one_way_cut_ppm = maybe(10_000);
        let heal_ppm = maybe(40_000).max(5_000);
        let drift_ppm = maybe(5_000);
        let admin_ppm = maybe(20_000);
        let latency_us_min = rng.gen_range(100..=2 * US_PER_MS);
        let latency_us_max = latency_us_min + rng.gen_range(0..=20 * US_PER_MS);
        let pause_us_max = rng.gen_range(10 * US_PER_MS..=1_000 * US_PER_MS);
        let drift_pct_min = rng.gen_range(50..=100);
        let drift_pct_max = rng.gen_range(100..=200);
        ChaosParams {
            drop_ppm,
            duplicate_ppm,
            latency_us_min,
            latency_us_max,
            crash_ppm,
            restart_ppm,
            pause_ppm,
            pause_us_max,
            partition_ppm,
            one_way_cut_ppm,
            heal_ppm,
            drift_ppm,
            admin_ppm,
            drift_pct_min,
            drift_pct_max,
            heal_at_us: duration_us / 2,
        }
    }

    /// The link settings of the safety phase.
    pub fn link_change(&self) -> LinkChange {
        LinkChange {
            latency_us: Some((self.latency_us_min, self.latency_us_max)),
            drop_ppm: Some(self.drop_ppm),
            duplicate_ppm: Some(self.duplicate_ppm),
        }
    }

    /// The faults of one chaos tick. `up` and `crashed` list the nodes in each state.
    pub fn tick(
        &self,
        rng: &mut ChaCha8Rng,
        up: &[NodeId],
        crashed: &[NodeId],
        node_count: usize,
        commands: &[String],
    ) -> Vec<Action> {
        let mut actions = Vec::new();
        let mut roll = |ppm: u32| ppm > 0 && rng.gen_range(0..PPM) < ppm;
        let fire: [bool; 7] = [
            roll(self.crash_ppm),
            roll(self.restart_ppm),
            roll(self.pause_ppm),
            roll(self.partition_ppm),
            roll(self.one_way_cut_ppm),
            roll(self.heal_ppm),
            roll(self.drift_ppm),
        ];
        let roll_admin = |rng: &mut ChaCha8Rng, ppm: u32| ppm > 0 && rng.gen_range(0..PPM) < ppm;
        let [crash, restart, pause, partition, cut, heal, drift] = fire;
        if crash {
            if let Some(&node) = up.choose(rng) {
                actions.push(Action::Crash { node });
            }
        }
        if restart {
            if let Some(&node) = crashed.choose(rng) {
                actions.push(Action::Restart { node });
            }
        }
        if pause {
            if let Some(&node) = up.choose(rng) {
                let for_us = rng.gen_range(US_PER_MS..=self.pause_us_max);
                actions.push(Action::Pause { node, for_us });
            }
        }
        if partition && node_count > 1 {
            // Drawn as a u64, as a 64-bit platform draws a usize: a usize range draws one 32-bit
            // word in wasm and a 64-bit one natively, and the runs would part there.
            let group_count = rng.gen_range(2..=3u64.min(node_count as u64)) as usize;
            let mut groups = vec![Vec::new(); group_count];
            for i in 0..node_count {
                let g = rng.gen_range(0..group_count as u32) as usize;
                groups[g].push(NodeId::from_index(i));
            }
            groups.retain(|g| !g.is_empty());
            actions.push(Action::Partition { groups });
        }
        if cut && node_count > 1 {
            let from = rng.gen_range(1..=node_count as u32);
            let mut to = rng.gen_range(1..node_count as u32);
            if to >= from {
                to += 1;
            }
            actions.push(Action::Cut { from: NodeId(from), to: NodeId(to) });
        }
        if heal {
            actions.push(Action::Heal);
        }
        if roll_admin(rng, self.admin_ppm) {
            if let Some(command) = commands.choose(rng) {
                actions.push(Action::Admin { node: None, command: command.clone() });
            }
        }
        if drift {
            let node = NodeId(rng.gen_range(1..=node_count as u32));
            let rate_pct = rng.gen_range(self.drift_pct_min..=self.drift_pct_max);
            actions.push(Action::Drift { node, rate_pct });
        }
        actions
    }
}

#[cfg(test)]
mod tests {
    use super::ChaosParams;
    use crate::core::fields::Words;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn the_chaos_records_fields_are_the_structs_fields_in_order() {
        for seed in 0..20 {
            let params = ChaosParams::draw(&mut ChaCha8Rng::seed_from_u64(seed), 60_000_000);
            let mut words = Words::default();
            params.fields(&mut words);
            let Ok(serde_json::Value::Object(map)) = serde_json::to_value(&params) else {
                panic!("ChaosParams serializes as an object")
            };
            let expected: String = map.iter().map(|(k, v)| format!(" {k}={v}")).collect();
            assert_eq!(words.0, expected);
        }
    }
}
