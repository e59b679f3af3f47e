//! Raft's options and planted bugs.

use super::log::Membership;
use crate::core::TextMap;
use crate::core::{BugInfo, Cluster, NodeId, OptionInfo, TimeUs, US_PER_MS};
use crate::sim::time::{parse_duration, parse_duration_range};

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

fn on_off(key: &str, value: &str) -> Result<bool, String> {
    match value {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        _ => Err(format!("option {key} is on or off, not {value:?}")),
    }
}

impl RaftConfig {
    pub fn new(cluster: &Cluster, bug: Option<&str>, options: &TextMap) -> Result<Self, String> {
        let mut bugs = Bugs::default();
        match bug {
            None => {}
            Some("commit-previous-term") => bugs.commit_previous_term = true,
            Some("no-election-restriction") => bugs.no_election_restriction = true,
            Some("forget-vote") => bugs.forget_vote = true,
            Some("truncate-on-stale-append") => bugs.truncate_on_stale_append = true,
            Some("unsafe-membership") => bugs.unsafe_membership = true,
            Some(other) => return Err(crate::core::unknown_bug("raft", other, BUGS)),
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
        for (key, value) in options {
            match key.as_str() {
                "election" => {
                    if !value.contains("..") {
                        return Err("option election is a range like 150ms..300ms".into());
                    }
                    let (lo, hi) = parse_duration_range(value)?;
                    if lo == 0 || lo > hi {
                        return Err("option election needs 0 < min <= max".into());
                    }
                    (config.election_us_min, config.election_us_max) = (lo, hi);
                }
                "heartbeat" => {
                    config.heartbeat_us = parse_duration(value)?;
                    if config.heartbeat_us == 0 {
                        return Err("option heartbeat must be positive".into());
                    }
                }
                "prevote" => config.prevote = on_off(key, value)?,
                "checkquorum" => config.check_quorum = on_off(key, value)?,
                "fastbacktrack" => config.fast_backtrack = on_off(key, value)?,
                "readindex" => config.read_index = on_off(key, value)?,
                "noop" => config.noop = on_off(key, value)?,
                "snapshot" => {
                    config.snapshot_entries =
                        value.parse().map_err(|_| format!("option snapshot is a number of entries, not {value:?}"))?
                }
                "members" => {
                    let n: usize =
                        value.parse().map_err(|_| format!("option members is a number of nodes, not {value:?}"))?;
                    if n == 0 || n > cluster.len() {
                        return Err(format!("option members must be between 1 and {}", cluster.len()));
                    }
                    config.initial.voters = (0..n).map(NodeId::from_index).collect();
                }
                _ => {
                    let keys: Vec<&str> = OPTIONS.iter().map(|o| o.key).collect();
                    return Err(format!("protocol raft has no option {key:?} (it has: {})", keys.join(", ")));
                }
            }
        }
        if config.heartbeat_us >= config.election_us_min {
            return Err("the heartbeat must be shorter than the election timeout".into());
        }
        Ok(config)
    }
}
