//! Paxos scenarios (scenarios/paxos/*.scenario) and planted-bug seeds, with assertions on the
//! exported trace.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{run_text as run_scenario, scenario_text, Ran};
use consensus_playground::playground::{self, run_to_end};
use consensus_playground::sim::{FaultPreset, Setup};
use std::collections::BTreeSet;

fn run_text(text: &str, options: &[(&str, &str)], bug: Option<&str>) -> Ran {
    run_scenario(text, "paxos", options, bug)
}

fn run(name: &str, options: &[(&str, &str)], bug: Option<&str>) -> Ran {
    run_text(&scenario_text("paxos", name), options, bug)
}

impl Ran {
    /// The distinct values learned for a slot.
    fn chosen(&self, slot: u64) -> BTreeSet<String> {
        self.of("chosen").filter(|e| e["slot"] == slot).map(|e| e["value"].as_str().unwrap().to_string()).collect()
    }
    fn first_chosen_at(&self) -> Option<u64> {
        self.of("chosen").map(|e| e["t"].as_u64().unwrap()).min()
    }
}

#[test]
fn dueling_proposers_livelock_without_backoff_and_settle_with_it() {
    let duel = run("dueling", &[("backoff", "off")], None);
    duel.assert_clean();
    assert!(duel.chosen(0).is_empty(), "nothing is chosen while they duel");
    let rounds: BTreeSet<u64> = duel.of("promise").map(|e| e["ballot"][0].as_u64().unwrap()).collect();
    assert!(rounds.len() > 100, "they keep outbidding each other: {} rounds", rounds.len());
    let settled = run("dueling", &[], None);
    settled.assert_clean();
    assert_eq!(settled.chosen(0).len(), 1, "with back-off one value is chosen");
    assert!(settled.first_chosen_at().unwrap() < 500_000);
}

#[test]
fn one_acceptor_of_three_down_still_chooses() {
    let r = run("acceptor-down", &[], None);
    r.assert_clean();
    assert_eq!(r.chosen(0), BTreeSet::from(["c10000#1 set x 1".to_string()]));
}

#[test]
fn two_acceptors_of_three_down_choose_nothing_until_one_returns() {
    let r = run("two-acceptors-down", &[], None);
    r.assert_clean();
    let first = r.first_chosen_at().expect("chosen after the restart");
    assert!(first > 1_500_000, "nothing chosen without a majority (first at {first})");
    assert_eq!(r.chosen(0).len(), 1);
    // The proposer kept retrying in the meantime, with ever higher ballots.
    let rounds: BTreeSet<u64> =
        r.of("promise").filter(|e| e["node"] == 1).map(|e| e["ballot"][0].as_u64().unwrap()).collect();
    assert!(rounds.len() > 3, "{rounds:?}");
}

#[test]
fn acceptor_amnesia_chooses_two_values_only_with_the_bug() {
    let safe = run("amnesia", &[], None);
    safe.assert_clean();
    assert_eq!(safe.chosen(0), BTreeSet::from(["c10000#1 set x 1".to_string()]), "x=1 stays chosen");
    let buggy = run("amnesia", &[], Some("acceptor-forgets-promise"));
    assert_eq!(buggy.chosen(0).len(), 2, "two values learned: {:?}", buggy.chosen(0));
    assert!(buggy.violated.contains(&"agreement".to_string()), "{:?}", buggy.violated);
    assert!(buggy.violated.contains(&"learn-only-chosen".to_string()), "{:?}", buggy.violated);
}

#[test]
fn a_partial_accept_leads_to_either_value_never_both() {
    let text = scenario_text("paxos", "partial-accept");
    let late = run_text(&text, &[], None);
    late.assert_clean();
    assert_eq!(late.chosen(0), BTreeSet::from(["c10001#1 set x 2".to_string()]));
    // Node 1 back in time for proposer 2's phase 1: its promise reports x=1, which is chosen.
    let early = text.replace("at 1s restart 1", "at 45ms restart 1\nat 45ms link 1->2 latency 1ms..1ms");
    let early = run_text(&early, &[], None);
    early.assert_clean();
    assert_eq!(early.chosen(0), BTreeSet::from(["c10000#1 set x 1".to_string()]));
    // And over many seeds, never two values.
    for seed in 0..30 {
        let r = run_text(&text.replace("seed 6", &format!("seed {seed}")), &[], None);
        r.assert_clean();
        assert_eq!(r.chosen(0).len(), 1, "seed {seed}");
    }
}

