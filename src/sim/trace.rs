//! The trace: every event of a run, in order, with a hash of the whole run and bounded memory.
//!
//! Records are kept typed (the protocol's own messages) so that recording is cheap; JSON Lines
//! are produced only on export, in the format of `docs/trace-format.md`, whose observation events
//! are those of `docs/trace-format.md` and each protocol's own.

use super::action::Action;
use super::chaos::ChaosParams;
use crate::core::fields::{FieldSink, MapFields, Words};
use crate::core::{ClientReply, Event, Message, NodeId, Observation, Protocol, ShownEvent, Text, TimeUs};
use serde::{Serialize, Serializer};
use std::collections::VecDeque;
use std::hash::{Hash, Hasher};

/// Why the network did not deliver a message.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// A partition or one-way cut was in the way.
    Partition,
    /// The link lost it (drop probability).
    Loss,
    /// The receiver was crashed when it arrived.
    NodeDown,
    /// Too many messages in flight or held for a paused node.
    Overflow,
    /// A person dropped it by hand.
    Manual,
}

impl DropReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Partition => "partition",
            DropReason::Loss => "loss",
            DropReason::NodeDown => "node-down",
            DropReason::Overflow => "overflow",
            DropReason::Manual => "manual",
        }
    }
}

/// How a client operation ended.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    Pending,
    Ok(Text),
    /// Definitely not executed.
    Fail(String),
    /// May or may not have been executed (the client gave up after timeouts).
    Unknown,
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Ok(_) => "ok",
            Outcome::Fail(_) => "fail",
            Outcome::Unknown => "unknown",
        }
    }
}

/// What happened. Generic over the protocol's message and timer types (see [`Rec`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordKind<M, T, E> {
    Run {
        protocol: &'static str,
        nodes: u32,
        seed: u64,
        bug: Option<String>,
        /// Named sets of nodes the protocol lists (Paxos: `acceptors`); none for most.
        groups: NodeGroups,
    },
    Chaos(ChaosParams),
    Send {
        id: u64,
        from: NodeId,
        to: NodeId,
        msg: M,
    },
    Deliver {
        id: u64,
        from: NodeId,
        to: NodeId,
    },
    Drop {
        id: u64,
        from: NodeId,
        to: NodeId,
        reason: DropReason,
    },
    Duplicate {
        id: u64,
        copy: u64,
    },
    TimerSet {
        node: NodeId,
        timer: T,
        delay_us: TimeUs,
    },
    TimerFire {
        node: NodeId,
        timer: T,
    },
    Persist {
        node: NodeId,
    },
    Crash {
        node: NodeId,
    },
    Restart {
        node: NodeId,
    },
    /// Any other action (faults, network changes, workload changes, narration).
    Action(Action),
    Resume {
        node: NodeId,
    },
    Invoke {
        client: u32,
        seq: u64,
        op: Text,
    },
    /// A client (re)sends a request to a node.
    Request {
        client: u32,
        seq: u64,
        attempt: u32,
        node: NodeId,
    },
    Reply {
        node: NodeId,
        client: u32,
        seq: u64,
        reply: ClientReply,
    },
    Return {
        client: u32,
        seq: u64,
        outcome: Outcome,
    },
    Observe {
        node: NodeId,
        obs: Observation<E>,
    },
    Violation {
        property: String,
        detail: String,
    },
    /// The run enters a phase (`heal`: faults stop and liveness is checked).
    Phase {
        name: &'static str,
    },
    /// Something worth telling that changed nothing (e.g. an operator command was refused).
    Note {
        text: String,
    },
}

/// Drops a record's kind that was not kept: the kinds most records are (deliveries, timers,
/// persists) hold nothing to free, and are let go without the call to the whole enum's drop
/// that a generic drop makes (the fields are spelled out, each required to be `Copy`, so that a
/// field that needs dropping cannot be added to these kinds without this failing to compile).
#[inline(always)]
pub(crate) fn discard<M, T: Copy, E>(kind: RecordKind<M, T, E>) {
    // Each field read out by value: only a `Copy` field can be.
    fn copy<C: Copy>(_: C) {}
    match &kind {
        RecordKind::Deliver { id, from, to } => copy((*id, *from, *to)),
        RecordKind::TimerSet { node, timer, delay_us } => copy((*node, *timer, *delay_us)),
        RecordKind::TimerFire { node, timer } => copy((*node, *timer)),
        RecordKind::Persist { node } => copy(*node),
        RecordKind::Drop { id, from, to, reason } => copy((*id, *from, *to, *reason)),
        _ => return drop(kind),
    }
    std::mem::forget(kind);
}

