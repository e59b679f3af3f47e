//! The Raft workload that `benches/sim.rs` measures and `examples/hot_path.rs` profiles, in one
//! place so the profiled run is the benchmarked one (both include this file; it sits in a folder
//! so that Cargo does not take it for a bench of its own).

use consensus_playground::check::World;
use consensus_playground::core::{TimeUs, US_PER_MS};
use consensus_playground::protocols::raft::Raft;
use consensus_playground::sim::Setup;

/// A Raft cluster under steady load: five clients, each sending every 20 ms.
pub fn steady(nodes: usize, duration_us: TimeUs) -> Setup {
    let mut setup = Setup { nodes, seed: 1, duration_us, ..Setup::default() };
    setup.workload.clients = 5;
    setup.workload.interval_us = 20 * US_PER_MS;
    setup
}

/// Runs with every Raft property checked on every record, as a sweep does (the records a
/// property reads are checked, then dropped; no trace, no trace hash); returns the world at the
/// end.
pub fn run_checked(setup: &Setup) -> World<Raft> {
    let mut world = World::<Raft>::new(setup.clone(), Vec::new()).expect("a valid setup");
    world.discard_records();
    world.forgo_hash();
    world.run_until(setup.duration_us, u64::MAX, &mut |_| {});
    world
}

/// [`run_checked`] with the run's fingerprint (every record hashed, as the page and `sim run`
/// hash them), still without a trace: what hashing costs.
#[allow(dead_code)] // the profiler's example does not use it
pub fn run_checked_hashed(setup: &Setup) -> World<Raft> {
    let mut world = World::<Raft>::new(setup.clone(), Vec::new()).expect("a valid setup");
    world.discard_records();
    world.run_until(setup.duration_us, u64::MAX, &mut |_| {});
    world
}
