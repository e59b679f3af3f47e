//! Multi-Paxos (Paxos Made Simple §3, "Implementing a State Machine").

use super::{
    ballot_text, highest_reported, Acceptor, Ballot, PaxosConfig, PaxosDurable, PaxosEvent, PaxosMsg, BUGS, OPTIONS,
};
use crate::core::TextMap;
use crate::core::{range_from, LiteSet, Text};
use crate::core::{
    BugInfo, ClientReply, ClientRequest, Cluster, Command, Ctx, Disk, LogView, NodeId, NodeSummary, Observation,
    OptionInfo, Protocol, RequestId, Shared,
};
use crate::protocols::raft::StateMachine;
use litemap::LiteMap;

/// Slots a leader keeps in phase 2 at once; more client commands wait for the client to retry.
const IN_FLIGHT_MAX: usize = 256;
/// Chosen values sent per catch-up answer.
const CATCH_UP_MAX: u64 = 64;
/// Outstanding proposals re-sent per heartbeat.
const RESEND_MAX: usize = 64;
/// A replica writes its state machine to disk every this many executed slots, so a restart
/// replays at most this many slots of its log, not the whole log.
const SNAPSHOT_EVERY: u64 = 256;
/// How far behind its newest snapshot a replica compacts its log (and an acceptor its accepted
/// proposals): a replica that far behind is sent the snapshot instead of the slots. Twice the
/// proposals a leader keeps in flight, so that a replica in step with a busy leader never is.
/// (The log held is this plus up to `SNAPSHOT_EVERY` slots, small enough that a big cluster's
/// world stays light for time travel's checkpoints.)
const COMPACT_BEHIND: u64 = 2 * IN_FLIGHT_MAX as u64;

#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum MultiTimer {
    /// A proposer that has not heard from a leader takes over (§3: "a new leader is selected").
    Election,
    /// The leader's heartbeat, which also re-sends unfinished proposals.
    Heartbeat,
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum MultiRole {
    Follower,
    /// Running phase 1 for every slot from `prepare_from` on.
    Candidate,
    Leader,
}

impl MultiRole {
    fn as_str(self) -> &'static str {
        match self {
            MultiRole::Follower => "follower",
            MultiRole::Candidate => "candidate",
            MultiRole::Leader => "leader",
        }
    }
}

#[derive(Clone, Debug)]
struct Proposal {
    value: Text,
    accepts: LiteSet<NodeId>,
}

#[derive(Clone, Debug)]
pub struct MultiPaxos {
    id: NodeId,
    config: PaxosConfig,
    acceptor: Acceptor,
    role: MultiRole,
    ballot: Ballot,
    highest_round: u64,
    /// The leader this node last heard from.
    leader: Option<(NodeId, Ballot)>,
    prepare_from: u64,
    promises: LiteMap<NodeId, Vec<(u64, Ballot, Text)>>,
    /// Acceptors that refused the current ballot.
    nacks: LiteSet<NodeId>,
    next_slot: u64,
    proposals: LiteMap<u64, Proposal>,
    /// Clients waiting for their command, by (client, seq).
    waiting: LiteMap<(u32, u64), RequestId>,
    // Replica: the chosen values are its durable log (`PaxosDurable::chosen`); `executed` and
    // the state machine are rebuilt from it at boot.
    executed: u64,
    state: StateMachine,
}

/// A command back from its log value `c{client}#{seq} {op}`; `None` for a no-op.
fn parse_value(value: &str) -> Option<Command> {
    let (client, seq) = Command::ids_of(value)?;
    let (_, op) = value.split_once(' ')?;
    Some(Command { client, seq, op: op.into() })
}

impl MultiPaxos {
    fn is(&self, role: &[NodeId]) -> bool {
        role.contains(&self.id)
    }

    /// The first slot this node does not know to be chosen.
    fn first_undecided(&self, chosen: &LiteMap<u64, Text>) -> u64 {
        let mut s = self.executed;
        while chosen.contains_key(&s) {
            s += 1;
        }
        s
    }

    fn reset_election(&self, ctx: &mut Ctx<'_, Self>) {
        if self.is(&self.config.proposers) {
            let (lo, hi) = self.config.election_us;
            let wait = ctx.random_us(lo, hi);
            ctx.set_timer(MultiTimer::Election, wait);
        }
    }

