//! The trace: every event of a run, in order, with a hash of the whole run and bounded memory.
//!
//! Records are kept typed (the protocol's own messages) so that recording is cheap; JSON Lines
//! are produced only on export, in the format of `docs/trace-format.md`, whose observation events
//! are those of `docs/trace-format.md` and each protocol's own.

mod hash;
mod record;
mod shown;

pub use hash::*;
pub(crate) use record::discard;
pub use record::{DropReason, NodeGroups, Outcome, Rec, RecKind, Record, RecordKind};
pub use shown::*;

use crate::core::Protocol;
use std::collections::VecDeque;

/// Records per block of a trace's storage.
const BLOCK_RECORDS: usize = 4096;

/// A bounded trace: the newest `capacity` records stay in memory; the count covers every record
/// of the run. (The run's hash is kept by the world, which sees every record.)
///
/// The records are kept in blocks of a fixed size rather than in one ring buffer: a ring buffer
/// grows by doubling, and each doubling copies every record it holds — in the browser, whose
/// allocator cannot remap memory as the native one does, the copies cost a run's time, and a
/// full trace sat in a buffer up to twice its size (and, while it doubled, in both). A block, once allocated, is never moved: the newest block is filled; the oldest
/// records are let go of by counting them off the first block, which is dropped (its records
/// with it) and kept to be filled again once all of its records are let go of. So up to a
/// block's worth of records let go of stay in memory a while, out of reach.
#[derive(Clone, Debug)]
pub struct Trace<P: Protocol> {
    /// Oldest first. Every block but the last (being filled) holds `block` records, so a record
    /// is found by arithmetic.
    blocks: VecDeque<Vec<Rec<P>>>,
    /// Records at the front of the first block already let go of.
    skip: usize,
    /// An emptied block, kept for the next block to be filled.
    spare: Option<Vec<Rec<P>>>,
    /// Records held (not counting those let go of).
    held: usize,
    /// Global index of the oldest record held.
    first_index: u64,
    capacity: usize,
    /// Records per block: [`BLOCK_RECORDS`], or the capacity if smaller.
    block: usize,
}

impl<P: Protocol> Trace<P> {
    /// A trace holding the newest `capacity` records; 0 holds none and only counts (sweeps).
    pub fn new(capacity: usize) -> Self {
        Self::with_blocks(capacity, BLOCK_RECORDS)
    }

    fn with_blocks(capacity: usize, block: usize) -> Self {
        let block = block.min(capacity).max(1);
        Trace { blocks: VecDeque::new(), skip: 0, spare: None, held: 0, first_index: 0, capacity, block }
    }

    pub fn push(&mut self, record: Rec<P>) {
        if self.capacity == 0 {
            self.first_index += 1;
            return;
        }
        if self.held == self.capacity {
            self.let_go_of_oldest();
        }
        match self.blocks.back_mut() {
            Some(last) if last.len() < self.block => last.push(record),
            _ => {
                let mut block = self.spare.take().unwrap_or_else(|| Vec::with_capacity(self.block));
                block.push(record);
                self.blocks.push_back(block);
            }
        }
        self.held += 1;
    }

    /// Moves every record of `records` in, in order, as that many [`Trace::push`]es would (and
    /// leaves `records` empty, its buffer kept): in one copy when the newest block has room for
    /// them all (a step's few records nearly always do), else one by one.
    pub fn push_all(&mut self, records: &mut Vec<Rec<P>>) {
        let n = records.len();
        let room = self.blocks.back().map_or(0, |last| self.block - last.len());
        if n > room || n > self.capacity {
            for record in records.drain(..) {
                self.push(record);
            }
            return;
        }
        // The records let go of are older ones, and never of the newest block (it is not full).
        for _ in 0..(self.held + n).saturating_sub(self.capacity) {
            self.let_go_of_oldest();
        }
        if let Some(last) = self.blocks.back_mut() {
            last.append(records);
        }
        self.held += n;
    }

    fn let_go_of_oldest(&mut self) {
        self.held -= 1;
        self.first_index += 1;
        self.skip += 1;
        if self.skip == self.block {
            // Every record of the first block is let go of: drop them, keep the block.
            self.skip = 0;
            self.spare = self.blocks.pop_front().map(|mut block| {
                block.clear();
                block
            });
        }
    }

    /// The `offset`-th record held (0: the oldest).
    fn at(&self, offset: usize) -> Option<&Rec<P>> {
        if offset >= self.held {
            return None;
        }
        let i = self.skip + offset;
        self.blocks.get(i / self.block)?.get(i % self.block)
    }

    /// Keeps the oldest `len` records held.
    fn truncate(&mut self, len: usize) {
        while self.held > len {
            let excess = self.held - len;
            let only = self.blocks.len() == 1;
            let Some(last) = self.blocks.back_mut() else { break };
            if !only && last.len() <= excess {
                self.held -= last.len();
                self.blocks.pop_back();
            } else {
                // The first block's records let go of stay below what is cut.
                last.truncate(last.len() - excess);
                self.held = len;
            }
        }
    }

