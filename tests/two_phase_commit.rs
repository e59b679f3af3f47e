//! Two-phase commit scenarios (scenarios/2pc/*.scenario), chaos runs and planted-bug seeds, with
//! assertions on the exported trace and on the nodes' balances.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{run_text as run_scenario, scenario_text, t, Ran};
use consensus_playground::playground::{self, run_to_end, Playground};
use consensus_playground::sim::{FaultPreset, Setup};
use std::collections::BTreeMap;

fn run(name: &str, options: &[(&str, &str)], bug: Option<&str>) -> Ran {
    run_scenario(&scenario_text("2pc", name), "2pc", options, bug)
}

impl Ran {
    /// Each node's decisions for `txn`: node → (decision, time).
    fn decisions(&self, txn: u64) -> BTreeMap<u64, (String, u64)> {
        self.of("decide")
            .filter(|e| e["txn"] == txn)
            .map(|e| (e["node"].as_u64().unwrap(), (e["decision"].as_str().unwrap().to_string(), t(e))))
            .collect()
    }
    /// Every account's balance on the running participants.
    fn balances(&self) -> BTreeMap<String, i64> {
        self.field_of_all("balances")
            .iter()
            .flat_map(|f| f.split(", ").map(str::to_string).collect::<Vec<_>>())
            .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_string(), v.parse().unwrap())))
            .collect()
    }
    fn fact(&self, name: &str) -> String {
        self.run.view().facts.into_iter().find(|(k, _)| k == name).map(|(_, v)| v).unwrap_or_default()
    }
}

fn all(decision: &str, nodes: &[u64], d: &BTreeMap<u64, (String, u64)>) {
    for n in nodes {
        assert_eq!(d.get(n).map(|x| x.0.as_str()), Some(decision), "node {n}: {d:?}");
    }
}

#[test]
fn coordinator_crash_before_logging_aborts_after_restart() {
    let r = run("coordinator-crash-before-log", &[], None);
    r.assert_clean();
    let d = r.decisions(1);
    all("abort", &[1, 2, 3], &d);
    // The participants were in doubt until the coordinator came back at 600 ms.
    assert!(d[&2].1 > 600_000 && d[&3].1 > 600_000, "{d:?}");
    assert!(r.of("vote").filter(|e| e["txn"] == 1).all(|e| e["vote"] == "yes"));
    // That is blocking, reported apart from violations.
    let blocked = r.run.blocked();
    assert_eq!(blocked.len(), 1, "{blocked:?}");
    assert!(blocked[0].detail.contains("T1"), "{blocked:?}");
    // The client never got an answer for T1 and retried: T2 commits the transfer once.
    all("commit", &[1, 2, 3], &r.decisions(2));
    let b = r.balances();
    assert_eq!((b["2a"], b["3a"]), (90, 110), "{b:?}");
    assert!(r.fact("total").starts_with("400 "), "{}", r.fact("total"));
}

#[test]
fn coordinator_crash_after_logging_one_participant_tells_the_others() {
    let r = run("coordinator-crash-after-log", &[], None);
    r.assert_clean();
    let d = r.decisions(1);
    all("commit", &[1, 2, 3, 4], &d);
    assert!(d[&2].1 < 100_000, "n2 got the decision directly: {d:?}");
    // Cooperative termination: n3 and n4 learn it from n2 while the coordinator is down.
    assert!(d[&3].1 < 1_000_000 && d[&4].1 < 1_000_000, "{d:?}");
    let b = r.balances();
    assert_eq!((b["2a"], b["3a"], b["4a"]), (80, 110, 110), "{b:?}");

    // Without it they block until the coordinator returns and re-sends its logged commit.
    let r = run("coordinator-crash-after-log", &[("cooperative", "off")], None);
    r.assert_clean();
    let d = r.decisions(1);
    all("commit", &[1, 2, 3, 4], &d);
    assert!(d[&3].1 >= 1_000_000 && d[&4].1 >= 1_000_000, "{d:?}");
    assert_eq!(r.of("decide").filter(|e| e["node"] == 1).count(), 1, "the coordinator decided once");
}

