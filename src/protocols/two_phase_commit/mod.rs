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

mod events;
mod messages;

pub use events::{Decision, TpcEvent};
pub use messages::TpcMsg;

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

pub const BUGS: &[BugInfo] = &[
    BugInfo {
        name: "no-decision-log",
        what: "the coordinator sends its decision without logging it, so after a restart it presumes abort for a transaction it committed",
    },
    BugInfo {
        name: "abort-after-yes",
        what: "a prepared participant that times out in doubt aborts on its own, though the coordinator may have committed",
    },
    BugInfo {
        name: "commit-on-majority",
        what: "the coordinator commits once a majority of participants voted yes, overriding a no",
    },
];

pub const OPTIONS: &[OptionInfo] = &[
    OptionInfo {
        key: "accounts",
        default: "2",
        what: "accounts per participant (1 to 8), each starting with the balance",
    },
    OptionInfo { key: "balance", default: "100", what: "each account's starting balance" },
    OptionInfo {
        key: "no-vote",
        default: "5%",
        what: "the chance that a participant votes no for no reason of its own (0% to 100%)",
    },
    OptionInfo { key: "work", default: "5ms", what: "how long a participant works on its part before it votes" },
    OptionInfo {
        key: "vote-timeout",
        default: "150ms",
        what: "the coordinator aborts a transaction whose votes are not all in after this long",
    },
    OptionInfo {
        key: "ask",
        default: "100ms",
        what: "a participant in doubt this long asks for the outcome (and again after each such interval)",
    },
    OptionInfo {
        key: "retry",
        default: "100ms",
        what: "the coordinator re-sends a commit to participants that have not acknowledged it after this long",
    },
    OptionInfo {
        key: "cooperative",
        default: "on",
        what: "participants in doubt also ask each other (cooperative termination); off: only the coordinator",
    },
];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bugs {
    pub no_decision_log: bool,
    pub abort_after_yes: bool,
    pub commit_on_majority: bool,
}

#[derive(Clone, Debug)]
pub struct TpcConfig {
    pub node_count: usize,
    pub accounts: usize,
    pub balance: i64,
    /// Chance of a no vote, in parts per million.
    pub no_vote_ppm: u32,
    pub work_us: TimeUs,
    pub vote_timeout_us: TimeUs,
    pub ask_us: TimeUs,
    pub retry_us: TimeUs,
    pub cooperative: bool,
    pub bugs: Bugs,
}

impl TpcConfig {
    pub fn new(cluster: &Cluster, bug: Option<&str>, options: &TextMap) -> Result<Self, String> {
        if cluster.len() < 2 {
            return Err("two-phase commit needs at least 2 nodes: the coordinator (node 1) and a participant".into());
        }
        let mut bugs = Bugs::default();
        match planted_bug(TwoPhaseCommit::NAME, bug, BUGS)? {
            Some("no-decision-log") => bugs.no_decision_log = true,
            Some("abort-after-yes") => bugs.abort_after_yes = true,
            Some("commit-on-majority") => bugs.commit_on_majority = true,
            _ => {}
        }
        let mut config = TpcConfig {
            node_count: cluster.len(),
            accounts: 2,
            balance: 100,
            no_vote_ppm: 50_000,
            work_us: 5 * US_PER_MS,
            vote_timeout_us: 150 * US_PER_MS,
            ask_us: 100 * US_PER_MS,
            retry_us: 100 * US_PER_MS,
            cooperative: true,
            bugs,
        };
        let o = OptionReader::new(TwoPhaseCommit::NAME, OPTIONS, options)?;
        o.set_number("accounts", &mut config.accounts, 1..=bank::ACCOUNTS_MAX)?;
        o.set_number("balance", &mut config.balance, 0..=1_000_000_000)?;
        o.set_percent("no-vote", &mut config.no_vote_ppm)?;
        o.set_duration("work", &mut config.work_us, 0..=60 * US_PER_S)?;
        o.set_duration("vote-timeout", &mut config.vote_timeout_us, US_PER_MS..=60 * US_PER_S)?;
        o.set_duration("ask", &mut config.ask_us, US_PER_MS..=60 * US_PER_S)?;
        o.set_duration("retry", &mut config.retry_us, US_PER_MS..=60 * US_PER_S)?;
        o.set_on_off("cooperative", &mut config.cooperative)?;
        Ok(config)
    }