    /// Makes the trace `len` records long: cut back to it (time travel), or moved on to it past
    /// records it was never given. Records it holds are let go of unless they lie below `len` and
    /// next to what will be pushed after them (see `Run::restore`).
    pub fn set_len(&mut self, len: u64) {
        if (self.first_index..=self.len()).contains(&len) {
            self.truncate((len - self.first_index) as usize);
        } else {
            self.blocks.clear();
            self.skip = 0;
            self.held = 0;
            self.first_index = len;
        }
    }

    /// Counts records not given to the trace, up to `total` in all (nothing if it has more).
    pub fn count_upto(&mut self, total: u64) {
        self.first_index += total.saturating_sub(self.len());
    }

    /// Records of the whole run so far (including those no longer held).
    pub fn len(&self) -> u64 {
        self.first_index + self.held as u64
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Index of the oldest record still held.
    pub fn first_index(&self) -> u64 {
        self.first_index
    }

    pub fn records(&self) -> Records<'_, P> {
        Records { trace: self, front: 0, back: self.held }
    }

    pub fn get(&self, index: u64) -> Option<&Rec<P>> {
        index.checked_sub(self.first_index).and_then(|i| usize::try_from(i).ok()).and_then(|i| self.at(i))
    }

    /// The records still held, as JSON Lines.
    pub fn to_jsonl(&self) -> String {
        self.jsonl_from(0)
    }

    /// The records from global index `from` on that are still held, as JSON Lines.
    pub fn jsonl_from(&self, from: u64) -> String {
        self.jsonl_piece(from, usize::MAX).0
    }

    /// Part of that, to hand a long trace over in pieces (one string would hold a whole long
    /// trace, and up to twice over while it grew): the
    /// records from global index `from` on that are still held, as whole JSON Lines until the
    /// text reaches `piece_bytes` (or the records run out), and the global index of the record
    /// after the last one given.
    pub fn jsonl_piece(&self, from: u64, piece_bytes: usize) -> (String, u64) {
        let skip = (from.saturating_sub(self.first_index) as usize).min(self.held);
        let mut next = self.first_index + skip as u64;
        let mut out = String::new();
        for record in (Records { trace: self, front: skip, back: self.held }) {
            if out.len() >= piece_bytes {
                break;
            }
            out.push_str(&record_json(record));
            out.push('\n');
            next += 1;
        }
        (out, next)
    }
}

/// The records a trace holds, oldest first (either end; see [`Trace::records`]).
pub struct Records<'a, P: Protocol> {
    trace: &'a Trace<P>,
    /// Offsets of the next record from the front, and one past the next from the back.
    front: usize,
    back: usize,
}

impl<'a, P: Protocol> Iterator for Records<'a, P> {
    type Item = &'a Rec<P>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.front += 1;
        self.trace.at(self.front - 1)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.back - self.front, Some(self.back - self.front))
    }
}

impl<P: Protocol> DoubleEndedIterator for Records<'_, P> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        self.trace.at(self.back)
    }
}

impl<P: Protocol> ExactSizeIterator for Records<'_, P> {}

#[cfg(test)]
mod tests {
    use super::{Rec, Record, RecordKind, StableHasher, Trace};
    use crate::core::NodeId;
    use crate::protocols::raft::Raft;
    use std::collections::VecDeque;

