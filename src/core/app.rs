//! The application a protocol replicates (`src/apps`: the key-value store, the bank): what its
//! clients send, how a replica executes it, and its sequential specification, which a history
//! checker judges client histories against.

use super::Text;
use rand_chacha::ChaCha8Rng;
use std::fmt;
use std::hash::Hash;

/// A deterministic state machine driven by client operations.
///
/// Operations travel as text (`set x 1`): that is what clients send, logs hold and traces show.
/// [`App::execute`] runs that text on a replica; [`App::parse_op`] and [`App::step`] give the
/// typed operation and the specification a checker needs. The two agree: executing a text gives
/// the output that [`App::apply`] gives for its parsed operation (each app tests it).
pub trait App: Clone + fmt::Debug + Default + PartialEq + Eq + Hash + 'static {
    type Op: Clone + fmt::Debug + PartialEq + Eq;
    /// What an operation returns.
    type Output: Clone + fmt::Debug + PartialEq + Eq;
    /// What the workload needs to know of the cluster (the bank: how many participants own
    /// accounts, and how many each); `()` for an app that needs nothing.
    type Shape: Clone + fmt::Debug + Default;

    /// The command a person is offered first, and one line on the commands there are.
    const COMMAND_EXAMPLE: &'static str;
    const COMMAND_HELP: &'static str;

    fn parse_op(text: &str) -> Result<Self::Op, String>;
    fn print_op(op: &Self::Op) -> String;
    /// The output a replica's result text stands for.
    fn parse_output(op: &Self::Op, text: &str) -> Result<Self::Output, String>;
    fn print_output(output: &Self::Output) -> String;

    /// Whether the operation only reads, so a leader may answer it without logging it.
    fn is_read(op: &Self::Op) -> bool;

    /// Executes one operation on this state.
    fn apply(&mut self, op: &Self::Op) -> Self::Output;

    /// The sequential specification: whether `op` may return `output` from this state, and the
    /// state after it. By default the one output [`App::apply`] gives; an app whose operations
    /// may legitimately fail (a transfer aborted for a reason the state does not show) says more.
    fn step(&self, op: &Self::Op, output: &Self::Output) -> Option<Self> {
        let mut next = self.clone();
        (next.apply(op) == *output).then_some(next)
    }

    /// Executes an operation as a replica receives it, as text, and returns the result as text.
    /// Text the app does not understand leaves the state alone.
    fn execute(&mut self, op: &str) -> Text {
        match Self::parse_op(op) {
            Ok(op) => Self::print_output(&self.apply(&op)).into(),
            Err(e) => e.into(),
        }
    }

    /// A simulated client's next operation (its `seq`-th), drawn from the simulator's RNG;
    /// `None` when the shape leaves nothing to do (a bank of one account).
    fn workload_op(shape: &Self::Shape, rng: &mut ChaCha8Rng, client: u32, seq: u64) -> Option<Text>;
}
