//! Single-decree Basic Paxos (Paxos Made Simple §2): slot 0 only.

use super::{
    ballot_text, highest_reported, Acceptor, Ballot, PaxosConfig, PaxosDurable, PaxosEvent, PaxosMsg, BUGS, OPTIONS,
};
use crate::core::TextMap;
use crate::core::{
    BugInfo, ClientReply, ClientRequest, Cluster, Ctx, Disk, LogView, NodeId, NodeSummary, OptionInfo, Protocol,
    RequestId,
};
use crate::core::{LiteSet, Text};
use litemap::LiteMap;

/// Clients a proposer keeps waiting for the decision.
const WAITING_MAX: usize = 64;

#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum PaxosTimer {
    /// A proposer's phase timed out, or its back-off ended: try again with a higher ballot.
    Retry,
    /// A proposer that knows the decision re-sends it to learners that have not acknowledged.
    Announce,
    /// A learner that knows nothing asks the proposers.
    Ask,
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Phase {
    Idle,
    /// Phase 1: waiting for promises.
    Preparing,
    /// Phase 2: waiting for acceptances.
    Accepting,
    /// The proposer knows the chosen value.
    Decided,
}

impl Phase {
    fn as_str(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Preparing => "preparing",
            Phase::Accepting => "accepting",
            Phase::Decided => "decided",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Paxos {
    id: NodeId,
    config: PaxosConfig,
    acceptor: Acceptor,
    // Proposer.
    phase: Phase,
    ballot: Ballot,
    /// The highest round seen in any refusal, so the next ballot beats it.
    highest_round: u64,
    /// The value this proposer wants chosen: the first client command it got.
    own_value: Option<Text>,
    /// The value it proposes in phase 2.
    proposing: Option<Text>,
    promises: LiteMap<NodeId, Vec<(u64, Ballot, Text)>>,
    waiting: Vec<RequestId>,
    /// Learners that have not acknowledged the decision.
    unannounced: LiteSet<NodeId>,
    rounds: u64,
    // Learner (and proposer): acceptances seen per ballot, and the value learned.
    seen: LiteMap<Ballot, (Text, LiteSet<NodeId>)>,
    chosen: Option<Text>,
}

impl Paxos {
    fn is(&self, role: &[NodeId]) -> bool {
        role.contains(&self.id)
    }

    /// Phase 1a with a ballot higher than any this node used or saw (persisted first, §2.5).
    fn start_round(&mut self, disk: &mut Disk<PaxosDurable>, ctx: &mut Ctx<'_, Self>) {
        let round = disk.read().round.max(self.highest_round) + 1;
        disk.write().round = round;
        self.rounds += 1;
        self.ballot = Ballot(round, self.id.0);
        self.phase = Phase::Preparing;
        self.promises.clear();
        for &a in &self.config.acceptors {
            ctx.send(a, PaxosMsg::Prepare { from: 0, ballot: self.ballot });
        }
        ctx.set_timer(PaxosTimer::Retry, self.config.retry_us);
    }

    /// After a refusal or a timeout: retry at once, or after a random back-off (§2.4).
    fn retry_later(&mut self, disk: &mut Disk<PaxosDurable>, ctx: &mut Ctx<'_, Self>) {
        if self.config.backoff {
            self.phase = Phase::Idle;
            let wait = ctx.random_us(self.config.retry_us / 10, self.config.retry_us * 2);
            ctx.set_timer(PaxosTimer::Retry, wait);
        } else {
            self.start_round(disk, ctx);
        }
    }

    fn learn(&mut self, value: Text, ctx: &mut Ctx<'_, Self>) {
        if self.chosen.is_some() {
            return;
        }
        if self.is(&self.config.learners) {
            ctx.event(PaxosEvent::Chosen { slot: 0, value: value.clone() });
        }
        self.chosen = Some(value.clone());
        ctx.cancel_timer(PaxosTimer::Ask);
        if self.is(&self.config.proposers) {
            self.phase = Phase::Decided;
            ctx.cancel_timer(PaxosTimer::Retry);
            for request in std::mem::take(&mut self.waiting) {
                ctx.reply(request, ClientReply::Ok(format!("chosen: {value}").into()));
            }
            self.unannounced = self.config.learners.iter().copied().filter(|&l| l != self.id).collect();
            self.announce(ctx);
        }
    }

    fn announce(&mut self, ctx: &mut Ctx<'_, Self>) {
        let Some(value) = self.chosen.clone() else { return };
        for &l in &self.unannounced {
            ctx.send(l, PaxosMsg::Chosen { slot: 0, value: value.clone() });
        }
        if !self.unannounced.is_empty() {
            ctx.set_timer(PaxosTimer::Announce, self.config.retry_us);
        }
    }

    fn on_accepted(&mut self, from: NodeId, ballot: Ballot, value: Text, ctx: &mut Ctx<'_, Self>) {
        // A majority of acceptors accepted one ballot's value (§2.3). Acceptors tell the ballot's
        // proposer as well as the learners, so this one tally serves both roles.
        let entry = self.seen.entry(ballot).or_insert_with(|| (value, LiteSet::new()));
        entry.1.insert(from);
        if entry.1.len() >= self.config.quorum() {
            let v = entry.0.clone();
            self.learn(v, ctx);
        }
    }
}

impl Protocol for Paxos {
    type Msg = PaxosMsg;
    type Timer = PaxosTimer;
    type Durable = PaxosDurable;
    type Config = PaxosConfig;
    type Event = PaxosEvent;
    type App = crate::apps::kv::KvStore;

    const NAME: &'static str = "paxos";
    const ABOUT: &'static str = "Basic Paxos: one value chosen by proposers, acceptors and learners (Lamport 2001, §2)";

    fn bugs() -> &'static [BugInfo] {
        BUGS
    }
    fn options() -> &'static [OptionInfo] {
        OPTIONS
    }
    fn configure(cluster: &Cluster, bug: Option<&str>, options: &TextMap) -> Result<PaxosConfig, String> {
        PaxosConfig::new(cluster, bug, options)
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
        let node = Paxos {
            id,
            config: config.clone(),
            acceptor: Acceptor::boot(disk, config.bugs.forget_promise),
            phase: Phase::Idle,
            ballot: Ballot::default(),
            highest_round: 0,
            own_value: None,
            proposing: None,
            promises: LiteMap::new(),
            waiting: Vec::new(),
            unannounced: LiteSet::new(),
            rounds: 0,
            seen: LiteMap::new(),
            chosen: None,
        };
        if node.is(&config.learners) {
            ctx.set_timer(PaxosTimer::Ask, config.retry_us * 5);
        }
        node
    }

