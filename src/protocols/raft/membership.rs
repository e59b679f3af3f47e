//! Membership changes one server at a time (dissertation §4.1–4.3) and leadership transfer
//! (§3.10).

use super::{EntryData, Membership, Progress, Raft, RaftDurable, RaftMsg};
use crate::core::{Ctx, Disk, NodeId, Role};
use crate::protocols::raft::messages::*;

impl Raft {
    /// Keeps one `Progress` per server in the configuration (after it changes).
    pub(super) fn sync_progress(&mut self, disk: &Disk<RaftDurable>) {
        if self.role != Role::Leader {
            return;
        }
        let next = disk.read().last_index() + 1;
        let peers: Vec<NodeId> = self.membership.peers(self.id).collect();
        self.progress.retain(|id, _| peers.contains(id));
        for peer in peers {
            self.progress.entry(peer).or_insert(Progress {
                next_index: next,
                match_index: 0,
                acked_round: 0,
                recently_active: true,
            });
        }
    }

    /// The preconditions of a configuration change. The second is the fix for the single-server
    /// change bug (Ongaro, raft-dev, 2015): a leader may not append a configuration entry before
    /// it has committed an entry of its own term; the planted bug `unsafe-membership` skips it.
    fn check_can_change(&self, disk: &Disk<RaftDurable>) -> Result<(), String> {
        if self.role != Role::Leader {
            return Err("only the leader changes the configuration".into());
        }
        if self.transfer.is_some() {
            return Err("a leadership transfer is in progress".into());
        }
        if !self.config.bugs.unsafe_membership && !self.committed_in_term(disk) {
            return Err("the leader has not yet committed an entry of its term".into());
        }
        if disk.read().has_config_after(self.commit_index) {
            return Err("the previous configuration change is not committed yet".into());
        }
        Ok(())
    }

    fn check_node(&self, node: NodeId) -> Result<(), String> {
        if node.0 == 0 || node.0 as usize > self.config.node_count {
            return Err(format!("node {} does not exist", node.0));
        }
        Ok(())
    }

    fn change_config(&mut self, disk: &mut Disk<RaftDurable>, membership: Membership, ctx: &mut Ctx<'_, Self>) {
        self.append_entry(disk, EntryData::Config(membership), ctx);
        self.broadcast_append(disk, ctx);
    }

    /// §4.2.1: a new server joins as a learner; it is promoted once it has caught up.
    pub(super) fn add_server(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        node: NodeId,
        ctx: &mut Ctx<'_, Self>,
    ) -> Result<(), String> {
        self.check_node(node)?;
        self.check_can_change(disk)?;
        if self.membership.contains(node) {
            return Err(format!("node {} is already in the configuration", node.0));
        }
        let mut m = self.membership.clone();
        m.learners.push(node);
        crate::core::sort_short(&mut m.learners, |&n| n);
        self.change_config(disk, m, ctx);
        Ok(())
    }

    pub(super) fn remove_server(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        node: NodeId,
        ctx: &mut Ctx<'_, Self>,
    ) -> Result<(), String> {
        self.check_node(node)?;
        self.check_can_change(disk)?;
        if !self.membership.contains(node) {
            return Err(format!("node {} is not in the configuration", node.0));
        }
        let mut m = self.membership.clone();
        m.voters.retain(|&n| n != node);
        m.learners.retain(|&n| n != node);
        if m.voters.is_empty() {
            return Err("the last voter cannot be removed".into());
        }
        self.change_config(disk, m, ctx);
        Ok(())
    }

    /// Promotes a learner whose log has caught up with the commit index.
    pub(super) fn maybe_promote(&mut self, disk: &mut Disk<RaftDurable>, peer: NodeId, ctx: &mut Ctx<'_, Self>) {
        if !self.membership.learners.contains(&peer) || self.check_can_change(disk).is_err() {
            return;
        }
        if self.progress.get(&peer).is_none_or(|p| p.match_index < self.commit_index) {
            return;
        }
        let mut m = self.membership.clone();
        m.learners.retain(|&n| n != peer);
        m.voters.push(peer);
        crate::core::sort_short(&mut m.voters, |&n| n);
        self.change_config(disk, m, ctx);
    }

    /// §4.2.2: a leader that committed its own removal steps down.
    pub(super) fn after_commit(&mut self, disk: &mut Disk<RaftDurable>, ctx: &mut Ctx<'_, Self>) {
        if self.role == Role::Leader
            && !self.membership.is_voter(self.id)
            && !disk.read().has_config_after(self.commit_index)
        {
            let term = disk.read().term;
            self.become_follower(disk, term, None, ctx);
        }
    }

    /// §3.10: bring the target up to date, then tell it to campaign at once.
    pub(super) fn start_transfer(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        target: NodeId,
        ctx: &mut Ctx<'_, Self>,
    ) -> Result<(), String> {
        if self.role != Role::Leader {
            return Err("only the leader transfers leadership".into());
        }
        if target == self.id {
            return Err("the leader already leads".into());
        }
        if !self.membership.is_voter(target) {
            return Err(format!("node {} is not a voter", target.0));
        }
        self.transfer = Some((target, ctx.local_now_us() + self.config.election_us_max));
        let caught_up = self.progress.get(&target).is_some_and(|p| p.match_index == disk.read().last_index());
        if caught_up {
            self.maybe_send_timeout_now(disk, target, ctx);
        } else {
            self.replicate_to(disk, target, ctx);
        }
        Ok(())
    }

    pub(super) fn maybe_send_timeout_now(&mut self, disk: &Disk<RaftDurable>, peer: NodeId, ctx: &mut Ctx<'_, Self>) {
        if self.transfer.is_some_and(|(target, _)| target == peer) {
            ctx.send(peer, RaftMsg::TimeoutNow(TimeoutNow { term: disk.read().term }));
        }
    }
}
