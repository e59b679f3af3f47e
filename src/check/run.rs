use super::{Checked, World};
use crate::core::TimeUs;
use crate::sim::timetravel::TimeTravel;
use crate::sim::{Action, RunStatus, Setup, Trace};

/// How often (in steps) a run starts with taking checkpoints, and how many it keeps.
const CHECKPOINT_INTERVAL: u64 = 2_000;
const CHECKPOINTS_MAX: usize = 64;

/// A whole run: the checked world, its bounded trace, and time travel.
#[derive(Clone, Debug)]
pub struct Run<P: Checked> {
    world: World<P>,
    trace: Trace<P>,
    travel: TimeTravel<World<P>>,
}

impl<P: Checked> Run<P> {
    pub fn new(setup: Setup) -> Result<Self, String> {
        Self::from_world(World::new(setup)?)
    }

    /// Wraps a world that may already carry extra properties (scenario expectations).
    pub fn from_world(mut world: World<P>) -> Result<Self, String> {
        let mut trace = Trace::new(world.sim().setup().limits.trace_records_max);
        // The records of booting (produced by `World::new`) are re-created by a zero-step replay.
        for record in world.take_replayed() {
            trace.push(record);
        }
        let travel = TimeTravel::new(&world, CHECKPOINT_INTERVAL, CHECKPOINTS_MAX);
        Ok(Run { world, trace, travel })
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

    pub fn step(&mut self) -> bool {
        let trace = &mut self.trace;
        let progressed = self.world.step(&mut |r| trace.push(r));
        self.travel.note_step(&self.world);
        progressed
    }

    pub fn run_until(&mut self, until_us: TimeUs, steps_max: u64) -> RunStatus {
        for _ in 0..steps_max {
            match self.world.sim().next_event_us() {
                Some(t) if t <= until_us => {
                    self.step();
                }
                _ => {
                    let trace = &mut self.trace;
                    return self.world.run_until(until_us, 0, &mut |r| trace.push(r));
                }
            }
        }
        match self.world.sim().next_event_us() {
            Some(t) if t <= until_us => RunStatus::StepLimit,
            _ => RunStatus::Reached,
        }
    }

    /// Applies an action now and remembers it for replay.
    pub fn apply(&mut self, action: Action) -> Result<(), String> {
        let trace = &mut self.trace;
        let position = self.world.steps();
        self.world.apply(action.clone(), &mut |r| trace.push(r))?;
        self.travel.note_input(position, action)
    }

    pub fn finish(&mut self) {
        let trace = &mut self.trace;
        self.world.finish(&mut |r| trace.push(r));
    }

    /// Goes back (or forward, by replay) to the moment right after step `target`. Acting
    /// afterwards forks a new future; the old one is forgotten.
    pub fn restore(&mut self, target: u64) -> Result<(), String> {
        if target > self.world.steps() {
            return Err(format!("step {target} has not happened yet (the run is at step {})", self.world.steps()));
        }
        let mut replayed = Vec::new();
        let world = self.travel.restore(target, |w| replayed.extend(w.take_replayed()))?;
        // The trace is cut back to the restored checkpoint's length, then replayed forward.
        let base = world.records() - replayed.len() as u64;
        self.trace.truncate(base);
        for record in replayed {
            self.trace.push(record);
        }
        self.world = world;
        self.travel.fork_at(target);
        Ok(())
    }
}
