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

use crate::core::{App, Command, Text};
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
