//! Same (seed, setup, actions) ⇒ same trace, every time and on every platform.
#![cfg(not(target_arch = "wasm32"))]

#[path = "golden/hash.rs"]
mod golden;

use consensus_playground::playground::{self, run_to_end, Keep, Playground};
use consensus_playground::scenario;
use consensus_playground::sim::trace::format_hash;
use consensus_playground::sim::{Action, FaultPreset, Setup};

fn chaos(seed: u64) -> Setup {
    Setup { seed, faults: FaultPreset::Chaos, duration_us: 3_000_000, ..Setup::default() }
}

fn hash_of(setup: Setup) -> u64 {
    let mut run = playground::build("toy", setup, None).unwrap();
    run_to_end(run.as_mut());
    run.hash()
}

#[test]
fn golden_scenario_has_the_golden_hash() {
    let s = scenario::parse(golden::GOLDEN_SCENARIO).unwrap();
    let mut setup = Setup::default();
    s.apply_settings(&mut setup);
    let mut run = playground::build("toy", setup, Some(&s)).unwrap();
    let outcome = run_to_end(run.as_mut());
    assert!(outcome.expectations.iter().all(|e| e.passed), "{:?}", outcome.expectations);
    assert_eq!(format_hash(run.hash()), golden::GOLDEN_TRACE_HASH);
}

#[test]
fn golden_raft_scenario_has_the_golden_hash() {
    let s = scenario::parse(golden::GOLDEN_RAFT_SCENARIO).unwrap();
    let mut setup = Setup::default();
    s.apply_settings(&mut setup);
    let mut run = playground::build("raft", setup, Some(&s)).unwrap();
    let outcome = run_to_end(run.as_mut());
    assert!(outcome.expectations.iter().all(|e| e.passed), "{:?}", outcome.expectations);
    assert_eq!(format_hash(run.hash()), golden::GOLDEN_RAFT_HASH);
}

#[test]
fn reruns_give_identical_traces_over_many_seeds() {
    for seed in 0..100 {
        let a = hash_of(chaos(seed));
        let b = hash_of(chaos(seed));
        assert_eq!(a, b, "seed {seed} is not reproducible: rerun with sim run --seed {seed} --faults chaos");
    }
}

#[test]
fn different_seeds_give_different_traces() {
    let hashes: std::collections::BTreeSet<u64> = (0..50).map(|s| hash_of(chaos(s))).collect();
    assert_eq!(hashes.len(), 50);
}

#[test]
fn exported_traces_are_identical_too() {
    let export = |seed| {
        let mut run = playground::build("toy", chaos(seed), None).unwrap();
        run_to_end(run.as_mut());
        run.trace_jsonl()
    };
    assert_eq!(export(9), export(9));
}

fn user_actions(run: &mut dyn Playground) {
    run.run_until(200_000, u64::MAX);
    run.apply(Action::Crash { node: consensus_playground::core::NodeId(2) }).unwrap();
    run.run_until(400_000, u64::MAX);
    run.apply(Action::Request { node: consensus_playground::core::NodeId(3), op: "set a 1".into() }).unwrap();
    run.run_until(900_000, u64::MAX);
}

#[test]
fn time_travel_restores_any_step_and_replays_to_the_same_hash() {
    let setup = Setup { duration_us: 2_000_000, ..chaos(5) };
    let mut run = playground::build("toy", setup.clone(), None).unwrap();
    user_actions(run.as_mut());
    let steps = run.steps();
    let final_hash = run.hash();
    let final_records = run.records();
    let final_trace = run.trace_jsonl();
    // Hashes along the way, from a fresh identical run.
    let mut reference = playground::build("toy", setup, None).unwrap();
    user_actions(reference.as_mut());
    assert_eq!(reference.hash(), final_hash);

    for target in [0, 1, 17, steps / 3, steps / 2, steps - 1, steps] {
        run.restore(target).unwrap();
        assert_eq!(run.steps(), target);
        // Replaying forward from the restored moment with the same actions reproduces the run.
        let mut replay = playground::build("toy", Setup { duration_us: 2_000_000, ..chaos(5) }, None).unwrap();
        user_actions(replay.as_mut());
        replay.restore(target).unwrap();
        assert_eq!(replay.hash(), run.hash(), "restore to step {target}");
    }
    // Going back to the start and re-acting identically gives the identical trace.
    run.restore(0).unwrap();
    user_actions(run.as_mut());
    assert_eq!(run.hash(), final_hash);
    assert_eq!(run.records(), final_records);
    assert_eq!(run.trace_jsonl(), final_trace);
}

