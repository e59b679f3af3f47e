//! Paxos messages (Paxos Made Simple §2.2–§2.3; §3 for the leader's heartbeat and catch-up).

use super::ballot_text;
use super::Ballot;
use crate::core::{Message, Text};
use crate::protocols::raft::StateMachine;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PaxosMsg {
    /// Phase 1a, for every slot from `from` on.
    Prepare {
        from: u64,
        ballot: Ballot,
    },
    /// Phase 1b: the proposals this acceptor accepted in slots from `from` on.
    Promise {
        from: u64,
        ballot: Ballot,
        accepted: Vec<(u64, Ballot, Text)>,
    },
    /// Phase 2a.
    Accept {
        slot: u64,
        ballot: Ballot,
        value: Text,
    },
    /// Phase 2b, to the proposer and every learner.
    Accepted {
        slot: u64,
        ballot: Ballot,
        value: Text,
    },
    /// A refusal: the acceptor promised `promised`, higher than `ballot`.
    Nack {
        ballot: Ballot,
        promised: Ballot,
    },
    /// A proposer (leader) tells a learner (replica) what was chosen.
    Chosen {
        slot: u64,
        value: Text,
    },
    ChosenAck {
        slot: u64,
    },
    /// Multi-Paxos: the leader is alive; `chosen` is how many slots from 0 it knows chosen.
    Heartbeat {
        ballot: Ballot,
        chosen: u64,
    },
    /// Multi-Paxos: a replica asks the leader for the chosen values from slot `from` on.
    CatchUp {
        from: u64,
    },
    /// Multi-Paxos: the state machine after the first `upto` slots, sent instead of slots the
    /// sender has compacted away (to a replica that catches up from below its log, or to a
    /// proposer that prepares or proposes there: those slots are chosen, and executed).
    Snapshot {
        upto: u64,
        state: StateMachine,
    },
}

impl Message for PaxosMsg {
    fn describe(&self) -> String {
        let short = |v: &str| -> String {
            if v.is_empty() {
                "no-op".into()
            } else {
                v.chars().take(24).collect()
            }
        };
        match self {
            PaxosMsg::Prepare { from, ballot } => format!("Prepare(ballot={}, from slot {from})", ballot_text(*ballot)),
            PaxosMsg::Promise { from, ballot, accepted } => {
                let acc: Vec<String> =
                    accepted.iter().take(4).map(|(s, b, v)| format!("{s}:{}={}", ballot_text(*b), short(v))).collect();
                let more = if accepted.len() > 4 { format!(" +{}", accepted.len() - 4) } else { String::new() };
                format!(
                    "Promise(ballot={}, from slot {from}, accepted [{}{more}])",
                    ballot_text(*ballot),
                    acc.join(", ")
                )
            }
            PaxosMsg::Accept { slot, ballot, value } => {
                format!("Accept(slot {slot}, ballot={}, {:?})", ballot_text(*ballot), short(value))
            }
            PaxosMsg::Accepted { slot, ballot, value } => {
                format!("Accepted(slot {slot}, ballot={}, {:?})", ballot_text(*ballot), short(value))
            }
            PaxosMsg::Nack { ballot, promised } => {
                format!("Nack(ballot={}, promised={})", ballot_text(*ballot), ballot_text(*promised))
            }
            PaxosMsg::Chosen { slot, value } => format!("Chosen(slot {slot}, {:?})", short(value)),
            PaxosMsg::ChosenAck { slot } => format!("ChosenAck(slot {slot})"),
            PaxosMsg::Heartbeat { ballot, chosen } => {
                format!("Heartbeat(ballot={}, chosen {chosen})", ballot_text(*ballot))
            }
            PaxosMsg::CatchUp { from } => format!("CatchUp(from slot {from})"),
            PaxosMsg::Snapshot { upto, state } => {
                format!("Snapshot(slots below {upto}, {} keys)", state.app.kv.len())
            }
        }
    }
    fn kind(&self) -> &'static str {
        match self {
            PaxosMsg::Prepare { .. } => "Prepare",
            PaxosMsg::Promise { .. } => "Promise",
            PaxosMsg::Accept { .. } => "Accept",
            PaxosMsg::Accepted { .. } => "Accepted",
            PaxosMsg::Nack { .. } => "Nack",
            PaxosMsg::Chosen { .. } => "Chosen",
            PaxosMsg::ChosenAck { .. } => "ChosenAck",
            PaxosMsg::Heartbeat { .. } => "Heartbeat",
            PaxosMsg::CatchUp { .. } => "CatchUp",
            PaxosMsg::Snapshot { .. } => "Snapshot",
        }
    }
    fn is_reply(&self) -> bool {
        matches!(
            self,
            PaxosMsg::Promise { .. }
                | PaxosMsg::Accepted { .. }
                | PaxosMsg::Nack { .. }
                | PaxosMsg::ChosenAck { .. }
                | PaxosMsg::CatchUp { .. }
                | PaxosMsg::Snapshot { .. }
        )
    }
}
