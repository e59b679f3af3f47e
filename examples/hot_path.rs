//! The benchmark's "with checks" workload, once, for a profiler: a 5-node Raft cluster under
//! steady client load (five clients, each sending every 20 ms) for 10 virtual seconds, every
//! property checked on every record. Prints the events processed, so instructions per event can
//! be read off `valgrind --tool=callgrind`:
//!
//!   cargo build --profile native --example hot_path
//!   valgrind --tool=callgrind target/native/examples/hot_path [nodes] [seconds]

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use consensus_playground::check::World;
    use consensus_playground::core::{US_PER_MS, US_PER_S};
    use consensus_playground::protocols::raft::Raft;
    use consensus_playground::sim::Setup;

    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>().expect("a number"));
    let nodes = args.next().unwrap_or(5) as usize;
    let seconds = args.next().unwrap_or(10);
    let mut setup = Setup { nodes, seed: 1, duration_us: seconds * US_PER_S, ..Setup::default() };
    setup.workload.clients = 5;
    setup.workload.interval_us = 20 * US_PER_MS;
    let mut world = World::<Raft>::new(setup.clone(), Vec::new()).expect("a valid setup");
    world.run_until(setup.duration_us, u64::MAX, &mut |_| {});
    println!(
        "events {} records {} violations {} hash {:016x}",
        world.steps(),
        world.records(),
        world.violations().len(),
        world.hash()
    );
}
