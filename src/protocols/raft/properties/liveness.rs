//! The liveness properties: a leader is elected, and acknowledged commands are applied, once
//! faults stop.

use super::*;

/// How long after faults stop the liveness properties wait before they judge.
const LIVENESS_BOUND_US: TimeUs = 3 * US_PER_S;

/// Liveness: once faults stop, one leader is elected and stays.
#[derive(Clone, Debug, Default)]
pub(super) struct LeaderElected;

impl Property<Raft> for LeaderElected {
    fn name(&self) -> &str {
        "leader-elected"
    }
    fn explain(&self) -> &str {
        "once faults stop, a single leader is elected within 3 seconds and every live voter follows it"
    }
    fn kind(&self) -> PropertyKind {
        PropertyKind::Liveness
    }
    fn reads(&self) -> Reads {
        Reads::NONE
    }
    fn observe(&mut self, _record: &Rec<Raft>, _sim: &Simulation<Raft>) -> Result<(), String> {
        Ok(())
    }
    fn finish(&mut self, sim: &Simulation<Raft>) -> Result<(), String> {
        let Some(stable) = sim.stable_since_us() else { return Ok(()) };
        if sim.now_us() < stable + LIVENESS_BOUND_US {
            return Ok(());
        }
        let live: Vec<(NodeId, &Raft)> = sim.nodes().filter_map(|(id, n)| n.volatile().map(|v| (id, v))).collect();
        let leaders: Vec<NodeId> = live.iter().filter(|(_, r)| r.role() == Role::Leader).map(|(id, _)| *id).collect();
        let [leader] = leaders[..] else {
            return Err(format!("{} leaders at the end of the stable phase: {leaders:?}", leaders.len()));
        };
        let term = disk(sim, leader).term;
        let voters =
            live.iter().find(|(id, _)| *id == leader).map(|(_, r)| r.membership().voters.clone()).unwrap_or_default();
        for (id, r) in &live {
            if voters.contains(id) && (disk(sim, *id).term != term || r.leader_hint() != Some(leader)) {
                return Err(format!(
                    "{id} does not follow leader {leader} of term {term} at the end of the stable phase"
                ));
            }
        }
        Ok(())
    }
}

/// Liveness and durability: every acknowledged command is applied on every live member once
/// faults stop; an acknowledged command is never lost.
#[derive(Clone, Debug, Default)]
pub(super) struct AckedApplied {
    invoked: LiteMap<(u32, u64), Text>,
    /// Per client, its newest acknowledged commands with the time of acknowledgement. A client
    /// has one command in flight at a time, so if a node executed one of them it executed every
    /// earlier one: a few per client are enough.
    acked: LiteMap<u32, VecDeque<(TimeUs, Command)>>,
}

const ACKED_PER_CLIENT: usize = 64;

/// Followers learn the commit index with the next heartbeat: commands acknowledged this close
/// to the end are not judged.
const APPLY_MARGIN_US: TimeUs = US_PER_S;

impl Property<Raft> for AckedApplied {
    fn name(&self) -> &str {
        "acked-applied"
    }
    fn explain(&self) -> &str {
        "once faults stop, every acknowledged command is applied on every live member: none is ever lost"
    }
    fn kind(&self) -> PropertyKind {
        PropertyKind::Liveness
    }
    fn reads(&self) -> Reads {
        Reads::INVOKE | Reads::RETURN
    }
    fn observe(&mut self, record: &Rec<Raft>, _sim: &Simulation<Raft>) -> Result<(), String> {
        match &record.kind {
            RecordKind::Invoke { client, seq, op } if !op.starts_with("get ") => {
                self.invoked.insert((*client, *seq), op.clone());
            }
            RecordKind::Return { client, seq, outcome } => {
                if let Some(op) = self.invoked.remove(&(*client, *seq)) {
                    if matches!(outcome, Outcome::Ok(_)) {
                        let recent = self.acked.entry(*client).or_default();
                        recent.push_back((record.t, Command { client: *client, seq: *seq, op }));
                        if recent.len() > ACKED_PER_CLIENT {
                            recent.pop_front();
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
    fn finish(&mut self, sim: &Simulation<Raft>) -> Result<(), String> {
        let Some(stable) = sim.stable_since_us() else { return Ok(()) };
        if sim.now_us() < stable + LIVENESS_BOUND_US {
            return Ok(());
        }
        let Some(leader) = sim.believed_leader() else { return Ok(()) }; // leader-elected reports it
        let members = sim.node(leader).volatile().map(|r| r.membership().clone()).unwrap_or_default();
        for (id, node) in sim.nodes() {
            let Some(r) = node.volatile() else { continue };
            if !members.contains(id) {
                continue;
            }
            let due = sim.now_us().saturating_sub(APPLY_MARGIN_US);
            let missing =
                self.acked.values().flatten().find(|(t, c)| *t <= due && !r.state().executed(c.client, c.seq));
            if let Some((_, c)) = missing {
                return Err(format!("{id} has not applied acknowledged command {:?} by the end of the run", c.value()));
            }
        }
        Ok(())
    }
}
