//! The protocol-neutral face of a run, used by the command line, the page and the JS API: pick a
//! protocol by name, build a checked run (optionally from a scenario), drive it, look at it.

use crate::check::{catalog, Checked, PropertyKind, Run, Violation};
use crate::core::Message;
use crate::core::{BugInfo, LogView, NodeId, OptionInfo, TimeUs};
use crate::protocols::paxos::{MultiPaxos, Paxos};
use crate::protocols::raft::Raft;
#[cfg(not(target_arch = "wasm32"))]
use crate::protocols::toy::Toy;
use crate::protocols::two_phase_commit::TwoPhaseCommit;
use crate::scenario::{ExpectationResult, Scenario};
use crate::sim::trace::{describe_record, record_class};
use crate::sim::{Action, RecordKind, RunStatus, Setup, Stats, Trace};
use serde::Serialize;

/// What `sim list` and the page show about a protocol.
#[derive(Clone, Debug)]
pub struct ProtocolInfo {
    pub name: &'static str,
    pub about: &'static str,
    pub bugs: &'static [BugInfo],
    pub options: &'static [OptionInfo],
    /// Operator commands (`timeout`, `transfer N`, ...), each with one sentence.
    pub admin: &'static [(&'static str, &'static str)],
    pub properties: Vec<(String, PropertyKind, String)>,
}

fn info<P: Checked>() -> ProtocolInfo {
    let cluster = crate::core::Cluster::new(3);
    let config = P::configure(&cluster, None, &Default::default()).expect("default configuration is valid");
    let properties = catalog::<P>(&config);
    ProtocolInfo {
        name: P::NAME,
        about: P::ABOUT,
        bugs: P::bugs(),
        options: P::options(),
        admin: P::admin_commands(),
        properties,
    }
}

/// Every protocol the playground knows. The `toy` test protocol exists only in native builds
/// (the CLI and the tests): the page leaves it out to keep the download small.
pub fn protocols() -> Vec<ProtocolInfo> {
    #[allow(unused_mut)]
    let mut all = vec![info::<Raft>(), info::<Paxos>(), info::<MultiPaxos>(), info::<TwoPhaseCommit>()];
    #[cfg(not(target_arch = "wasm32"))]
    all.push(info::<Toy>());
    all
}

pub fn protocol_names() -> Vec<&'static str> {
    protocols().iter().map(|p| p.name).collect()
}

/// One node as views show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeView {
    pub id: u32,
    pub up: bool,
    pub paused: bool,
    pub role: String,
    pub term: u64,
    pub clock_rate_pct: u32,
    /// Virtual time the pause ends, while paused.
    pub paused_until: Option<TimeUs>,
    pub restarts: u32,
    pub fields: Vec<(String, String)>,
    /// Role badges (Paxos: `P`, `A`, `L`).
    pub badges: Vec<String>,
    /// Drawn in the node instead of `T<term>`.
    pub caption: Option<String>,
    /// The protocol's drawn timer (Raft: the election timer): label, time set, time due.
    pub timer: Option<(&'static str, TimeUs, TimeUs)>,
    /// The replicated log, for protocols that have one.
    pub log: Option<LogView>,
}

/// One trace record for the event log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventView {
    /// The record's index in the trace.
    pub index: u64,
    pub t_us: TimeUs,
    /// One of [`crate::sim::trace::RECORD_CLASSES`].
    pub class: &'static str,
    pub nodes: Vec<u32>,
    pub text: String,
    /// The message a `send` record sent.
    pub message: Option<u64>,
}

/// Which events the event log shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventFilter {
    pub node: Option<u32>,
    pub class: Option<String>,
}

/// Entries of each node's log the views carry.
pub const LOG_TAIL: usize = 40;
/// Records the event log looks back over when it filters.
pub const EVENT_SCAN_MAX: usize = 20_000;

/// How much a [`ClusterView`] carries. The page draws one at every animation frame and needs
/// neither every message's text nor the logs at most of them; the JS API and tests take it all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ViewDetail {
    /// `None`: every message's `describe`; `Some(ids)`: only these messages' (the others' is empty).
    pub describe_only: Option<[Option<u64>; 2]>,
    /// Each node's log (`NodeView::log`); `None` for every node when false.
    pub logs: bool,
}

