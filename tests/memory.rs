//! Long runs keep bounded state: the world that time travel checkpoints (the simulation with its
//! checks) stops growing, measured with a counting global allocator. Sizes, not timings: the
//! numbers are deterministic for a given build. (`cargo bench --bench memory` prints the table.)
#![cfg(not(target_arch = "wasm32"))]

use consensus_playground::check::{Checked, World};
use consensus_playground::core::US_PER_S;
use consensus_playground::protocols::raft::Raft;
use consensus_playground::protocols::two_phase_commit::TwoPhaseCommit;
use consensus_playground::sim::{FaultPreset, Setup};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes one clone of the world allocates. The tests in this file run one at a time (a lock),
/// so no other thread allocates in between.
fn world_bytes<P: Checked>(world: &World<P>) -> isize {
    let before = LIVE.load(Ordering::Relaxed);
    let copy = world.clone();
    let bytes = LIVE.load(Ordering::Relaxed) - before;
    drop(copy);
    bytes
}

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The world's size at each of `minutes` (virtual), for a chaos run of `total` minutes.
fn sizes<P: Checked>(seed: u64, total: u64, minutes: &[u64]) -> Vec<isize> {
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
