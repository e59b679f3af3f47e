//! Core vocabulary shared by every layer: node ids, virtual time, client commands, the shared
//! observation events and the [`Event`] trait for a protocol's own (`docs/trace-format.md`), and
//! the [`Protocol`] trait that every protocol implements as a pure state machine.
//!
//! Nothing here reads a clock, draws randomness of its own or does I/O: a protocol only ever sees
//! the [`Ctx`] the simulator hands it, and everything it wants done is recorded there as an
//! [`Effect`].

mod app;
mod ctx;
pub mod decimal;
pub mod fields;
mod observation;
pub mod options;
mod set;
pub mod time;

pub use app::App;
pub use ctx::{Ctx, Disk, Effect};
pub use observation::{node_numbers, Event, FieldValue, NoEvent, Observation, Role, Shared, ShownEvent};
pub use set::{append_or_insert, map_in_order, range_from, sort_short, LiteSet};

use serde::{Deserialize, Serialize};
use std::fmt;

/// Virtual time in microseconds since the run began.
pub type TimeUs = u64;
pub const US_PER_MS: TimeUs = 1_000;
pub const US_PER_S: TimeUs = 1_000_000;

/// A node id; ids start at 1 (as in the exported trace).
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The zero-based index of this node in per-node vectors.
    pub fn index(self) -> usize {
        (self.0 as usize).saturating_sub(1)
    }
    pub fn from_index(index: usize) -> NodeId {
        NodeId(index as u32 + 1)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

/// A client's command. `(client, seq)` identifies it across retries so a protocol can apply a
/// retried command once.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct Command {
    pub client: u32,
    pub seq: u64,
    /// Shared, not copied, from the client's invoke record through its attempts into the log.
    pub op: Text,
}

impl Command {
    /// The value written into logs and traces for this command: `c{client}#{seq} {op}`, written
    /// without `format!` (which costs several times more; Raft writes it once per command).
    pub fn value(&self) -> String {
        let mut out = String::with_capacity(self.op.len() + 24);
        Self::push_value(self.client, self.seq, &self.op, &mut out);
        out
    }

    /// [`Command::value`] as shared text, written on the stack (see [`decimal::StackText`]) when
    /// it fits, as every generated command's does: one allocation per log entry, not two.
    pub fn text(&self) -> Text {
        let mut value = decimal::StackText::default();
        Self::push_value(self.client, self.seq, &self.op, &mut value);
        value.text().unwrap_or_else(|| self.value().into())
    }

    /// Appends to `out` the value of command `seq` of `client`, whose operation is `op`: what
    /// [`Command::value`] returns, without a `Command` or a new string.
    pub fn push_value(client: u32, seq: u64, op: &str, out: &mut impl decimal::TextOut) {
        out.push_str("c");
        out.push_u64(u64::from(client));
        out.push_str("#");
        out.push_u64(seq);
        out.push_str(" ");
        out.push_str(op);
    }

    /// The `(client, seq)` a [`Command::value`] text names, read without copying its operation;
    /// `None` for any other text (a no-op's empty value among them).
    pub fn ids_of(value: &str) -> Option<(u32, u64)> {
        let (ids, _op) = value.strip_prefix('c')?.split_once(' ')?;
        let (client, seq) = ids.split_once('#')?;
        Some((client.parse().ok()?, seq.parse().ok()?))
    }
}

/// An immutable string shared by reference count: a log entry's value travels into every node's
/// log, every observation of it and every record of the trace without being copied.
///
/// `Rc`, not `Arc`: a world lives on one thread (a sweep builds one per worker thread, and the
/// page has one thread), and a shared count's atomic increments and decrements — several per
/// event, on the records, messages and log entries that share texts — cost a checked native run
/// a noticeable part of its time. (In wasm, which has no threads here, both compile to plain adds.) The
/// compiler keeps it so: a world that held an `Rc` could not be sent to another thread.
pub type Text = std::rc::Rc<str>;

/// Text settings by name (a protocol's options, the page's form fields, Raft's key-value state):
/// a map kept sorted in one vector, so that the page's build carries no B-tree code.
pub type TextMap = litemap::LiteMap<String, String>;

/// Identifies one client request delivery, so the node can answer it.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct RequestId(pub u64);

/// A request that a client sent to a node.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ClientRequest {
    pub id: RequestId,
    pub command: Command,
}

/// A node's answer to a client request.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum ClientReply {
    /// The command took effect; the string is its result.
    Ok(Text),
    /// This node cannot serve the request; try the hinted node (or another one).
    Redirect(Option<NodeId>),
    /// The command definitely did not take effect.
    Fail(String),
}