impl ViewDetail {
    pub const FULL: ViewDetail = ViewDetail { describe_only: None, logs: true };

    fn describes(&self, id: u64) -> bool {
        self.describe_only.is_none_or(|ids| ids.contains(&Some(id)))
    }
}

/// One message in flight.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MessageView {
    pub id: u64,
    pub from: u32,
    pub to: u32,
    pub sent_us: TimeUs,
    pub deliver_us: TimeUs,
    pub kind: &'static str,
    pub reply: bool,
    pub held: bool,
    pub describe: String,
}

/// A property and whether it still holds.
#[derive(Clone, Debug, Serialize)]
pub struct PropertyView {
    pub name: String,
    pub kind: PropertyKind,
    pub explain: String,
    pub holds: bool,
}

/// A snapshot of the whole cluster for drawing.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClusterView {
    pub protocol: &'static str,
    pub now_us: TimeUs,
    pub nodes: Vec<NodeView>,
    pub messages: Vec<MessageView>,
    /// One-way blocked links `(from, to)`.
    pub blocked: Vec<(u32, u32)>,
    /// Facts about the whole cluster (two-phase commit: the total balance).
    pub facts: Vec<(String, String)>,
}

/// A narration caption (`say`) the run has reached.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Caption {
    /// The record's index in the trace.
    pub index: u64,
    pub t_us: TimeUs,
    pub text: String,
    /// The page pauses here until the reader continues.
    pub wait: bool,
}

/// One message as the space-time diagram draws it: from its send to its delivery or drop.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Arrow {
    pub id: u64,
    pub from: u32,
    pub to: u32,
    pub sent_us: TimeUs,
    /// When it was delivered or dropped; `None` while in flight.
    pub end_us: Option<TimeUs>,
    pub dropped: bool,
    /// A copy made by the network (or a person) of another message.
    pub duplicate: bool,
    pub kind: &'static str,
    pub reply: bool,
    /// The trace index of its `send` (or `duplicate`) record.
    pub event: u64,
}

/// Something that happened at one node, marked on its lane.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mark {
    pub node: u32,
    pub t_us: TimeUs,
    /// `crash`, `restart`, `role`, `decide` or `fault` (a fault given to this node).
    pub kind: &'static str,
    /// A short label (`L3` for a leader of term 3, `C` for a commit decision).
    pub label: String,
    /// The record as the event log shows it (with its time).
    pub text: String,
    pub event: u64,
}

/// The messages and marks of a span of virtual time, from the trace records still held.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SpaceTime {
    pub from_us: TimeUs,
    pub to_us: TimeUs,
    pub nodes: u32,
    pub arrows: Vec<Arrow>,
    pub marks: Vec<Mark>,
    /// The span reaches back before the oldest record held (or past the drawing limit).
    pub truncated: bool,
}

/// Records the space-time diagram scans back over, and the most arrows and marks it draws.
pub const SPACETIME_SCAN_MAX: usize = 60_000;
pub const SPACETIME_ARROWS_MAX: usize = 3_000;

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

struct Session<P: Checked> {
    run: Run<P>,
    scenario: Option<Scenario>,
}