    fn step_down(&mut self, ctx: &mut Ctx<'_, Self>) {
        if self.role != MultiRole::Follower {
            self.role = MultiRole::Follower;
            self.proposals.clear();
            ctx.cancel_timer(MultiTimer::Heartbeat);
        }
        self.reset_election(ctx);
    }

    /// Phase 1 for every slot this node does not know to be chosen (§3).
    fn campaign(&mut self, disk: &mut Disk<PaxosDurable>, ctx: &mut Ctx<'_, Self>) {
        let round = disk.read().round.max(self.highest_round) + 1;
        disk.write().round = round;
        self.ballot = Ballot(round, self.id.0);
        self.role = MultiRole::Candidate;
        self.leader = None;
        self.promises.clear();
        self.nacks.clear();
        self.proposals.clear();
        self.prepare_from = self.first_undecided(&disk.read().chosen);
        for &a in &self.config.acceptors {
            ctx.send(a, PaxosMsg::Prepare { from: self.prepare_from, ballot: self.ballot });
        }
        self.reset_election(ctx);
    }

    /// Phase 1 done: re-propose each reported value, fill gaps with no-ops (§3).
    fn become_leader(&mut self, chosen: &LiteMap<u64, Text>, ctx: &mut Ctx<'_, Self>) {
        self.role = MultiRole::Leader;
        self.leader = Some((self.id, self.ballot));
        ctx.cancel_timer(MultiTimer::Election);
        let reported = highest_reported(&self.promises);
        let last = reported.last().map(|(k, _)| k).copied().max(chosen.last().map(|(k, _)| k).copied());
        // Slots below `executed` are chosen and executed; after a snapshot was installed they are
        // not in the log either, so they are skipped here rather than proposed again.
        let first = self.prepare_from.max(self.executed);
        self.next_slot = last.map_or(first, |l| (l + 1).max(first));
        for slot in first..self.next_slot {
            if chosen.contains_key(&slot) {
                continue;
            }
            let value = match reported.get(&slot) {
                // The planted bug: the leader's own choice (a no-op) instead of the reported value.
                Some(_) if self.config.bugs.ignore_accepted => Text::from(""),
                Some((_, v)) => v.clone(),
                None => Text::from(""),
            };
            self.propose(slot, value, ctx);
        }
        self.heartbeat(chosen, ctx);
    }

    fn propose(&mut self, slot: u64, value: Text, ctx: &mut Ctx<'_, Self>) {
        for &a in &self.config.acceptors {
            ctx.send(a, PaxosMsg::Accept { slot, ballot: self.ballot, value: value.clone() });
        }
        self.proposals.insert(slot, Proposal { value, accepts: LiteSet::new() });
    }

    fn heartbeat(&mut self, chosen: &LiteMap<u64, Text>, ctx: &mut Ctx<'_, Self>) {
        let chosen = self.first_undecided(chosen);
        for i in 0..self.config.node_count {
            let to = NodeId::from_index(i);
            if to != self.id {
                ctx.send(to, PaxosMsg::Heartbeat { ballot: self.ballot, chosen });
            }
        }
        for (&slot, p) in self.proposals.iter().take(RESEND_MAX) {
            for &a in &self.config.acceptors {
                if !p.accepts.contains(&a) {
                    ctx.send(a, PaxosMsg::Accept { slot, ballot: self.ballot, value: p.value.clone() });
                }
            }
        }
        ctx.set_timer(MultiTimer::Heartbeat, self.config.heartbeat_us);
    }

    /// A value is chosen for `slot`: write it to the replica's log, then execute in order.
    fn decide(&mut self, slot: u64, value: Text, disk: &mut Disk<PaxosDurable>, ctx: &mut Ctx<'_, Self>) {
        if slot < self.executed || disk.read().chosen.contains_key(&slot) {
            return;
        }
        if self.is(&self.config.learners) {
            ctx.event(PaxosEvent::Chosen { slot, value: value.clone() });
        }
        disk.write().chosen.insert(slot, value);
        self.execute(disk, ctx);
    }

