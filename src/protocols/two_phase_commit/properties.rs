//! Properties of two-phase commit. All but `conservation` read the observation events alone
//! (`begin`, `vote`, `decide`, `crash`), so they judge any implementation that emits them;
//! `conservation` adds up the balances on every participant's stable storage.

use super::{Decision, TpcConfig, TpcEvent, TwoPhaseCommit, COORDINATOR};
use crate::check::{Checked, Property, PropertyKind, Reads};
use crate::core::{LiteSet, NodeId, Observation, TimeUs, US_PER_S};
use crate::sim::{Rec, RecordKind, Simulation};
use litemap::LiteMap;

impl Checked for TwoPhaseCommit {
    fn properties(config: &TpcConfig) -> Vec<Box<dyn Property<Self>>> {
        vec![
            Box::new(Atomicity::default()),
            Box::new(CommitNeedsAllYes::default()),
            Box::new(NoAbortAfterYes::default()),
            Box::new(DecisionDurable::default()),
            Box::new(Conservation { total: config.total(), in_flight: false }),
            Box::new(TransactionsDecide::default()),
            Box::new(Blocked::default()),
        ]
    }
}

/// What the observations say about one transaction.
#[derive(Clone, Debug, Default)]
struct Txn {
    begun_us: TimeUs,
    participants: Vec<NodeId>,
    yes: LiteMap<NodeId, TimeUs>,
    /// Each node's decision (the first it made).
    decided: LiteMap<NodeId, Decision>,
    /// Every node that ever decided abort.
    aborted: LiteSet<NodeId>,
}

/// How many of the newest transactions the properties remember in full. Older ones are
/// forgotten (memory stays bounded on long runs) unless a participant is still in doubt about
/// them; a later observation of a forgotten transaction is ignored. At most
/// [`TXNS_HELD_MAX`] are held even then.
const TXNS_KEPT: u64 = 256;
const TXNS_HELD_MAX: usize = 10_000;

impl Txn {
    /// A participant voted yes and has not learned the outcome.
    fn in_doubt(&self) -> bool {
        self.yes.keys().any(|p| !self.decided.contains_key(p))
    }
}

/// The transactions of a run as the observation events describe them.
#[derive(Clone, Debug, Default)]
struct Txns(LiteMap<u64, Txn>, Window);

/// The newest transaction seen, and what is old enough to forget.
#[derive(Clone, Copy, Debug, Default)]
struct Window {
    newest: u64,
    /// `newest / PRUNE_EVERY` when the holder last forgot old transactions.
    pruned: u64,
}

/// Old transactions are forgotten each time the newest id passes another multiple of this.
const PRUNE_EVERY: u64 = 64;

impl Window {
    /// Notes `txn`; whether it is recent enough to be looked at.
    fn admit(&mut self, txn: u64) -> bool {
        self.newest = self.newest.max(txn);
        txn + TXNS_KEPT >= self.newest
    }
    /// Once each time the newest id passes another multiple of [`PRUNE_EVERY`]: the id below
    /// which transactions may be forgotten.
    fn prune_floor(&mut self) -> Option<u64> {
        let step = self.newest / PRUNE_EVERY;
        (step > self.pruned).then(|| {
            self.pruned = step;
            self.newest.saturating_sub(TXNS_KEPT)
        })
    }
}

/// Forgets, when it is time, the entries of transactions older than the window (keys map to a
/// transaction id).
fn forget_old<K: Ord + Clone, V>(map: &mut LiteMap<K, V>, window: &mut Window, txn_of: impl Fn(&K) -> u64) {
    if let Some(floor) = window.prune_floor() {
        map.retain(|k, _| txn_of(k) >= floor);
    }
}

impl Txns {
    /// An old transaction the properties no longer remember (its observations are ignored).
    fn forgotten(&self, txn: u64) -> bool {
        !self.0.contains_key(&txn) && txn + TXNS_KEPT < self.1.newest
    }

