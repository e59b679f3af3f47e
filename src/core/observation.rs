//! The observation events of `shared/TRACE.md`. Their names and fields are fixed: tools outside
//! the project read them to check a run independently.

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
    pub fn json_fields(&self, map: &mut serde_json::Map<String, serde_json::Value>) {
        use serde_json::json;
        let mut put = |k: &str, v: serde_json::Value| {
            map.insert(k.to_string(), v);
        };
        match self {
            Observation::Role { role, term } => {
                put("role", json!(role.as_str()));
                put("term", json!(term));
            }
            Observation::Append { index, term, value } | Observation::Apply { index, term, value } => {
                put("index", json!(index));
                put("term", json!(term));
                put("value", json!(&**value));
            }
            Observation::Truncate { from } => put("from", json!(from)),
            Observation::Commit { index } => put("index", json!(index)),
            Observation::Snapshot { index, term } => {
                put("index", json!(index));
                put("term", json!(term));
            }
            Observation::Promise { slot, ballot } => {
                put("slot", json!(slot));
                put("ballot", json!([ballot.0, ballot.1]));
            }
            Observation::Accept { slot, ballot, value } => {
                put("slot", json!(slot));
                put("ballot", json!([ballot.0, ballot.1]));
                put("value", json!(&**value));
            }
            Observation::Chosen { slot, value } => {
                put("slot", json!(slot));
                put("value", json!(&**value));
            }
            Observation::Begin { txn, participants } => {
                put("txn", json!(txn));
                put("participants", json!(participants.iter().map(|n| n.0).collect::<Vec<_>>()));
            }
            Observation::Vote { txn, yes } => {
                put("txn", json!(txn));
                put("vote", json!(if *yes { "yes" } else { "no" }));
            }
            Observation::Decide { txn, decision } => {
                put("txn", json!(txn));
                put("decision", json!(decision.as_str()));
            }
        }
    }

    /// A one-line description for logs.
    pub fn describe(&self) -> String {
        let mut map = serde_json::Map::new();
        self.json_fields(&mut map);
        let fields: Vec<String> = map.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{} {}", self.ev(), fields.join(" "))
    }
}