    /// Every account and its starting balance.
    pub fn accounts(&self) -> impl Iterator<Item = (NodeId, String)> + '_ {
        (2..=self.node_count as u32)
            .flat_map(move |n| (0..self.accounts).map(move |i| (NodeId(n), bank::account_name(NodeId(n), i))))
    }

    /// The sum of every balance, which transfers conserve.
    pub fn total(&self) -> i64 {
        self.balance * self.accounts as i64 * (self.node_count as i64 - 1)
    }
}

/// A set of transaction ids as a bitmap (every commit a coordinator ever logged).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TxnBits(Vec<u64>);

impl TxnBits {
    pub fn insert(&mut self, txn: u64) {
        let word = (txn / 64) as usize;
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << (txn % 64);
    }
    pub fn contains(&self, txn: u64) -> bool {
        self.0.get((txn / 64) as usize).is_some_and(|w| w & (1 << (txn % 64)) != 0)
    }
    pub fn len(&self) -> u64 {
        self.0.iter().map(|w| u64::from(w.count_ones())).sum()
    }
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }
}

/// A participant's prepared record.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Prepared {
    pub legs: Vec<Leg>,
    pub participants: Vec<NodeId>,
}

/// A logged commit the coordinator keeps until every participant acknowledged it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CommitRecord {
    pub participants: Vec<NodeId>,
    pub client: u32,
    pub seq: u64,
}

/// What a node keeps on stable storage.
#[derive(Clone, Debug, Default, Hash)]
pub struct TpcDurable {
    /// The bank shard was set up.
    pub opened: bool,
    // Coordinator.
    pub next_txn: u64,
    /// Commit records not yet acknowledged by every participant.
    pub log: LiteMap<u64, CommitRecord>,
    /// Every transaction ever committed (presumed abort answers "abort" for the others).
    pub committed: TxnBits,
    /// Per client: the last committed command `(seq, txn)`, so a retry after a crash runs once.
    pub sessions: LiteMap<u32, (u64, u64)>,
    // Participant.
    pub balances: LiteMap<String, i64>,
    pub prepared: LiteMap<u64, Prepared>,
    /// Outcomes this participant knows (for answering others), the newest [`OUTCOMES_MAX`].
    pub outcomes: LiteMap<u64, Decision>,
    /// Outcomes of transactions up to here may have been forgotten.
    pub forgotten_upto: u64,
}

impl TpcDurable {
    fn remember(&mut self, txn: u64, decision: Decision) {
        self.outcomes.insert(txn, decision);
        while self.outcomes.len() > OUTCOMES_MAX {
            if let Some(old) = self.outcomes.first().map(|(t, _)| *t) {
                self.outcomes.remove(&old);
                self.forgotten_upto = self.forgotten_upto.max(old);
            }
        }
    }
    /// Accounts locked by prepared transactions.
    fn locked(&self) -> impl Iterator<Item = (&str, u64)> {
        self.prepared.iter().flat_map(|(t, p)| p.legs.iter().map(move |l| (l.account.as_str(), *t)))
    }
}

#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum TpcTimer {
    /// A participant finished its work on a transaction and votes.
    Work(u64),
    /// The coordinator's votes for a transaction are late: abort.
    Votes(u64),
    /// The coordinator re-sends a commit that is not acknowledged.
    Resend(u64),
    /// A participant in doubt asks for the outcome.
    Ask(u64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum CoordPhase {
    Collecting,
    /// Committed and logged; waiting for these participants' acknowledgements.
    Committed(Vec<NodeId>),
}

#[derive(Clone, Debug)]
struct CoordTxn {
    legs: Vec<(NodeId, Vec<Leg>)>,
    votes: LiteMap<NodeId, bool>,
    phase: CoordPhase,
    requests: Vec<RequestId>,
    client: (u32, u64),
    op: Text,
}

impl CoordTxn {
    fn participants(&self) -> Vec<NodeId> {
        self.legs.iter().map(|(n, _)| *n).collect()
    }
}

#[derive(Clone, Debug)]
struct Working {
    legs: Vec<Leg>,
    participants: Vec<NodeId>,
}

/// A transaction's state at one node, for the page's timeline.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TxnState {
    Collecting,
    Working,
    Prepared,
    Committed,
    Aborted,
}

