//! Properties of Basic Paxos and Multi-Paxos, read from the observation events alone (`promise`,
//! `accept`, `chosen`), so they judge any implementation that emits them. "Chosen" means what
//! Paxos Made Simple §2.1 says: a majority of the acceptors accepted the value in one ballot —
//! the true majority, whatever quorum a planted bug uses.

use super::{Ballot, MultiPaxos, Paxos, PaxosConfig, PaxosDurable, PaxosEvent};
use crate::check::{value_hash, Checked, Property, PropertyKind};
use crate::core::{Command, LiteSet, NodeId, Observation, Protocol, Shared, Text, TimeUs, US_PER_S};
use crate::sim::{Rec, RecordKind, Simulation};
use litemap::LiteMap;

/// The properties of either Paxos protocol. `durable_learners`: a learner keeps what it learned
/// across a restart (Multi-Paxos's replicas write their log; Basic Paxos's learners do not).
pub fn paxos_properties<P: Protocol<Durable = PaxosDurable, Event = PaxosEvent>>(
    config: &PaxosConfig,
    durable_learners: bool,
) -> Vec<Box<dyn Property<P>>> {
    let majority = config.acceptors.len() / 2 + 1;
    let chosen = || Chosen::new(majority, &config.learners);
    vec![
        Box::new(Agreement { chosen: chosen(), learned: LiteMap::new() }),
        Box::new(Validity::default()),
        Box::new(LearnOnlyChosen { chosen: chosen() }),
        Box::new(AcceptorKeepsPromise::default()),
        Box::new(OneValuePerBallot { forget: Forget::new(&config.learners), ..OneValuePerBallot::default() }),
        Box::new(LearnersLearn {
            chosen: chosen(),
            learners: config.learners.clone(),
            durable: durable_learners,
            ..LearnersLearn::default()
        }),
    ]
}

/// How far below the newest slot of any replica's log the properties remember slots.
const CHECKED_SLOTS_MAX: u64 = 8_192;
/// How many acceptances pass between two prunings of property state.
const PRUNE_EVERY: u64 = 256;

/// When and how far the properties forget old slots, so that memory stays bounded on long runs
/// (as Raft's properties do). Below the first slot every learner's log still holds, every replica
/// has executed and compacted the slots (Multi-Paxos log compaction): no learner learns there
/// again, and an acceptor asked to accept or prepare there answers with its snapshot instead.
/// If higher, `CHECKED_SLOTS_MAX` below the newest slot in any log: a replica that stays down stops
/// compacting, and must not make the properties hold every slot ever chosen (it is sent a
/// snapshot when it returns). Observations below the floor are not checked. Basic Paxos never
/// compacts: its floor stays 0.
#[derive(Clone, Debug, Default)]
struct Forget {
    learners: Vec<NodeId>,
    /// Slots below this one are forgotten.
    floor: u64,
    acceptances: u64,
}

impl Forget {
    fn new(learners: &[NodeId]) -> Self {
        Forget { learners: learners.to_vec(), ..Forget::default() }
    }

    /// After every `PRUNE_EVERY` acceptances, the new floor if it rose.
    fn due<P: Protocol<Durable = PaxosDurable, Event = PaxosEvent>>(
        &mut self,
        record: &Rec<P>,
        sim: &Simulation<P>,
    ) -> Option<u64> {
        if !matches!(record.kind, RecordKind::Observe { obs: Observation::Own(PaxosEvent::Accept { .. }), .. }) {
            return None;
        }
        self.acceptances += 1;
        if self.acceptances % PRUNE_EVERY != 0 {
            return None;
        }
        let held = self.learners.iter().map(|&l| sim.node(l).disk().log_from).min().unwrap_or(0);
        let newest = sim.nodes().filter_map(|(_, n)| n.disk().chosen.last().map(|(&s, _)| s)).max().unwrap_or(0);
        let floor = held.max(newest.saturating_sub(CHECKED_SLOTS_MAX));
        (floor > self.floor).then(|| {
            self.floor = floor;
            floor
        })
    }
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
    forget: Forget,
    /// Keyed by ballot first: a new leader re-proposes old slots in a higher ballot, so its keys
    /// come after every key held (keyed by slot first, each was inserted in the middle of the
    /// sorted map, moving all the later ones: quadratic in a long run). Only votes that may still
    /// matter are kept: a ballot's votes go once they choose its value, and an acceptance of a
    /// slot's chosen value is not noted (it can choose nothing else), so the map holds the slots
    /// in progress, not every vote of the run.
    votes: LiteMap<(Ballot, u64), (Text, LiteSet<NodeId>)>,
    /// Slot → (value, when it was first chosen, the ballot that chose it).
    slots: LiteMap<u64, (Text, TimeUs, Ballot)>,
}