    fn note(&mut self, record: &Rec<TwoPhaseCommit>) {
        let RecordKind::Observe { node, obs } = &record.kind else { return };
        let txn = match obs {
            Observation::Own(TpcEvent::Begin { txn, .. })
            | Observation::Own(TpcEvent::Vote { txn, .. })
            | Observation::Own(TpcEvent::Decide { txn, .. }) => *txn,
            _ => return,
        };
        if !self.1.admit(txn) && !self.0.contains_key(&txn) {
            return;
        }
        if let Some(floor) = self.1.prune_floor() {
            self.0.retain(|&id, t| id >= floor || t.in_doubt());
            // The oldest go first (the map is in id order).
            let mut excess = self.0.len().saturating_sub(TXNS_HELD_MAX);
            self.0.retain(|_, _| {
                let keep = excess == 0;
                excess = excess.saturating_sub(1);
                keep
            });
        }
        match obs {
            Observation::Own(TpcEvent::Begin { txn, participants }) => {
                let t = self.0.entry(*txn).or_default();
                t.begun_us = record.t;
                t.participants = participants.clone();
            }
            Observation::Own(TpcEvent::Vote { txn, yes: true }) => {
                self.0.entry(*txn).or_default().yes.entry(*node).or_insert(record.t);
            }
            Observation::Own(TpcEvent::Decide { txn, decision }) => {
                let t = self.0.entry(*txn).or_default();
                t.decided.entry(*node).or_insert(*decision);
                if *decision == Decision::Abort {
                    t.aborted.insert(*node);
                }
            }
            _ => {}
        }
    }
}

fn decide(record: &Rec<TwoPhaseCommit>) -> Option<(NodeId, u64, Decision)> {
    match &record.kind {
        RecordKind::Observe { node, obs: Observation::Own(TpcEvent::Decide { txn, decision }) } => {
            Some((*node, *txn, *decision))
        }
        _ => None,
    }
}

fn word(d: Decision) -> &'static str {
    d.as_str()
}

/// No transaction is both committed and aborted anywhere.
#[derive(Clone, Debug, Default)]
struct Atomicity {
    first: LiteMap<u64, (NodeId, Decision)>,
    window: Window,
}

impl Property<TwoPhaseCommit> for Atomicity {
    fn name(&self) -> &str {
        "atomicity"
    }
    fn explain(&self) -> &str {
        "no transaction is committed at one node and aborted at another"
    }
    fn reads(&self) -> Reads {
        Reads::OBSERVE
    }
    fn observe(&mut self, record: &Rec<TwoPhaseCommit>, _sim: &Simulation<TwoPhaseCommit>) -> Result<(), String> {
        let Some((node, txn, decision)) = decide(record) else { return Ok(()) };
        if !self.window.admit(txn) && !self.first.contains_key(&txn) {
            return Ok(());
        }
        match self.first.get(&txn) {
            None => {
                self.first.insert(txn, (node, decision));
                forget_old(&mut self.first, &mut self.window, |&id| id);
                Ok(())
            }
            Some(&(n, d)) if d != decision => {
                Err(format!("T{txn}: n{} decided {} after n{} decided {}", node.0, word(decision), n.0, word(d)))
            }
            Some(_) => Ok(()),
        }
    }
}

/// A commit decision needs a yes vote from every participant.
#[derive(Clone, Debug, Default)]
struct CommitNeedsAllYes {
    txns: Txns,
}

impl Property<TwoPhaseCommit> for CommitNeedsAllYes {
    fn name(&self) -> &str {
        "commit-needs-all-yes"
    }
    fn explain(&self) -> &str {
        "a transaction commits only after every one of its participants voted yes"
    }
    fn reads(&self) -> Reads {
        Reads::OBSERVE
    }
    fn observe(&mut self, record: &Rec<TwoPhaseCommit>, _sim: &Simulation<TwoPhaseCommit>) -> Result<(), String> {
        self.txns.note(record);
        let Some((node, txn, Decision::Commit)) = decide(record) else { return Ok(()) };
        if self.txns.forgotten(txn) {
            return Ok(());
        }
        let t = self.txns.0.get(&txn).cloned().unwrap_or_default();
        let missing: Vec<String> =
            t.participants.iter().filter(|p| !t.yes.contains_key(p)).map(|p| format!("n{}", p.0)).collect();
        if t.participants.is_empty() {
            return Err(format!("T{txn}: n{} decided commit for a transaction that never began", node.0));
        }
        if !missing.is_empty() {
            return Err(format!("T{txn}: n{} decided commit without a yes vote from {}", node.0, missing.join(", ")));
        }
        Ok(())
    }
}

/// A participant that voted yes aborts only when somebody else decided abort first.
#[derive(Clone, Debug, Default)]
struct NoAbortAfterYes {
    txns: Txns,
}

