//! # Paxos, after Lamport's "Paxos Made Simple" (2001)
//!
//! Two protocols share this module:
//!
//! - [`Paxos`] (`--protocol paxos`): single-decree Basic Paxos (§2). Proposers, acceptors and
//!   learners; every node holds all three roles unless the options separate them. A proposer
//!   that gets a client command picks a ballot `[round, id]` higher than any it used (persisted
//!   first, §2.5), sends *prepare* to the acceptors (phase 1a); an acceptor promises not to accept
//!   lower ballots and reports the highest-ballot proposal it accepted (phase 1b); with promises
//!   from a majority the proposer sends *accept* with the value of the highest reported proposal,
//!   or its own value if none was reported (phase 2a, §2.2's P2c); an acceptor accepts unless it
//!   promised a higher ballot (phase 2b) and tells the proposer and every learner (§2.3). A
//!   learner learns a value once a majority of acceptors accepted it in one ballot. Acceptors
//!   persist their promise and accepted proposal before answering (§2.5). A proposer that is
//!   refused or hears nothing retries with a higher ballot, after a random back-off when the
//!   `backoff` option is on; with it off, two proposers can preempt each other forever (§2.4's
//!   livelock), which the page shows.
//! - [`MultiPaxos`] (`--protocol multi-paxos`): a replicated state machine (§3). A distinguished
//!   leader runs phase 1 once for every slot from the first it does not know to be chosen, then
//!   only phase 2 for each new command; after phase 1 it re-proposes each slot's highest reported
//!   value and fills gaps with no-ops. Leadership changes by timeout. Replicas execute slots
//!   strictly in order, with the same client sessions as Raft (a retried command executes once).
//!   A replica writes each value it learns to its log on disk before executing it, and its state
//!   machine every 256 slots, and replays the log after that snapshot when it restarts (§3
//!   assumes servers that recover their state); without the log a restarted replica re-learned
//!   every slot from 0 and, leading, re-proposed every one of them. Log compaction: at each
//!   snapshot a replica forgets its log, and its acceptor the accepted proposals, more than 512
//!   slots below it (slots it executed, so chosen). A replica that asks for slots below that,
//!   or a proposer that prepares or proposes there, is sent the snapshot (`Snapshot`) and
//!   installs it (a `snapshot` event whose `index` is the number of slots it covers); an acceptor
//!   never promises for slots it compacted, since it could not report their proposals. So a
//!   node's memory stays bounded however long the run.
//!
//! Its own observation events (`promise`, `accept`, `chosen`) are in `events.rs`; the trace's
//! `run` event lists the acceptors.

mod basic;
mod events;
mod messages;
mod multi;
mod properties;

pub use basic::Paxos;
pub use events::{Ballot, PaxosEvent};
pub use messages::PaxosMsg;
pub use multi::MultiPaxos;

use crate::core::options::{planted_bug, OptionReader};
use crate::core::{range_from, Text, TextMap};
use crate::core::{BugInfo, Cluster, Ctx, Disk, NodeId, OptionInfo, Protocol, TimeUs, US_PER_MS, US_PER_S};
use litemap::LiteMap;

pub const BUGS: &[BugInfo] = &[
    BugInfo {
        name: "acceptor-forgets-promise",
        what: "acceptors do not persist their promise and accepted proposal, so after a restart they accept what they promised to refuse",
    },
    BugInfo {
        name: "ignore-accepted-value",
        what: "a proposer proposes its own value even when the promises report an accepted one, so a second value can be chosen",
    },
    BugInfo { name: "minority-quorum", what: "quorums of ⌊n/2⌋ acceptors, so two quorums need not intersect" },
];

