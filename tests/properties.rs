//! Every named property of every protocol is seen to fire. A property that no test ever breaks
//! may be checking nothing, and a sweep of a correct protocol cannot tell: it passes either way.
//! So each property `sim list` names has a case here that breaks it, and the test fails when a
//! property has none (a new property must come with a way to break it).
//!
//! Two kinds of case:
//! - **a run**: a planted bug under chaos (the first seed of `sim run --faults chaos --bug B
//!   --seed S` that reports the property), or settings under which the protocol cannot keep a
//!   liveness promise (elections slower than the bound, a network slower than the bound). A
//!   blocking property (2PC's `blocked`) must be reported as blocking, not as a violation; and
//!   a run without a planted bug may break liveness only, never safety.
//! - **a check of its own**: for properties that no planted bug breaks (a correct protocol never
//!   does; the property stands guard for a future bug), records fed to the property as a run's
//!   world feeds them — only those its `reads` asks for — both ways: the records without the
//!   last one keep the property, with it they break it, with the expected detail. And
//!   `learners-learn`, which needs a run to end at the right moment (see `learner_too_late`).
#![cfg(not(target_arch = "wasm32"))]

use consensus_playground::check::{all_properties, Checked, PropertyKind, Reads};
use consensus_playground::core::{NodeId, Observation, Role, Shared, TimeUs, US_PER_MS, US_PER_S};
use consensus_playground::playground::{self, run_to_end};
use consensus_playground::protocols::paxos::{Ballot, PaxosEvent};
use consensus_playground::protocols::paxos::{MultiPaxos, Paxos};
use consensus_playground::protocols::raft::Raft;
use consensus_playground::protocols::two_phase_commit::TwoPhaseCommit;
use consensus_playground::sim::{FaultPreset, LinkParams, Outcome, Rec, Record, RecordKind, Setup, Simulation};

/// How a case breaks its property.
enum Case {
    /// `playground::build(protocol, setup)` run to its end reports the property.
    Run(Setup),
    /// A check of its own that breaks the property: records fed to it both ways (see
    /// [`breaks`]), or runs; `Ok(detail)` is what the property said.
    Check(fn() -> Result<String, String>),
}

fn chaos(bug: &str, seed: u64) -> Setup {
    Setup { seed, faults: FaultPreset::Chaos, bug: Some(bug.into()), ..Setup::default() }
}

fn with_options(mut setup: Setup, options: &[(&str, &str)]) -> Setup {
    for (k, v) in options {
        setup.options.insert(k.to_string(), v.to_string());
    }
    setup
}

/// A network with no faults that is slower than the liveness bounds: every message takes 4.5
/// seconds, so no command's round trips end within 3 seconds (`client-progress`). Paxos's
/// proposers wait as long as they may for a phase (10 s) and Multi-Paxos's followers 20 to 30 s
/// for a leader's heartbeat, so values are still chosen, slowly.
fn slow_network(protocol: &str, duration_us: TimeUs) -> Setup {
    let link =
        LinkParams { latency_us_min: 4_500 * US_PER_MS, latency_us_max: 4_500 * US_PER_MS, ..LinkParams::default() };
    let setup = Setup { seed: 1, link, duration_us, ..Setup::default() };
    match protocol {
        "paxos" => with_options(setup, &[("retry", "10s")]),
        "multi-paxos" => with_options(setup, &[("retry", "10s"), ("election", "20s..30s")]),
        _ => setup,
    }
}

/// `learners-learn` on the slow network: a first run finds when the first learner hears of a
/// chosen value; a second run ends a second before that. The value was chosen (accepted by a
/// majority) at least 4.5 s before any learner could hear of it, so more than two seconds before
/// the end, and no learner has learned it.
fn learner_too_late(protocol: &str) -> Result<String, String> {
    let mut run = playground::build(protocol, slow_network(protocol, 60 * US_PER_S), None)?;
    run_to_end(run.as_mut());
    let first_learned = run
        .trace_jsonl()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["ev"] == "chosen")
        .and_then(|e| e["t"].as_u64())
        .ok_or("nothing was learned in a minute")?;
    let mut run = playground::build(protocol, slow_network(protocol, first_learned - US_PER_S), None)?;
    run_to_end(run.as_mut());
    let v = run.property_violations();
    let found = v.iter().find(|v| v.property == "learners-learn").ok_or(format!("not reported: {v:?}"))?;
    Ok(found.detail.clone())
}

