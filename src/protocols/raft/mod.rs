//! # Raft
//!
//! Raft (Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm", extended
//! version, 2014; Ongaro's dissertation "Consensus: Bridging Theory and Practice", 2014) keeps a
//! replicated log consistent across servers by electing one leader per term:
//!
//! - **Election** (§5.2): a follower that hears nothing for a randomized election timeout becomes
//!   a candidate, increments its term, votes for itself and asks the others for votes. A server
//!   votes at most once per term (persisting the vote before answering) and only for a candidate
//!   whose log is at least as up to date as its own (§5.4.1, the election restriction). A
//!   majority makes a leader. Anyone who sees a higher term steps down to follower (§5.1).
//! - **Replication** (§5.3): the leader appends client commands to its log and sends them in
//!   AppendEntries, which carries the index and term of the preceding entry; a follower accepts
//!   only if its log matches there, deleting a conflicting suffix. On refusal the leader backs up,
//!   a whole term at a time with the conflict hints described at the end of §5.3.
//! - **Commit** (§5.4.2): the leader commits an entry once a majority stores it, but counts
//!   replicas only for entries of its own term (Figure 8); each new leader appends a no-op so that
//!   this happens promptly (§8).
//! - **Clients** (dissertation §6): commands go to the leader; others redirect with a hint.
//!   Sessions make a retried command execute once (§6.3); reads are served after a heartbeat round
//!   confirms leadership, at the commit index of that moment (ReadIndex, §6.4).
//! - **Membership** (dissertation §4): one server at a time; a new server first catches up as a
//!   non-voting learner (§4.2.1); a configuration takes effect as soon as it is in a log (§4.1);
//!   and a leader appends a configuration entry only after committing an entry of its own term —
//!   the fix to the single-server change bug reported in 2015.
//! - **Compaction** (§7): each server snapshots its state machine every `snapshot` entries; the
//!   leader sends InstallSnapshot to followers whose next entry was compacted away.
//! - **Extensions**: PreVote (dissertation §9.6), CheckQuorum and the leader-lease vote rule
//!   (§4.2.3, §6.4.1), leadership transfer with TimeoutNow (§3.10). Each is an option.

mod client;
mod config;
mod election;
pub mod log;
mod membership;
pub mod messages;
mod properties;
mod replication;

pub use config::RaftConfig;
pub use log::{Entry, EntryData, Membership, RaftDurable, Snapshot, StateMachine};
pub use messages::RaftMsg;

use crate::core::LiteSet;
use crate::core::{
    BugInfo, ClientRequest, Cluster, Ctx, Disk, LogEntryView, LogView, NodeId, NodeSummary, Observation, OptionInfo,
    Protocol, RequestId, Role, Shared, TimeUs,
};
use crate::core::{GridStyle, NoEvent, TextMap};
use litemap::LiteMap;
use std::rc::Rc;

/// The most entries one AppendEntries carries.
pub const ENTRIES_PER_MESSAGE_MAX: usize = 64;

#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum RaftTimer {
    /// Followers and candidates: start an election. Leaders: the CheckQuorum interval.
    Election,
    Heartbeat,
}

/// The leader's view of one follower (Figure 2's nextIndex / matchIndex).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    pub next_index: u64,
    pub match_index: u64,
    /// The newest heartbeat round the follower answered (ReadIndex).
    pub acked_round: u64,
    /// Heard from since the last CheckQuorum.
    pub recently_active: bool,
}

/// A read waiting for its heartbeat round and for the state machine to catch up (§6.4).
#[derive(Clone, Debug)]
struct PendingRead {
    request: RequestId,
    key: String,
    round: u64,
    /// The commit index when the read arrived (once the leader has committed in its term).
    read_index: Option<u64>,
}

