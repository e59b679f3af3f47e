//! Raft's options and planted bugs.

use super::log::Membership;
use super::Raft;
use crate::core::options::{planted_bug, OptionReader};
use crate::core::time::DURATION_US_MAX;
use crate::core::{BugInfo, Cluster, NodeId, OptionInfo, Protocol, TextMap, TimeUs, US_PER_MS};

pub const BUGS: &[BugInfo] = &[
    BugInfo {
        name: "commit-previous-term",
        what: "a leader commits entries of earlier terms by counting replicas (Figure 8), so a committed entry can be overwritten",
    },
    BugInfo {
        name: "no-election-restriction",
        what: "votes are granted regardless of the candidate's log, so a leader can lack committed entries",
    },
    BugInfo { name: "forget-vote", what: "votedFor is not persisted, so a restarted node can vote twice in one term" },
    BugInfo {
        name: "truncate-on-stale-append",
        what: "a follower deletes everything after prevLogIndex on every AppendEntries, so a stale reordered message erases entries",
    },
    BugInfo {
        name: "unsafe-membership",
        what: "configuration changes without the rule that the leader first commits an entry of its own term (the 2015 single-server change bug)",
    },
];

pub const OPTIONS: &[OptionInfo] = &[
    OptionInfo { key: "election", default: "150ms..300ms", what: "election timeout range, re-drawn at every reset (§5.2)" },
    OptionInfo { key: "heartbeat", default: "50ms", what: "leader heartbeat interval" },
    OptionInfo { key: "prevote", default: "on", what: "PreVote phase before elections (dissertation §9.6)" },
    OptionInfo {
        key: "checkquorum",
        default: "off",
        what: "a leader steps down after an election timeout without hearing from a majority; voters ignore RequestVote while they hear from a leader (§4.2.3)",
    },
    OptionInfo { key: "fastbacktrack", default: "on", what: "conflict term / index hints on refused AppendEntries (end of §5.3)" },
    OptionInfo { key: "readindex", default: "on", what: "reads confirmed by a heartbeat round (dissertation §6.4); off: the leader answers from its own state" },
    OptionInfo {
        key: "noop",
        default: "on",
        what: "a new leader appends a no-op entry of its term at once (§8); off shows why it matters (Figure 8)",
    },
    OptionInfo { key: "snapshot", default: "100", what: "compact the log every this many applied entries (0: never) (§7)" },
    OptionInfo { key: "members", default: "all", what: "how many nodes (1..n) form the initial configuration; the rest can be added" },
];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bugs {
    pub commit_previous_term: bool,
    pub no_election_restriction: bool,
    pub forget_vote: bool,
    pub truncate_on_stale_append: bool,
    pub unsafe_membership: bool,
}

#[derive(Clone, Debug)]
pub struct RaftConfig {
    pub node_count: usize,
    pub initial: Membership,
    pub election_us_min: TimeUs,
    pub election_us_max: TimeUs,
    pub heartbeat_us: TimeUs,
    pub prevote: bool,
    pub check_quorum: bool,
    pub fast_backtrack: bool,
    pub read_index: bool,
    pub noop: bool,
    pub snapshot_entries: u64,
    pub bugs: Bugs,
}

impl RaftConfig {
    pub fn new(cluster: &Cluster, bug: Option<&str>, options: &TextMap) -> Result<Self, String> {
        let mut bugs = Bugs::default();
        match planted_bug(Raft::NAME, bug, BUGS)? {
            Some("commit-previous-term") => bugs.commit_previous_term = true,
            Some("no-election-restriction") => bugs.no_election_restriction = true,
            Some("forget-vote") => bugs.forget_vote = true,
            Some("truncate-on-stale-append") => bugs.truncate_on_stale_append = true,
            Some("unsafe-membership") => bugs.unsafe_membership = true,
            _ => {}
        }
        let mut config = RaftConfig {
            node_count: cluster.len(),
            initial: Membership { voters: cluster.nodes.clone(), learners: Vec::new() },
            election_us_min: 150 * US_PER_MS,
            election_us_max: 300 * US_PER_MS,
            heartbeat_us: 50 * US_PER_MS,
            prevote: true,
            check_quorum: false,
            fast_backtrack: true,
            read_index: true,
            noop: true,
            snapshot_entries: 100,
            bugs,
        };
        let o = OptionReader::new(Raft::NAME, OPTIONS, options)?;
        let mut election = (config.election_us_min, config.election_us_max);
        o.set_duration_range("election", &mut election, DURATION_US_MAX)?;
        (config.election_us_min, config.election_us_max) = election;
        o.set_duration("heartbeat", &mut config.heartbeat_us, 1..=DURATION_US_MAX)?;
        o.set_on_off("prevote", &mut config.prevote)?;
        o.set_on_off("checkquorum", &mut config.check_quorum)?;
        o.set_on_off("fastbacktrack", &mut config.fast_backtrack)?;
        o.set_on_off("readindex", &mut config.read_index)?;
        o.set_on_off("noop", &mut config.noop)?;
        o.set_number("snapshot", &mut config.snapshot_entries, 0..=u64::MAX)?;
        let mut members = cluster.len() as u64;
        o.set_number("members", &mut members, 1..=cluster.len() as u64)?;
        config.initial.voters = (0..members as usize).map(NodeId::from_index).collect();
        if config.heartbeat_us >= config.election_us_min {
            return Err("the heartbeat must be shorter than the election timeout".into());
        }
        Ok(config)
    }
}