/// Hashes what `#[derive(Hash)]` would (the variant's discriminant, then the fields in order), but
/// natively inlined wherever a record is made ([`hash_record`]): where the kind is known there,
/// only its arm is left, the words of its fields (a derived `Hash` is too big for LLVM to
/// inline, and a record kind is hashed at some thirty places).
impl<M: Hash, T: Hash, E: Hash> Hash for RecordKind<M, T, E> {
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            RecordKind::Run { protocol, nodes, seed, bug, groups } => {
                protocol.hash(state);
                nodes.hash(state);
                seed.hash(state);
                bug.hash(state);
                groups.hash(state);
            }
            RecordKind::Chaos(params) => params.hash(state),
            RecordKind::Send { id, from, to, msg } => hash_send_fields(*id, *from, *to, msg, state),
            RecordKind::Deliver { id, from, to } => {
                id.hash(state);
                from.hash(state);
                to.hash(state);
            }
            RecordKind::Drop { id, from, to, reason } => {
                id.hash(state);
                from.hash(state);
                to.hash(state);
                reason.hash(state);
            }
            RecordKind::Duplicate { id, copy } => {
                id.hash(state);
                copy.hash(state);
            }
            RecordKind::TimerSet { node, timer, delay_us } => {
                node.hash(state);
                timer.hash(state);
                delay_us.hash(state);
            }
            RecordKind::TimerFire { node, timer } => {
                node.hash(state);
                timer.hash(state);
            }
            RecordKind::Persist { node }
            | RecordKind::Crash { node }
            | RecordKind::Restart { node }
            | RecordKind::Resume { node } => node.hash(state),
            RecordKind::Action(action) => action.hash(state),
            RecordKind::Invoke { client, seq, op } => {
                client.hash(state);
                seq.hash(state);
                op.hash(state);
            }
            RecordKind::Request { client, seq, attempt, node } => {
                client.hash(state);
                seq.hash(state);
                attempt.hash(state);
                node.hash(state);
            }
            RecordKind::Reply { node, client, seq, reply } => {
                node.hash(state);
                client.hash(state);
                seq.hash(state);
                reply.hash(state);
            }
            RecordKind::Return { client, seq, outcome } => {
                client.hash(state);
                seq.hash(state);
                outcome.hash(state);
            }
            RecordKind::Observe { node, obs } => {
                node.hash(state);
                obs.hash(state);
            }
            RecordKind::Violation { property, detail } => {
                property.hash(state);
                detail.hash(state);
            }
            RecordKind::Phase { name } => name.hash(state),
            RecordKind::Note { text } => text.hash(state),
        }
    }
}

/// Named sets of nodes (Paxos: `acceptors`), each hashed as its list of ids alone, and none at
/// all for protocols without any: the traces (and golden hashes) of runs recorded before the
/// list was named stay as they were.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeGroups(pub Vec<(&'static str, Vec<u32>)>);

impl Hash for NodeGroups {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for (_, nodes) in &self.0 {
            nodes.hash(state);
        }
    }
}

/// One event of a run at virtual time `t`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Record<M, T, E> {
    pub t: TimeUs,
    pub kind: RecordKind<M, T, E>,
}

/// The record type of protocol `P`.
pub type Rec<P> = Record<<P as Protocol>::Msg, <P as Protocol>::Timer, <P as Protocol>::Event>;
/// The record kind type of protocol `P`.
pub type RecKind<P> = RecordKind<<P as Protocol>::Msg, <P as Protocol>::Timer, <P as Protocol>::Event>;

/// The run's fingerprint hasher: one multiply-and-rotate step per integer written (and per eight
/// bytes of a string), so hashing a record costs a few steps rather than one per byte (as FNV-1a,
/// its first version, did). Platform-independent: `usize`/`isize` are written as 64-bit values and
/// bytes are read little-endian, so a wasm32 build and a 64-bit native build hash the same records
/// to the same value. Not for adversarial input: a run's hash only tells two runs apart.
#[derive(Clone, Copy, Debug)]
pub struct StableHasher(u64);

