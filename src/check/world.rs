use super::{Checked, Property, PropertyKind, Reads};
use crate::core::TimeUs;
use crate::sim::timetravel::Replayable;
use crate::sim::trace::{self, Trace};
use crate::sim::{Action, Rec, Record, RecordKind, RunStatus, Setup, Simulation};

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

/// A trace takes a step's records in one copy ([`Trace::push_all`]), cheaper than moving them
/// one by one through a closure.
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
    /// Every kind of record some property reads.
    reads: Reads,
    finished: bool,
    scratch: Vec<Rec<P>>,
    scratch_at: Vec<u64>,
    /// Whether records go to the sink; if not (see [`World::discard_records`]) the simulation
    /// keeps only the kinds some property reads, and they are dropped once checked.
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
            .field("records", &self.records())
            .finish_non_exhaustive()
    }
}

impl<P: Checked> World<P> {
    /// Builds the simulation; `extra` properties (a scenario's expectations) are checked from the
    /// very first record on, like the protocol's own.
    pub fn new(setup: Setup, extra: Vec<Box<dyn Property<P>>>) -> Result<Self, String> {
        let mut sim = Simulation::<P>::new(setup)?;
        sim.hash_records(true);
        let mut properties = super::all_properties::<P>(sim.config());
        properties.extend(extra);
        let reads = properties.iter().fold(Reads::NONE, |reads, p| reads | p.reads());
        let mut world = World {
            reads,
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
            finished: false,
            scratch: Vec::new(),
            scratch_at: Vec::new(),
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
    /// The run's fingerprint: every record in the order it was made; the records of a step's
    /// violations come after the step's own (in the trace, each follows the record that broke
    /// its property).
    ///
    /// `None` for a run that forwent it ([`World::forgo_hash`]).
    pub fn hash(&self) -> Option<u64> {
        self.sim.hash()
    }
    /// From now on the run has no fingerprint: no record is hashed, and [`World::hash`] is
    /// `None`. For runs that nobody asks for one, such as sweeps: hashing every record (each
    /// message's fields, each command's text) is work nobody reads.
    pub fn forgo_hash(&mut self) {
        self.sim.hash_records(false);
    }
    /// Records produced so far.
    pub fn records(&self) -> u64 {
        self.sim.records_made()
    }
    /// From now on no record reaches a sink: every record is still hashed and counted (the hash
    /// and the violations' positions are the same), but only the kinds some property reads are
    /// kept by the simulation, checked, then dropped. For runs that keep no trace, such as
    /// sweeps: most records (sends, deliveries, timers) are then never moved, and a send never
    /// copies its message.
    pub fn discard_records(&mut self) {
        self.keep_records = false;
        self.sim.keep_records(self.reads);
    }
    /// Takes the records of booting, made before the run had a trace to give them to.
    pub fn take_replayed(&mut self) -> Vec<Rec<P>> {
        std::mem::take(&mut self.replayed)
    }
    pub fn steps(&self) -> u64 {
        self.sim.stats().steps
    }

    /// Checks and hands over the records the simulation kept (every record, unless they are
    /// discarded). Records are checked where they lie and moved once, into the sink (a step's
    /// worth in one move); a violation's record follows the record that broke the property, as
    /// if reported at once (properties never see reports).
    fn drain(&mut self, sink: &mut dyn Sink<P>) {
        if !self.sim.has_records() {
            return; // most steps of a run that discards records: nothing kept to check
        }
        // The world's two record buffers change places with the simulation's at every step, so
        // neither is allocated again.
        let hashed = self.sim.take_unhashed(&mut self.scratch, &mut self.scratch_at);
        // Records are hashed as they are checked, in one pass, if the simulation left them
        // unhashed (it hashes where they are made only while it keeps some kinds, not all).
        let mut found = Vec::new();
        for (k, record) in self.scratch.iter().enumerate() {
            for &i in &self.readers[Reads::of(&record.kind).position()] {
                if let Err(detail) = self.properties[i].observe(record, &self.sim) {
                    found.push((k, i, detail));
                }
            }
            if k >= hashed {
                trace::hash_record(record, self.sim.hasher());
            }
        }
        if found.is_empty() {
            // The common case, kept apart: the loop below costs every record a few percent more.
            if self.keep_records {
                sink.push_all(&mut self.scratch);
            } else {
                self.scratch.clear();
            }
            return;
        }
        // Each record's place in the trace: where the simulation made it (`at`, or counted from
        // the step's first record when every record was kept), after the violations reported
        // before it in this step.
        let mut records = std::mem::take(&mut self.scratch);
        let at = std::mem::take(&mut self.scratch_at);
        let first = self.sim.records_made() - records.len() as u64;
        let mut reported = 0;
        let mut found = found.into_iter().peekable();
        for (k, record) in records.drain(..).enumerate() {
            let (t, event) = (record.t, at.get(k).copied().unwrap_or(first + k as u64) + reported);
            if self.keep_records {
                sink.push(record);
            }
            while let Some((_, i, detail)) = found.next_if(|(of, _, _)| *of == k) {
                reported += u64::from(self.report(i, detail, t, event, sink));
            }
        }
        self.scratch = records;
        self.scratch_at = at;
    }

    /// Records a broken property (`event`: the position of the record that broke it). `true`
    /// if a violation record was added to the run.
    fn report(&mut self, i: usize, detail: String, t_us: TimeUs, event: u64, sink: &mut dyn Sink<P>) -> bool {
        let first = !self.broken[i];
        self.broken[i] = true;
        if self.properties[i].kind() == PropertyKind::Blocking {
            if self.blocked.len() < VIOLATIONS_MAX {
                let property = self.properties[i].name().to_string();
                self.blocked.push(Violation { property, detail, t_us, event });
            }
            return false;
        }
        if !first && self.violations.len() >= VIOLATIONS_MAX {
            return false;
        }
        let property = self.properties[i].name().to_string();
        self.violations.push(Violation { property: property.clone(), detail: detail.clone(), t_us, event });
        if !first {
            return false;
        }
        let record = Record { t: t_us, kind: RecordKind::Violation { property, detail } };
        self.sim.add_to_hash(&record);
        if self.keep_records {
            sink.push(record);
        }
        true
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
        // Every report names the run's last record, not one of the reports before it.
        let event = self.records().saturating_sub(1);
        for i in 0..self.properties.len() {
            if let Err(detail) = self.properties[i].finish(&self.sim) {
                self.report(i, detail, t, event, &mut Each(&mut *sink));
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