impl Property<TwoPhaseCommit> for NoAbortAfterYes {
    fn name(&self) -> &str {
        "no-abort-after-yes"
    }
    fn explain(&self) -> &str {
        "a participant that voted yes never aborts on its own: only after another node decided abort"
    }
    fn reads(&self) -> Reads {
        Reads::OBSERVE
    }
    fn observe(&mut self, record: &Rec<TwoPhaseCommit>, _sim: &Simulation<TwoPhaseCommit>) -> Result<(), String> {
        if let Some((node, txn, Decision::Abort)) = decide(record) {
            if let Some(t) = self.txns.0.get(&txn) {
                let voted_yes = t.yes.contains_key(&node);
                let aborted_elsewhere = t.aborted.iter().any(|n| *n != node);
                if voted_yes && !aborted_elsewhere {
                    self.txns.note(record);
                    return Err(format!(
                        "T{txn}: n{} voted yes, then aborted before anyone else decided abort",
                        node.0
                    ));
                }
            }
        }
        self.txns.note(record);
        Ok(())
    }
}

/// A node's decision survives its crashes: it never decides the same transaction differently.
#[derive(Clone, Debug, Default)]
struct DecisionDurable {
    /// (transaction, node) → its decision and its crash count then: keyed by transaction first,
    /// so new entries are appended.
    decided: LiteMap<(u64, NodeId), (Decision, u32)>,
    crashes: LiteMap<NodeId, u32>,
    window: Window,
}

impl Property<TwoPhaseCommit> for DecisionDurable {
    fn name(&self) -> &str {
        "decision-durable"
    }
    fn explain(&self) -> &str {
        "a decision, once made, survives crashes: no node ever decides a transaction two different ways"
    }
    fn reads(&self) -> Reads {
        Reads::OBSERVE | Reads::CRASH
    }
    fn observe(&mut self, record: &Rec<TwoPhaseCommit>, _sim: &Simulation<TwoPhaseCommit>) -> Result<(), String> {
        if let RecordKind::Crash { node } = &record.kind {
            *self.crashes.entry(*node).or_default() += 1;
            return Ok(());
        }
        let Some((node, txn, decision)) = decide(record) else { return Ok(()) };
        let crashes = self.crashes.get(&node).copied().unwrap_or(0);
        if !self.window.admit(txn) && !self.decided.contains_key(&(txn, node)) {
            return Ok(());
        }
        match self.decided.get(&(txn, node)) {
            None => {
                self.decided.insert((txn, node), (decision, crashes));
                forget_old(&mut self.decided, &mut self.window, |&(id, _)| id);
                Ok(())
            }
            Some(&(d, before)) if d != decision => Err(format!(
                "T{txn}: n{} decided {}, then {}{}",
                node.0,
                word(d),
                word(decision),
                if crashes > before { " after a restart" } else { "" }
            )),
            Some(_) => Ok(()),
        }
    }
}

/// The total balance is constant whenever no transaction is prepared anywhere.
#[derive(Clone, Debug)]
struct Conservation {
    total: i64,
    in_flight: bool,
}

impl Conservation {
    fn check(&mut self, sim: &Simulation<TwoPhaseCommit>) -> Result<(), String> {
        let mut total = 0;
        for (_, slot) in sim.nodes() {
            let disk = slot.disk();
            if !disk.prepared.is_empty() {
                self.in_flight = true;
                return Ok(());
            }
            total += disk.balances.values().sum::<i64>();
        }
        self.in_flight = false;
        if total != self.total {
            return Err(format!("no transaction is in flight and the balances add up to {total}, not {}", self.total));
        }
        Ok(())
    }
}

impl Property<TwoPhaseCommit> for Conservation {
    fn name(&self) -> &str {
        "conservation"
    }
    fn explain(&self) -> &str {
        "transfers move money, never make or lose it: once no transaction is in flight, the balances add up to the starting total"
    }
    fn reads(&self) -> Reads {
        Reads::OBSERVE | Reads::PERSIST
    }
    fn observe(&mut self, record: &Rec<TwoPhaseCommit>, sim: &Simulation<TwoPhaseCommit>) -> Result<(), String> {
        // Balances change only when a participant learns a decision.
        if decide(record).is_some() || (self.in_flight && matches!(record.kind, RecordKind::Persist { .. })) {
            return self.check(sim);
        }
        Ok(())
    }
    fn finish(&mut self, sim: &Simulation<TwoPhaseCommit>) -> Result<(), String> {
        self.check(sim)
    }
}