pub const OPTIONS: &[OptionInfo] = &[
    OptionInfo { key: "proposers", default: "all", what: "which nodes are proposers: all, a list 1,2 or a range 1..2" },
    OptionInfo {
        key: "acceptors",
        default: "all",
        what: "which nodes are acceptors: all, a list 3,4,5 or a range 3..5",
    },
    OptionInfo {
        key: "learners",
        default: "all",
        what: "which nodes are learners (replicas for multi-paxos): all, a list or a range",
    },
    OptionInfo {
        key: "backoff",
        default: "on",
        what: "a refused proposer waits a random time before retrying; off: dueling proposers can livelock (§2.4)",
    },
    OptionInfo {
        key: "retry",
        default: "100ms",
        what: "how long a proposer waits for a phase to complete before retrying with a higher ballot",
    },
    OptionInfo { key: "heartbeat", default: "50ms", what: "multi-paxos: the leader's heartbeat interval" },
    OptionInfo {
        key: "election",
        default: "300ms..600ms",
        what: "multi-paxos: how long without a leader's heartbeat before a proposer takes over",
    },
];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bugs {
    pub forget_promise: bool,
    pub ignore_accepted: bool,
    pub minority_quorum: bool,
}

#[derive(Clone, Debug)]
pub struct PaxosConfig {
    pub node_count: usize,
    pub proposers: Vec<NodeId>,
    pub acceptors: Vec<NodeId>,
    pub learners: Vec<NodeId>,
    pub backoff: bool,
    pub retry_us: TimeUs,
    pub heartbeat_us: TimeUs,
    pub election_us: (TimeUs, TimeUs),
    pub bugs: Bugs,
}

impl PaxosConfig {
    /// Acceptors whose acceptance chooses a value: a majority (⌊n/2⌋ under the planted bug).
    pub fn quorum(&self) -> usize {
        let n = self.acceptors.len();
        if self.bugs.minority_quorum {
            (n / 2).max(1)
        } else {
            n / 2 + 1
        }
    }

    pub fn new(cluster: &Cluster, bug: Option<&str>, options: &TextMap) -> Result<Self, String> {
        let mut bugs = Bugs::default();
        match planted_bug("paxos", bug, BUGS)? {
            Some("acceptor-forgets-promise") => bugs.forget_promise = true,
            Some("ignore-accepted-value") => bugs.ignore_accepted = true,
            Some("minority-quorum") => bugs.minority_quorum = true,
            _ => {}
        }
        let mut config = PaxosConfig {
            node_count: cluster.len(),
            proposers: cluster.nodes.clone(),
            acceptors: cluster.nodes.clone(),
            learners: cluster.nodes.clone(),
            backoff: true,
            retry_us: 100 * US_PER_MS,
            heartbeat_us: 50 * US_PER_MS,
            election_us: (300 * US_PER_MS, 600 * US_PER_MS),
            bugs,
        };
        let o = OptionReader::new("paxos", OPTIONS, options)?;
        let nodes = |v: &str| parse_nodes(v, cluster.len());
        o.set("proposers", &mut config.proposers, &nodes)?;
        o.set("acceptors", &mut config.acceptors, &nodes)?;
        o.set("learners", &mut config.learners, &nodes)?;
        o.set_on_off("backoff", &mut config.backoff)?;
        o.set_duration("retry", &mut config.retry_us, US_PER_MS..=10 * US_PER_S)?;
        o.set_duration("heartbeat", &mut config.heartbeat_us, US_PER_MS..=10 * US_PER_S)?;
        o.set_duration_range("election", &mut config.election_us, 60 * US_PER_S)?;
        if config.election_us.0 <= config.heartbeat_us {
            return Err("option election must be longer than heartbeat".into());
        }
        Ok(config)
    }
}

/// `all`, `1,2,3` or `2..4`.
fn parse_nodes(value: &str, n: usize) -> Result<Vec<NodeId>, String> {
    let bad = || format!("{value:?} is not all, a list like 1,2,3 or a range like 1..3 of nodes 1 to {n}");
    let ids: Vec<u32> = if value == "all" {
        (1..=n as u32).collect()
    } else if let Some((a, b)) = value.split_once("..") {
        let (a, b) = (a.trim().parse::<u32>().map_err(|_| bad())?, b.trim().parse::<u32>().map_err(|_| bad())?);
        (a..=b).collect()
    } else {
        value.split(',').map(|w| w.trim().parse::<u32>().map_err(|_| bad())).collect::<Result<_, _>>()?
    };
    if ids.is_empty() || ids.iter().any(|&i| i == 0 || i as usize > n) {
        return Err(bad());
    }
    let mut ids: Vec<NodeId> = ids.into_iter().map(NodeId).collect();
    crate::core::sort_short(&mut ids, |&id| id);
    ids.dedup();
    Ok(ids)
}

