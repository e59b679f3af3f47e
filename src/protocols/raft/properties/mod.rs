//! Raft's properties: the five guarantees of Figure 3 of the extended paper (election safety,
//! leader append-only, log matching, leader completeness, state machine safety), three more that
//! the implementation must keep (commit-monotonic, term-monotonic, one-vote-per-term), and
//! liveness once faults stop.

use super::{Entry, Raft, RaftConfig, RaftDurable, RaftMsg};
use crate::check::{get_near_end, value_hash, Checked, Property, PropertyKind, Reads};
use crate::core::{
    append_or_insert, range_from, Command, NodeId, Observation, Protocol, Role, Shared, Text, TimeUs, US_PER_S,
};
use crate::protocols::raft::messages::*;
use crate::sim::{Outcome, Rec, RecordKind, Simulation};
use litemap::LiteMap;
use std::collections::VecDeque;

mod liveness;
mod log_matching;

use liveness::{AckedApplied, LeaderElected};
use log_matching::LogMatching;

impl Checked for Raft {
    fn properties(_config: &RaftConfig) -> Vec<Box<dyn Property<Self>>> {
        vec![
            Box::new(ElectionSafety::default()),
            Box::new(LeaderAppendOnly::default()),
            Box::new(LogMatching::default()),
            Box::new(LeaderCompleteness::default()),
            Box::new(StateMachineSafety::default()),
            Box::new(CommitMonotonic::default()),
            Box::new(TermMonotonic::default()),
            Box::new(OneVotePerTerm::default()),
            Box::new(LeaderElected),
            Box::new(AckedApplied::default()),
        ]
    }
}

fn disk(sim: &Simulation<Raft>, node: NodeId) -> &RaftDurable {
    sim.node(node).disk()
}

/// How far below the newest log entry of any server the properties remember indexes.
const CHECKED_INDEXES_MAX: u64 = 2_000;

/// The index at and below which property state is forgotten, so memory stays bounded on long
/// runs: the highest index every server has compacted into its snapshot (no log holds entries
/// there any more, and none is appended or applied there again), or, if higher, the index
/// [`CHECKED_INDEXES_MAX`] below the newest entry of any server — a server removed from the
/// configuration stops compacting, and it must not hold every index ever committed in memory.
/// (Only a server that lags that far behind and is then added back could still write there, and
/// it is sent a snapshot first.)
fn forget_below(sim: &Simulation<Raft>) -> u64 {
    let compacted = sim.nodes().map(|(_, n)| n.disk().snapshot.index).min().unwrap_or(0);
    let newest = sim.nodes().map(|(_, n)| n.disk().last_index()).max().unwrap_or(0);
    compacted.max(newest.saturating_sub(CHECKED_INDEXES_MAX))
}

/// How many records pass between two prunings of property state.
const PRUNE_EVERY: u64 = 256;

/// §5.2: at most one leader is elected in a term.
#[derive(Clone, Debug, Default)]
struct ElectionSafety {
    leaders: LiteMap<u64, NodeId>,
}

impl Property<Raft> for ElectionSafety {
    fn name(&self) -> &str {
        "election-safety"
    }
    fn explain(&self) -> &str {
        "at most one leader is elected in any term"
    }
    fn reads(&self) -> Reads {
        Reads::ROLE
    }
    fn observe(&mut self, record: &Rec<Raft>, _sim: &Simulation<Raft>) -> Result<(), String> {
        if let RecordKind::Observe { node, obs: Observation::Shared(Shared::Role { role: Role::Leader, term }) } =
            &record.kind
        {
            if let Some(&other) = self.leaders.get(term) {
                if other != *node {
                    return Err(format!("{node} and {other} were both elected leader in term {term}"));
                }
            }
            self.leaders.insert(*term, *node);
        }
        Ok(())
    }
}

/// Figure 3: a leader never overwrites or deletes entries in its log; it only appends.
#[derive(Clone, Debug, Default)]
struct LeaderAppendOnly {
    /// Per server: whether it leads, and the length of its log as its observations tell it (one
    /// map, so an observation looks its server up once).
    servers: LiteMap<NodeId, (bool, u64)>,
}