#[test]
fn going_back_and_forth_in_time_keeps_the_trace_numbered_as_stepping_there_would() {
    // Time travel replays from the nearest checkpoint (every 2,000 steps in a run this short),
    // while the trace holds only its newest 300 records (~300 steps here). After any restore the
    // trace must count the records a run stepped straight to that step counts, and hold the
    // newest of the ones that run holds: all of them when the replay alone made at least 300
    // records (a restore 1,000 steps or more past a checkpoint), or else a suffix, since the
    // records older than the checkpoint are gone when the trace let go of them. Going forward
    // again after going back (End after a drag back) used to leave the trace counting the
    // records from where it had been, so the page's event log numbered old records as new.
    let mut setup = Setup { duration_us: 60_000_000, ..chaos(5) };
    setup.limits.trace_records_max = 300;
    let mut run = playground::build("raft", setup.clone(), None).unwrap();
    run_to_end(run.as_mut());
    let end = run.steps();
    assert!(end > 12_000, "{end} steps");
    for target in [end / 3, 1_999, 2_000, 2_001, 2_050, end / 2 + 7, end - 1, 50, 0, 11_500, 3_333] {
        run.restore(target).unwrap();
        let mut fresh = playground::build("raft", setup.clone(), None).unwrap();
        while fresh.steps() < target {
            fresh.step();
        }
        let ((held, next), (expected, expected_next)) = (run.trace_jsonl_from(0), fresh.trace_jsonl_from(0));
        assert_eq!((run.records(), next), (fresh.records(), expected_next), "records counted at step {target}");
        assert!(expected.ends_with(&held), "step {target}: the records held are the newest of the stepped run's");
        if target % 2_000 >= 1_000 {
            assert_eq!(held, expected, "step {target}: a long replay fills the trace");
        }
        assert_eq!(run.hash(), fresh.hash(), "hash at step {target}");
    }
}

#[test]
fn a_seek_taken_in_slices_stands_at_true_moments_and_arrives_where_a_restore_goes() {
    // The page takes a long seek (a timeline drag in a long run of a big cluster replays hundreds
    // of thousands of steps) a slice per frame. Between slices the run must stand at a true
    // moment of its past, and where it arrives must be the moment asked for; going on from the
    // world shown (forward again, the timeline dragged on) must replay only the steps between.
    let setup = Setup { duration_us: 40_000_000, ..chaos(7) };
    let mut run = playground::build("raft", setup.clone(), None).unwrap();
    user_actions(run.as_mut());
    run.run_until(setup.duration_us, u64::MAX);
    let end = run.steps();
    assert!(end > 9_000, "{end} steps");
    // The hash and record count after every step, and the whole trace at the end, from a copy
    // of the run taken back to its start and stepped through (stepping in the past gives the
    // recorded actions again at their steps).
    let mut reference = playground::build("raft", setup, None).unwrap();
    user_actions(reference.as_mut());
    reference.run_until(40_000_000, u64::MAX);
    let end_trace = reference.trace_jsonl();
    reference.restore(0).unwrap();
    let mut moments = vec![(reference.hash(), reference.records())];
    while reference.steps() < end {
        reference.step();
        moments.push((reference.hash(), reference.records()));
    }
    let moment = |run: &dyn Playground| (run.hash(), run.records());
    let mut slices = [1u64, 3, 50, 700, 2_000].into_iter().cycle();
    for target in [end / 2 + 7, 100, end - 1, 2_500, 2_510, 7_000, 6_999, end] {
        run.seek(target).unwrap();
        let mut taken = 0;
        while !run.seek_more(slices.next().unwrap()).unwrap() {
            taken += 1;
            assert_eq!(run.seeking(), Some(target));
            assert!(run.steps() < target);
            assert_eq!(moment(run.as_ref()), moments[run.steps() as usize], "half way to {target}, at {}", run.steps());
        }
        assert_eq!((run.steps(), run.seeking()), (target, None));
        assert_eq!(moment(run.as_ref()), moments[target as usize], "arrived at {target} after {taken} slices");
    }
    // On from the world shown: ten steps on are ten steps away (no checkpoint in between), and
    // so is the end from a thousand steps before it.
    for (from, to) in [(2_500, 2_510), (end - 1_000, end)] {
        run.restore(from).unwrap();
        run.seek(to).unwrap();
        assert!(run.seek_more(to - from).unwrap(), "{from} → {to} replayed from further back");
        assert_eq!(moment(run.as_ref()), moments[to as usize]);
    }
    // At the end again: the records held are the newest of the run's, and the world is the one
    // stepped through (a different world would make different records from here on).
    assert!(end_trace.ends_with(&run.trace_jsonl()), "the records held after the seeks");
    reference.restore(end).unwrap();
    assert_eq!(reference.steps(), end);
    for r in [&mut run, &mut reference] {
        r.run_until(45_000_000, u64::MAX);
    }
    assert_eq!(moment(run.as_ref()), moment(reference.as_ref()), "five seconds on from the end");
    // Acting half way through a seek acts at the moment reached, and forgets the seek.
    run.seek(end / 3).unwrap();
    run.seek_more(10).unwrap();
    let at = run.steps();
    assert!(at < end / 3);
    run.apply(Action::Crash { node: consensus_playground::core::NodeId(1) }).unwrap();
    assert_eq!((run.seeking(), run.horizon(), run.steps()), (None, at, at));
    assert!(run.seek_more(1_000).unwrap(), "no seek under way");
}