/// The case that breaks `property` of `protocol`, if there is one.
fn case(protocol: &str, property: &str) -> Option<Case> {
    use Case::*;
    Some(match (protocol, property) {
        ("raft", "election-safety") => Run(chaos("no-election-restriction", 77)),
        ("raft", "leader-append-only") => Check(raft_leader_overwrites),
        ("raft", "log-matching") => Run(chaos("no-election-restriction", 77)),
        ("raft", "leader-completeness") => Run(chaos("no-election-restriction", 0)),
        ("raft", "state-machine-safety") => Run(chaos("no-election-restriction", 0)),
        ("raft", "commit-monotonic") => Run(chaos("truncate-on-stale-append", 1)),
        ("raft", "term-monotonic") => Check(raft_term_goes_back),
        ("raft", "one-vote-per-term") => Run(chaos("forget-vote", 4489)),
        // Elections take 8 s: no leader within 3 s of the (fault-free) start.
        ("raft", "leader-elected") => Run(with_options(
            Setup { seed: 0, duration_us: 5 * US_PER_S, ..Setup::default() },
            &[("election", "8s..9s")],
        )),
        ("raft", "acked-applied") => Run(chaos("truncate-on-stale-append", 0)),
        ("raft", "client-progress") => Run(chaos("truncate-on-stale-append", 2)),

        ("paxos", "agreement") => Run(chaos("ignore-accepted-value", 5)),
        ("multi-paxos", "agreement") => Run(chaos("ignore-accepted-value", 0)),
        ("paxos", "validity") => Check(never_proposed::<Paxos>),
        ("multi-paxos", "validity") => Check(never_proposed::<MultiPaxos>),
        ("paxos" | "multi-paxos", "learn-only-chosen") => Run(chaos("minority-quorum", 0)),
        ("paxos", "acceptor-keeps-promise") => Run(chaos("acceptor-forgets-promise", 14)),
        ("multi-paxos", "acceptor-keeps-promise") => Run(chaos("acceptor-forgets-promise", 0)),
        ("paxos", "one-value-per-ballot") => Check(two_values_in_a_ballot::<Paxos>),
        ("multi-paxos", "one-value-per-ballot") => Check(two_values_in_a_ballot::<MultiPaxos>),
        ("paxos", "learners-learn") => Check(|| learner_too_late("paxos")),
        ("multi-paxos", "learners-learn") => Check(|| learner_too_late("multi-paxos")),
        ("paxos" | "multi-paxos", "client-progress") => Run(slow_network(protocol, 20 * US_PER_S)),

        ("2pc", "atomicity") => Run(chaos("commit-on-majority", 1)),
        ("2pc", "commit-needs-all-yes") => Run(chaos("commit-on-majority", 0)),
        ("2pc", "no-abort-after-yes") => Run(chaos("abort-after-yes", 0)),
        ("2pc", "decision-durable") => Run(chaos("no-decision-log", 8)),
        ("2pc", "conservation") => Run(chaos("abort-after-yes", 1)),
        // Participants in doubt ask after a minute, and the coordinator re-sends after one: a
        // decision lost to chaos reaches them long after the 3 s bound.
        ("2pc", "transactions-decide") => Run(with_options(
            Setup { seed: 0, faults: FaultPreset::Chaos, ..Setup::default() },
            &[("ask", "60s"), ("retry", "60s")],
        )),
        // Seed 0 is the first chaos run whose coordinator goes down with participants in doubt.
        ("2pc", "blocked") => Run(Setup { seed: 0, faults: FaultPreset::Chaos, ..Setup::default() }),
        ("2pc", "client-progress") => Run(slow_network(protocol, 20 * US_PER_S)),

        ("toy", "index-agreement") => Run(chaos("volatile-log", 0)),
        ("toy", "acked-durable") => Run(chaos("volatile-log", 0)),
        ("toy", "client-progress") => Run(slow_network(protocol, 20 * US_PER_S)),
        _ => return None,
    })
}

