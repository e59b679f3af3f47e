use crate::check::{Checked, World};
use crate::core::TimeUs;
use crate::sim::timetravel::TimeTravel;
use crate::sim::{Action, RunStatus, Setup, Trace};

/// How often (in steps) a run starts with taking checkpoints, and how many it keeps.
const CHECKPOINT_INTERVAL: u64 = 2_000;
const CHECKPOINTS_MAX: usize = 64;
/// What the checkpoints may weigh together (where the heap is counted: the page). A world that
/// grows (Multi-Paxos keeps every slot) would otherwise cost 64 times its size.
const CHECKPOINT_BYTES_MAX: usize = 64 << 20;

/// A whole run: the checked world, its bounded trace, and time travel.
#[derive(Clone, Debug)]
pub struct Run<P: Checked> {
    world: World<P>,
    trace: Trace<P>,
    travel: TimeTravel<World<P>>,
    /// How many of the recorded inputs the current world has been given. Fewer than all after
    /// going back in time: stepping forward gives the rest again at their positions.
    inputs_applied: usize,
    /// The furthest step this run has reached.
    horizon: u64,
    /// The virtual time at the horizon (the clock runs on between events).
    horizon_us: TimeUs,
    /// The step a seek under way is going to (see [`Run::seek`]).
    seeking: Option<u64>,
}

impl<P: Checked> Run<P> {
    pub fn new(setup: Setup) -> Result<Self, String> {
        Self::from_world(World::new(setup, Vec::new())?)
    }

    /// Wraps a world that may already carry extra properties (scenario expectations).
    pub fn from_world(world: World<P>) -> Result<Self, String> {
        let capacity = world.sim().setup().limits.trace_records_max.max(1);
        Self::with_memory(world, capacity, CHECKPOINT_INTERVAL)
    }

    /// A run that keeps no trace records and takes no checkpoints (it cannot go back in time):
    /// what a sweep needs, which only asks for violations, and costs a third less time per event.
    pub fn unrecorded(mut world: World<P>) -> Result<Self, String> {
        world.discard_records();
        Self::with_memory(world, 0, u64::MAX)
    }

    fn with_memory(mut world: World<P>, trace_capacity: usize, checkpoint_interval: u64) -> Result<Self, String> {
        let mut trace = Trace::new(trace_capacity);
        // The records of booting (produced by `World::new`) are re-created by a zero-step replay.
        for record in world.take_replayed() {
            trace.push(record);
        }
        let travel = TimeTravel::new(&world, checkpoint_interval, CHECKPOINTS_MAX, CHECKPOINT_BYTES_MAX);
        Ok(Run { world, trace, travel, inputs_applied: 0, horizon: 0, horizon_us: 0, seeking: None })
    }

    pub fn world(&self) -> &World<P> {
        &self.world
    }
    pub fn world_mut(&mut self) -> &mut World<P> {
        &mut self.world
    }
    pub fn trace(&self) -> &Trace<P> {
        &self.trace
    }

    /// The furthest step reached (the end of the timeline).
    pub fn horizon(&self) -> u64 {
        self.horizon
    }

    /// The virtual time the run had reached at its horizon.
    pub fn horizon_us(&self) -> TimeUs {
        self.horizon_us
    }

    fn note_clock(&mut self) {
        // A run that keeps no trace is given no records (see `World::discard_records`): its
        // trace only counts them.
        self.trace.count_upto(self.world.records());
        if self.world.steps() >= self.horizon {
            self.horizon = self.world.steps();
            self.horizon_us = self.horizon_us.max(self.world.sim().now_us());
        }
    }

    /// One step where the run stands (a seek under way stops where it is).
    pub fn step(&mut self) -> bool {
        self.seeking = None;
        self.advance()
    }

    fn advance(&mut self) -> bool {
        // Re-give the inputs recorded at this position (after going back in time).
        while let Some((position, input)) = self.travel.input(self.inputs_applied) {
            if *position != self.world.steps() {
                break;
            }
            let (at_us, action) = input.clone();
            let trace = &mut self.trace;
            // It succeeded when it was first given, and the world is the same now.
            let _ = self.world.apply_at(at_us, action, &mut |r| trace.push(r));
            self.inputs_applied += 1;
        }
        let progressed = self.world.step_into(&mut self.trace);
        self.travel.note_step(&self.world);
        self.note_clock();
        progressed
    }

    /// Like [`Run::run_until`], but stops right after the step that records a new violation.
    pub fn run_until_violation(&mut self, until_us: TimeUs, steps_max: u64) -> RunStatus {
        self.run_until_inner(until_us, steps_max, true)
    }

    pub fn run_until(&mut self, until_us: TimeUs, steps_max: u64) -> RunStatus {
        self.run_until_inner(until_us, steps_max, false)
    }

