//! Leader election (§5.2, §5.4.1), PreVote (dissertation §9.6), CheckQuorum and the lease rule
//! for votes (§4.2.3), and TimeoutNow (§3.10).

use super::{Progress, Raft, RaftDurable, RaftMsg, RaftTimer};
use crate::core::{Ctx, Disk, NodeId, Role};
use crate::protocols::raft::messages::*;

impl Raft {
    /// Re-arms the election timer with a fresh random timeout (§5.2: randomized, re-drawn at
    /// every reset, so split votes resolve).
    pub(super) fn reset_election_timer(&self, ctx: &mut Ctx<'_, Self>) {
        let timeout = ctx.random_us(self.config.election_us_min, self.config.election_us_max);
        ctx.set_timer(RaftTimer::Election, timeout);
    }

    /// Whether this server heard from a leader within the minimum election timeout: then it
    /// believes a leader exists and (with PreVote or CheckQuorum) does not help depose it.
    pub(super) fn leader_is_fresh(&self, ctx: &Ctx<'_, Self>) -> bool {
        self.role == Role::Leader
            || self.leader_contact_us.is_some_and(|t| ctx.local_now_us() < t + self.config.election_us_min)
    }

    /// §5.4.1: the candidate's log is at least as up to date as ours.
    fn log_ok(&self, disk: &Disk<RaftDurable>, last_index: u64, last_term: u64) -> bool {
        if self.config.bugs.no_election_restriction {
            return true;
        }
        let (my_term, my_index) = (disk.read().last_term(), disk.read().last_index());
        last_term > my_term || (last_term == my_term && last_index >= my_index)
    }

    /// Whether the (pre-)votes collected come from a majority of the voters of our configuration.
    fn has_majority(&self) -> bool {
        self.votes.iter().filter(|&&v| self.membership.is_voter(v)).count() >= self.membership.majority()
    }

    /// Moves to `term` (if higher) as a follower of `leader`. A new term clears the vote (§5.1).
    pub(super) fn become_follower(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        term: u64,
        leader: Option<NodeId>,
        ctx: &mut Ctx<'_, Self>,
    ) {
        let changed = term > disk.read().term || self.role != Role::Follower;
        if term > disk.read().term {
            let d = disk.write();
            d.term = term;
            d.voted_for = None;
            self.volatile_vote = None;
        }
        let was_leader = self.role == Role::Leader;
        self.role = Role::Follower;
        self.leader = leader;
        self.votes.clear();
        if was_leader {
            self.stop_leading(ctx);
            self.reset_election_timer(ctx);
        }
        if changed {
            self.observe_role(disk, ctx);
        }
    }

    pub(super) fn election_timeout(&mut self, disk: &mut Disk<RaftDurable>, ctx: &mut Ctx<'_, Self>) {
        if self.role == Role::Leader {
            return self.check_quorum(disk, ctx);
        }
        // A server outside its own latest configuration (a learner, or removed) stays quiet once
        // that configuration is committed. Until then it may be the only server with the newest
        // log, and so the only one that can be elected to commit it (dissertation §4.1: it is
        // the candidate's configuration that counts its votes).
        if !self.membership.is_voter(self.id) && !disk.read().has_config_after(self.commit_index) {
            return self.reset_election_timer(ctx);
        }
        if self.config.prevote {
            self.start_pre_vote(disk, ctx);
        } else {
            self.start_election(disk, false, ctx);
        }
    }

    /// Dissertation §9.6: ask whether we could win before disturbing anyone's term.
    fn start_pre_vote(&mut self, disk: &mut Disk<RaftDurable>, ctx: &mut Ctx<'_, Self>) {
        self.role = Role::Precandidate;
        self.leader = None;
        self.votes = [self.id].into_iter().collect();
        self.observe_role(disk, ctx);
        self.reset_election_timer(ctx);
        if self.has_majority() {
            return self.start_election(disk, false, ctx);
        }
        let d = disk.read();
        let msg = RaftMsg::PreVote(PreVote { term: d.term + 1, last_index: d.last_index(), last_term: d.last_term() });
        for peer in self.membership.voters.clone() {
            if peer != self.id {
                ctx.send(peer, msg.clone());
            }
        }
    }

    /// §5.2: increment the term, vote for ourselves, ask everyone.
    pub(super) fn start_election(&mut self, disk: &mut Disk<RaftDurable>, transfer: bool, ctx: &mut Ctx<'_, Self>) {
        let term = disk.read().term + 1;
        disk.write().term = term;
        self.set_vote(disk, Some(self.id));
        self.role = Role::Candidate;
        self.leader = None;
        self.votes = [self.id].into_iter().collect();
        self.observe_role(disk, ctx);
        self.reset_election_timer(ctx);
        if self.has_majority() {
            return self.become_leader(disk, ctx);
        }
        let d = disk.read();
        let msg =
            RaftMsg::RequestVote(RequestVote { term, last_index: d.last_index(), last_term: d.last_term(), transfer });
        for peer in self.membership.voters.clone() {
            if peer != self.id {
                ctx.send(peer, msg.clone());
            }
        }
    }

    pub(super) fn handle_pre_vote(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        from: NodeId,
        msg: PreVote,
        ctx: &mut Ctx<'_, Self>,
    ) {
        let PreVote { term, last_index, last_term } = msg;
        // Granting changes nothing here: no term, no vote, no timer (§9.6).
        let current = disk.read().term;
        let granted = term > current && !self.leader_is_fresh(ctx) && self.log_ok(disk, last_index, last_term);
        // A refusal carries our own term: a pre-candidate behind it adopts it, or it could never
        // propose a term we would accept (as etcd does).
        let reply_term = if granted { term } else { current };
        ctx.send(from, RaftMsg::PreVoteResponse(PreVoteResponse { term: reply_term, granted }));
    }

