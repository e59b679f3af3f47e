//! What a trace records: every kind of event of a run, typed by the protocol's own messages,
//! timers and events, and hashed word by word as `#[derive(Hash)]` would.

use super::super::action::Action;
use super::super::chaos::ChaosParams;
use crate::core::{ClientReply, NodeId, Observation, Protocol, Text, TimeUs};
use std::hash::{Hash, Hasher};

use super::hash::hash_send_fields;

/// Why the network did not deliver a message.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// A partition or one-way cut was in the way.
    Partition,
    /// The link lost it (drop probability).
    Loss,
    /// The receiver was crashed when it arrived.
    NodeDown,
    /// Too many messages in flight or held for a paused node.
    Overflow,
    /// A person dropped it by hand.
    Manual,
}

impl DropReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Partition => "partition",
            DropReason::Loss => "loss",
            DropReason::NodeDown => "node-down",
            DropReason::Overflow => "overflow",
            DropReason::Manual => "manual",
        }
    }
}

/// How a client operation ended.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    Pending,
    Ok(Text),
    /// Definitely not executed.
    Fail(String),
    /// May or may not have been executed (the client gave up after timeouts).
    Unknown,
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Ok(_) => "ok",
            Outcome::Fail(_) => "fail",
            Outcome::Unknown => "unknown",
        }
    }
}

/// What happened. Generic over the protocol's message and timer types (see [`Rec`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordKind<M, T, E> {
    Run {
        protocol: &'static str,
        nodes: u32,
        seed: u64,
        bug: Option<String>,
        /// Named sets of nodes the protocol lists (Paxos: `acceptors`); none for most.
        groups: NodeGroups,
    },
    Chaos(ChaosParams),
    Send {
        id: u64,
        from: NodeId,
        to: NodeId,
        msg: M,
    },
    Deliver {
        id: u64,
        from: NodeId,
        to: NodeId,
    },
    Drop {
        id: u64,
        from: NodeId,
        to: NodeId,
        reason: DropReason,
    },
    Duplicate {
        id: u64,
        copy: u64,
    },
    TimerSet {
        node: NodeId,
        timer: T,
        delay_us: TimeUs,
    },
    TimerFire {
        node: NodeId,
        timer: T,
    },
    Persist {
        node: NodeId,
    },
    Crash {
        node: NodeId,
    },
    Restart {
        node: NodeId,
    },
    /// Any other action (faults, network changes, workload changes, narration).
    Action(Action),
    Resume {
        node: NodeId,
    },
    Invoke {
        client: u32,
        seq: u64,
        op: Text,
    },
    /// A client (re)sends a request to a node.
    Request {
        client: u32,
        seq: u64,
        attempt: u32,
        node: NodeId,
    },
    Reply {
        node: NodeId,
        client: u32,
        seq: u64,
        reply: ClientReply,
    },
    Return {
        client: u32,
        seq: u64,
        outcome: Outcome,
    },
    Observe {
        node: NodeId,
        obs: Observation<E>,
    },
    Violation {
        property: String,
        detail: String,
    },
    /// The run enters a phase (`heal`: faults stop and liveness is checked).
    Phase {
        name: &'static str,
    },
    /// Something worth telling that changed nothing (e.g. an operator command was refused).
    Note {
        text: String,
    },
}

/// Drops a record's kind that was not kept: the kinds most records are (deliveries, timers,
/// persists) hold nothing to free, and are let go without the call to the whole enum's drop
/// that a generic drop makes (the fields are spelled out, each required to be `Copy`, so that a
/// field that needs dropping cannot be added to these kinds without this failing to compile).
#[inline(always)]
pub(crate) fn discard<M, T: Copy, E>(kind: RecordKind<M, T, E>) {
    // Each field read out by value: only a `Copy` field can be.
    fn copy<C: Copy>(_: C) {}
    match &kind {
        RecordKind::Deliver { id, from, to } => copy((*id, *from, *to)),
        RecordKind::TimerSet { node, timer, delay_us } => copy((*node, *timer, *delay_us)),
        RecordKind::TimerFire { node, timer } => copy((*node, *timer)),
        RecordKind::Persist { node } => copy(*node),
        RecordKind::Drop { id, from, to, reason } => copy((*id, *from, *to, *reason)),
        _ => return drop(kind),
    }
    std::mem::forget(kind);
}