impl Property<Raft> for LeaderAppendOnly {
    fn name(&self) -> &str {
        "leader-append-only"
    }
    fn explain(&self) -> &str {
        "a leader never overwrites or deletes entries in its log; it only appends"
    }
    fn reads(&self) -> Reads {
        Reads::ROLE | Reads::APPEND | Reads::TRUNCATE | Reads::SNAPSHOT | Reads::CRASH | Reads::RESTART
    }
    fn observe(&mut self, record: &Rec<Raft>, sim: &Simulation<Raft>) -> Result<(), String> {
        match &record.kind {
            RecordKind::Observe { node, obs } => {
                let (is_leader, len) = self.servers.entry(*node).or_insert((false, 0));
                match obs {
                    Observation::Shared(Shared::Role { role, .. }) => *is_leader = *role == Role::Leader,
                    Observation::Shared(Shared::Append { index, .. }) => {
                        if *is_leader && *index <= *len {
                            return Err(format!("leader {node} wrote index {index} over its log of {len} entries"));
                        }
                        *len = *index;
                    }
                    Observation::Shared(Shared::Truncate { from }) => {
                        if *is_leader {
                            return Err(format!("leader {node} deleted its entries from index {from}"));
                        }
                        *len = from.saturating_sub(1);
                    }
                    Observation::Shared(Shared::Snapshot { index, .. }) => *len = (*len).max(*index),
                    _ => {}
                }
            }
            RecordKind::Restart { node } => {
                self.servers.insert(*node, (false, disk(sim, *node).last_index()));
            }
            RecordKind::Crash { node } => {
                self.servers.entry(*node).or_insert((false, 0)).0 = false;
            }
            _ => {}
        }
        Ok(())
    }
}

/// §5.4: an entry committed in a term is in the log of every leader of a later term. An entry
/// counts as committed in the term of the server that first reports committing it (the leader
/// that committed it, or a follower of that term or later).
#[derive(Clone, Debug, Default)]
struct LeaderCompleteness {
    /// Per committed index: the entry's term and the term it was committed in.
    committed: LiteMap<u64, (u64, u64)>,
    /// The highest index reported committed (or forgotten as compacted everywhere).
    high: u64,
    /// Indexes up to `high` reported committed by a server that no longer held the entry (it had
    /// compacted it), in ascending order: the next server to commit past one with the entry in
    /// its log fills it in. Kept apart so that a commit looks only at these and at the indexes
    /// above `high`; scanning every index from the first gap on made this property most of a
    /// long chaos run's time once a gap stayed open.
    holes: Vec<u64>,
    commits: u64,
}