impl Default for StableHasher {
    fn default() -> Self {
        StableHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl StableHasher {
    pub fn from_state(state: u64) -> Self {
        StableHasher(state)
    }

    #[inline]
    fn mix(&mut self, word: u64) {
        const K: u64 = 0x9e37_79b9_7f4a_7c15;
        self.0 = (self.0.rotate_left(26) ^ word).wrapping_mul(K);
    }
}

impl Hasher for StableHasher {
    fn finish(&self) -> u64 {
        // A final avalanche (the murmur3 finaliser) so that nearby states print far apart.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        // The last bytes, little-endian, shifted in one by one: a copy of their variable length
        // into a word was a call to `memcpy` (in the browser, a bulk-memory copy) per string.
        let word = rest.iter().rev().fold(0u64, |w, &b| (w << 8) | u64::from(b));
        // The length in the top byte keeps "a" and "a\0" apart.
        self.mix(word ^ ((rest.len() as u64) << 56));
    }
    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }
    fn write_u16(&mut self, i: u16) {
        self.mix(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }
    fn write_u128(&mut self, i: u128) {
        self.mix(i as u64);
        self.mix((i >> 64) as u64);
    }
    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }
    fn write_i8(&mut self, i: i8) {
        self.mix(i as u8 as u64);
    }
    fn write_i16(&mut self, i: i16) {
        self.mix(i as u16 as u64);
    }
    fn write_i32(&mut self, i: i32) {
        self.mix(i as u32 as u64);
    }
    fn write_i64(&mut self, i: i64) {
        self.mix(i as u64);
    }
    fn write_isize(&mut self, i: isize) {
        self.mix(i as i64 as u64);
    }
}

/// Hashes a record into the run's hasher: `World::drain`'s loop, for the records it takes
/// unhashed. Natively inlined (see [`Apart`]); in the size-optimised wasm, one function for
/// every place a record is hashed.
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
#[cfg_attr(target_arch = "wasm32", inline(never))]
pub fn hash_record<M: Hash, T: Hash, E: Hash>(record: &Record<M, T, E>, hasher: &mut StableHasher) {
    record.hash(hasher);
}

/// Hashes a record where it is made: natively through [`Apart`] and inlined, so that hashing a
/// record of a kind known there is the words of its fields ([`RecordKind`]'s `Hash`).
#[inline(always)]
pub fn hash_made<M: Hash, T: Hash, E: Hash>(record: &Record<M, T, E>, hasher: &mut StableHasher) {
    #[cfg(not(target_arch = "wasm32"))]
    record.hash(&mut Apart(hasher));
    #[cfg(target_arch = "wasm32")]
    hash_record(record, hasher);
}

/// The discriminant the derived `Hash` writes for [`RecordKind::Send`] (its position).
const SEND_DISCRIMINANT: isize = 2;

/// Hashes a send record as [`hash_record`] would, without the record (and its copy of the
/// message): the time, the variant's discriminant (an `isize`, as `#[derive(Hash)]` writes
/// it), then the fields in order. A test holds the two to the same words.
#[inline(always)]
pub fn hash_send<M: Hash>(t: TimeUs, id: u64, from: NodeId, to: NodeId, msg: &M, hasher: &mut StableHasher) {
    #[cfg(not(target_arch = "wasm32"))]
    let hasher = &mut Apart(hasher);
    t.hash(hasher);
    hasher.write_isize(SEND_DISCRIMINANT);
    hash_send_fields(id, from, to, msg, hasher);
}

/// A send's fields in order, for [`RecordKind`]'s `Hash` and [`hash_send`] alike.
#[inline(always)]
fn hash_send_fields<M: Hash, H: Hasher>(id: u64, from: NodeId, to: NodeId, msg: &M, state: &mut H) {
    id.hash(state);
    from.hash(state);
    to.hash(state);
    msg.hash(state);
}

/// The run's hasher, passed on: the same words into the same state, so the same hash.
///
/// Records kept for a checked run's trace are hashed in `World::drain`'s loop; records hashed
/// where they are made ([`hash_made`], [`hash_send`]: a run that discards records) go through
/// this. So the loop is the only use of the records' `Hash` with [`StableHasher`] and LLVM
/// inlines it (a message's too) into the loop, saving its call and register saves for each of
/// ~3 records an event (−2.5 % of a checked native run's instructions when it was measured).
/// The wasm build, made for size, inlines neither and would carry both copies (+1.7 KB of
/// download, no faster in Chromium), so there every record hashes with the hasher itself.
#[cfg(not(target_arch = "wasm32"))]
pub struct Apart<'a>(pub &'a mut StableHasher);