/// Hashes what `#[derive(Hash)]` would (the variant's discriminant, then the fields in order), but
/// natively inlined wherever a record is made ([`hash_record`]): where the kind is known there,
/// only its arm is left, the words of its fields (a derived `Hash` is too big for LLVM to
/// inline, and a record kind is hashed at some thirty places).
impl<M: Hash, T: Hash, E: Hash> Hash for RecordKind<M, T, E> {
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            RecordKind::Run { protocol, nodes, seed, bug, groups } => {
                protocol.hash(state);
                nodes.hash(state);
                seed.hash(state);
                bug.hash(state);
                groups.hash(state);
            }
            RecordKind::Chaos(params) => params.hash(state),
            RecordKind::Send { id, from, to, msg } => hash_send_fields(*id, *from, *to, msg, state),
            RecordKind::Deliver { id, from, to } => {
                id.hash(state);
                from.hash(state);
                to.hash(state);
            }
            RecordKind::Drop { id, from, to, reason } => {
                id.hash(state);
                from.hash(state);
                to.hash(state);
                reason.hash(state);
            }
            RecordKind::Duplicate { id, copy } => {
                id.hash(state);
                copy.hash(state);
            }
            RecordKind::TimerSet { node, timer, delay_us } => {
                node.hash(state);
                timer.hash(state);
                delay_us.hash(state);
            }
            RecordKind::TimerFire { node, timer } => {
                node.hash(state);
                timer.hash(state);
            }
            RecordKind::Persist { node }
            | RecordKind::Crash { node }
            | RecordKind::Restart { node }
            | RecordKind::Resume { node } => node.hash(state),
            RecordKind::Action(action) => action.hash(state),
            RecordKind::Invoke { client, seq, op } => {
                client.hash(state);
                seq.hash(state);
                op.hash(state);
            }
            RecordKind::Request { client, seq, attempt, node } => {
                client.hash(state);
                seq.hash(state);
                attempt.hash(state);
                node.hash(state);
            }
            RecordKind::Reply { node, client, seq, reply } => {
                node.hash(state);
                client.hash(state);
                seq.hash(state);
                reply.hash(state);
            }
            RecordKind::Return { client, seq, outcome } => {
                client.hash(state);
                seq.hash(state);
                outcome.hash(state);
            }
            RecordKind::Observe { node, obs } => {
                node.hash(state);
                obs.hash(state);
            }
            RecordKind::Violation { property, detail } => {
                property.hash(state);
                detail.hash(state);
            }
            RecordKind::Phase { name } => name.hash(state),
            RecordKind::Note { text } => text.hash(state),
        }
    }
}

/// Named sets of nodes (Paxos: `acceptors`), each hashed as its list of ids alone, and none at
/// all for protocols without any: the traces (and golden hashes) of runs recorded before the
/// list was named stay as they were.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeGroups(pub Vec<(&'static str, Vec<u32>)>);

impl Hash for NodeGroups {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for (_, nodes) in &self.0 {
            nodes.hash(state);
        }
    }
}

/// One event of a run at virtual time `t`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Record<M, T, E> {
    pub t: TimeUs,
    pub kind: RecordKind<M, T, E>,
}

/// The record type of protocol `P`.
pub type Rec<P> = Record<<P as Protocol>::Msg, <P as Protocol>::Timer, <P as Protocol>::Event>;
/// The record kind type of protocol `P`.
pub type RecKind<P> = RecordKind<<P as Protocol>::Msg, <P as Protocol>::Timer, <P as Protocol>::Event>;
