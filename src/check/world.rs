use super::{Checked, Property, PropertyKind, Reads};
use crate::core::TimeUs;
use crate::sim::timetravel::Replayable;
use crate::sim::trace::{StableHasher, Trace};
use crate::sim::{Action, Rec, Record, RecordKind, RunStatus, Setup, Simulation};
use std::hash::{Hash, Hasher};

/// A broken property, with where it broke.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    pub property: String,
    pub detail: String,
    pub t_us: TimeUs,
    /// Index of the offending record in the trace.
    pub event: u64,
}

/// Where a world's records go: one at a time, or a step's worth in one move.
pub trait Sink<P: Checked> {
    fn push(&mut self, record: Rec<P>);
    /// Every record of `records`, in order; leaves it empty.
    fn push_all(&mut self, records: &mut Vec<Rec<P>>) {
        for record in records.drain(..) {
            self.push(record);
        }
    }
}

/// A trace takes a step's records in one copy ([`Trace::push_all`]): moved one by one through a
/// closure they were 6 % of the page's path.
impl<P: Checked> Sink<P> for Trace<P> {
    fn push(&mut self, record: Rec<P>) {
        Trace::push(self, record);
    }
    fn push_all(&mut self, records: &mut Vec<Rec<P>>) {
        Trace::push_all(self, records);
    }
}

impl<P: Checked> Sink<P> for Vec<Rec<P>> {
    fn push(&mut self, record: Rec<P>) {
        Vec::push(self, record);
    }
}

/// A closure as a sink: the world's methods that take one.
struct Each<'a, P: Checked>(&'a mut dyn FnMut(Rec<P>));

impl<P: Checked> Sink<P> for Each<'_, P> {
    fn push(&mut self, record: Rec<P>) {
        (self.0)(record);
    }
}

/// The most violations a run keeps (the first of each property always; later ones up to this).
const VIOLATIONS_MAX: usize = 1_000;

/// A simulation with its properties, the running hash of its trace, and its violations.
/// `World` is cheap enough to clone for checkpoints: it holds no trace records.
#[derive(Clone)]
pub struct World<P: Checked> {
    sim: Simulation<P>,
    properties: Vec<Box<dyn Property<P>>>,
    /// For each record kind (by its bit's position in [`Reads`]), the positions of the
    /// properties that read it: a record visits only those.
    readers: Vec<Vec<usize>>,
    violations: Vec<Violation>,
    /// Reports of [`PropertyKind::Blocking`] properties: not violations, kept apart.
    blocked: Vec<Violation>,
    /// Whether each property (by position) has been violated.
    broken: Vec<bool>,
    hasher: StableHasher,
    records: u64,
    finished: bool,
    scratch: Vec<Rec<P>>,
    /// Whether records go to the sink; if not (see [`World::discard_records`]) they are
    /// checked, hashed and counted where they lie, and dropped there.
    keep_records: bool,
    /// The records of booting, for the run to collect (`take_replayed`).
    replayed: Vec<Rec<P>>,
}

/// Properties are shown by name: `Property` has no `Debug` bound, which would put a `Debug`
/// implementation of every property's state into the WebAssembly through its vtable.
impl<P: Checked> std::fmt::Debug for World<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.properties.iter().map(|p| p.name()).collect();
        f.debug_struct("World")
            .field("sim", &self.sim)
            .field("properties", &names)
            .field("violations", &self.violations)
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