/// A protocol message. `describe()` is the one line used in traces, golden files and tooltips.
pub trait Message: Clone + fmt::Debug + std::hash::Hash {
    fn describe(&self) -> String;
    /// A short name for the message type, e.g. `"AppendEntries"`.
    fn kind(&self) -> &'static str;
    /// Replies are drawn differently from requests.
    fn is_reply(&self) -> bool;
    /// Which of the protocol's message types this is, below 32 (e.g. the variant's position),
    /// so that a property reading the sends of one type (`check::Reads::sends`) is not called
    /// for every other message. The same class for all messages by default.
    fn class(&self) -> u32 {
        0
    }
}

/// A planted bug a protocol can be built with.
#[derive(Clone, Copy, Debug)]
pub struct BugInfo {
    pub name: &'static str,
    /// One sentence on what the bug breaks.
    pub what: &'static str,
}

/// The message for a planted bug a protocol does not have.
pub fn unknown_bug(protocol: &str, name: &str, bugs: &[BugInfo]) -> String {
    let names: Vec<&str> = bugs.iter().map(|b| b.name).collect();
    format!("protocol {protocol} has no planted bug {name:?} (it has: {})", names.join(", "))
}

/// A named protocol option (`--option key=value`, scenario `option key=value`).
#[derive(Clone, Copy, Debug)]
pub struct OptionInfo {
    pub key: &'static str,
    pub default: &'static str,
    pub what: &'static str,
}

/// What every node is told about the cluster it is part of.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cluster {
    pub nodes: Vec<NodeId>,
}

impl Cluster {
    pub fn new(node_count: usize) -> Cluster {
        Cluster { nodes: (0..node_count).map(NodeId::from_index).collect() }
    }
    pub fn len(&self) -> usize {
        self.nodes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
    pub fn majority(&self) -> usize {
        self.nodes.len() / 2 + 1
    }
}

/// A short, protocol-neutral picture of one node for views and the UI.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NodeSummary {
    pub role: String,
    pub term: u64,
    /// Name / value lines of the node's state, in display order.
    pub fields: Vec<(String, String)>,
    /// Short role badges drawn under the node (Paxos: `P`, `A`, `L`).
    pub badges: Vec<String>,
    /// What the node's circle shows under its id instead of the term (two-phase commit: the
    /// shard's total balance).
    pub caption: Option<String>,
}

/// One entry (or slot) of a replicated log as the page's log grid shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LogEntryView {
    pub index: u64,
    pub term: u64,
    /// A short text (`set k1 3.4`, `noop`, `config 1,2,3`).
    pub text: String,
    /// What the cell shows in place of the term, which then does not colour it (two-phase
    /// commit: `P` for prepared), and a class of the protocol's own for it (`txn-prepared`).
    /// (The page's drawing alone: not in the JS API's state.)
    #[serde(skip)]
    pub mark: Option<&'static str>,
    #[serde(skip)]
    pub class: &'static str,
}

/// A node's replicated log for the log grid: its newest entries, what is compacted, what is
/// committed and, on a leader, its bookkeeping per follower.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LogView {
    /// Entries up to here live only in a snapshot (0: none).
    pub snapshot_index: u64,
    pub snapshot_term: u64,
    /// The newest entries, oldest first (at most the number asked for).
    pub entries: Vec<LogEntryView>,
    /// The last index the node knows to be committed (`None` while it is crashed: unknown).
    pub commit: Option<u64>,
    /// A leader's `(follower, nextIndex, matchIndex)`.
    pub progress: Vec<(u32, u64, u64)>,
    /// How many nodes holding the same entry (index, term and text) make it chosen, marked the
    /// moment that many hold it (Paxos: a majority of acceptors in one ballot).
    pub quorum: Option<usize>,
    #[serde(skip)]
    pub style: GridStyle,
}

/// How the page's grid presents a protocol's logs: what a column is and what its marks mean.
#[derive(Clone, Copy, Debug)]
pub struct GridStyle {
    /// The first column's header (`index`, `slot`, `txn`); a column shows its index less `offset`
    /// (Paxos's slot 0 is index 1).
    pub column: &'static str,
    pub offset: u64,
    /// The header of the last column, the leader's bookkeeping per node (empty: none).
    pub side: &'static str,
    /// One line under the grid on what its cells show.
    pub hint: &'static str,
    /// Said of an entry a quorum holds.
    pub chosen: &'static str,
    /// What a cell says when the pointer is over it (made only then).
    pub title: fn(&LogEntryView) -> String,
}

impl Default for GridStyle {
    fn default() -> Self {
        GridStyle { column: "index", offset: 0, side: "", hint: "", chosen: "", title: |e| e.text.clone() }
    }
}

