//! The observation events of `shared/TRACE.md`. Their names and fields are fixed: tools outside
//! the project read them to check a run independently.

use super::fields::{FieldSink, Words};
use super::{NodeId, Text};
use serde::{Deserialize, Serialize};

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
}

/// A Paxos ballot `[round, proposer_id]`, ordered by round, then proposer id.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Serialize, Deserialize)]
pub struct Ballot(pub u64, pub u32);

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

/// One observation a node reports about itself; the simulator stamps it with the node and time.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Observation {
    Role { role: Role, term: u64 },
    Append { index: u64, term: u64, value: Text },
    Truncate { from: u64 },
    Commit { index: u64 },
    Apply { index: u64, term: u64, value: Text },
    Snapshot { index: u64, term: u64 },
    Promise { slot: u64, ballot: Ballot },
    Accept { slot: u64, ballot: Ballot, value: Text },
    Chosen { slot: u64, value: Text },
    Begin { txn: u64, participants: Vec<NodeId> },
    Vote { txn: u64, yes: bool },
    Decide { txn: u64, decision: Decision },
}

impl Observation {
    /// The `ev` name in the trace.
    pub fn ev(&self) -> &'static str {
        match self {
            Observation::Role { .. } => "role",
            Observation::Append { .. } => "append",
            Observation::Truncate { .. } => "truncate",
            Observation::Commit { .. } => "commit",
            Observation::Apply { .. } => "apply",
            Observation::Snapshot { .. } => "snapshot",
            Observation::Promise { .. } => "promise",
            Observation::Accept { .. } => "accept",
            Observation::Chosen { .. } => "chosen",
            Observation::Begin { .. } => "begin",
            Observation::Vote { .. } => "vote",
            Observation::Decide { .. } => "decide",
        }
    }

    /// The fields of the observation as in `shared/TRACE.md` (without `t`, `ev` and `node`).
    pub fn fields(&self, sink: &mut impl FieldSink) {
        match self {
            Observation::Role { role, term } => {
                sink.field("role", role.as_str());
                sink.field("term", term);
            }
            Observation::Append { index, term, value } | Observation::Apply { index, term, value } => {
                sink.field("index", index);
                sink.field("term", term);
                sink.field("value", &**value);
            }
            Observation::Truncate { from } => sink.field("from", from),
            Observation::Commit { index } => sink.field("index", index),
            Observation::Snapshot { index, term } => {
                sink.field("index", index);
                sink.field("term", term);
            }
            Observation::Promise { slot, ballot } => {
                sink.field("slot", slot);
                sink.field("ballot", &[ballot.0, u64::from(ballot.1)]);
            }
            Observation::Accept { slot, ballot, value } => {
                sink.field("slot", slot);
                sink.field("ballot", &[ballot.0, u64::from(ballot.1)]);
                sink.field("value", &**value);
            }
            Observation::Chosen { slot, value } => {
                sink.field("slot", slot);
                sink.field("value", &**value);
            }
            Observation::Begin { txn, participants } => {
                sink.field("txn", txn);
                sink.field("participants", &participants.iter().map(|n| n.0).collect::<Vec<_>>());
            }
            Observation::Vote { txn, yes } => {
                sink.field("txn", txn);
                sink.field("vote", if *yes { "yes" } else { "no" });
            }
            Observation::Decide { txn, decision } => {
                sink.field("txn", txn);
                sink.field("decision", decision.as_str());
            }
        }
    }

    /// A one-line description for logs.
    pub fn describe(&self) -> String {
        let mut words = Words(self.ev().to_string());
        self.fields(&mut words);
        words.0
    }
}
