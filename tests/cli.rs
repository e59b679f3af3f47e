//! The `sim` command line: exit codes, messages, reproduce lines and trace export.
#![cfg(not(target_arch = "wasm32"))]

use std::process::{Command, Output};

fn sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sim")).args(args).output().expect("sim runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn run_exits_0_when_every_property_holds() {
    let o = sim(&["run", "--protocol", "toy", "--nodes", "3", "--seed", "4", "--duration", "2s"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("all properties held"), "{out}");
    assert!(out.contains("trace hash "), "{out}");
}

#[test]
fn run_exits_1_with_property_event_and_reproduce_line() {
    let o = sim(&["run", "--protocol", "toy", "--seed", "0", "--faults", "chaos", "--bug", "volatile-log"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let line = out.lines().find(|l| l.starts_with("violation: ")).expect("a violation line");
    assert!(line.contains(" at event "), "{line}");
    let repro = out.lines().find(|l| l.starts_with("reproduce: ")).expect("a reproduce line");
    assert_eq!(
        repro,
        "reproduce: sim run --protocol toy --nodes 5 --seed 0 --duration 60s --faults chaos --bug volatile-log"
    );
    // The reproduce command reproduces the same trace.
    let args: Vec<&str> = repro["reproduce: sim ".len()..].split(' ').collect();
    let again = sim(&args);
    assert_eq!(again.status.code(), Some(1));
    let hash = |s: &str| s.lines().find(|l| l.starts_with("trace hash")).map(str::to_string);
    assert_eq!(hash(&stdout(&again)), hash(&out));
}

#[test]
fn bad_usage_exits_2_with_a_clear_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["run", "--nodes", "0"], "--nodes: nodes=\"0\" is not a number from 1 to 101"),
        (&["run", "--protocol", "nope"], "unknown protocol \"nope\""),
        (&["run", "--protocol", "toy", "--bug", "nope"], "no planted bug \"nope\""),
        (&["run", "--duration", "10"], "needs a unit"),
        (&["run", "--faults", "some"], "unknown fault preset"),
        (&["run", "--option", "heartbeat"], "is not key=value"),
        (&["run", "--protocol", "toy", "--option", "speed=3"], "no option \"speed\""),
        (&["run", "--option", "prevote=maybe"], "on or off"),
        (&["run", "--scenario", "/nonexistent/file"], "cannot read scenario"),
        (&["sweep", "--seeds", "9..3"], "empty range"),
        (&["sweep"], "--seeds"),
        (&["frobnicate"], "unrecognized subcommand"),
    ];
    for (args, message) in cases {
        let o = sim(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn scenario_parse_errors_name_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("sim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.scenario");
    std::fs::write(&path, "nodes 3\nat 1s crash\n").unwrap();
    let o = sim(&["run", "--scenario", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.scenario: line 2, column 12: expected a node id"), "{}", stderr(&o));
}

#[test]
fn sweep_reports_throughput_violations_and_first_failing_seed() {
    let o = sim(&[
        "sweep",
        "--protocol",
        "raft",
        "--seeds",
        "0..40",
        "--faults",
        "chaos",
        "--duration",
        "3s",
        "--jobs",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("seeds/s") && out.contains("simulated events/s"), "{out}");
    assert_eq!(out.lines().last(), Some("violations: 0"));

    let o = sim(&[
        "sweep",
        "--protocol",
        "toy",
        "--seeds",
        "0..40",
        "--faults",
        "chaos",
        "--duration",
        "3s",
        "--bug",
        "volatile-log",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("first failing seed: "), "{out}");
    assert!(out.contains("index-agreement: "), "{out}");
    assert!(out.contains("liveness failures: "), "{out}");
    let last = out.lines().last().unwrap();
    let k: u64 = last.strip_prefix("violations: ").unwrap().parse().unwrap();
    assert!(k > 0);
}

#[test]
fn sweep_results_do_not_depend_on_the_number_of_jobs() {
    let run = |jobs: &str| {
        let o = sim(&[
            "sweep",
            "--seeds",
            "0..30",
            "--faults",
            "chaos",
            "--duration",
            "2s",
            "--bug",
            "volatile-log",
            "--jobs",
            jobs,
        ]);
        let out = stdout(&o);
        out.lines()
            .filter(|l| !l.starts_with("throughput") && !l.starts_with("swept"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn trace_export_has_the_observation_events() {
    let dir = std::env::temp_dir().join(format!("sim-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.jsonl");
    let o = sim(&[
        "run",
        "--protocol",
        "raft",
        "--seed",
        "2",
        "--duration",
        "2s",
        "--faults",
        "chaos",
        "--trace",
        path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&path).unwrap();
    let events: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let records: u64 = stdout(&o).split_whitespace().skip_while(|w| *w != "records").nth(1).unwrap().parse().unwrap();
    assert_eq!(events.len() as u64, records, "every record is exported");
    assert_eq!(events[0]["ev"], "run");
    assert_eq!(events[0]["protocol"], "raft");
    assert_eq!(events[0]["nodes"], 5);
    assert_eq!(events[0]["seed"], 2);
    assert!(events[0]["bug"].is_null());
    let mut last_t = 0;
    for e in &events {
        let t = e["t"].as_u64().expect("t is an integer");
        assert!(t >= last_t, "events are in time order");
        last_t = t;
        match e["ev"].as_str().unwrap() {
            "role" => {
                assert!(e["node"].as_u64().unwrap() >= 1);
                assert!(["follower", "precandidate", "candidate", "leader"].contains(&e["role"].as_str().unwrap()));
                assert!(e["term"].is_u64());
            }
            "append" | "apply" => {
                assert!(e["index"].is_u64() && e["term"].is_u64() && e["value"].is_string(), "{e}");
            }
            "commit" => assert!(e["index"].is_u64()),
            "crash" | "restart" => assert!(e["node"].is_u64()),
            _ => {}
        }
    }
    for ev in ["role", "append", "commit", "apply", "send", "deliver", "chaos", "persist", "invoke", "return"] {
        assert!(events.iter().any(|e| e["ev"] == ev), "no {ev} event");
    }
}

#[test]
fn list_names_protocols_bugs_properties_commands_and_presets() {
    let o = sim(&["list"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for needle in [
        "raft",
        "toy",
        "commit-previous-term",
        "unsafe-membership",
        "election-safety",
        "leader-elected",
        "transfer N",
        "prevote",
        "chaos",
    ] {
        assert!(out.contains(needle), "sim list lacks {needle}: {out}");
    }
}