#[test]
fn a_no_vote_aborts_everywhere() {
    let r = run("participant-votes-no", &[], None);
    r.assert_clean();
    all("abort", &[1, 2, 3], &r.decisions(1));
    all("commit", &[1, 2, 3], &r.decisions(2));
    let b = r.balances();
    assert_eq!((b["2a"], b["3a"], b["2b"], b["3b"]), (100, 100, 93, 107), "{b:?}");
    assert_eq!(r.field_of_all("locks")[1..], vec!["none".to_string(); 2]);
}

#[test]
fn a_participant_crashing_while_preparing_aborts_the_transaction() {
    let r = run("participant-crash-while-preparing", &[], None);
    r.assert_clean();
    let d = r.decisions(1);
    all("abort", &[1, 2], &d);
    assert!(!d.contains_key(&3), "n3 never voted, so has nothing to decide: {d:?}");
    assert_eq!(r.of("vote").filter(|e| e["node"] == 3).count(), 0);
    // The coordinator gave up at its vote timeout (150 ms after the begin at 15 ms).
    assert!((165_000..200_000).contains(&d[&1].1), "{d:?}");
    assert_eq!(r.field_of_all("locks")[1..], vec!["none".to_string(); 2]);
    assert_eq!(r.field_of_all("in doubt")[1..], vec!["none".to_string(); 2]);
    assert!(r.run.blocked().is_empty());
}

#[test]
fn a_participant_cut_off_from_the_coordinator_learns_from_its_peer() {
    let r = run("partition-participant", &[], None);
    r.assert_clean();
    let d = r.decisions(1);
    all("commit", &[1, 2, 3], &d);
    assert!(d[&3].1 < 1_000_000, "n3 committed during the partition: {d:?}");
    // After the heal the coordinator's re-sent commit is acknowledged and it forgets T1.
    assert_eq!(r.field_of_all("commit log")[0], "empty");

    let r = run("partition-participant", &[("cooperative", "off")], None);
    r.assert_clean();
    assert!(r.decisions(1)[&3].1 >= 1_000_000);
}

fn chaos(seed: u64, bug: Option<&str>, nodes: usize) -> Box<dyn Playground> {
    let mut setup = Setup { seed, nodes, faults: FaultPreset::Chaos, ..Setup::default() };
    setup.bug = bug.map(str::to_string);
    let mut run = playground::build("2pc", setup, None).unwrap();
    run_to_end(run.as_mut());
    run
}

