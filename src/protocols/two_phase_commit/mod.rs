//! # Two-phase commit with presumed abort and cooperative termination
//!
//! After Bernstein, Hadzilacos & Goodman, *Concurrency Control and Recovery in Database Systems*
//! (1987), chapter 7 ("BHG" below), and Mohan, Lindsay & Obermarck, "Transaction Management in the
//! R* Distributed Database Management System" (1986) for presumed abort.
//!
//! Node 1 is the coordinator; nodes 2.. are participants, each owning a shard of a small bank
//! ([`bank`]: accounts `2a`, `2b`, `3a`, ...). A client asks the coordinator for a transfer; the
//! coordinator starts transaction T (`begin`), sends *prepare* with each participant's legs
//! (BHG §7.3, phase 1). A participant locks the accounts it touches (no waiting: a lock held by
//! another transaction means a *no*), works for a while (`work`), then votes: *no* when it cannot
//! (a conflict, too little money, an injected or scripted no) — it aborts its part at once, as a
//! participant that votes no may (BHG §7.3 rule 3); *yes* only after it wrote its prepared record
//! (legs and the list of participants) to stable storage (§7.4: the participant must be able to
//! commit after a crash). From then on it is *in doubt*: it may not decide on its own.
//!
//! The coordinator commits when every participant voted yes and aborts otherwise or when the votes
//! do not all arrive within `vote-timeout`. It writes a commit record to stable storage *before*
//! sending the decision (§7.4); aborts are not logged: presumed abort (R* §2) — a coordinator
//! asked about a transaction it has no record of answers *abort*. A restarted coordinator therefore
//! aborts every transaction it had not logged, and re-sends every logged commit that was not yet
//! acknowledged. Participants acknowledge commits, after which the coordinator forgets them.
//!
//! A participant in doubt for `ask` asks the coordinator, then also the other participants
//! (cooperative termination, BHG §7.4): a participant that knows the outcome tells it; one that has
//! not voted aborts its part and says *abort* (it may, since it never voted yes); one that is in
//! doubt too says *uncertain*. When the coordinator is down after every participant voted yes and
//! before any of them learned the outcome, nobody can help: the participants block, holding their
//! locks, until the coordinator returns. That is the lesson 2PC teaches (and why 3PC and
//! Paxos Commit exist), not a bug; the checker counts such runs as *blocked*.
//!
//! Its own observation events (`begin`, `vote`, `decide`) are in `events.rs`.

mod config;
mod coordinator;
mod events;
mod messages;
mod participant;
mod properties;
mod state;
mod view;

pub use config::{Bugs, TpcConfig, BUGS, OPTIONS};
pub use events::{Decision, TpcEvent};
pub use messages::{Prepare, TpcMsg};
pub use state::*;

use crate::apps::bank::{self, Bank, BankShape, Leg};
use crate::core::options::{planted_bug, OptionReader};
use crate::core::TextMap;
use crate::core::{
    BugInfo, ClientReply, ClientRequest, Cluster, Ctx, Disk, LogEntryView, LogView, NodeId, NodeSummary, OptionInfo,
    Protocol, RequestId, Text, TimeUs, US_PER_MS, US_PER_S,
};
use litemap::LiteMap;
use std::collections::VecDeque;

/// The coordinator is always node 1.
pub const COORDINATOR: NodeId = NodeId(1);
/// Transactions a coordinator runs at once; more are refused ("busy").
const IN_FLIGHT_MAX: usize = 256;
/// Outcomes a participant remembers for answering other participants (older ones are forgotten,
/// and a question about one of those is answered "uncertain").
const OUTCOMES_MAX: usize = 1_024;
/// Client sessions the coordinator remembers (so a retried transfer runs once).
const SESSIONS_MAX: usize = 1_024;
/// The most transactions one run may start (the coordinator's record of commits is a bitmap).
pub const TXNS_MAX: u64 = 1 << 22;
/// Transactions each node's timeline keeps.
const RECENT_MAX: usize = 40;

