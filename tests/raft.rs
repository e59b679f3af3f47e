//! Raft's classic scenarios (scenarios/raft/*.scenario), each run with and without the option or
//! planted bug it is about, with assertions on the exported trace.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{run_text, scenario_text, t, Ran};
use consensus_playground::playground::{self, run_to_end};
use consensus_playground::sim::Setup;

fn run(name: &str, options: &[(&str, &str)], bug: Option<&str>) -> Ran {
    run_text(&scenario_text("raft", name), "raft", options, bug)
}

#[test]
fn figure7_divergent_logs_are_repaired_to_the_leaders() {
    let r = run("figure7", &[], None);
    r.assert_clean();
    assert!(r.of("truncate").any(|e| e["node"] == 1 && t(e) >= 800_000), "the old leader deletes its suffix");
    let lasts = r.field_of_all("last index");
    assert!(lasts.windows(2).all(|w| w[0] == w[1]), "logs end equal: {lasts:?}");
    let states = r.field_of_all("state");
    assert!(states.windows(2).all(|w| w[0] == w[1]), "state machines agree: {states:?}");
    // The old leader's uncommitted "set b 2" was deleted; its client retried at the new leader,
    // which appended it again in its own term.
    assert!(states[0].contains("d=4"), "{states:?}");
    assert!(r
        .of("append")
        .any(|e| e["node"] == 1 && e["term"] == 1 && e["value"].as_str().unwrap().ends_with("set b 2")));
    assert!(r
        .of("append")
        .any(|e| e["node"] == 2 && e["term"] != 1 && e["value"].as_str().unwrap().ends_with("set b 2")));
}

#[test]
fn figure8_old_term_entries_are_not_committed_by_counting() {
    let safe = run("figure8", &[], None);
    safe.assert_clean();
    // S1, leader of term 3 with x on a majority, does not commit it: x is of term 1.
    assert!(!safe.of("commit").any(|e| e["node"] == 1 && (450_000..600_000).contains(&t(e))));
    let buggy = run("figure8", &[], Some("commit-previous-term"));
    assert!(buggy.of("commit").any(|e| e["node"] == 1 && (450_000..600_000).contains(&t(e))));
    assert!(buggy.violated.contains(&"leader-completeness".to_string()), "{:?}", buggy.violated);
    assert!(buggy.violated.contains(&"state-machine-safety".to_string()), "{:?}", buggy.violated);
}

fn max_term(r: &Ran, node: u64) -> u64 {
    r.of("role").filter(|e| e["node"] == node).map(|e| e["term"].as_u64().unwrap()).max().unwrap_or(0)
}

#[test]
fn a_disruptive_server_is_harmless_with_prevote_only() {
    let with = run("disruptive-server", &[], None);
    with.assert_clean();
    assert_eq!(max_term(&with, 5), max_term(&with, 1), "node 5's term never rises above the leader's");
    let deposed = |r: &Ran| r.of("role").any(|e| e["node"] == 1 && e["role"] == "follower" && t(e) >= 2_500_000);
    assert!(!deposed(&with), "with PreVote the leader stays");
    let without = run("disruptive-server", &[("prevote", "off")], None);
    assert!(max_term(&without, 5) > 5, "terms inflate while node 5 is cut off");
    assert!(deposed(&without), "without PreVote the leader is deposed on heal");
    assert!(without.violated.is_empty(), "{:?}", without.violated);
}

#[test]
fn an_isolated_leader_cannot_commit_and_steps_down_with_checkquorum() {
    let r = run("isolated-leader", &[], None);
    r.assert_clean();
    // The command sent to the isolated leader is never acknowledged by it.
    assert!(!r.of("reply").any(|e| e["node"] == 1 && e["reply"] == "ok" && (300_000..2_000_000).contains(&t(e))));
    assert!(r.of("role").any(|e| e["node"] == 1 && e["role"] == "follower" && (300_000..1_200_000).contains(&t(e))));
    // On heal its uncommitted entry goes.
    assert!(r.of("truncate").any(|e| e["node"] == 1 && t(e) >= 2_000_000));
    let without = run("isolated-leader", &[("checkquorum", "off")], None);
    assert!(
        without.failed_expectations.iter().any(|f| f.contains("no leader in {1,2}")),
        "{:?}",
        without.failed_expectations
    );
}

