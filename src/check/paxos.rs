//! Properties of Basic Paxos and Multi-Paxos, read from the observation events alone (`promise`,
//! `accept`, `chosen`), so they judge any implementation that emits them. "Chosen" means what
//! Paxos Made Simple §2.1 says: a majority of the acceptors accepted the value in one ballot —
//! the true majority, whatever quorum a planted bug uses.

use super::{Checked, Property, PropertyKind};
use crate::core::{Ballot, Command, LiteSet, NodeId, Observation, Protocol, Text, TimeUs, US_PER_S};
use crate::protocols::paxos::{MultiPaxos, Paxos, PaxosConfig};
use crate::sim::{Rec, RecordKind, Simulation};
use litemap::LiteMap;

/// The properties of either Paxos protocol. `durable_learners`: a learner keeps what it learned
/// across a restart (Multi-Paxos's replicas write their log; Basic Paxos's learners do not).
pub fn paxos_properties<P: Protocol>(config: &PaxosConfig, durable_learners: bool) -> Vec<Box<dyn Property<P>>> {
    let majority = config.acceptors.len() / 2 + 1;
    vec![
        Box::new(Agreement { chosen: Chosen::new(majority), learned: LiteMap::new() }),
        Box::new(Validity::default()),
        Box::new(LearnOnlyChosen { chosen: Chosen::new(majority) }),
        Box::new(AcceptorKeepsPromise::default()),
        Box::new(OneValuePerBallot::default()),
        Box::new(LearnersLearn {
            chosen: Chosen::new(majority),
            learners: config.learners.clone(),
            durable: durable_learners,
            ..LearnersLearn::default()
        }),
    ]
}

impl Checked for Paxos {
    fn properties(config: &PaxosConfig) -> Vec<Box<dyn Property<Self>>> {
        paxos_properties(config, false)
    }
}

impl Checked for MultiPaxos {
    fn properties(config: &PaxosConfig) -> Vec<Box<dyn Property<Self>>> {
        paxos_properties(config, true)
    }
}

/// Values chosen per slot, computed from `accept` observations: the first value a majority of
/// acceptors accepted in one ballot.
#[derive(Clone, Debug, Default)]
struct Chosen {
    majority: usize,
    /// Keyed by ballot first: a new leader re-proposes old slots in a higher ballot, so its keys
    /// come after every key held (keyed by slot first, each was inserted in the middle of the
    /// sorted map, moving all the later ones: quadratic in a long run).
    votes: LiteMap<(Ballot, u64), (Text, LiteSet<NodeId>)>,
    /// Slot → (value, when it was first chosen). A second, different value is kept in `conflict`.
    slots: LiteMap<u64, (Text, TimeUs)>,
}

impl Chosen {
    fn new(majority: usize) -> Self {
        Chosen { majority, ..Chosen::default() }
    }
    /// Notes an acceptance; returns `Err` if it chose a second value for the slot.
    fn note<M, T>(&mut self, record: &crate::sim::Record<M, T>) -> Result<Option<(u64, Text)>, String> {
        let RecordKind::Observe { node, obs: Observation::Accept { slot, ballot, value } } = &record.kind else {
            return Ok(None);
        };
        let entry = self.votes.entry((*ballot, *slot)).or_insert_with(|| (value.clone(), LiteSet::new()));
        if entry.0 != *value {
            return Ok(None); // one-value-per-ballot reports this
        }
        entry.1.insert(*node);
        if entry.1.len() < self.majority {
            return Ok(None);
        }
        match self.slots.get(slot) {
            Some((first, _)) if first != value => Err(format!(
                "slot {slot}: {value:?} chosen in ballot [{},{}] after {first:?} was chosen",
                ballot.0, ballot.1
            )),
            Some(_) => Ok(None),
            None => {
                self.slots.insert(*slot, (value.clone(), record.t));
                Ok(Some((*slot, value.clone())))
            }
        }
    }
}

