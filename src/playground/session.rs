//! A run of one protocol behind the protocol-neutral [`Playground`] trait.

use super::views::*;
use super::Playground;
use super::Run;
use crate::check::{Checked, Violation};
use crate::core::{Event, Message, NodeId, TimeUs};
use crate::scenario::{ExpectationResult, Scenario};
use crate::sim::trace::{describe_record, record_class};
use crate::sim::{Action, RecordKind, RunStatus, Setup, Stats, Trace};

pub(super) struct Session<P: Checked> {
    pub(super) run: Run<P>,
    pub(super) scenario: Option<Scenario>,
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

/// What the space-time diagram marks on a node's lane for a record: crashes, restarts, faults,
/// and what the observation marks (role changes, `L3`: leader of term 3; the protocol's own).
fn marks_of<M, T, E: Event>(kind: &RecordKind<M, T, E>) -> Vec<(NodeId, &'static str, String)> {
    match kind {
        RecordKind::Crash { node } => vec![(*node, "crash", "✕".into())],
        RecordKind::Restart { node } => vec![(*node, "restart", "↻".into())],
        RecordKind::Observe { node, obs } => obs.mark().map(|(kind, label)| (*node, kind, label)).into_iter().collect(),
        RecordKind::Action(action) if action.is_fault() => {
            action.nodes().into_iter().map(|node| (node, "fault", "⚡".to_string())).collect()
        }
        _ => Vec::new(),
    }
}

fn sent_message<M, T, E>(record: &crate::sim::Record<M, T, E>) -> Option<u64> {
    match record.kind {
        RecordKind::Send { id, .. } => Some(id),
        _ => None,
    }
}
