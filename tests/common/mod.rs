//! Running a scenario and reading its exported trace, shared by the protocol test files.
#![allow(dead_code)]

use consensus_playground::playground::{self, run_to_end, Playground};
use consensus_playground::scenario;
use consensus_playground::sim::Setup;
use serde_json::Value;

pub struct Ran {
    pub run: Box<dyn Playground>,
    pub events: Vec<Value>,
    pub failed_expectations: Vec<String>,
    pub violated: Vec<String>,
}

/// Runs scenario text (its `protocol` line, else `protocol`) with extra options and a bug.
pub fn run_text(text: &str, protocol: &str, options: &[(&str, &str)], bug: Option<&str>) -> Ran {
    let s = scenario::parse(text).unwrap_or_else(|e| panic!("{e}"));
    let mut setup = Setup::default();
    s.apply_settings(&mut setup);
    for (k, v) in options {
        setup.options.insert(k.to_string(), v.to_string());
    }
    if let Some(b) = bug {
        setup.bug = Some(b.to_string());
    }
    let protocol = s.protocol.clone().unwrap_or_else(|| protocol.to_string());
    let mut run = playground::build(&protocol, setup, Some(&s)).unwrap();
    let outcome = run_to_end(run.as_mut());
    let events = run.trace_jsonl().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let failed_expectations =
        outcome.expectations.iter().filter(|e| !e.passed).map(|e| format!("{}: {}", e.text, e.why)).collect();
    let mut violated: Vec<String> = run.property_violations().into_iter().map(|v| v.property).collect();
    violated.sort();
    violated.dedup();
    Ran { run, events, failed_expectations, violated }
}

/// The text of `scenarios/DIR/NAME.scenario`.
pub fn scenario_text(dir: &str, name: &str) -> String {
    let path = format!("{}/scenarios/{dir}/{name}.scenario", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

impl Ran {
    pub fn assert_clean(&self) {
        assert!(self.failed_expectations.is_empty(), "{:?}", self.failed_expectations);
        assert!(self.violated.is_empty(), "{:?}", self.violated);
    }
    pub fn of<'a>(&'a self, ev: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.events.iter().filter(move |e| e["ev"] == ev)
    }
    /// A summary field of every running node.
    pub fn field_of_all(&self, field: &str) -> Vec<String> {
        self.run
            .view()
            .nodes
            .iter()
            .filter(|n| n.up)
            .map(|n| n.fields.iter().find(|(k, _)| k == field).map(|(_, v)| v.clone()).unwrap_or_default())
            .collect()
    }
}

pub fn t(e: &Value) -> u64 {
    e["t"].as_u64().unwrap()
}
