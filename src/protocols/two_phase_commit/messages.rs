//! Two-phase commit messages (Gray 1978; Bernstein, Hadzilacos & Goodman 1987, §7.3–§7.4).

use super::Decision;
use crate::apps::bank::{legs_text, Leg};
use crate::core::{Message, NodeId};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TpcMsg {
    /// Coordinator → participant: do your part of `txn` (lock, check) and vote. Carries every
    /// participant so a participant in doubt knows whom to ask (cooperative termination).
    Prepare(Prepare),
    /// Participant → coordinator: its vote (a yes is durable before it is sent).
    Vote { txn: u64, yes: bool },
    /// The outcome: coordinator → participants, or any node answering a [`TpcMsg::Ask`].
    Outcome { txn: u64, decision: Decision },
    /// Participant → coordinator: it applied the commit (the coordinator may forget it then).
    Ack { txn: u64 },
    /// A participant in doubt asks the coordinator, then the other participants, for the outcome.
    Ask { txn: u64 },
    /// A participant that is itself in doubt cannot help.
    Uncertain { txn: u64 },
}

/// Coordinator → participant: do your part of `txn` (lock, check) and vote. Carries every
/// participant so a participant in doubt knows whom to ask (cooperative termination).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Prepare {
    pub txn: u64,
    pub legs: Vec<Leg>,
    pub participants: Vec<NodeId>,
}

impl Message for TpcMsg {
    fn describe(&self) -> String {
        match self {
            TpcMsg::Prepare(Prepare { txn, legs, .. }) => format!("Prepare T{txn} {}", legs_text(legs)),
            TpcMsg::Vote { txn, yes } => format!("Vote T{txn} {}", if *yes { "yes" } else { "no" }),
            TpcMsg::Outcome { txn, decision } => format!("{} T{txn}", decision_word(*decision)),
            TpcMsg::Ack { txn } => format!("Ack T{txn}"),
            TpcMsg::Ask { txn } => format!("Ask T{txn}?"),
            TpcMsg::Uncertain { txn } => format!("Uncertain T{txn}"),
        }
    }
    fn kind(&self) -> &'static str {
        match self {
            TpcMsg::Prepare(Prepare { .. }) => "Prepare",
            TpcMsg::Vote { .. } => "Vote",
            TpcMsg::Outcome { decision: Decision::Commit, .. } => "Commit",
            TpcMsg::Outcome { decision: Decision::Abort, .. } => "Abort",
            TpcMsg::Ack { .. } => "Ack",
            TpcMsg::Ask { .. } => "Ask",
            TpcMsg::Uncertain { .. } => "Uncertain",
        }
    }
    fn is_reply(&self) -> bool {
        matches!(self, TpcMsg::Vote { .. } | TpcMsg::Ack { .. } | TpcMsg::Uncertain { .. })
    }
}

pub fn decision_word(d: Decision) -> &'static str {
    match d {
        Decision::Commit => "Commit",
        Decision::Abort => "Abort",
    }
}
