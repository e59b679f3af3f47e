//! Named properties, checked live on every record of a run (and again at its end for liveness),
//! and the [`World`]: a simulation together with its properties.

mod common;
mod history;
mod world;

pub use common::{get_near_end, value_hash, ClientProgress};
pub use history::history;
pub use world::{Violation, World};

pub use crate::sim::Reads;

use crate::core::Protocol;
use crate::sim::{Rec, Simulation};

#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PropertyKind {
    /// Must hold at every moment ("always").
    Safety,
    /// Must eventually hold once faults stop ("eventually").
    Liveness,
    /// A scenario's own expectation.
    Expectation,
    /// Not a bug: a condition worth counting (two-phase commit blocking). It never stops a run,
    /// never writes a `violation` event, and sweeps count it apart from violations.
    Blocking,
}

/// A named property. `observe` sees every record right after it happened, with the simulation in
/// the state that record left it in. Cloning comes with `Clone` (a world is copied for time travel).
pub trait Property<P: Protocol>: CloneProperty<P> {
    fn name(&self) -> &str;
    /// One sentence saying what the property means.
    fn explain(&self) -> &str;
    fn kind(&self) -> PropertyKind {
        PropertyKind::Safety
    }
    /// The kinds of record `observe` looks at (all unless the property says otherwise).
    fn reads(&self) -> Reads {
        Reads::ALL
    }
    /// `Err(detail)` when the record breaks the property.
    fn observe(&mut self, record: &Rec<P>, sim: &Simulation<P>) -> Result<(), String>;
    /// Checked once when the run ends (liveness).
    fn finish(&mut self, _sim: &Simulation<P>) -> Result<(), String> {
        Ok(())
    }
}

/// Copies a boxed property: every `Clone` property has it.
pub trait CloneProperty<P: Protocol> {
    fn box_clone(&self) -> Box<dyn Property<P>>;
}

impl<P: Protocol, T: Property<P> + Clone + 'static> CloneProperty<P> for T {
    fn box_clone(&self) -> Box<dyn Property<P>> {
        Box::new(self.clone())
    }
}

impl<P: Protocol> Clone for Box<dyn Property<P>> {
    fn clone(&self) -> Self {
        self.box_clone()
    }
}

/// A protocol with its named properties.
pub trait Checked: Protocol {
    fn properties(config: &Self::Config) -> Vec<Box<dyn Property<Self>>>;
}

/// Every property a run of protocol `P` checks: the protocol's own, then `client-progress`,
/// which every protocol's clients are held to.
pub fn all_properties<P: Checked>(config: &P::Config) -> Vec<Box<dyn Property<P>>> {
    let mut properties = P::properties(config);
    properties.push(Box::new(ClientProgress::default()));
    properties
}

/// Name, kind and explanation of every property of a protocol, for `sim list` and the page.
pub fn catalog<P: Checked>(config: &P::Config) -> Vec<(String, PropertyKind, String)> {
    all_properties::<P>(config).iter().map(|p| (p.name().to_string(), p.kind(), p.explain().to_string())).collect()
}