impl Chosen {
    fn new(majority: usize, learners: &[NodeId]) -> Self {
        Chosen { majority, forget: Forget::new(learners), ..Chosen::default() }
    }
    /// Whether `slot` is forgotten (below the floor: not checked).
    fn forgotten(&self, slot: u64) -> bool {
        slot < self.forget.floor
    }
    /// Notes an acceptance; returns `Err` if it chose a second value for the slot. Every
    /// `PRUNE_EVERY` acceptances, forgets the slots below the floor; returns the new floor then.
    fn note<P: Protocol<Durable = PaxosDurable, Event = PaxosEvent>>(
        &mut self,
        record: &Rec<P>,
        sim: &Simulation<P>,
    ) -> Result<Option<u64>, String> {
        let RecordKind::Observe { node, obs: Observation::Own(PaxosEvent::Accept { slot, ballot, value }) } =
            &record.kind
        else {
            return Ok(None);
        };
        let pruned = self.forget.due(record, sim);
        if let Some(floor) = pruned {
            self.slots.retain(|&slot, _| slot >= floor);
            self.votes.retain(|&(_, slot), _| slot >= floor);
        }
        if self.forgotten(*slot) {
            return Ok(pruned);
        }
        if let Some((first, _, chosen_in)) = self.slots.get(slot) {
            // The chosen value again, or a second value in the ballot that chose the first
            // (one-value-per-ballot reports that): neither can choose another value.
            if first == value || chosen_in == ballot {
                return Ok(pruned);
            }
        }
        let entry = self.votes.entry((*ballot, *slot)).or_insert_with(|| (value.clone(), LiteSet::new()));
        if entry.0 != *value {
            return Ok(pruned); // one-value-per-ballot reports this
        }
        entry.1.insert(*node);
        if entry.1.len() < self.majority {
            return Ok(pruned);
        }
        match self.slots.get(slot) {
            Some((first, _, _)) => Err(format!(
                "slot {slot}: {value:?} chosen in ballot [{},{}] after {first:?} was chosen",
                ballot.0, ballot.1
            )),
            None => {
                self.votes.remove(&(*ballot, *slot));
                self.slots.insert(*slot, (value.clone(), record.t, *ballot));
                Ok(pruned)
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

impl<P: Protocol<Durable = PaxosDurable, Event = PaxosEvent>> Property<P> for Agreement {
    fn name(&self) -> &str {
        "agreement"
    }
    fn explain(&self) -> &str {
        "at most one value is chosen for each slot, and every learner learns that one"
    }
    fn observe(&mut self, record: &Rec<P>, sim: &Simulation<P>) -> Result<(), String> {
        if let Some(floor) = self.chosen.note(record, sim)? {
            self.learned.retain(|&slot, _| slot >= floor);
        }
        if let RecordKind::Observe { node, obs: Observation::Own(PaxosEvent::Chosen { slot, value }) } = &record.kind {
            if self.chosen.forgotten(*slot) {
                return Ok(());
            }
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
}

/// Only a proposed value can be chosen: a client's command, or a leader's no-op.
#[derive(Clone, Debug, Default)]
struct Validity {
    /// For each client, the hash of each command's value by its sequence number, from 1 (a
    /// client numbers its commands 1, 2, 3, …): 8 bytes a command — the only part of a
    /// Multi-Paxos world that grows with the run — where the text in a map keyed by
    /// `(seq, client)` took ~32. Hashes are odd ([`proposed_mark`]); 0 marks a number skipped.
    proposed: LiteMap<u32, Vec<u64>>,
    /// An invoked command's value is written here to be hashed.
    scratch: String,
}

/// The most sequence numbers a client's next command may skip for [`Validity`] to remember it.
const SEQ_GAP_MAX: usize = 1 << 10;

/// What [`Validity`] keeps of a proposed value: its hash, made odd so that it is never the 0
/// that marks a sequence number never invoked.
fn proposed_mark(value: &str) -> u64 {
    value_hash(value) | 1
}

impl Validity {
    fn was_proposed(&self, value: &str) -> bool {
        Command::ids_of(value)
            .and_then(|(client, seq)| self.proposed.get(&client)?.get(usize::try_from(seq.checked_sub(1)?).ok()?))
            .is_some_and(|&mark| mark == proposed_mark(value))
    }
}

impl<P: Protocol<Event = PaxosEvent>> Property<P> for Validity {
    fn name(&self) -> &str {
        "validity"
    }
    fn explain(&self) -> &str {
        "only a value some client proposed (or a leader's no-op) is ever accepted or chosen"
    }
    fn observe(&mut self, record: &Rec<P>, _sim: &Simulation<P>) -> Result<(), String> {
        match &record.kind {
            RecordKind::Invoke { client, seq, op } => {
                self.scratch.clear();
                Command::push_value(*client, *seq, op, &mut self.scratch);
                let mark = proposed_mark(&self.scratch);
                let marks = self.proposed.entry(*client).or_default();
                match seq.checked_sub(1).and_then(|at| usize::try_from(at).ok()) {
                    Some(at) if at < marks.len() => marks[at] = mark,
                    // A client's commands come in order, so this is the next one; a number
                    // skipped is marked 0, and one far ahead (no client does that) is let go
                    // rather than fill memory with zeros: its value then counts as never proposed.
                    Some(at) if at <= marks.len() + SEQ_GAP_MAX => {
                        marks.resize(at, 0);
                        marks.push(mark);
                    }
                    _ => {}
                }
            }
            RecordKind::Observe { node, obs: Observation::Own(PaxosEvent::Accept { slot, value, .. }) }
            | RecordKind::Observe { node, obs: Observation::Own(PaxosEvent::Chosen { slot, value }) }
                if !value.is_empty() && !self.was_proposed(value) =>
            {
                return Err(format!("{node}: {value:?} in slot {slot} was never proposed"));
            }
            _ => {}
        }
        Ok(())
    }
}

/// A learner learns only a value that is chosen (§2.3).
#[derive(Clone, Debug)]
struct LearnOnlyChosen {
    chosen: Chosen,
}

impl<P: Protocol<Durable = PaxosDurable, Event = PaxosEvent>> Property<P> for LearnOnlyChosen {
    fn name(&self) -> &str {
        "learn-only-chosen"
    }
    fn explain(&self) -> &str {
        "a learner learns a value only once a majority of acceptors accepted it in one ballot"
    }
    fn observe(&mut self, record: &Rec<P>, sim: &Simulation<P>) -> Result<(), String> {
        let _ = self.chosen.note(record, sim);
        if let RecordKind::Observe { node, obs: Observation::Own(PaxosEvent::Chosen { slot, value }) } = &record.kind {
            if self.chosen.forgotten(*slot) {
                return Ok(());
            }
            match self.chosen.slots.get(slot) {
                Some((v, _, _)) if v == value => {}
                Some((v, _, _)) => {
                    return Err(format!("{node} learned {value:?} for slot {slot}, but {v:?} is chosen"))
                }
                None => {
                    return Err(format!(
                        "{node} learned {value:?} for slot {slot} before a majority of acceptors accepted it"
                    ))
                }
            }
        }
        Ok(())
    }
}

/// An acceptor never promises or accepts a ballot lower than one it promised — across restarts.
#[derive(Clone, Debug, Default)]
struct AcceptorKeepsPromise {
    promised: LiteMap<NodeId, Ballot>,
}

impl<P: Protocol<Event = PaxosEvent>> Property<P> for AcceptorKeepsPromise {
    fn name(&self) -> &str {
        "acceptor-keeps-promise"
    }
    fn explain(&self) -> &str {
        "an acceptor never promises or accepts a ballot below one it promised, even after a restart"
    }
    fn observe(&mut self, record: &Rec<P>, _sim: &Simulation<P>) -> Result<(), String> {
        let (node, ballot, what) = match &record.kind {
            RecordKind::Observe { node, obs: Observation::Own(PaxosEvent::Promise { ballot, .. }) } => {
                (node, ballot, "promised")
            }
            RecordKind::Observe { node, obs: Observation::Own(PaxosEvent::Accept { ballot, .. }) } => {
                (node, ballot, "accepted")
            }
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
}

/// Acceptors accept one value per ballot and slot: a proposer never reuses a ballot.
#[derive(Clone, Debug, Default)]
struct OneValuePerBallot {
    /// Keyed by ballot first, as [`Chosen`]'s votes are.
    first: LiteMap<(Ballot, u64), Text>,
    forget: Forget,
}

impl<P: Protocol<Durable = PaxosDurable, Event = PaxosEvent>> Property<P> for OneValuePerBallot {
    fn name(&self) -> &str {
        "one-value-per-ballot"
    }
    fn explain(&self) -> &str {
        "in each slot, all acceptances in one ballot are of the same value"
    }
    fn observe(&mut self, record: &Rec<P>, sim: &Simulation<P>) -> Result<(), String> {
        if let Some(floor) = self.forget.due(record, sim) {
            self.first.retain(|&(_, slot), _| slot >= floor);
        }
        if let RecordKind::Observe { node, obs: Observation::Own(PaxosEvent::Accept { slot, ballot, value }) } =
            &record.kind
        {
            if *slot < self.forget.floor {
                return Ok(());
            }
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
}

/// Once faults stop, every learner that is up learns every value chosen more than two seconds
/// before the end.
#[derive(Clone, Debug, Default)]
struct LearnersLearn {
    chosen: Chosen,
    learners: Vec<NodeId>,
    /// Learners keep what they learned across restarts (it is on their disk).
    durable: bool,
    /// Per learner: the slots it learned (since it last started, unless `durable`), and below
    /// which slot it learned them all at once, from a snapshot (Multi-Paxos).
    learned: LiteMap<NodeId, (u64, LiteSet<u64>)>,
    started: LiteMap<NodeId, TimeUs>,
}

const LEARN_BOUND_US: TimeUs = 2 * US_PER_S;

impl<P: Protocol<Durable = PaxosDurable, Event = PaxosEvent>> Property<P> for LearnersLearn {
    fn name(&self) -> &str {
        "learners-learn"
    }
    fn explain(&self) -> &str {
        "once faults stop, every running learner learns every chosen value within two seconds"
    }
    fn kind(&self) -> PropertyKind {
        PropertyKind::Liveness
    }
    fn observe(&mut self, record: &Rec<P>, sim: &Simulation<P>) -> Result<(), String> {
        if let Ok(Some(floor)) = self.chosen.note(record, sim) {
            for (_, (_, slots)) in self.learned.iter_mut() {
                slots.retain(|&slot| slot >= floor);
            }
        }
        match &record.kind {
            RecordKind::Observe { node, obs: Observation::Own(PaxosEvent::Chosen { slot, .. }) }
                if !self.chosen.forgotten(*slot) =>
            {
                self.learned.entry(*node).or_default().1.insert(*slot);
            }
            RecordKind::Observe { node, obs: Observation::Shared(Shared::Snapshot { index, .. }) } => {
                let (below, slots) = self.learned.entry(*node).or_default();
                *below = (*below).max(*index);
                slots.retain(|&slot| slot >= *below);
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
            for (slot, (value, at, _)) in &self.chosen.slots {
                if *at <= deadline && !learned.is_some_and(|(below, l)| slot < below || l.contains(slot)) {
                    return Err(format!("{learner} never learned {value:?}, chosen for slot {slot} at {at}us"));
                }
            }
        }
        Ok(())
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
                obs: Observation::Own(PaxosEvent::Accept { slot: 0, ballot: Ballot(1, 1), value: value.into() }),
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
        let learn = Record {
            t: 5,
            kind: RecordKind::Observe { node, obs: Observation::Own(PaxosEvent::Chosen { slot: 3, value: "".into() }) },
        };
        for durable in [false, true] {
            let mut property = LearnersLearn { durable, learners: vec![node], ..LearnersLearn::default() };
            property.observe(&learn, &sim).unwrap();
            property.observe(&Record { t: 9, kind: RecordKind::Restart { node } }, &sim).unwrap();
            let kept = property.learned.get(&node).is_some_and(|(_, l)| l.contains(&3));
            assert_eq!(kept, durable);
            assert_eq!(property.started.get(&node), Some(&9));
        }
    }

    #[test]
    fn the_properties_forget_the_slots_every_replica_compacted() {
        // Multi-Paxos replicas compact their logs; the properties follow, so their state stays
        // bounded however long the run (as Raft's do), while they still check the recent slots.
        use crate::sim::Workload;
        let until = 30_000_000;
        let setup = Setup {
            seed: 1,
            duration_us: until,
            workload: Workload { clients: 5, interval_us: 5_000, ..Workload::default() },
            ..Setup::default()
        };
        let mut sim = Simulation::<MultiPaxos>::new(setup).unwrap();
        let learners: Vec<NodeId> = (1..=5).map(NodeId).collect();
        let mut agreement = Agreement { chosen: Chosen::new(3, &learners), learned: LiteMap::new() };
        let mut learn_only = LearnOnlyChosen { chosen: Chosen::new(3, &learners) };
        let mut one_value = OneValuePerBallot { forget: Forget::new(&learners), ..OneValuePerBallot::default() };
        let mut learn =
            LearnersLearn { chosen: Chosen::new(3, &learners), learners, durable: true, ..Default::default() };
        let (mut records, mut most, mut slots) = (Vec::new(), 0, 0);
        while sim.next_event_us().is_some_and(|t| t <= until) && sim.step() {
            sim.take_records(&mut records);
            for r in &records {
                agreement.observe(r, &sim).unwrap();
                learn_only.observe(r, &sim).unwrap();
                one_value.observe(r, &sim).unwrap();
                learn.observe(r, &sim).unwrap();
                if let RecordKind::Observe { obs: Observation::Own(PaxosEvent::Chosen { slot, .. }), .. } = &r.kind {
                    slots = slots.max(*slot);
                }
            }
            let held = [
                agreement.chosen.slots.len() + agreement.chosen.votes.len(),
                agreement.learned.len(),
                learn_only.chosen.slots.len(),
                one_value.first.len(),
                learn.chosen.slots.len(),
                learn.learned.values().map(|(_, l)| l.len()).max().unwrap_or(0),
            ];
            most = most.max(held.into_iter().max().unwrap());
        }
        assert!(slots > 6_000, "{slots} slots chosen");
        assert!(agreement.chosen.forget.floor >= 4_096, "floor {}", agreement.chosen.forget.floor);
        assert!(most <= 3 * 1024 + 2 * PRUNE_EVERY as usize, "{most} slots held at once");
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