/// At most one value is chosen per slot, and no two learners learn different values for a slot.
#[derive(Clone, Debug)]
struct Agreement {
    chosen: Chosen,
    learned: LiteMap<u64, Text>,
}

impl<P: Protocol> Property<P> for Agreement {
    fn name(&self) -> &str {
        "agreement"
    }
    fn explain(&self) -> &str {
        "at most one value is chosen for each slot, and every learner learns that one"
    }
    fn observe(&mut self, record: &Rec<P>, _sim: &Simulation<P>) -> Result<(), String> {
        self.chosen.note(record)?;
        if let RecordKind::Observe { node, obs: Observation::Chosen { slot, value } } = &record.kind {
            match self.learned.get(slot) {
                Some(first) if first != value => {
                    return Err(format!("{node} learned {value:?} for slot {slot}, another learner learned {first:?}"))
                }
                Some(_) => {}
                None => {
                    self.learned.insert(*slot, value.clone());
                }
            }
        }
        Ok(())
    }
    fn box_clone(&self) -> Box<dyn Property<P>> {
        Box::new(self.clone())
    }
}

/// Only a proposed value can be chosen: a client's command, or a leader's no-op.
#[derive(Clone, Debug, Default)]
struct Validity {
    /// Each command's value by `(seq, client)`: clients number their commands upwards at much the
    /// same pace, so a new one goes at (or near) the end of the sorted map. (Kept sorted by the
    /// text, a new value landed among the others' and moved them: quadratic in a long run.)
    proposed: LiteMap<(u64, u32), Text>,
}

impl Validity {
    fn was_proposed(&self, value: &str) -> bool {
        Command::ids_of(value)
            .and_then(|(client, seq)| self.proposed.get(&(seq, client)))
            .is_some_and(|proposed| **proposed == *value)
    }
}

impl<P: Protocol> Property<P> for Validity {
    fn name(&self) -> &str {
        "validity"
    }
    fn explain(&self) -> &str {
        "only a value some client proposed (or a leader's no-op) is ever accepted or chosen"
    }
    fn observe(&mut self, record: &Rec<P>, _sim: &Simulation<P>) -> Result<(), String> {
        match &record.kind {
            RecordKind::Invoke { client, seq, op } => {
                let value = Command { client: *client, seq: *seq, op: op.clone() }.value();
                self.proposed.insert((*seq, *client), value.into());
            }
            RecordKind::Observe { node, obs: Observation::Accept { slot, value, .. } }
            | RecordKind::Observe { node, obs: Observation::Chosen { slot, value } }
                if !value.is_empty() && !self.was_proposed(value) =>
            {
                return Err(format!("{node}: {value:?} in slot {slot} was never proposed"));
            }
            _ => {}
        }
        Ok(())
    }
    fn box_clone(&self) -> Box<dyn Property<P>> {
        Box::new(self.clone())
    }
}

/// A learner learns only a value that is chosen (§2.3).
#[derive(Clone, Debug)]
struct LearnOnlyChosen {
    chosen: Chosen,
}

impl<P: Protocol> Property<P> for LearnOnlyChosen {
    fn name(&self) -> &str {
        "learn-only-chosen"
    }
    fn explain(&self) -> &str {
        "a learner learns a value only once a majority of acceptors accepted it in one ballot"
    }
    fn observe(&mut self, record: &Rec<P>, _sim: &Simulation<P>) -> Result<(), String> {
        let _ = self.chosen.note(record);
        if let RecordKind::Observe { node, obs: Observation::Chosen { slot, value } } = &record.kind {
            match self.chosen.slots.get(slot) {
                Some((v, _)) if v == value => {}
                Some((v, _)) => return Err(format!("{node} learned {value:?} for slot {slot}, but {v:?} is chosen")),
                None => {
                    return Err(format!(
                        "{node} learned {value:?} for slot {slot} before a majority of acceptors accepted it"
                    ))
                }
            }
        }
        Ok(())
    }
    fn box_clone(&self) -> Box<dyn Property<P>> {
        Box::new(self.clone())
    }
}

