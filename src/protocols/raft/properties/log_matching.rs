//! `log-matching` (Figure 3): two logs that hold an entry with the same index and term are identical up
//! to it, checked from where the logs changed since the last comparison.

use super::*;
use crate::core::Shared;

/// §5.3: if two logs hold an entry with the same index and term, they are identical up to it.
#[derive(Clone, Debug, Default)]
pub(super) struct LogMatching {
    /// (index, term) → hash of the value first seen there.
    seen: LiteMap<(u64, u64), u64>,
    appends: u64,
    /// The lowest index at which any log may have changed since the logs were last compared
    /// and found matching (`u64::MAX`: none; 0 before the first comparison).
    changed_from: u64,
    /// Comparisons made; every [`FULL_EVERY`]th compares the logs in full.
    comparisons: u64,
}

/// Every this many comparisons of the logs, one compares them in full rather than from where
/// they changed: a net under the rule that every change to a log is observed.
const FULL_EVERY: u64 = 16;

impl LogMatching {
    /// Compares the logs from index `from` up ([`LogMatching::check_from`]); from 0, every pair
    /// in full. In full, up to five logs (ten pairs) the pairs are compared one by one: their
    /// tight loops cost less than the one pass over the indexes (callgrind: 79.5 M against
    /// 79.8 M instructions for the bench's workload; at 7 nodes 56.2 M against 55.8 M).
    pub(super) fn compare(sim: &Simulation<Raft>, from: u64) -> Result<(), String> {
        let logs: Vec<(NodeId, &RaftDurable)> = sim.nodes().map(|(id, n)| (id, n.disk())).collect();
        if from == 0 && logs.len() <= 5 {
            return Self::check_pairs(&logs);
        }
        Self::check_from(&logs, from)
    }

    /// The logs compared from index `from` up, when they were all found matching before and no
    /// log has changed below `from` since (see [`LogMatching::all_match`]: the logs match when
    /// a condition holds at every index, which reads an index and the one below it; below
    /// `from` it held and nothing it reads changed, so only the indexes from `from` up are
    /// looked at). Between two comparisons of a steady run, `from` is a few entries below the
    /// logs' ends: the comparison reads those, not every entry that every log holds. Only when
    /// the pass finds two logs that do not match are the pairs compared one by one, to name
    /// the first of them.
    pub(super) fn check_from(logs: &[(NodeId, &RaftDurable)], from: u64) -> Result<(), String> {
        if Self::all_match(logs, from) {
            return Ok(());
        }
        Self::check_pairs(logs)?;
        // Unreachable if the two tests agree, as they must (tested): but never pass in silence.
        Err("two logs agree at an index and term but differ below it".into())
    }

    /// Whether every pair of logs matches, in one pass over the indexes instead of one per
    /// pair (at 51 nodes the pairs were a seventh of the run's instructions). Two logs match
    /// when, at the highest index both hold with the same term, they hold the same entries at
    /// every index both hold up to it. Going up the indexes, that is: wherever two logs hold an
    /// index with the same term, (a) they hold the same entry there, and (b) if both hold the
    /// index below it, their terms there are equal too — (b) carries the agreement from the
    /// top down to the lowest index both hold, where (a) then holds at each step. So at each
    /// index the logs are grouped by their term there, and each group's entries, and terms one
    /// below, are compared with the group's first: a few groups, one pass over the logs.
    pub(super) fn all_match(logs: &[(NodeId, &RaftDurable)], from: u64) -> bool {
        let low = logs.iter().map(|(_, l)| l.snapshot.index + 1).min().unwrap_or(1).max(from);
        let high = logs.iter().map(|(_, l)| l.last_index()).max().unwrap_or(0);
        // (term here, the first entry of that term here, the term one below of the first log
        // of the group that holds the index below).
        let mut groups: Vec<(u64, &Entry, Option<u64>)> = Vec::new();
        for i in low..=high {
            groups.clear();
            for (_, log) in logs {
                let Some(entry) = log.entry(i) else { continue };
                let below = if i - 1 > log.snapshot.index { log.entry(i - 1).map(|e| e.term) } else { None };
                match groups.iter_mut().find(|(term, _, _)| *term == entry.term) {
                    None => groups.push((entry.term, entry, below)),
                    Some((_, first, first_below)) => {
                        if *first != entry {
                            return false;
                        }
                        match (*first_below, below) {
                            (Some(a), Some(b)) if a != b => return false,
                            (None, Some(_)) => *first_below = below,
                            _ => {}
                        }
                    }
                }
            }
        }
        true
    }