fn read_result(r: &Ran) -> String {
    let invoke = r.of("invoke").find(|e| e["op"] == "get x").expect("the read is invoked");
    let e = r.of("return").find(|e| e["client"] == invoke["client"]).expect("the read returns");
    e["result"].as_str().unwrap().to_string()
}

#[test]
fn read_index_refuses_a_stale_read_from_a_deposed_leader() {
    let r = run("stale-read", &[], None);
    r.assert_clean();
    assert_eq!(read_result(&r), "2");
    let stale = run("stale-read", &[("readindex", "off")], None);
    assert_eq!(read_result(&stale), "1", "without ReadIndex the old leader answers from its own state");
}

#[test]
fn forgetting_the_vote_lets_a_node_vote_twice_in_a_term() {
    let r = run("double-vote", &[], None);
    r.assert_clean();
    let buggy = run("double-vote", &[], Some("forget-vote"));
    assert!(buggy.violated.contains(&"one-vote-per-term".to_string()), "{:?}", buggy.violated);
    assert!(buggy.violated.contains(&"election-safety".to_string()), "{:?}", buggy.violated);
}

#[test]
fn membership_goes_from_three_to_five_and_back() {
    let r = run("membership", &[], None);
    r.assert_clean();
    assert!(r.of("append").any(|e| e["value"] == "config:1,2,3 learners:4"), "4 joins as a learner first");
    assert!(r.of("append").any(|e| e["value"] == "config:1,2,3,4,5"), "five voters at some point");
    let leader = r.run.view().nodes.into_iter().find(|n| n.role == "leader").expect("a leader");
    let config = leader.fields.iter().find(|(k, _)| k == "configuration").unwrap().1.clone();
    assert_eq!(config, "config:1,2,3");
}

#[test]
fn a_node_that_missed_a_compaction_gets_a_snapshot() {
    let r = run("snapshot", &[], None);
    r.assert_clean();
    assert!(r.of("send").any(|e| e["kind"] == "InstallSnapshot" && e["to"] == 3));
    assert!(r.of("snapshot").any(|e| e["node"] == 3));
    let states = r.field_of_all("state");
    assert!(states.windows(2).all(|w| w[0] == w[1]), "{states:?}");
}

#[test]
fn leadership_transfer_uses_timeout_now() {
    let r = run("transfer", &[], None);
    r.assert_clean();
    assert!(r.of("send").any(|e| e["kind"] == "TimeoutNow" && e["from"] == 1 && e["to"] == 3));
}

#[test]
fn raft_survives_chaos_with_every_option() {
    let combos: &[&[(&str, &str)]] = &[
        &[],
        &[("prevote", "off")],
        &[("checkquorum", "on")],
        &[("fastbacktrack", "off"), ("snapshot", "5")],
        &[("readindex", "off"), ("noop", "off")],
    ];
    for options in combos {
        for seed in 0..60 {
            for nodes in [3, 5] {
                let mut setup = Setup {
                    seed,
                    nodes,
                    faults: consensus_playground::sim::FaultPreset::Chaos,
                    duration_us: 6_000_000,
                    ..Setup::default()
                };
                for (k, v) in *options {
                    setup.options.insert(k.to_string(), v.to_string());
                }
                let mut run = playground::build("raft", setup, None).unwrap();
                run_to_end(run.as_mut());
                let v = run.property_violations();
                assert!(v.is_empty(), "seed {seed}, {nodes} nodes, {options:?}: {v:?}");
            }
        }
    }
}

