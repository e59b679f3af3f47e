//! The deterministic simulator: virtual time, one seeded RNG, the network, node faults, clients
//! and the records of everything that happens. Nothing else in the project owns time or
//! randomness.
//!
//! Every input is an event in one queue ordered by (virtual time, sequence number), so a run is a
//! function of (seed, setup, actions): the same triple gives the same records, natively and in
//! the browser.

pub mod action;
mod actions;
pub mod chaos;
mod clients;
pub mod config;
mod delivery;
pub mod network;
mod node;
mod queue;
mod reads;
mod recording;
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
    /// was a good part of a long chaos run).
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
        // than a `drain(..)` and its drop.
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
}