    /// Bytes hash as whole little-endian words and a last word with their count on top,
    /// whatever their length (the last bytes are shifted in one by one, not copied).
    #[test]
    fn bytes_hash_as_little_endian_words() {
        use std::hash::Hasher;
        let bytes: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(97).wrapping_add(13)).collect();
        for len in 0..=bytes.len() {
            let mut h = StableHasher::default();
            h.write(&bytes[..len]);
            let mut words = StableHasher::default();
            for chunk in bytes[..len].chunks(8) {
                let mut word = [0u8; 8];
                word[..chunk.len()].copy_from_slice(chunk);
                let top = if chunk.len() < 8 { (chunk.len() as u64) << 56 } else { 0 };
                words.mix(u64::from_le_bytes(word) ^ top);
            }
            if len % 8 == 0 {
                words.mix(0);
            }
            assert_eq!(h.finish(), words.finish(), "{len} bytes");
        }
    }

    /// A send hashed without its record ([`super::hash_send`]) and as a record gives the same
    /// words, so a run's hash does not depend on whether its sends were kept; other kinds hash
    /// the same where they are made ([`super::hash_made`], through `Apart`) as in the world's
    /// loop ([`super::hash_record`]).
    #[test]
    fn sends_hash_the_same_without_their_record() {
        use super::{hash_made, hash_record, hash_send};
        use crate::core::{Observation, Role, Shared};
        use crate::protocols::raft::messages::*;
        use crate::protocols::raft::{Entry, EntryData, RaftTimer};
        use crate::sim::{DropReason, Outcome};
        use std::hash::{Hash, Hasher};
        let (a, b) = (NodeId(1), NodeId(2));
        let entries: std::rc::Rc<[Entry]> = vec![Entry::new(3, EntryData::Noop)].into();
        let kinds: Vec<RecordKind<RaftMsg, RaftTimer, crate::core::NoEvent>> = vec![
            RecordKind::Send {
                id: 1,
                from: a,
                to: b,
                msg: RaftMsg::RequestVoteResponse(RequestVoteResponse { term: 2, granted: true }),
            },
            RecordKind::Send {
                id: 2,
                from: a,
                to: b,
                msg: RaftMsg::AppendEntries(AppendEntries {
                    term: 3,
                    prev_index: 1,
                    prev_term: 1,
                    entries,
                    commit: 1,
                    round: 4,
                }),
            },
            RecordKind::Send {
                id: 3,
                from: a,
                to: b,
                msg: RaftMsg::AppendEntries(AppendEntries {
                    term: 3,
                    prev_index: 1,
                    prev_term: 1,
                    entries: no_entries(),
                    commit: 1,
                    round: 5,
                }),
            },
            RecordKind::Deliver { id: 1, from: a, to: b },
            RecordKind::Drop { id: 2, from: a, to: b, reason: DropReason::Loss },
            RecordKind::Observe { node: a, obs: Observation::Shared(Shared::Role { role: Role::Leader, term: 3 }) },
            RecordKind::Observe {
                node: b,
                obs: Observation::Shared(Shared::Append { index: 7, term: 3, value: "c1#2 set k v".into() }),
            },
            RecordKind::Invoke { client: 1, seq: 2, op: "set k v".into() },
            RecordKind::Return { client: 1, seq: 2, outcome: Outcome::Ok("ok".into()) },
            RecordKind::Violation { property: "log-matching".into(), detail: "two logs differ".into() },
            RecordKind::Crash { node: b },
        ];
        let (mut direct, mut passed) = (StableHasher::default(), StableHasher::default());
        let mut sends = 0;
        for (t, kind) in kinds.into_iter().enumerate() {
            let record = Record { t: t as u64 * 1_000, kind };
            record.hash(&mut direct);
            match &record.kind {
                RecordKind::Send { id, from, to, msg } => {
                    hash_send::<RaftMsg>(record.t, *id, *from, *to, msg, &mut passed);
                    sends += 1;
                }
                _ if t % 2 == 0 => hash_record(&record, &mut passed),
                _ => hash_made(&record, &mut passed),
            }
            assert_eq!(direct.finish(), passed.finish(), "{record:?}");
        }
        assert_eq!(sends, 3);
    }

    /// The blocks hold what one ring buffer of the newest `capacity` records would, whatever
    /// is pushed, cut back (time travel) or skipped, read from either end or by index: small
    /// blocks, so that records cross many of them.
    #[test]
    fn blocks_hold_what_a_ring_buffer_would() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let record = |n: u64| -> Rec<Raft> { Record { t: n, kind: RecordKind::Crash { node: NodeId(1) } } };
        for (capacity, block) in [(1, 1), (5, 2), (12, 4), (13, 4), (40, 7), (64, 4096)] {
            let mut trace: Trace<Raft> = Trace::with_blocks(capacity, block);
            let (mut model, mut first, mut next) = (VecDeque::new(), 0u64, 0u64);
            for _ in 0..3000 {
                match rng.gen_range(0..10) {
                    0 => {
                        // Back to a random point of the run, or past its end.
                        let len = rng.gen_range(0..=next + 3);
                        trace.set_len(len);
                        if (first..=next).contains(&len) {
                            model.truncate((len - first) as usize);
                        } else {
                            model.clear();
                            first = len;
                        }
                        next = len;
                    }
                    1..=3 => {
                        // Several at once, up to a few blocks' and capacities' worth.
                        let n = rng.gen_range(0..=2 * (block + capacity));
                        let mut records: Vec<Rec<Raft>> = (next..next + n as u64).map(record).collect();
                        trace.push_all(&mut records);
                        assert!(records.is_empty());
                        for _ in 0..n {
                            if model.len() == capacity {
                                model.pop_front();
                                first += 1;
                            }
                            model.push_back(next);
                            next += 1;
                        }
                    }
                    _ => {
                        trace.push(record(next));
                        if model.len() == capacity {
                            model.pop_front();
                            first += 1;
                        }
                        model.push_back(next);
                        next += 1;
                    }
                }
                let held: Vec<u64> = trace.records().map(|r| r.t).collect();
                assert_eq!(held, Vec::from(model.clone()), "capacity {capacity}, block {block}");
                let back: Vec<u64> = trace.records().rev().map(|r| r.t).collect();
                assert!(back.iter().rev().eq(held.iter()));
                assert_eq!(
                    (trace.len(), trace.first_index(), trace.records().len()),
                    (first + model.len() as u64, first, model.len())
                );
                for i in first.saturating_sub(2)..trace.len() + 2 {
                    let expected = (i >= first && i < trace.len()).then_some(i);
                    assert_eq!(trace.get(i).map(|r| r.t), expected);
                }
                let (text, end) = trace.jsonl_piece(first + model.len() as u64 / 2, usize::MAX);
                assert_eq!(
                    (text.lines().count() as u64, end),
                    (model.len() as u64 - model.len() as u64 / 2, trace.len())
                );
            }
        }
    }
}