    /// Executes the log's slots in order from the first not yet executed, answering the clients
    /// that wait for them, and every `SNAPSHOT_EVERY` slots writes the state machine to disk (in
    /// the same handler as the log write that let it run, so it adds no disk write of its own).
    fn execute(&mut self, disk: &mut Disk<PaxosDurable>, ctx: &mut Ctx<'_, Self>) {
        while let Some(value) = disk.read().chosen.get(&self.executed).cloned() {
            if let Some((ids, result)) = self.execute_next(&value) {
                if let Some(request) = self.waiting.remove(&ids) {
                    ctx.reply(request, ClientReply::Ok(result));
                }
            }
            if self.executed % SNAPSHOT_EVERY == 0 {
                disk.write().snapshot = Some((self.executed, self.state.clone()));
                self.compact(disk, self.executed.saturating_sub(COMPACT_BEHIND));
            }
        }
    }

    /// Log compaction: forgets the log and the accepted proposals below `below`, which this
    /// replica has executed and holds in its snapshot. The compaction point trails the snapshot
    /// by `COMPACT_BEHIND` slots so that a replica a little behind still catches up slot by slot;
    /// one further behind (or a proposer preparing or proposing there) is sent the snapshot.
    fn compact(&mut self, disk: &mut Disk<PaxosDurable>, below: u64) {
        if below > disk.read().log_from {
            cut_log(disk.write(), below);
        }
        if self.is(&self.config.acceptors) {
            self.acceptor.compact(disk, below);
        }
    }

    /// Sends this replica's snapshot to `to`, which asked about a slot below its log.
    fn send_snapshot(&self, to: NodeId, disk: &PaxosDurable, ctx: &mut Ctx<'_, Self>) {
        if let Some((upto, state)) = &disk.snapshot {
            ctx.send(to, PaxosMsg::Snapshot { upto: *upto, state: state.clone() });
        }
    }

    /// Installs another replica's snapshot of the first `upto` slots, if it reaches past what
    /// this replica executed: those slots are chosen, so the proposals for them are dropped
    /// (their clients are answered from the sessions when they retry).
    fn install(&mut self, upto: u64, state: StateMachine, disk: &mut Disk<PaxosDurable>, ctx: &mut Ctx<'_, Self>) {
        if upto <= self.executed || !self.is(&self.config.learners) {
            return;
        }
        ctx.observe(Observation::Shared(Shared::Snapshot { index: upto, term: 0 }));
        (self.executed, self.state) = (upto, state.clone());
        let on_disk = disk.write();
        on_disk.snapshot = Some((upto, state));
        cut_log(on_disk, upto);
        let dropped: Vec<u64> = self.proposals.keys().copied().filter(|&slot| slot < upto).collect();
        for slot in dropped {
            if let Some(command) = self.proposals.remove(&slot).and_then(|p| parse_value(&p.value)) {
                self.waiting.remove(&(command.client, command.seq));
            }
        }
        self.next_slot = self.next_slot.max(upto);
        self.execute(disk, ctx);
    }

    /// Executes `value`, the log's next slot: the command's (client, seq) and result, or `None`
    /// for a no-op.
    fn execute_next(&mut self, value: &str) -> Option<((u32, u64), Text)> {
        self.executed += 1;
        let command = parse_value(value)?;
        Some(((command.client, command.seq), self.state.execute(&command)))
    }

    /// At boot: the state machine from the latest snapshot, then the log after it (a replica
    /// reaches no further slot than before its crash, so this writes nothing).
    fn replay(&mut self, disk: &PaxosDurable) {
        if let Some((executed, state)) = &disk.snapshot {
            (self.executed, self.state) = (*executed, state.clone());
        }
        while let Some(value) = disk.chosen.get(&self.executed) {
            self.execute_next(value);
        }
    }
}

/// The replica's log from slot `from` on: the slots below are in its snapshot.
fn cut_log(disk: &mut PaxosDurable, from: u64) {
    disk.log_from = from;
    disk.chosen.retain(|&slot, _| slot >= from);
}

/// The node panel's log fields: the slots the replica's log holds, and where compaction cut it.
fn push_log_fields(fields: &mut Vec<(String, String)>, disk: &PaxosDurable) {
    fields.push(("log slots".into(), disk.chosen.len().to_string()));
    if disk.log_from > 0 {
        fields.push(("compacted below".into(), disk.log_from.to_string()));
    }
}

