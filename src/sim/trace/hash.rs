//! The run's fingerprint: a platform-independent hasher and the ways a record is fed to it.

use super::record::Record;
use crate::core::{NodeId, TimeUs};
use std::hash::{Hash, Hasher};

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
    pub(super) fn mix(&mut self, word: u64) {
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
pub(super) fn hash_send_fields<M: Hash, H: Hasher>(id: u64, from: NodeId, to: NodeId, msg: &M, state: &mut H) {
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
/// the few records of every event.
/// The wasm build, made for size, inlines neither and would carry both copies in the download
/// (no faster in Chromium), so there every record hashes with the hasher itself.
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
