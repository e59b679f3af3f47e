//! The one fault vocabulary: UI buttons, scenario scripts, chaos runs and the JS API all speak it.

use crate::core::time::{format_duration, format_ppm};
use crate::core::{NodeId, TimeUs};
use serde::{Deserialize, Serialize};

/// A partial change to link parameters; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LinkChange {
    pub latency_us: Option<(TimeUs, TimeUs)>,
    pub drop_ppm: Option<u32>,
    pub duplicate_ppm: Option<u32>,
}

impl LinkChange {
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some((lo, hi)) = self.latency_us {
            parts.push(format!("latency {}..{}", format_duration(lo), format_duration(hi)));
        }
        if let Some(p) = self.drop_ppm {
            parts.push(format!("drop {}", format_ppm(p)));
        }
        if let Some(p) = self.duplicate_ppm {
            parts.push(format!("duplicate {}", format_ppm(p)));
        }
        parts.join(" ")
    }
}

/// Something a person, a script or the chaos generator does to the cluster.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "action")]
pub enum Action {
    /// The node stops; its volatile state, timers and queued input are lost.
    Crash {
        node: NodeId,
    },
    /// A crashed node starts again from what it persisted.
    Restart {
        node: NodeId,
    },
    /// The node freezes (no timers, no deliveries) for `for_us`, then resumes with a stale view.
    Pause {
        node: NodeId,
        for_us: TimeUs,
    },
    Resume {
        node: NodeId,
    },
    /// Splits the nodes into groups that cannot talk to each other; nodes not named form one more
    /// group together.
    Partition {
        groups: Vec<Vec<NodeId>>,
    },
    /// Cuts the link `from → to` one way.
    Cut {
        from: NodeId,
        to: NodeId,
    },
    /// Restores the link `from → to`.
    Uncut {
        from: NodeId,
        to: NodeId,
    },
    /// Removes every partition and cut.
    Heal,
    /// Heals everything: partitions, cuts, crashed and paused nodes, drift, loss and duplication.
    /// The run's stable (liveness) phase starts here.
    HealAll,
    /// Changes link parameters: one directed link, all links out of / into a node, or all links.
    Link {
        from: Option<NodeId>,
        to: Option<NodeId>,
        change: LinkChange,
    },
    /// Sets the rate of a node's clock in percent (100 = true time; 150 = timers fire early).
    Drift {
        node: NodeId,
        rate_pct: u32,
    },
    /// Sends one client command to a node.
    Request {
        node: NodeId,
        op: String,
    },
    /// Changes the client workload: `clients` closed-loop clients, each waiting `interval_us`
    /// between commands (0 clients switches the load off).
    Workload {
        clients: u32,
        interval_us: TimeUs,
    },
    /// Drops a message in flight.
    DropMessage {
        id: u64,
    },
    /// Delivers an extra copy of a message in flight.
    DuplicateMessage {
        id: u64,
    },
    /// Delays a message in flight by `by_us`.
    DelayMessage {
        id: u64,
        by_us: TimeUs,
    },
    /// A narration caption (lessons); it changes nothing. With `wait`, the page pauses at it
    /// until the reader continues (other runners ignore the wait).
    Say {
        text: String,
        #[serde(default, skip_serializing_if = "Wait::is_off")]
        wait: Wait,
    },
    /// An operator command for the protocol (`timeout`, `transfer 3`, `add 4`, `remove 2`), sent
    /// to `node`, or to the node that believes it leads when `node` is `None`.
    Admin {
        node: Option<NodeId>,
        command: String,
    },
}

/// Whether a caption waits for the reader. It hashes to nothing when off, so traces with captions
/// that do not wait (and their golden hashes) are the same as before the flag existed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wait(pub bool);

impl Wait {
    pub fn is_off(&self) -> bool {
        !self.0
    }
}

impl std::hash::Hash for Wait {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        if self.0 {
            true.hash(state);
        }
    }
}

/// A string as the scenario language quotes it (only `"`, `\\` and newlines are escaped), so that
/// every described action parses back to itself.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn group_text(group: &[NodeId]) -> String {
    let ids: Vec<String> = group.iter().map(|n| n.0.to_string()).collect();
    format!("{{{}}}", ids.join(","))
}

fn node_or_all(node: Option<NodeId>) -> String {
    node.map_or_else(|| "*".to_string(), |n| n.0.to_string())
}

impl Action {
    /// One line, in the scenario language's own syntax where there is one.
    pub fn describe(&self) -> String {
        match self {
            Action::Crash { node } => format!("crash {}", node.0),
            Action::Restart { node } => format!("restart {}", node.0),
            Action::Pause { node, for_us } => {
                format!("pause {} for {}", node.0, format_duration(*for_us))
            }
            Action::Resume { node } => format!("resume {}", node.0),
            Action::Partition { groups } => {
                let groups: Vec<String> = groups.iter().map(|g| group_text(g)).collect();
                format!("partition {}", groups.join(" "))
            }
            Action::Cut { from, to } => format!("cut {}->{}", from.0, to.0),
            Action::Uncut { from, to } => format!("uncut {}->{}", from.0, to.0),
            Action::Heal => "heal".to_string(),
            Action::HealAll => "heal-all".to_string(),
            Action::Link { from, to, change } => {
                format!("link {}->{} {}", node_or_all(*from), node_or_all(*to), change.describe())
            }
            Action::Drift { node, rate_pct } => format!("drift {} {}%", node.0, rate_pct),
            Action::Request { node, op } => format!("request {} {}", node.0, quote(op)),
            Action::Workload { clients, interval_us } => {
                format!("clients {} every {}", clients, format_duration(*interval_us))
            }
            Action::DropMessage { id } => format!("drop-message {id}"),
            Action::DuplicateMessage { id } => format!("duplicate-message {id}"),
            Action::DelayMessage { id, by_us } => {
                format!("delay-message {id} {}", format_duration(*by_us))
            }
            Action::Say { text, wait } => format!("say {}{}", quote(text), if wait.0 { " wait" } else { "" }),
            Action::Admin { node, command } => match node {
                Some(n) => format!("admin {} {}", n.0, quote(command)),
                None => format!("admin leader {}", quote(command)),
            },
        }
    }

    /// Whether the action is a fault (it ends the stable phase that liveness is checked in).
    pub fn is_fault(&self) -> bool {
        match self {
            Action::Crash { .. }
            | Action::Pause { .. }
            | Action::Partition { .. }
            | Action::Cut { .. }
            | Action::Drift { .. }
            | Action::DropMessage { .. }
            | Action::DuplicateMessage { .. }
            | Action::DelayMessage { .. } => true,
            Action::Link { change, .. } => change.drop_ppm.unwrap_or(0) > 0 || change.duplicate_ppm.unwrap_or(0) > 0,
            _ => false,
        }
    }

    /// The nodes the action names, to check them against the cluster size.
    pub fn nodes(&self) -> Vec<NodeId> {
        match self {
            Action::Crash { node }
            | Action::Restart { node }
            | Action::Pause { node, .. }
            | Action::Resume { node }
            | Action::Drift { node, .. }
            | Action::Request { node, .. } => vec![*node],
            Action::Cut { from, to } | Action::Uncut { from, to } => vec![*from, *to],
            Action::Partition { groups } => groups.iter().flatten().copied().collect(),
            Action::Link { from, to, .. } => from.iter().chain(to.iter()).copied().collect(),
            Action::Admin { node, .. } => node.iter().copied().collect(),
            _ => Vec::new(),
        }
    }
}
