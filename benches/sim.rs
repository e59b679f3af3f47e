//! Native simulator throughput (criterion): simulated events per second for Raft under steady
//! client load, without and with the live property checks, at 5 and 51 nodes; one chaos seed
//! of `sim sweep --protocol raft --nodes 5 --duration 10s` (seeds per second per core); and long
//! runs, five virtual minutes of chaos with five clients on the page's path, for Raft and
//! Multi-Paxos (costs that grow with a run's length hide from 10-second runs: a property that
//! rescanned the log at every commit once took 86 % of such a run).
//!
//!   cargo bench --bench sim                 (docs/performance.md has the numbers)
//!
//! Throughput is reported as "elem/s": simulated events for the runs, seeds for the sweep case.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::benches();
}

/// The heap is counted, as on the page and in `sim`: time travel's checkpoints keep to their byte
/// budget only where it is (without it a long Multi-Paxos run keeps 64 whole worlds).
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: consensus_playground::heap::Counting = consensus_playground::heap::Counting;

#[cfg(not(target_arch = "wasm32"))]
#[path = "common/workload.rs"]
mod workload;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use super::workload::{run_checked, run_checked_hashed, steady};
    use consensus_playground::core::{US_PER_MS, US_PER_S};
    use consensus_playground::playground::{self, run_to_end, Keep};
    use consensus_playground::protocols::raft::Raft;
    use consensus_playground::sim::{FaultPreset, Setup, Simulation};
    use criterion::{BatchSize, Criterion, Throughput};
    use std::time::Duration;

    /// Runs the bare simulation (no properties, records discarded); returns the events processed.
    fn run_bare(setup: &Setup) -> u64 {
        let mut sim = Simulation::<Raft>::new(setup.clone()).unwrap();
        let mut sink = Vec::new();
        let mut t = 0;
        while t < setup.duration_us {
            t += 10 * US_PER_MS;
            sim.run_until(t, u64::MAX);
            sim.take_records(&mut sink);
            sink.clear();
        }
        sim.stats().steps
    }

    pub fn throughput(c: &mut Criterion) {
        for (nodes, duration_us) in [(5, 10 * US_PER_S), (51, US_PER_S)] {
            let setup = steady(nodes, duration_us);
            let events = run_checked(&setup).steps();
            assert_eq!(events, run_bare(&setup), "the checks do not change the run");
            let mut group = c.benchmark_group(format!("raft-{nodes}-nodes-steady-load"));
            group.throughput(Throughput::Elements(events));
            group.sample_size(10).measurement_time(Duration::from_secs(8));
            group.bench_function("without checks", |b| b.iter(|| run_bare(&setup)));
            group.bench_function("with checks", |b| b.iter(|| run_checked(&setup).steps()));
            // The same with the trace hash, which a sweep does not compute.
            group.bench_function("with checks and the trace hash", |b| b.iter(|| run_checked_hashed(&setup).steps()));
            // The page's and the JS API's path: checks plus the kept trace and time travel.
            group.bench_function("with checks, trace and time travel", |b| {
                b.iter_batched(
                    || playground::build("raft", setup.clone(), None).unwrap(),
                    |mut run| run.run_until(setup.duration_us, u64::MAX),
                    BatchSize::PerIteration,
                )
            });
            group.finish();
        }
        let mut group = c.benchmark_group("sweep-raft-5-nodes-10s-chaos");
        group.throughput(Throughput::Elements(1));
        group.sample_size(20).measurement_time(Duration::from_secs(8));
        let mut seed = 0;
        group.bench_function("one seed", |b| {
            b.iter(|| {
                seed += 1;
                let setup = Setup { seed, faults: FaultPreset::Chaos, ..Setup::default() };
                let mut run = playground::build_with("raft", setup, None, Keep::Violations).unwrap();
                run_to_end(run.as_mut()).violations.len()
            })
        });
        group.finish();
    }

    /// `sim run --protocol P --nodes 5 --clients 5 --faults chaos --duration 300s`, as the page
    /// and `sim run` run it: every property, the kept trace and time travel.
    pub fn long_runs(c: &mut Criterion) {
        let mut setup = Setup { seed: 1, faults: FaultPreset::Chaos, duration_us: 300 * US_PER_S, ..Setup::default() };
        setup.workload.clients = 5;
        let mut group = c.benchmark_group("long-run-5-nodes-5-clients-300s-chaos");
        group.sample_size(10).measurement_time(Duration::from_secs(15));
        for protocol in ["raft", "multi-paxos"] {
            let mut probe = playground::build(protocol, setup.clone(), None).unwrap();
            probe.run_until(setup.duration_us, u64::MAX);
            group.throughput(Throughput::Elements(probe.steps()));
            group.bench_function(protocol, |b| {
                b.iter_batched(
                    || playground::build(protocol, setup.clone(), None).unwrap(),
                    |mut run| run.run_until(setup.duration_us, u64::MAX),
                    BatchSize::PerIteration,
                )
            });
        }
        group.finish();
    }

    pub fn benches() {
        let mut c = Criterion::default().configure_from_args();
        throughput(&mut c);
        long_runs(&mut c);
    }
}