/// Styles are told apart by what they show (a function's address is no identity).
impl PartialEq for GridStyle {
    fn eq(&self, other: &Self) -> bool {
        (self.column, self.offset, self.side, self.hint) == (other.column, other.offset, other.side, other.hint)
    }
}

impl Eq for GridStyle {}

/// A protocol node as a pure state machine.
///
/// `Self` is the node's *volatile* state; `Durable` is what it persists. The simulator owns the
/// durable state (a [`Disk`]) and hands it to every handler, so after a crash a node is rebuilt by
/// [`Protocol::boot`] from exactly what it persisted, and nothing else.
pub trait Protocol: Clone + fmt::Debug + 'static {
    type Msg: Message;
    /// Timer kinds; a node has at most one pending timer of each kind.
    type Timer: Copy + Eq + Ord + std::hash::Hash + fmt::Debug;
    type Durable: Clone + Default + fmt::Debug + std::hash::Hash;
    type Config: Clone + fmt::Debug;
    /// The protocol's own observation events ([`NoEvent`] for none).
    type Event: Event;
    /// The application its clients use (`crate::apps`).
    type App: App;

    const NAME: &'static str;
    /// One sentence for `sim list` and the page.
    const ABOUT: &'static str;

    fn bugs() -> &'static [BugInfo];
    fn options() -> &'static [OptionInfo];
    /// Builds the protocol configuration from the generic settings, checking every option.
    fn configure(cluster: &Cluster, bug: Option<&str>, options: &TextMap) -> Result<Self::Config, String>;

    /// Starts (or restarts, when `disk` holds something) a node.
    fn boot(
        id: NodeId,
        cluster: &Cluster,
        config: &Self::Config,
        disk: &mut Disk<Self::Durable>,
        ctx: &mut Ctx<'_, Self>,
    ) -> Self;
    fn on_message(&mut self, disk: &mut Disk<Self::Durable>, from: NodeId, msg: Self::Msg, ctx: &mut Ctx<'_, Self>);
    fn on_timer(&mut self, disk: &mut Disk<Self::Durable>, timer: Self::Timer, ctx: &mut Ctx<'_, Self>);
    fn on_client_request(&mut self, disk: &mut Disk<Self::Durable>, request: ClientRequest, ctx: &mut Ctx<'_, Self>);
    /// A picture of the node for views; `volatile` is `None` while the node is crashed.
    fn summary(volatile: Option<&Self>, disk: &Self::Durable) -> NodeSummary;
    /// The node's log for the log grid, with at most `tail` of its newest entries; `None` for
    /// protocols without a log.
    fn log_view(_volatile: Option<&Self>, _disk: &Self::Durable, _tail: usize) -> Option<LogView> {
        None
    }
    /// Facts about the whole cluster, read from every node's stable storage (two-phase commit:
    /// the total balance), for the page.
    fn cluster_facts(_config: &Self::Config, _disks: &[&Self::Durable]) -> Vec<(String, String)> {
        Vec::new()
    }
    /// What the application's workload needs to know of the cluster (the bank: its participants).
    fn app_shape(_config: &Self::Config) -> <Self::App as App>::Shape {
        Default::default()
    }
    /// Named sets of nodes the trace's `run` event lists (Paxos: its `acceptors`).
    fn node_groups(_config: &Self::Config) -> Vec<(&'static str, Vec<NodeId>)> {
        Vec::new()
    }
    /// The name of a timer the page draws as an arc around the node (Raft: the election timer).
    fn timer_label(_timer: &Self::Timer) -> Option<&'static str> {
        None
    }
    /// A node to send client requests to first, as this node believes (for views and clients).
    fn leader_hint(&self) -> Option<NodeId> {
        None
    }
    /// Operator commands the protocol understands (`timeout`, `transfer 3`, `add 4`, ...), each
    /// with one sentence, for `sim list`, the scenario language and the page.
    fn admin_commands() -> &'static [(&'static str, &'static str)] {
        &[]
    }
    /// Operator commands the chaos preset may send to the leader of a cluster of `node_count`
    /// built with `config` (e.g. membership changes), so sweeps exercise them too.
    fn chaos_commands(_config: &Self::Config, _node_count: usize) -> Vec<String> {
        Vec::new()
    }
    /// Carries out an operator command on this node; `Err` says why it cannot.
    fn on_admin(
        &mut self,
        _disk: &mut Disk<Self::Durable>,
        command: &str,
        _ctx: &mut Ctx<'_, Self>,
    ) -> Result<(), String> {
        Err(format!("{} has no operator command {command:?}", Self::NAME))
    }
}