/// How the page's grid shows the acceptors' proposals: one column per slot.
pub const GRID: crate::core::GridStyle = crate::core::GridStyle {
    column: "slot",
    offset: 1,
    side: "leader's view",
    hint: "Each acceptor's accepted proposal per slot; the cell shows the ballot's round (colour = round). A gold outline marks a value a majority of acceptors accepted in one ballot — chosen, whether or not any learner knows yet; a thick border marks slots the node knows are chosen.",
    chosen: " — chosen: a majority of acceptors accepted it in this ballot",
    title: |e| format!("slot {}: accepted {} (ballot round {})", e.index - 1, e.text, e.term),
};

/// One accepted proposal as the grid shows it.
pub fn slot_view(slot: u64, ballot: Ballot, text: String) -> crate::core::LogEntryView {
    crate::core::LogEntryView { index: slot + 1, term: ballot.0, text, ..Default::default() }
}

/// What an acceptor persists (§2.5): the highest ballot it promised and, per slot, the
/// highest-ballot proposal it accepted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AcceptorState {
    pub promised: Ballot,
    pub accepted: LiteMap<u64, (Ballot, Text)>,
    /// Multi-Paxos: the slots below this one are chosen and in this node's snapshot, and their
    /// proposals are gone from `accepted` (0: nothing compacted; always 0 in Basic Paxos).
    pub compacted: u64,
}

impl AcceptorState {
    /// Forgets the proposals accepted below slot `below` (Multi-Paxos log compaction).
    fn compact(&mut self, below: u64) {
        self.compacted = below;
        self.accepted.retain(|&slot, _| slot >= below);
    }
}

/// What a Paxos node persists.
#[derive(Clone, Debug, Default, Hash)]
pub struct PaxosDurable {
    pub acceptor: AcceptorState,
    /// The highest round this node used as a proposer, so it never reuses a ballot (§2.5).
    pub round: u64,
    /// Multi-Paxos replicas: every value this replica learned to be chosen, by slot — its log,
    /// written before the command executes, so a restarted replica replays it instead of
    /// re-learning (and, leading, re-proposing) every slot from 0. Empty in Basic Paxos.
    pub chosen: LiteMap<u64, Text>,
    /// Multi-Paxos replicas: the state machine after the first `.0` slots, written every
    /// `SNAPSHOT_EVERY` slots so a restart replays only the log after it.
    pub snapshot: Option<(u64, crate::protocols::raft::StateMachine)>,
    /// Multi-Paxos replicas: `chosen` holds the slots from this one on; those below it are in the
    /// snapshot only (compacted, or installed from another replica's snapshot).
    pub log_from: u64,
}

/// The acceptor role, shared by both protocols. It works on a volatile copy of its state and
/// writes it to disk before every answer, except under the `acceptor-forgets-promise` bug.
#[derive(Clone, Debug, Default)]
pub struct Acceptor {
    pub state: AcceptorState,
    forget: bool,
}

impl Acceptor {
    pub fn boot(disk: &Disk<PaxosDurable>, forget: bool) -> Self {
        Acceptor { state: disk.read().acceptor.clone(), forget }
    }

    /// Writes what changed to disk: the promise and, after an acceptance, that slot's proposal.
    /// One write per answer, as a real acceptor would make; copying the whole state instead made
    /// every acceptance cost time and memory in proportion to the slots accepted so far (a long
    /// Multi-Paxos run spent nearly all its time copying).
    fn persist(&self, disk: &mut Disk<PaxosDurable>, slot: Option<u64>) {
        if self.forget {
            return;
        }
        let on_disk = &mut disk.write().acceptor;
        on_disk.promised = self.state.promised;
        let accepted = slot.and_then(|slot| Some((slot, self.state.accepted.get(&slot)?)));
        if let Some((slot, proposal)) = accepted {
            on_disk.accepted.insert(slot, proposal.clone());
        }
    }

    /// Forgets the proposals accepted in the slots below `below`, which are chosen and in this
    /// node's snapshot (Multi-Paxos), in memory and on disk alike.
    pub fn compact(&mut self, disk: &mut Disk<PaxosDurable>, below: u64) {
        if below <= self.state.compacted {
            return;
        }
        self.state.compact(below);
        if !self.forget {
            disk.write().acceptor.compact(below);
        }
    }