/// An acceptor never promises or accepts a ballot lower than one it promised — across restarts.
#[derive(Clone, Debug, Default)]
struct AcceptorKeepsPromise {
    promised: LiteMap<NodeId, Ballot>,
}

impl<P: Protocol> Property<P> for AcceptorKeepsPromise {
    fn name(&self) -> &str {
        "acceptor-keeps-promise"
    }
    fn explain(&self) -> &str {
        "an acceptor never promises or accepts a ballot below one it promised, even after a restart"
    }
    fn observe(&mut self, record: &Rec<P>, _sim: &Simulation<P>) -> Result<(), String> {
        let (node, ballot, what) = match &record.kind {
            RecordKind::Observe { node, obs: Observation::Promise { ballot, .. } } => (node, ballot, "promised"),
            RecordKind::Observe { node, obs: Observation::Accept { ballot, .. } } => (node, ballot, "accepted"),
            _ => return Ok(()),
        };
        let best = self.promised.entry(*node).or_default();
        if ballot < best {
            return Err(format!(
                "{node} {what} ballot [{},{}] after promising [{},{}]",
                ballot.0, ballot.1, best.0, best.1
            ));
        }
        *best = *ballot;
        Ok(())
    }
    fn box_clone(&self) -> Box<dyn Property<P>> {
        Box::new(self.clone())
    }
}

/// Acceptors accept one value per ballot and slot: a proposer never reuses a ballot.
#[derive(Clone, Debug, Default)]
struct OneValuePerBallot {
    /// Keyed by ballot first, as [`Chosen`]'s votes are.
    first: LiteMap<(Ballot, u64), Text>,
}

impl<P: Protocol> Property<P> for OneValuePerBallot {
    fn name(&self) -> &str {
        "one-value-per-ballot"
    }
    fn explain(&self) -> &str {
        "in each slot, all acceptances in one ballot are of the same value"
    }
    fn observe(&mut self, record: &Rec<P>, _sim: &Simulation<P>) -> Result<(), String> {
        if let RecordKind::Observe { node, obs: Observation::Accept { slot, ballot, value } } = &record.kind {
            match self.first.get(&(*ballot, *slot)) {
                Some(first) if first != value => {
                    return Err(format!(
                        "{node} accepted {value:?} in slot {slot} ballot [{},{}], which already had {first:?}",
                        ballot.0, ballot.1
                    ))
                }
                Some(_) => {}
                None => {
                    self.first.insert((*ballot, *slot), value.clone());
                }
            }
        }
        Ok(())
    }
    fn box_clone(&self) -> Box<dyn Property<P>> {
        Box::new(self.clone())
    }
}

/// Once faults stop, every learner that is up learns every value chosen more than two seconds
/// before the end.
#[derive(Clone, Debug, Default)]
struct LearnersLearn {
    chosen: Chosen,
    learners: Vec<NodeId>,
    /// Learners keep what they learned across restarts (it is on their disk).
    durable: bool,
    /// Per learner: the slots it learned (since it last started, unless `durable`).
    learned: LiteMap<NodeId, LiteSet<u64>>,
    started: LiteMap<NodeId, TimeUs>,
}

const LEARN_BOUND_US: TimeUs = 2 * US_PER_S;

