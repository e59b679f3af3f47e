//! Two-phase commit's own observation events: a transaction begun by the coordinator, a
//! participant's vote, a node's decision (Bernstein, Hadzilacos & Goodman 1987, §7.3).

use crate::core::{Event, FieldValue, NodeId};
use serde::{Deserialize, Serialize};

#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum Decision {
    Commit,
    Abort,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Commit => "commit",
            Decision::Abort => "abort",
        }
    }
}

/// The explicit discriminants keep the words these events hashed to when they were variants of
/// the shared observation type, so traces keep their hashes.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[repr(isize)]
pub enum TpcEvent {
    /// The coordinator began transaction `txn` with these participants.
    Begin { txn: u64, participants: Vec<NodeId> } = 9,
    /// A participant voted.
    Vote { txn: u64, yes: bool } = 10,
    /// A node learned (or, the coordinator, made) the decision.
    Decide { txn: u64, decision: Decision } = 11,
}

impl Event for TpcEvent {
    fn ev(&self) -> &'static str {
        match self {
            TpcEvent::Begin { .. } => "begin",
            TpcEvent::Vote { .. } => "vote",
            TpcEvent::Decide { .. } => "decide",
        }
    }
    fn fields(&self) -> Vec<(&'static str, FieldValue)> {
        let txn = |t: &u64| ("txn", FieldValue::Num(*t));
        let text = |t: &str| FieldValue::Text(t.into());
        match self {
            TpcEvent::Begin { txn: t, participants } => {
                vec![txn(t), ("participants", FieldValue::Nums(participants.iter().map(|n| u64::from(n.0)).collect()))]
            }
            TpcEvent::Vote { txn: t, yes } => vec![txn(t), ("vote", text(if *yes { "yes" } else { "no" }))],
            TpcEvent::Decide { txn: t, decision } => vec![txn(t), ("decision", text(decision.as_str()))],
        }
    }
    fn class(&self) -> u32 {
        match self {
            TpcEvent::Begin { .. } => 0,
            TpcEvent::Vote { .. } => 1,
            TpcEvent::Decide { .. } => 2,
        }
    }
    fn mark(&self) -> Option<(&'static str, String)> {
        match self {
            TpcEvent::Decide { txn, decision } => {
                Some(("decide", format!("{}{txn}", decision.as_str()[..1].to_ascii_uppercase())))
            }
            _ => None,
        }
    }
}