#[test]
fn the_trace_in_pieces_is_the_trace() {
    // The page exports the trace in pieces of whole lines, a few a frame, from the oldest record
    // held to the last (one string of ~20 MB grew its memory for good, and written at once it
    // held the page one frame of ~0.45 s); put together they are the trace, and no piece is longer than it needs.
    let mut run = playground::build("raft", chaos(3), None).unwrap();
    run_to_end(run.as_mut());
    let whole = run.trace_jsonl();
    assert!(whole.len() > 20_000, "{} bytes", whole.len());
    let (mut pieces, mut next) = (Vec::new(), run.trace_first_index());
    while next < run.records() {
        let (piece, after, _) = run.trace_jsonl_piece(next, 1_000);
        pieces.push(piece);
        next = after;
    }
    assert_eq!(pieces.concat(), whole);
    for (i, piece) in pieces.iter().enumerate() {
        assert!(piece.ends_with('\n'), "piece {i} ends inside a line");
        let without_last_line = piece[..piece.len() - 1].rfind('\n').map_or(0, |at| at + 1);
        assert!(without_last_line < 1_000, "piece {i} went on after reaching 1,000 bytes");
        assert!(i + 1 == pieces.len() || piece.len() >= 1_000, "piece {i} stopped short");
    }
    // Read piece by piece from any index (the JS API's `traceSince`), also once the trace has
    // let its oldest records go: from before the oldest held, the pieces start at it.
    let mut setup = chaos(3);
    setup.limits.trace_records_max = 300;
    let mut run = playground::build("raft", setup, None).unwrap();
    run_to_end(run.as_mut());
    let (whole, end) = run.trace_jsonl_from(0);
    let (mut read, mut from, mut calls) = (String::new(), 0, 0);
    loop {
        let (text, next, first) = run.trace_jsonl_piece(from, 2_000);
        assert_eq!(first, end - 300, "the oldest record held");
        if text.is_empty() {
            assert_eq!(next, end);
            break;
        }
        assert_eq!(next - from.max(first), text.lines().count() as u64, "next counts the records given");
        read.push_str(&text);
        (from, calls) = (next, calls + 1);
    }
    assert_eq!(read, whole);
    assert!(calls > 3, "{calls} pieces");
    let (tail, next, _) = run.trace_jsonl_piece(end - 2, 1 << 20);
    assert_eq!((tail.lines().count(), next), (2, end));
    assert!(whole.ends_with(&tail));
}

#[test]
fn restore_then_fork_diverges_and_old_future_is_forgotten() {
    let mut run = playground::build("toy", chaos(11), None).unwrap();
    user_actions(run.as_mut());
    let original = run.hash();
    let mid = run.steps() / 2;
    run.restore(mid).unwrap();
    let at_mid = run.hash();
    run.apply(Action::Request { node: consensus_playground::core::NodeId(1), op: "set fork 1".into() }).unwrap();
    run.run_until(900_000, u64::MAX);
    assert_ne!(run.hash(), original);
    // Restoring to the fork point again gives the same state as before the fork.
    run.restore(mid).unwrap();
    assert_eq!(run.hash(), at_mid);
    assert!(run.restore(run.horizon() + 1).is_err());
}

