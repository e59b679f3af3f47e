//! The deterministic simulator: virtual time, one seeded RNG, the network, node faults, clients
//! and the records of everything that happens. Nothing else in the project owns time or
//! randomness.
//!
//! Every input is an event in one queue ordered by (virtual time, sequence number), so a run is a
//! function of (seed, setup, actions): the same triple gives the same records, natively and in
//! the browser.

pub mod action;
pub mod chaos;
mod clients;
pub mod config;
pub mod network;
mod node;
mod queue;
mod reads;
mod slab;
pub mod timetravel;
pub mod trace;

pub use action::{Action, LinkChange, Wait};
pub use chaos::ChaosParams;
pub use config::{FaultPreset, Limits, Setup, Workload, NODES_MAX};
pub use network::{LinkParams, Network};
pub use node::NodeSlot;
pub use reads::Reads;
pub use trace::{DropReason, Outcome, Rec, RecKind, Record, RecordKind, Trace};

use crate::core::{ClientReply, Cluster, Ctx, Effect, Message, NodeId, Protocol, Text, TimeUs};
use clients::Clients;
use network::Fate;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::hash::Hasher;
use trace::StableHasher;

/// An input waiting in the queue.
#[derive(Clone, Debug)]
pub(crate) enum EventKind<P: Protocol> {
    /// `slot`: where the message waits in the in-flight slab.
    Deliver {
        id: u64,
        slot: u32,
    },
    Timer {
        node: NodeId,
        timer: P::Timer,
        gen: u64,
    },
    ClientTick {
        client: u32,
    },
    // The rare, big events are boxed: events wait in the queue's slots and in paused nodes'
    // input lists, and an event as big as its biggest variant would make every one of those
    // 80 bytes instead of 40.
    ClientArrive(Box<ClientArrival>),
    ClientReplyArrive(Box<ClientReplyArrival>),
    ClientTimeout {
        client: u32,
        seq: u64,
        attempt: u32,
    },
    ClientRetry {
        client: u32,
        seq: u64,
        attempt: u32,
    },
    Action(Box<Action>),
    Resume {
        node: NodeId,
        pause_gen: u64,
    },
    ChaosTick,
    HealPhase,
}

/// A client's request reaching a node.
#[derive(Clone, Debug)]
pub(crate) struct ClientArrival {
    client: u32,
    seq: u64,
    attempt: u32,
    node: NodeId,
    op: Text,
}

/// A node's reply reaching its client.
#[derive(Clone, Debug)]
pub(crate) struct ClientReplyArrival {
    client: u32,
    seq: u64,
    attempt: u32,
    node: NodeId,
    reply: ClientReply,
}

/// A message on the wire.
#[derive(Clone, Debug)]
pub struct InFlight<P: Protocol> {
    pub from: NodeId,
    pub to: NodeId,
    pub msg: P::Msg,
    pub sent_us: TimeUs,
    pub deliver_us: TimeUs,
    /// Arrived at a paused node and waits in its input queue.
    pub held: bool,
}

/// Counters for `stats()`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Events processed (each had something to do).
    pub steps: u64,
    /// Queue entries passed over because nothing was left for them to do (see `step`).
    pub passed_over: u64,
    pub sent: u64,
    pub delivered: u64,
    pub dropped: u64,
    pub duplicated: u64,
    pub timers_fired: u64,
    pub client_ops: u64,
}

/// Why `run_until` returned.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RunStatus {
    /// Virtual time reached the target.
    Reached,
    /// The step budget of the call ran out first (a livelocked protocol cannot hang the caller).
    StepLimit,
    /// A property was violated; the run stopped right after the offending event.
    Violation,
}

#[derive(Clone, Debug)]
pub struct Simulation<P: Protocol> {
    setup: Setup,
    config: P::Config,
    cluster: Cluster,
    now_us: TimeUs,
    next_seq: u64,
    rng: ChaCha8Rng,
    queue: queue::EventQueue<EventKind<P>>,
    nodes: Vec<NodeSlot<P>>,
    net: Network,
    in_flight: slab::Slab<InFlight<P>>,
    next_msg_id: u64,
    next_timer_gen: u64,
    clients: Clients,
    chaos: Option<ChaosParams>,
    /// The protocol's admin commands chaos may issue (made once: formatting them at every tick
    /// was 12 % of a long chaos run).
    chaos_commands: Vec<String>,
    /// When the current fault-free stretch began (`None` while faults may be active).
    stable_since_us: Option<TimeUs>,
    stats: Stats,
    /// Whether records are hashed (see [`Simulation::hash_records`]).
    hashing: bool,
    /// The running hash of every record made, in order (the run's fingerprint).
    hasher: StableHasher,
    /// Records made and counted so far: all but those waiting unhashed in `out`.
    made: u64,
    /// The kinds of record kept in `out` for the caller; every record is hashed and counted.
    keep: Reads,
    out: Vec<Rec<P>>,
    /// How many records at the front of `out` are hashed and counted.
    hashed: usize,
    /// While sifting: each kept record's position among all records made.
    out_at: Vec<u64>,
    /// Whether records are sifted: hashed and counted where they are made, kept (with their
    /// positions) only if their kind is. From the moment some kinds are not kept until the
    /// records taken have every kind again. Otherwise every record is pushed as it is, then
    /// hashed and counted when it is taken (`World::drain` hashes as it checks, in one loop).
    sifting: bool,
    effects: Vec<Effect<P>>,
}

