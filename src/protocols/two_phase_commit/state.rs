//! What a node keeps: the durable log of prepared and decided transactions, the coordinator's
//! transactions in flight, a participant's work.

use super::*;

/// A set of transaction ids as a bitmap (every commit a coordinator ever logged).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TxnBits(Vec<u64>);

impl TxnBits {
    pub fn insert(&mut self, txn: u64) {
        let word = (txn / 64) as usize;
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << (txn % 64);
    }
    pub fn contains(&self, txn: u64) -> bool {
        self.0.get((txn / 64) as usize).is_some_and(|w| w & (1 << (txn % 64)) != 0)
    }
    pub fn len(&self) -> u64 {
        self.0.iter().map(|w| u64::from(w.count_ones())).sum()
    }
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }
}

/// A participant's prepared record.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Prepared {
    pub legs: Vec<Leg>,
    pub participants: Vec<NodeId>,
}

/// A logged commit the coordinator keeps until every participant acknowledged it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CommitRecord {
    pub participants: Vec<NodeId>,
    pub client: u32,
    pub seq: u64,
}

/// What a node keeps on stable storage.
#[derive(Clone, Debug, Default, Hash)]
pub struct TpcDurable {
    /// The bank shard was set up.
    pub opened: bool,
    // Coordinator.
    pub next_txn: u64,
    /// Commit records not yet acknowledged by every participant.
    pub log: LiteMap<u64, CommitRecord>,
    /// Every transaction ever committed (presumed abort answers "abort" for the others).
    pub committed: TxnBits,
    /// Per client: the last committed command `(seq, txn)`, so a retry after a crash runs once.
    pub sessions: LiteMap<u32, (u64, u64)>,
    // Participant.
    pub balances: LiteMap<String, i64>,
    pub prepared: LiteMap<u64, Prepared>,
    /// Outcomes this participant knows (for answering others), the newest [`OUTCOMES_MAX`].
    pub outcomes: LiteMap<u64, Decision>,
    /// Outcomes of transactions up to here may have been forgotten.
    pub forgotten_upto: u64,
}

impl TpcDurable {
    pub(super) fn remember(&mut self, txn: u64, decision: Decision) {
        self.outcomes.insert(txn, decision);
        while self.outcomes.len() > OUTCOMES_MAX {
            if let Some(old) = self.outcomes.first().map(|(t, _)| *t) {
                self.outcomes.remove(&old);
                self.forgotten_upto = self.forgotten_upto.max(old);
            }
        }
    }
    /// Accounts locked by prepared transactions.
    pub(super) fn locked(&self) -> impl Iterator<Item = (&str, u64)> {
        self.prepared.iter().flat_map(|(t, p)| p.legs.iter().map(move |l| (l.account.as_str(), *t)))
    }
}

#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum TpcTimer {
    /// A participant finished its work on a transaction and votes.
    Work(u64),
    /// The coordinator's votes for a transaction are late: abort.
    Votes(u64),
    /// The coordinator re-sends a commit that is not acknowledged.
    Resend(u64),
    /// A participant in doubt asks for the outcome.
    Ask(u64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum CoordPhase {
    Collecting,
    /// Committed and logged; waiting for these participants' acknowledgements.
    Committed(Vec<NodeId>),
}

#[derive(Clone, Debug)]
pub(super) struct CoordTxn {
    pub(super) legs: Vec<(NodeId, Vec<Leg>)>,
    pub(super) votes: LiteMap<NodeId, bool>,
    pub(super) phase: CoordPhase,
    pub(super) requests: Vec<RequestId>,
    pub(super) client: (u32, u64),
    pub(super) op: Text,
}

impl CoordTxn {
    pub(super) fn participants(&self) -> Vec<NodeId> {
        self.legs.iter().map(|(n, _)| *n).collect()
    }
}

#[derive(Clone, Debug)]
pub(super) struct Working {
    pub(super) legs: Vec<Leg>,
    pub(super) participants: Vec<NodeId>,
}

/// A transaction's state at one node, for the page's timeline.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TxnState {
    Collecting,
    Working,
    Prepared,
    Committed,
    Aborted,
}

impl TxnState {
    pub fn as_str(self) -> &'static str {
        match self {
            TxnState::Collecting => "collecting",
            TxnState::Working => "working",
            TxnState::Prepared => "prepared",
            TxnState::Committed => "committed",
            TxnState::Aborted => "aborted",
        }
    }

    /// The letter and the class of its cell in the page's transaction timeline.
    pub fn cell(self) -> (&'static str, &'static str) {
        match self {
            TxnState::Collecting => ("V", "txn-collecting"),
            TxnState::Working => ("W", "txn-working"),
            TxnState::Prepared => ("P", "txn-prepared"),
            TxnState::Committed => ("C", "txn-committed"),
            TxnState::Aborted => ("A", "txn-aborted"),
        }
    }
}