#[cfg(not(target_arch = "wasm32"))]
impl Hasher for Apart<'_> {
    // Every method passed on: a default would write other words (`write_u32` as bytes).
    fn finish(&self) -> u64 {
        self.0.finish()
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes)
    }
    fn write_u8(&mut self, i: u8) {
        self.0.write_u8(i)
    }
    fn write_u16(&mut self, i: u16) {
        self.0.write_u16(i)
    }
    fn write_u32(&mut self, i: u32) {
        self.0.write_u32(i)
    }
    fn write_u64(&mut self, i: u64) {
        self.0.write_u64(i)
    }
    fn write_u128(&mut self, i: u128) {
        self.0.write_u128(i)
    }
    fn write_usize(&mut self, i: usize) {
        self.0.write_usize(i)
    }
    fn write_i8(&mut self, i: i8) {
        self.0.write_i8(i)
    }
    fn write_i16(&mut self, i: i16) {
        self.0.write_i16(i)
    }
    fn write_i32(&mut self, i: i32) {
        self.0.write_i32(i)
    }
    fn write_i64(&mut self, i: i64) {
        self.0.write_i64(i)
    }
    fn write_isize(&mut self, i: isize) {
        self.0.write_isize(i)
    }
}

/// The hash of a trace, printed as 16 hex digits.
pub fn format_hash(hash: u64) -> String {
    format!("{hash:016x}")
}

/// Records per block of a trace's storage (~390 KB of Raft records).
const BLOCK_RECORDS: usize = 4096;

/// A bounded trace: the newest `capacity` records stay in memory; the count covers every record
/// of the run. (The run's hash is kept by the world, which sees every record.)
///
/// The records are kept in blocks of a fixed size rather than in one ring buffer: a ring buffer
/// grows by doubling, and each doubling copies every record it holds — in the browser, whose
/// allocator cannot remap memory as the native one does, the copies were 2.3 % of a run's time,
/// and a full trace of 200,000 records sat in a buffer of 262,144 (and, while it doubled, in
/// both). A block, once allocated, is never moved: the newest block is filled; the oldest
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

    /// Part of that, to hand a long trace over in pieces (the page's export of 200,000 records
    /// is ~20 MB, which one string would have held, and up to twice over while it grew): the
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

/// A sent message as printed records show it (see [`RecordKind::shown`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ShownMsg {
    pub kind: &'static str,
    pub reply: bool,
    pub text: String,
}

/// A record with its protocol-specific parts (message, timer) rendered as text.
pub type ShownKind = RecordKind<ShownMsg, String, ShownEvent>;

