//! Raft's durable state: current term, vote, and the log with its snapshot (§5.1, §7 of the
//! extended paper). Index 0 is "before the first entry"; the snapshot covers indexes up to
//! `snapshot.index`, and `entries[0]` is at `snapshot.index + 1`.

use crate::core::TextMap;
use crate::core::{Command, NodeId, Text};
use litemap::LiteMap;
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

/// The replicated key-value state machine, with client sessions so that a retried command
/// executes once (dissertation §6.3).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct StateMachine {
    pub kv: TextMap,
    /// Per client: the highest executed sequence number and its result.
    pub sessions: LiteMap<u32, (u64, Text)>,
}

thread_local! {
    /// The result of a write: one shared string, not a new one for every command on every node.
    static OK: Text = Text::from("ok");
}

/// The first three words of a command's operation: the leader reads them to tell a read from a
/// write, and every server's state machine to execute it, so both split alike. An ASCII
/// operation (every generated one) is split byte by byte, without decoding characters, on ASCII
/// whitespace (`u8::is_ascii_whitespace`, which unlike `char::is_whitespace` leaves out the
/// vertical tab); any other on Unicode whitespace.
pub fn op_words(op: &str) -> [Option<&str>; 3] {
    // Each splitter its own copy, not one behind a `dyn Iterator`.
    fn first_three<'a>(mut words: impl Iterator<Item = &'a str>) -> [Option<&'a str>; 3] {
        [words.next(), words.next(), words.next()]
    }
    if op.is_ascii() {
        first_three(op.split_ascii_whitespace())
    } else {
        first_three(op.split_whitespace())
    }
}

impl StateMachine {
    /// Executes a command once per (client, seq); a repeat returns the first result.
    pub fn execute(&mut self, command: &Command) -> Text {
        if let Some((seq, result)) = self.sessions.get(&command.client) {
            if command.seq <= *seq {
                return result.clone();
            }
        }
        let result = match op_words(&command.op) {
            [Some("set"), Some(key), Some(value)] => {
                // Overwriting a key reuses its string.
                match self.kv.get_mut(key) {
                    Some(old) => {
                        old.clear();
                        old.push_str(value);
                    }
                    None => {
                        self.kv.insert(key.to_string(), value.to_string());
                    }
                }
                OK.with(|t| t.clone())
            }
            [Some("get"), Some(key), None] => self.read(key),
            _ => OK.with(|t| t.clone()),
        };
        self.sessions.insert(command.client, (command.seq, result.clone()));
        result
    }

    pub fn read(&self, key: &str) -> Text {
        self.kv.get(key).map(|v| v.as_str().into()).unwrap_or_default()
    }

    /// Whether the command has been executed already.
    pub fn executed(&self, client: u32, seq: u64) -> bool {
        self.sessions.get(&client).is_some_and(|(s, _)| seq <= *s)
    }
}

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

    /// `op_words` splits as `split_whitespace` does, except on the vertical tab in ASCII
    /// operations (split by bytes, as `split_ascii_whitespace` does): every ASCII control byte,
    /// and a few Unicode spaces.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn op_words_are_split_whitespaces_words() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let piece = prop::sample::select(vec![
            "set", "get", "k1", "v", "é", " ", "  ", "\t", "\n", "\u{b}", "\u{c}", "\r", "\u{1c}", "\u{85}", "\u{a0}",
            "\u{3000}", "x\u{0}",
        ]);
        let ops = proptest::collection::vec(piece, 0..8).prop_map(|p| p.concat());
        TestRunner::new(Config { cases: 2_000, ..Config::default() })
            .run(&ops, |op| {
                let mut words: Box<dyn Iterator<Item = &str>> =
                    if op.is_ascii() { Box::new(op.split_ascii_whitespace()) } else { Box::new(op.split_whitespace()) };
                prop_assert_eq!(op_words(&op), [words.next(), words.next(), words.next()], "{:?}", op);
                if !op.contains('\u{b}') {
                    let mut words = op.split_whitespace();
                    prop_assert_eq!(op_words(&op), [words.next(), words.next(), words.next()], "{:?}", op);
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(op_words(" get  k "), [Some("get"), Some("k"), None]);
        assert_eq!(op_words("set\tk é"), [Some("set"), Some("k"), Some("é")]);
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