#[derive(Clone, Debug)]
pub struct TwoPhaseCommit {
    id: NodeId,
    config: TpcConfig,
    // Coordinator.
    txns: LiteMap<u64, CoordTxn>,
    /// Transactions presumed aborted since the restart (so each is announced once).
    presumed: LiteMap<u64, ()>,
    // Participant.
    working: LiteMap<u64, Working>,
    /// Prepared transactions in doubt, with the questions asked about each.
    in_doubt: LiteMap<u64, u32>,
    /// Scripted no votes still to cast (operator command `vote-no`).
    scripted_no: u32,
    /// The newest transactions this node took part in, with their state here.
    recent: VecDeque<(u64, TxnState)>,
}

impl TwoPhaseCommit {
    fn is_coordinator(&self) -> bool {
        self.id == COORDINATOR
    }

    fn note(&mut self, txn: u64, state: TxnState) {
        if let Some(r) = self.recent.iter_mut().find(|(t, _)| *t == txn) {
            r.1 = state;
            return;
        }
        self.recent.push_back((txn, state));
        while self.recent.len() > RECENT_MAX {
            self.recent.pop_front();
        }
    }

    // ---- coordinator -------------------------------------------------------------------------
}

impl Protocol for TwoPhaseCommit {
    type Msg = TpcMsg;
    type Timer = TpcTimer;
    type Durable = TpcDurable;
    type Config = TpcConfig;
    type Event = TpcEvent;
    type App = Bank;

    const NAME: &'static str = "2pc";
    const ABOUT: &'static str =
        "Two-phase commit of bank transfers across shards, presumed abort, cooperative termination (BHG 1987, ch. 7)";