#[test]
fn every_property_of_every_protocol_is_seen_to_fire() {
    let mut missing = Vec::new();
    let mut checked = 0;
    for info in playground::protocols() {
        for (property, kind, _) in &info.properties {
            let Some(case) = case(info.name, property) else {
                missing.push(format!("{} {property}", info.name));
                continue;
            };
            match case {
                Case::Run(setup) => {
                    let what = format!("{} {property} (seed {}, bug {:?})", info.name, setup.seed, setup.bug);
                    let run_bug_free = setup.bug.is_none();
                    let kind_of = |name: &str| {
                        info.properties.iter().find(|(n, ..)| n == name).map(|(_, k, _)| *k).expect("a listed property")
                    };
                    let mut run = playground::build(info.name, setup, None).unwrap_or_else(|e| panic!("{what}: {e}"));
                    run_to_end(run.as_mut());
                    let (reported, other) = if *kind == PropertyKind::Blocking {
                        (run.blocked(), run.property_violations())
                    } else {
                        (run.property_violations(), run.blocked())
                    };
                    assert!(reported.iter().any(|v| &v.property == property), "{what}: reported {reported:?}");
                    assert!(!other.iter().any(|v| &v.property == property), "{what}: reported as the wrong kind");
                    // Without a planted bug the settings may cost liveness, never safety.
                    if run_bug_free {
                        let kinds: Vec<_> = run.property_violations().iter().map(|v| kind_of(&v.property)).collect();
                        assert!(
                            kinds.iter().all(|k| *k == PropertyKind::Liveness),
                            "{what}: {:?}",
                            run.property_violations()
                        );
                    }
                }
                Case::Check(check) => {
                    let detail = check().unwrap_or_else(|e| panic!("{} {property}: {e}", info.name));
                    assert!(!detail.is_empty(), "{} {property}: an empty detail", info.name);
                }
            }
            checked += 1;
        }
    }
    assert!(missing.is_empty(), "properties with no case that breaks them: {missing:?}");
    assert!(checked >= 36, "only {checked} properties");
}

/// Feeds `records` to a fresh copy of `property` of protocol `P` (built for `setup`), as a run's
/// world does: each record the property `reads`, with the simulation beside it. With
/// `finish_at`, the simulation is then run to that time and the end-of-run check made. The first
/// error the property raises, if any.
fn feed<P: Checked>(setup: Setup, property: &str, records: &[Rec<P>], finish_at: Option<TimeUs>) -> Result<(), String> {
    let mut sim = Simulation::<P>::new(setup).expect("a valid setup");
    let mut p = all_properties::<P>(sim.config())
        .into_iter()
        .find(|p| p.name() == property)
        .expect("a property of the protocol");
    let reads = p.reads();
    for r in records.iter().filter(|r| reads.any(Reads::of(&r.kind))) {
        p.observe(r, &sim)?;
    }
    if let Some(t) = finish_at {
        sim.run_until(t, u64::MAX);
        p.finish(&sim)?;
    }
    Ok(())
}

/// Both ways: `good` keeps the property, `good` then `bad` breaks it with a detail that says
/// `says`. The detail.
fn breaks<P: Checked>(
    property: &str,
    good: &[Rec<P>],
    bad: Rec<P>,
    finish_at: Option<TimeUs>,
    says: &str,
) -> Result<String, String> {
    feed::<P>(Setup::default(), property, good, finish_at)
        .map_err(|e| format!("broken without the last record: {e}"))?;
    let all: Vec<Rec<P>> = good.iter().cloned().chain([bad]).collect();
    match feed::<P>(Setup::default(), property, &all, finish_at) {
        Ok(()) => Err("the last record did not break it".into()),
        Err(detail) if detail.contains(says) => Ok(detail),
        Err(detail) => Err(format!("the detail {detail:?} does not say {says:?}")),
    }
}

