//! Named properties, checked live on every record of a run (and again at its end for liveness),
//! and the [`World`]: a simulation together with its properties.

mod common;
pub mod paxos;
mod raft;
mod run;
mod toy;
mod two_phase_commit;
mod world;

pub use common::ClientProgress;
pub use run::Run;
pub use world::{Violation, World};

use crate::core::Protocol;
use crate::sim::{Rec, RecordKind, Simulation};
use std::fmt;
use std::ops::BitOr;

/// Which kinds of record a property reads, a bit per kind. The world calls a property only for
/// the kinds it reads: most records are sends, deliveries and timers, which most properties skip.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Reads(u32);

impl Reads {
    pub const ALL: Reads = Reads(u32::MAX);
    pub const NONE: Reads = Reads(0);
    pub const SEND: Reads = Reads(1 << 2);
    pub const PERSIST: Reads = Reads(1 << 8);
    pub const CRASH: Reads = Reads(1 << 9);
    pub const RESTART: Reads = Reads(1 << 10);
    pub const INVOKE: Reads = Reads(1 << 13);
    pub const RETURN: Reads = Reads(1 << 16);
    pub const OBSERVE: Reads = Reads(1 << 17);

    /// The bit of one record's kind.
    pub fn of<M, T>(kind: &RecordKind<M, T>) -> Reads {
        Reads(
            1 << match kind {
                RecordKind::Run { .. } => 0,
                RecordKind::Chaos(_) => 1,
                RecordKind::Send { .. } => 2,
                RecordKind::Deliver { .. } => 3,
                RecordKind::Drop { .. } => 4,
                RecordKind::Duplicate { .. } => 5,
                RecordKind::TimerSet { .. } => 6,
                RecordKind::TimerFire { .. } => 7,
                RecordKind::Persist { .. } => 8,
                RecordKind::Crash { .. } => 9,
                RecordKind::Restart { .. } => 10,
                RecordKind::Action(_) => 11,
                RecordKind::Resume { .. } => 12,
                RecordKind::Invoke { .. } => 13,
                RecordKind::Request { .. } => 14,
                RecordKind::Reply { .. } => 15,
                RecordKind::Return { .. } => 16,
                RecordKind::Observe { .. } => 17,
                RecordKind::Violation { .. } => 18,
                RecordKind::Phase { .. } => 19,
                RecordKind::Note { .. } => 20,
            },
        )
    }

    /// Whether any kind of `other` is read.
    pub fn any(self, other: Reads) -> bool {
        self.0 & other.0 != 0
    }
}

impl BitOr for Reads {
    type Output = Reads;
    fn bitor(self, other: Reads) -> Reads {
        Reads(self.0 | other.0)
    }
}

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
/// the state that record left it in.
pub trait Property<P: Protocol>: fmt::Debug {
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
    fn box_clone(&self) -> Box<dyn Property<P>>;
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

/// Name, kind and explanation of every property of a protocol, for `sim list` and the page.
pub fn catalog<P: Checked>(config: &P::Config) -> Vec<(String, PropertyKind, String)> {
    P::properties(config).iter().map(|p| (p.name().to_string(), p.kind(), p.explain().to_string())).collect()
}
