//! What views of a run carry: snapshots of the cluster, events, captions, the space-time diagram.

use crate::check::PropertyKind;
use crate::core::{LogView, TimeUs};
use serde::Serialize;

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

    pub(super) fn describes(&self, id: u64) -> bool {
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

impl ClusterView {
    /// The node the page treats as the leader: the running leader with the highest term.
    pub fn leader(&self) -> Option<u32> {
        self.nodes
            .iter()
            .filter(|n| n.up && n.role == "leader")
            .max_by_key(|n| (n.term, std::cmp::Reverse(n.id)))
            .map(|n| n.id)
    }
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
