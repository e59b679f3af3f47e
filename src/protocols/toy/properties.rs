//! Properties of the toy primary-backup protocol.

use super::{Toy, ToyConfig, PRIMARY};
use crate::check::{Checked, Property};
use crate::core::{Command, Observation, Shared, Text};
use crate::sim::{Outcome, Rec, RecordKind, Simulation};
use litemap::LiteMap;

impl Checked for Toy {
    fn properties(_config: &ToyConfig) -> Vec<Box<dyn Property<Self>>> {
        vec![Box::new(IndexAgreement::default()), Box::new(AckedDurable::default())]
    }
}

/// No two nodes ever hold different commands at the same log index.
#[derive(Clone, Debug, Default)]
struct IndexAgreement {
    first: LiteMap<u64, Text>,
}

impl Property<Toy> for IndexAgreement {
    fn name(&self) -> &str {
        "index-agreement"
    }
    fn explain(&self) -> &str {
        "no two nodes ever hold different commands at the same log index"
    }
    fn observe(&mut self, record: &Rec<Toy>, _sim: &Simulation<Toy>) -> Result<(), String> {
        if let RecordKind::Observe { node, obs: Observation::Shared(Shared::Append { index, value, .. }) } =
            &record.kind
        {
            match self.first.get(index) {
                Some(first) if first != value => {
                    return Err(format!("{node} appended {value:?} at index {index}, which already held {first:?}"))
                }
                Some(_) => {}
                None => {
                    self.first.insert(*index, value.clone());
                }
            }
        }
        Ok(())
    }
}

/// Every command acknowledged to a client is still in the primary's log after the primary
/// restarts.
#[derive(Clone, Debug, Default)]
struct AckedDurable {
    invoked: LiteMap<(u32, u64), String>,
    acked: Vec<String>,
}

impl Property<Toy> for AckedDurable {
    fn name(&self) -> &str {
        "acked-durable"
    }
    fn explain(&self) -> &str {
        "a command acknowledged to a client survives a restart of the primary"
    }
    fn observe(&mut self, record: &Rec<Toy>, sim: &Simulation<Toy>) -> Result<(), String> {
        match &record.kind {
            RecordKind::Invoke { client, seq, op } => {
                let value = Command { client: *client, seq: *seq, op: op.clone() }.value();
                self.invoked.insert((*client, *seq), value);
            }
            RecordKind::Return { client, seq, outcome: Outcome::Ok(_) } => {
                if let Some(value) = self.invoked.remove(&(*client, *seq)) {
                    self.acked.push(value);
                }
            }
            RecordKind::Return { client, seq, .. } => {
                self.invoked.remove(&(*client, *seq));
            }
            RecordKind::Restart { node } if *node == PRIMARY => {
                let Some(primary) = sim.node(PRIMARY).volatile() else {
                    return Ok(());
                };
                for value in &self.acked {
                    if !primary.log().iter().any(|e| &e.value == value) {
                        return Err(format!(
                            "acknowledged command {value:?} is missing from the primary's log after its restart"
                        ));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}
