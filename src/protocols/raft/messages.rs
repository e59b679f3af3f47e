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
    PreVote(PreVote),
    PreVoteResponse(PreVoteResponse),
    /// `transfer`: sent after TimeoutNow, so voters must not ignore it for having a leader.
    RequestVote(RequestVote),
    RequestVoteResponse(RequestVoteResponse),
    /// `entries` are shared: the copy of the message in the trace's `send` record (and a
    /// duplicate) costs a reference count, not a vector. A heartbeat's are [`no_entries`].
    AppendEntries(AppendEntries),
    /// On failure, `conflict_index`/`conflict_term` let the leader skip back a whole term at a time
    /// (end of §5.3).
    AppendEntriesResponse(AppendEntriesResponse),
    InstallSnapshot(InstallSnapshot),
    InstallSnapshotResponse(InstallSnapshotResponse),
    /// Leadership transfer: start an election now (dissertation §3.10).
    TimeoutNow(TimeoutNow),
}

/// `term` is the term the sender would campaign in; nobody changes state on receiving it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PreVote {
    pub term: u64,
    pub last_index: u64,
    pub last_term: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PreVoteResponse {
    pub term: u64,
    pub granted: bool,
}

/// `transfer`: sent after TimeoutNow, so voters must not ignore it for having a leader.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RequestVote {
    pub term: u64,
    pub last_index: u64,
    pub last_term: u64,
    pub transfer: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RequestVoteResponse {
    pub term: u64,
    pub granted: bool,
}

/// `entries` are shared: the copy of the message in the trace's `send` record (and a
/// duplicate) costs a reference count, not a vector. A heartbeat's are [`no_entries`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AppendEntries {
    pub term: u64,
    pub prev_index: u64,
    pub prev_term: u64,
    pub entries: Rc<[Entry]>,
    pub commit: u64,
    pub round: u64,
}

/// On failure, `conflict_index`/`conflict_term` let the leader skip back a whole term at a time
/// (end of §5.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AppendEntriesResponse {
    pub term: u64,
    pub success: bool,
    pub match_index: u64,
    pub conflict_index: u64,
    pub conflict_term: Option<u64>,
    pub round: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InstallSnapshot {
    pub term: u64,
    pub snapshot: Box<Snapshot>,
    pub round: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InstallSnapshotResponse {
    pub term: u64,
    pub match_index: u64,
    pub round: u64,
}

/// Leadership transfer: start an election now (dissertation §3.10).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TimeoutNow {
    pub term: u64,
}

impl RaftMsg {
    /// The [`Message::class`] of a `RequestVoteResponse` (a vote, granted or not).
    pub const REQUEST_VOTE_RESPONSE: u32 = 3;

