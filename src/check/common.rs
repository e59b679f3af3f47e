//! Properties every protocol shares.

use super::{Property, PropertyKind, Reads};
use crate::core::{Protocol, Text, TimeUs, US_PER_S};
use crate::sim::time::format_duration;
use crate::sim::trace::StableHasher;
use crate::sim::{Outcome, Rec, RecordKind, Simulation};
use litemap::LiteMap;
use std::hash::{Hash, Hasher};

/// A value's hash, for properties that remember values without keeping their text.
pub(super) fn value_hash(value: &str) -> u64 {
    let mut h = StableHasher::default();
    value.hash(&mut h);
    h.finish()
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
    fn box_clone(&self) -> Box<dyn Property<P>> {
        Box::new(self.clone())
    }
}