impl<M: Message, T: std::fmt::Debug, E: Event> RecordKind<M, T, E> {
    /// The record with its message and timer rendered as text, so that the code printing records
    /// (JSON, one-line descriptions) is compiled once rather than once per protocol: in the
    /// WebAssembly that was ~9.5 KB per protocol for the JSON alone.
    pub fn shown(&self) -> ShownKind {
        use RecordKind as K;
        match self {
            K::Run { protocol, nodes, seed, bug, groups } => {
                K::Run { protocol, nodes: *nodes, seed: *seed, bug: bug.clone(), groups: groups.clone() }
            }
            K::Chaos(params) => K::Chaos(params.clone()),
            K::Send { id, from, to, msg } => K::Send {
                id: *id,
                from: *from,
                to: *to,
                msg: ShownMsg { kind: msg.kind(), reply: msg.is_reply(), text: msg.describe() },
            },
            K::Deliver { id, from, to } => K::Deliver { id: *id, from: *from, to: *to },
            K::Drop { id, from, to, reason } => K::Drop { id: *id, from: *from, to: *to, reason: *reason },
            K::Duplicate { id, copy } => K::Duplicate { id: *id, copy: *copy },
            K::TimerSet { node, timer, delay_us } => {
                K::TimerSet { node: *node, timer: format!("{timer:?}"), delay_us: *delay_us }
            }
            K::TimerFire { node, timer } => K::TimerFire { node: *node, timer: format!("{timer:?}") },
            K::Persist { node } => K::Persist { node: *node },
            K::Crash { node } => K::Crash { node: *node },
            K::Restart { node } => K::Restart { node: *node },
            K::Action(action) => K::Action(action.clone()),
            K::Resume { node } => K::Resume { node: *node },
            K::Invoke { client, seq, op } => K::Invoke { client: *client, seq: *seq, op: op.clone() },
            K::Request { client, seq, attempt, node } => {
                K::Request { client: *client, seq: *seq, attempt: *attempt, node: *node }
            }
            K::Reply { node, client, seq, reply } => {
                K::Reply { node: *node, client: *client, seq: *seq, reply: reply.clone() }
            }
            K::Return { client, seq, outcome } => K::Return { client: *client, seq: *seq, outcome: outcome.clone() },
            K::Observe { node, obs } => K::Observe { node: *node, obs: obs.shown() },
            K::Violation { property, detail } => K::Violation { property: property.clone(), detail: detail.clone() },
            K::Phase { name } => K::Phase { name },
            K::Note { text } => K::Note { text: text.clone() },
        }
    }
}

/// One record as a JSON object: `t` and `ev` first, then its fields (`docs/trace-format.md`).
pub fn record_json<M: Message, T: std::fmt::Debug, E: Event>(record: &Record<M, T, E>) -> String {
    shown_json(record.t, &record.kind.shown())
}

/// [`record_json`] of a record whose message and timer are rendered.
pub fn shown_json(t: TimeUs, kind: &ShownKind) -> String {
    // Plain values into a string: serializing cannot fail.
    serde_json::to_string(&JsonRecord { t, kind }).unwrap_or_default()
}

/// A record as its JSON object, serialized field by field (no `serde_json::Value` is built).
struct JsonRecord<'a> {
    t: TimeUs,
    kind: &'a ShownKind,
}

impl Serialize for JsonRecord<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut fields = MapFields::new(serializer.serialize_map(None)?);
        fields.field("t", &self.t);
        fields.field("ev", shown_ev(self.kind));
        shown_fields(self.kind, &mut fields);
        fields.end()
    }
}

/// A record's `ev`: its kind's name in the exported trace.
pub fn shown_ev(kind: &ShownKind) -> &'static str {
    match kind {
        RecordKind::Run { .. } => "run",
        RecordKind::Chaos(_) => "chaos",
        RecordKind::Send { .. } => "send",
        RecordKind::Deliver { .. } => "deliver",
        RecordKind::Drop { .. } => "drop",
        RecordKind::Duplicate { .. } => "duplicate",
        RecordKind::TimerSet { .. } => "timer-set",
        RecordKind::TimerFire { .. } => "timer",
        RecordKind::Persist { .. } => "persist",
        RecordKind::Crash { .. } => "crash",
        RecordKind::Restart { .. } => "restart",
        RecordKind::Resume { .. } => "resume",
        RecordKind::Action(_) => "action",
        RecordKind::Invoke { .. } => "invoke",
        RecordKind::Request { .. } => "request",
        RecordKind::Reply { .. } => "reply",
        RecordKind::Return { .. } => "return",
        RecordKind::Observe { obs, .. } => obs.ev(),
        RecordKind::Violation { .. } => "violation",
        RecordKind::Phase { .. } => "phase",
        RecordKind::Note { .. } => "note",
    }
}