impl Protocol for MultiPaxos {
    type Msg = PaxosMsg;
    type Timer = MultiTimer;
    type Durable = PaxosDurable;
    type Config = PaxosConfig;
    type Event = PaxosEvent;
    type App = crate::apps::kv::KvStore;

    const NAME: &'static str = "multi-paxos";
    const ABOUT: &'static str =
        "Multi-Paxos: a replicated state machine with a distinguished leader (Lamport 2001, §3)";

    fn bugs() -> &'static [BugInfo] {
        BUGS
    }
    fn options() -> &'static [OptionInfo] {
        OPTIONS
    }
    fn configure(cluster: &Cluster, bug: Option<&str>, options: &TextMap) -> Result<PaxosConfig, String> {
        let config = PaxosConfig::new(cluster, bug, options)?;
        if config.proposers.iter().any(|p| !config.learners.contains(p)) {
            return Err("multi-paxos: every proposer must also be a learner (a replica), to answer its clients".into());
        }
        Ok(config)
    }
    fn node_groups(config: &PaxosConfig) -> Vec<(&'static str, Vec<NodeId>)> {
        vec![("acceptors", config.acceptors.clone())]
    }

    fn boot(
        id: NodeId,
        _cluster: &Cluster,
        config: &PaxosConfig,
        disk: &mut Disk<PaxosDurable>,
        ctx: &mut Ctx<'_, Self>,
    ) -> Self {
        let mut node = MultiPaxos {
            id,
            config: config.clone(),
            acceptor: Acceptor::boot(disk, config.bugs.forget_promise),
            role: MultiRole::Follower,
            ballot: Ballot::default(),
            highest_round: 0,
            leader: None,
            prepare_from: 0,
            promises: LiteMap::new(),
            nacks: LiteSet::new(),
            next_slot: 0,
            proposals: LiteMap::new(),
            waiting: LiteMap::new(),
            executed: 0,
            state: StateMachine::default(),
        };
        node.replay(disk.read());
        node.reset_election(ctx);
        node
    }

    fn on_message(&mut self, disk: &mut Disk<PaxosDurable>, from: NodeId, msg: PaxosMsg, ctx: &mut Ctx<'_, Self>) {
        match msg {
            PaxosMsg::Prepare { from: slot, .. } if slot < self.acceptor.state.compacted => {
                // Its proposals there are gone: a promise could not report them. The proposer
                // is behind; the snapshot brings it up to date before it tries again.
                self.send_snapshot(from, disk.read(), ctx);
            }
            PaxosMsg::Prepare { from: slot, ballot } if self.is(&self.config.acceptors) => {
                self.acceptor.on_prepare(disk, from, slot, ballot, ctx);
            }
            PaxosMsg::Accept { slot, .. } if slot < self.acceptor.state.compacted => {
                self.send_snapshot(from, disk.read(), ctx);
            }
            PaxosMsg::Promise { ballot, accepted, .. } => {
                if self.role != MultiRole::Candidate || ballot != self.ballot {
                    return;
                }
                self.promises.insert(from, accepted);
                if self.promises.len() >= self.config.quorum() {
                    self.become_leader(&disk.read().chosen, ctx);
                }
            }
            PaxosMsg::Accept { slot, ballot, value } if self.is(&self.config.acceptors) => {
                let accepted = self.acceptor.on_accept(disk, from, slot, ballot, &value, ctx);
                if accepted {
                    ctx.send(from, PaxosMsg::Accepted { slot, ballot, value });
                }
            }
            PaxosMsg::Accepted { slot, ballot, .. } => {
                if self.role != MultiRole::Leader || ballot != self.ballot {
                    return;
                }
                let quorum = self.config.quorum();
                let Some(p) = self.proposals.get_mut(&slot) else { return };
                p.accepts.insert(from);
                if p.accepts.len() >= quorum {
                    let value = p.value.clone();
                    self.proposals.remove(&slot);
                    for &l in self.config.learners.iter().filter(|&&l| l != self.id) {
                        ctx.send(l, PaxosMsg::Chosen { slot, value: value.clone() });
                    }
                    self.decide(slot, value, disk, ctx);
                }
            }
            PaxosMsg::Nack { ballot, promised } => {
                self.highest_round = self.highest_round.max(promised.0);
                // Preempted only when a majority refuses: one acceptor holding a stale higher
                // promise (from a proposer that has since crashed) does not stop the others.
                if ballot == self.ballot && self.role != MultiRole::Follower {
                    self.nacks.insert(from);
                    if self.nacks.len() >= self.config.quorum() {
                        self.step_down(ctx);
                    }
                }
            }
            PaxosMsg::Chosen { slot, value } => self.decide(slot, value, disk, ctx),
            PaxosMsg::Heartbeat { ballot, chosen } => {
                if self.leader.is_some_and(|(_, b)| b > ballot)
                    || (self.role != MultiRole::Follower && self.ballot > ballot)
                {
                    return; // a stale leader
                }
                self.highest_round = self.highest_round.max(ballot.0);
                if self.role != MultiRole::Follower && ballot > self.ballot {
                    self.step_down(ctx);
                }
                self.leader = Some((from, ballot));
                self.reset_election(ctx);
                let mine = self.first_undecided(&disk.read().chosen);
                if self.is(&self.config.learners) && mine < chosen {
                    ctx.send(from, PaxosMsg::CatchUp { from: mine });
                }
            }
            PaxosMsg::CatchUp { from: slot } => {
                let disk = disk.read();
                // Below the log: the snapshot, then the log from the snapshot's end.
                let slot = match &disk.snapshot {
                    Some((upto, _)) if slot < disk.log_from => {
                        self.send_snapshot(from, disk, ctx);
                        *upto
                    }
                    _ => slot,
                };
                for (&s, v) in range_from(&disk.chosen, &slot).take_while(|(&s, _)| s < slot + CATCH_UP_MAX) {
                    ctx.send(from, PaxosMsg::Chosen { slot: s, value: v.clone() });
                }
            }
            PaxosMsg::Snapshot { upto, state } => self.install(upto, state, disk, ctx),
            _ => {}
        }
    }

    fn on_timer(&mut self, disk: &mut Disk<PaxosDurable>, timer: MultiTimer, ctx: &mut Ctx<'_, Self>) {
        match timer {
            MultiTimer::Election => {
                if self.role != MultiRole::Leader {
                    self.campaign(disk, ctx);
                }
            }
            MultiTimer::Heartbeat => {
                if self.role == MultiRole::Leader {
                    self.heartbeat(&disk.read().chosen, ctx);
                }
            }
        }
    }

    fn on_client_request(&mut self, _disk: &mut Disk<PaxosDurable>, request: ClientRequest, ctx: &mut Ctx<'_, Self>) {
        let command = request.command;
        if self.role != MultiRole::Leader {
            let hint = self.leader.map(|(l, _)| l).filter(|&l| l != self.id);
            return ctx.reply(request.id, ClientReply::Redirect(hint));
        }
        if self.state.executed(command.client, command.seq) {
            // A retry of an executed command: its first result (the session), never twice.
            let result = self.state.execute(&command);
            return ctx.reply(request.id, ClientReply::Ok(result));
        }
        let key = (command.client, command.seq);
        let value: Text = command.text();
        let known = self.waiting.contains_key(&key) || self.proposals.values().any(|p| p.value == value);
        self.waiting.insert(key, request.id);
        if known {
            return; // already in phase 2; answer when it executes
        }
        if self.proposals.len() >= IN_FLIGHT_MAX {
            self.waiting.remove(&key);
            return ctx.reply(request.id, ClientReply::Fail("leader busy: too many commands in flight".into()));
        }
        let slot = self.next_slot;
        self.next_slot += 1;
        self.propose(slot, value, ctx);
    }

    fn summary(volatile: Option<&Self>, disk: &PaxosDurable) -> NodeSummary {
        let a = &disk.acceptor;
        let mut fields = vec![
            ("promised".to_string(), ballot_text(a.promised)),
            ("accepted slots".to_string(), a.accepted.len().to_string()),
            ("proposer round".to_string(), disk.round.to_string()),
        ];
        let Some(n) = volatile else {
            push_log_fields(&mut fields, disk);
            return NodeSummary {
                role: "crashed".into(),
                term: a.promised.0,
                fields,
                badges: Vec::new(),
                caption: None,
            };
        };
        let badges = super::badges(&n.config, n.id);
        fields[0].1 = ballot_text(n.acceptor.state.promised);
        fields.push(("leader".into(), n.leader.map_or("-".into(), |(l, b)| format!("{} {}", l.0, ballot_text(b)))));
        if n.is(&n.config.proposers) {
            fields.push(("ballot".into(), ballot_text(n.ballot)));
        }
        if n.role == MultiRole::Leader {
            fields.push(("next slot".into(), n.next_slot.to_string()));
            let inflight: Vec<String> = n.proposals.keys().take(12).map(|s| s.to_string()).collect();
            fields.push(("in phase 2".into(), inflight.join(",")));
        }
        fields.push(("executed".into(), n.executed.to_string()));
        push_log_fields(&mut fields, disk);
        let kv: Vec<String> = n.state.app.kv.iter().map(|(k, v)| format!("{k}={v}")).collect();
        fields.push(("state".into(), kv.join(" ")));
        let role = if n.is(&n.config.proposers) {
            n.role.as_str()
        } else if n.is(&n.config.acceptors) {
            "acceptor"
        } else {
            "replica"
        };
        NodeSummary { role: role.into(), term: n.acceptor.state.promised.0, fields, badges, caption: None }
    }

    fn log_view(volatile: Option<&Self>, disk: &PaxosDurable, tail: usize) -> Option<LogView> {
        let state = volatile.map_or(&disk.acceptor, |n| &n.acceptor.state);
        let last = state.accepted.last().map(|(k, _)| k).copied().unwrap_or(0);
        let from = last.saturating_sub(tail as u64);
        let entries = range_from(&state.accepted, &from)
            .map(|(&slot, (b, v))| {
                let shown = if v.is_empty() { "no-op" } else { v };
                super::slot_view(slot, *b, format!("{shown} @{}", ballot_text(*b)))
            })
            .collect();
        Some(LogView {
            entries,
            commit: volatile.map(|n| n.first_undecided(&disk.chosen)),
            quorum: volatile.map(|n| n.config.acceptors.len() / 2 + 1),
            style: super::GRID,
            ..LogView::default()
        })
    }

    fn leader_hint(&self) -> Option<NodeId> {
        if self.role == MultiRole::Leader {
            Some(self.id)
        } else {
            self.leader.map(|(l, _)| l)
        }
    }

    fn timer_label(timer: &MultiTimer) -> Option<&'static str> {
        match timer {
            MultiTimer::Election => Some("leader timeout"),
            MultiTimer::Heartbeat => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_acceptor_on_disk_is_what_it_answered_from() {
        // Acceptors persist what changed rather than a copy of their whole state: after every
        // step of a chaos run (crashes and restarts included), each running acceptor's disk holds
        // exactly its promise and accepted proposals; under the planted bug it holds nothing.
        use super::super::AcceptorState;
        use crate::sim::{FaultPreset, Setup, Simulation};
        for forget in [false, true] {
            let setup = Setup {
                seed: 4,
                bug: forget.then(|| "acceptor-forgets-promise".to_string()),
                faults: FaultPreset::Chaos,
                duration_us: 20_000_000,
                ..Setup::default()
            };
            let mut sim = Simulation::<MultiPaxos>::new(setup).unwrap();
            let mut accepted_somewhere = false;
            while sim.next_event_us().is_some_and(|t| t <= 20_000_000) && sim.step() {
                for (id, slot) in sim.nodes() {
                    let Some(node) = slot.volatile() else { continue };
                    let on_disk = &slot.disk().acceptor;
                    if forget {
                        assert_eq!(on_disk, &AcceptorState::default(), "node {id:?}");
                    } else {
                        assert_eq!(on_disk, &node.acceptor.state, "node {id:?} at {} us", sim.now_us());
                        accepted_somewhere |= !on_disk.accepted.is_empty();
                    }
                }
            }
            assert!(forget || accepted_somewhere);
        }
    }

    #[test]
    fn a_replica_rebuilds_from_its_disk_what_it_had_executed() {
        // What a replica would rebuild at a restart (its snapshot, then its log) is, at any
        // moment, what it has executed: checked every 50 steps of a chaos run with crashes, with
        // enough commands that snapshots are written (and a restart replays from one).
        use crate::sim::{FaultPreset, Setup, Simulation, Workload};
        let until = 40_000_000;
        let setup = Setup {
            seed: 2,
            faults: FaultPreset::Chaos,
            duration_us: until,
            workload: Workload { clients: 5, interval_us: 10_000, ..Workload::default() },
            ..Setup::default()
        };
        let mut sim = Simulation::<MultiPaxos>::new(setup).unwrap();
        let (mut steps, mut snapshots) = (0u64, 0u64);
        while sim.next_event_us().is_some_and(|t| t <= until) && sim.step() {
            steps += 1;
            if steps % 50 != 0 {
                continue;
            }
            for (id, slot) in sim.nodes() {
                let Some(node) = slot.volatile() else { continue };
                let mut rebuilt = MultiPaxos { executed: 0, state: StateMachine::default(), ..node.clone() };
                rebuilt.replay(slot.disk());
                assert_eq!(
                    (rebuilt.executed, &rebuilt.state),
                    (node.executed, &node.state),
                    "{id:?} at {} us",
                    sim.now_us()
                );
                snapshots = snapshots.max(slot.disk().snapshot.as_ref().map_or(0, |(at, _)| *at));
            }
        }
        assert!(snapshots >= 2 * SNAPSHOT_EVERY, "snapshots up to slot {snapshots} only");
    }

    #[test]
    fn a_compacted_acceptor_never_promises_or_accepts_below_its_cut() {
        // The compaction scenario (a replica returns 2,000 slots behind and prepares from there):
        // at every step, no node holds log or accepted proposals below its cuts, an acceptor's cut
        // is never above its log's, and no acceptor promises or accepts below its cut — it sends
        // its snapshot instead, which a lagging replica installs.
        use crate::sim::{RecordKind, Setup};
        let text = include_str!("../../../scenarios/paxos/compaction.scenario");
        let scenario = crate::scenario::parse(text).unwrap();
        let mut setup = Setup::default();
        scenario.apply_settings(&mut setup);
        let until = setup.duration_us;
        let mut world = scenario.build_world::<MultiPaxos>(setup).unwrap();
        let (mut records, mut installs, mut promises_after_cut) = (Vec::new(), 0, 0);
        while world.sim().next_event_us().is_some_and(|t| t <= until) && world.step(&mut |r| records.push(r)) {
            for r in records.drain(..) {
                let RecordKind::Observe { node, obs } = &r.kind else { continue };
                let cut = world.sim().node(*node).disk().acceptor.compacted;
                match obs {
                    Observation::Own(PaxosEvent::Promise { slot, .. } | PaxosEvent::Accept { slot, .. }) => {
                        assert!(*slot >= cut, "{node} at slot {slot}, below its cut {cut}: {obs:?}");
                        promises_after_cut += u32::from(cut > 0);
                    }
                    Observation::Shared(Shared::Snapshot { .. }) => installs += 1,
                    _ => {}
                }
            }
            for (id, slot) in world.sim().nodes() {
                let disk = slot.disk();
                let cut = disk.acceptor.compacted;
                assert!(cut <= disk.log_from, "{id:?}");
                assert!(disk.chosen.first().is_none_or(|(&s, _)| s >= disk.log_from), "{id:?}");
                assert!(disk.acceptor.accepted.first().is_none_or(|(&s, _)| s >= cut), "{id:?}");
                if let Some(node) = slot.volatile() {
                    assert_eq!(node.acceptor.state.compacted, cut, "{id:?}");
                }
            }
        }
        assert_eq!(world.violations().len(), 0, "{:?}", world.violations());
        assert!(
            installs > 0 && promises_after_cut > 0,
            "{installs} installs, {promises_after_cut} acceptances past a cut"
        );
    }

    #[test]
    fn log_values_parse_back_into_commands() {
        let c = Command { client: 12, seq: 3, op: "set k1 5".into() };
        assert_eq!(parse_value(&c.value()), Some(c));
        assert_eq!(parse_value(""), None);
    }
}