impl TxnState {
    pub fn as_str(self) -> &'static str {
        match self {
            TxnState::Collecting => "collecting",
            TxnState::Working => "working",
            TxnState::Prepared => "prepared",
            TxnState::Committed => "committed",
            TxnState::Aborted => "aborted",
        }
    }
}

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

    fn begin(&mut self, disk: &mut Disk<TpcDurable>, request: ClientRequest, ctx: &mut Ctx<'_, Self>) {
        let key = (request.command.client, request.command.seq);
        if let Some((_, t)) = self.txns.iter_mut().find(|(_, t)| t.client == key) {
            t.requests.push(request.id); // a retry of a transfer in progress
            return;
        }
        if let Some(&(seq, txn)) = disk.read().sessions.get(&key.0) {
            if seq == key.1 {
                return ctx.reply(request.id, ClientReply::Ok(format!("committed T{txn}").into()));
            }
        }
        let legs = match bank::parse(&request.command.op, self.config.node_count, self.config.accounts) {
            Ok(l) => l,
            Err(e) => return ctx.reply(request.id, ClientReply::Ok(format!("rejected: {e}").into())),
        };
        if self.txns.len() >= IN_FLIGHT_MAX || disk.read().next_txn >= TXNS_MAX {
            return ctx.reply(request.id, ClientReply::Fail("busy: too many transactions".into()));
        }
        // The transaction id is persisted so a restarted coordinator never reuses one.
        let txn = disk.read().next_txn.max(1);
        disk.write().next_txn = txn + 1;
        let participants: Vec<NodeId> = legs.iter().map(|(n, _)| *n).collect();
        ctx.event(TpcEvent::Begin { txn, participants: participants.clone() });
        for (node, l) in &legs {
            ctx.send(*node, TpcMsg::Prepare { txn, legs: l.clone(), participants: participants.clone() });
        }
        ctx.set_timer(TpcTimer::Votes(txn), self.config.vote_timeout_us);
        self.note(txn, TxnState::Collecting);
        let t = CoordTxn {
            legs,
            votes: LiteMap::new(),
            phase: CoordPhase::Collecting,
            requests: vec![request.id],
            client: key,
            op: request.command.op,
        };
        self.txns.insert(txn, t);
    }

    fn on_vote(&mut self, disk: &mut Disk<TpcDurable>, from: NodeId, txn: u64, yes: bool, ctx: &mut Ctx<'_, Self>) {
        let Some(t) = self.txns.get_mut(&txn) else { return };
        if t.phase != CoordPhase::Collecting || !t.legs.iter().any(|(n, _)| *n == from) {
            return;
        }
        t.votes.insert(from, yes);
        let n = t.legs.len();
        let yes_votes = t.votes.values().filter(|v| **v).count();
        let no_votes = t.votes.len() - yes_votes;
        if self.config.bugs.commit_on_majority {
            // The planted bug: a majority of yes votes is enough, and a no only counts once a
            // majority can no longer be reached.
            if yes_votes > n / 2 {
                self.commit(disk, txn, ctx);
            } else if n - no_votes <= n / 2 {
                self.abort(txn, format!("n{} voted no", from.0), ctx);
            }
        } else if yes_votes == n {
            self.commit(disk, txn, ctx);
        } else if !yes {
            self.abort(txn, format!("n{} voted no", from.0), ctx);
        }
    }

    /// Commit: log it, then tell everyone (BHG §7.4: the decision is durable before it is sent).
    fn commit(&mut self, disk: &mut Disk<TpcDurable>, txn: u64, ctx: &mut Ctx<'_, Self>) {
        let Some(t) = self.txns.get_mut(&txn) else { return };
        let participants = t.participants();
        if !self.config.bugs.no_decision_log {
            let d = disk.write();
            d.log.insert(txn, CommitRecord { participants: participants.clone(), client: t.client.0, seq: t.client.1 });
            d.committed.insert(txn);
            d.sessions.insert(t.client.0, (t.client.1, txn));
            while d.sessions.len() > SESSIONS_MAX {
                let oldest = d.sessions.iter().min_by_key(|(_, (_, t))| *t).map(|(c, _)| *c);
                if let Some(c) = oldest {
                    d.sessions.remove(&c);
                }
            }
        }
        ctx.event(TpcEvent::Decide { txn, decision: Decision::Commit });
        t.phase = CoordPhase::Committed(participants.clone());
        for request in std::mem::take(&mut t.requests) {
            ctx.reply(request, ClientReply::Ok(format!("committed T{txn}").into()));
        }
        for &p in &participants {
            ctx.send(p, TpcMsg::Outcome { txn, decision: Decision::Commit });
        }
        ctx.cancel_timer(TpcTimer::Votes(txn));
        ctx.set_timer(TpcTimer::Resend(txn), self.config.retry_us);
        self.note(txn, TxnState::Committed);
    }

    /// Abort: not logged (presumed abort); participants that voted yes are told, the others
    /// already aborted or will when they ask.
    fn abort(&mut self, txn: u64, why: String, ctx: &mut Ctx<'_, Self>) {
        let Some(t) = self.txns.remove(&txn) else { return };
        ctx.event(TpcEvent::Decide { txn, decision: Decision::Abort });
        for request in t.requests {
            ctx.reply(request, ClientReply::Ok(format!("aborted T{txn}: {why}").into()));
        }
        for (p, _) in &t.legs {
            if t.votes.get(p) != Some(&false) {
                ctx.send(*p, TpcMsg::Outcome { txn, decision: Decision::Abort });
            }
        }
        ctx.cancel_timer(TpcTimer::Votes(txn));
        self.presumed.insert(txn, ());
        self.trim_presumed();
        self.note(txn, TxnState::Aborted);
    }

    fn trim_presumed(&mut self) {
        while self.presumed.len() > OUTCOMES_MAX {
            if let Some(old) = self.presumed.first().map(|(t, _)| *t) {
                self.presumed.remove(&old);
            }
        }
    }

    fn on_ack(&mut self, disk: &mut Disk<TpcDurable>, from: NodeId, txn: u64, ctx: &mut Ctx<'_, Self>) {
        let Some(t) = self.txns.get_mut(&txn) else { return };
        let CoordPhase::Committed(unacked) = &mut t.phase else { return };
        unacked.retain(|&p| p != from);
        if unacked.is_empty() {
            self.txns.remove(&txn);
            if disk.read().log.contains_key(&txn) {
                disk.write().log.remove(&txn); // the "end" record: every participant knows
            }
            ctx.cancel_timer(TpcTimer::Resend(txn));
        }
    }

    /// A participant asks for the outcome: the logged commit, a decided abort, or — for a
    /// transaction this coordinator has no record of — abort (presumed abort, R* §2).
    fn answer_as_coordinator(&mut self, disk: &Disk<TpcDurable>, from: NodeId, txn: u64, ctx: &mut Ctx<'_, Self>) {
        if let Some(t) = self.txns.get(&txn) {
            if matches!(t.phase, CoordPhase::Committed(_)) {
                ctx.send(from, TpcMsg::Outcome { txn, decision: Decision::Commit });
            }
            return; // still collecting votes: the decision will come
        }
        if disk.read().committed.contains(txn) {
            return ctx.send(from, TpcMsg::Outcome { txn, decision: Decision::Commit });
        }
        if txn == 0 || txn >= disk.read().next_txn.max(1) {
            return; // never started here
        }
        if self.presumed.insert(txn, ()).is_none() {
            self.trim_presumed();
            ctx.event(TpcEvent::Decide { txn, decision: Decision::Abort });
            self.note(txn, TxnState::Aborted);
        }
        ctx.send(from, TpcMsg::Outcome { txn, decision: Decision::Abort });
    }

    // ---- participant -------------------------------------------------------------------------

    fn locked_by(&self, disk: &TpcDurable, account: &str) -> Option<u64> {
        disk.locked()
            .find(|(a, _)| *a == account)
            .map(|(_, t)| t)
            .or_else(|| self.working.iter().find(|(_, w)| w.legs.iter().any(|l| l.account == account)).map(|(t, _)| *t))
    }

    fn on_prepare(
        &mut self,
        disk: &mut Disk<TpcDurable>,
        from: NodeId,
        txn: u64,
        legs: Vec<Leg>,
        participants: Vec<NodeId>,
        ctx: &mut Ctx<'_, Self>,
    ) {
        if self.working.contains_key(&txn) {
            return; // a duplicate
        }
        if disk.read().prepared.contains_key(&txn) {
            return ctx.send(from, TpcMsg::Vote { txn, yes: true }); // the vote was lost: again
        }
        if let Some(&decision) = disk.read().outcomes.get(&txn) {
            if decision == Decision::Abort {
                ctx.send(from, TpcMsg::Vote { txn, yes: false });
            }
            return;
        }
        if txn <= disk.read().forgotten_upto {
            return self.vote_no(disk, from, txn, ctx); // too old to know: no is always safe
        }
        let foreign =
            legs.iter().any(|l| bank::owner(&l.account, self.config.node_count, self.config.accounts) != Some(self.id));
        let conflict = legs.iter().any(|l| self.locked_by(disk.read(), &l.account).is_some());
        if foreign || conflict {
            return self.vote_no(disk, from, txn, ctx);
        }
        // Locks taken; the work takes a while, then the vote.
        self.working.insert(txn, Working { legs, participants });
        self.note(txn, TxnState::Working);
        ctx.set_timer(TpcTimer::Work(txn), self.config.work_us);
    }

    /// Votes no and aborts this participant's part (it may: it never voted yes).
    fn vote_no(&mut self, disk: &mut Disk<TpcDurable>, to: NodeId, txn: u64, ctx: &mut Ctx<'_, Self>) {
        self.working.remove(&txn);
        disk.write().remember(txn, Decision::Abort);
        ctx.event(TpcEvent::Vote { txn, yes: false });
        ctx.event(TpcEvent::Decide { txn, decision: Decision::Abort });
        ctx.send(to, TpcMsg::Vote { txn, yes: false });
        self.note(txn, TxnState::Aborted);
    }

    fn on_work_done(&mut self, disk: &mut Disk<TpcDurable>, txn: u64, ctx: &mut Ctx<'_, Self>) {
        let Some(w) = self.working.get(&txn) else { return };
        let short = w.legs.iter().any(|l| disk.read().balances.get(&l.account).copied().unwrap_or(0) + l.delta < 0);
        let unlucky = self.config.no_vote_ppm > 0 && ctx.random_us(0, 999_999) < u64::from(self.config.no_vote_ppm);
        let scripted = self.scripted_no > 0;
        if short || unlucky || scripted {
            self.scripted_no = self.scripted_no.saturating_sub(1);
            return self.vote_no(disk, COORDINATOR, txn, ctx);
        }
        let w = self.working.remove(&txn).expect("looked up above");
        // The prepared record is on stable storage before the yes leaves (BHG §7.4).
        disk.write().prepared.insert(txn, Prepared { legs: w.legs, participants: w.participants });
        ctx.event(TpcEvent::Vote { txn, yes: true });
        ctx.send(COORDINATOR, TpcMsg::Vote { txn, yes: true });
        self.in_doubt.insert(txn, 0);
        ctx.set_timer(TpcTimer::Ask(txn), self.config.ask_us);
        self.note(txn, TxnState::Prepared);
    }

    /// Learns the outcome of a transaction it took part in.
    fn on_outcome(
        &mut self,
        disk: &mut Disk<TpcDurable>,
        from: NodeId,
        txn: u64,
        decision: Decision,
        ctx: &mut Ctx<'_, Self>,
    ) {
        if let Some(p) = disk.read().prepared.get(&txn).cloned() {
            let d = disk.write();
            d.prepared.remove(&txn);
            if decision == Decision::Commit {
                for leg in &p.legs {
                    *d.balances.entry(leg.account.clone()).or_insert(0) += leg.delta;
                }
            }
            d.remember(txn, decision);
            ctx.event(TpcEvent::Decide { txn, decision });
            self.in_doubt.remove(&txn);
            ctx.cancel_timer(TpcTimer::Ask(txn));
            self.note(txn, if decision == Decision::Commit { TxnState::Committed } else { TxnState::Aborted });
        } else if decision == Decision::Abort && self.working.remove(&txn).is_some() {
            // Aborted before this participant voted (the coordinator timed out): release the locks.
            disk.write().remember(txn, Decision::Abort);
            ctx.event(TpcEvent::Decide { txn, decision });
            ctx.cancel_timer(TpcTimer::Work(txn));
            self.note(txn, TxnState::Aborted);
        }
        if decision == Decision::Commit && from == COORDINATOR {
            ctx.send(COORDINATOR, TpcMsg::Ack { txn });
        }
    }

    fn ask(&mut self, disk: &mut Disk<TpcDurable>, txn: u64, ctx: &mut Ctx<'_, Self>) {
        let Some(p) = disk.read().prepared.get(&txn).cloned() else {
            self.in_doubt.remove(&txn);
            return;
        };
        if self.config.bugs.abort_after_yes {
            // The planted bug: give up waiting and abort, though this participant voted yes.
            let d = disk.write();
            d.prepared.remove(&txn);
            d.remember(txn, Decision::Abort);
            ctx.event(TpcEvent::Decide { txn, decision: Decision::Abort });
            self.in_doubt.remove(&txn);
            self.note(txn, TxnState::Aborted);
            return;
        }
        let asked = self.in_doubt.entry(txn).or_insert(0);
        *asked += 1;
        let asked = *asked;
        ctx.send(COORDINATOR, TpcMsg::Ask { txn });
        // The coordinator first; from the second question on, the other participants too.
        if self.config.cooperative && asked >= 2 {
            for &peer in p.participants.iter().filter(|&&n| n != self.id) {
                ctx.send(peer, TpcMsg::Ask { txn });
            }
        }
        ctx.set_timer(TpcTimer::Ask(txn), self.config.ask_us);
    }

    /// Another participant in doubt asks (cooperative termination, BHG §7.4).
    fn answer_as_participant(&mut self, disk: &mut Disk<TpcDurable>, from: NodeId, txn: u64, ctx: &mut Ctx<'_, Self>) {
        if let Some(&decision) = disk.read().outcomes.get(&txn) {
            return ctx.send(from, TpcMsg::Outcome { txn, decision });
        }
        if disk.read().prepared.contains_key(&txn) || txn <= disk.read().forgotten_upto {
            return ctx.send(from, TpcMsg::Uncertain { txn });
        }
        // Not voted (working, or never got the prepare): abort this part, so it will vote no.
        self.working.remove(&txn);
        ctx.cancel_timer(TpcTimer::Work(txn));
        disk.write().remember(txn, Decision::Abort);
        ctx.event(TpcEvent::Decide { txn, decision: Decision::Abort });
        self.note(txn, TxnState::Aborted);
        ctx.send(from, TpcMsg::Outcome { txn, decision: Decision::Abort });
    }

    fn state_of(&self, disk: &TpcDurable, txn: u64) -> Option<TxnState> {
        if disk.prepared.contains_key(&txn) {
            return Some(TxnState::Prepared);
        }
        if self.working.contains_key(&txn) {
            return Some(TxnState::Working);
        }
        self.recent.iter().find(|(t, _)| *t == txn).map(|(_, s)| *s)
    }
}