impl<P: Checked> Playground for Session<P>
where
    P::Msg: Message,
{
    fn protocol(&self) -> &'static str {
        P::NAME
    }
    fn setup(&self) -> &Setup {
        self.run.world().sim().setup()
    }
    fn now_us(&self) -> TimeUs {
        self.run.world().sim().now_us()
    }
    fn steps(&self) -> u64 {
        self.run.world().steps()
    }
    fn records(&self) -> u64 {
        self.run.world().records()
    }
    fn hash(&self) -> u64 {
        self.run.world().hash().expect("a sweep's run has no trace hash")
    }
    fn stats(&self) -> Stats {
        self.run.world().sim().stats().clone()
    }
    fn step(&mut self) -> bool {
        self.run.step()
    }
    fn run_until(&mut self, until_us: TimeUs, steps_max: u64) -> RunStatus {
        self.run.run_until(until_us, steps_max)
    }
    fn run_until_violation(&mut self, until_us: TimeUs, steps_max: u64) -> RunStatus {
        self.run.run_until_violation(until_us, steps_max)
    }
    fn apply(&mut self, action: Action) -> Result<(), String> {
        self.run.apply(action)
    }
    fn apply_at(&mut self, at_us: TimeUs, action: Action) -> Result<(), String> {
        self.run.apply_at(at_us, action)
    }
    fn inputs(&self) -> Vec<(u64, TimeUs, Action)> {
        self.run.inputs().map(|(p, t, a)| (p, t, a.clone())).collect()
    }
    fn captions_from(&self, from: u64) -> Vec<Caption> {
        let trace = self.run.trace();
        (from.max(trace.first_index())..trace.len())
            .filter_map(|index| {
                let r = trace.get(index)?;
                match &r.kind {
                    RecordKind::Action(Action::Say { text, wait }) => {
                        Some(Caption { index, t_us: r.t, text: text.clone(), wait: wait.0 })
                    }
                    _ => None,
                }
            })
            .collect()
    }
    fn spacetime(&self, from_us: TimeUs, to_us: TimeUs) -> SpaceTime {
        spacetime::<P>(self.run.trace(), self.run.world().sim().setup().nodes as u32, from_us, to_us)
    }
    fn finish(&mut self) {
        self.run.finish()
    }
    fn violations(&self) -> Vec<Violation> {
        self.run.world().violations().to_vec()
    }
    fn property_violations(&self) -> Vec<Violation> {
        self.run.world().property_violations().cloned().collect()
    }
    fn blocked(&self) -> Vec<Violation> {
        self.run.world().blocked().to_vec()
    }
    fn properties(&self) -> Vec<PropertyView> {
        self.run
            .world()
            .properties()
            .map(|(p, broken)| PropertyView {
                name: p.name().to_string(),
                kind: p.kind(),
                explain: p.explain().to_string(),
                holds: !broken,
            })
            .collect()
    }
    fn expectations(&self) -> Vec<ExpectationResult> {
        self.scenario.as_ref().map(|s| s.evaluate(self.run.world())).unwrap_or_default()
    }
    fn trace_jsonl(&self) -> String {
        self.run.trace().to_jsonl()
    }
    fn trace_first_index(&self) -> u64 {
        self.run.trace().first_index()
    }
    fn trace_jsonl_from(&self, from: u64) -> (String, u64) {
        let trace = self.run.trace();
        (trace.jsonl_from(from), trace.len())
    }
    fn trace_jsonl_piece(&self, from: u64, piece_bytes: usize) -> (String, u64, u64) {
        let trace = self.run.trace();
        let (text, next) = trace.jsonl_piece(from, piece_bytes);
        (text, next, trace.first_index())
    }
    fn events(&self, n: usize, filter: &EventFilter) -> Vec<EventView> {
        let trace = self.run.trace();
        let first = trace.first_index();
        let held = trace.records().len();
        let mut out: Vec<EventView> = trace
            .records()
            .enumerate()
            .rev()
            .take(EVENT_SCAN_MAX.min(held))
            .filter_map(|(i, r)| {
                let (class, nodes) = record_class(r);
                let keep = filter.class.as_deref().is_none_or(|c| c == class)
                    && filter.node.is_none_or(|n| nodes.contains(&n));
                keep.then(|| EventView {
                    index: first + i as u64,
                    t_us: r.t,
                    class,
                    nodes,
                    text: describe_record(r),
                    message: sent_message(r),
                })
            })
            .take(n)
            .collect();
        out.reverse();
        out
    }
    fn event(&self, index: u64) -> Option<EventView> {
        let r = self.run.trace().get(index)?;
        let (class, nodes) = record_class(r);
        Some(EventView { index, t_us: r.t, class, nodes, text: describe_record(r), message: sent_message(r) })
    }
    fn view_with(&self, detail: ViewDetail) -> ClusterView {
        let sim = self.run.world().sim();
        let nodes = sim
            .nodes()
            .map(|(id, slot)| {
                let summary = P::summary(slot.volatile(), slot.disk());
                NodeView {
                    id: id.0,
                    up: slot.is_up(),
                    paused: slot.is_paused(),
                    role: summary.role,
                    term: summary.term,
                    clock_rate_pct: slot.clock_rate_pct(),
                    paused_until: slot.paused_until(),
                    restarts: slot.restarts(),
                    fields: summary.fields,
                    badges: summary.badges,
                    caption: summary.caption,
                    timer: slot
                        .timer_spans()
                        .find_map(|(t, set, due)| P::timer_label(&t).map(|label| (label, set, due))),
                    log: if detail.logs { P::log_view(slot.volatile(), slot.disk(), LOG_TAIL) } else { None },
                }
            })
            .collect();
        let messages = sim
            .in_flight()
            .map(|(id, m)| MessageView {
                id,
                from: m.from.0,
                to: m.to.0,
                sent_us: m.sent_us,
                deliver_us: m.deliver_us,
                kind: m.msg.kind(),
                reply: m.msg.is_reply(),
                held: m.held,
                describe: if detail.describes(id) { m.msg.describe() } else { String::new() },
            })
            .collect();
        let n = sim.setup().nodes as u32;
        let mut blocked = Vec::new();
        for a in 1..=n {
            for b in 1..=n {
                if a != b && sim.network().blocked(NodeId(a), NodeId(b)) {
                    blocked.push((a, b));
                }
            }
        }
        let disks: Vec<&P::Durable> = sim.nodes().map(|(_, slot)| slot.disk()).collect();
        let facts = P::cluster_facts(sim.config(), &disks);
        ClusterView { protocol: P::NAME, now_us: sim.now_us(), nodes, messages, blocked, facts }
    }
    fn restore(&mut self, step: u64) -> Result<(), String> {
        self.run.restore(step)
    }
    fn seek(&mut self, step: u64) -> Result<(), String> {
        self.run.seek(step)
    }
    fn seek_more(&mut self, steps_max: u64) -> Result<bool, String> {
        self.run.seek_more(steps_max)
    }
    fn seeking(&self) -> Option<u64> {
        self.run.seeking()
    }
    fn horizon(&self) -> u64 {
        self.run.horizon()
    }
    fn horizon_us(&self) -> TimeUs {
        self.run.horizon_us()
    }
}

