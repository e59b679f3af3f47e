//! Paxos's own observation events: an acceptor's promise and acceptance, a learner's learning
//! that a value was chosen (Paxos Made Simple §2.2–§2.3).

use crate::core::{Event, FieldValue, Text};
use serde::{Deserialize, Serialize};

/// A Paxos ballot `[round, proposer_id]`, ordered by round, then proposer id.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Serialize, Deserialize)]
pub struct Ballot(pub u64, pub u32);

/// The explicit discriminants keep the words these events hashed to when they were variants of
/// the shared observation type, so traces keep their hashes.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[repr(isize)]
pub enum PaxosEvent {
    /// An acceptor promised `ballot` for every slot from `slot` on.
    Promise { slot: u64, ballot: Ballot } = 6,
    /// An acceptor accepted `value` in `slot` at `ballot`.
    Accept { slot: u64, ballot: Ballot, value: Text } = 7,
    /// A learner learned that `value` was chosen in `slot`.
    Chosen { slot: u64, value: Text } = 8,
}

impl PaxosEvent {
    pub const PROMISE: u32 = 0;
    pub const ACCEPT: u32 = 1;
    pub const CHOSEN: u32 = 2;
}

impl Event for PaxosEvent {
    fn ev(&self) -> &'static str {
        match self {
            PaxosEvent::Promise { .. } => "promise",
            PaxosEvent::Accept { .. } => "accept",
            PaxosEvent::Chosen { .. } => "chosen",
        }
    }
    fn fields(&self) -> Vec<(&'static str, FieldValue)> {
        let ballot = |b: &Ballot| ("ballot", FieldValue::Nums(vec![b.0, u64::from(b.1)]));
        match self {
            PaxosEvent::Promise { slot, ballot: b } => vec![("slot", FieldValue::Num(*slot)), ballot(b)],
            PaxosEvent::Accept { slot, ballot: b, value } => {
                vec![("slot", FieldValue::Num(*slot)), ballot(b), ("value", FieldValue::Text(value.clone()))]
            }
            PaxosEvent::Chosen { slot, value } => {
                vec![("slot", FieldValue::Num(*slot)), ("value", FieldValue::Text(value.clone()))]
            }
        }
    }
    fn class(&self) -> u32 {
        match self {
            PaxosEvent::Promise { .. } => Self::PROMISE,
            PaxosEvent::Accept { .. } => Self::ACCEPT,
            PaxosEvent::Chosen { .. } => Self::CHOSEN,
        }
    }
    fn mark(&self) -> Option<(&'static str, String)> {
        match self {
            PaxosEvent::Chosen { slot, .. } => Some(("decide", format!("✓{slot}"))),
            _ => None,
        }
    }
}
