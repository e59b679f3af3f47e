//! Which kinds of record are read: a bit per record kind. The simulation keeps for its caller
//! only the records of the kinds asked for ([`crate::sim::Simulation::keep_records`]) and hashes
//! every record where it is made; the checks ([`crate::check::Property::reads`]) say which kinds
//! each property reads.
//!
//! The bits: 0–19 the simulator's record kinds, 20–25 the shared observations, 26–41 a
//! protocol's own events (a bit per [`Event::class`]), 42–63 sends (a bit per
//! [`Message::class`]). Every protocol has the same room for its own kinds; classes past the
//! room share its last bit (a property reading one of them is called for the others too).

use crate::core::{Event, Message, Observation, Shared};
use crate::sim::RecordKind;
use std::ops::BitOr;

/// Which kinds of record a property reads, a bit per kind (and per kind of observation and of
/// message sent). The world calls a property only for the kinds it reads: most records are
/// sends, deliveries, timers and observations of kinds a given property skips.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Reads(u64);

/// Classes a protocol's own events and its messages each have bits for.
pub const EVENT_CLASSES: u32 = 16;
pub const SEND_CLASSES: u32 = 22;
const EVENTS_FIRST: u32 = 26;
const SENDS_FIRST: u32 = EVENTS_FIRST + EVENT_CLASSES;

impl Reads {
    pub const ALL: Reads = Reads(u64::MAX);
    pub const NONE: Reads = Reads(0);
    // One bit per record kind, each number written once here.
    pub const RUN: Reads = Reads(1 << 0);
    pub const CHAOS: Reads = Reads(1 << 1);
    pub const DELIVER: Reads = Reads(1 << 3);
    pub const DROP: Reads = Reads(1 << 4);
    pub const DUPLICATE: Reads = Reads(1 << 5);
    pub const TIMER_SET: Reads = Reads(1 << 6);
    pub const TIMER_FIRE: Reads = Reads(1 << 7);
    pub const PERSIST: Reads = Reads(1 << 8);
    pub const CRASH: Reads = Reads(1 << 9);
    pub const RESTART: Reads = Reads(1 << 10);
    pub const ACTION: Reads = Reads(1 << 11);
    pub const RESUME: Reads = Reads(1 << 12);
    pub const INVOKE: Reads = Reads(1 << 13);
    pub const REQUEST: Reads = Reads(1 << 14);
    pub const REPLY: Reads = Reads(1 << 15);
    pub const RETURN: Reads = Reads(1 << 16);
    pub const VIOLATION: Reads = Reads(1 << 17);
    pub const PHASE: Reads = Reads(1 << 18);
    pub const NOTE: Reads = Reads(1 << 19);
    // The shared observations.
    pub const ROLE: Reads = Reads(1 << 20);
    pub const APPEND: Reads = Reads(1 << 21);
    pub const TRUNCATE: Reads = Reads(1 << 22);
    pub const COMMIT: Reads = Reads(1 << 23);
    pub const APPLY: Reads = Reads(1 << 24);
    pub const SNAPSHOT: Reads = Reads(1 << 25);
    /// Every event of the protocol's own (see [`Reads::events`]).
    pub const EVENTS: Reads = Reads(((1 << SENDS_FIRST) - 1) & !((1 << EVENTS_FIRST) - 1));
    /// Every observation, shared or the protocol's own.
    pub const OBSERVE: Reads = Reads(Self::EVENTS.0 | (((1 << 26) - 1) & !((1 << 20) - 1)));
    /// Every send (see [`Reads::sends`]).
    pub const SEND: Reads = Reads(u64::MAX << SENDS_FIRST);

    /// The protocol's own events of one class ([`Event::class`]; classes from 15 up share a bit).
    pub const fn events(class: u32) -> Reads {
        Reads(1 << (EVENTS_FIRST + if class < EVENT_CLASSES { class } else { EVENT_CLASSES - 1 }))
    }

    /// The sends of one message class ([`Message::class`]; classes from 21 up share a bit).
    pub const fn sends(class: u32) -> Reads {
        Reads(1 << (SENDS_FIRST + if class < SEND_CLASSES { class } else { SEND_CLASSES - 1 }))
    }

