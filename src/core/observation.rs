//! Observation events: what a node reports about itself, stamped by the simulator with the node
//! and the time. A few are shared by every protocol that has a role or a log ([`Observation`]'s
//! own variants); each protocol declares the rest as its own [`Event`] type. Their names and
//! fields are fixed once published: tools outside the project read them (`docs/trace-format.md`).

use super::fields::{FieldSink, Words};
use super::{NodeId, Text};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::hash::{Hash, Hasher};

/// A Raft-style role (other protocols map their roles onto these where it makes sense).
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Follower,
    Precandidate,
    Candidate,
    Leader,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Follower => "follower",
            Role::Precandidate => "precandidate",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
        }
    }

    /// The letter the space-time diagram marks a role change with (`L3`: leader of term 3).
    pub fn letter(self) -> char {
        match self {
            Role::Leader => 'L',
            Role::Candidate => 'C',
            Role::Precandidate => 'P',
            Role::Follower => 'F',
        }
    }
}

/// A protocol's own observation events: a type of its own with an `ev` name and typed fields.
///
/// `Hash` feeds the run's fingerprint: derive it (an enum with `#[repr(isize)]` and explicit
/// discriminants keeps the words of a trace recorded before the event moved out of `core`).
pub trait Event: Clone + fmt::Debug + PartialEq + Eq + Hash + 'static {
    /// The `ev` name in the trace.
    fn ev(&self) -> &'static str;
    /// The fields in trace order (without `t`, `ev` and `node`).
    fn fields(&self) -> Vec<(&'static str, FieldValue)>;
    /// Which of the protocol's events this is, below 32 (its variant's position, say), so that a
    /// property reading one kind ([`crate::sim::Reads::events`]) is not called for the others.
    fn class(&self) -> u32 {
        0
    }
    /// What the space-time diagram marks on the node's lane for it: a kind (`decide`) and a
    /// short label (`✓3`); `None` for no mark.
    fn mark(&self) -> Option<(&'static str, String)> {
        None
    }
}

/// The events of a protocol that has none of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoEvent {}

impl Event for NoEvent {
    fn ev(&self) -> &'static str {
        match *self {}
    }
    fn fields(&self) -> Vec<(&'static str, FieldValue)> {
        match *self {}
    }
}

/// One observation a node reports about itself: a shared one, or one of the protocol's own.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Observation<E> {
    Shared(Shared),
    /// One of the protocol's own events.
    Own(E),
}

/// The observations every protocol with roles or a log shares (their code is compiled once, not
/// once per protocol).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Shared {
    Role { role: Role, term: u64 },
    Append { index: u64, term: u64, value: Text },
    Truncate { from: u64 },
    Commit { index: u64 },
    Apply { index: u64, term: u64, value: Text },
    Snapshot { index: u64, term: u64 },
}

/// A shared observation hashes as `#[derive(Hash)]` on one enum of them all would (its position,
/// then its fields); a protocol's own event hashes itself alone, so its words are the event
/// type's (the traces recorded before the events were split keep their hashes).
impl<E: Hash> Hash for Observation<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Observation::Shared(shared) => shared.hash(state),
            Observation::Own(event) => event.hash(state),
        }
    }
}

impl Shared {
    /// A role change's mark on the node's lane (`L3`: leader of term 3).
    pub fn mark(&self) -> Option<(&'static str, String)> {
        match self {
            Shared::Role { role, term } => Some(("role", format!("{}{term}", role.letter()))),
            _ => None,
        }
    }

    pub fn ev(&self) -> &'static str {
        match self {
            Shared::Role { .. } => "role",
            Shared::Append { .. } => "append",
            Shared::Truncate { .. } => "truncate",
            Shared::Commit { .. } => "commit",
            Shared::Apply { .. } => "apply",
            Shared::Snapshot { .. } => "snapshot",
        }
    }

    pub fn fields(&self, sink: &mut impl FieldSink) {
        match self {
            Shared::Role { role, term } => {
                sink.field("role", role.as_str());
                sink.field("term", term);
            }
            Shared::Append { index, term, value } | Shared::Apply { index, term, value } => {
                sink.field("index", index);
                sink.field("term", term);
                sink.field("value", &**value);
            }
            Shared::Truncate { from } => sink.field("from", from),
            Shared::Commit { index } => sink.field("index", index),
            Shared::Snapshot { index, term } => {
                sink.field("index", index);
                sink.field("term", term);
            }
        }
    }
}

impl<E: Event> Observation<E> {
    /// The `ev` name in the trace.
    pub fn ev(&self) -> &'static str {
        match self {
            Observation::Shared(shared) => shared.ev(),
            Observation::Own(event) => event.ev(),
        }
    }

    /// The fields of the observation as in `docs/trace-format.md` (without `t`, `ev` and `node`).
    pub fn fields(&self, sink: &mut impl FieldSink) {
        match self {
            Observation::Shared(shared) => shared.fields(sink),
            Observation::Own(event) => {
                for (key, value) in event.fields() {
                    sink.field(key, &value);
                }
            }
        }
    }

    /// A one-line description for logs.
    pub fn describe(&self) -> String {
        let mut words = Words(self.ev().to_string());
        self.fields(&mut words);
        words.0
    }

    /// What the space-time diagram marks on the node's lane: role changes and the protocol's own.
    pub fn mark(&self) -> Option<(&'static str, String)> {
        match self {
            Observation::Shared(shared) => shared.mark(),
            Observation::Own(event) => event.mark(),
        }
    }

    /// The observation with the protocol's own event rendered as its name and fields, so that
    /// code printing records is compiled once, not once per protocol.
    pub fn shown(&self) -> Observation<ShownEvent> {
        match self {
            Observation::Shared(shared) => Observation::Shared(shared.clone()),
            Observation::Own(event) => Observation::Own(ShownEvent { ev: event.ev(), fields: event.fields() }),
        }
    }
}

/// A protocol's own event as printed records carry it: its `ev` and its fields.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ShownEvent {
    pub ev: &'static str,
    pub fields: Vec<(&'static str, FieldValue)>,
}

impl Event for ShownEvent {
    fn ev(&self) -> &'static str {
        self.ev
    }
    fn fields(&self) -> Vec<(&'static str, FieldValue)> {
        self.fields.clone()
    }
}

/// The value of one field of an event: a number, a text or a list of numbers (a ballot, node ids).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FieldValue {
    Num(u64),
    Text(Text),
    Nums(Vec<u64>),
}

impl Serialize for FieldValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            FieldValue::Num(n) => serializer.serialize_u64(*n),
            FieldValue::Text(t) => serializer.serialize_str(t),
            FieldValue::Nums(ns) => ns.serialize(serializer),
        }
    }
}

/// A list of node ids as the trace writes it (`[1,2,3]`).
pub fn node_numbers(nodes: &[NodeId]) -> Vec<u32> {
    nodes.iter().map(|n| n.0).collect()
}
