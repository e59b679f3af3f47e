//! Time travel: restore a world to any earlier step from checkpoints plus deterministic replay,
//! with bounded memory.
//!
//! A checkpoint is a clone of the world taken right after a step (before any input given at that
//! moment). Checkpoints are taken every `interval` steps; when there are more than `max`, or they
//! weigh more than `bytes_max` together, every other one is dropped and the interval doubles, so
//! memory stays bounded on long runs (also when the world itself grows) while the replay needed to
//! reach any step stays proportional to the run's length divided by the checkpoints kept.

/// A world whose checkpoints time travel keeps. The replay from a checkpoint is its owner's
/// (`playground::Run` steps the world, giving the inputs recorded here again at their positions).
pub trait Replayable: Clone {
    type Input: Clone;
    /// Steps processed so far.
    fn position(&self) -> u64;
    /// A copy for a checkpoint and the bytes it weighs: by default what the clone allocated (see
    /// [`crate::heap`]; 0 where the counting allocator is not installed).
    fn checkpoint(&self) -> (Self, usize) {
        crate::heap::measured_clone(self)
    }
}

/// The most inputs a run keeps for replay.
pub const INPUTS_MAX: usize = 100_000;

#[derive(Clone, Debug)]
pub struct TimeTravel<W: Replayable> {
    interval: u64,
    max: usize,
    bytes_max: usize,
    /// Worlds with what each weighs, oldest first.
    checkpoints: Vec<(W, usize)>,
    /// Inputs with the position they were given at, in order.
    inputs: Vec<(u64, W::Input)>,
}

impl<W: Replayable> TimeTravel<W> {
    pub fn new(initial: &W, interval: u64, max: usize, bytes_max: usize) -> Self {
        TimeTravel {
            interval: interval.max(1),
            max: max.max(2),
            bytes_max,
            checkpoints: vec![initial.checkpoint()],
            inputs: Vec::new(),
        }
    }

    /// Call after every step.
    pub fn note_step(&mut self, world: &W) {
        let position = world.position();
        let newest = self.checkpoints.last().map_or(0, |(w, _)| w.position());
        if position % self.interval != 0 || position <= newest {
            return;
        }
        self.checkpoints.push(world.checkpoint());
        while self.checkpoints.len() > 2 && (self.checkpoints.len() > self.max || self.bytes() > self.bytes_max) {
            self.interval *= 2;
            let interval = self.interval;
            let mut index = 0;
            // Keep the first checkpoint and every one on the new, doubled grid.
            self.checkpoints.retain(|(w, _)| {
                let keep = index == 0 || w.position() % interval == 0;
                index += 1;
                keep
            });
        }
    }

    /// What the checkpoints weigh together.
    pub fn bytes(&self) -> usize {
        self.checkpoints.iter().map(|(_, bytes)| bytes).sum()
    }

    /// Call after an input was applied successfully at the world's current position.
    pub fn note_input(&mut self, position: u64, input: W::Input) -> Result<(), String> {
        if self.inputs.len() >= INPUTS_MAX {
            return Err(format!("a run keeps at most {INPUTS_MAX} actions; restart the run"));
        }
        self.inputs.push((position, input));
        Ok(())
    }

    pub fn checkpoints(&self) -> usize {
        self.checkpoints.len()
    }

    pub fn inputs(&self) -> impl Iterator<Item = &(u64, W::Input)> {
        self.inputs.iter()
    }

    /// The newest checkpoint at or before step `target`: where a replay to `target` starts.
    pub fn checkpoint_before(&self, target: u64) -> Result<&W, String> {
        self.checkpoints
            .iter()
            .rev()
            .map(|(w, _)| w)
            .find(|w| w.position() <= target)
            .ok_or_else(|| format!("no checkpoint at or before step {target}"))
    }

    /// Keeps the first `inputs` inputs and the checkpoints up to `position`, forgetting the rest:
    /// acting at a past moment forks a new future.
    pub fn fork(&mut self, inputs: usize, position: u64) {
        self.checkpoints.retain(|(w, _)| w.position() <= position);
        self.inputs.truncate(inputs);
    }

    pub fn input_count(&self) -> usize {
        self.inputs.len()
    }