/// Liveness: once faults stop, every transaction decides and nobody stays in doubt.
#[derive(Clone, Debug, Default)]
struct TransactionsDecide {
    txns: Txns,
}

/// How long after faults stop (or after it began) a transaction has to decide everywhere.
const DECIDE_BOUND_US: TimeUs = 3 * US_PER_S;

impl Property<TwoPhaseCommit> for TransactionsDecide {
    fn name(&self) -> &str {
        "transactions-decide"
    }
    fn explain(&self) -> &str {
        "once faults stop, every transaction decides within 3 seconds, and every participant that voted yes learns the decision"
    }
    fn kind(&self) -> PropertyKind {
        PropertyKind::Liveness
    }
    fn reads(&self) -> Reads {
        Reads::OBSERVE
    }
    fn observe(&mut self, record: &Rec<TwoPhaseCommit>, _sim: &Simulation<TwoPhaseCommit>) -> Result<(), String> {
        self.txns.note(record);
        Ok(())
    }
    fn finish(&mut self, sim: &Simulation<TwoPhaseCommit>) -> Result<(), String> {
        let Some(stable) = sim.stable_since_us() else { return Ok(()) };
        let now = sim.now_us();
        for (txn, t) in &self.txns.0 {
            let due = t.begun_us.max(stable) + DECIDE_BOUND_US;
            if due > now {
                continue;
            }
            if t.begun_us >= stable && !t.decided.contains_key(&COORDINATOR) && t.decided.is_empty() {
                return Err(format!("T{txn} began at {} with no faults and never decided", fmt(t.begun_us)));
            }
            for (p, &voted) in &t.yes {
                let due = voted.max(stable) + DECIDE_BOUND_US;
                if due <= now && !t.decided.contains_key(p) {
                    return Err(format!(
                        "T{txn}: n{} voted yes at {} and was still in doubt at the end ({}), faults stopped at {}",
                        p.0,
                        fmt(voted),
                        fmt(now),
                        fmt(stable)
                    ));
                }
            }
        }
        Ok(())
    }
}

fn fmt(t: TimeUs) -> String {
    crate::core::time::format_duration(t)
}

/// Not a bug but the lesson: the coordinator is down after every participant voted yes and before
/// any of them learned the outcome, so they block, in doubt, holding their locks.
#[derive(Clone, Debug, Default)]
struct Blocked {
    txns: Txns,
}

impl Property<TwoPhaseCommit> for Blocked {
    fn name(&self) -> &str {
        "blocked"
    }
    fn explain(&self) -> &str {
        "the coordinator is down after every participant voted yes and before any learned the outcome: they wait in doubt, holding locks (2PC blocks; not a bug)"
    }
    fn kind(&self) -> PropertyKind {
        PropertyKind::Blocking
    }
    fn reads(&self) -> Reads {
        Reads::OBSERVE | Reads::CRASH
    }
    fn observe(&mut self, record: &Rec<TwoPhaseCommit>, sim: &Simulation<TwoPhaseCommit>) -> Result<(), String> {
        self.txns.note(record);
        // Blocking starts when the coordinator goes down after the last yes vote, or when the
        // last yes vote is cast while it is down.
        let candidates: Vec<u64> = match &record.kind {
            RecordKind::Crash { node } if *node == COORDINATOR => self.txns.0.keys().copied().collect(),
            RecordKind::Observe { obs: Observation::Own(TpcEvent::Vote { txn, yes: true }), .. }
                if !sim.node(COORDINATOR).is_up() =>
            {
                vec![*txn]
            }
            _ => return Ok(()),
        };
        let blocked: Vec<String> = candidates
            .into_iter()
            .filter(|txn| {
                let Some(t) = self.txns.0.get(txn) else { return false };
                !t.participants.is_empty()
                    && t.participants.iter().all(|p| t.yes.contains_key(p))
                    && !t.participants.iter().any(|p| t.decided.contains_key(p))
            })
            .map(|t| format!("T{t}"))
            .collect();
        if blocked.is_empty() {
            return Ok(());
        }
        Err(format!(
            "the coordinator is down while {} has every yes vote and no participant knows the outcome",
            blocked.join(", ")
        ))
    }
}