    /// The bit of one record's kind (an observation's own kind, a send's message class).
    pub fn of<M: Message, T, E: Event>(kind: &RecordKind<M, T, E>) -> Reads {
        match kind {
            RecordKind::Run { .. } => Self::RUN,
            RecordKind::Chaos(_) => Self::CHAOS,
            RecordKind::Send { msg, .. } => Self::sends(msg.class()),
            RecordKind::Deliver { .. } => Self::DELIVER,
            RecordKind::Drop { .. } => Self::DROP,
            RecordKind::Duplicate { .. } => Self::DUPLICATE,
            RecordKind::TimerSet { .. } => Self::TIMER_SET,
            RecordKind::TimerFire { .. } => Self::TIMER_FIRE,
            RecordKind::Persist { .. } => Self::PERSIST,
            RecordKind::Crash { .. } => Self::CRASH,
            RecordKind::Restart { .. } => Self::RESTART,
            RecordKind::Action(_) => Self::ACTION,
            RecordKind::Resume { .. } => Self::RESUME,
            RecordKind::Invoke { .. } => Self::INVOKE,
            RecordKind::Request { .. } => Self::REQUEST,
            RecordKind::Reply { .. } => Self::REPLY,
            RecordKind::Return { .. } => Self::RETURN,
            RecordKind::Observe { obs, .. } => match obs {
                Observation::Shared(Shared::Role { .. }) => Self::ROLE,
                Observation::Shared(Shared::Append { .. }) => Self::APPEND,
                Observation::Shared(Shared::Truncate { .. }) => Self::TRUNCATE,
                Observation::Shared(Shared::Commit { .. }) => Self::COMMIT,
                Observation::Shared(Shared::Apply { .. }) => Self::APPLY,
                Observation::Shared(Shared::Snapshot { .. }) => Self::SNAPSHOT,
                Observation::Own(event) => Self::events(event.class()),
            },
            RecordKind::Violation { .. } => Self::VIOLATION,
            RecordKind::Phase { .. } => Self::PHASE,
            RecordKind::Note { .. } => Self::NOTE,
        }
    }

    /// Every bit a record can have, by position (bit 2 is free).
    pub fn kinds() -> impl Iterator<Item = Reads> {
        (0..64).map(|position| Reads(1 << position))
    }

    /// The position of a single kind's bit (see [`Reads::of`]).
    pub fn position(self) -> usize {
        self.0.trailing_zeros() as usize
    }

    /// Whether any kind of `other` is read.
    pub fn any(self, other: Reads) -> bool {
        self.0 & other.0 != 0
    }
}