impl Property<Raft> for LeaderCompleteness {
    fn name(&self) -> &str {
        "leader-completeness"
    }
    fn explain(&self) -> &str {
        "an entry committed in one term is in the log of every leader of every later term"
    }
    fn reads(&self) -> Reads {
        Reads::COMMIT | Reads::ROLE
    }
    fn observe(&mut self, record: &Rec<Raft>, sim: &Simulation<Raft>) -> Result<(), String> {
        match &record.kind {
            RecordKind::Observe { node, obs: Observation::Shared(Shared::Commit { index }) } => {
                let log = disk(sim, *node);
                // The holes this server can fill: the entries from its snapshot on are in its log.
                let from = self.holes.partition_point(|&h| h < log.snapshot.index);
                let to = self.holes.partition_point(|&h| h <= *index);
                let mut kept = from;
                for k in from..to {
                    let i = self.holes[k];
                    match log.term_at(i) {
                        Some(t) => {
                            self.committed.insert(i, (t, log.term));
                        }
                        None => {
                            self.holes[kept] = i;
                            kept += 1;
                        }
                    }
                }
                self.holes.drain(kept..to);
                for i in self.high + 1..=*index {
                    match log.term_at(i) {
                        Some(t) => append_or_insert(&mut self.committed, i, (t, log.term)),
                        None => self.holes.push(i),
                    }
                }
                self.high = self.high.max(*index);
                self.commits += 1;
                if self.commits % PRUNE_EVERY == 0 {
                    // Indexes at or below the floor are forgotten, known or not (a commit seen
                    // only by a server that had compacted it never fills its gap).
                    let floor = forget_below(sim);
                    self.high = self.high.max(floor);
                    self.holes.retain(|&i| i > floor);
                    self.committed.retain(|&i, _| i > floor);
                }
            }
            RecordKind::Observe { node, obs: Observation::Shared(Shared::Role { role: Role::Leader, term }) } => {
                let log = disk(sim, *node);
                for (&i, &(entry_term, commit_term)) in range_from(&self.committed, &(log.snapshot.index + 1)) {
                    if commit_term >= *term {
                        continue;
                    }
                    if log.term_at(i) != Some(entry_term) {
                        return Err(format!(
                            "{node} became leader of term {term} without the entry at index {i} (term {entry_term}) committed in term {commit_term}"
                        ));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// §5.4.3: no two servers apply different entries at the same index.
#[derive(Clone, Debug, Default)]
struct StateMachineSafety {
    applied: LiteMap<u64, (u64, NodeId)>,
}

impl Property<Raft> for StateMachineSafety {
    fn name(&self) -> &str {
        "state-machine-safety"
    }
    fn explain(&self) -> &str {
        "no two servers apply different entries at the same log index"
    }
    fn reads(&self) -> Reads {
        Reads::APPLY
    }
    fn observe(&mut self, record: &Rec<Raft>, sim: &Simulation<Raft>) -> Result<(), String> {
        if let RecordKind::Observe { node, obs: Observation::Shared(Shared::Apply { index, value, .. }) } = &record.kind
        {
            let h = value_hash(value);
            match get_near_end(&self.applied, index, |&index| index) {
                Some(&(first, by)) if first != h => {
                    return Err(format!(
                        "{node} applied {value:?} at index {index}, where {by} applied a different entry"
                    ));
                }
                Some(_) => {}
                None => {
                    append_or_insert(&mut self.applied, *index, (h, *node));
                    if *index % PRUNE_EVERY == 0 {
                        let floor = forget_below(sim);
                        self.applied.retain(|&i, _| i > floor);
                    }
                }
            }
        }
        Ok(())
    }
}

/// A server's commit index never goes back while it runs.
#[derive(Clone, Debug, Default)]
struct CommitMonotonic {
    commit: LiteMap<NodeId, u64>,
}

impl Property<Raft> for CommitMonotonic {
    fn name(&self) -> &str {
        "commit-monotonic"
    }
    fn explain(&self) -> &str {
        "a server's commit index never decreases between restarts, and it never deletes an entry at or below it"
    }
    fn reads(&self) -> Reads {
        Reads::COMMIT | Reads::TRUNCATE | Reads::CRASH | Reads::RESTART
    }
    fn observe(&mut self, record: &Rec<Raft>, _sim: &Simulation<Raft>) -> Result<(), String> {
        match &record.kind {
            RecordKind::Observe { node, obs: Observation::Shared(Shared::Commit { index }) } => {
                let last = self.commit.insert(*node, *index).unwrap_or(0);
                if *index < last {
                    return Err(format!("{node}'s commit index went back from {last} to {index}"));
                }
            }
            RecordKind::Observe { node, obs: Observation::Shared(Shared::Truncate { from }) } => {
                let commit = self.commit.get(node).copied().unwrap_or(0);
                if *from <= commit {
                    return Err(format!(
                        "{node} deleted its entries from index {from}, at or below its commit index {commit}"
                    ));
                }
            }
            RecordKind::Crash { node } | RecordKind::Restart { node } => {
                self.commit.remove(node);
            }
            _ => {}
        }
        Ok(())
    }
}

/// A server's current term never decreases, even across restarts (it is persisted).
#[derive(Clone, Debug, Default)]
struct TermMonotonic {
    term: LiteMap<NodeId, u64>,
}

impl Property<Raft> for TermMonotonic {
    fn name(&self) -> &str {
        "term-monotonic"
    }
    fn explain(&self) -> &str {
        "a server's current term never decreases, across restarts too"
    }
    fn reads(&self) -> Reads {
        Reads::ROLE
    }
    fn observe(&mut self, record: &Rec<Raft>, _sim: &Simulation<Raft>) -> Result<(), String> {
        if let RecordKind::Observe { node, obs: Observation::Shared(Shared::Role { term, .. }) } = &record.kind {
            let last = self.term.insert(*node, *term).unwrap_or(0);
            if *term < last {
                return Err(format!("{node}'s term went back from {last} to {term}"));
            }
        }
        Ok(())
    }
}

/// §5.2: a server grants at most one vote per term, across restarts.
#[derive(Clone, Debug, Default)]
struct OneVotePerTerm {
    /// (term, voter) → the candidate it voted for: keyed by term first, so new votes are appended.
    votes: LiteMap<(u64, NodeId), NodeId>,
}

impl Property<Raft> for OneVotePerTerm {
    fn name(&self) -> &str {
        "one-vote-per-term"
    }
    fn explain(&self) -> &str {
        "a server votes for at most one candidate in a term, even if it restarts"
    }
    fn reads(&self) -> Reads {
        // Votes only: called for one send in a hundred, not for every one.
        Reads::sends(RaftMsg::REQUEST_VOTE_RESPONSE)
    }
    fn observe(&mut self, record: &Rec<Raft>, _sim: &Simulation<Raft>) -> Result<(), String> {
        if let RecordKind::Send {
            from,
            to,
            msg: RaftMsg::RequestVoteResponse(RequestVoteResponse { term, granted: true }),
            ..
        } = &record.kind
        {
            if let Some(&first) = self.votes.get(&(*term, *from)) {
                if first != *to {
                    return Err(format!("{from} voted for {first} and for {to} in term {term}"));
                }
            }
            self.votes.insert((*term, *from), *to);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Record;

    /// A leader that writes over its log or deletes from it breaks `leader-append-only`; a
    /// follower doing the same does not, nor a leader that lost its leadership by crashing
    /// and then appends at its restarted log's length.
    #[test]
    fn leader_append_only_judges_leaders_only() {
        let sim = Simulation::<Raft>::new(Setup::default()).expect("a valid setup");
        let (a, b) = (NodeId(1), NodeId(2));
        let observe = |node, obs| Record { t: 0, kind: RecordKind::Observe { node, obs } };
        let role = |node, role| observe(node, Observation::Shared(Shared::Role { role, term: 1 }));
        let append =
            |node, index| observe(node, Observation::Shared(Shared::Append { index, term: 1, value: "v".into() }));
        let truncate = |node, from| observe(node, Observation::Shared(Shared::Truncate { from }));
        let run = |records: &[Rec<Raft>]| {
            let mut p = LeaderAppendOnly::default();
            records.iter().map(|r| p.observe(r, &sim)).find(Result::is_err).unwrap_or(Ok(()))
        };
        let leads = [role(a, Role::Leader), append(a, 1), append(a, 2)];
        assert_eq!(run(&leads), Ok(()));
        let over = [&leads[..], &[append(a, 2)]].concat();
        assert_eq!(run(&over), Err("leader n1 wrote index 2 over its log of 2 entries".into()));
        let deletes = [&leads[..], &[truncate(a, 2)]].concat();
        assert_eq!(run(&deletes), Err("leader n1 deleted its entries from index 2".into()));
        // A follower's log may be cut back and written again (§5.3).
        let follows = [append(b, 1), append(b, 2), truncate(b, 2), append(b, 2), append(b, 1)];
        assert_eq!(run(&follows), Ok(()));
        // Stepping down or crashing ends the leadership.
        let steps_down = [&leads[..], &[role(a, Role::Follower), truncate(a, 1)]].concat();
        assert_eq!(run(&steps_down), Ok(()));
        let crashes = [&leads[..], &[Record { t: 0, kind: RecordKind::Crash { node: a } }, truncate(a, 1)]].concat();
        assert_eq!(run(&crashes), Ok(()));
    }

    /// Entries whose terms go up by the given steps from `from_term`, each a no-op (value 0) or
    /// a command named by its value: few values, so that logs often hold the same entries.
    #[cfg(not(target_arch = "wasm32"))]
    fn entries_by_steps(steps: &[(u64, u8)], from_term: u64) -> Vec<Entry> {
        use crate::protocols::raft::EntryData;
        let mut term = from_term;
        steps
            .iter()
            .map(|&(step, v)| {
                term += step;
                let data = if v == 0 {
                    EntryData::Noop
                } else {
                    EntryData::Command(Command { client: 1, seq: 1, op: format!("v{v}").into() })
                };
                Entry::new(term, data)
            })
            .collect()
    }

    /// Logs that share prefixes and then part ways (so that some pairs match and some do not,
    /// in every way: a different entry under the same term, different terms, snapshots at
    /// different points): the one-pass test says "all match" exactly when no pair fails the
    /// pairwise comparison, which names the first pair that does.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn log_matching_in_one_pass_is_the_pairwise_comparison() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};

        // Each log: (snapshot index, a shared base's prefix length, then its own entries as
        // (term step, value)). Terms never fall along a log.
        let log = (0u64..4, 0usize..7, proptest::collection::vec((0u64..2, 0u8..3), 0..5));
        let logs = proptest::collection::vec(log, 2..6);
        let base = proptest::collection::vec((0u64..2, 0u8..3), 0..7);
        let mut runner = TestRunner::new(Config { cases: 4000, ..Config::default() });
        let (matched, failed) = (Cell::new(0), Cell::new(0));
        runner
            .run(&(base, logs), |(base, specs)| {
                let base = entries_by_steps(&base, 1);
                let disks: Vec<RaftDurable> = specs
                    .iter()
                    .map(|(snap, keep, own)| {
                        let keep = (*keep).min(base.len());
                        let mut entries: Vec<Entry> = base[..keep].to_vec();
                        let last_term = entries.last().map_or(1, |e| e.term);
                        entries.extend(entries_by_steps(own, last_term));
                        let snap = (*snap).min(entries.len() as u64);
                        let mut d = RaftDurable::default();
                        d.snapshot.index = snap;
                        d.snapshot.term = if snap == 0 { 0 } else { entries[snap as usize - 1].term };
                        d.entries = entries.split_off(snap as usize);
                        d
                    })
                    .collect();
                let logs: Vec<(NodeId, &RaftDurable)> =
                    disks.iter().enumerate().map(|(i, d)| (NodeId::from_index(i), d)).collect();
                let pairs = LogMatching::check_pairs(&logs);
                let tally = if pairs.is_ok() { &matched } else { &failed };
                tally.set(tally.get() + 1);
                prop_assert_eq!(LogMatching::all_match(&logs, 0), pairs.is_ok(), "{:?}", disks);
                Ok(())
            })
            .unwrap();
        // Both kinds of case were tried, many times.
        let (matched, failed) = (matched.get(), failed.get());
        assert!(matched > 500 && failed > 500, "{matched} matched, {failed} failed");
    }

    /// The comparison from an index ([`LogMatching::check_from`]): logs that all matched, then
    /// changed only from an index `from` up (cut back to there or above and written again, in
    /// terms that never fall) and compacted anywhere, are found matching from `from` up exactly
    /// when the pairwise comparison in full finds them matching.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn log_matching_from_where_logs_changed_is_the_full_comparison() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};

        // Matching logs: prefixes of one history (so every pair matches), each with its own
        // snapshot point. Then per log: where it is cut back (at or above `from`), what it
        // appends (term steps and values), and how far it compacts afterwards.
        let history = proptest::collection::vec((0u64..2, 0u8..3), 1..7);
        let change = (0usize..3, proptest::collection::vec((0u64..2, 0u8..3), 1..5), 0usize..3);
        let case = (history, 1u64..6, proptest::collection::vec((2usize..8, 0usize..4, change), 2..6));
        let mut runner = TestRunner::new(Config { cases: 4000, ..Config::default() });
        let (matched, failed) = (Cell::new(0), Cell::new(0));
        runner
            .run(&case, |(history, from, logs)| {
                let history = entries_by_steps(&history, 1);
                let mut disks = Vec::new();
                for &(len, snap, (cut, ref own, compact)) in &logs {
                    let mut entries = history[..len.min(history.len())].to_vec();
                    // Cut back to index `from - 1 + cut` (if it reaches that far), then written
                    // again from there: only a log that holds index `from - 1` may write above
                    // it, so that nothing below `from` changes.
                    let keep = (from - 1) as usize + cut;
                    if entries.len() >= keep {
                        entries.truncate(keep);
                        let last_term = entries.last().map_or(1, |e| e.term);
                        entries.extend(entries_by_steps(own, last_term));
                    }
                    let snap = (snap + compact).min(entries.len());
                    let mut d = RaftDurable::default();
                    d.snapshot.index = snap as u64;
                    d.snapshot.term = if snap == 0 { 0 } else { entries[snap - 1].term };
                    d.entries = entries.split_off(snap);
                    disks.push(d);
                }
                let logs: Vec<(NodeId, &RaftDurable)> =
                    disks.iter().enumerate().map(|(i, d)| (NodeId::from_index(i), d)).collect();
                let full = LogMatching::check_pairs(&logs);
                let tally = if full.is_ok() { &matched } else { &failed };
                tally.set(tally.get() + 1);
                prop_assert_eq!(LogMatching::all_match(&logs, from), full.is_ok(), "from {}: {:?}", from, disks);
                prop_assert_eq!(LogMatching::check_from(&logs, from), full, "from {}: {:?}", from, disks);
                Ok(())
            })
            .unwrap();
        let (matched, failed) = (matched.get(), failed.get());
        assert!(matched > 500 && failed > 500, "{matched} matched, {failed} failed");
    }
    use crate::check::World;
    use crate::sim::{FaultPreset, Setup, Workload};
    use std::cell::Cell;
    use std::rc::Rc;

    /// Leader completeness's bookkeeping as it was before it kept its holes apart: at every
    /// commit, every index from the first one not known on.
    #[derive(Clone, Default)]
    struct Scan {
        committed: LiteMap<u64, (u64, u64)>,
        known_upto: u64,
        commits: u64,
    }

    impl Scan {
        fn commit(&mut self, node: NodeId, index: u64, sim: &Simulation<Raft>) {
            let log = disk(sim, node);
            for i in self.known_upto + 1..=index {
                if let (false, Some(t)) = (self.committed.contains_key(&i), log.term_at(i)) {
                    self.committed.insert(i, (t, log.term));
                }
            }
            while self.committed.contains_key(&(self.known_upto + 1)) {
                self.known_upto += 1;
            }
            self.commits += 1;
            if self.commits % PRUNE_EVERY == 0 {
                let floor = forget_below(sim);
                self.known_upto = self.known_upto.max(floor);
                self.committed.retain(|&i, _| i > floor);
            }
        }
    }

    /// Runs the property beside the scan and checks after every record that both know the same
    /// committed entries; counts the holes it had to keep.
    #[derive(Clone)]
    struct Beside {
        property: LeaderCompleteness,
        scan: Scan,
        holes_seen: Rc<Cell<usize>>,
    }

    impl Property<Raft> for Beside {
        fn name(&self) -> &str {
            "beside"
        }
        fn explain(&self) -> &str {
            "leader completeness and the scan it replaced agree"
        }
        fn observe(&mut self, record: &Rec<Raft>, sim: &Simulation<Raft>) -> Result<(), String> {
            let _ = self.property.observe(record, sim); // its verdicts are the real property's
            if let RecordKind::Observe { node, obs: Observation::Shared(Shared::Commit { index }) } = &record.kind {
                self.scan.commit(*node, *index, sim);
                assert_eq!(self.property.committed, self.scan.committed, "after {record:?}");
                self.holes_seen.set(self.holes_seen.get().max(self.property.holes.len()));
            }
            Ok(())
        }
    }

    #[test]
    fn leader_completeness_knows_what_the_full_scan_knew() {
        // Servers that restart from a snapshot report commits of entries they no longer hold;
        // those holes are filled by the next server to commit past them with the entry. The
        // property must end up knowing exactly what scanning every index found, under chaos with
        // compaction and with the planted bug it exists to catch. (That bug's run, seed 0, also
        // made a leader panic once: a follower's snapshot reached past the leader's log.)
        let holes_seen = Rc::new(Cell::new(0));
        for (seed, bug) in [(1, None), (2, None), (3, None), (4, None), (0, Some("no-election-restriction"))] {
            let setup = Setup {
                seed,
                faults: FaultPreset::Chaos,
                duration_us: 120 * US_PER_S,
                bug: bug.map(str::to_string),
                workload: Workload { clients: 5, interval_us: 20_000, ..Workload::default() },
                ..Setup::default()
            };
            let beside = Beside {
                property: LeaderCompleteness::default(),
                scan: Scan::default(),
                holes_seen: holes_seen.clone(),
            };
            let mut world = World::<Raft>::new(setup, vec![Box::new(beside)]).unwrap();
            world.run_until(120 * US_PER_S, u64::MAX, &mut |_| {});
            let mut violated: Vec<&str> = world.violations().iter().map(|v| v.property.as_str()).collect();
            violated.dedup();
            assert_eq!(bug.is_some(), violated.contains(&"leader-completeness"), "seed {seed}: {violated:?}");
        }
        assert!(holes_seen.get() > 0, "no run left a hole: the test does not test the holes");
    }
}