    /// Phase 1b: promise `ballot` for every slot from `from` on, reporting what was accepted
    /// there; or refuse with the higher ballot already promised.
    pub fn prepare<P: Protocol<Event = PaxosEvent>>(
        &mut self,
        disk: &mut Disk<PaxosDurable>,
        from: u64,
        ballot: Ballot,
        ctx: &mut Ctx<'_, P>,
    ) -> Result<Vec<(u64, Ballot, Text)>, Ballot> {
        if ballot < self.state.promised {
            return Err(self.state.promised);
        }
        if ballot > self.state.promised {
            self.state.promised = ballot;
            self.persist(disk, None);
        }
        ctx.event(PaxosEvent::Promise { slot: from, ballot });
        Ok(range_from(&self.state.accepted, &from).map(|(&slot, (b, v))| (slot, *b, v.clone())).collect())
    }

    /// Phase 2b: accept unless a higher ballot was promised.
    pub fn accept<P: Protocol<Event = PaxosEvent>>(
        &mut self,
        disk: &mut Disk<PaxosDurable>,
        slot: u64,
        ballot: Ballot,
        value: &Text,
        ctx: &mut Ctx<'_, P>,
    ) -> Result<(), Ballot> {
        if ballot < self.state.promised {
            return Err(self.state.promised);
        }
        self.state.promised = ballot;
        self.state.accepted.insert(slot, (ballot, value.clone()));
        self.persist(disk, Some(slot));
        ctx.event(PaxosEvent::Accept { slot, ballot, value: value.clone() });
        Ok(())
    }
}

impl Acceptor {
    /// Answers a Prepare with a Promise or a Nack.
    pub fn on_prepare<P: Protocol<Msg = PaxosMsg, Event = PaxosEvent>>(
        &mut self,
        disk: &mut Disk<PaxosDurable>,
        from: NodeId,
        slot: u64,
        ballot: Ballot,
        ctx: &mut Ctx<'_, P>,
    ) {
        match self.prepare(disk, slot, ballot, ctx) {
            Ok(accepted) => ctx.send(from, PaxosMsg::Promise { from: slot, ballot, accepted }),
            Err(promised) => ctx.send(from, PaxosMsg::Nack { ballot, promised }),
        }
    }

    /// Accepts (the caller announces it) or answers a Nack; returns whether it accepted.
    pub fn on_accept<P: Protocol<Msg = PaxosMsg, Event = PaxosEvent>>(
        &mut self,
        disk: &mut Disk<PaxosDurable>,
        from: NodeId,
        slot: u64,
        ballot: Ballot,
        value: &Text,
        ctx: &mut Ctx<'_, P>,
    ) -> bool {
        match self.accept(disk, slot, ballot, value, ctx) {
            Ok(()) => true,
            Err(promised) => {
                ctx.send(from, PaxosMsg::Nack { ballot, promised });
                false
            }
        }
    }
}

/// The role badges of a node (`P`, `A`, `L`) for the page.
pub fn badges(config: &PaxosConfig, id: NodeId) -> Vec<String> {
    [("P", &config.proposers), ("A", &config.acceptors), ("L", &config.learners)]
        .into_iter()
        .filter(|(_, list)| list.contains(&id))
        .map(|(b, _)| b.to_string())
        .collect()
}

/// A ballot as the page shows it.
pub fn ballot_text(b: Ballot) -> String {
    format!("[{},{}]", b.0, b.1)
}

/// Promises from `from` on, merged: for each slot, the highest-ballot proposal reported (§2.2).
pub fn highest_reported(promises: &LiteMap<NodeId, Vec<(u64, Ballot, Text)>>) -> LiteMap<u64, (Ballot, Text)> {
    let mut best: LiteMap<u64, (Ballot, Text)> = LiteMap::new();
    for reports in promises.values() {
        for (slot, ballot, value) in reports {
            if best.get(slot).is_none_or(|(b, _)| ballot > b) {
                best.insert(*slot, (*ballot, value.clone()));
            }
        }
    }
    best
}