/// Builds the space-time view by scanning the held records backwards from the newest one at or
/// before `to_us`: ends (deliveries, drops) are met before their sends.
fn spacetime<P: Checked>(trace: &Trace<P>, nodes: u32, from_us: TimeUs, to_us: TimeUs) -> SpaceTime
where
    P::Msg: Message,
{
    use litemap::LiteMap;
    use std::cmp::Reverse;
    let mut out = SpaceTime { from_us, to_us, nodes, ..SpaceTime::default() };
    // Keyed by `Reverse(message id)`: the scan meets ids newest first, so each is appended.
    // Message id → (end time, dropped), for ends inside the span.
    let mut ends: LiteMap<Reverse<u64>, (TimeUs, bool)> = LiteMap::new();
    // Copies: copy id → the message it copies (its kind is looked up at the original's send).
    let mut copies: LiteMap<Reverse<u64>, (u64, TimeUs, u64)> = LiteMap::new();
    let first = trace.first_index();
    let mut scanned = 0;
    for (i, r) in trace.records().enumerate().rev() {
        if r.t > to_us {
            continue;
        }
        scanned += 1;
        if scanned > SPACETIME_SCAN_MAX || out.arrows.len() + out.marks.len() >= SPACETIME_ARROWS_MAX {
            out.truncated = true;
            break;
        }
        let index = first + i as u64;
        let in_span = r.t >= from_us;
        match &r.kind {
            RecordKind::Deliver { id, .. } if in_span => {
                ends.insert(Reverse(*id), (r.t, false));
            }
            RecordKind::Drop { id, .. } if in_span => {
                ends.insert(Reverse(*id), (r.t, true));
            }
            RecordKind::Duplicate { id, copy } => {
                copies.insert(Reverse(*id), (*copy, r.t, index));
            }
            RecordKind::Send { id, from, to, msg } => {
                let mut arrow = |id: u64, sent_us: TimeUs, duplicate: bool, event: u64| {
                    let end = ends.remove(&Reverse(id));
                    // Drawn if sent in the span or ending in it (`end_us: None`: not over by `to_us`).
                    if sent_us >= from_us || end.is_some() {
                        Some(Arrow {
                            id,
                            from: from.0,
                            to: to.0,
                            sent_us,
                            end_us: end.map(|e| e.0),
                            dropped: end.is_some_and(|e| e.1),
                            duplicate,
                            kind: msg.kind(),
                            reply: msg.is_reply(),
                            event,
                        })
                    } else {
                        None
                    }
                };
                if let Some((copy, t, event)) = copies.remove(&Reverse(*id)) {
                    if let Some(a) = arrow(copy, t, true, event) {
                        out.arrows.push(a);
                    }
                }
                if let Some(a) = arrow(*id, r.t, false, index) {
                    out.arrows.push(a);
                }
            }
            _ => {}
        }
        if in_span {
            for (node, kind, label) in marks_of(&r.kind) {
                out.marks.push(Mark { node: node.0, t_us: r.t, kind, label, text: describe_record(r), event: index });
            }
        }
        if r.t < from_us && ends.is_empty() && copies.is_empty() {
            // Everything that ends in the span has been matched with its send.
            break;
        }
    }
    // The oldest records were forgotten (the trace is bounded) and the span reaches back to them.
    if first > 0 && trace.records().next().is_some_and(|r| r.t > from_us) {
        out.truncated = true;
    }
    out.arrows.reverse();
    out.marks.reverse();
    out
}

