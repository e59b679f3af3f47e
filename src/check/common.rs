//! Properties every protocol shares.

use super::{Property, PropertyKind, Reads};
use crate::core::time::format_duration;
use crate::core::{Protocol, Text, TimeUs, US_PER_S};
use crate::sim::trace::StableHasher;
use crate::sim::{Outcome, Rec, RecordKind, Simulation};
use litemap::LiteMap;
use std::hash::{Hash, Hasher};

/// A value's hash, for properties that remember values without keeping their text.
pub fn value_hash(value: &str) -> u64 {
    let mut h = StableHasher::default();
    value.hash(&mut h);
    h.finish()
}

/// The value of `key` in a map whose keys are log indexes (or begin with one, given by `index`)
/// that arrive nearly in order, most lookups at or near the end: the key's position is guessed
/// from the last key as if the indexes were consecutive, and checked; only a wrong guess pays
/// for the binary search (which was a tenth of the checks' time). New keys go in with
/// [`crate::core::append_or_insert`].
pub fn get_near_end<'a, K: Ord, V>(map: &'a LiteMap<K, V>, key: &K, index: impl Fn(&K) -> u64) -> Option<&'a V> {
    let (last, _) = map.last()?;
    // A key whose index is above the last key's is above every key.
    let behind = usize::try_from(index(last).checked_sub(index(key))?).ok()?;
    if let Some((k, v)) = map.len().checked_sub(behind + 1).and_then(|at| map.get_indexed(at)) {
        if k == key {
            return Some(v);
        }
    }
    map.get(key)
}

/// Liveness over the client history: once faults stop, every command a client invokes after a
/// settling time completes successfully within a bound.
///
/// Judged from the `invoke` / `return` records as they pass, keeping only the commands still in
/// flight and the first late one of the current fault-free stretch, so its memory does not grow
/// with the run (it used to read a history of every operation at the end).
#[derive(Clone, Debug)]
pub struct ClientProgress {
    pub settle_us: TimeUs,
    pub bound_us: TimeUs,
    /// Commands in flight: (client, seq) → (order of invocation, invoke time, command).
    pending: LiteMap<(u32, u64), (u64, TimeUs, Text)>,
    invoked: u64,
    /// The earliest-invoked command that ended late or badly in the fault-free stretch that began
    /// at the first field: (stretch start, order of invocation, what to report).
    late: Option<(TimeUs, u64, String)>,
}

impl Default for ClientProgress {
    fn default() -> Self {
        ClientProgress { settle_us: US_PER_S, bound_us: 3 * US_PER_S, pending: LiteMap::new(), invoked: 0, late: None }
    }
}

/// What a late command is reported as.
fn late_text(
    client: u32,
    seq: u64,
    op: &str,
    invoke_us: TimeUs,
    stable: TimeUs,
    outcome: &Outcome,
    took_us: TimeUs,
) -> String {
    format!(
        "client {client} command {seq} ({op:?}) invoked at {} in the stable phase (since {}) ended {} after {}",
        format_duration(invoke_us),
        format_duration(stable),
        outcome.as_str(),
        format_duration(took_us),
    )
}

impl<P: Protocol> Property<P> for ClientProgress {
    fn name(&self) -> &str {
        "client-progress"
    }
    fn explain(&self) -> &str {
        "once faults stop, every client command invoked after a second of settling succeeds within 3 seconds"
    }
    fn kind(&self) -> PropertyKind {
        PropertyKind::Liveness
    }
    fn reads(&self) -> Reads {
        Reads::INVOKE | Reads::RETURN
    }
    fn observe(&mut self, record: &Rec<P>, sim: &Simulation<P>) -> Result<(), String> {
        match &record.kind {
            RecordKind::Invoke { client, seq, op } => {
                self.pending.insert((*client, *seq), (self.invoked, record.t, op.clone()));
                self.invoked += 1;
            }
            RecordKind::Return { client, seq, outcome } => {
                let Some((order, invoke_us, op)) = self.pending.remove(&(*client, *seq)) else { return Ok(()) };
                let Some(stable) = sim.stable_since_us() else { return Ok(()) };
                let in_stretch = invoke_us >= stable + self.settle_us;
                let late = match outcome {
                    Outcome::Ok(_) => record.t - invoke_us > self.bound_us,
                    _ => true,
                };
                let earlier = match &self.late {
                    Some((since, first, _)) => *since == stable && *first < order,
                    None => false,
                };
                if in_stretch && late && !earlier {
                    let text = late_text(*client, *seq, &op, invoke_us, stable, outcome, record.t - invoke_us);
                    self.late = Some((stable, order, text));
                }
            }
            _ => {}
        }
        Ok(())
    }
    fn finish(&mut self, sim: &Simulation<P>) -> Result<(), String> {
        let Some(stable) = sim.stable_since_us() else {
            return Ok(());
        };
        let from = stable + self.settle_us;
        let now = sim.now_us();
        let returned =
            self.late.as_ref().filter(|(since, ..)| *since == stable).map(|(_, order, text)| (*order, text.clone()));
        let waiting = self
            .pending
            .iter()
            .filter(|(_, (_, invoke_us, _))| *invoke_us >= from && now - *invoke_us > self.bound_us)
            .min_by_key(|(_, (order, ..))| *order)
            .map(|(&(client, seq), (order, invoke_us, op))| {
                (*order, late_text(client, seq, op, *invoke_us, stable, &Outcome::Pending, now - *invoke_us))
            });
        match (returned, waiting) {
            (None, None) => Ok(()),
            (Some((_, text)), None) | (None, Some((_, text))) => Err(text),
            (Some((a, first)), Some((b, second))) => Err(if a < b { first } else { second }),
        }
    }
}

/// Property tests: proptest is a native dev-dependency (the wasm32 build of the tests, which
/// clippy checks, has none).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::get_near_end;
    use crate::core::append_or_insert;
    use litemap::LiteMap;
    use proptest::prelude::*;

    proptest! {
        /// Keys (index, term) inserted and looked up as a property does — mostly rising, some
        /// repeated, some below, some terms beside others at one index — give what the map's
        /// own `insert` and `get` give.
        #[test]
        fn find_and_insert_as_the_map_does(steps in proptest::collection::vec((0u64..6, 0u64..3, any::<u8>()), 0..200)) {
            let (mut ours, mut theirs) = (LiteMap::new(), LiteMap::new());
            let mut high = 0u64;
            for (step, term, value) in steps {
                // Mostly the next index or one just behind it; now and then one further back.
                let index = match step {
                    0..=2 => { high += 1; high }
                    3 => high.saturating_sub(1),
                    4 => high.saturating_sub(3),
                    _ => high + 2,
                };
                let key = (index, term);
                let at = |&(index, _): &(u64, u64)| index;
                prop_assert_eq!(get_near_end(&ours, &key, at), theirs.get(&key));
                prop_assert_eq!(get_near_end(&ours, &(index + 1, term), at), theirs.get(&(index + 1, term)));
                if value % 3 != 0 {
                    append_or_insert(&mut ours, key, value);
                    theirs.insert(key, value);
                }
                if value == 7 {
                    // Forgotten from below, as the properties prune.
                    let floor = high.saturating_sub(4);
                    ours.retain(|&(i, _), _| i > floor);
                    theirs.retain(|&(i, _), _| i > floor);
                }
                prop_assert_eq!(&ours, &theirs);
            }
        }
    }
}