    pub fn term(&self) -> u64 {
        match self {
            RaftMsg::PreVote(PreVote { term, .. })
            | RaftMsg::PreVoteResponse(PreVoteResponse { term, .. })
            | RaftMsg::RequestVote(RequestVote { term, .. })
            | RaftMsg::RequestVoteResponse(RequestVoteResponse { term, .. })
            | RaftMsg::AppendEntries(AppendEntries { term, .. })
            | RaftMsg::AppendEntriesResponse(AppendEntriesResponse { term, .. })
            | RaftMsg::InstallSnapshot(InstallSnapshot { term, .. })
            | RaftMsg::InstallSnapshotResponse(InstallSnapshotResponse { term, .. })
            | RaftMsg::TimeoutNow(TimeoutNow { term }) => *term,
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
            RaftMsg::PreVote(PreVote { term, last_index, last_term }) => {
                format!("PreVote(term={term}, last={last_index}@{last_term})")
            }
            RaftMsg::PreVoteResponse(PreVoteResponse { term, granted }) => {
                format!("PreVoteResponse(term={term}, {})", yes_no(*granted))
            }
            RaftMsg::RequestVote(RequestVote { term, last_index, last_term, transfer }) => format!(
                "RequestVote(term={term}, last={last_index}@{last_term}{})",
                if *transfer { ", transfer" } else { "" }
            ),
            RaftMsg::RequestVoteResponse(RequestVoteResponse { term, granted }) => {
                format!("RequestVoteResponse(term={term}, {})", yes_no(*granted))
            }
            RaftMsg::AppendEntries(AppendEntries { term, prev_index, prev_term, entries, commit, .. }) => format!(
                "AppendEntries(term={term}, prev={prev_index}@{prev_term}, entries={}, commit={commit})",
                entries.len()
            ),
            RaftMsg::AppendEntriesResponse(AppendEntriesResponse {
                term,
                success,
                match_index,
                conflict_index,
                conflict_term,
                ..
            }) => {
                if *success {
                    format!("AppendEntriesResponse(term={term}, ok, match={match_index})")
                } else {
                    let hint = conflict_term.map_or(String::new(), |t| format!(", conflict term {t}"));
                    format!("AppendEntriesResponse(term={term}, refused, conflict at {conflict_index}{hint})")
                }
            }
            RaftMsg::InstallSnapshot(InstallSnapshot { term, snapshot, .. }) => {
                format!("InstallSnapshot(term={term}, last={}@{})", snapshot.index, snapshot.term)
            }
            RaftMsg::InstallSnapshotResponse(InstallSnapshotResponse { term, match_index, .. }) => {
                format!("InstallSnapshotResponse(term={term}, match={match_index})")
            }
            RaftMsg::TimeoutNow(TimeoutNow { term }) => format!("TimeoutNow(term={term})"),
        }
    }
    fn class(&self) -> u32 {
        match self {
            RaftMsg::PreVote(PreVote { .. }) => 0,
            RaftMsg::PreVoteResponse(PreVoteResponse { .. }) => 1,
            RaftMsg::RequestVote(RequestVote { .. }) => 2,
            RaftMsg::RequestVoteResponse(RequestVoteResponse { .. }) => Self::REQUEST_VOTE_RESPONSE,
            RaftMsg::AppendEntries(AppendEntries { .. }) => 4,
            RaftMsg::AppendEntriesResponse(AppendEntriesResponse { .. }) => 5,
            RaftMsg::InstallSnapshot(InstallSnapshot { .. }) => 6,
            RaftMsg::InstallSnapshotResponse(InstallSnapshotResponse { .. }) => 7,
            RaftMsg::TimeoutNow(TimeoutNow { .. }) => 8,
        }
    }
    fn kind(&self) -> &'static str {
        match self {
            RaftMsg::PreVote(PreVote { .. }) => "PreVote",
            RaftMsg::PreVoteResponse(PreVoteResponse { .. }) => "PreVoteResponse",
            RaftMsg::RequestVote(RequestVote { .. }) => "RequestVote",
            RaftMsg::RequestVoteResponse(RequestVoteResponse { .. }) => "RequestVoteResponse",
            RaftMsg::AppendEntries(AppendEntries { .. }) => "AppendEntries",
            RaftMsg::AppendEntriesResponse(AppendEntriesResponse { .. }) => "AppendEntriesResponse",
            RaftMsg::InstallSnapshot(InstallSnapshot { .. }) => "InstallSnapshot",
            RaftMsg::InstallSnapshotResponse(InstallSnapshotResponse { .. }) => "InstallSnapshotResponse",
            RaftMsg::TimeoutNow(TimeoutNow { .. }) => "TimeoutNow",
        }
    }
    fn is_reply(&self) -> bool {
        matches!(
            self,
            RaftMsg::PreVoteResponse(PreVoteResponse { .. })
                | RaftMsg::RequestVoteResponse(RequestVoteResponse { .. })
                | RaftMsg::AppendEntriesResponse(AppendEntriesResponse { .. })
                | RaftMsg::InstallSnapshotResponse(InstallSnapshotResponse { .. })
        )
    }
}
