//! The scenario language: good input parses to the right actions, bad input gets a message with
//! its line and column, nothing panics on any input, and expectations are judged.
#![cfg(not(target_arch = "wasm32"))]

use consensus_playground::core::NodeId;
use consensus_playground::playground::{self, run_to_end};
use consensus_playground::scenario::{parse, ExpectKind};
use consensus_playground::sim::{Action, FaultPreset, LinkChange, Setup};
use proptest::prelude::*;

fn n(i: u32) -> NodeId {
    NodeId(i)
}

#[test]
fn parses_settings_actions_and_expectations() {
    let text = r#"
        # settings
        protocol toy
        nodes 7
        seed 99
        bug volatile-log
        faults chaos
        duration 2.5s
        option heartbeat=20ms
        latency 2ms..4ms
        drop 1.5%
        clients 3 every 40ms

        at 100ms crash 3          # a comment
        at 0.2s restart 3
        at 300ms pause 2 for 50ms
        at 1s partition {1,2} {3,4,5}
        at 1s isolate 6
        at 1s cut 1<->2
        at 1s uncut 2->1
        at 1s link 1->* drop 50% latency 1ms..2ms duplicate 5%
        at 1s drift 4 150%
        at 1s request 2 "set \"x\" 1"
        at 1s clients 0
        at 1s say "Node 1 is alone"
        at 2s heal
        at 2s heal-all
        at 0s expect leader in {1,2} within 1s
        at 1s expect no leader in {3,4,5} for 500ms
        expect holds index-agreement
        expect violated acked-durable
        expect no violations
    "#;
    let s = parse(text).unwrap();
    assert_eq!(s.protocol.as_deref(), Some("toy"));
    assert_eq!((s.nodes, s.seed, s.duration_us), (Some(7), Some(99), Some(2_500_000)));
    assert_eq!(s.bug, Some(Some("volatile-log".into())));
    assert_eq!(s.faults, Some(FaultPreset::Chaos));
    assert_eq!(s.options, vec![("heartbeat".to_string(), "20ms".to_string())]);
    assert_eq!(s.clients, Some((3, 40_000)));
    let actions: Vec<(u64, Action)> = s.actions.iter().map(|a| (a.at_us, a.action.clone())).collect();
    assert_eq!(
        actions,
        vec![
            (100_000, Action::Crash { node: n(3) }),
            (200_000, Action::Restart { node: n(3) }),
            (300_000, Action::Pause { node: n(2), for_us: 50_000 }),
            (1_000_000, Action::Partition { groups: vec![vec![n(1), n(2)], vec![n(3), n(4), n(5)]] }),
            (1_000_000, Action::Partition { groups: vec![vec![n(6)]] }),
            (1_000_000, Action::Cut { from: n(1), to: n(2) }),
            (1_000_000, Action::Cut { from: n(2), to: n(1) }),
            (1_000_000, Action::Uncut { from: n(2), to: n(1) }),
            (
                1_000_000,
                Action::Link {
                    from: Some(n(1)),
                    to: None,
                    change: LinkChange {
                        latency_us: Some((1_000, 2_000)),
                        drop_ppm: Some(500_000),
                        duplicate_ppm: Some(50_000)
                    }
                }
            ),
            (1_000_000, Action::Drift { node: n(4), rate_pct: 150 }),
            (1_000_000, Action::Request { node: n(2), op: "set \"x\" 1".into() }),
            (1_000_000, Action::Workload { clients: 0, interval_us: 100_000 }),
            (1_000_000, Action::Say { text: "Node 1 is alone".into(), wait: Default::default() }),
            (2_000_000, Action::Heal),
            (2_000_000, Action::HealAll),
        ]
    );
    assert_eq!(s.expectations.len(), 5);
    assert_eq!(s.expectations[0].kind, ExpectKind::Leader { among: Some(vec![n(1), n(2)]), within_us: 1_000_000 });
    assert_eq!(s.expectations[1].describe(), "at 1s expect no leader in {3,4,5} for 500ms");
    let mut setup = Setup::default();
    s.apply_settings(&mut setup);
    assert_eq!(setup.link.drop_ppm, 15_000);
    assert_eq!((setup.link.latency_us_min, setup.link.latency_us_max), (2_000, 4_000));
}

