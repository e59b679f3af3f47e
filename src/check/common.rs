//! Properties every protocol shares.

use super::{Property, PropertyKind};
use crate::core::{Protocol, TimeUs, US_PER_S};
use crate::sim::{Outcome, Rec, Simulation};

/// Liveness over the client history: once faults stop, every command a client invokes after a
/// settling time completes successfully within a bound.
#[derive(Clone, Debug)]
pub struct ClientProgress {
    pub settle_us: TimeUs,
    pub bound_us: TimeUs,
}

impl Default for ClientProgress {
    fn default() -> Self {
        ClientProgress { settle_us: US_PER_S, bound_us: 3 * US_PER_S }
    }
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
    fn observe(&mut self, _record: &Rec<P>, _sim: &Simulation<P>) -> Result<(), String> {
        Ok(())
    }
    fn finish(&mut self, sim: &Simulation<P>) -> Result<(), String> {
        let Some(stable) = sim.stable_since_us() else {
            return Ok(());
        };
        let from = stable + self.settle_us;
        let now = sim.now_us();
        for op in sim.history().filter(|op| op.invoke_us >= from) {
            let late = match (&op.outcome, op.return_us) {
                (Outcome::Ok(_), Some(ret)) => ret - op.invoke_us > self.bound_us,
                (Outcome::Pending, _) => now - op.invoke_us > self.bound_us,
                _ => true,
            };
            if late {
                return Err(format!(
                    "client {} command {} ({:?}) invoked at {} in the stable phase (since {}) ended {} after {}",
                    op.client,
                    op.seq,
                    op.op,
                    crate::sim::time::format_duration(op.invoke_us),
                    crate::sim::time::format_duration(stable),
                    op.outcome.as_str(),
                    crate::sim::time::format_duration(op.return_us.unwrap_or(now) - op.invoke_us),
                ));
            }
        }
        Ok(())
    }
    fn box_clone(&self) -> Box<dyn Property<P>> {
        Box::new(self.clone())
    }
}
