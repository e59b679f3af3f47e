//! The protocol-neutral face of a run, used by the command line, the page and the JS API: pick a
//! protocol from the [`registry`], build a checked run (optionally from a scenario), drive it,
//! look at it through its [`views`].

pub mod registry;
mod run;
mod session;
pub mod settings;
pub mod share;
mod views;

pub use registry::{default_protocol, protocol_names, protocols, ProtocolInfo, PROTOCOLS};
pub use run::Run;
pub use settings::Settings;
pub use views::*;

use crate::check::Violation;
use crate::core::TimeUs;
use crate::scenario::{ExpectationResult, Scenario};
use crate::sim::{Action, RunStatus, Setup, Stats};

/// A run of any protocol.
pub trait Playground {
    fn protocol(&self) -> &'static str;
    fn setup(&self) -> &Setup;
    fn now_us(&self) -> TimeUs;
    fn steps(&self) -> u64;
    /// Records produced so far (the trace's length).
    fn records(&self) -> u64;
    /// The hash of every record so far (a run built with [`Keep::Violations`] has none: it
    /// must not be asked).
    fn hash(&self) -> u64;
    fn stats(&self) -> Stats;
    fn step(&mut self) -> bool;
    fn run_until(&mut self, until_us: TimeUs, steps_max: u64) -> RunStatus;
    /// Like `run_until`, but stops right after a step that records a new violation.
    fn run_until_violation(&mut self, until_us: TimeUs, steps_max: u64) -> RunStatus;
    fn apply(&mut self, action: Action) -> Result<(), String>;
    /// Gives an action at virtual time `at_us` (at or after now, before the next event): how a
    /// share link replays the actions it carries.
    fn apply_at(&mut self, at_us: TimeUs, action: Action) -> Result<(), String>;
    /// Every action of this timeline: the step it was given after, its time, the action.
    fn inputs(&self) -> Vec<(u64, TimeUs, Action)>;
    /// The narration captions among the records from index `from` on that are still held.
    fn captions_from(&self, from: u64) -> Vec<Caption>;
    /// The messages and marks between two virtual times, for the space-time diagram.
    fn spacetime(&self, from_us: TimeUs, to_us: TimeUs) -> SpaceTime;
    /// Runs the end-of-run checks (liveness, scenario expectations).
    fn finish(&mut self);
    fn violations(&self) -> Vec<Violation>;
    /// Violations of the protocol's properties (not of scenario expectations).
    fn property_violations(&self) -> Vec<Violation>;
    /// Reports of blocking properties (two-phase commit): counted, not violations.
    fn blocked(&self) -> Vec<Violation>;
    fn properties(&self) -> Vec<PropertyView>;
    fn expectations(&self) -> Vec<ExpectationResult>;
    /// The trace records still held, as JSON Lines.
    fn trace_jsonl(&self) -> String;
    /// The global index of the oldest trace record still held.
    fn trace_first_index(&self) -> u64;
    /// The records from global index `from` on that are still held, as JSON Lines, and the index
    /// after the last one.
    fn trace_jsonl_from(&self, from: u64) -> (String, u64);
    /// Part of that: whole lines until the text reaches `piece_bytes`; with the index after the
    /// last record given, and the index of the oldest record still held.
    fn trace_jsonl_piece(&self, from: u64, piece_bytes: usize) -> (String, u64, u64);
    /// The newest `n` records that pass `filter` (looking back at most [`EVENT_SCAN_MAX`]
    /// records), oldest first.
    fn events(&self, n: usize, filter: &EventFilter) -> Vec<EventView>;
    /// The record at trace index `index`, if still held.
    fn event(&self, index: u64) -> Option<EventView>;
    /// Everything: [`ViewDetail::FULL`].
    fn view(&self) -> ClusterView {
        self.view_with(ViewDetail::FULL)
    }
    fn view_with(&self, detail: ViewDetail) -> ClusterView;
    /// Goes back (or forward again) to the moment right after step `step`.
    fn restore(&mut self, step: u64) -> Result<(), String>;
    /// Starts going to step `step`, leaving the replay to [`Playground::seek_more`] (see
    /// [`Run::seek`]).
    fn seek(&mut self, step: u64) -> Result<(), String>;
    /// Replays up to `steps_max` more steps of a seek; `true` once it stands at its step.
    fn seek_more(&mut self, steps_max: u64) -> Result<bool, String>;
    /// The step a seek under way is going to.
    fn seeking(&self) -> Option<u64>;
    /// The furthest step the run has reached; `restore` goes anywhere up to it.
    fn horizon(&self) -> u64;
    /// The virtual time the run had reached at its horizon.
    fn horizon_us(&self) -> TimeUs;
}

/// How a whole run ended.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub status: RunStatus,
    pub violations: Vec<Violation>,
    pub expectations: Vec<ExpectationResult>,
}

/// Runs to the setup's duration (in chunks, within the step limit) and finishes the checks.
pub fn run_to_end(run: &mut dyn Playground) -> Outcome {
    let duration = run.setup().duration_us;
    let budget = run.setup().limits.steps_per_call_max;
    let status = run.run_until(duration, budget);
    run.finish();
    Outcome { status, violations: run.violations(), expectations: run.expectations() }
}

/// Builds a run of the named protocol. A scenario's settings are applied on top of `setup` by the
/// caller (see [`Scenario::apply_settings`]); here its actions and expectations are installed.
pub fn build(protocol: &str, setup: Setup, scenario: Option<&Scenario>) -> Result<Box<dyn Playground>, String> {
    build_with(protocol, setup, scenario, Keep::Trace)
}

/// Like [`build`], but the run keeps no trace and cannot go back in time (every property is
/// still checked on every record, and the trace hash is the same).
pub fn build_unrecorded(
    protocol: &str,
    setup: Setup,
    scenario: Option<&Scenario>,
) -> Result<Box<dyn Playground>, String> {
    build_with(protocol, setup, scenario, Keep::Fingerprint)
}

/// What a run keeps besides its violations (every property is checked on every record in each
/// case, and the violations, their positions and the record count are the same).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// The trace, time travel and the fingerprint: the page, the JS API, `sim run`.
    Trace,
    /// The fingerprint (the trace hash) only: no trace, no time travel.
    Fingerprint,
    /// Nothing more: a sweep's runs, which are asked only for their violations.
    /// [`Playground::hash`] must not be asked.
    Violations,
}

/// A run of the named protocol that keeps what `keep` says ([`build`] keeps everything).
pub fn build_with(
    protocol: &str,
    setup: Setup,
    scenario: Option<&Scenario>,
    keep: Keep,
) -> Result<Box<dyn Playground>, String> {
    registry::entry(protocol)?.build(setup, scenario, keep)
}

/// A run of the settings: their scenario's settings applied over them, its actions and
/// expectations installed. Every face (the page, the JS API, `sim run`) builds its runs here, so
/// the same settings give the same run. Returns the settings the run has.
pub fn build_settings(settings: &Settings, keep: Keep) -> Result<(Settings, Box<dyn Playground>), String> {
    let mut settings = settings.clone();
    let scenario = settings.apply_scenario()?;
    let run = build_with(&settings.protocol, settings.setup.clone(), scenario.as_ref(), keep)?;
    Ok((settings, run))
}