/// A record's fields besides `t` and `ev`, in the order the exported trace gives them.
pub fn shown_fields(kind: &ShownKind, sink: &mut impl FieldSink) {
    match kind {
        RecordKind::Run { protocol, nodes, seed, bug, groups } => {
            sink.field("protocol", protocol);
            sink.field("nodes", nodes);
            sink.field("seed", seed);
            sink.field("bug", bug);
            for (name, nodes) in &groups.0 {
                sink.field(name, nodes);
            }
        }
        RecordKind::Chaos(params) => {
            params.fields(sink);
        }
        RecordKind::Send { id, from, to, msg } => {
            sink.field("id", id);
            sink.field("from", &from.0);
            sink.field("to", &to.0);
            sink.field("kind", msg.kind);
            sink.field("reply", &msg.reply);
            sink.field("msg", &msg.text);
        }
        RecordKind::Deliver { id, from, to } => {
            sink.field("id", id);
            sink.field("from", &from.0);
            sink.field("to", &to.0);
        }
        RecordKind::Drop { id, from, to, reason } => {
            sink.field("id", id);
            sink.field("from", &from.0);
            sink.field("to", &to.0);
            sink.field("reason", reason.as_str());
        }
        RecordKind::Duplicate { id, copy } => {
            sink.field("id", id);
            sink.field("copy", copy);
        }
        RecordKind::TimerSet { node: n, timer, delay_us } => {
            sink.field("node", &n.0);
            sink.field("timer", timer);
            sink.field("delay_us", delay_us);
        }
        RecordKind::TimerFire { node: n, timer } => {
            sink.field("node", &n.0);
            sink.field("timer", timer);
        }
        RecordKind::Persist { node: n }
        | RecordKind::Crash { node: n }
        | RecordKind::Restart { node: n }
        | RecordKind::Resume { node: n } => sink.field("node", &n.0),
        RecordKind::Action(action) => {
            sink.field("action", &action.describe());
        }
        RecordKind::Invoke { client, seq, op } => {
            sink.field("client", client);
            sink.field("seq", seq);
            sink.field("op", op);
        }
        RecordKind::Request { client, seq, attempt, node: n } => {
            sink.field("client", client);
            sink.field("seq", seq);
            sink.field("attempt", attempt);
            sink.field("node", &n.0);
        }
        RecordKind::Reply { node: n, client, seq, reply } => {
            sink.field("node", &n.0);
            sink.field("client", client);
            sink.field("seq", seq);
            match reply {
                ClientReply::Ok(result) => {
                    sink.field("reply", "ok");
                    sink.field("result", result);
                }
                ClientReply::Redirect(hint) => {
                    sink.field("reply", "redirect");
                    sink.field("leader", &hint.map(|h| h.0));
                }
                ClientReply::Fail(why) => {
                    sink.field("reply", "fail");
                    sink.field("error", why);
                }
            }
        }
        RecordKind::Return { client, seq, outcome } => {
            sink.field("client", client);
            sink.field("seq", seq);
            sink.field("outcome", outcome.as_str());
            match outcome {
                Outcome::Ok(result) => sink.field("result", result),
                Outcome::Fail(why) => sink.field("error", why),
                _ => {}
            }
        }
        RecordKind::Observe { node: n, obs } => {
            sink.field("node", &n.0);
            obs.fields(sink);
        }
        RecordKind::Violation { property, detail } => {
            sink.field("property", property);
            sink.field("detail", detail);
        }
        RecordKind::Phase { name } => {
            sink.field("phase", name);
        }
        RecordKind::Note { text } => {
            sink.field("text", text);
        }
    }
}

/// One line for event logs: `12.345ms send #4 n1->n2 Ping(3)`.
/// The kinds of record the page's event log filters by.
pub const RECORD_CLASSES: &[(&str, &str)] = &[
    ("message", "messages sent, delivered, dropped, duplicated"),
    ("timer", "timers set and fired"),
    ("persist", "writes to stable storage"),
    ("state", "protocol observations: roles, log entries, commits, votes, decisions"),
    ("client", "client invocations, requests, replies and returns"),
    ("fault", "crashes, restarts and every action of a person or script"),
    ("violation", "property violations"),
    ("run", "the run's start, chaos mix, phases and notes"),
];