/// A Raft server's volatile state; the durable state is a [`RaftDurable`] on its disk.
#[derive(Clone, Debug)]
pub struct Raft {
    id: NodeId,
    config: RaftConfig,
    role: Role,
    leader: Option<NodeId>,
    commit_index: u64,
    last_applied: u64,
    state: StateMachine,
    /// The configuration in force: the newest in the log (§4.1).
    membership: Membership,
    /// Whether `membership`'s voters are in id order (see [`count_reached`]), known once per
    /// change rather than asked at every count.
    voters_sorted: bool,
    /// Under the planted bug `forget-vote`, the vote lives here instead of on disk.
    volatile_vote: Option<NodeId>,
    votes: LiteSet<NodeId>,
    /// When this server last heard from a leader (its local clock).
    leader_contact_us: Option<TimeUs>,
    // ----- leader only -----
    progress: LiteMap<NodeId, Progress>,
    round: u64,
    reads: Vec<PendingRead>,
    /// Client requests waiting for the entry at an index to be applied, by index (and in the
    /// order they came for one index). All wait for indexes past `last_applied`, so applying
    /// answers them from the front: no map, and no vector a request.
    waiting: Vec<(u64, RequestId)>,
    /// A leadership transfer in progress: the target and when to give up (local clock).
    transfer: Option<(NodeId, TimeUs)>,
    /// The entries last cut for an AppendEntries, from and to: the next message for the same
    /// range (the next follower of a broadcast, or a follower's next round) shares them instead
    /// of cutting and allocating its own. A leader's entries never change while it leads (§5.3,
    /// Leader Append-Only), and a new leadership starts without them.
    cut: Option<(u64, u64, Rc<[Entry]>)>,
}

impl Raft {
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn leader(&self) -> Option<NodeId> {
        self.leader
    }
    pub fn commit_index(&self) -> u64 {
        self.commit_index
    }
    pub fn last_applied(&self) -> u64 {
        self.last_applied
    }
    pub fn state(&self) -> &StateMachine {
        &self.state
    }
    pub fn membership(&self) -> &Membership {
        &self.membership
    }
    pub fn progress(&self) -> &LiteMap<NodeId, Progress> {
        &self.progress
    }

    fn voted_for(&self, disk: &Disk<RaftDurable>) -> Option<NodeId> {
        if self.config.bugs.forget_vote {
            self.volatile_vote
        } else {
            disk.read().voted_for
        }
    }

    fn set_vote(&mut self, disk: &mut Disk<RaftDurable>, vote: Option<NodeId>) {
        if self.config.bugs.forget_vote {
            self.volatile_vote = vote;
        } else if disk.read().voted_for != vote {
            disk.write().voted_for = vote;
        }
    }

    fn observe_role(&self, disk: &Disk<RaftDurable>, ctx: &mut Ctx<'_, Self>) {
        ctx.observe(Observation::Shared(Shared::Role { role: self.role, term: disk.read().term }));
    }

    /// How many voters `reached` holds for (see [`count_reached`]).
    fn count_voters(&self, reached: impl Fn(&Progress) -> bool) -> usize {
        count_reached(&self.membership.voters, self.voters_sorted, self.id, &self.progress, reached)
    }

    fn refresh_membership(&mut self, disk: &Disk<RaftDurable>) {
        self.membership = disk.read().membership_at(u64::MAX, &self.config.initial);
        self.voters_sorted = self.membership.voters.is_sorted();
    }
}

/// How many of `voters` `reached` holds for: `me` (the leader) always counts, a voter without
/// progress never does. The voters are walked alongside the progress map (both sorted by id)
/// rather than looked up one by one, which cost the leader of a 51-node cluster a third of its
/// time; voters out of order (a removed server added back; `sorted` says whether they are in
/// order) are looked up.
fn count_reached(
    voters: &[NodeId],
    sorted: bool,
    me: NodeId,
    progress: &LiteMap<NodeId, Progress>,
    reached: impl Fn(&Progress) -> bool,
) -> usize {
    debug_assert_eq!(sorted, voters.is_sorted());
    if !sorted {
        return voters.iter().filter(|&&v| v == me || progress.get(&v).is_some_and(&reached)).count();
    }
    let mut peers = progress.iter().peekable();
    let mut count = 0;
    for &v in voters {
        while peers.next_if(|(id, _)| **id < v).is_some() {}
        let p = peers.next_if(|(id, _)| **id == v).map(|(_, p)| p);
        if v == me || p.is_some_and(&reached) {
            count += 1;
        }
    }
    count
}