/// What the space-time diagram marks on a node's lane for a record: crashes, restarts, role
/// changes (`L3`: leader of term 3), Paxos choices, 2PC decisions and faults.
fn marks_of<M, T>(kind: &RecordKind<M, T>) -> Vec<(NodeId, &'static str, String)> {
    use crate::core::{Observation, Role};
    match kind {
        RecordKind::Crash { node } => vec![(*node, "crash", "✕".into())],
        RecordKind::Restart { node } => vec![(*node, "restart", "↻".into())],
        RecordKind::Observe { node, obs } => match obs {
            Observation::Role { role, term } => {
                let letter = match role {
                    Role::Leader => "L",
                    Role::Candidate => "C",
                    Role::Precandidate => "P",
                    Role::Follower => "F",
                };
                vec![(*node, "role", format!("{letter}{term}"))]
            }
            Observation::Chosen { slot, .. } => vec![(*node, "decide", format!("✓{slot}"))],
            Observation::Decide { txn, decision } => {
                vec![(*node, "decide", format!("{}{txn}", decision.as_str()[..1].to_ascii_uppercase()))]
            }
            _ => Vec::new(),
        },
        RecordKind::Action(action) if action.is_fault() => {
            action.nodes().into_iter().map(|node| (node, "fault", "⚡".to_string())).collect()
        }
        _ => Vec::new(),
    }
}

fn session<P: Checked>(setup: Setup, scenario: Option<&Scenario>, keep: Keep) -> Result<Box<dyn Playground>, String> {
    let mut world = match scenario {
        Some(s) => s.build_world::<P>(setup)?,
        None => crate::check::World::<P>::new(setup, Vec::new())?,
    };
    if keep == Keep::Violations {
        world.forgo_hash();
    }
    let run = if keep == Keep::Trace { Run::from_world(world)? } else { Run::unrecorded(world)? };
    Ok(Box::new(Session { run, scenario: scenario.cloned() }))
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
    match protocol {
        "raft" => session::<Raft>(setup, scenario, keep),
        #[cfg(not(target_arch = "wasm32"))]
        "toy" => session::<Toy>(setup, scenario, keep),
        "paxos" => session::<Paxos>(setup, scenario, keep),
        "multi-paxos" => session::<MultiPaxos>(setup, scenario, keep),
        "2pc" => session::<TwoPhaseCommit>(setup, scenario, keep),
        other => Err(format!("unknown protocol {other:?}: use one of {}", protocol_names().join(", "))),
    }
}

fn sent_message<M, T>(record: &crate::sim::Record<M, T>) -> Option<u64> {
    match record.kind {
        RecordKind::Send { id, .. } => Some(id),
        _ => None,
    }
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

/// Whether a record kind is an observation event of `shared/TRACE.md`.
pub fn is_observation<M, T>(kind: &RecordKind<M, T>) -> bool {
    matches!(
        kind,
        RecordKind::Run { .. }
            | RecordKind::Crash { .. }
            | RecordKind::Restart { .. }
            | RecordKind::Violation { .. }
            | RecordKind::Observe { .. }
    )
}
