//! Long runs keep bounded state: the world that time travel checkpoints (the simulation with its
//! checks) stops growing, measured with a counting global allocator. Sizes, not timings: the
//! numbers are deterministic for a given build. (`cargo bench --bench memory` prints the table.)
#![cfg(not(target_arch = "wasm32"))]

use consensus_playground::check::{Checked, World};
use consensus_playground::core::US_PER_S;
use consensus_playground::heap::{allocated_bytes, live_bytes, measured_clone, peak_bytes, reset_peak, Counting};
use consensus_playground::playground::Run;
use consensus_playground::protocols::paxos::MultiPaxos;
use consensus_playground::protocols::raft::Raft;
use consensus_playground::protocols::two_phase_commit::TwoPhaseCommit;
use consensus_playground::sim::{FaultPreset, Setup, Workload};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes one clone of the world allocates. The tests in this file run one at a time (a lock),
/// so no other thread allocates in between.
fn world_bytes<P: Checked>(world: &World<P>) -> usize {
    measured_clone(world).1
}

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The world's size at each of `minutes` (virtual), for a chaos run of `total` minutes.
fn sizes<P: Checked>(seed: u64, total: u64, minutes: &[u64]) -> Vec<usize> {
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let setup =
        Setup { nodes: 5, seed, faults: FaultPreset::Chaos, duration_us: total * 60 * US_PER_S, ..Setup::default() };
    let mut world = World::<P>::new(setup, Vec::new()).unwrap();
    minutes
        .iter()
        .map(|m| {
            world.run_until(m * 60 * US_PER_S, u64::MAX, &mut |_| {});
            assert!(world.violations().is_empty(), "{:?}", world.violations());
            world_bytes(&world)
        })
        .collect()
}

#[test]
fn a_long_raft_run_keeps_a_bounded_world() {
    // Seed 1: chaos's membership changes leave a one-server configuration; the four removed
    // servers stop compacting, which used to keep every index ever committed in three checks.
    let s = sizes::<Raft>(1, 60, &[20, 40, 60]);
    assert!(s.iter().all(|&b| b < 600_000), "world bytes at 20, 40, 60 minutes: {s:?}");
}

#[test]
fn a_long_two_phase_commit_run_keeps_a_bounded_world() {
    let s = sizes::<TwoPhaseCommit>(1, 40, &[10, 20, 40]);
    assert!(s.iter().all(|&b| b < 1_000_000), "world bytes at 10, 20, 40 minutes: {s:?}");
}

#[test]
fn a_multi_paxos_step_costs_the_allocator_the_same_however_long_the_log() {
    // An acceptor used to persist by copying its whole state — every slot it ever accepted — at
    // each answer, so a step's allocations grew with the log (and a four-minute run spent 94 %
    // of its time copying). Bytes allocated per step early on and three minutes later, fault
    // free (the load stays the same): equal within noise, not proportional to the slots.
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let setup = Setup { nodes: 5, seed: 3, duration_us: 240 * US_PER_S, ..Setup::default() };
    let mut world = World::<MultiPaxos>::new(setup, Vec::new()).unwrap();
    let mut per_step = |from_s: u64, to_s: u64| {
        world.run_until(from_s * US_PER_S, u64::MAX, &mut |_| {});
        let (bytes, steps) = (allocated_bytes(), world.steps());
        world.run_until(to_s * US_PER_S, u64::MAX, &mut |_| {});
        assert!(world.violations().is_empty(), "{:?}", world.violations());
        (allocated_bytes() - bytes) as f64 / (world.steps() - steps) as f64
    };
    let early = per_step(10, 30);
    let late = per_step(200, 220);
    assert!(late < early * 1.5, "bytes allocated per step: {early:.0} at 10-30 s, {late:.0} at 200-220 s");
}