#[test]
fn errors_name_the_line_and_column() {
    let cases = [
        ("nodes 5\nat 1s crash x", 2, 13, "expected a node id"),
        ("at 1s crash", 1, 12, "found the end of the line"),
        ("at 10 crash 1", 1, 4, "needs a unit"),
        ("nodes 500", 1, 7, "between 1 and"),
        ("at 1s explode 3", 1, 7, "unknown action \"explode\""),
        ("frobnicate", 1, 1, "unknown statement"),
        ("at 1s partition {1,2", 1, 21, "expected \",\" or \"}\""),
        ("at 1s partition {1,1}", 1, 20, "named twice"),
        ("at 1s cut 1 2", 1, 13, "\"->\" or \"<->\""),
        ("at 1s say \"unterminated", 1, 11, "no closing quote"),
        ("at 1s drop 120%", 1, 12, "between 0% and 100%"),
        ("at 1s crash 0", 1, 13, "start at 1"),
        ("at 1s crash 1 2", 1, 15, "expected the end of the line"),
        ("expect leader within 1s", 1, 1, "needs a time"),
        ("at 1s link 1->2", 1, 16, "drop, duplicate or latency"),
        ("at 1s latency 5ms..1ms", 1, 15, "minimum is above"),
        ("at 1s drift 1 5000%", 1, 15, "between 10% and 1000%"),
        ("at 1s crash 1 ;", 1, 15, "unexpected character"),
    ];
    for (text, line, col, message) in cases {
        let err = parse(text).unwrap_err();
        assert_eq!((err.line, err.col), (line, col), "{text:?}: {err}");
        assert!(err.message.contains(message), "{text:?}: {err}");
        assert!(err.to_string().starts_with(&format!("line {line}, column {col}: ")));
    }
}

#[test]
fn limits_refuse_huge_input() {
    let big = "# x\n".repeat(70_000);
    assert!(parse(&big).unwrap_err().message.contains("at most"));
    let long_line = format!("say \"{}\"", "a".repeat(3000));
    assert!(parse(&long_line).is_err());
}

#[test]
fn install_errors_name_the_line() {
    let s = parse("nodes 3\n\nat 1s crash 4").unwrap();
    let mut setup = Setup::default();
    s.apply_settings(&mut setup);
    let err = playground::build("toy", setup.clone(), Some(&s)).err().unwrap();
    assert_eq!(err, "line 3: node 4 does not exist (nodes are 1..=3)");
    let s = parse("expect holds no-such-property").unwrap();
    let err = playground::build("toy", setup, Some(&s)).err().unwrap();
    assert!(err.starts_with("line 1: protocol toy has no property \"no-such-property\""), "{err}");
}

fn judge(text: &str) -> Vec<(String, bool)> {
    let s = parse(text).unwrap();
    let mut setup = Setup::default();
    s.apply_settings(&mut setup);
    let mut run = playground::build(s.protocol.as_deref().unwrap_or("toy"), setup, Some(&s)).unwrap();
    run_to_end(run.as_mut()).expectations.into_iter().map(|e| (e.text, e.passed)).collect()
}

#[test]
fn leader_expectations_are_judged() {
    let results = judge(
        "duration 2s\n\
         at 500ms crash 1\n\
         at 800ms restart 1\n\
         at 0s expect leader in {1} within 50ms\n\
         at 0s expect leader in {2,3} within 1s\n\
         at 600ms expect no leader for 100ms\n\
         at 0s expect no leader in {2,3,4,5} for 2s\n\
         at 1s expect leader within 10ms\n\
         at 2.5s expect leader within 1s\n",
    );
    let passed: Vec<bool> = results.iter().map(|(_, p)| *p).collect();
    // leader 1 at boot: yes; a leader in {2,3}: never; no leader while 1 is down: yes;
    // followers never lead: yes; leader at 1s (1 restarted at 800ms): yes; deadline past the end: no.
    assert_eq!(passed, vec![true, false, true, true, true, false], "{results:?}");
}