/// Whether the simulation can keep some kinds of record and not others
/// ([`Simulation::keep_records`]): natively, for sweeps; in the browser, which always keeps a
/// trace, every record is kept.
const KEEPS_SOME: bool = cfg!(not(target_arch = "wasm32"));

impl<P: Protocol> Simulation<P> {
    /// Builds the cluster and boots every node at time 0.
    pub fn new(setup: Setup) -> Result<Self, String> {
        setup.validate()?;
        let cluster = Cluster::new(setup.nodes);
        let config = P::configure(&cluster, setup.bug.as_deref(), &setup.options)?;
        let mut rng = ChaCha8Rng::seed_from_u64(setup.seed);
        let chaos = match setup.faults {
            FaultPreset::Chaos => Some(ChaosParams::draw(&mut rng, setup.duration_us)),
            FaultPreset::None => None,
        };
        let chaos_commands = if chaos.is_some() { P::chaos_commands(&config, setup.nodes) } else { Vec::new() };
        let mut sim = Simulation {
            chaos_commands,
            net: Network::new(setup.nodes, setup.link),
            nodes: (0..setup.nodes).map(|_| NodeSlot::new()).collect(),
            clients: Clients::new(&setup.workload),
            stable_since_us: Some(0),
            setup,
            config,
            cluster,
            now_us: 0,
            next_seq: 0,
            rng,
            queue: queue::EventQueue::default(),
            in_flight: slab::Slab::default(),
            next_msg_id: 1,
            next_timer_gen: 1,
            chaos,
            stats: Stats::default(),
            hashing: false,
            hasher: StableHasher::default(),
            made: 0,
            hashed: 0,
            keep: Reads::ALL,
            out: Vec::new(),
            out_at: Vec::new(),
            sifting: false,
            effects: Vec::new(),
        };
        sim.record(RecordKind::Run {
            protocol: P::NAME,
            nodes: sim.setup.nodes as u32,
            seed: sim.setup.seed,
            bug: sim.setup.bug.clone(),
            groups: trace::NodeGroups(
                P::node_groups(&sim.config)
                    .into_iter()
                    .map(|(name, nodes)| (name, crate::core::node_numbers(&nodes)))
                    .collect(),
            ),
        });
        if let Some(params) = sim.chaos.clone() {
            sim.record(RecordKind::Chaos(params.clone()));
            sim.net.change_links(None, None, &params.link_change());
            sim.stable_since_us = None;
            sim.schedule_kind(chaos::CHAOS_TICK_US, EventKind::ChaosTick);
            sim.schedule_kind(params.heal_at_us, EventKind::HealPhase);
        }
        for i in 0..sim.setup.nodes {
            sim.boot(NodeId::from_index(i));
        }
        for client in 1..=sim.setup.workload.clients {
            let delay = sim.clients.think_time(&mut sim.rng);
            sim.schedule_kind(delay, EventKind::ClientTick { client });
        }
        sim.pass_over_idle();
        Ok(sim)
    }

    // ----- read access -------------------------------------------------------------------------