impl<P: Checked> World<P> {
    /// Builds the simulation; `extra` properties (a scenario's expectations) are checked from the
    /// very first record on, like the protocol's own.
    pub fn new(setup: Setup, extra: Vec<Box<dyn Property<P>>>) -> Result<Self, String> {
        let sim = Simulation::<P>::new(setup)?;
        let mut properties = super::all_properties::<P>(sim.config());
        properties.extend(extra);
        let mut world = World {
            broken: vec![false; properties.len()],
            readers: Reads::kinds()
                .map(|kind| {
                    properties.iter().enumerate().filter(|(_, p)| p.reads().any(kind)).map(|(i, _)| i).collect()
                })
                .collect(),
            sim,
            properties,
            violations: Vec::new(),
            blocked: Vec::new(),
            hasher: StableHasher::default(),
            records: 0,
            finished: false,
            scratch: Vec::new(),
            keep_records: true,
            replayed: Vec::new(),
        };
        // The records of booting wait in `replayed` for the run to collect.
        let mut out = Vec::new();
        world.drain(&mut out);
        world.replayed = out;
        Ok(world)
    }

    pub fn sim(&self) -> &Simulation<P> {
        &self.sim
    }
    pub fn properties(&self) -> impl Iterator<Item = (&dyn Property<P>, bool)> {
        self.properties.iter().map(|p| p.as_ref()).zip(self.broken.iter().copied())
    }
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }
    /// Reports of blocking (two-phase commit's in-doubt participants): the lesson, not a bug.
    pub fn blocked(&self) -> &[Violation] {
        &self.blocked
    }
    /// Violations of safety and liveness properties (not scenario expectations).
    pub fn property_violations(&self) -> impl Iterator<Item = &Violation> {
        self.violations.iter().filter(move |v| {
            self.properties.iter().any(|p| p.name() == v.property && p.kind() != PropertyKind::Expectation)
        })
    }
    pub fn hash(&self) -> u64 {
        self.hasher.finish()
    }
    /// Records produced so far.
    pub fn records(&self) -> u64 {
        self.records
    }
    /// From now on no record reaches a sink: they are still checked, hashed and counted (the
    /// hash and the violations' positions are the same), then dropped where they lie. For runs
    /// that keep no trace, such as sweeps; it saves moving every record out.
    pub fn discard_records(&mut self) {
        self.keep_records = false;
    }
    /// Takes the records of booting, made before the run had a trace to give them to.
    pub fn take_replayed(&mut self) -> Vec<Rec<P>> {
        std::mem::take(&mut self.replayed)
    }
    pub fn steps(&self) -> u64 {
        self.sim.stats().steps
    }

    /// Checks, hashes and hands over every record the simulation produced. Records are checked
    /// where they lie and moved once, into the sink (a step's worth in one move); a violation's
    /// record follows the record that broke the property, as if reported at once (properties
    /// never see reports).
    fn drain(&mut self, sink: &mut dyn Sink<P>) {
        // The two record buffers change places at every step, so neither is allocated again.
        let mut records = std::mem::take(&mut self.scratch);
        self.sim.take_records(&mut records);
        let mut found = Vec::new();
        // Records are hashed as they are checked, in one pass; if a property broke, the hash
        // goes back to where the step began and the slow path below hashes again, each
        // violation's record after the record that broke it.
        let hashed_before = self.hasher;
        for (at, record) in records.iter().enumerate() {
            for &i in &self.readers[Reads::of(&record.kind).position()] {
                if let Err(detail) = self.properties[i].observe(record, &self.sim) {
                    found.push((at, i, detail));
                }
            }
            record.hash(&mut self.hasher);
        }
        if found.is_empty() {
            // The common case, kept apart: the loop below costs every record a few percent more.
            self.records += records.len() as u64;
            if self.keep_records {
                sink.push_all(&mut records);
            } else {
                records.clear();
            }
        } else {
            self.hasher = hashed_before;
            let mut found = found.into_iter().peekable();
            for (at, record) in records.drain(..).enumerate() {
                let t = record.t;
                self.push_record(record, sink);
                while let Some((_, i, detail)) = found.next_if(|(of, _, _)| *of == at) {
                    self.report(i, detail, t, sink);
                }
            }
        }
        self.scratch = records;
    }

    fn push_record(&mut self, record: Rec<P>, sink: &mut dyn Sink<P>) {
        // Natively through `Apart`, so that `drain`'s loop is the only use of the records'
        // `Hash` with the run's hasher (see `Apart`).
        #[cfg(not(target_arch = "wasm32"))]
        record.hash(&mut crate::sim::trace::Apart(&mut self.hasher));
        #[cfg(target_arch = "wasm32")]
        record.hash(&mut self.hasher);
        self.records += 1;
        if self.keep_records {
            sink.push(record);
        }
    }

    fn report(&mut self, i: usize, detail: String, t_us: TimeUs, sink: &mut dyn Sink<P>) {
        let first = !self.broken[i];
        self.broken[i] = true;
        if self.properties[i].kind() == PropertyKind::Blocking {
            if self.blocked.len() < VIOLATIONS_MAX {
                let property = self.properties[i].name().to_string();
                let event = self.records.saturating_sub(1);
                self.blocked.push(Violation { property, detail, t_us, event });
            }
            return;
        }
        if !first && self.violations.len() >= VIOLATIONS_MAX {
            return;
        }
        let property = self.properties[i].name().to_string();
        let event = self.records.saturating_sub(1);
        self.violations.push(Violation { property: property.clone(), detail: detail.clone(), t_us, event });
        if first {
            self.push_record(Record { t: t_us, kind: RecordKind::Violation { property, detail } }, sink);
        }
    }

    /// Processes one event; `false` when nothing is left.
    pub fn step(&mut self, sink: &mut dyn FnMut(Rec<P>)) -> bool {
        self.step_into(&mut Each(sink))
    }

    /// [`World::step`] into a sink (a run's trace).
    pub fn step_into(&mut self, sink: &mut dyn Sink<P>) -> bool {
        let progressed = self.sim.step();
        self.drain(sink);
        progressed
    }

    /// Processes events up to `until_us`, at most `steps_max` of them.
    pub fn run_until(&mut self, until_us: TimeUs, steps_max: u64, sink: &mut dyn FnMut(Rec<P>)) -> RunStatus {
        let steps_max = steps_max.min(self.sim.setup().limits.steps_per_call_max);
        for _ in 0..steps_max {
            match self.sim.next_event_us() {
                Some(t) if t <= until_us => {
                    self.step(sink);
                }
                _ => {
                    self.sim.run_until(until_us, 0);
                    return RunStatus::Reached;
                }
            }
        }
        self.sim.run_until(until_us, 0)
    }

    /// Applies an action now.
    pub fn apply(&mut self, action: Action, sink: &mut dyn FnMut(Rec<P>)) -> Result<(), String> {
        self.sim.apply(action)?;
        self.drain(&mut Each(sink));
        Ok(())
    }

    /// Moves the clock to `at_us` (no event lies before it) and applies an action there: how a
    /// recorded action is given again after going back in time.
    pub fn apply_at(&mut self, at_us: TimeUs, action: Action, sink: &mut dyn FnMut(Rec<P>)) -> Result<(), String> {
        if self.sim.next_event_us().is_some_and(|t| t < at_us) {
            return Err("a recorded action's time lies after the next event".into());
        }
        self.sim.run_until(at_us, 0);
        self.apply(action, sink)
    }

    /// Schedules an action for later (scenarios).
    pub fn schedule(&mut self, at_us: TimeUs, action: Action) -> Result<(), String> {
        self.sim.schedule(at_us, action)
    }

    /// Runs the end-of-run (liveness) checks once.
    pub fn finish(&mut self, sink: &mut dyn FnMut(Rec<P>)) {
        if self.finished {
            return;
        }
        self.finished = true;
        let t = self.sim.now_us();
        for i in 0..self.properties.len() {
            if let Err(detail) = self.properties[i].finish(&self.sim) {
                self.report(i, detail, t, &mut Each(&mut *sink));
            }
        }
    }
}

impl<P: Checked> Replayable for World<P> {
    /// An action with the virtual time it was given at (the clock may have been advanced past the
    /// last event by `run_until`).
    type Input = (TimeUs, Action);
    fn position(&self) -> u64 {
        self.steps()
    }
}