impl<P: Protocol> Property<P> for LearnersLearn {
    fn name(&self) -> &str {
        "learners-learn"
    }
    fn explain(&self) -> &str {
        "once faults stop, every running learner learns every chosen value within two seconds"
    }
    fn kind(&self) -> PropertyKind {
        PropertyKind::Liveness
    }
    fn observe(&mut self, record: &Rec<P>, _sim: &Simulation<P>) -> Result<(), String> {
        let _ = self.chosen.note(record);
        match &record.kind {
            RecordKind::Observe { node, obs: Observation::Chosen { slot, .. } } => {
                self.learned.entry(*node).or_default().insert(*slot);
            }
            RecordKind::Restart { node } => {
                if !self.durable {
                    self.learned.remove(node);
                }
                self.started.insert(*node, record.t);
            }
            _ => {}
        }
        Ok(())
    }
    fn finish(&mut self, sim: &Simulation<P>) -> Result<(), String> {
        let Some(stable) = sim.stable_since_us() else { return Ok(()) };
        let deadline = sim.now_us().saturating_sub(LEARN_BOUND_US);
        if deadline < stable {
            return Ok(());
        }
        for &learner in &self.learners {
            let node = sim.node(learner);
            if !node.is_up() || node.is_paused() || self.started.get(&learner).is_some_and(|&t| t > deadline) {
                continue;
            }
            let learned = self.learned.get(&learner);
            for (slot, (value, at)) in &self.chosen.slots {
                if *at <= deadline && !learned.is_some_and(|l| l.contains(slot)) {
                    return Err(format!("{learner} never learned {value:?}, chosen for slot {slot} at {at}us"));
                }
            }
        }
        Ok(())
    }
    fn box_clone(&self) -> Box<dyn Property<P>> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Record, Setup};

    #[test]
    fn validity_knows_each_invoked_command_by_its_exact_value() {
        let sim = Simulation::<MultiPaxos>::new(Setup::default()).unwrap();
        let mut validity = Validity::default();
        let invoke =
            |client: u32, seq: u64| Record { t: 0, kind: RecordKind::Invoke { client, seq, op: "set k 1".into() } };
        let accept = |value: &str| Record {
            t: 1,
            kind: RecordKind::Observe {
                node: NodeId(1),
                obs: Observation::Accept { slot: 0, ballot: Ballot(1, 1), value: value.into() },
            },
        };
        // Commands arrive out of order between clients.
        for (client, seq) in [(2, 1), (1, 1), (1, 2), (3, 7), (2, 2)] {
            validity.observe(&invoke(client, seq), &sim).unwrap();
        }
        for proposed in ["c1#1 set k 1", "c2#2 set k 1", "c3#7 set k 1", ""] {
            assert!(validity.observe(&accept(proposed), &sim).is_ok(), "{proposed:?}");
        }
        // Never invoked; the right ids with another operation; not a command's text at all.
        for never in ["c1#3 set k 1", "c1#1 set k 2", "c1#1  set k 1", "c01#1 set k 1", "garbage", "c1#1"] {
            let err = validity.observe(&accept(never), &sim).unwrap_err();
            assert!(err.contains("was never proposed"), "{never:?}: {err}");
        }
    }

    #[test]
    fn a_learner_forgets_at_a_restart_only_what_it_did_not_persist() {
        // Basic Paxos's learners keep what they learned in memory; Multi-Paxos's replicas write
        // it to their log, so a restart does not make them owe the chosen values again.
        let sim = Simulation::<MultiPaxos>::new(Setup::default()).unwrap();
        let node = NodeId(2);
        let learn =
            Record { t: 5, kind: RecordKind::Observe { node, obs: Observation::Chosen { slot: 3, value: "".into() } } };
        for durable in [false, true] {
            let mut property = LearnersLearn { durable, learners: vec![node], ..LearnersLearn::default() };
            property.observe(&learn, &sim).unwrap();
            property.observe(&Record { t: 9, kind: RecordKind::Restart { node } }, &sim).unwrap();
            let kept = property.learned.get(&node).is_some_and(|l| l.contains(&3));
            assert_eq!(kept, durable);
            assert_eq!(property.started.get(&node), Some(&9));
        }
    }

    #[test]
    fn a_command_value_names_its_client_and_seq() {
        let value = Command { client: 12, seq: 345, op: "set k1 5".into() }.value();
        assert_eq!(Command::ids_of(&value), Some((12, 345)));
        for other in ["", "c12#345", "x12#345 op", "c12 345 op", "c#1 op", "c1# op", "c-1#2 op"] {
            assert_eq!(Command::ids_of(other), None, "{other:?}");
        }
    }
}