    pub fn setup(&self) -> &Setup {
        &self.setup
    }
    pub fn config(&self) -> &P::Config {
        &self.config
    }
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }
    pub fn now_us(&self) -> TimeUs {
        self.now_us
    }
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
    pub fn node(&self, id: NodeId) -> &NodeSlot<P> {
        &self.nodes[id.index()]
    }
    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, &NodeSlot<P>)> {
        self.nodes.iter().enumerate().map(|(i, n)| (NodeId::from_index(i), n))
    }
    pub fn network(&self) -> &Network {
        &self.net
    }
    pub fn in_flight(&self) -> impl Iterator<Item = (u64, &InFlight<P>)> {
        self.in_flight.iter()
    }
    pub fn chaos(&self) -> Option<&ChaosParams> {
        self.chaos.as_ref()
    }
    /// When the current fault-free stretch began, if the run is in one.
    pub fn stable_since_us(&self) -> Option<TimeUs> {
        self.stable_since_us
    }
    pub fn next_event_us(&self) -> Option<TimeUs> {
        self.queue.next_time()
    }
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// Moves the records kept since the last call into `into` (which it clears first).
    pub fn take_records(&mut self, into: &mut Vec<Rec<P>>) {
        self.settle();
        into.clear();
        std::mem::swap(into, &mut self.out);
        self.out_at.clear();
        self.taken();
    }

    /// Whether records are waiting to be taken.
    #[inline]
    pub fn has_records(&self) -> bool {
        !self.out.is_empty()
    }

    /// [`Simulation::take_records`] for a checked run, which hashes as it checks: returns how
    /// many records at the front of `into` are hashed; the caller hashes the rest, in order,
    /// into [`Simulation::hasher`] before anything else is hashed. `at` receives each record's
    /// position among all records made (left empty when every kind was kept since the last
    /// call: the positions follow on).
    pub(crate) fn take_unhashed(&mut self, into: &mut Vec<Rec<P>>, at: &mut Vec<u64>) -> usize {
        let hashed = self.hashed;
        self.made += (self.out.len() - hashed) as u64;
        into.clear();
        at.clear();
        std::mem::swap(into, &mut self.out);
        std::mem::swap(at, &mut self.out_at);
        self.taken();
        // A run without a fingerprint leaves none to hash.
        if self.hashing {
            hashed
        } else {
            into.len()
        }
    }

    /// The run's hasher, for the records taken unhashed ([`Simulation::take_unhashed`]).
    pub(crate) fn hasher(&mut self) -> &mut StableHasher {
        &mut self.hasher
    }

    fn taken(&mut self) {
        self.hashed = 0;
        self.sifting = self.keep != Reads::ALL;
    }

    /// Whether to hash every record from now on, and those waiting to be taken: the run's
    /// fingerprint ([`Simulation::hash`]; a checked run's, `World::hash`). Off by default, for
    /// runs that need no fingerprint; a run that stops hashing has none from then on.
    pub fn hash_records(&mut self, on: bool) {
        self.hashing = on;
    }

    /// Keeps only the records of `kinds` for [`Simulation::take_records`] from now on (all by
    /// default). Every record is still hashed (if hashing) and counted where it is made; the
    /// others are dropped there, or never made (a send's copy of its message).
    ///
    /// In the browser every record is kept whatever `kinds` says: the page and the JS API always
    /// keep a trace, and the size-optimised wasm is smaller and faster with one way to record.
    pub fn keep_records(&mut self, kinds: Reads) {
        if !KEEPS_SOME {
            return;
        }
        self.settle();
        if !self.sifting && kinds != Reads::ALL {
            // The records waiting were made with every kind kept: their positions follow on.
            let first = self.made - self.out.len() as u64;
            self.out_at = (first..self.made).collect();
            self.sifting = true;
        }
        self.keep = kinds;
    }

    /// The fingerprint of every record made so far, in order ([`StableHasher`]); `None` if the
    /// records are not hashed ([`Simulation::hash_records`]).
    pub fn hash(&self) -> Option<u64> {
        self.hashing.then(|| self.hasher_with_waiting().finish())
    }

    /// Records made so far, kept or not.
    pub fn records_made(&self) -> u64 {
        self.made + (self.out.len() - self.hashed) as u64
    }

    /// Hashes and counts a record made outside the simulation (a check's report), after those
    /// made so far.
    pub fn add_to_hash(&mut self, record: &Rec<P>) {
        self.settle();
        if self.hashing {
            trace::hash_made(record, &mut self.hasher);
        }
        self.made += 1;
    }

    /// Hashes and counts the records waiting unhashed (while every kind is kept), in order.
    fn settle(&mut self) {
        self.hasher = self.hasher_with_waiting();
        self.made += (self.out.len() - self.hashed) as u64;
        self.hashed = self.out.len();
    }

    /// The run's hasher after the records waiting unhashed (if hashing).
    fn hasher_with_waiting(&self) -> StableHasher {
        let mut hasher = self.hasher;
        if self.hashing {
            for record in &self.out[self.hashed..] {
                trace::hash_made(record, &mut hasher);
            }
        }
        hasher
    }

    // ----- driving -----------------------------------------------------------------------------

    /// Processes the next event. Returns `false` when nothing is left to do.
    ///
    /// A step is an event that has something to do. Queue entries that find nothing left to do
    /// when their time comes — a timer re-armed or cancelled since it was set, a client's timeout
    /// after its answer came, a message dropped or delayed by hand, a request for a crashed node —
    /// are passed over as soon as they reach the front of the queue (after each step and each
    /// action), so they are never steps: stepping never shows an event where nothing happens,
    /// `next_event_us` is the time of something that will happen, and a count of events is a
    /// count of things that happened.
    pub fn step(&mut self) -> bool {
        let Some((time, kind)) = self.queue.pop() else {
            return false;
        };
        debug_assert!(time >= self.now_us, "time never goes backwards");
        self.now_us = time;
        self.stats.steps += 1;
        self.handle(kind);
        self.pass_over_idle();
        true
    }

    /// Drops the entries at the front of the queue that have nothing left to do.
    fn pass_over_idle(&mut self) {
        while let Some((time, kind)) = self.queue.peek() {
            if !self.has_nothing_to_do(time, kind) {
                return;
            }
            if let Some((_, EventKind::Timer { node, gen, .. })) = self.queue.pop() {
                self.timer_entry_left(node, gen);
            }
            self.stats.passed_over += 1;
        }
    }

    /// Processes every event up to `until_us` (then sets the clock to `until_us`), or stops after
    /// `steps_max` events.
    pub fn run_until(&mut self, until_us: TimeUs, steps_max: u64) -> RunStatus {
        let steps_max = steps_max.min(self.setup.limits.steps_per_call_max);
        for _ in 0..steps_max {
            match self.queue.next_time() {
                Some(t) if t <= until_us => {
                    self.step();
                }
                _ => {
                    self.now_us = self.now_us.max(until_us);
                    return RunStatus::Reached;
                }
            }
        }
        match self.queue.next_time() {
            Some(t) if t <= until_us => RunStatus::StepLimit,
            _ => {
                self.now_us = self.now_us.max(until_us);
                RunStatus::Reached
            }
        }
    }

    /// Schedules an action at a virtual time (now or later).
    pub fn schedule(&mut self, at_us: TimeUs, action: Action) -> Result<(), String> {
        self.validate(&action)?;
        let at = at_us.max(self.now_us);
        self.schedule_kind(at, EventKind::Action(Box::new(action)));
        Ok(())
    }

    /// Whether [`Simulation::apply`] would accept the action now.
    pub fn check_now(&self, action: &Action) -> Result<(), String> {
        self.validate(action)?;
        match action {
            Action::Crash { node } if !self.node(*node).is_up() => Err(format!("node {} is already crashed", node.0)),
            Action::Restart { node } if self.node(*node).is_up() => Err(format!("node {} is running", node.0)),
            Action::Pause { node, .. } if !self.node(*node).is_up() => Err(format!("node {} is crashed", node.0)),
            Action::Resume { node } if !self.node(*node).is_paused() => Err(format!("node {} is not paused", node.0)),
            _ => Ok(()),
        }
    }

    /// Applies an action now. Unlike a scheduled action, one that cannot do anything now (crash a
    /// crashed node, restart a running one) is refused with a message.
    pub fn apply(&mut self, action: Action) -> Result<(), String> {
        self.check_now(&action)?;
        self.apply_action(action);
        self.pass_over_idle();
        Ok(())
    }

    /// Checks that an action names real nodes and messages and stays within limits.
    pub fn validate(&self, action: &Action) -> Result<(), String> {
        let n = self.setup.nodes as u32;
        for node in action.nodes() {
            if node.0 == 0 || node.0 > n {
                return Err(format!("node {} does not exist (nodes are 1..={n})", node.0));
            }
        }
        match action {
            Action::Pause { for_us, .. } if *for_us == 0 || *for_us > crate::core::time::DURATION_US_MAX => {
                Err("a pause lasts between 1us and 24h".into())
            }
            Action::Drift { rate_pct, .. } if !(10..=1000).contains(rate_pct) => {
                Err(format!("clock rate {rate_pct}% is outside 10%..1000%"))
            }
            Action::Request { op, .. } if op.len() > 200 || op.is_empty() => {
                Err("a client command is 1 to 200 characters".into())
            }
            Action::Workload { clients, interval_us } => {
                if *clients > config::CLIENTS_MAX {
                    Err(format!("at most {} clients", config::CLIENTS_MAX))
                } else if *interval_us == 0 {
                    Err("the client interval must be positive".into())
                } else {
                    Ok(())
                }
            }
            Action::Say { text, .. } if text.chars().count() > 1000 => {
                Err("a caption is at most 1000 characters".into())
            }
            Action::Admin { command, .. } if command.is_empty() || command.len() > 200 => {
                Err("an operator command is 1 to 200 characters".into())
            }
            Action::DropMessage { id } | Action::DuplicateMessage { id } | Action::DelayMessage { id, .. }
                if self.in_flight.find(*id).is_none() =>
            {
                Err(format!("message #{id} is not in flight"))
            }
            Action::DelayMessage { by_us, .. } if *by_us > crate::core::time::DURATION_US_MAX => {
                Err("a delay is at most 24h".into())
            }
            Action::Link { change, .. } => match change.latency_us {
                Some((lo, hi)) if lo > hi || hi > crate::core::time::DURATION_US_MAX => {
                    Err("a latency range is min..max with max at most 24h".into())
                }
                _ => Ok(()),
            },
            Action::Partition { groups } => {
                let mut seen = crate::core::LiteSet::new();
                for node in groups.iter().flatten() {
                    if !seen.insert(*node) {
                        return Err(format!("node {} is in two groups", node.0));
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    // ----- internals ---------------------------------------------------------------------------

    /// Keeps a record as it is while every kind is kept (it is hashed and counted when taken);
    /// otherwise hashes and counts it, and keeps it if its kind is kept (natively only: see
    /// [`KEEPS_SOME`]). Inlined by force: the size-optimised wasm otherwise calls it for each of
    /// ~3 records an event (inlined, the browser ran the page's path 2-3 % faster, for 381 B).
    #[inline(always)]
    fn record(&mut self, kind: RecKind<P>) {
        let record = Record { t: self.now_us, kind };
        if !KEEPS_SOME || !self.sifting {
            self.out.push(record);
        } else {
            self.keep_some(record);
        }
    }

    /// [`Simulation::record`]'s way while sifting: hashed and counted where it is made, then kept
    /// with its position if its kind is, dropped otherwise. Natively inlined, so that hashing a
    /// record of a kind known where it is made is the words of its fields.
    #[inline(always)]
    fn keep_some(&mut self, record: Rec<P>) {
        if self.hashing {
            trace::hash_made(&record, &mut self.hasher);
        }
        if self.keep.any(Reads::of(&record.kind)) {
            self.out_at.push(self.made);
            self.out.push(record);
            self.hashed = self.out.len();
        } else {
            trace::discard(record.kind);
        }
        self.made += 1;
    }

    /// Records a send, copying the message only if sends of its class are kept.
    #[inline(always)]
    fn record_send(&mut self, id: u64, from: NodeId, to: NodeId, msg: &P::Msg) {
        if !KEEPS_SOME || !self.sifting || self.keep.any(Reads::sends(msg.class())) {
            self.record(RecordKind::Send { id, from, to, msg: msg.clone() });
        } else {
            if self.hashing {
                trace::hash_send(self.now_us, id, from, to, msg, &mut self.hasher);
            }
            self.made += 1;
        }
    }

    fn schedule_kind(&mut self, at_us: TimeUs, kind: EventKind<P>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.queue.push(at_us, seq, kind);
    }

    /// [`Simulation::schedule_kind`] for events that come a fixed time after they are scheduled
    /// (see [`EventQueue::push_in_order`]): the same order, a shorter heap.
    fn schedule_in_order(&mut self, at_us: TimeUs, kind: EventKind<P>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.queue.push_in_order(at_us, seq, kind);
    }

    /// `true` for an entry whose time came after its reason went: its handler would do nothing.
    /// Every entry is asked this at the front of the queue, so handlers may take the answer as
    /// given (deferred inputs come back through the queue too).
    fn has_nothing_to_do(&self, at_us: TimeUs, kind: &EventKind<P>) -> bool {
        match kind {
            EventKind::Deliver { id, slot } => match self.in_flight.get(*slot, *id) {
                None => true,
                Some(m) => !m.held && m.deliver_us != at_us,
            },
            EventKind::Timer { node, timer, gen } => {
                !self.nodes[node.index()].timers.iter().any(|a| a.timer == *timer && a.gen == *gen)
            }
            EventKind::ClientTimeout { client, seq, attempt } | EventKind::ClientRetry { client, seq, attempt } => {
                self.clients.pending_attempt(*client, *seq) != Some(*attempt)
            }
            EventKind::ClientReplyArrive(r) => self.clients.pending_attempt(r.client, r.seq).is_none(),
            EventKind::Resume { node, pause_gen } => self.nodes[node.index()].pause_gen != *pause_gen,
            // A request that reaches a crashed node is lost: its client times out later.
            EventKind::ClientArrive(a) => !self.nodes[a.node.index()].is_up(),
            _ => false,
        }
    }

    fn handle(&mut self, kind: EventKind<P>) {
        match kind {
            EventKind::Deliver { id, slot } => self.deliver(id, slot),
            EventKind::Timer { node, timer, gen } => self.fire_timer(node, timer, gen),
            EventKind::ClientTick { client } => self.client_tick(client),
            EventKind::ClientArrive(arrival) => self.client_arrive(arrival),
            EventKind::ClientReplyArrive(r) => {
                let ClientReplyArrival { client, seq, attempt, node, reply } = *r;
                self.client_reply(client, seq, attempt, node, reply)
            }
            EventKind::ClientTimeout { client, seq, attempt } => self.client_timeout(client, seq, attempt),
            EventKind::ClientRetry { client, seq, attempt } => self.client_retry(client, seq, attempt),
            EventKind::Action(action) => self.apply_action(*action),
            EventKind::Resume { node, pause_gen } => {
                debug_assert_eq!(self.nodes[node.index()].pause_gen, pause_gen, "passed over if stale");
                self.resume(node);
            }
            EventKind::ChaosTick => self.chaos_tick(),
            EventKind::HealPhase => {
                self.record(RecordKind::Phase { name: "heal" });
                self.apply_action(Action::HealAll);
            }
        }
    }

    /// Holds an input for a paused node; `false` if the node is not paused.
    fn defer_if_paused(&mut self, node: NodeId, kind: &EventKind<P>) -> bool {
        // Asked at every delivery, timer and request: the answer is nearly always no.
        if self.nodes[node.index()].paused_until.is_none() {
            return false;
        }
        self.defer(node, kind);
        true
    }

    #[cold]
    fn defer(&mut self, node: NodeId, kind: &EventKind<P>) {
        let limit = self.setup.limits.deferred_max;
        let slot = &mut self.nodes[node.index()];
        if slot.deferred.len() < limit {
            slot.deferred.push(kind.clone());
        } else if let EventKind::Deliver { id, slot } = kind {
            if let Some(m) = self.in_flight.remove(*slot, *id) {
                self.stats.dropped += 1;
                self.record(RecordKind::Drop { id: *id, from: m.from, to: m.to, reason: DropReason::Overflow });
            }
        }
    }

    fn boot(&mut self, id: NodeId) {
        let mut effects = std::mem::take(&mut self.effects);
        let slot = &mut self.nodes[id.index()];
        let mut ctx = Ctx::new(id, slot.clock.local_us(self.now_us), &mut self.rng, &mut effects);
        let writes_before = slot.disk.writes();
        let node = P::boot(id, &self.cluster, &self.config, &mut slot.disk, &mut ctx);
        slot.volatile = Some(node);
        let persisted = slot.disk.writes() != writes_before;
        self.finish_handler(id, persisted, effects);
    }

    /// Runs a protocol handler on a live node and carries out its effects.
    fn with_node(&mut self, id: NodeId, f: impl FnOnce(&mut P, &mut crate::core::Disk<P::Durable>, &mut Ctx<'_, P>)) {
        let mut effects = std::mem::take(&mut self.effects);
        let slot = &mut self.nodes[id.index()];
        let Some(node) = slot.volatile.as_mut() else {
            self.effects = effects;
            return;
        };
        let writes_before = slot.disk.writes();
        let mut ctx = Ctx::new(id, slot.clock.local_us(self.now_us), &mut self.rng, &mut effects);
        f(node, &mut slot.disk, &mut ctx);
        let persisted = slot.disk.writes() != writes_before;
        self.finish_handler(id, persisted, effects);
    }

    fn finish_handler(&mut self, id: NodeId, persisted: bool, mut effects: Vec<Effect<P>>) {
        // The disk write happened inside the handler, before any of its effects leave the node.
        if persisted {
            self.record(RecordKind::Persist { node: id });
        }
        // In order, the buffer kept for the next handler: reversed and popped, which cost less
        // than a `drain(..)` and its drop (callgrind: −0.5 % of the bench's instructions).
        effects.reverse();
        while let Some(effect) = effects.pop() {
            self.run_effect(id, effect);
        }
        self.effects = effects;
    }

    fn run_effect(&mut self, id: NodeId, effect: Effect<P>) {
        match effect {
            Effect::Send { to, msg } => self.send(id, to, msg),
            Effect::SetTimer { timer, delay_us } => {
                let due = self.now_us + self.nodes[id.index()].clock.real_delay_us(delay_us);
                self.record(RecordKind::TimerSet { node: id, timer, delay_us });
                self.arm_timer(id, timer, due);
            }
            Effect::CancelTimer { timer } => {
                self.nodes[id.index()].timers.retain(|a| a.timer != timer);
            }
            Effect::Reply { request, reply } => self.node_reply(id, request, reply),
            Effect::Observe(obs) => self.record(RecordKind::Observe { node: id, obs }),
        }
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: P::Msg) {
        if to.0 == 0 || to.index() >= self.nodes.len() {
            return; // A protocol addressing a node that does not exist sends nothing.
        }
        let id = self.next_msg_id;
        self.next_msg_id += 1;
        self.stats.sent += 1;
        self.record_send(id, from, to, &msg);
        match self.net.fate(from, to, &mut self.rng) {
            Fate::Blocked => self.drop_record(id, from, to, DropReason::Partition),
            Fate::Lost => self.drop_record(id, from, to, DropReason::Loss),
            Fate::Delivered { latency_us, duplicate_latency_us } => {
                if let Some(dup_latency) = duplicate_latency_us {
                    self.put_in_flight(id, from, to, msg.clone(), latency_us);
                    let copy = self.next_msg_id;
                    self.next_msg_id += 1;
                    self.stats.duplicated += 1;
                    self.record(RecordKind::Duplicate { id, copy });
                    self.put_in_flight(copy, from, to, msg, dup_latency);
                } else {
                    self.put_in_flight(id, from, to, msg, latency_us);
                }
            }
        }
    }

    fn put_in_flight(&mut self, id: u64, from: NodeId, to: NodeId, msg: P::Msg, latency_us: TimeUs) {
        if self.in_flight.len() >= self.setup.limits.in_flight_max {
            self.drop_record(id, from, to, DropReason::Overflow);
            return;
        }
        let deliver_us = self.now_us + latency_us;
        let slot = self.in_flight.insert(id, InFlight { from, to, msg, sent_us: self.now_us, deliver_us, held: false });
        self.schedule_kind(deliver_us, EventKind::Deliver { id, slot });
    }

    fn drop_record(&mut self, id: u64, from: NodeId, to: NodeId, reason: DropReason) {
        self.stats.dropped += 1;
        self.record(RecordKind::Drop { id, from, to, reason });
    }

    fn deliver(&mut self, id: u64, slot: u32) {
        // Dropped or delayed by hand, a message's entry is passed over (`pass_over_idle`).
        let Some(m) = self.in_flight.get(slot, id) else {
            return;
        };
        debug_assert!(m.held || m.deliver_us == self.now_us);
        let (from, to, held) = (m.from, m.to, m.held);
        // A message already queued at a paused node has crossed the network.
        if !held && self.net.blocked(from, to) {
            self.in_flight.remove(slot, id);
            return self.drop_record(id, from, to, DropReason::Partition);
        }
        if !self.nodes[to.index()].is_up() {
            self.in_flight.remove(slot, id);
            return self.drop_record(id, from, to, DropReason::NodeDown);
        }
        if self.defer_if_paused(to, &EventKind::Deliver { id, slot }) {
            if let Some(m) = self.in_flight.get_mut(slot, id) {
                m.held = true;
            }
            return;
        }
        let Some(m) = self.in_flight.remove(slot, id) else {
            return;
        };
        self.stats.delivered += 1;
        self.record(RecordKind::Deliver { id, from, to });
        self.with_node(to, |node, disk, ctx| node.on_message(disk, from, m.msg, ctx));
    }

    /// Arms `timer` for `due`, in place of its previous arming. The arming takes the next
    /// sequence number, as a queued event would, but it is queued only if the previous arming's
    /// entry in the queue comes later (or there is none): otherwise that entry, when its time
    /// comes, moves on to `due` under this sequence number (`timer_entry_left`). Events come out
    /// in the same order as if every arming were queued, while a timer re-armed at every
    /// heartbeat (Raft's election timer) costs the queue one entry per timeout instead of one per
    /// heartbeat.
    fn arm_timer(&mut self, id: NodeId, timer: P::Timer, due: TimeUs) {
        let gen = self.next_timer_gen;
        self.next_timer_gen += 1;
        let seq = self.next_seq;
        self.next_seq += 1;
        let slot = &mut self.nodes[id.index()];
        let mut queued = None;
        if let Some(i) = slot.timers.iter().position(|a| a.timer == timer) {
            queued = slot.timers.remove(i).queued.filter(|&(_, at)| at <= due);
        }
        if queued.is_none() {
            queued = Some((gen, due));
            self.queue.push(due, seq, EventKind::Timer { node: id, timer, gen });
        }
        slot.timers.push(node::Armed { timer, gen, due, set_us: self.now_us, seq, queued });
    }

    /// Entry `gen` of a timer of node `id` has left the queue with nothing to do. If it stood for
    /// a timer armed again since (see `arm_timer`), that timer is queued for its time.
    fn timer_entry_left(&mut self, id: NodeId, gen: u64) {
        let slot = &mut self.nodes[id.index()];
        if let Some(a) = slot.timers.iter_mut().find(|a| a.queued.is_some_and(|(g, _)| g == gen)) {
            a.queued = Some((a.gen, a.due));
            self.queue.push(a.due, a.seq, EventKind::Timer { node: id, timer: a.timer, gen: a.gen });
        }
    }

    fn fire_timer(&mut self, id: NodeId, timer: P::Timer, gen: u64) {
        // The entry was found live at the front of the queue (`pass_over_idle`): this arming's.
        let armed = self.nodes[id.index()].timers.iter_mut().find(|a| a.gen == gen);
        debug_assert!(armed.as_ref().is_some_and(|a| a.timer == timer));
        if let Some(a) = armed {
            a.queued = None; // its entry has left the queue
        }
        if self.defer_if_paused(id, &EventKind::Timer { node: id, timer, gen }) {
            return;
        }
        self.nodes[id.index()].timers.retain(|a| a.gen != gen);
        self.stats.timers_fired += 1;
        self.record(RecordKind::TimerFire { node: id, timer });
        self.with_node(id, |node, disk, ctx| node.on_timer(disk, timer, ctx));
    }

    fn crash(&mut self, id: NodeId) {
        let slot = &mut self.nodes[id.index()];
        if slot.volatile.is_none() {
            return;
        }
        slot.volatile = None;
        slot.timers.clear();
        slot.paused_until = None;
        slot.pause_gen += 1;
        let deferred = std::mem::take(&mut slot.deferred);
        self.record(RecordKind::Crash { node: id });
        // Input queued at the node dies with it.
        for kind in deferred {
            if let EventKind::Deliver { id: msg_id, slot } = kind {
                if let Some(m) = self.in_flight.remove(slot, msg_id) {
                    self.drop_record(msg_id, m.from, m.to, DropReason::NodeDown);
                }
            }
        }
    }

    fn restart(&mut self, id: NodeId) {
        if self.nodes[id.index()].is_up() {
            return;
        }
        self.nodes[id.index()].restarts += 1;
        self.record(RecordKind::Restart { node: id });
        self.boot(id);
    }

    fn pause(&mut self, id: NodeId, for_us: TimeUs) {
        let slot = &mut self.nodes[id.index()];
        if !slot.is_up() {
            return;
        }
        slot.pause_gen += 1;
        slot.paused_until = Some(self.now_us + for_us);
        let pause_gen = slot.pause_gen;
        self.schedule_kind(self.now_us + for_us, EventKind::Resume { node: id, pause_gen });
    }

    fn resume(&mut self, id: NodeId) {
        let slot = &mut self.nodes[id.index()];
        if slot.paused_until.take().is_none() {
            return;
        }
        slot.pause_gen += 1;
        let deferred = std::mem::take(&mut slot.deferred);
        self.record(RecordKind::Resume { node: id });
        for kind in deferred {
            self.schedule_kind(self.now_us, kind);
        }
    }

    fn apply_action(&mut self, action: Action) {
        if action.is_fault() {
            self.stable_since_us = None;
        }
        match action {
            Action::Crash { node } => self.crash(node),
            Action::Restart { node } => self.restart(node),
            Action::Resume { node } => self.resume(node),
            other => {
                self.record(RecordKind::Action(other.clone()));
                self.apply_other(other);
            }
        }
    }

    fn apply_other(&mut self, action: Action) {
        match action {
            Action::Pause { node, for_us } => self.pause(node, for_us),
            Action::Partition { groups } => self.net.partition(&groups),
            Action::Cut { from, to } => self.net.set_cut(from, to, true),
            Action::Uncut { from, to } => self.net.set_cut(from, to, false),
            Action::Heal => self.net.heal(),
            Action::HealAll => self.heal_all(),
            Action::Link { from, to, change } => self.net.change_links(from, to, &change),
            Action::Drift { node, rate_pct } => self.nodes[node.index()].clock.set_rate(self.now_us, rate_pct),
            Action::Request { node, op } => self.user_request(node, op),
            Action::Workload { clients, interval_us } => self.set_workload(clients, interval_us),
            Action::DropMessage { id } => {
                if let Some(m) = self.in_flight.find(id).and_then(|slot| self.in_flight.remove(slot, id)) {
                    self.drop_record(id, m.from, m.to, DropReason::Manual);
                }
            }
            Action::DuplicateMessage { id } => {
                if let Some(m) = self.in_flight.find(id).and_then(|slot| self.in_flight.get(slot, id)).cloned() {
                    let copy = self.next_msg_id;
                    self.next_msg_id += 1;
                    self.stats.duplicated += 1;
                    self.record(RecordKind::Duplicate { id, copy });
                    let latency = network::draw_latency(self.net.link(m.from, m.to), &mut self.rng);
                    self.put_in_flight(copy, m.from, m.to, m.msg, latency);
                }
            }
            Action::DelayMessage { id, by_us } => {
                let Some(slot) = self.in_flight.find(id) else { return };
                if let Some(m) = self.in_flight.get_mut(slot, id) {
                    if !m.held {
                        m.deliver_us += by_us;
                        let at = m.deliver_us;
                        self.schedule_kind(at, EventKind::Deliver { id, slot });
                    }
                }
            }
            Action::Admin { node, command } => self.admin(node, command),
            Action::Say { .. } | Action::Crash { .. } | Action::Restart { .. } | Action::Resume { .. } => {}
        }
    }

    /// The live node that believes it leads (the lowest id if several do).
    pub fn believed_leader(&self) -> Option<NodeId> {
        self.nodes()
            .find(|(id, n)| !n.is_paused() && n.volatile().and_then(P::leader_hint) == Some(*id))
            .map(|(id, _)| id)
    }

    fn admin(&mut self, node: Option<NodeId>, command: String) {
        let Some(target) = node.or_else(|| self.believed_leader()) else {
            return self.record(RecordKind::Note { text: format!("{command:?} refused: no node believes it leads") });
        };
        if !self.nodes[target.index()].is_up() || self.nodes[target.index()].is_paused() {
            return self.record(RecordKind::Note { text: format!("{command:?} refused: {target} is not running") });
        }
        let mut outcome = Ok(());
        self.with_node(target, |n, disk, ctx| outcome = n.on_admin(disk, &command, ctx));
        if let Err(why) = outcome {
            self.record(RecordKind::Note { text: format!("{target} refused {command:?}: {why}") });
        }
    }

    fn heal_all(&mut self) {
        self.net.heal();
        self.net.reset_links(self.setup.link);
        for i in 0..self.nodes.len() {
            let id = NodeId::from_index(i);
            self.resume(id);
            self.restart(id);
            self.nodes[i].clock.set_rate(self.now_us, 100);
        }
        self.stable_since_us = Some(self.now_us);
    }

    fn chaos_tick(&mut self) {
        let Some(params) = self.chaos.clone() else {
            return;
        };
        if self.now_us >= params.heal_at_us {
            return;
        }
        let up: Vec<NodeId> = self.nodes().filter(|(_, n)| n.is_up()).map(|(id, _)| id).collect();
        let crashed: Vec<NodeId> = self.nodes().filter(|(_, n)| !n.is_up()).map(|(id, _)| id).collect();
        for action in params.tick(&mut self.rng, &up, &crashed, self.nodes.len(), &self.chaos_commands) {
            self.apply_action(action);
        }
        self.schedule_kind(self.now_us + chaos::CHAOS_TICK_US, EventKind::ChaosTick);
    }
}