#[test]
fn multi_paxos_leader_change_fills_gaps_with_noops() {
    let r = run("leader-change", &[], None);
    r.assert_clean();
    assert!(r.of("chosen").any(|e| e["value"] == ""), "a gap was filled with a no-op");
    let leaders_after: BTreeSet<u64> = r
        .of("send")
        .filter(|e| e["kind"] == "Heartbeat" && e["t"].as_u64().unwrap() > 1_500_000)
        .map(|e| e["from"].as_u64().unwrap())
        .collect();
    assert!(!leaders_after.contains(&4) && !leaders_after.is_empty(), "{leaders_after:?}");
    // Node 4 (crashed at 860 ms, restarted at 2.5 s) keeps its log on disk: after the restart it
    // asks only for the slots it missed and never learns again a slot it had learned.
    let learned_by_4 = |from: u64, to: u64| -> BTreeSet<u64> {
        r.of("chosen")
            .filter(|e| e["node"] == 4 && (from..to).contains(&e["t"].as_u64().unwrap()))
            .map(|e| e["slot"].as_u64().unwrap())
            .collect()
    };
    let (before, after) = (learned_by_4(0, 860_000), learned_by_4(2_500_000, u64::MAX));
    assert!(!before.is_empty() && !after.is_empty());
    assert!(before.is_disjoint(&after), "relearned {:?}", before.intersection(&after).collect::<Vec<_>>());
    let first_catch_up = r
        .of("send")
        .find(|e| e["kind"] == "CatchUp" && e["from"] == 4 && e["t"].as_u64().unwrap() > 2_500_000)
        .expect("node 4 catches up");
    let from_slot = |m: &str| m.rsplit(' ').next().unwrap().trim_end_matches(')').parse::<u64>().unwrap();
    let asked = from_slot(first_catch_up["msg"].as_str().unwrap());
    assert!(asked > 0 && before.iter().all(|&s| s < asked), "asked from slot {asked}, had {before:?}");
    // Every replica executed the same slots into the same state.
    let view = r.run.view();
    let field = |n: &consensus_playground::playground::NodeView, k: &str| {
        n.fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    let states: BTreeSet<String> = view.nodes.iter().filter(|n| n.up).map(|n| field(n, "state")).collect();
    assert_eq!(states.len(), 1, "{states:?}");
    // Each value was learned for one slot only: retried commands executed once.
    let mut slots_of: std::collections::BTreeMap<String, BTreeSet<u64>> = Default::default();
    for e in r.of("chosen").filter(|e| e["value"] != "") {
        slots_of.entry(e["value"].as_str().unwrap().to_string()).or_default().insert(e["slot"].as_u64().unwrap());
    }
    let twice: Vec<_> = slots_of.iter().filter(|(_, s)| s.len() > 1).collect();
    // A command may be chosen in two slots (a retry reached the new leader first); its second
    // execution is skipped by the session table, which the equal states above confirm.
    assert!(twice.len() < slots_of.len() / 10, "{twice:?}");
}

#[test]
fn multi_paxos_compacts_its_log_and_sends_a_lagging_replica_the_snapshot() {
    let r = run("compaction", &[], None);
    r.assert_clean();
    // Node 3, down from 0.5 s to 10 s, is sent snapshots (it asked below the others' logs, or
    // prepared there) and installs one covering at least the first 2,048 slots. Nodes 1 and 2,
    // down for 4 s (~800 slots), come back further behind than the others keep their logs, and
    // install one each too; node 4, never down, none.
    let sent_to_3 = r.of("send").filter(|e| e["kind"] == "Snapshot" && e["to"] == 3).count();
    assert!(sent_to_3 > 0);
    let installed: Vec<(u64, u64)> =
        r.of("snapshot").map(|e| (e["node"].as_u64().unwrap(), e["index"].as_u64().unwrap())).collect();
    let upto = match installed[..] {
        [(3, upto), (1, _), (2, _)] | [(3, upto), (2, _), (1, _)] if upto >= 2048 => upto,
        _ => panic!("{installed:?}"),
    };
    // It never learns a slot below the snapshot one by one: the snapshot holds them.
    let relearned: Vec<u64> = r
        .of("chosen")
        .filter(|e| e["node"] == 3 && e["t"].as_u64().unwrap() > 10_000_000)
        .map(|e| e["slot"].as_u64().unwrap())
        .filter(|&s| s < upto)
        .collect();
    assert!(relearned.is_empty(), "{relearned:?}");
    // Every replica ends in the same state, and none holds more log or accepted proposals than
    // it keeps behind its snapshot (512), a snapshot interval (256) and the proposals a leader
    // keeps in flight (256): the run chose many more slots than that.
    let slots = r.of("chosen").map(|e| e["slot"].as_u64().unwrap()).max().unwrap();
    assert!(slots > 5_000, "{slots} slots");
    let view = r.run.view();
    let field = |n: &consensus_playground::playground::NodeView, k: &str| {
        n.fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    let states: BTreeSet<String> = view.nodes.iter().map(|n| field(n, "state")).collect();
    assert_eq!(states.len(), 1, "{states:?}");
    for n in &view.nodes {
        for kept in ["log slots", "accepted slots"] {
            let count: u64 = field(n, kept).parse().unwrap();
            assert!(count <= 512 + 256 + 256, "node {}: {kept} {count}", n.id);
        }
    }
}

#[test]
fn the_run_event_lists_the_acceptors() {
    let r = run_text("protocol paxos\nnodes 5\noption acceptors=2..4\nduration 100ms\nclients 0\n", &[], None);
    let first = &r.events[0];
    assert_eq!(first["ev"], "run");
    assert_eq!(first["protocol"], "paxos");
    assert_eq!(first["acceptors"], serde_json::json!([2, 3, 4]));
}

fn chaos(protocol: &str, seed: u64, bug: Option<&str>, options: &[(&str, &str)]) -> Vec<String> {
    let mut setup = Setup { seed, faults: FaultPreset::Chaos, ..Setup::default() };
    setup.bug = bug.map(str::to_string);
    for (k, v) in options {
        setup.options.insert(k.to_string(), v.to_string());
    }
    let mut run = playground::build(protocol, setup, None).unwrap();
    let outcome = run_to_end(run.as_mut());
    let mut v: Vec<String> = outcome.violations.into_iter().map(|v| v.property).collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn correct_paxos_survives_chaos() {
    for seed in 0..150 {
        assert_eq!(chaos("paxos", seed, None, &[]), Vec::<String>::new(), "paxos seed {seed}");
        assert_eq!(
            chaos("paxos", seed, None, &[("proposers", "1..2"), ("acceptors", "3..5"), ("learners", "1,4,5")]),
            Vec::<String>::new(),
            "paxos, separate roles, seed {seed}"
        );
    }
    for seed in 0..40 {
        assert_eq!(chaos("multi-paxos", seed, None, &[]), Vec::<String>::new(), "multi-paxos seed {seed}");
    }
}

#[test]
fn planted_bugs_are_caught_by_chaos() {
    // The first failing seeds of `sim sweep --faults chaos --bug B` (see the README).
    let cases = [
        ("paxos", "acceptor-forgets-promise", 5, "agreement"),
        ("paxos", "ignore-accepted-value", 5, "agreement"),
        ("paxos", "minority-quorum", 0, "learn-only-chosen"),
        ("multi-paxos", "acceptor-forgets-promise", 0, "acceptor-keeps-promise"),
        ("multi-paxos", "ignore-accepted-value", 0, "agreement"),
        ("multi-paxos", "minority-quorum", 0, "learn-only-chosen"),
    ];
    for (protocol, bug, seed, property) in cases {
        let violated = chaos(protocol, seed, Some(bug), &[]);
        assert!(violated.contains(&property.to_string()), "{protocol} {bug} seed {seed}: {violated:?}");
    }
}