    fn run_until_inner(&mut self, until_us: TimeUs, steps_max: u64, stop_at_violation: bool) -> RunStatus {
        self.seeking = None;
        let seen = self.world.violations().len();
        for _ in 0..steps_max {
            match self.world.sim().next_event_us() {
                Some(t) if t <= until_us => {
                    self.advance();
                    if stop_at_violation && self.world.violations().len() > seen {
                        return RunStatus::Violation;
                    }
                }
                _ => {
                    let trace = &mut self.trace;
                    let status = self.world.run_until(until_us, 0, &mut |r| trace.push(r));
                    self.note_clock();
                    return status;
                }
            }
        }
        match self.world.sim().next_event_us() {
            Some(t) if t <= until_us => RunStatus::StepLimit,
            _ => RunStatus::Reached,
        }
    }

    /// Applies an action now and remembers it for replay. Acting at a past moment forks: the
    /// old future (its inputs and checkpoints) is forgotten.
    pub fn apply(&mut self, action: Action) -> Result<(), String> {
        self.apply_at(self.world.sim().now_us(), action)
    }

    /// Gives a recorded action again at virtual time `at_us` (no event may lie before it): how a
    /// share link's actions are replayed at the step and moment they were first given.
    pub fn apply_at(&mut self, at_us: TimeUs, action: Action) -> Result<(), String> {
        if at_us < self.world.sim().now_us() {
            return Err(format!("an action at t = {at_us} µs lies before the run's clock"));
        }
        self.world.sim().check_now(&action)?;
        self.seeking = None;
        let position = self.world.steps();
        if self.inputs_applied < self.travel.input_count() || self.horizon > position {
            self.travel.fork(self.inputs_applied, position);
            self.horizon = position;
            self.horizon_us = 0;
        }
        let trace = &mut self.trace;
        self.world.apply_at(at_us, action.clone(), &mut |r| trace.push(r))?;
        self.note_clock();
        self.travel.note_input(position, (at_us, action))?;
        self.inputs_applied += 1;
        Ok(())
    }

    /// Every action of this timeline, with the step it was given after and its virtual time.
    pub fn inputs(&self) -> impl Iterator<Item = (u64, TimeUs, &Action)> {
        self.travel.inputs().map(|(position, (at_us, action))| (*position, *at_us, action))
    }

    /// Time travel's checkpoints: how many, and what they weigh together (0 bytes where the heap
    /// is not counted, see [`crate::heap`]).
    pub fn checkpoints(&self) -> (usize, usize) {
        (self.travel.checkpoints(), self.travel.bytes())
    }

    pub fn finish(&mut self) {
        self.seeking = None;
        let trace = &mut self.trace;
        self.world.finish(&mut |r| trace.push(r));
        self.trace.count_upto(self.world.records());
    }

    /// Goes back (or forward, by replay) to the moment right after step `target`, anywhere up to
    /// the horizon. Acting afterwards forks a new future.
    pub fn restore(&mut self, target: u64) -> Result<(), String> {
        self.seek(target)?;
        while !self.seek_more(u64::MAX)? {}
        Ok(())
    }

    /// Starts going to the moment right after step `target`, as [`Run::restore`] does, but leaves
    /// the replay to [`Run::seek_more`], which takes it a bounded number of steps at a time: a
    /// replay from a checkpoint can be hundreds of thousands of steps (a big cluster's worlds are
    /// heavy, so the checkpoints' budget keeps few of them), and the page stays responsive
    /// by replaying a slice per frame. Between slices the run stands at a true moment of its past,
    /// on the way to `target` (world, trace and inputs agree as if restored there), so a seek may
    /// be left half done.
    ///
    /// The replay starts from the world shown when it lies at or before `target` and no checkpoint
    /// lies between them (going forward again, or dragging the timeline on), else from the newest
    /// checkpoint at or before `target`.
    pub fn seek(&mut self, target: u64) -> Result<(), String> {
        if target > self.horizon {
            return Err(format!("step {target} has not happened yet (the run has reached step {})", self.horizon));
        }
        let position = self.world.steps();
        let checkpoint = self.travel.checkpoint_before(target)?;
        if position > target || checkpoint.steps() > position {
            let world = checkpoint.clone();
            // The replay's records go straight into the trace, which keeps only its newest (a
            // replay gathered first made millions of records in a long run). The trace is set to
            // the checkpoint's length: cut back to it, or, forward again after going back, moved
            // on to it (the records in between are no longer held).
            self.trace.set_len(world.records());
            self.inputs_applied = self.travel.inputs().take_while(|(p, _)| *p < world.steps()).count();
            self.world = world;
        }
        self.seeking = (self.world.steps() < target).then_some(target);
        Ok(())
    }

    /// Replays up to `steps_max` more steps of the seek begun by [`Run::seek`]; `true` once the
    /// run stands at its target (or no seek is under way).
    pub fn seek_more(&mut self, steps_max: u64) -> Result<bool, String> {
        let Some(target) = self.seeking else { return Ok(true) };
        for _ in 0..steps_max {
            if self.world.steps() >= target {
                break;
            }
            // Stepping in the past replays: `advance` gives the recorded inputs again at their
            // positions, so the replay is the run as it went.
            if !self.advance() {
                self.seeking = None;
                return Err(format!("the run ends before step {target}"));
            }
        }
        let done = self.world.steps() >= target;
        if done {
            self.seeking = None;
        }
        Ok(done)
    }

    /// The step a seek under way is going to.
    pub fn seeking(&self) -> Option<u64> {
        self.seeking
    }
}