    pub(super) fn handle_pre_vote_response(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        from: NodeId,
        msg: PreVoteResponse,
        ctx: &mut Ctx<'_, Self>,
    ) {
        let PreVoteResponse { term, granted } = msg;
        if !granted && term > disk.read().term {
            return self.become_follower(disk, term, None, ctx);
        }
        if self.role != Role::Precandidate || term != disk.read().term + 1 || !granted {
            return;
        }
        self.votes.insert(from);
        if self.has_majority() {
            self.start_election(disk, false, ctx);
        }
    }

    pub(super) fn handle_request_vote(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        from: NodeId,
        msg: RequestVote,
        ctx: &mut Ctx<'_, Self>,
    ) {
        let RequestVote { term, last_index, last_term, transfer } = msg;
        // §4.2.3: while a leader is heard from, ignore RequestVote, without even adopting its term,
        // so a removed or partitioned server cannot disrupt the cluster. A transfer is wanted.
        if self.config.check_quorum && !transfer && self.leader_is_fresh(ctx) && term > disk.read().term {
            ctx.send(
                from,
                RaftMsg::RequestVoteResponse(RequestVoteResponse { term: disk.read().term, granted: false }),
            );
            return;
        }
        if term > disk.read().term {
            self.become_follower(disk, term, None, ctx);
        }
        let current = disk.read().term;
        let vote = self.voted_for(disk);
        let granted = term == current && vote.is_none_or(|v| v == from) && self.log_ok(disk, last_index, last_term);
        if granted {
            // Persisted before the reply leaves (the simulator writes the disk first).
            self.set_vote(disk, Some(from));
            self.reset_election_timer(ctx);
        }
        ctx.send(from, RaftMsg::RequestVoteResponse(RequestVoteResponse { term: current, granted }));
    }

    pub(super) fn handle_vote_response(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        from: NodeId,
        msg: RequestVoteResponse,
        ctx: &mut Ctx<'_, Self>,
    ) {
        let RequestVoteResponse { term, granted } = msg;
        if term > disk.read().term {
            return self.become_follower(disk, term, None, ctx);
        }
        if self.role != Role::Candidate || term != disk.read().term || !granted {
            return;
        }
        self.votes.insert(from);
        if self.has_majority() {
            self.become_leader(disk, ctx);
        }
    }

    /// §5.2 / §8: a new leader initialises nextIndex and matchIndex, appends a no-op of its term,
    /// and starts sending heartbeats at once.
    pub(super) fn become_leader(&mut self, disk: &mut Disk<RaftDurable>, ctx: &mut Ctx<'_, Self>) {
        self.role = Role::Leader;
        self.leader = Some(self.id);
        self.votes.clear();
        self.transfer = None;
        self.cut = None;
        self.observe_role(disk, ctx);
        let next = disk.read().last_index() + 1;
        self.progress = crate::core::map_in_order(
            self.membership
                .peers(self.id)
                .map(|p| (p, Progress { next_index: next, match_index: 0, acked_round: 0, recently_active: true })),
        );
        if self.config.noop {
            self.append_entry(disk, super::EntryData::Noop, ctx);
        }
        self.round += 1;
        self.broadcast_append(disk, ctx);
        ctx.set_timer(RaftTimer::Heartbeat, self.config.heartbeat_us);
        // As leader the election timer paces CheckQuorum.
        ctx.set_timer(RaftTimer::Election, self.config.election_us_max);
    }

    /// Clears everything only a leader has; waiting clients will time out and retry elsewhere.
    pub(super) fn stop_leading(&mut self, ctx: &mut Ctx<'_, Self>) {
        self.progress.clear();
        self.reads.clear();
        self.waiting.clear();
        self.transfer = None;
        ctx.cancel_timer(RaftTimer::Heartbeat);
    }

    /// CheckQuorum: a leader that has not heard from a majority for an election timeout steps
    /// down, so a leader cut off in a minority stops pretending. Also ends a stalled transfer.
    fn check_quorum(&mut self, disk: &mut Disk<RaftDurable>, ctx: &mut Ctx<'_, Self>) {
        if self.transfer.is_some_and(|(_, deadline)| ctx.local_now_us() >= deadline) {
            self.transfer = None;
        }
        if self.config.check_quorum {
            let active = self.count_voters(|p| p.recently_active);
            if active < self.membership.majority() {
                let term = disk.read().term;
                self.become_follower(disk, term, None, ctx);
                return;
            }
        }
        for (_, p) in self.progress.iter_mut() {
            p.recently_active = false;
        }
        ctx.set_timer(RaftTimer::Election, self.config.election_us_max);
    }

    /// §3.10: the leader asked us to take over: campaign now, skipping PreVote.
    pub(super) fn handle_timeout_now(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        msg: TimeoutNow,
        ctx: &mut Ctx<'_, Self>,
    ) {
        let TimeoutNow { term } = msg;
        if term < disk.read().term || !self.membership.is_voter(self.id) {
            return;
        }
        if term > disk.read().term {
            self.become_follower(disk, term, None, ctx);
        }
        self.start_election(disk, true, ctx);
    }
}
