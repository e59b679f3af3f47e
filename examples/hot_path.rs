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
#[path = "../benches/common/workload.rs"]
mod workload;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use consensus_playground::core::US_PER_S;

    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>().expect("a number"));
    let nodes = args.next().unwrap_or(5) as usize;
    let seconds = args.next().unwrap_or(10);
    let setup = workload::steady(nodes, seconds * US_PER_S);
    let repeats = args.next().unwrap_or(1);
    let mut best = f64::MAX;
    for _ in 0..repeats {
        let started = std::time::Instant::now();
        let world = workload::run_checked(&setup);
        best = best.min(started.elapsed().as_secs_f64());
        if repeats == 1 {
            // No trace hash: a sweep's run computes none (`workload::run_checked_hashed` would).
            let (steps, records, violations) = (world.steps(), world.records(), world.violations().len());
            println!("events {steps} records {records} violations {violations}");
        } else {
            println!("events {} best {:.0} events/s", world.steps(), world.steps() as f64 / best);
        }
    }
}