impl BitOr for Reads {
    type Output = Reads;
    fn bitor(self, other: Reads) -> Reads {
        Reads(self.0 | other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Reads;
    use crate::core::{Message, NoEvent, NodeId, Observation, Role, Shared};
    use crate::protocols::paxos::{Ballot, PaxosEvent};
    use crate::protocols::raft::messages::*;
    use crate::protocols::raft::{RaftMsg, RaftTimer, Snapshot};
    use crate::protocols::two_phase_commit::{Decision, TpcEvent};
    use crate::sim::RecordKind;

    type Kind = RecordKind<RaftMsg, RaftTimer, NoEvent>;

    #[test]
    fn every_raft_message_type_has_its_own_send_bit() {
        let (term, round) = (1, 1);
        let messages = [
            RaftMsg::PreVote(PreVote { term, last_index: 0, last_term: 0 }),
            RaftMsg::PreVoteResponse(PreVoteResponse { term, granted: true }),
            RaftMsg::RequestVote(RequestVote { term, last_index: 0, last_term: 0, transfer: false }),
            RaftMsg::RequestVoteResponse(RequestVoteResponse { term, granted: true }),
            RaftMsg::AppendEntries(AppendEntries {
                term,
                prev_index: 0,
                prev_term: 0,
                entries: no_entries(),
                commit: 0,
                round,
            }),
            RaftMsg::AppendEntriesResponse(AppendEntriesResponse {
                term,
                success: true,
                match_index: 0,
                conflict_index: 0,
                conflict_term: None,
                round,
            }),
            RaftMsg::InstallSnapshot(InstallSnapshot { term, snapshot: Box::new(Snapshot::default()), round }),
            RaftMsg::InstallSnapshotResponse(InstallSnapshotResponse { term, match_index: 0, round }),
            RaftMsg::TimeoutNow(TimeoutNow { term }),
        ];
        let mut seen = Reads::NONE;
        for msg in messages {
            assert!(msg.class() < super::SEND_CLASSES - 1, "{msg:?}");
            let votes = matches!(msg, RaftMsg::RequestVoteResponse(RequestVoteResponse { .. }));
            let bit = Reads::of(&Kind::Send { id: 1, from: NodeId(1), to: NodeId(2), msg });
            assert_eq!(bit.0.count_ones(), 1);
            assert!(Reads::SEND.any(bit) && !Reads::OBSERVE.any(bit) && !seen.any(bit), "{bit:?}");
            assert!(Reads::kinds().any(|k| k == bit), "{bit:?} has a reader list");
            assert_eq!(votes, Reads::sends(RaftMsg::REQUEST_VOTE_RESPONSE).any(bit));
            seen = seen | bit;
        }
        assert!(!Reads::SEND.any(Reads::of(&Kind::Deliver { id: 1, from: NodeId(1), to: NodeId(2) })));
    }

    /// Each observation's bit, distinct from the others' and within `OBSERVE`.
    fn observation_bits<E: crate::core::Event>(observations: Vec<Observation<E>>, seen: &mut Reads) {
        for obs in observations {
            let bit = Reads::of(&RecordKind::<RaftMsg, RaftTimer, E>::Observe { node: NodeId(1), obs });
            assert_eq!(bit.0.count_ones(), 1);
            assert!(Reads::OBSERVE.any(bit) && !seen.any(bit), "{bit:?}");
            assert!(Reads::kinds().any(|k| k == bit), "{bit:?} has a reader list");
            *seen = *seen | bit;
        }
    }

    #[test]
    fn every_shared_observation_and_every_event_class_has_its_own_bit_within_observe() {
        let shared: Vec<Observation<NoEvent>> = vec![
            Observation::Shared(Shared::Role { role: Role::Leader, term: 1 }),
            Observation::Shared(Shared::Append { index: 1, term: 1, value: "v".into() }),
            Observation::Shared(Shared::Truncate { from: 1 }),
            Observation::Shared(Shared::Commit { index: 1 }),
            Observation::Shared(Shared::Apply { index: 1, term: 1, value: "v".into() }),
            Observation::Shared(Shared::Snapshot { index: 1, term: 1 }),
        ];
        let mut seen = Reads::NONE;
        observation_bits(shared, &mut seen);
        assert!(!Reads::EVENTS.any(seen), "the shared observations are not the protocol's own");
        // Two protocols' own events use the same room, each event class its own bit in it.
        let mut paxos = seen;
        observation_bits(
            vec![
                Observation::Own(PaxosEvent::Promise { slot: 1, ballot: Ballot(1, 1) }),
                Observation::Own(PaxosEvent::Accept { slot: 1, ballot: Ballot(1, 1), value: "v".into() }),
                Observation::Own(PaxosEvent::Chosen { slot: 1, value: "v".into() }),
            ],
            &mut paxos,
        );
        let mut tpc = seen;
        observation_bits(
            vec![
                Observation::Own(TpcEvent::Begin { txn: 1, participants: vec![NodeId(2)] }),
                Observation::Own(TpcEvent::Vote { txn: 1, yes: true }),
                Observation::Own(TpcEvent::Decide { txn: 1, decision: Decision::Commit }),
            ],
            &mut tpc,
        );
        assert_eq!(paxos, tpc, "every protocol's own events start at the same bits");
        assert!(Reads::EVENTS.any(Reads::events(99)) && !Reads::EVENTS.any(Reads::sends(0)));
        assert!(Reads::SEND.any(Reads::sends(99)) && !Reads::SEND.any(Reads::events(0)));
        assert!(!Reads::OBSERVE.any(Reads::of(&Kind::Crash { node: NodeId(1) })));
    }
}
