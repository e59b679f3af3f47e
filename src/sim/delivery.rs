//! Messages on the network and timers: sending, delivering, arming and firing.

use super::*;

impl<P: Protocol> Simulation<P> {
    pub(super) fn send(&mut self, from: NodeId, to: NodeId, msg: P::Msg) {
        if to.0 == 0 || to.index() >= self.nodes.len() {
            return; // A protocol addressing a node that does not exist sends nothing.
        }
        let id = self.next_msg_id;
        self.next_msg_id += 1;
        self.stats.sent += 1;
        self.record_send(id, from, to, &msg);
        match self.net.fate(from, to, &mut self.rng) {
            Fate::Blocked => self.drop_record(id, from, to, DropReason::Partition),
            Fate::Lost => self.drop_record(id, from, to, DropReason::Loss),
            Fate::Delivered { latency_us, duplicate_latency_us } => {
                if let Some(dup_latency) = duplicate_latency_us {
                    self.put_in_flight(id, from, to, msg.clone(), latency_us);
                    let copy = self.next_msg_id;
                    self.next_msg_id += 1;
                    self.stats.duplicated += 1;
                    self.record(RecordKind::Duplicate { id, copy });
                    self.put_in_flight(copy, from, to, msg, dup_latency);
                } else {
                    self.put_in_flight(id, from, to, msg, latency_us);
                }
            }
        }
    }

    pub(super) fn put_in_flight(&mut self, id: u64, from: NodeId, to: NodeId, msg: P::Msg, latency_us: TimeUs) {
        if self.in_flight.len() >= self.setup.limits.in_flight_max {
            self.drop_record(id, from, to, DropReason::Overflow);
            return;
        }
        let deliver_us = self.now_us + latency_us;
        let slot = self.in_flight.insert(id, InFlight { from, to, msg, sent_us: self.now_us, deliver_us, held: false });
        self.schedule_kind(deliver_us, EventKind::Deliver { id, slot });
    }

    pub(super) fn drop_record(&mut self, id: u64, from: NodeId, to: NodeId, reason: DropReason) {
        self.stats.dropped += 1;
        self.record(RecordKind::Drop { id, from, to, reason });
    }

    pub(super) fn deliver(&mut self, id: u64, slot: u32) {
        // Dropped or delayed by hand, a message's entry is passed over (`pass_over_idle`).
        let Some(m) = self.in_flight.get(slot, id) else {
            return;
        };
        debug_assert!(m.held || m.deliver_us == self.now_us);
        let (from, to, held) = (m.from, m.to, m.held);
        // A message already queued at a paused node has crossed the network.
        if !held && self.net.blocked(from, to) {
            self.in_flight.remove(slot, id);
            return self.drop_record(id, from, to, DropReason::Partition);
        }
        if !self.nodes[to.index()].is_up() {
            self.in_flight.remove(slot, id);
            return self.drop_record(id, from, to, DropReason::NodeDown);
        }
        if self.defer_if_paused(to, &EventKind::Deliver { id, slot }) {
            if let Some(m) = self.in_flight.get_mut(slot, id) {
                m.held = true;
            }
            return;
        }
        let Some(m) = self.in_flight.remove(slot, id) else {
            return;
        };
        self.stats.delivered += 1;
        self.record(RecordKind::Deliver { id, from, to });
        self.with_node(to, |node, disk, ctx| node.on_message(disk, from, m.msg, ctx));
    }

    /// Arms `timer` for `due`, in place of its previous arming. The arming takes the next
    /// sequence number, as a queued event would, but it is queued only if the previous arming's
    /// entry in the queue comes later (or there is none): otherwise that entry, when its time
    /// comes, moves on to `due` under this sequence number (`timer_entry_left`). Events come out
    /// in the same order as if every arming were queued, while a timer re-armed at every
    /// heartbeat (Raft's election timer) costs the queue one entry per timeout instead of one per
    /// heartbeat.
    pub(super) fn arm_timer(&mut self, id: NodeId, timer: P::Timer, due: TimeUs) {
        let gen = self.next_timer_gen;
        self.next_timer_gen += 1;
        let seq = self.next_seq;
        self.next_seq += 1;
        let slot = &mut self.nodes[id.index()];
        let mut queued = None;
        if let Some(i) = slot.timers.iter().position(|a| a.timer == timer) {
            queued = slot.timers.remove(i).queued.filter(|&(_, at)| at <= due);
        }
        if queued.is_none() {
            queued = Some((gen, due));
            self.queue.push(due, seq, EventKind::Timer { node: id, timer, gen });
        }
        slot.timers.push(node::Armed { timer, gen, due, set_us: self.now_us, seq, queued });
    }

    /// Entry `gen` of a timer of node `id` has left the queue with nothing to do. If it stood for
    /// a timer armed again since (see `arm_timer`), that timer is queued for its time.
    pub(super) fn timer_entry_left(&mut self, id: NodeId, gen: u64) {
        let slot = &mut self.nodes[id.index()];
        if let Some(a) = slot.timers.iter_mut().find(|a| a.queued.is_some_and(|(g, _)| g == gen)) {
            a.queued = Some((a.gen, a.due));
            self.queue.push(a.due, a.seq, EventKind::Timer { node: id, timer: a.timer, gen: a.gen });
        }
    }

    pub(super) fn fire_timer(&mut self, id: NodeId, timer: P::Timer, gen: u64) {
        // The entry was found live at the front of the queue (`pass_over_idle`): this arming's.
        let armed = self.nodes[id.index()].timers.iter_mut().find(|a| a.gen == gen);
        debug_assert!(armed.as_ref().is_some_and(|a| a.timer == timer));
        if let Some(a) = armed {
            a.queued = None; // its entry has left the queue
        }
        if self.defer_if_paused(id, &EventKind::Timer { node: id, timer, gen }) {
            return;
        }
        self.nodes[id.index()].timers.retain(|a| a.gen != gen);
        self.stats.timers_fired += 1;
        self.record(RecordKind::TimerFire { node: id, timer });
        self.with_node(id, |node, disk, ctx| node.on_timer(disk, timer, ctx));
    }
}