    /// Compares every pair of logs in full, one pair at a time; names the first pair that
    /// does not match.
    pub(super) fn check_pairs(logs: &[(NodeId, &RaftDurable)]) -> Result<(), String> {
        for (i, (a, la)) in logs.iter().enumerate() {
            for (b, lb) in &logs[i + 1..] {
                // The indexes both logs still hold, as two slices of equal length (entry by
                // entry, not index by index: at 51 nodes these passes were a sixth of the time).
                let low = la.snapshot.index.max(lb.snapshot.index) + 1;
                let high = la.last_index().min(lb.last_index());
                let (sa, sb) = (la.slice(low, high), lb.slice(low, high));
                let pairs = || sa.iter().zip(sb);
                let Some(top) = pairs().rposition(|(x, y)| x.term == y.term) else { continue };
                if let Some(k) = pairs().take(top + 1).position(|(x, y)| x != y) {
                    return Err(format!(
                        "{a} and {b} agree at index {} (term {}) but differ at index {}",
                        low + top as u64,
                        sa[top].term,
                        low + k as u64
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Property<Raft> for LogMatching {
    fn name(&self) -> &str {
        "log-matching"
    }
    fn explain(&self) -> &str {
        "two logs with an entry of the same index and term are identical up to that entry"
    }
    fn reads(&self) -> Reads {
        Reads::APPEND | Reads::TRUNCATE | Reads::SNAPSHOT
    }
    fn observe(&mut self, record: &Rec<Raft>, sim: &Simulation<Raft>) -> Result<(), String> {
        let RecordKind::Observe { node, obs } = &record.kind else { return Ok(()) };
        // Every change to a log is one of these three observations. Within a step, one made
        // after a comparison is at or above an index the step noted before it (a handler
        // truncates before it appends, and appends upwards), so the comparison, which sees the
        // logs as the step left them, reaches it.
        let changed = match obs {
            Observation::Shared(Shared::Append { index, .. })
            | Observation::Shared(Shared::Truncate { from: index }) => *index,
            // A snapshot installed may have replaced the whole log.
            Observation::Shared(Shared::Snapshot { .. }) => 0,
            _ => return Ok(()),
        };
        self.changed_from = self.changed_from.min(changed);
        if let Observation::Shared(Shared::Append { index, term, value }) = obs {
            let h = value_hash(value);
            match get_near_end(&self.seen, &(*index, *term), |&(index, _)| index) {
                Some(&first) if first != h => {
                    return Err(format!("{node} holds {value:?} at index {index} term {term}, where another log holds a different entry"));
                }
                Some(_) => {}
                None => append_or_insert(&mut self.seen, (*index, *term), h),
            }
            self.appends += 1;
            // The logs are compared every 64 appends per 5 servers, so that a large cluster
            // (each entry appended n times) is not compared n²-often; from where they changed
            // since the last comparison, and in full every `FULL_EVERY`th time.
            let every = 64 * (sim.setup().nodes as u64 / 5).max(1);
            if self.appends % every == 0 {
                self.comparisons += 1;
                let full = self.comparisons % FULL_EVERY == 0;
                Self::compare(sim, if full { 0 } else { self.changed_from })?;
                self.changed_from = u64::MAX;
            }
            if self.appends % PRUNE_EVERY == 0 {
                let floor = forget_below(sim);
                self.seen.retain(|&(index, _), _| index > floor);
            }
        }
        Ok(())
    }
    fn finish(&mut self, sim: &Simulation<Raft>) -> Result<(), String> {
        Self::compare(sim, 0)
    }
}