#[test]
fn scrubbing_back_and_forward_keeps_the_future_until_someone_acts() {
    let mut run = playground::build("toy", chaos(12), None).unwrap();
    user_actions(run.as_mut());
    let end = run.steps();
    let end_hash = run.hash();
    let end_trace = run.trace_jsonl();
    run.restore(end / 4).unwrap();
    assert_eq!(run.horizon(), end);
    // Forward again by restore, and by stepping (the recorded actions are given again).
    run.restore(end).unwrap();
    assert_eq!(run.hash(), end_hash);
    run.restore(10).unwrap();
    while run.steps() < end {
        run.step();
    }
    assert_eq!(run.hash(), end_hash);
    assert_eq!(run.trace_jsonl(), end_trace);
}

/// A step is an event that does something: stepping a run never lands on a queue entry whose
/// reason went away (a re-armed election timer, a client's timeout after its answer; in Raft
/// those were a third of all events). Without faults the only steps that record nothing are a
/// client receiving a redirect or a failure, which it answers by backing off (a retry later).
#[test]
fn steps_of_a_fault_free_run_are_events_that_do_something() {
    for protocol in ["raft", "paxos", "multi-paxos", "2pc", "toy"] {
        let setup = Setup { seed: 3, duration_us: 3_000_000, ..Setup::default() };
        let mut run = playground::build(protocol, setup, None).unwrap();
        let mut silent = 0;
        while run.now_us() < 3_000_000 {
            let before = run.records();
            if !run.step() {
                break;
            }
            silent += u64::from(run.records() == before);
        }
        let stats = run.stats();
        assert!(stats.steps > 100, "{protocol}: {stats:?}");
        assert!(silent * 100 <= stats.steps, "{protocol}: {silent} of {} steps recorded nothing", stats.steps);
        if protocol == "raft" {
            assert!(stats.passed_over > stats.steps / 10, "raft re-arms timers: {stats:?}");
        }
    }
}

/// A sweep's run keeps only the records its properties read: the simulation hashes and counts the
/// others where it makes them, and never copies their messages. It must give the recorded run's
/// hash, record count, violations (with their positions in the trace) and blocking reports,
/// planted bugs and all. In the recorded trace, a violation names the record that broke the
/// property (never the record of a violation reported before it at the same place), and each
/// property's first violation record comes right after it (or after those reports). A sweep's
/// own runs, which do not hash their records either (`Keep::Violations`), must give the same
/// record count, violations and blocking reports.
#[test]
fn unrecorded_runs_hash_count_and_place_violations_as_recorded_runs_do() {
    let cases = [
        ("raft", Some("no-election-restriction"), 77),
        ("raft", Some("truncate-on-stale-append"), 2),
        ("paxos", Some("ignore-accepted-value"), 5),
        ("multi-paxos", Some("acceptor-forgets-promise"), 0),
        ("2pc", Some("commit-on-majority"), 1),
        ("2pc", None, 0), // blocked, not violated
    ];
    for (protocol, bug, seed) in cases {
        let setup = Setup { seed, faults: FaultPreset::Chaos, bug: bug.map(String::from), ..Setup::default() };
        let mut recorded = playground::build(protocol, setup.clone(), None).unwrap();
        let mut lean = playground::build_unrecorded(protocol, setup.clone(), None).unwrap();
        let mut swept = playground::build_with(protocol, setup, None, Keep::Violations).unwrap();
        run_to_end(recorded.as_mut());
        run_to_end(lean.as_mut());
        run_to_end(swept.as_mut());
        let case = format!("{protocol} {bug:?} seed {seed}");
        assert!(!recorded.violations().is_empty() || !recorded.blocked().is_empty(), "{case}: nothing to compare");
        assert_eq!(lean.violations(), recorded.violations(), "{case}");
        assert_eq!(lean.blocked(), recorded.blocked(), "{case}");
        assert_eq!((lean.records(), lean.hash()), (recorded.records(), recorded.hash()), "{case}");
        assert_eq!(swept.violations(), recorded.violations(), "{case}");
        assert_eq!(swept.blocked(), recorded.blocked(), "{case}");
        assert_eq!((swept.records(), swept.steps()), (recorded.records(), recorded.steps()), "{case}");
        let mut seen = std::collections::BTreeSet::new();
        for v in recorded.violations() {
            if !seen.insert(v.property.clone()) {
                continue; // a later violation of a property writes no record
            }
            let broke = recorded.event(v.event).unwrap();
            assert!(broke.t_us <= v.t_us && broke.class != "violation", "{case}: {v:?} names {broke:?}");
            let named = (v.event + 1..=v.event + 8)
                .map_while(|i| recorded.event(i).filter(|e| e.class == "violation"))
                .any(|e| e.text.contains(&v.property));
            assert!(named, "{case}: no violation record after event {} for {v:?}", v.event);
        }
    }
}