fn list<T>(items: impl Iterator<Item = T>, none: &str) -> String
where
    T: std::fmt::Display,
{
    let v: Vec<String> = items.map(|i| i.to_string()).collect();
    if v.is_empty() {
        none.to_string()
    } else {
        v.join(", ")
    }
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
            TpcMsg::Prepare { txn, legs, participants } if !self.is_coordinator() => {
                self.on_prepare(disk, from, txn, legs, participants, ctx)
            }
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
        let mut fields: Vec<(String, String)> = Vec::new();
        let mut put = |k: &str, v: String| fields.push((k.to_string(), v));
        let coordinator = volatile.map(|n| n.is_coordinator()).unwrap_or(disk.balances.is_empty());
        if coordinator {
            match volatile {
                Some(n) => {
                    let flying = n.txns.iter().map(|(txn, t)| match &t.phase {
                        CoordPhase::Collecting => format!(
                            "T{txn} votes {}/{}{}",
                            t.votes.values().filter(|v| **v).count(),
                            t.legs.len(),
                            if t.op.is_empty() { String::new() } else { format!(" ({})", t.op) }
                        ),
                        CoordPhase::Committed(unacked) => {
                            format!("T{txn} committed, awaiting ack from {}", list(unacked.iter().map(|n| n.0), "-"))
                        }
                    });
                    put("in flight", list(flying, "none"));
                }
                None => put("in flight", "unknown (crashed)".into()),
            }
            put("commit log", list(disk.log.keys().map(|t| format!("T{t}")), "empty"));
            put("committed", disk.committed.len().to_string());
            put("next txn", format!("T{}", disk.next_txn.max(1)));
        } else {
            put("balances", list(disk.balances.iter().map(|(a, b)| format!("{a}={b}")), "none"));
            put("shard total", disk.balances.values().sum::<i64>().to_string());
            let mut locks: Vec<String> = disk.locked().map(|(a, t)| format!("{a} by T{t} (prepared)")).collect();
            if let Some(n) = volatile {
                for (t, w) in &n.working {
                    locks.extend(w.legs.iter().map(|l| format!("{} by T{t} (working)", l.account)));
                }
            }
            put("locks", list(locks.iter(), "none"));
            put("in doubt", list(disk.prepared.keys().map(|t| format!("T{t}")), "none"));
            if let Some(n) = volatile {
                put("working", list(n.working.keys().map(|t| format!("T{t}")), "none"));
                if n.scripted_no > 0 {
                    put("scripted no votes", n.scripted_no.to_string());
                }
            }
        }
        if let Some(n) = volatile {
            let recent = n.recent.iter().rev().take(6).map(|(t, s)| format!("T{t} {}", s.as_str()));
            put("recent", list(recent, "none"));
        }
        let role = if coordinator { "coordinator" } else { "participant" };
        let badges = if !coordinator && !disk.prepared.is_empty() { vec!["?".to_string()] } else { Vec::new() };
        let caption = if coordinator {
            volatile.map(|n| format!("{} txn", n.txns.len()))
        } else {
            Some(format!("Σ{}", disk.balances.values().sum::<i64>()))
        };
        NodeSummary { role: role.into(), term: 0, fields, badges, caption }
    }

    /// The transaction timeline: one entry per transaction, its state at this node.
    fn log_view(volatile: Option<&Self>, disk: &TpcDurable, tail: usize) -> Option<LogView> {
        let mut txns: LiteMap<u64, TxnState> = LiteMap::new();
        if let Some(n) = volatile {
            for &(t, s) in &n.recent {
                txns.insert(t, n.state_of(disk, t).unwrap_or(s));
            }
        }
        for &t in disk.prepared.keys() {
            txns.insert(t, TxnState::Prepared);
        }
        for &t in disk.log.keys() {
            txns.insert(t, TxnState::Committed);
        }
        let skip = txns.len().saturating_sub(tail);
        let entries = txns
            .into_iter()
            .skip(skip)
            .map(|(t, s)| LogEntryView { index: t, term: 0, text: s.as_str().to_string() })
            .collect();
        Some(LogView { entries, commit: volatile.map(|_| 0), txns: true, ..LogView::default() })
    }

    fn cluster_facts(config: &TpcConfig, disks: &[&TpcDurable]) -> Vec<(String, String)> {
        let total: i64 = disks.iter().map(|d| d.balances.values().sum::<i64>()).sum();
        let in_doubt: usize = disks.iter().map(|d| d.prepared.len()).sum();
        let locks: usize = disks.iter().map(|d| d.locked().count()).sum();
        // A transfer the coordinator committed reaches its participants one at a time: until the
        // last one applies its leg the balances alone are off by the legs still prepared. The
        // conserved sum counts those legs (disks are in node order; node 1 coordinates).
        let decided = |t: &u64| disks.first().is_some_and(|c| c.committed.contains(*t));
        let mut unapplied: Vec<u64> = Vec::new();
        let mut pending = 0i64;
        for d in disks {
            for (t, p) in d.prepared.iter().filter(|(t, _)| decided(t)) {
                pending += p.legs.iter().map(|l| l.delta).sum::<i64>();
                if let Err(at) = unapplied.binary_search(t) {
                    unapplied.insert(at, *t);
                }
            }
        }
        let total_text = if unapplied.is_empty() {
            format!("{total} (starts at {})", config.total())
        } else {
            let more = if unapplied.len() > 3 { ", …" } else { "" };
            format!(
                "{total} (starts at {}; {} counting the unapplied legs of committed {}{more})",
                config.total(),
                total + pending,
                list(unapplied.iter().take(3).map(|t| format!("T{t}")), "")
            )
        };
        vec![
            ("total".into(), total_text),
            ("prepared / in doubt".into(), in_doubt.to_string()),
            ("locks held by prepared transactions".into(), locks.to_string()),
        ]
    }
}
