//! The settings of a run. Together with the protocol name and the user's actions they determine
//! the run exactly.

use super::network::LinkParams;
use crate::core::TextMap;
use crate::core::{TimeUs, US_PER_MS, US_PER_S};
use serde::{Deserialize, Serialize};

/// The largest cluster the simulator accepts (the page offers 1–15; more via the URL).
pub const NODES_MAX: usize = 101;
pub const CLIENTS_MAX: u32 = 100;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FaultPreset {
    #[default]
    None,
    Chaos,
}

impl FaultPreset {
    pub fn parse(text: &str) -> Result<FaultPreset, String> {
        match text {
            "none" => Ok(FaultPreset::None),
            "chaos" => Ok(FaultPreset::Chaos),
            _ => Err(format!("unknown fault preset {text:?}: use none or chaos")),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            FaultPreset::None => "none",
            FaultPreset::Chaos => "chaos",
        }
    }
    pub const ALL: [(&'static str, &'static str); 2] = [
        ("none", "no faults but what a scenario or a person injects"),
        (
            "chaos",
            "swarm testing: loss, duplication, latency, partitions, one-way cuts, crashes, pauses and \
             clock drift drawn from the seed for the first half of the run; then everything heals and \
             liveness is checked",
        ),
    ];
}

/// Bounds on everything that could grow without limit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Limits {
    /// Messages in flight at once; more are dropped as `overflow`.
    pub in_flight_max: usize,
    /// Inputs held for one paused node.
    pub deferred_max: usize,
    /// Trace records kept in memory (the hash covers all of them).
    pub trace_records_max: usize,
    /// Events processed by one `run_until` call.
    pub steps_per_call_max: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            in_flight_max: 100_000,
            deferred_max: 10_000,
            trace_records_max: 200_000,
            steps_per_call_max: 50_000_000,
        }
    }
}

/// The closed-loop client workload.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Workload {
    pub clients: u32,
    /// Think time between one command's return and the next command.
    pub interval_us: TimeUs,
    /// How long a client waits for an answer before trying another node.
    pub timeout_us: TimeUs,
    /// Attempts per command before the client gives up (outcome unknown or fail).
    pub attempts_max: u32,
}

impl Default for Workload {
    fn default() -> Self {
        Workload { clients: 1, interval_us: 100 * US_PER_MS, timeout_us: 500 * US_PER_MS, attempts_max: 10 }
    }
}

/// Everything that defines a run besides the protocol and the actions.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Setup {
    pub nodes: usize,
    pub seed: u64,
    pub bug: Option<String>,
    /// Protocol options (`prevote=on`, ...), checked by the protocol.
    pub options: TextMap,
    pub faults: FaultPreset,
    pub duration_us: TimeUs,
    pub link: LinkParams,
    pub workload: Workload,
    pub limits: Limits,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            nodes: 5,
            seed: 1,
            bug: None,
            options: TextMap::new(),
            faults: FaultPreset::None,
            duration_us: 10 * US_PER_S,
            link: LinkParams::default(),
            workload: Workload::default(),
            limits: Limits::default(),
        }
    }
}

impl Setup {
    /// Checks the generic settings; the protocol checks its bug name and options.
    pub fn validate(&self) -> Result<(), String> {
        if self.nodes == 0 || self.nodes > NODES_MAX {
            return Err(format!("nodes must be between 1 and {NODES_MAX}, not {}", self.nodes));
        }
        if self.workload.clients > CLIENTS_MAX {
            return Err(format!("clients must be at most {CLIENTS_MAX}, not {}", self.workload.clients));
        }
        if self.workload.clients > 0 && self.workload.timeout_us == 0 {
            return Err("the client timeout must be positive".into());
        }
        if self.workload.attempts_max == 0 || self.workload.attempts_max > 255 {
            return Err("client attempts must be between 1 and 255".into());
        }
        if self.link.latency_us_min > self.link.latency_us_max {
            return Err("the latency range is empty (min > max)".into());
        }
        if self.duration_us > crate::core::time::DURATION_US_MAX {
            return Err("the duration is longer than 24h".into());
        }
        Ok(())
    }
}