#[test]
fn planted_bugs_are_caught_by_chaos() {
    // Seeds found by `sim sweep --protocol raft --faults chaos --seeds 0..20000 --bug B` (see the
    // README); each must keep failing. The other two bugs have targeted scenarios (above).
    let cases: &[(&str, u64, &str)] = &[
        ("no-election-restriction", 0, "leader-completeness"),
        ("forget-vote", 4489, "one-vote-per-term"),
        ("truncate-on-stale-append", 1, "commit-monotonic"),
    ];
    for (bug, seed, property) in cases {
        let setup = Setup {
            seed: *seed,
            faults: consensus_playground::sim::FaultPreset::Chaos,
            bug: Some(bug.to_string()),
            ..Setup::default()
        };
        let mut run = playground::build("raft", setup, None).unwrap();
        run_to_end(run.as_mut());
        let v: Vec<String> = run.property_violations().into_iter().map(|v| v.property).collect();
        assert!(v.contains(&property.to_string()), "{bug} seed {seed}: {v:?}");
    }
}

/// A leader keeps the entries it last cut for an AppendEntries (`Raft::cut`) and a debug
/// assertion checks, at every reuse, that they are still its log's. Under
/// `no-election-restriction`, chaos seed 98 elects a server whose log was rewritten since it last
/// led: if the cut outlived both the new leadership and the rewrite, that leader sent entries its
/// log no longer held (the assertion fires; found by sweeping seeds 0..300 without either
/// clearing, and no seed of 0..3000 under any planted bug needs more than one of the two).
#[test]
fn a_leaders_kept_entries_are_its_log_after_the_log_is_rewritten() {
    let setup = Setup {
        seed: 98,
        faults: consensus_playground::sim::FaultPreset::Chaos,
        bug: Some("no-election-restriction".to_string()),
        duration_us: 10 * consensus_playground::core::US_PER_S,
        ..Setup::default()
    };
    let mut run = playground::build("raft", setup, None).unwrap();
    let outcome = run_to_end(run.as_mut());
    assert_eq!(outcome.status, consensus_playground::sim::RunStatus::Reached, "the run went its course");
}

#[test]
fn membership_changes_wait_for_a_commit_in_the_leaders_term() {
    let safe = run("unsafe-membership", &[], None);
    safe.assert_clean();
    assert!(safe
        .of("note")
        .any(|e| e["text"].as_str().unwrap().contains("has not yet committed an entry of its term")));
    let buggy = run("unsafe-membership", &[], Some("unsafe-membership"));
    assert!(buggy.violated.contains(&"leader-completeness".to_string()), "{:?}", buggy.violated);
}

#[test]
fn client_progress_reports_the_first_late_command_of_the_stable_phase() {
    // Elections take 8 s: no command invoked in the first seconds can succeed in time. The
    // property is judged from invoke / return records as they pass (no history is kept); it
    // names the earliest-invoked command that ended late or badly, as the history-based version
    // did (same detail, same trace, checked against the previous binary when it changed).
    let mut setup = Setup { seed: 3, duration_us: 12_000_000, ..Setup::default() };
    setup.options.insert("election".into(), "8s..9s".into());
    let mut run = playground::build("raft", setup.clone(), None).unwrap();
    run_to_end(run.as_mut());
    let v: Vec<_> = run.property_violations().into_iter().filter(|v| v.property == "client-progress").collect();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(
        v[0].detail,
        "client 1 command 3 (\"get k1\") invoked at 1.395044s in the stable phase (since 0s) ended fail after 559.681ms"
    );
    // The unrecorded run of a sweep judges the same.
    let mut lean = playground::build_unrecorded("raft", setup, None).unwrap();
    run_to_end(lean.as_mut());
    assert_eq!(lean.property_violations(), run.property_violations());
    assert_eq!(lean.hash(), run.hash());
}