/// An entry's value in a few characters.
fn entry_text(e: &Entry) -> String {
    match e.data() {
        EntryData::Noop => "noop".to_string(),
        EntryData::Command(c) => c.op.chars().take(16).collect(),
        EntryData::Config(m) => m.describe(),
    }
}

/// The newest `n` entries as `index@term:value` (values shortened), oldest first.
fn log_tail(disk: &RaftDurable, n: u64) -> String {
    let last = disk.last_index();
    let first = last.saturating_sub(n - 1).max(disk.snapshot.index + 1);
    (first..=last)
        .filter_map(|i| disk.entry(i).map(|e| (i, e)))
        .map(|(i, e)| format!("{i}@{}:{}", e.term, entry_text(e)))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// How the page's grid shows Raft's logs.
const GRID: GridStyle = GridStyle {
    column: "index",
    offset: 0,
    side: "leader's view",
    hint: "Cells show the entry's term (colour = term); a thick border marks committed entries; ▦ is compacted into a snapshot; ▲ the leader's nextIndex and ● its matchIndex for each follower.",
    chosen: "",
    title: |e| format!("index {}, term {}: {}", e.index, e.term, e.text),
};

impl Protocol for Raft {
    type Msg = RaftMsg;
    type Timer = RaftTimer;
    type Durable = RaftDurable;
    type Config = RaftConfig;
    type Event = NoEvent;
    type App = crate::apps::kv::KvStore;

    const NAME: &'static str = "raft";
    const ABOUT: &'static str =
        "Raft: leader election, log replication, membership changes, snapshots (Ongaro & Ousterhout 2014)";

    fn bugs() -> &'static [BugInfo] {
        config::BUGS
    }
    fn options() -> &'static [OptionInfo] {
        config::OPTIONS
    }
    fn configure(cluster: &Cluster, bug: Option<&str>, options: &TextMap) -> Result<RaftConfig, String> {
        RaftConfig::new(cluster, bug, options)
    }

    /// Start or restart: every volatile field starts over; the state machine is rebuilt from the
    /// snapshot and, as the commit index is learned again, by re-applying the log (§5.1, §7).
    fn boot(
        id: NodeId,
        _cluster: &Cluster,
        config: &RaftConfig,
        disk: &mut Disk<RaftDurable>,
        ctx: &mut Ctx<'_, Self>,
    ) -> Self {
        let snapshot = &disk.read().snapshot;
        let mut node = Raft {
            id,
            config: config.clone(),
            role: Role::Follower,
            leader: None,
            commit_index: snapshot.index,
            last_applied: snapshot.index,
            state: snapshot.state.clone(),
            membership: Membership::default(),
            voters_sorted: true,
            volatile_vote: None,
            votes: LiteSet::new(),
            leader_contact_us: None,
            progress: LiteMap::new(),
            round: 0,
            reads: Vec::new(),
            waiting: Vec::new(),
            transfer: None,
            cut: None,
        };
        node.refresh_membership(disk);
        node.observe_role(disk, ctx);
        if snapshot.index > 0 {
            ctx.observe(Observation::Shared(Shared::Snapshot { index: snapshot.index, term: snapshot.term }));
        }
        node.reset_election_timer(ctx);
        node
    }

    fn on_message(&mut self, disk: &mut Disk<RaftDurable>, from: NodeId, msg: RaftMsg, ctx: &mut Ctx<'_, Self>) {
        match msg {
            RaftMsg::PreVote(m) => self.handle_pre_vote(disk, from, m, ctx),
            RaftMsg::PreVoteResponse(m) => self.handle_pre_vote_response(disk, from, m, ctx),
            RaftMsg::RequestVote(m) => self.handle_request_vote(disk, from, m, ctx),
            RaftMsg::RequestVoteResponse(m) => self.handle_vote_response(disk, from, m, ctx),
            RaftMsg::AppendEntries(m) => self.handle_append_entries(disk, from, m, ctx),
            RaftMsg::AppendEntriesResponse(m) => self.handle_append_response(disk, from, m, ctx),
            RaftMsg::InstallSnapshot(m) => self.handle_install_snapshot(disk, from, m, ctx),
            RaftMsg::InstallSnapshotResponse(m) => self.handle_snapshot_response(disk, from, m, ctx),
            RaftMsg::TimeoutNow(m) => self.handle_timeout_now(disk, m, ctx),
        }
    }

    fn on_timer(&mut self, disk: &mut Disk<RaftDurable>, timer: RaftTimer, ctx: &mut Ctx<'_, Self>) {
        match timer {
            RaftTimer::Election => self.election_timeout(disk, ctx),
            RaftTimer::Heartbeat => self.heartbeat(disk, ctx),
        }
    }

    fn on_client_request(&mut self, disk: &mut Disk<RaftDurable>, request: ClientRequest, ctx: &mut Ctx<'_, Self>) {
        self.handle_client(disk, request, ctx)
    }

    fn summary(volatile: Option<&Self>, disk: &RaftDurable) -> NodeSummary {
        let mut fields = vec![
            ("term".to_string(), disk.term.to_string()),
            ("voted for".to_string(), disk.voted_for.map_or("-".into(), |n| n.0.to_string())),
            ("last index".to_string(), format!("{} (term {})", disk.last_index(), disk.last_term())),
            ("snapshot".to_string(), format!("{}@{}", disk.snapshot.index, disk.snapshot.term)),
            ("log".to_string(), log_tail(disk, 8)),
        ];
        let role = match volatile {
            None => "crashed".to_string(),
            Some(node) => {
                fields.push(("commit".into(), node.commit_index.to_string()));
                fields.push(("applied".into(), node.last_applied.to_string()));
                fields.push(("leader".into(), node.leader.map_or("-".into(), |n| n.0.to_string())));
                fields.push(("configuration".into(), node.membership.describe()));
                if node.role == Role::Leader {
                    let progress: Vec<String> = node
                        .progress
                        .iter()
                        .map(|(id, p)| format!("{}:{}/{}", id.0, p.next_index, p.match_index))
                        .collect();
                    fields.push(("next/match".into(), progress.join(" ")));
                }
                let kv: Vec<String> = node.state.app.kv.iter().map(|(k, v)| format!("{k}={v}")).collect();
                fields.push(("state".into(), kv.join(" ")));
                node.role.as_str().to_string()
            }
        };
        NodeSummary { role, term: disk.term, fields, badges: Vec::new(), caption: None }
    }

    fn log_view(volatile: Option<&Self>, disk: &RaftDurable, tail: usize) -> Option<LogView> {
        let last = disk.last_index();
        let first = last.saturating_sub(tail as u64).max(disk.snapshot.index) + 1;
        let entries = (first..=last)
            .filter_map(|i| {
                disk.entry(i).map(|e| LogEntryView {
                    index: i,
                    term: e.term,
                    text: entry_text(e),
                    ..Default::default()
                })
            })
            .collect();
        let progress = match volatile {
            Some(node) if node.role == Role::Leader => {
                node.progress.iter().map(|(id, p)| (id.0, p.next_index, p.match_index)).collect()
            }
            _ => Vec::new(),
        };
        Some(LogView {
            snapshot_index: disk.snapshot.index,
            snapshot_term: disk.snapshot.term,
            entries,
            commit: volatile.map(|n| n.commit_index),
            progress,
            quorum: None,
            style: GRID,
        })
    }

    fn timer_label(timer: &RaftTimer) -> Option<&'static str> {
        match timer {
            RaftTimer::Election => Some("election timer"),
            RaftTimer::Heartbeat => None,
        }
    }

    fn leader_hint(&self) -> Option<NodeId> {
        if self.role == Role::Leader {
            Some(self.id)
        } else {
            self.leader
        }
    }

    fn admin_commands() -> &'static [(&'static str, &'static str)] {
        &[
            ("timeout", "the node's election timer fires now"),
            ("transfer N", "the leader hands leadership to node N (TimeoutNow)"),
            ("add N", "the leader adds node N, as a learner first, then as a voter"),
            ("remove N", "the leader removes node N from the configuration"),
        ]
    }

    /// Membership changes, when a removed server cannot disrupt the cluster afterwards: without
    /// PreVote or CheckQuorum a removed server that missed its removal campaigns forever with ever
    /// higher terms (dissertation §4.2.3), which is a lesson, not a liveness bug.
    fn chaos_commands(config: &RaftConfig, node_count: usize) -> Vec<String> {
        if !(config.prevote || config.check_quorum) {
            return Vec::new();
        }
        (1..=node_count).flat_map(|n| [format!("add {n}"), format!("remove {n}")]).collect()
    }

    fn on_admin(&mut self, disk: &mut Disk<RaftDurable>, command: &str, ctx: &mut Ctx<'_, Self>) -> Result<(), String> {
        let words: Vec<&str> = command.split_whitespace().collect();
        let node = |w: Option<&&str>| -> Result<NodeId, String> {
            w.and_then(|s| s.parse::<u32>().ok())
                .filter(|&n| n >= 1)
                .map(NodeId)
                .ok_or_else(|| format!("{command:?} needs a node id"))
        };
        match words.first().copied() {
            Some("timeout") if words.len() == 1 => {
                if self.role == Role::Leader {
                    return Err("a leader has no election timer to fire".into());
                }
                self.election_timeout(disk, ctx);
                Ok(())
            }
            Some("transfer") if words.len() == 2 => self.start_transfer(disk, node(words.get(1))?, ctx),
            Some("add") if words.len() == 2 => self.add_server(disk, node(words.get(1))?, ctx),
            Some("remove") if words.len() == 2 => self.remove_server(disk, node(words.get(1))?, ctx),
            _ => Err(format!("unknown command {command:?}: use timeout, transfer N, add N or remove N")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{count_reached, Progress};
    use crate::core::NodeId;
    use litemap::LiteMap;

    #[test]
    fn counting_voters_walks_or_looks_up_the_same() {
        let progress: LiteMap<NodeId, Progress> = [2, 3, 5, 6, 9]
            .into_iter()
            .map(|id| {
                (
                    NodeId(id),
                    Progress { next_index: 1, match_index: u64::from(id), acked_round: 0, recently_active: false },
                )
            })
            .collect();
        let naive = |voters: &[NodeId], at_least: u64| {
            voters
                .iter()
                .filter(|&&v| v == NodeId(1) || progress.get(&v).is_some_and(|p| p.match_index >= at_least))
                .count()
        };
        let ids = |v: &[u32]| v.iter().map(|&i| NodeId(i)).collect::<Vec<_>>();
        // Sorted (walked), unsorted (looked up), voters without progress (4, 7), learners in the
        // progress map (5, 9 in some cases), the leader (1) anywhere.
        for voters in
            [ids(&[1, 2, 3, 4, 5]), ids(&[1, 2, 3, 6, 7, 9]), ids(&[3, 1, 2, 6]), ids(&[2, 4, 6, 8]), ids(&[])]
        {
            for at_least in 0..11 {
                let counted =
                    count_reached(&voters, voters.is_sorted(), NodeId(1), &progress, |p| p.match_index >= at_least);
                assert_eq!(counted, naive(&voters, at_least), "{voters:?} at least {at_least}");
            }
        }
    }
}