    fn bugs() -> &'static [BugInfo] {
        BUGS
    }
    fn options() -> &'static [OptionInfo] {
        OPTIONS
    }
    fn configure(cluster: &Cluster, bug: Option<&str>, options: &TextMap) -> Result<TpcConfig, String> {
        TpcConfig::new(cluster, bug, options)
    }

    fn boot(
        id: NodeId,
        _cluster: &Cluster,
        config: &TpcConfig,
        disk: &mut Disk<TpcDurable>,
        ctx: &mut Ctx<'_, Self>,
    ) -> Self {
        let mut node = TwoPhaseCommit {
            id,
            config: config.clone(),
            txns: LiteMap::new(),
            presumed: LiteMap::new(),
            working: LiteMap::new(),
            in_doubt: LiteMap::new(),
            scripted_no: 0,
            recent: VecDeque::new(),
        };
        if !disk.read().opened {
            let d = disk.write();
            d.opened = true;
            if id != COORDINATOR {
                for (_, account) in config.accounts().filter(|(n, _)| *n == id) {
                    d.balances.insert(account, config.balance);
                }
            }
        }
        if node.is_coordinator() {
            // Logged commits not acknowledged by everyone are sent again.
            let log: Vec<(u64, CommitRecord)> = disk.read().log.iter().map(|(t, r)| (*t, r.clone())).collect();
            for (txn, record) in log {
                for &p in &record.participants {
                    ctx.send(p, TpcMsg::Outcome { txn, decision: Decision::Commit });
                }
                node.txns.insert(
                    txn,
                    CoordTxn {
                        legs: record.participants.iter().map(|p| (*p, Vec::new())).collect(),
                        votes: LiteMap::new(),
                        phase: CoordPhase::Committed(record.participants.to_vec()),
                        requests: Vec::new(),
                        client: (record.client, record.seq),
                        op: Text::default(),
                    },
                );
                node.note(txn, TxnState::Committed);
                ctx.set_timer(TpcTimer::Resend(txn), config.retry_us);
            }
        } else {
            // Prepared transactions are still in doubt: ask at once.
            let prepared: Vec<u64> = disk.read().prepared.keys().copied().collect();
            for txn in prepared {
                node.in_doubt.insert(txn, 0);
                node.note(txn, TxnState::Prepared);
                ctx.set_timer(TpcTimer::Ask(txn), 0);
            }
        }
        node
    }

    fn on_message(&mut self, disk: &mut Disk<TpcDurable>, from: NodeId, msg: TpcMsg, ctx: &mut Ctx<'_, Self>) {
        match msg {
            TpcMsg::Prepare(prepare) if !self.is_coordinator() => self.on_prepare(disk, from, prepare, ctx),
            TpcMsg::Vote { txn, yes } if self.is_coordinator() => self.on_vote(disk, from, txn, yes, ctx),
            TpcMsg::Ack { txn } if self.is_coordinator() => self.on_ack(disk, from, txn, ctx),
            TpcMsg::Outcome { txn, decision } if !self.is_coordinator() => {
                self.on_outcome(disk, from, txn, decision, ctx)
            }
            TpcMsg::Ask { txn } => {
                if self.is_coordinator() {
                    self.answer_as_coordinator(disk, from, txn, ctx)
                } else {
                    self.answer_as_participant(disk, from, txn, ctx)
                }
            }
            _ => {} // Uncertain: keep asking; anything sent to the wrong role: ignored
        }
    }

    fn on_timer(&mut self, disk: &mut Disk<TpcDurable>, timer: TpcTimer, ctx: &mut Ctx<'_, Self>) {
        match timer {
            TpcTimer::Work(txn) => self.on_work_done(disk, txn, ctx),
            TpcTimer::Votes(txn) => {
                if self.txns.get(&txn).is_some_and(|t| t.phase == CoordPhase::Collecting) {
                    self.abort(txn, "votes timed out".into(), ctx);
                }
            }
            TpcTimer::Resend(txn) => {
                if let Some(CoordPhase::Committed(unacked)) = self.txns.get(&txn).map(|t| &t.phase) {
                    for &p in unacked {
                        ctx.send(p, TpcMsg::Outcome { txn, decision: Decision::Commit });
                    }
                    ctx.set_timer(TpcTimer::Resend(txn), self.config.retry_us);
                }
            }
            TpcTimer::Ask(txn) => self.ask(disk, txn, ctx),
        }
    }

    fn on_client_request(&mut self, disk: &mut Disk<TpcDurable>, request: ClientRequest, ctx: &mut Ctx<'_, Self>) {
        if self.is_coordinator() {
            self.begin(disk, request, ctx);
        } else {
            ctx.reply(request.id, ClientReply::Redirect(Some(COORDINATOR)));
        }
    }

    fn leader_hint(&self) -> Option<NodeId> {
        Some(COORDINATOR)
    }

    fn admin_commands() -> &'static [(&'static str, &'static str)] {
        &[("vote-no", "this participant votes no on the next transaction it prepares")]
    }

    fn on_admin(
        &mut self,
        _disk: &mut Disk<TpcDurable>,
        command: &str,
        _ctx: &mut Ctx<'_, Self>,
    ) -> Result<(), String> {
        match command.trim() {
            "vote-no" if self.is_coordinator() => {
                Err("the coordinator does not vote: send vote-no to a participant".into())
            }
            "vote-no" => {
                self.scripted_no = (self.scripted_no + 1).min(1_000);
                Ok(())
            }
            other => Err(format!("2pc has no operator command {other:?}: use vote-no")),
        }
    }

    fn app_shape(config: &TpcConfig) -> BankShape {
        BankShape { node_count: config.node_count, accounts: config.accounts }
    }
    fn summary(volatile: Option<&Self>, disk: &TpcDurable) -> NodeSummary {
        view::summary(volatile, disk)
    }

    fn log_view(volatile: Option<&Self>, disk: &TpcDurable, tail: usize) -> Option<LogView> {
        view::log_view(volatile, disk, tail)
    }

    fn cluster_facts(config: &TpcConfig, disks: &[&TpcDurable]) -> Vec<(String, String)> {
        view::cluster_facts(config, disks)
    }
}