/// A record's class (one of [`RECORD_CLASSES`]) and the nodes it concerns.
pub fn record_class<M, T, E>(record: &Record<M, T, E>) -> (&'static str, Vec<u32>) {
    match &record.kind {
        RecordKind::Send { from, to, .. }
        | RecordKind::Deliver { from, to, .. }
        | RecordKind::Drop { from, to, .. } => ("message", vec![from.0, to.0]),
        RecordKind::Duplicate { .. } => ("message", Vec::new()),
        RecordKind::TimerSet { node, .. } | RecordKind::TimerFire { node, .. } => ("timer", vec![node.0]),
        RecordKind::Persist { node } => ("persist", vec![node.0]),
        RecordKind::Observe { node, .. } => ("state", vec![node.0]),
        RecordKind::Crash { node } | RecordKind::Restart { node } | RecordKind::Resume { node } => {
            ("fault", vec![node.0])
        }
        RecordKind::Action(action) => ("fault", action.nodes().iter().map(|n| n.0).collect()),
        RecordKind::Request { node, .. } | RecordKind::Reply { node, .. } => ("client", vec![node.0]),
        RecordKind::Invoke { .. } | RecordKind::Return { .. } => ("client", Vec::new()),
        RecordKind::Violation { .. } => ("violation", Vec::new()),
        RecordKind::Run { .. } | RecordKind::Chaos(_) | RecordKind::Phase { .. } | RecordKind::Note { .. } => {
            ("run", Vec::new())
        }
    }
}

pub fn describe_record<M: Message, T: std::fmt::Debug, E: Event>(record: &Record<M, T, E>) -> String {
    describe_shown(record.t, &record.kind.shown())
}

/// [`describe_record`] of a record whose message and timer are rendered.
pub fn describe_shown(t: TimeUs, kind: &ShownKind) -> String {
    let time = crate::core::time::format_duration(t);
    let body = match kind {
        RecordKind::Send { id, from, to, msg } => format!("send #{id} {from}->{to} {}", msg.text),
        RecordKind::Deliver { id, from, to } => format!("deliver #{id} {from}->{to}"),
        RecordKind::Drop { id, from, to, reason } => format!("drop #{id} {from}->{to} ({})", reason.as_str()),
        RecordKind::Duplicate { id, copy } => format!("duplicate #{id} as #{copy}"),
        RecordKind::TimerSet { node, timer, delay_us } => {
            format!("{node} set timer {timer} in {}", crate::core::time::format_duration(*delay_us))
        }
        RecordKind::TimerFire { node, timer } => format!("{node} timer {timer} fired"),
        RecordKind::Persist { node } => format!("{node} persisted"),
        RecordKind::Crash { node } => format!("{node} crashed"),
        RecordKind::Restart { node } => format!("{node} restarted"),
        RecordKind::Resume { node } => format!("{node} resumed"),
        RecordKind::Action(action) => action.describe(),
        RecordKind::Observe { node, obs } => format!("{node} {}", obs.describe()),
        RecordKind::Violation { property, detail } => format!("VIOLATION {property}: {detail}"),
        RecordKind::Phase { name } => format!("phase {name}"),
        RecordKind::Note { text } => format!("note: {text}"),
        _ => {
            let mut words = Words(shown_ev(kind).to_string());
            shown_fields(kind, &mut words);
            words.0
        }
    };
    format!("{time} {body}")
}

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
        use crate::core::{Observation, Role};
        use crate::protocols::raft::{messages::no_entries, Entry, EntryData, RaftMsg, RaftTimer};
        use crate::sim::{DropReason, Outcome};
        use std::hash::{Hash, Hasher};
        let (a, b) = (NodeId(1), NodeId(2));
        let entries: std::rc::Rc<[Entry]> = vec![Entry::new(3, EntryData::Noop)].into();
        let kinds: Vec<RecordKind<RaftMsg, RaftTimer, crate::core::NoEvent>> = vec![
            RecordKind::Send { id: 1, from: a, to: b, msg: RaftMsg::RequestVoteResponse { term: 2, granted: true } },
            RecordKind::Send {
                id: 2,
                from: a,
                to: b,
                msg: RaftMsg::AppendEntries { term: 3, prev_index: 1, prev_term: 1, entries, commit: 1, round: 4 },
            },
            RecordKind::Send {
                id: 3,
                from: a,
                to: b,
                msg: RaftMsg::AppendEntries {
                    term: 3,
                    prev_index: 1,
                    prev_term: 1,
                    entries: no_entries(),
                    commit: 1,
                    round: 5,
                },
            },
            RecordKind::Deliver { id: 1, from: a, to: b },
            RecordKind::Drop { id: 2, from: a, to: b, reason: DropReason::Loss },
            RecordKind::Observe { node: a, obs: Observation::Role { role: Role::Leader, term: 3 } },
            RecordKind::Observe {
                node: b,
                obs: Observation::Append { index: 7, term: 3, value: "c1#2 set k v".into() },
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