fn observe<M, T, E>(t: TimeUs, node: u32, obs: Observation<E>) -> Record<M, T, E> {
    Record { t, kind: RecordKind::Observe { node: NodeId(node), obs } }
}

/// §5.3: a leader writes over an entry of its own log.
fn raft_leader_overwrites() -> Result<String, String> {
    let append = |index| observe(0, 1, Observation::Shared(Shared::Append { index, term: 1, value: "v".into() }));
    let good = [observe(0, 1, Observation::Shared(Shared::Role { role: Role::Leader, term: 1 })), append(1), append(2)];
    breaks::<Raft>("leader-append-only", &good, append(2), None, "leader n1 wrote index 2 over its log of 2 entries")
}

/// A server's term goes back (as if it forgot its persisted term at a restart).
fn raft_term_goes_back() -> Result<String, String> {
    let role = |term| observe(0, 2, Observation::Shared(Shared::Role { role: Role::Follower, term }));
    breaks::<Raft>("term-monotonic", &[role(1), role(3), role(3)], role(2), None, "n2's term went back from 3 to 2")
}

/// An acceptor accepts a value that no client invoked.
fn never_proposed<P: Checked<Event = PaxosEvent>>() -> Result<String, String> {
    let invoke = Record { t: 0, kind: RecordKind::Invoke { client: 1, seq: 1, op: "set k 1".into() } };
    let accept = |value: &str| {
        observe(1, 3, Observation::Own(PaxosEvent::Accept { slot: 0, ballot: Ballot(1, 1), value: value.into() }))
    };
    breaks::<P>("validity", &[invoke, accept("c1#1 set k 1")], accept("c1#1 set k 2"), None, "was never proposed")
}

/// Two acceptors accept different values in one slot and ballot.
fn two_values_in_a_ballot<P: Checked<Event = PaxosEvent>>() -> Result<String, String> {
    let accept = |node, round, value: &str| {
        observe(
            1,
            node,
            Observation::Own(PaxosEvent::Accept { slot: 0, ballot: Ballot(round, 1), value: value.into() }),
        )
    };
    // A later ballot may carry another value; the same ballot may not.
    let good = [accept(1, 1, "a"), accept(2, 1, "a"), accept(3, 2, "b")];
    let says = "n4 accepted \"b\" in slot 0 ballot [1,1], which already had \"a\"";
    breaks::<P>("one-value-per-ballot", &good, accept(4, 1, "b"), None, says)
}

/// `client-progress` is one property for every protocol, judged from `invoke` and `return`
/// records alone: a command invoked after the settling second that fails (or takes longer than
/// 3 s) is named at the end of the run; one invoked before it, or answered in time, is not.
#[test]
fn client_progress_judges_returns_alike_for_every_protocol() {
    fn late<P: Checked>() -> Result<String, String> {
        let invoke = |t, seq| Record { t, kind: RecordKind::Invoke { client: 1, seq, op: "set k 1".into() } };
        let ret = |t, seq, outcome| Record { t, kind: RecordKind::Return { client: 1, seq, outcome } };
        let ok = || Outcome::Ok("ok".into());
        let good = [
            invoke(100 * US_PER_MS, 1),
            ret(5 * US_PER_S, 1, Outcome::Fail("refused".into())),
            invoke(5 * US_PER_S, 2),
            ret(8 * US_PER_S, 2, ok()),
            invoke(8 * US_PER_S, 3),
        ];
        // At 10 s the third command has waited 2 s: in time, until a refusal ends it.
        let says =
            "client 1 command 3 (\"set k 1\") invoked at 8s in the stable phase (since 0s) ended fail after 1.5s";
        breaks::<P>(
            "client-progress",
            &good,
            ret(9_500 * US_PER_MS, 3, Outcome::Fail("refused".into())),
            Some(10 * US_PER_S),
            says,
        )
    }
    for result in [late::<Raft>(), late::<Paxos>(), late::<MultiPaxos>(), late::<TwoPhaseCommit>()] {
        result.unwrap();
    }
}