#[test]
fn a_multi_paxos_world_stays_bounded_however_long_the_log() {
    // Replicas and acceptors compact their logs (every 256 slots, up to 512 behind) and the
    // properties forget the compacted slots, so from 2 to 8 virtual minutes, while four times
    // the slots are chosen, a world grows only by `validity`'s record of the commands clients
    // invoked: a hash, 8 bytes a command. Measured: 0.66 MB at 2 minutes, 0.93 MB at 8, 7.9
    // bytes per command invoked between. With `validity` keeping each command's text (~32
    // bytes a command): 0.93 and 2.01 MB, 31.9 bytes; compacting every 1,024 slots up to 1,024
    // behind, too: 1.92 and 2.99 MB; with the replicas' compaction turned off, 8.3 MB and
    // 26.9 MB (552 bytes a command).
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let setup = Setup {
        nodes: 5,
        seed: 2,
        duration_us: 480 * US_PER_S,
        workload: Workload { clients: 3, interval_us: 20_000, ..Workload::default() },
        ..Setup::default()
    };
    let mut world = World::<MultiPaxos>::new(setup, Vec::new()).unwrap();
    world.run_until(120 * US_PER_S, u64::MAX, &mut |_| {});
    let (early, early_ops) = (world_bytes(&world), world.sim().stats().client_ops);
    world.run_until(480 * US_PER_S, u64::MAX, &mut |_| {});
    let (late, late_ops) = (world_bytes(&world), world.sim().stats().client_ops);
    assert!(world.violations().is_empty(), "{:?}", world.violations());
    let per_command = late.saturating_sub(early) as f64 / (late_ops - early_ops) as f64;
    assert!(late_ops - early_ops > 10_000, "{} commands invoked", late_ops - early_ops);
    assert!(
        per_command < 16.0,
        "one world: {early} bytes at 2 minutes, {late} at 8: {per_command:.1} bytes per command"
    );
}

#[test]
fn time_travel_keeps_a_growing_world_within_its_byte_budget() {
    // Raft with log compaction off (`snapshot=0`) keeps every entry, so its world grows: 64
    // checkpoints of it would weigh 64 worlds. The byte budget thins them instead. Five clients
    // every 5 ms make the world grow fast enough for that within 4 virtual minutes. (Every
    // protocol compacts by default now; Multi-Paxos, which did not, was this test's world.)
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut setup = Setup {
        nodes: 5,
        seed: 1,
        faults: FaultPreset::Chaos,
        duration_us: 240 * US_PER_S,
        workload: Workload { clients: 5, interval_us: 5_000, ..Workload::default() },
        ..Setup::default()
    };
    setup.options.insert("snapshot".into(), "0".into());
    let mut run = Run::<Raft>::new(setup).unwrap();
    let mut thinned = false;
    for minute in 1..=4 {
        run.run_until(minute * 60 * US_PER_S, u64::MAX);
        let (count, bytes) = run.checkpoints();
        let world = world_bytes(run.world());
        assert!(bytes <= 64 << 20, "minute {minute}: {count} checkpoints weigh {bytes} bytes (one world {world})");
        thinned |= count * world > 64 << 20 && count < 64;
    }
    assert!(thinned, "the byte budget, not the count limit, decided how many checkpoints were kept");
    // Going back still works: step 1,000 is replayed from the nearest checkpoint.
    run.restore(1_000).unwrap();
    assert_eq!(run.world().steps(), 1_000);
}

#[test]
fn going_back_in_time_holds_no_more_of_the_replay_than_the_trace_keeps() {
    // A restore replays from the nearest checkpoint, and the trace keeps only its newest records.
    // The replay's records used to be gathered first, all of them: with checkpoints ~300,000 steps
    // apart (a 51-node virtual hour on the page) that was 190 MB at each drag of the timeline.
    // Here a trace of 1,000 records, already full, and a replay of 1,950 steps (~2,000 records):
    // the heap may grow by the restored world and a step's records, not by the replay.
    // Measured: 43 KB (one world 36 KB); gathering the whole replay first, 837 KB.
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut setup = Setup { nodes: 5, seed: 1, duration_us: 60 * US_PER_S, ..Setup::default() };
    setup.limits.trace_records_max = 1_000;
    let mut run = Run::<Raft>::new(setup).unwrap();
    run.run_until(60 * US_PER_S, u64::MAX);
    let target = 3_950; // the checkpoints lie 2,000 steps apart: this replays 1,950 steps from 2,000
    let steps = run.world().steps();
    assert!(steps > 6_000, "{steps} steps");
    let world = world_bytes(run.world());
    let before = live_bytes();
    reset_peak();
    run.restore(target).unwrap();
    let grew = peak_bytes() - before;
    assert_eq!(run.world().steps(), target);
    assert!(grew < world + 100_000, "the heap grew by {grew} bytes during the restore (one world: {world})");
}
