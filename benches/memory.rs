//! Memory of a long run, measured natively with a counting global allocator: Raft, 5 nodes,
//! chaos for the first half, one virtual hour, as the page runs it (checks, the kept trace and
//! time travel). Prints, every ten virtual minutes, the live heap, the size of one world (the
//! simulation with its checks, which time travel checkpoints) and the trace records held; then
//! the peak. Not a test and not criterion: a table for docs/performance.md.
//!
//!   cargo bench --bench memory

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main();
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use consensus_playground::check::Checked;
    use consensus_playground::core::US_PER_S;
    use consensus_playground::heap::{live_bytes, measured_clone, peak_bytes, Counting};
    use consensus_playground::playground::Run;
    use consensus_playground::protocols::paxos::MultiPaxos;
    use consensus_playground::protocols::raft::Raft;
    use consensus_playground::protocols::two_phase_commit::TwoPhaseCommit;
    use consensus_playground::sim::{FaultPreset, Setup};

    #[global_allocator]
    static ALLOCATOR: Counting = Counting;

    fn mb(bytes: usize) -> String {
        format!("{:.2} MB", bytes as f64 / 1e6)
    }

    /// `MEMORY_MINUTES` (default 60) and `MEMORY_PROTOCOL` (raft, multi-paxos or 2pc; default raft)
    /// choose the run.
    pub fn main() {
        let minutes = std::env::var("MEMORY_MINUTES").ok().and_then(|m| m.parse().ok()).unwrap_or(60u64);
        match std::env::var("MEMORY_PROTOCOL").as_deref().unwrap_or("raft") {
            "multi-paxos" => measure::<MultiPaxos>(minutes),
            "2pc" => measure::<TwoPhaseCommit>(minutes),
            _ => measure::<Raft>(minutes),
        }
    }

    fn measure<P: Checked>(minutes: u64) {
        let setup = Setup {
            nodes: 5,
            seed: 1,
            faults: FaultPreset::Chaos,
            duration_us: minutes * 60 * US_PER_S,
            ..Setup::default()
        };
        let mut run = Run::<P>::new(setup).unwrap();
        println!("{}, 5 nodes, chaos for the first half, {minutes} virtual minutes (seed 1)", P::NAME);
        println!("| minute | events | live heap | one world | trace records held |");
        println!("|---:|---:|---:|---:|---:|");
        let start = std::time::Instant::now();
        for minute in 1..=minutes {
            run.run_until(minute * 60 * US_PER_S, u64::MAX);
            if minute == 1 || minute % 10 == 0 {
                let live = live_bytes();
                let world_bytes = measured_clone(run.world()).1;
                println!(
                    "| {minute} | {} | {} | {} | {} |",
                    run.world().steps(),
                    mb(live),
                    mb(world_bytes),
                    run.trace().records().len()
                );
            }
        }
        run.finish();
        println!(
            "peak live heap {} after {:.1} s of wall time, {} violations",
            mb(peak_bytes()),
            start.elapsed().as_secs_f64(),
            run.world().violations().len()
        );
    }
}
