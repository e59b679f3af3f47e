//! Simulated clients: closed-loop clients that submit commands at a configurable rate, follow
//! redirects, and retry on timeout. Every operation's invoke and return (ok, fail or unknown) is a
//! trace record: the trace is the history for linearizability checking (the simulator keeps none).
//!
//! Clients 1.. are the workload; each command of the person at the page (or a scenario's
//! `request` line) gets a client of its own, numbered from [`USER_CLIENT_BASE`], so that every
//! client has one command in flight at a time, as exactly-once sessions assume (dissertation
//! §6.3). Client links are not subject to partitions, loss or duplication: a client talks to a
//! node unless that node is crashed or paused.

use super::config::Workload;
use super::network::draw_latency;
use super::trace::{Outcome, RecordKind};
use super::{ClientArrival, ClientReplyArrival, EventKind, Simulation};
use crate::core::{App, ClientReply, ClientRequest, Command, NodeId, Protocol, RequestId, Text, TimeUs};
use litemap::LiteMap;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

#[derive(Clone, Debug)]
struct Pending {
    op: Text,
    attempt: u32,
    target: NodeId,
    /// Some attempt may have reached a node without a definite answer.
    uncertain: bool,
}

#[derive(Clone, Debug, Default)]
struct Client {
    next_seq: u64,
    pending: LiteMap<u64, Pending>,
    leader_hint: Option<NodeId>,
}

#[derive(Clone, Debug)]
pub(super) struct Clients {
    clients: LiteMap<u32, Client>,
    /// The next client id for a command of the person.
    next_user: u32,
    /// Workload clients are 1..=active.
    active: u32,
    interval_us: TimeUs,
    timeout_us: TimeUs,
    attempts_max: u32,
}

/// The first client id used for the person's commands (one client each).
pub const USER_CLIENT_BASE: u32 = 10_000;

/// 24 bits of client, 8 of attempt, 32 of sequence number.
fn request_id(client: u32, seq: u64, attempt: u32) -> RequestId {
    RequestId((u64::from(client & 0xff_ffff) << 40) | (u64::from(attempt & 0xff) << 32) | (seq & 0xffff_ffff))
}

fn split_request_id(id: RequestId) -> (u32, u64, u32) {
    ((id.0 >> 40) as u32, id.0 & 0xffff_ffff, ((id.0 >> 32) & 0xff) as u32)
}

impl Clients {
    pub(super) fn new(workload: &Workload) -> Self {
        Clients {
            clients: crate::core::map_in_order((1..=workload.clients).map(|c| (c, Client::default()))),
            next_user: USER_CLIENT_BASE,
            active: workload.clients,
            interval_us: workload.interval_us,
            timeout_us: workload.timeout_us,
            attempts_max: workload.attempts_max,
        }
    }

    /// The attempt a client's command `seq` is at, while it waits for its answer.
    pub(super) fn pending_attempt(&self, client: u32, seq: u64) -> Option<u32> {
        self.clients.get(&client).and_then(|c| c.pending.get(&seq)).map(|p| p.attempt)
    }

    /// Think time before a client's next command: the interval, with ±50% jitter.
    pub(super) fn think_time(&self, rng: &mut ChaCha8Rng) -> TimeUs {
        let base = self.interval_us.max(1);
        rng.gen_range(base / 2..=base + base / 2)
    }

    /// The client with this id (created on first use).
    fn client(&mut self, id: u32) -> &mut Client {
        self.clients.entry(id).or_default()
    }
}

impl<P: Protocol> Simulation<P> {
    fn random_node(&mut self, except: Option<NodeId>) -> NodeId {
        let n = self.nodes.len() as u32;
        if n == 1 {
            return NodeId(1);
        }
        match except {
            Some(x) => {
                let mut pick = self.rng.gen_range(1..n);
                if pick >= x.0 {
                    pick += 1;
                }
                NodeId(pick)
            }
            None => NodeId(self.rng.gen_range(1..=n)),
        }
    }

    fn client_latency(&mut self) -> TimeUs {
        draw_latency(&self.setup.link, &mut self.rng)
    }

    /// Starts a new command for `client`, sent first to `node` (or the client's leader guess).
    fn invoke(&mut self, client: u32, op: Text, node: Option<NodeId>) {
        let c = &mut self.clients.client(client);
        let seq = c.next_seq + 1;
        c.next_seq = seq;
        let hint = c.leader_hint;
        let target = match node.or(hint) {
            Some(n) => n,
            None => self.random_node(None),
        };
        self.stats.client_ops += 1;
        self.record(RecordKind::Invoke { client, seq, op: op.clone() });
        let pending = Pending { op, attempt: 0, target, uncertain: false };
        self.clients.client(client).pending.insert(seq, pending);
        self.send_attempt(client, seq, target);
    }

    fn send_attempt(&mut self, client: u32, seq: u64, target: NodeId) {
        let Some(p) = self.clients.clients.get_mut(&client).and_then(|c| c.pending.get_mut(&seq)) else {
            return;
        };
        p.attempt += 1;
        p.target = target;
        let (attempt, op) = (p.attempt, p.op.clone());
        self.record(RecordKind::Request { client, seq, attempt, node: target });
        let arrive = self.now_us + self.client_latency();
        let arrival = ClientArrival { client, seq, attempt, node: target, op };
        self.schedule_kind(arrive, EventKind::ClientArrive(Box::new(arrival)));
        let timeout = self.now_us + self.clients.timeout_us;
        self.schedule_in_order(timeout, EventKind::ClientTimeout { client, seq, attempt });
    }