    /// The `index`th input, with its position.
    pub fn input(&self, index: usize) -> Option<&(u64, W::Input)> {
        self.inputs.get(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy world: a counter whose steps add the inputs given so far.
    #[derive(Clone, Debug, PartialEq)]
    struct Counter {
        steps: u64,
        total: u64,
        add: u64,
    }

    impl Replayable for Counter {
        type Input = u64;
        fn position(&self) -> u64 {
            self.steps
        }
        /// A world that grows: 100 bytes per step taken.
        fn checkpoint(&self) -> (Self, usize) {
            (self.clone(), 100 * self.steps as usize)
        }
    }

    impl Counter {
        fn new() -> Self {
            Counter { steps: 0, total: 0, add: 1 }
        }
        fn step(&mut self) {
            self.steps += 1;
            self.total += self.add;
        }
        fn give(&mut self, input: u64) {
            self.add += input;
        }
    }

    /// The counter right after step `target` (before inputs given at that step), rebuilt as a
    /// run rebuilds its world: from the newest checkpoint at or before it, giving the recorded
    /// inputs again at their positions.
    fn rebuild(travel: &TimeTravel<Counter>, target: u64) -> Counter {
        let mut world = travel.checkpoint_before(target).unwrap().clone();
        let start = world.position();
        let mut inputs = travel.inputs().skip_while(|(p, _)| *p < start).peekable();
        while world.position() < target {
            while let Some((_, input)) = inputs.next_if(|(p, _)| *p == world.position()) {
                world.give(*input);
            }
            world.step();
        }
        world
    }

    /// Runs a counter `steps` steps under `travel`, with an input every `input_every` steps;
    /// `check` looks at the travel after each step. Returns the world after every step (index 0:
    /// before the first).
    fn drive(
        travel: &mut TimeTravel<Counter>,
        steps: u64,
        input_every: u64,
        mut check: impl FnMut(&TimeTravel<Counter>, u64),
    ) -> Vec<Counter> {
        let mut world = Counter::new();
        let mut snapshots = vec![world.clone()];
        for step in 1..=steps {
            if step % input_every == 0 {
                world.give(step);
                travel.note_input(world.position(), step).unwrap();
            }
            world.step();
            travel.note_step(&world);
            snapshots.push(world.clone());
            check(travel, step);
        }
        snapshots
    }

    #[test]
    fn restore_replays_inputs_and_memory_stays_bounded() {
        let mut travel = TimeTravel::new(&Counter::new(), 4, 8, usize::MAX);
        let snapshots = drive(&mut travel, 1000, 37, |travel, _| assert!(travel.checkpoints() <= 9));
        for target in [0, 1, 36, 37, 38, 500, 999, 1000] {
            let restored = rebuild(&travel, target);
            // Inputs at `target` itself are not applied yet: compare with the snapshot after step target.
            assert_eq!(restored, snapshots[target as usize], "step {target}");
        }
    }

    #[test]
    fn fork_forgets_the_old_future() {
        let mut world = Counter::new();
        let mut travel = TimeTravel::new(&world, 2, 8, usize::MAX);
        for _ in 0..10 {
            world.step();
            travel.note_step(&world);
        }
        travel.note_input(10, 5).unwrap();
        travel.fork(0, 4);
        assert_eq!(travel.inputs().count(), 0);
        let restored = rebuild(&travel, 8);
        assert_eq!(restored.total, 8);
    }

    #[test]
    fn checkpoints_keep_within_their_byte_budget_as_the_world_grows() {
        let mut travel = TimeTravel::new(&Counter::new(), 4, 64, 200_000);
        let snapshots = drive(&mut travel, 5000, 101, |travel, step| {
            // Within the budget after every step, unless only two checkpoints are left.
            assert!(travel.bytes() <= 200_000 || travel.checkpoints() <= 2, "step {step}: {} bytes", travel.bytes());
        });
        // The count limit alone would have kept 33 to 64; the weight allows fewer.
        assert!(travel.checkpoints() < 33, "{} checkpoints", travel.checkpoints());
        for target in [0, 1, 100, 101, 2500, 4999, 5000] {
            assert_eq!(rebuild(&travel, target), snapshots[target as usize], "step {target}");
        }
    }
}