fn violated(run: &dyn Playground) -> Vec<String> {
    let mut v: Vec<String> = run.property_violations().into_iter().map(|v| v.property).collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn correct_two_phase_commit_survives_chaos_and_blocking_is_not_a_violation() {
    let mut blocked = 0;
    for seed in 0..150 {
        for nodes in [3, 5] {
            let run = chaos(seed, None, nodes);
            assert_eq!(violated(run.as_ref()), Vec::<String>::new(), "seed {seed}, {nodes} nodes");
            blocked += usize::from(!run.blocked().is_empty());
        }
    }
    assert!(blocked > 0, "some chaos runs block");
    // Seed 0 is the first blocked run of `sim sweep --protocol 2pc --faults chaos`.
    let run = chaos(0, None, 5);
    assert!(!run.blocked().is_empty());
    assert!(run.violations().is_empty(), "{:?}", run.violations());
    assert!(!run.trace_jsonl().contains("\"ev\":\"violation\""), "blocking writes no violation event");
    let p = run.properties().into_iter().find(|p| p.name == "blocked").unwrap();
    assert!(!p.holds);
}

#[test]
fn planted_bugs_are_caught_by_chaos() {
    // The first failing seeds of `sim sweep --protocol 2pc --faults chaos --bug B` (see the README).
    let cases = [
        ("no-decision-log", 8, "decision-durable"),
        ("no-decision-log", 8, "atomicity"),
        ("abort-after-yes", 0, "no-abort-after-yes"),
        ("commit-on-majority", 0, "commit-needs-all-yes"),
    ];
    for (bug, seed, property) in cases {
        let v = violated(chaos(seed, Some(bug), 5).as_ref());
        assert!(v.contains(&property.to_string()), "{bug} seed {seed}: {v:?}");
    }
}

#[test]
fn bad_transfers_and_options_are_explained() {
    let r = run_scenario(
        "protocol 2pc\nnodes 3\nclients 0\nduration 200ms\nat 10ms request 1 \"transfer 2a 9z 5\"\nat 20ms request 2 \"transfer 2a 3a 500\"\n",
        "2pc",
        &[("no-vote", "0%")],
        None,
    );
    r.assert_clean();
    let results: Vec<String> = r.of("return").map(|e| e["result"].as_str().unwrap_or("").to_string()).collect();
    assert!(results[0].starts_with("rejected: no account \"9z\""), "{results:?}");
    // Too little money: the participant votes no.
    assert!(results[1].starts_with("aborted T1: n2 voted no"), "{results:?}");
    for (k, v) in
        [("accounts", "9"), ("no-vote", "150%"), ("work", "soon"), ("cooperative", "maybe"), ("colour", "red")]
    {
        let mut setup = Setup { nodes: 3, ..Setup::default() };
        setup.options.insert(k.into(), v.into());
        let e = playground::build("2pc", setup, None).err().unwrap_or_else(|| panic!("{k}={v} accepted"));
        assert!(e.contains(k), "{e}");
    }
    let e = playground::build("2pc", Setup { nodes: 1, ..Setup::default() }, None).err().unwrap();
    assert!(e.contains("at least 2 nodes"), "{e}");
}

/// The figure the page's "total" fact says is conserved: the balances, plus the legs of committed
/// transfers that some participant has not applied yet ("602 (starts at 600; 600 counting …)").
fn conserved_total(fact: &str) -> (i64, bool) {
    let between = fact.split_once("; ");
    let figure = between.map_or(fact, |(_, rest)| rest);
    (figure.split(' ').next().unwrap().parse().unwrap_or_else(|_| panic!("{fact}")), between.is_some())
}

#[test]
fn the_total_counts_committed_legs_that_are_not_yet_applied() {
    // At every step of busy chaos runs the balances plus the unapplied committed legs are the
    // starting total, and the runs pass through moments where the balances alone are not.
    let mut between = 0;
    for seed in 0..6 {
        let setup = Setup { seed, nodes: 4, faults: FaultPreset::Chaos, duration_us: 3_000_000, ..Setup::default() };
        let mut run = playground::build("2pc", setup, None).unwrap();
        let start = conserved_total(&fact_of(run.as_ref(), "total")).0;
        assert_eq!(start, 600);
        while run.now_us() < 3_000_000 && run.step() {
            let fact = fact_of(run.as_ref(), "total");
            let (figure, mid_commit) = conserved_total(&fact);
            assert_eq!(figure, start, "seed {seed} at {} µs: {fact}", run.now_us());
            between += usize::from(mid_commit);
        }
    }
    assert!(between > 0, "no run was ever caught between a commit's participants");
    // Each planted bug that breaks atomicity moves the conserved figure within a few seeds: the
    // fact is a live check a person can watch (commit-on-majority's shows before any balance
    // moves: a no-voter will never apply its leg).
    for bug in ["abort-after-yes", "no-decision-log", "commit-on-majority"] {
        let lost = (0..5).find_map(|seed| {
            let setup = Setup { seed, nodes: 5, faults: FaultPreset::Chaos, bug: Some(bug.into()), ..Setup::default() };
            let mut run = playground::build("2pc", setup, None).unwrap();
            while run.now_us() < 10_000_000 && run.step() {
                let fact = fact_of(run.as_ref(), "total");
                if conserved_total(&fact).0 != 800 {
                    return Some(fact);
                }
            }
            None
        });
        assert!(lost.is_some(), "{bug}: the total never moved in five seeds");
    }
}

fn fact_of(run: &dyn Playground, name: &str) -> String {
    run.view().facts.into_iter().find(|(k, _)| k == name).map(|(_, v)| v).unwrap_or_default()
}
