//! Actions given to a run (a person's, a scenario's, the chaos preset's): checked, scheduled and carried out.

use super::*;

impl<P: Protocol> Simulation<P> {
    /// Schedules an action at a virtual time (now or later).
    pub fn schedule(&mut self, at_us: TimeUs, action: Action) -> Result<(), String> {
        self.validate(&action)?;
        let at = at_us.max(self.now_us);
        self.schedule_kind(at, EventKind::Action(Box::new(action)));
        Ok(())
    }

    /// Whether [`Simulation::apply`] would accept the action now.
    pub fn check_now(&self, action: &Action) -> Result<(), String> {
        self.validate(action)?;
        match action {
            Action::Crash { node } if !self.node(*node).is_up() => Err(format!("node {} is already crashed", node.0)),
            Action::Restart { node } if self.node(*node).is_up() => Err(format!("node {} is running", node.0)),
            Action::Pause { node, .. } if !self.node(*node).is_up() => Err(format!("node {} is crashed", node.0)),
            Action::Resume { node } if !self.node(*node).is_paused() => Err(format!("node {} is not paused", node.0)),
            _ => Ok(()),
        }
    }

    /// Applies an action now. Unlike a scheduled action, one that cannot do anything now (crash a
    /// crashed node, restart a running one) is refused with a message.
    pub fn apply(&mut self, action: Action) -> Result<(), String> {
        self.check_now(&action)?;
        self.apply_action(action);
        self.pass_over_idle();
        Ok(())
    }

