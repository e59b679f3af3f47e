//! Protocols as pure state machines (see [`crate::core::Protocol`]): inputs in, effects out.

pub mod paxos;
pub mod raft;
pub mod toy;
pub mod two_phase_commit;
