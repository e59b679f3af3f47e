//! The applications protocols replicate, each behind [`crate::core::App`]: what clients send, how
//! a replica executes it, and the sequential specification a history checker needs.
//!
//! - [`kv`]: a key-value store (`get`, `set`/`put`, `append`, `cas`, `delete`), which Raft,
//!   Multi-Paxos and the systems after them replicate;
//! - [`bank`]: accounts sharded over participants and transfers between them, which two-phase
//!   commit runs.
//!
//! [`Replica`] adds what replication needs on top of any of them: client sessions, so that a
//! command retried by its client executes once.

pub mod bank;
pub mod kv;

use crate::core::{App, Command, Text, TimeUs};
use litemap::LiteMap;

/// An application's state on one replica, with client sessions so that a retried command
/// executes once (Raft dissertation §6.3).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Replica<A> {
    pub app: A,
    /// Per client: the highest executed sequence number and its result.
    pub sessions: LiteMap<u32, (u64, Text)>,
}

impl<A: App> Replica<A> {
    /// Executes a command once per (client, seq); a repeat returns the first result.
    pub fn execute(&mut self, command: &Command) -> Text {
        if let Some((seq, result)) = self.sessions.get(&command.client) {
            if command.seq <= *seq {
                return result.clone();
            }
        }
        let result = self.app.execute(&command.op);
        self.sessions.insert(command.client, (command.seq, result.clone()));
        result
    }

    /// Whether the command has been executed already.
    pub fn executed(&self, client: u32, seq: u64) -> bool {
        self.sessions.get(&client).is_some_and(|(s, _)| seq <= *s)
    }

    /// The result of a client's newest executed command.
    pub fn last_result(&self, client: u32) -> Option<&Text> {
        self.sessions.get(&client).map(|(_, result)| result)
    }
}

/// One client operation of a history, typed by the application: invoked at `invoke_us`, and
/// returned at `return_us` with its output, failed (it definitely did not happen), or unknown
/// (it may have happened at any time after its invocation, or never).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation<A: App> {
    pub client: u32,
    pub seq: u64,
    pub op: A::Op,
    pub invoke_us: TimeUs,
    pub end: End<A>,
}

/// How an operation of a history ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End<A: App> {
    /// Still running when the history was taken.
    Pending,
    Ok {
        return_us: TimeUs,
        output: A::Output,
    },
    Fail {
        return_us: TimeUs,
    },
    Unknown {
        return_us: TimeUs,
    },
}

/// A client history being read from a run's `invoke` / `return` records, operations typed by
/// the application. Text the application does not parse (a command a person mistyped) is
/// counted apart: such an operation changes nothing.
#[derive(Clone, Debug)]
pub struct History<A: App> {
    pub operations: Vec<Operation<A>>,
    /// Operations whose text or result the application could not read: `(client, seq, why)`.
    pub unreadable: Vec<(u32, u64, String)>,
    /// Open operations: (client, seq) → position in `operations`.
    open: LiteMap<(u32, u64), usize>,
}

impl<A: App> Default for History<A> {
    fn default() -> Self {
        History { operations: Vec::new(), unreadable: Vec::new(), open: LiteMap::new() }
    }
}

impl<A: App> History<A> {
    /// A client invoked operation `seq` with text `op`.
    pub fn invoke(&mut self, t_us: TimeUs, client: u32, seq: u64, op: &str) {
        match A::parse_op(op) {
            Ok(op) => {
                self.open.insert((client, seq), self.operations.len());
                self.operations.push(Operation { client, seq, op, invoke_us: t_us, end: End::Pending });
            }
            Err(why) => self.unreadable.push((client, seq, why)),
        }
    }

    /// The operation returned.
    pub fn ret(&mut self, t_us: TimeUs, client: u32, seq: u64, result: Returned<'_>) {
        let Some(at) = self.open.remove(&(client, seq)) else { return };
        let operation = &mut self.operations[at];
        operation.end = match result {
            Returned::Ok(text) => match A::parse_output(&operation.op, text) {
                Ok(output) => End::Ok { return_us: t_us, output },
                Err(why) => {
                    self.unreadable.push((client, seq, why));
                    End::Unknown { return_us: t_us }
                }
            },
            Returned::Unknown => End::Unknown { return_us: t_us },
            Returned::Fail => End::Fail { return_us: t_us },
        };
    }
}

/// How a client reported an operation's end: with its result text, failed, or not knowing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returned<'a> {
    Ok(&'a str),
    Fail,
    Unknown,
}