    /// Checks that an action names real nodes and messages and stays within limits.
    pub fn validate(&self, action: &Action) -> Result<(), String> {
        let n = self.setup.nodes as u32;
        for node in action.nodes() {
            if node.0 == 0 || node.0 > n {
                return Err(format!("node {} does not exist (nodes are 1..={n})", node.0));
            }
        }
        match action {
            Action::Pause { for_us, .. } if *for_us == 0 || *for_us > crate::core::time::DURATION_US_MAX => {
                Err("a pause lasts between 1us and 24h".into())
            }
            Action::Drift { rate_pct, .. } if !(10..=1000).contains(rate_pct) => {
                Err(format!("clock rate {rate_pct}% is outside 10%..1000%"))
            }
            Action::Request { op, .. } if op.len() > 200 || op.is_empty() => {
                Err("a client command is 1 to 200 characters".into())
            }
            Action::Workload { clients, interval_us } => {
                if *clients > config::CLIENTS_MAX {
                    Err(format!("at most {} clients", config::CLIENTS_MAX))
                } else if *interval_us == 0 {
                    Err("the client interval must be positive".into())
                } else {
                    Ok(())
                }
            }
            Action::Say { text, .. } if text.chars().count() > 1000 => {
                Err("a caption is at most 1000 characters".into())
            }
            Action::Admin { command, .. } if command.is_empty() || command.len() > 200 => {
                Err("an operator command is 1 to 200 characters".into())
            }
            Action::DropMessage { id } | Action::DuplicateMessage { id } | Action::DelayMessage { id, .. }
                if self.in_flight.find(*id).is_none() =>
            {
                Err(format!("message #{id} is not in flight"))
            }
            Action::DelayMessage { by_us, .. } if *by_us > crate::core::time::DURATION_US_MAX => {
                Err("a delay is at most 24h".into())
            }
            Action::Link { change, .. } => match change.latency_us {
                Some((lo, hi)) if lo > hi || hi > crate::core::time::DURATION_US_MAX => {
                    Err("a latency range is min..max with max at most 24h".into())
                }
                _ => Ok(()),
            },
            Action::Partition { groups } => {
                let mut seen = crate::core::LiteSet::new();
                for node in groups.iter().flatten() {
                    if !seen.insert(*node) {
                        return Err(format!("node {} is in two groups", node.0));
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    // ----- internals ---------------------------------------------------------------------------

    pub(super) fn crash(&mut self, id: NodeId) {
        let slot = &mut self.nodes[id.index()];
        if slot.volatile.is_none() {
            return;
        }
        slot.volatile = None;
        slot.timers.clear();
        slot.paused_until = None;
        slot.pause_gen += 1;
        let deferred = std::mem::take(&mut slot.deferred);
        self.record(RecordKind::Crash { node: id });
        // Input queued at the node dies with it.
        for kind in deferred {
            if let EventKind::Deliver { id: msg_id, slot } = kind {
                if let Some(m) = self.in_flight.remove(slot, msg_id) {
                    self.drop_record(msg_id, m.from, m.to, DropReason::NodeDown);
                }
            }
        }
    }

    pub(super) fn restart(&mut self, id: NodeId) {
        if self.nodes[id.index()].is_up() {
            return;
        }
        self.nodes[id.index()].restarts += 1;
        self.record(RecordKind::Restart { node: id });
        self.boot(id);
    }

    pub(super) fn pause(&mut self, id: NodeId, for_us: TimeUs) {
        let slot = &mut self.nodes[id.index()];
        if !slot.is_up() {
            return;
        }
        slot.pause_gen += 1;
        slot.paused_until = Some(self.now_us + for_us);
        let pause_gen = slot.pause_gen;
        self.schedule_kind(self.now_us + for_us, EventKind::Resume { node: id, pause_gen });
    }

    pub(super) fn resume(&mut self, id: NodeId) {
        let slot = &mut self.nodes[id.index()];
        if slot.paused_until.take().is_none() {
            return;
        }
        slot.pause_gen += 1;
        let deferred = std::mem::take(&mut slot.deferred);
        self.record(RecordKind::Resume { node: id });
        for kind in deferred {
            self.schedule_kind(self.now_us, kind);
        }
    }

    pub(super) fn apply_action(&mut self, action: Action) {
        if action.is_fault() {
            self.stable_since_us = None;
        }
        match action {
            Action::Crash { node } => self.crash(node),
            Action::Restart { node } => self.restart(node),
            Action::Resume { node } => self.resume(node),
            other => {
                self.record(RecordKind::Action(other.clone()));
                self.apply_other(other);
            }
        }
    }

    pub(super) fn apply_other(&mut self, action: Action) {
        match action {
            Action::Pause { node, for_us } => self.pause(node, for_us),
            Action::Partition { groups } => self.net.partition(&groups),
            Action::Cut { from, to } => self.net.set_cut(from, to, true),
            Action::Uncut { from, to } => self.net.set_cut(from, to, false),
            Action::Heal => self.net.heal(),
            Action::HealAll => self.heal_all(),
            Action::Link { from, to, change } => self.net.change_links(from, to, &change),
            Action::Drift { node, rate_pct } => self.nodes[node.index()].clock.set_rate(self.now_us, rate_pct),
            Action::Request { node, op } => self.user_request(node, op),
            Action::Workload { clients, interval_us } => self.set_workload(clients, interval_us),
            Action::DropMessage { id } => {
                if let Some(m) = self.in_flight.find(id).and_then(|slot| self.in_flight.remove(slot, id)) {
                    self.drop_record(id, m.from, m.to, DropReason::Manual);
                }
            }
            Action::DuplicateMessage { id } => {
                if let Some(m) = self.in_flight.find(id).and_then(|slot| self.in_flight.get(slot, id)).cloned() {
                    let copy = self.next_msg_id;
                    self.next_msg_id += 1;
                    self.stats.duplicated += 1;
                    self.record(RecordKind::Duplicate { id, copy });
                    let latency = network::draw_latency(self.net.link(m.from, m.to), &mut self.rng);
                    self.put_in_flight(copy, m.from, m.to, m.msg, latency);
                }
            }
            Action::DelayMessage { id, by_us } => {
                let Some(slot) = self.in_flight.find(id) else { return };
                if let Some(m) = self.in_flight.get_mut(slot, id) {
                    if !m.held {
                        m.deliver_us += by_us;
                        let at = m.deliver_us;
                        self.schedule_kind(at, EventKind::Deliver { id, slot });
                    }
                }
            }
            Action::Admin { node, command } => self.admin(node, command),
            Action::Say { .. } | Action::Crash { .. } | Action::Restart { .. } | Action::Resume { .. } => {}
        }
    }

    /// The live node that believes it leads (the lowest id if several do).
    pub fn believed_leader(&self) -> Option<NodeId> {
        self.nodes()
            .find(|(id, n)| !n.is_paused() && n.volatile().and_then(P::leader_hint) == Some(*id))
            .map(|(id, _)| id)
    }

    pub(super) fn admin(&mut self, node: Option<NodeId>, command: String) {
        let Some(target) = node.or_else(|| self.believed_leader()) else {
            return self.record(RecordKind::Note { text: format!("{command:?} refused: no node believes it leads") });
        };
        if !self.nodes[target.index()].is_up() || self.nodes[target.index()].is_paused() {
            return self.record(RecordKind::Note { text: format!("{command:?} refused: {target} is not running") });
        }
        let mut outcome = Ok(());
        self.with_node(target, |n, disk, ctx| outcome = n.on_admin(disk, &command, ctx));
        if let Err(why) = outcome {
            self.record(RecordKind::Note { text: format!("{target} refused {command:?}: {why}") });
        }
    }

    pub(super) fn heal_all(&mut self) {
        self.net.heal();
        self.net.reset_links(self.setup.link);
        for i in 0..self.nodes.len() {
            let id = NodeId::from_index(i);
            self.resume(id);
            self.restart(id);
            self.nodes[i].clock.set_rate(self.now_us, 100);
        }
        self.stable_since_us = Some(self.now_us);
    }

    pub(super) fn chaos_tick(&mut self) {
        let Some(params) = self.chaos.clone() else {
            return;
        };
        if self.now_us >= params.heal_at_us {
            return;
        }
        let up: Vec<NodeId> = self.nodes().filter(|(_, n)| n.is_up()).map(|(id, _)| id).collect();
        let crashed: Vec<NodeId> = self.nodes().filter(|(_, n)| !n.is_up()).map(|(id, _)| id).collect();
        for action in params.tick(&mut self.rng, &up, &crashed, self.nodes.len(), &self.chaos_commands) {
            self.apply_action(action);
        }
        self.schedule_kind(self.now_us + chaos::CHAOS_TICK_US, EventKind::ChaosTick);
    }
}
