//! The benchmark's "with checks" workload, once, for a profiler: a 5-node Raft cluster under
//! steady client load (five clients, each sending every 20 ms) for 10 virtual seconds, every
//! property checked on every record. Prints the events processed, so instructions per event can
//! be read off `valgrind --tool=callgrind`:
//!
//!   cargo build --profile native --example hot_path
//!   valgrind --tool=callgrind target/native/examples/hot_path [nodes] [seconds]
//!
//! With a third argument it runs that many times and prints the best wall-clock rate (for
//! comparing two builds run alternately; the bench in `benches/sim.rs` is the measurement).

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
    let repeats = args.next().unwrap_or(1);
    let mut best = f64::MAX;
    for _ in 0..repeats {
        let started = std::time::Instant::now();
        let mut world = World::<Raft>::new(setup.clone(), Vec::new()).expect("a valid setup");
        world.discard_records();
        world.run_until(setup.duration_us, u64::MAX, &mut |_| {});
        best = best.min(started.elapsed().as_secs_f64());
        if repeats == 1 {
            let (steps, records, violations, hash) =
                (world.steps(), world.records(), world.violations().len(), world.hash());
            println!("events {steps} records {records} violations {violations} hash {hash:016x}");
        } else {
            println!("events {} best {:.0} events/s", world.steps(), world.steps() as f64 / best);
        }
    }
}
