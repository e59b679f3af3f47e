//! What the simulation records: the records it keeps for its caller, and the run's hash.

use super::*;

impl<P: Protocol> Simulation<P> {
    /// Moves the records kept since the last call into `into` (which it clears first).
    pub fn take_records(&mut self, into: &mut Vec<Rec<P>>) {
        self.settle();
        into.clear();
        std::mem::swap(into, &mut self.out);
        self.out_at.clear();
        self.taken();
    }

    /// Whether records are waiting to be taken.
    #[inline]
    pub fn has_records(&self) -> bool {
        !self.out.is_empty()
    }

    /// [`Simulation::take_records`] for a checked run, which hashes as it checks: returns how
    /// many records at the front of `into` are hashed; the caller hashes the rest, in order,
    /// into [`Simulation::hasher`] before anything else is hashed. `at` receives each record's
    /// position among all records made (left empty when every kind was kept since the last
    /// call: the positions follow on).
    pub(crate) fn take_unhashed(&mut self, into: &mut Vec<Rec<P>>, at: &mut Vec<u64>) -> usize {
        let hashed = self.hashed;
        self.made += (self.out.len() - hashed) as u64;
        into.clear();
        at.clear();
        std::mem::swap(into, &mut self.out);
        std::mem::swap(at, &mut self.out_at);
        self.taken();
        // A run without a fingerprint leaves none to hash.
        if self.hashing {
            hashed
        } else {
            into.len()
        }
    }

    /// The run's hasher, for the records taken unhashed ([`Simulation::take_unhashed`]).
    pub(crate) fn hasher(&mut self) -> &mut StableHasher {
        &mut self.hasher
    }

    pub(super) fn taken(&mut self) {
        self.hashed = 0;
        self.sifting = self.keep != Reads::ALL;
    }

    /// Whether to hash every record from now on, and those waiting to be taken: the run's
    /// fingerprint ([`Simulation::hash`]; a checked run's, `World::hash`). Off by default, for
    /// runs that need no fingerprint; a run that stops hashing has none from then on.
    pub fn hash_records(&mut self, on: bool) {
        self.hashing = on;
    }

    /// Keeps only the records of `kinds` for [`Simulation::take_records`] from now on (all by
    /// default). Every record is still hashed (if hashing) and counted where it is made; the
    /// others are dropped there, or never made (a send's copy of its message).
    ///
    /// In the browser every record is kept whatever `kinds` says: the page and the JS API always
    /// keep a trace, and the size-optimised wasm is smaller and faster with one way to record.
    pub fn keep_records(&mut self, kinds: Reads) {
        if !KEEPS_SOME {
            return;
        }
        self.settle();
        if !self.sifting && kinds != Reads::ALL {
            // The records waiting were made with every kind kept: their positions follow on.
            let first = self.made - self.out.len() as u64;
            self.out_at = (first..self.made).collect();
            self.sifting = true;
        }
        self.keep = kinds;
    }

    /// The fingerprint of every record made so far, in order ([`StableHasher`]); `None` if the
    /// records are not hashed ([`Simulation::hash_records`]).
    pub fn hash(&self) -> Option<u64> {
        self.hashing.then(|| self.hasher_with_waiting().finish())
    }

    /// Records made so far, kept or not.
    pub fn records_made(&self) -> u64 {
        self.made + (self.out.len() - self.hashed) as u64
    }

    /// Hashes and counts a record made outside the simulation (a check's report), after those
    /// made so far.
    pub fn add_to_hash(&mut self, record: &Rec<P>) {
        self.settle();
        if self.hashing {
            trace::hash_made(record, &mut self.hasher);
        }
        self.made += 1;
    }

    /// Hashes and counts the records waiting unhashed (while every kind is kept), in order.
    pub(super) fn settle(&mut self) {
        self.hasher = self.hasher_with_waiting();
        self.made += (self.out.len() - self.hashed) as u64;
        self.hashed = self.out.len();
    }

    /// The run's hasher after the records waiting unhashed (if hashing).
    pub(super) fn hasher_with_waiting(&self) -> StableHasher {
        let mut hasher = self.hasher;
        if self.hashing {
            for record in &self.out[self.hashed..] {
                trace::hash_made(record, &mut hasher);
            }
        }
        hasher
    }

    // ----- driving -----------------------------------------------------------------------------

    /// Keeps a record as it is while every kind is kept (it is hashed and counted when taken);
    /// otherwise hashes and counts it, and keeps it if its kind is kept (natively only: see
    /// [`KEEPS_SOME`]). Inlined by force: the size-optimised wasm otherwise calls it for each of
    /// the few records of every event (inlined, the browser runs the page's path faster).
    #[inline(always)]
    pub(super) fn record(&mut self, kind: RecKind<P>) {
        let record = Record { t: self.now_us, kind };
        if !KEEPS_SOME || !self.sifting {
            self.out.push(record);
        } else {
            self.keep_some(record);
        }
    }

    /// [`Simulation::record`]'s way while sifting: hashed and counted where it is made, then kept
    /// with its position if its kind is, dropped otherwise. Natively inlined, so that hashing a
    /// record of a kind known where it is made is the words of its fields.
    #[inline(always)]
    pub(super) fn keep_some(&mut self, record: Rec<P>) {
        if self.hashing {
            trace::hash_made(&record, &mut self.hasher);
        }
        if self.keep.any(Reads::of(&record.kind)) {
            self.out_at.push(self.made);
            self.out.push(record);
            self.hashed = self.out.len();
        } else {
            trace::discard(record.kind);
        }
        self.made += 1;
    }

    /// Records a send, copying the message only if sends of its class are kept.
    #[inline(always)]
    pub(super) fn record_send(&mut self, id: u64, from: NodeId, to: NodeId, msg: &P::Msg) {
        if !KEEPS_SOME || !self.sifting || self.keep.any(Reads::sends(msg.class())) {
            self.record(RecordKind::Send { id, from, to, msg: msg.clone() });
        } else {
            if self.hashing {
                trace::hash_send(self.now_us, id, from, to, msg, &mut self.hasher);
            }
            self.made += 1;
        }
    }
}