    fn on_message(&mut self, disk: &mut Disk<PaxosDurable>, from: NodeId, msg: PaxosMsg, ctx: &mut Ctx<'_, Self>) {
        match msg {
            PaxosMsg::Prepare { from: slot, ballot } if self.is(&self.config.acceptors) => {
                self.acceptor.on_prepare(disk, from, slot, ballot, ctx);
                // Without back-off a proposer that sees a rival's higher ballot outbids it at
                // once: each preempts the other's phase 2 and nothing is chosen (§2.4).
                let busy = matches!(self.phase, Phase::Preparing | Phase::Accepting);
                if !self.config.backoff && busy && from != self.id && ballot > self.ballot {
                    self.highest_round = self.highest_round.max(ballot.0);
                    self.start_round(disk, ctx);
                }
            }
            PaxosMsg::Promise { ballot, accepted, .. } => {
                if self.phase != Phase::Preparing || ballot != self.ballot {
                    return;
                }
                self.promises.insert(from, accepted);
                if self.promises.len() < self.config.quorum() {
                    return;
                }
                // P2c (§2.2): the value of the highest-numbered proposal reported, else our own.
                let reported = highest_reported(&self.promises).remove(&0).map(|(_, v)| v);
                let own = self.own_value.clone().unwrap_or_default();
                let value = if self.config.bugs.ignore_accepted { own } else { reported.unwrap_or(own) };
                self.proposing = Some(value.clone());
                self.phase = Phase::Accepting;
                for &a in &self.config.acceptors {
                    ctx.send(a, PaxosMsg::Accept { slot: 0, ballot, value: value.clone() });
                }
                ctx.set_timer(PaxosTimer::Retry, self.config.retry_us);
            }
            PaxosMsg::Accept { slot, ballot, value } if self.is(&self.config.acceptors) => {
                let accepted = self.acceptor.on_accept(disk, from, slot, ballot, &value, ctx);
                if accepted {
                    // To the proposer and to every learner (§2.3).
                    let mut to: LiteSet<NodeId> = self.config.learners.iter().copied().collect();
                    to.insert(from);
                    for t in to {
                        ctx.send(t, PaxosMsg::Accepted { slot, ballot, value: value.clone() });
                    }
                }
            }
            PaxosMsg::Accepted { ballot, value, .. } => self.on_accepted(from, ballot, value, ctx),
            PaxosMsg::Nack { ballot, promised } => {
                self.highest_round = self.highest_round.max(promised.0);
                if ballot == self.ballot && matches!(self.phase, Phase::Preparing | Phase::Accepting) {
                    self.retry_later(disk, ctx);
                }
            }
            PaxosMsg::Chosen { value, .. } => {
                ctx.send(from, PaxosMsg::ChosenAck { slot: 0 });
                self.learn(value, ctx);
            }
            PaxosMsg::ChosenAck { .. } => {
                self.unannounced.remove(&from);
            }
            PaxosMsg::CatchUp { .. } => {
                if let (Some(value), true) = (self.chosen.clone(), self.is(&self.config.proposers)) {
                    ctx.send(from, PaxosMsg::Chosen { slot: 0, value });
                }
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, disk: &mut Disk<PaxosDurable>, timer: PaxosTimer, ctx: &mut Ctx<'_, Self>) {
        match timer {
            PaxosTimer::Retry => {
                if self.phase != Phase::Decided && self.own_value.is_some() {
                    self.start_round(disk, ctx);
                }
            }
            PaxosTimer::Announce => self.announce(ctx),
            PaxosTimer::Ask => {
                if self.chosen.is_none() {
                    for &p in self.config.proposers.iter().filter(|&&p| p != self.id) {
                        ctx.send(p, PaxosMsg::CatchUp { from: 0 });
                    }
                    ctx.set_timer(PaxosTimer::Ask, self.config.retry_us * 5);
                }
            }
        }
    }

    fn on_client_request(&mut self, disk: &mut Disk<PaxosDurable>, request: ClientRequest, ctx: &mut Ctx<'_, Self>) {
        if !self.is(&self.config.proposers) {
            // Spread clients over the proposers, so that several can duel.
            let p = self.config.proposers[request.command.client as usize % self.config.proposers.len()];
            return ctx.reply(request.id, ClientReply::Redirect(Some(p)));
        }
        if let Some(value) = &self.chosen {
            return ctx.reply(request.id, ClientReply::Ok(format!("chosen: {value}").into()));
        }
        if self.waiting.len() >= WAITING_MAX {
            return ctx.reply(request.id, ClientReply::Fail("proposer busy".into()));
        }
        self.waiting.push(request.id);
        if self.own_value.is_none() {
            self.own_value = Some(request.command.text());
        }
        if self.phase == Phase::Idle {
            self.start_round(disk, ctx);
        }
    }

    fn summary(volatile: Option<&Self>, disk: &PaxosDurable) -> NodeSummary {
        let a = &disk.acceptor;
        let mut fields = vec![
            ("promised".to_string(), ballot_text(a.promised)),
            (
                "accepted".to_string(),
                a.accepted.get(&0).map_or("-".into(), |(b, v)| format!("{} {v:?}", ballot_text(*b))),
            ),
            ("proposer round".to_string(), disk.round.to_string()),
        ];
        let Some(n) = volatile else {
            return NodeSummary {
                role: "crashed".into(),
                term: a.promised.0,
                fields,
                badges: Vec::new(),
                caption: None,
            };
        };
        let badges = super::badges(&n.config, n.id);
        if n.is(&n.config.acceptors) {
            // The acceptor's working copy (it differs from the disk under the planted bug).
            fields[0].1 = ballot_text(n.acceptor.state.promised);
        }
        if n.is(&n.config.proposers) {
            fields.push(("phase".into(), n.phase.as_str().into()));
            fields.push(("ballot".into(), ballot_text(n.ballot)));
            fields.push(("own value".into(), n.own_value.as_deref().unwrap_or("-").to_string()));
            fields.push(("proposing".into(), n.proposing.as_deref().unwrap_or("-").to_string()));
            fields.push(("promises".into(), n.promises.keys().map(|k| k.0.to_string()).collect::<Vec<_>>().join(",")));
            fields.push((
                "accepted by".into(),
                n.seen
                    .get(&n.ballot)
                    .into_iter()
                    .flat_map(|(_, by)| by)
                    .map(|k| k.0.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            ));
            fields.push(("rounds tried".into(), n.rounds.to_string()));
        }
        fields.push(("learned".into(), n.chosen.as_deref().unwrap_or("-").to_string()));
        let role = if n.is(&n.config.proposers) && n.phase != Phase::Idle {
            n.phase.as_str()
        } else if n.is(&n.config.proposers) {
            "proposer"
        } else if n.is(&n.config.acceptors) {
            "acceptor"
        } else {
            "learner"
        };
        NodeSummary {
            role: role.into(),
            term: a.promised.0.max(n.acceptor.state.promised.0),
            fields,
            badges,
            caption: None,
        }
    }

    fn log_view(volatile: Option<&Self>, disk: &PaxosDurable, _tail: usize) -> Option<LogView> {
        let state = volatile.map_or(&disk.acceptor, |n| &n.acceptor.state);
        let entries = state
            .accepted
            .iter()
            .map(|(&slot, (b, v))| super::slot_view(slot, *b, format!("{v} @{}", ballot_text(*b))))
            .collect();
        let quorum = volatile.map(|n| n.config.acceptors.len() / 2 + 1);
        Some(LogView { entries, commit: None, quorum, style: super::GRID, ..LogView::default() })
    }
}
