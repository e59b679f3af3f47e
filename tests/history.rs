//! Client histories read from a run, typed by the protocol's application (the input of the
//! history checkers): every operation parses, and a run whose one client saw no fault satisfies
//! the application's sequential specification in invocation order.
#![cfg(not(target_arch = "wasm32"))]

use consensus_playground::apps::{bank::Bank, kv::KvStore, End};
use consensus_playground::check::{history, Checked, World};
use consensus_playground::core::{App, US_PER_S};
use consensus_playground::protocols::raft::Raft;
use consensus_playground::protocols::two_phase_commit::TwoPhaseCommit;
use consensus_playground::sim::{FaultPreset, Rec, Setup};

fn records<P: Checked>(setup: Setup) -> Vec<Rec<P>> {
    let until = setup.duration_us;
    let mut world = World::<P>::new(setup, Vec::new()).unwrap();
    let mut records = Vec::new();
    while world.sim().next_event_us().is_some_and(|t| t <= until) && world.step(&mut |r| records.push(r)) {}
    records
}

#[test]
fn a_fault_free_single_client_history_meets_the_key_value_specification() {
    let mut setup = Setup { seed: 3, duration_us: 5 * US_PER_S, ..Setup::default() };
    setup.workload.clients = 1;
    let h = history::<Raft>(&records::<Raft>(setup));
    assert!(h.unreadable.is_empty(), "{:?}", h.unreadable);
    assert!(h.operations.len() > 20, "{}", h.operations.len());
    let mut model = KvStore::default();
    let (mut reads, mut writes) = (0, 0);
    for o in &h.operations {
        let End::Ok { output, .. } = &o.end else {
            assert!(matches!(o.end, End::Pending), "without faults every command succeeds: {o:?}");
            continue;
        };
        model = model.step(&o.op, output).unwrap_or_else(|| panic!("{o:?} is not what the store gives"));
        if KvStore::is_read(&o.op) {
            reads += 1;
        } else {
            writes += 1;
        }
    }
    assert!(reads > 0 && writes > 0, "{reads} reads, {writes} writes");
    // The specification is not vacuous: a read of a value never written is refused.
    let first_read = h.operations.iter().find(|o| KvStore::is_read(&o.op)).unwrap();
    let wrong = KvStore::parse_output(&first_read.op, "never-written").unwrap();
    assert!(KvStore::default().step(&first_read.op, &wrong).is_none());
}

#[test]
fn chaos_histories_are_readable_with_unknown_and_failed_operations() {
    let mut setup = Setup { seed: 11, faults: FaultPreset::Chaos, duration_us: 10 * US_PER_S, ..Setup::default() };
    setup.workload.clients = 3;
    let h = history::<Raft>(&records::<Raft>(setup.clone()));
    assert!(h.unreadable.is_empty(), "{:?}", h.unreadable);
    assert!(h.operations.iter().any(|o| matches!(o.end, End::Ok { .. })));
    assert!(h.operations.iter().all(|o| match o.end {
        End::Ok { return_us, .. } | End::Fail { return_us } | End::Unknown { return_us } => return_us >= o.invoke_us,
        End::Pending => true,
    }));
    // Two-phase commit's clients use the bank: transfers that commit or abort.
    let h = history::<TwoPhaseCommit>(&records::<TwoPhaseCommit>(setup));
    assert!(h.unreadable.is_empty(), "{:?}", h.unreadable);
    let committed = h
        .operations
        .iter()
        .filter(|o| matches!(&o.end, End::Ok { output, .. } if Bank::print_output(output) == "committed"))
        .count();
    assert!(committed > 0 && committed < h.operations.len(), "{committed} of {}", h.operations.len());
}
