//! What the protocols draw through the neutral views: the space-time diagram's marks come from
//! the shared role events and each protocol's own events; the log grid's style is the protocol's.
#![cfg(not(target_arch = "wasm32"))]

use consensus_playground::core::Protocol;
use consensus_playground::playground::settings::Settings;
use consensus_playground::playground::{build_settings, Keep};
use consensus_playground::protocols::paxos::Paxos;
use consensus_playground::protocols::raft::Raft;
use consensus_playground::protocols::two_phase_commit::TwoPhaseCommit;

fn marks_and_grid(protocol: &str, nodes: &str) -> (Vec<(String, String)>, &'static str) {
    let (settings, errors) =
        Settings::from_pairs([("protocol", protocol), ("nodes", nodes), ("seed", "2"), ("clients", "2")]);
    assert!(errors.is_empty(), "{errors:?}");
    let (_, mut run) = build_settings(&settings, Keep::Trace).unwrap();
    run.run_until(3_000_000, u64::MAX);
    let marks = run.spacetime(0, 3_000_000).marks.into_iter().map(|m| (m.kind.to_string(), m.label)).collect();
    let view = run.view();
    let column = view.nodes.iter().find_map(|n| n.log.as_ref()).map_or("", |l| l.style.column);
    (marks, column)
}

#[test]
fn marks_and_grids_come_from_the_protocols() {
    let (marks, column) = marks_and_grid(Raft::NAME, "5");
    assert!(marks.iter().any(|(kind, label)| kind == "role" && label.starts_with('L')), "{marks:?}");
    assert_eq!(column, "index");
    let (marks, column) = marks_and_grid(Paxos::NAME, "3");
    assert!(marks.iter().any(|(kind, label)| kind == "decide" && label == "✓0"), "{marks:?}");
    assert_eq!(column, "slot");
    let (marks, column) = marks_and_grid(TwoPhaseCommit::NAME, "3");
    assert!(
        marks.iter().any(|(kind, label)| kind == "decide" && (label.starts_with('C') || label.starts_with('A'))),
        "{marks:?}"
    );
    assert_eq!(column, "txn");
}
