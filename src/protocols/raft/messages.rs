//! Raft's messages (Figure 2 of the extended paper, §7 InstallSnapshot, dissertation §9.6
//! PreVote and §3.10 TimeoutNow), each with one `describe()` line.

use super::log::{Entry, Snapshot};
use crate::core::Message;
use std::rc::Rc;

/// The entries of every heartbeat: one empty slice, so a heartbeat allocates nothing.
pub fn no_entries() -> Rc<[Entry]> {
    thread_local! {
        static EMPTY: Rc<[Entry]> = Rc::from(Vec::new());
    }
    EMPTY.with(|e| e.clone())
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RaftMsg {
    /// `term` is the term the sender would campaign in; nobody changes state on receiving it.
    PreVote {
        term: u64,
        last_index: u64,
        last_term: u64,
    },
    PreVoteResponse {
        term: u64,
        granted: bool,
    },
    /// `transfer`: sent after TimeoutNow, so voters must not ignore it for having a leader.
    RequestVote {
        term: u64,
        last_index: u64,
        last_term: u64,
        transfer: bool,
    },
    RequestVoteResponse {
        term: u64,
        granted: bool,
    },
    /// `entries` are shared: the copy of the message in the trace's `send` record (and a
    /// duplicate) costs a reference count, not a vector. A heartbeat's are [`no_entries`].
    AppendEntries {
        term: u64,
        prev_index: u64,
        prev_term: u64,
        entries: Rc<[Entry]>,
        commit: u64,
        round: u64,
    },
    /// On failure, `conflict_index`/`conflict_term` let the leader skip back a whole term at a time
    /// (end of §5.3).
    AppendEntriesResponse {
        term: u64,
        success: bool,
        match_index: u64,
        conflict_index: u64,
        conflict_term: Option<u64>,
        round: u64,
    },
    InstallSnapshot {
        term: u64,
        snapshot: Box<Snapshot>,
        round: u64,
    },
    InstallSnapshotResponse {
        term: u64,
        match_index: u64,
        round: u64,
    },
    /// Leadership transfer: start an election now (dissertation §3.10).
    TimeoutNow {
        term: u64,
    },
}

impl RaftMsg {
    /// The [`Message::class`] of a `RequestVoteResponse` (a vote, granted or not).
    pub const REQUEST_VOTE_RESPONSE: u32 = 3;

    pub fn term(&self) -> u64 {
        match self {
            RaftMsg::PreVote { term, .. }
            | RaftMsg::PreVoteResponse { term, .. }
            | RaftMsg::RequestVote { term, .. }
            | RaftMsg::RequestVoteResponse { term, .. }
            | RaftMsg::AppendEntries { term, .. }
            | RaftMsg::AppendEntriesResponse { term, .. }
            | RaftMsg::InstallSnapshot { term, .. }
            | RaftMsg::InstallSnapshotResponse { term, .. }
            | RaftMsg::TimeoutNow { term } => *term,
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "granted"
    } else {
        "refused"
    }
}

impl Message for RaftMsg {
    fn describe(&self) -> String {
        match self {
            RaftMsg::PreVote { term, last_index, last_term } => {
                format!("PreVote(term={term}, last={last_index}@{last_term})")
            }
            RaftMsg::PreVoteResponse { term, granted } => format!("PreVoteResponse(term={term}, {})", yes_no(*granted)),
            RaftMsg::RequestVote { term, last_index, last_term, transfer } => format!(
                "RequestVote(term={term}, last={last_index}@{last_term}{})",
                if *transfer { ", transfer" } else { "" }
            ),
            RaftMsg::RequestVoteResponse { term, granted } => {
                format!("RequestVoteResponse(term={term}, {})", yes_no(*granted))
            }
            RaftMsg::AppendEntries { term, prev_index, prev_term, entries, commit, .. } => format!(
                "AppendEntries(term={term}, prev={prev_index}@{prev_term}, entries={}, commit={commit})",
                entries.len()
            ),
            RaftMsg::AppendEntriesResponse { term, success, match_index, conflict_index, conflict_term, .. } => {
                if *success {
                    format!("AppendEntriesResponse(term={term}, ok, match={match_index})")
                } else {
                    let hint = conflict_term.map_or(String::new(), |t| format!(", conflict term {t}"));
                    format!("AppendEntriesResponse(term={term}, refused, conflict at {conflict_index}{hint})")
                }
            }
            RaftMsg::InstallSnapshot { term, snapshot, .. } => {
                format!("InstallSnapshot(term={term}, last={}@{})", snapshot.index, snapshot.term)
            }
            RaftMsg::InstallSnapshotResponse { term, match_index, .. } => {
                format!("InstallSnapshotResponse(term={term}, match={match_index})")
            }
            RaftMsg::TimeoutNow { term } => format!("TimeoutNow(term={term})"),
        }
    }
    fn class(&self) -> u32 {
        match self {
            RaftMsg::PreVote { .. } => 0,
            RaftMsg::PreVoteResponse { .. } => 1,
            RaftMsg::RequestVote { .. } => 2,
            RaftMsg::RequestVoteResponse { .. } => Self::REQUEST_VOTE_RESPONSE,
            RaftMsg::AppendEntries { .. } => 4,
            RaftMsg::AppendEntriesResponse { .. } => 5,
            RaftMsg::InstallSnapshot { .. } => 6,
            RaftMsg::InstallSnapshotResponse { .. } => 7,
            RaftMsg::TimeoutNow { .. } => 8,
        }
    }
    fn kind(&self) -> &'static str {
        match self {
            RaftMsg::PreVote { .. } => "PreVote",
            RaftMsg::PreVoteResponse { .. } => "PreVoteResponse",
            RaftMsg::RequestVote { .. } => "RequestVote",
            RaftMsg::RequestVoteResponse { .. } => "RequestVoteResponse",
            RaftMsg::AppendEntries { .. } => "AppendEntries",
            RaftMsg::AppendEntriesResponse { .. } => "AppendEntriesResponse",
            RaftMsg::InstallSnapshot { .. } => "InstallSnapshot",
            RaftMsg::InstallSnapshotResponse { .. } => "InstallSnapshotResponse",
            RaftMsg::TimeoutNow { .. } => "TimeoutNow",
        }
    }
    fn is_reply(&self) -> bool {
        matches!(
            self,
            RaftMsg::PreVoteResponse { .. }
                | RaftMsg::RequestVoteResponse { .. }
                | RaftMsg::AppendEntriesResponse { .. }
                | RaftMsg::InstallSnapshotResponse { .. }
        )
    }
}
