//! Raft's durable state: current term, vote, and the log with its snapshot (§5.1, §7 of the
//! extended paper). Index 0 is "before the first entry"; the snapshot covers indexes up to
//! `snapshot.index`, and `entries[0]` is at `snapshot.index + 1`.

use crate::apps::kv::KvStore;
use crate::apps::Replica;
use crate::core::{Command, NodeId, Text};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

/// Cluster membership: voters count towards majorities; learners only receive the log
/// (dissertation §4.2.1, new servers catch up as non-voting members first).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Membership {
    pub voters: Vec<NodeId>,
    pub learners: Vec<NodeId>,
}

impl Membership {
    pub fn is_empty(&self) -> bool {
        self.voters.is_empty() && self.learners.is_empty()
    }
    pub fn is_voter(&self, id: NodeId) -> bool {
        self.voters.contains(&id)
    }
    pub fn contains(&self, id: NodeId) -> bool {
        self.voters.contains(&id) || self.learners.contains(&id)
    }
    /// Everyone but `me` who receives the log.
    pub fn peers(&self, me: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.voters.iter().chain(self.learners.iter()).copied().filter(move |&n| n != me)
    }
    pub fn majority(&self) -> usize {
        self.voters.len() / 2 + 1
    }
    /// The value of a configuration entry in traces: `config:1,2,3` (`+learners:4` if any).
    pub fn describe(&self) -> String {
        let list = |v: &[NodeId]| v.iter().map(|n| n.0.to_string()).collect::<Vec<_>>().join(",");
        if self.learners.is_empty() {
            format!("config:{}", list(&self.voters))
        } else {
            format!("config:{} learners:{}", list(&self.voters), list(&self.learners))
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EntryData {
    /// The entry a new leader appends at the start of its term (§5.4.2, §8).
    Noop,
    Command(Command),
    Config(Membership),
}

/// A log entry. Its data and its value's text are made once, when the leader appends it, and
/// shared from then on: the copies in AppendEntries messages, in every follower's log and in the
/// trace's observations are reference counts, not new strings.
#[derive(Clone)]
pub struct Entry {
    pub term: u64,
    shared: Rc<(EntryData, Text)>,
}

impl Entry {
    pub fn new(term: u64, data: EntryData) -> Entry {
        let value: Text = match &data {
            EntryData::Noop => "".into(),
            EntryData::Command(c) => c.text(),
            EntryData::Config(m) => m.describe().into(),
        };
        Entry { term, shared: Rc::new((data, value)) }
    }
    pub fn data(&self) -> &EntryData {
        &self.shared.0
    }
    /// The `value` of this entry in the trace's `append` and `apply` events.
    pub fn value(&self) -> &Text {
        &self.shared.1
    }
}

/// Equal terms and data (the value is made from the data).
impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        self.term == other.term && (Rc::ptr_eq(&self.shared, &other.shared) || self.data() == other.data())
    }
}

impl Eq for Entry {}

/// Hashes what a derived `Hash` of `{ term, data }` would: runs hash as they always have.
impl Hash for Entry {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.term.hash(state);
        self.data().hash(state);
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry").field("term", &self.term).field("data", self.data()).finish()
    }
}

/// The replicated key-value store, with client sessions so that a retried command executes once
/// (dissertation §6.3).
pub type StateMachine = Replica<KvStore>;

/// A snapshot of the state machine up to `index` (§7).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Snapshot {
    pub index: u64,
    pub term: u64,
    pub state: StateMachine,
    /// The configuration as of `index` (empty: the initial configuration).
    pub membership: Membership,
}

/// What a Raft server persists before answering anyone.
#[derive(Clone, Debug, Default, Hash)]
pub struct RaftDurable {
    pub term: u64,
    pub voted_for: Option<NodeId>,
    pub snapshot: Snapshot,
    pub entries: Vec<Entry>,
}

impl RaftDurable {
    pub fn last_index(&self) -> u64 {
        self.snapshot.index + self.entries.len() as u64
    }
    pub fn last_term(&self) -> u64 {
        self.entries.last().map_or(self.snapshot.term, |e| e.term)
    }
    /// The term of the entry at `index`, if the log still knows it.
    pub fn term_at(&self, index: u64) -> Option<u64> {
        if index == self.snapshot.index {
            Some(self.snapshot.term)
        } else {
            self.entry(index).map(|e| e.term)
        }
    }
    pub fn entry(&self, index: u64) -> Option<&Entry> {
        let offset = index.checked_sub(self.snapshot.index + 1)?;
        self.entries.get(offset as usize)
    }
    /// Entries `from..=to` (clamped to what the log holds).
    pub fn slice(&self, from: u64, to: u64) -> &[Entry] {
        let start = from.saturating_sub(self.snapshot.index + 1) as usize;
        let end = (to.saturating_sub(self.snapshot.index) as usize).min(self.entries.len());
        if start >= end {
            &[]
        } else {
            &self.entries[start..end]
        }
    }
    /// Deletes the entries at `from` and after.
    pub fn truncate_from(&mut self, from: u64) {
        let keep = from.saturating_sub(self.snapshot.index + 1) as usize;
        self.entries.truncate(keep);
    }
    /// The first index of the run of entries of `term` that contains `index`.
    pub fn first_index_of_term(&self, index: u64, term: u64) -> u64 {
        let mut i = index;
        while i > self.snapshot.index + 1 && self.term_at(i - 1) == Some(term) {
            i -= 1;
        }
        i
    }
    /// The last index holding an entry of `term`, if any.
    pub fn last_index_of_term(&self, term: u64) -> Option<u64> {
        (self.snapshot.index + 1..=self.last_index()).rev().find(|&i| self.term_at(i) == Some(term))
    }
    /// The configuration in force as of `index`: the newest configuration entry at or before it,
    /// else the snapshot's, else `initial` (§4.1: a server uses the newest configuration in its
    /// log, committed or not).
    pub fn membership_at(&self, index: u64, initial: &Membership) -> Membership {
        let upto = index.min(self.last_index());
        for i in (self.snapshot.index + 1..=upto).rev() {
            if let Some(EntryData::Config(m)) = self.entry(i).map(Entry::data) {
                return m.clone();
            }
        }
        if self.snapshot.membership.is_empty() {
            initial.clone()
        } else {
            self.snapshot.membership.clone()
        }
    }
    /// Whether the log holds a configuration entry after `index`.
    pub fn has_config_after(&self, index: u64) -> bool {
        self.slice(index + 1, self.last_index()).iter().any(|e| matches!(e.data(), EntryData::Config(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(term: u64) -> Entry {
        Entry::new(term, EntryData::Noop)
    }

    #[test]
    fn indexes_account_for_the_snapshot() {
        let mut log = RaftDurable::default();
        log.snapshot.index = 10;
        log.snapshot.term = 2;
        log.entries = vec![entry(2), entry(3), entry(3), entry(5)];
        assert_eq!(log.last_index(), 14);
        assert_eq!(log.term_at(10), Some(2));
        assert_eq!(log.term_at(9), None);
        assert_eq!(log.term_at(12), Some(3));
        assert_eq!(log.term_at(15), None);
        assert_eq!(log.slice(12, 13).len(), 2);
        assert_eq!(log.slice(1, 100).len(), 4);
        assert_eq!(log.first_index_of_term(13, 3), 12);
        assert_eq!(log.last_index_of_term(3), Some(13));
        assert_eq!(log.last_index_of_term(4), None);
        log.truncate_from(13);
        assert_eq!(log.last_index(), 12);
    }
}
