//! The scenario language: one small text format for tests, lessons, share links and the JS API.
//! A scenario sets up a cluster, schedules actions at virtual times, and states expectations.
//!
//! ```text
//! # Settings (each optional; the command line or page can override them)
//! protocol toy
//! nodes 5
//! seed 42
//! duration 5s
//! clients 2 every 100ms
//! # Timed actions
//! at 1s partition {1,2} {3,4,5}
//! at 2s heal
//! # Expectations
//! at 2s expect leader in {1} within 1s
//! expect holds index-agreement
//! ```
//!
//! The full grammar is in the README.

mod expect;
mod lexer;
mod parse;

pub use expect::LeaderExpectation;
pub use parse::{parse, parse_actions, ParseError, SCENARIO_BYTES_MAX};

use crate::check::{Checked, Property, PropertyKind, World};
use crate::core::{NodeId, TimeUs};
use crate::sim::{Action, FaultPreset, LinkChange, Setup};

/// An action at a virtual time, with the line it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedAction {
    pub line: usize,
    pub at_us: TimeUs,
    pub action: Action,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExpectKind {
    /// Some node (among the set, if given) is the one leader of the highest term within the time.
    Leader { among: Option<Vec<NodeId>>, within_us: TimeUs },
    /// No node (among the set, if given) believes it is leader, of any term, during the time.
    NoLeader { among: Option<Vec<NodeId>>, for_us: TimeUs },
    /// The named property is never violated.
    Holds(String),
    /// The named property is violated (a planted bug is caught).
    Violated(String),
    /// No safety or liveness property is violated.
    NoViolations,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    pub line: usize,
    pub at_us: Option<TimeUs>,
    pub kind: ExpectKind,
}

impl Expectation {
    pub fn describe(&self) -> String {
        let set = |s: &Option<Vec<NodeId>>| match s {
            None => String::new(),
            Some(nodes) => {
                let ids: Vec<String> = nodes.iter().map(|n| n.0.to_string()).collect();
                format!(" in {{{}}}", ids.join(","))
            }
        };
        let body = match &self.kind {
            ExpectKind::Leader { among, within_us } => {
                format!("leader{} within {}", set(among), crate::core::time::format_duration(*within_us))
            }
            ExpectKind::NoLeader { among, for_us } => {
                format!("no leader{} for {}", set(among), crate::core::time::format_duration(*for_us))
            }
            ExpectKind::Holds(p) => format!("holds {p}"),
            ExpectKind::Violated(p) => format!("violated {p}"),
            ExpectKind::NoViolations => "no violations".into(),
        };
        match self.at_us {
            Some(t) => format!("at {} expect {body}", crate::core::time::format_duration(t)),
            None => format!("expect {body}"),
        }
    }
}

/// A parsed scenario.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scenario {
    pub protocol: Option<String>,
    pub nodes: Option<usize>,
    pub seed: Option<u64>,
    /// `Some(None)` is an explicit `bug none`.
    pub bug: Option<Option<String>>,
    pub faults: Option<FaultPreset>,
    pub duration_us: Option<TimeUs>,
    pub options: Vec<(String, String)>,
    pub link_changes: Vec<LinkChange>,
    pub clients: Option<(u32, TimeUs)>,
    pub actions: Vec<TimedAction>,
    pub expectations: Vec<Expectation>,
}

impl Scenario {
    /// Writes the scenario's settings into `setup`.
    pub fn apply_settings(&self, setup: &mut Setup) {
        if let Some(n) = self.nodes {
            setup.nodes = n;
        }
        if let Some(seed) = self.seed {
            setup.seed = seed;
        }
        if let Some(bug) = &self.bug {
            setup.bug = bug.clone();
        }
        if let Some(f) = self.faults {
            setup.faults = f;
        }
        if let Some(d) = self.duration_us {
            setup.duration_us = d;
        }
        for (k, v) in &self.options {
            setup.options.insert(k.clone(), v.clone());
        }
        for change in &self.link_changes {
            setup.link.apply(change);
        }
        if let Some((clients, interval_us)) = self.clients {
            setup.workload.clients = clients;
            setup.workload.interval_us = interval_us;
        }
    }

    /// Builds a world for this scenario: its timed expectations become properties checked from
    /// the first record, and its actions are scheduled. Errors name the line.
    pub fn build_world<P: Checked>(&self, setup: Setup) -> Result<World<P>, String> {
        let nodes = setup.nodes as u32;
        let mut extra: Vec<Box<dyn Property<P>>> = Vec::new();
        for e in &self.expectations {
            if let ExpectKind::Leader { among, .. } | ExpectKind::NoLeader { among, .. } = &e.kind {
                if let Some(bad) = among.iter().flatten().find(|n| n.0 > nodes) {
                    return Err(format!("line {}: node {} does not exist (nodes are 1..={nodes})", e.line, bad.0));
                }
                extra.push(Box::new(LeaderExpectation::new(e.clone())));
            }
        }
        let mut world = World::<P>::new(setup, extra)?;
        let names: Vec<String> = world.properties().map(|(p, _)| p.name().to_string()).collect();
        for e in &self.expectations {
            if let ExpectKind::Holds(p) | ExpectKind::Violated(p) = &e.kind {
                if !names.contains(p) {
                    return Err(format!(
                        "line {}: protocol {} has no property {p:?} (it has: {})",
                        e.line,
                        P::NAME,
                        names.join(", ")
                    ));
                }
            }
        }
        for step in &self.actions {
            world.schedule(step.at_us, step.action.clone()).map_err(|e| format!("line {}: {e}", step.line))?;
        }
        Ok(world)
    }

    /// Judges every expectation once the run is over.
    pub fn evaluate<P: Checked>(&self, world: &World<P>) -> Vec<ExpectationResult> {
        let broken = |name: &str| world.properties().any(|(p, b)| p.name() == name && b);
        self.expectations
            .iter()
            .map(|e| {
                let (passed, why) = match &e.kind {
                    ExpectKind::Leader { .. } | ExpectKind::NoLeader { .. } => {
                        let name = LeaderExpectation::name_for(e.line);
                        let why = world.violations().iter().find(|v| v.property == name).map(|v| v.detail.clone());
                        (why.is_none(), why.unwrap_or_default())
                    }
                    ExpectKind::Holds(p) => (!broken(p), format!("{p} was violated")),
                    ExpectKind::Violated(p) => (broken(p), format!("{p} was never violated")),
                    ExpectKind::NoViolations => {
                        let first = world.violations().iter().find(|v| {
                            world
                                .properties()
                                .any(|(p, _)| p.name() == v.property && p.kind() != PropertyKind::Expectation)
                        });
                        (
                            first.is_none(),
                            first.map(|v| format!("{} was violated: {}", v.property, v.detail)).unwrap_or_default(),
                        )
                    }
                };
                ExpectationResult {
                    line: e.line,
                    text: e.describe(),
                    passed,
                    why: if passed { String::new() } else { why },
                }
            })
            .collect()
    }
}

/// The verdict on one expectation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ExpectationResult {
    pub line: usize,
    pub text: String,
    pub passed: bool,
    pub why: String,
}
