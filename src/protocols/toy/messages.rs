use crate::core::Message;

/// One log entry: a client command.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    /// The value as traced (`c1#3 set k2 1.3`).
    pub value: String,
    pub client: u32,
    pub seq: u64,
    pub op: crate::core::Text,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ToyMsg {
    /// Primary → backup: the entries after the first `prev_len`, and the commit index.
    Replicate { prev_len: u64, entries: Vec<Entry>, commit: u64 },
    /// Backup → primary: the length of the backup's log.
    Ack { len: u64 },
}

impl Message for ToyMsg {
    fn describe(&self) -> String {
        match self {
            ToyMsg::Replicate { prev_len, entries, commit } => {
                format!("Replicate(prev={prev_len}, entries={}, commit={commit})", entries.len())
            }
            ToyMsg::Ack { len } => format!("Ack(len={len})"),
        }
    }
    fn kind(&self) -> &'static str {
        match self {
            ToyMsg::Replicate { .. } => "Replicate",
            ToyMsg::Ack { .. } => "Ack",
        }
    }
    fn is_reply(&self) -> bool {
        matches!(self, ToyMsg::Ack { .. })
    }
}
