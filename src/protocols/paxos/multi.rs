//! Multi-Paxos (Paxos Made Simple §3).