    fn finish(&mut self, client: u32, seq: u64, outcome: Outcome) {
        if self.clients.clients.get_mut(&client).and_then(|c| c.pending.remove(&seq)).is_none() {
            return;
        }
        let now = self.now_us;
        self.record(RecordKind::Return { client, seq, outcome });
        if client >= USER_CLIENT_BASE {
            self.clients.clients.remove(&client); // one command per client of the person
        }
        if client >= 1 && client <= self.clients.active {
            let think = self.clients.think_time(&mut self.rng);
            self.schedule_kind(now + think, EventKind::ClientTick { client });
        }
    }

    /// Tries again, at `target` or at another node, or gives up after the last attempt.
    fn retry(&mut self, client: u32, seq: u64, target: Option<NodeId>) {
        let attempts_max = self.clients.attempts_max;
        let Some(p) = self.clients.clients.get_mut(&client).and_then(|c| c.pending.get(&seq)) else {
            return;
        };
        if p.attempt >= attempts_max {
            let outcome = if p.uncertain { Outcome::Unknown } else { Outcome::Fail("gave up".into()) };
            return self.finish(client, seq, outcome);
        }
        let last = p.target;
        let target = match target {
            Some(t) => t,
            None => self.random_node(Some(last)),
        };
        self.send_attempt(client, seq, target);
    }

    pub(super) fn client_tick(&mut self, client: u32) {
        if client == 0 || client > self.clients.active {
            // Not a workload client (or switched off since).
            return;
        }
        if !self.clients.client(client).pending.is_empty() {
            return;
        }
        let seq = self.clients.client(client).next_seq + 1;
        let shape = P::app_shape(&self.config);
        // Nothing to do (a bank of one account): the client stays idle.
        if let Some(op) = P::App::workload_op(&shape, &mut self.rng, client, seq) {
            self.invoke(client, op, None);
        }
    }

    pub(super) fn user_request(&mut self, node: NodeId, op: String) {
        let client = self.clients.next_user;
        self.clients.next_user += 1;
        self.invoke(client, op.into(), Some(node));
    }

    pub(super) fn set_workload(&mut self, clients: u32, interval_us: TimeUs) {
        let old = self.clients.active;
        self.clients.interval_us = interval_us;
        self.clients.active = clients;
        for c in 1..=clients {
            self.clients.clients.entry(c).or_default();
        }
        for client in old + 1..=clients {
            let delay = self.clients.think_time(&mut self.rng);
            self.schedule_kind(self.now_us + delay, EventKind::ClientTick { client });
        }
    }

    pub(super) fn client_arrive(&mut self, arrival: Box<ClientArrival>) {
        let node = arrival.node;
        if !self.nodes[node.index()].is_up() {
            return; // the client will time out
        }
        // The same event (and box) is deferred if the node is paused.
        let event = EventKind::ClientArrive(arrival);
        if self.defer_if_paused(node, &event) {
            return;
        }
        let EventKind::ClientArrive(arrival) = event else {
            return;
        };
        let ClientArrival { client, seq, attempt, op, .. } = *arrival;
        let request = ClientRequest { id: request_id(client, seq, attempt), command: Command { client, seq, op } };
        self.with_node(node, |n, disk, ctx| n.on_client_request(disk, request, ctx));
    }

    pub(super) fn node_reply(&mut self, node: NodeId, request: RequestId, reply: ClientReply) {
        let (client, seq, attempt) = split_request_id(request);
        if !self.clients.clients.contains_key(&client) {
            return;
        }
        self.record(RecordKind::Reply { node, client, seq, reply: reply.clone() });
        let arrive = self.now_us + self.client_latency();
        let arrival = ClientReplyArrival { client, seq, attempt, node, reply };
        self.schedule_kind(arrive, EventKind::ClientReplyArrive(Box::new(arrival)));
    }

    pub(super) fn client_reply(&mut self, client: u32, seq: u64, attempt: u32, node: NodeId, reply: ClientReply) {
        let Some(c) = self.clients.clients.get_mut(&client) else { return };
        let Some(p) = c.pending.get(&seq) else { return };
        let current = p.attempt == attempt;
        match reply {
            // An answer to any attempt settles the command.
            ClientReply::Ok(result) => {
                c.leader_hint = Some(node);
                self.finish(client, seq, Outcome::Ok(result));
            }
            ClientReply::Redirect(hint) if current => {
                c.leader_hint = hint;
                match hint {
                    Some(h) if h != node => self.retry(client, seq, Some(h)),
                    // No leader known: back off before asking elsewhere.
                    _ => self.back_off(client, seq, attempt),
                }
            }
            ClientReply::Fail(_) if current => self.back_off(client, seq, attempt),
            _ => {}
        }
    }

    /// Retries after a pause (a tenth of the timeout) when the answer gave nowhere better to go.
    fn back_off(&mut self, client: u32, seq: u64, attempt: u32) {
        let at = self.now_us + self.clients.timeout_us / 10;
        self.schedule_kind(at, EventKind::ClientRetry { client, seq, attempt });
    }

    pub(super) fn client_retry(&mut self, client: u32, seq: u64, attempt: u32) {
        if self.clients.pending_attempt(client, seq) == Some(attempt) {
            self.retry(client, seq, None);
        }
    }

    pub(super) fn client_timeout(&mut self, client: u32, seq: u64, attempt: u32) {
        let Some(p) = self.clients.clients.get_mut(&client).and_then(|c| c.pending.get_mut(&seq)) else {
            return;
        };
        if p.attempt != attempt {
            return;
        }
        p.uncertain = true;
        self.clients.client(client).leader_hint = None;
        self.retry(client, seq, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_round_trip() {
        for (c, s, a) in [(0, 1, 1), (7, 123_456, 10), (110_000, (1 << 32) - 1, 255)] {
            assert_eq!(split_request_id(request_id(c, s, a)), (c, s, a));
        }
    }
}