#[test]
fn property_expectations_catch_the_planted_bug() {
    let text = "bug volatile-log\nduration 3s\nclients 1 every 20ms\n\
                at 1s crash 1\nat 1.1s restart 1\n\
                expect violated acked-durable\nexpect violated index-agreement\nexpect no violations\n";
    let results = judge(text);
    assert_eq!(results.iter().map(|(_, p)| *p).collect::<Vec<_>>(), vec![true, true, false], "{results:?}");
    let correct = judge(&text.replace("bug volatile-log", "bug none"));
    assert_eq!(correct.iter().map(|(_, p)| *p).collect::<Vec<_>>(), vec![false, false, true], "{correct:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn nothing_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        let _ = parse(&text);
    }

    #[test]
    fn nothing_panics_on_scenario_like_text(
        lines in proptest::collection::vec(
            "(at [0-9.]{1,4}(s|ms|us|x)? )?(crash|restart|pause|partition|cut|link|drop|latency|expect|say|nodes|seed|clients|option)( [-0-9a-z{}.,*%<>=\"]{0,12}){0,4}",
            0..12,
        )
    ) {
        let text = lines.join("\n");
        if let Ok(s) = parse(&text) {
            // Whatever parses can be installed or refused with a message, never a panic.
            let mut setup = Setup { duration_us: 200_000, ..Setup::default() };
            s.apply_settings(&mut setup);
            setup.duration_us = setup.duration_us.min(200_000);
            setup.nodes = setup.nodes.min(9);
            if let Ok(mut run) = playground::build("toy", setup, Some(&s)) {
                run_to_end(run.as_mut());
            }
        }
    }
}

/// Any action the page, a script or the JS API can give, with values across their ranges.
fn any_action() -> impl Strategy<Value = Action> {
    let node = (1u32..=101).prop_map(NodeId);
    let duration = 1u64..=86_400_000_000;
    let ppm = 0u32..=1_000_000;
    // Printable text with quotes, backslashes and non-ASCII (no newlines: one line each).
    let text = "[a-zA-Z0-9 \"\\\\<>&é😀\t_.-]{1,60}";
    let change = (
        proptest::option::of((0u64..=10_000_000, 0u64..=10_000_000).prop_map(|(a, b)| (a.min(b), a.max(b)))),
        proptest::option::of(ppm.clone()),
        proptest::option::of(ppm),
    )
        .prop_filter("a change changes something", |(l, d, p)| l.is_some() || d.is_some() || p.is_some())
        .prop_map(|(latency_us, drop_ppm, duplicate_ppm)| LinkChange { latency_us, drop_ppm, duplicate_ppm });
    prop_oneof![
        node.clone().prop_map(|node| Action::Crash { node }),
        node.clone().prop_map(|node| Action::Restart { node }),
        (node.clone(), duration.clone()).prop_map(|(node, for_us)| Action::Pause { node, for_us }),
        node.clone().prop_map(|node| Action::Resume { node }),
        // Distinct nodes, in one or two groups.
        (proptest::collection::btree_set(1u32..=101, 1..7), any::<prop::sample::Index>()).prop_map(|(set, at)| {
            let nodes: Vec<NodeId> = set.into_iter().map(NodeId).collect();
            let (a, b) = nodes.split_at(at.index(nodes.len()) + 1);
            let groups = if b.is_empty() { vec![a.to_vec()] } else { vec![a.to_vec(), b.to_vec()] };
            Action::Partition { groups }
        }),
        (node.clone(), node.clone()).prop_map(|(from, to)| Action::Cut { from, to }),
        (node.clone(), node.clone()).prop_map(|(from, to)| Action::Uncut { from, to }),
        Just(Action::Heal),
        Just(Action::HealAll),
        (proptest::option::of(node.clone()), proptest::option::of(node.clone()), change)
            .prop_map(|(from, to, change)| Action::Link { from, to, change }),
        (node.clone(), 10u32..=1000).prop_map(|(node, rate_pct)| Action::Drift { node, rate_pct }),
        (node.clone(), text).prop_map(|(node, op)| Action::Request { node, op }),
        (0u32..=50, duration.clone()).prop_map(|(clients, interval_us)| Action::Workload { clients, interval_us }),
        any::<u64>().prop_map(|id| Action::DropMessage { id }),
        any::<u64>().prop_map(|id| Action::DuplicateMessage { id }),
        (any::<u64>(), duration).prop_map(|(id, by_us)| Action::DelayMessage { id, by_us }),
        (text, any::<bool>())
            .prop_map(|(text, wait)| Action::Say { text, wait: consensus_playground::sim::Wait(wait) }),
        (proptest::option::of(node), text).prop_map(|(node, command)| Action::Admin { node, command }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, .. ProptestConfig::default() })]

    /// Share links carry actions as lines of the scenario language: each must read back as itself.
    #[test]
    fn every_action_reads_back_from_its_scenario_line(action in any_action()) {
        let line = action.describe();
        let back = consensus_playground::scenario::parse_actions(&line);
        prop_assert_eq!(back, Ok(vec![action]), "{}", line);
    }
}
