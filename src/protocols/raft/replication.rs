//! Log replication (§5.3), the commit rule (§5.4.2), applying, and compaction with
//! InstallSnapshot (§7).

use super::messages::no_entries;
use super::{Entry, EntryData, Raft, RaftDurable, RaftMsg, RaftTimer, Snapshot, ENTRIES_PER_MESSAGE_MAX};
use crate::core::{ClientReply, Ctx, Disk, NodeId, Observation, Role, Shared};
use crate::protocols::raft::messages::*;
use std::rc::Rc;

impl Raft {
    /// The leader appends one entry of its term (persisted before anything is sent).
    pub(super) fn append_entry(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        data: EntryData,
        ctx: &mut Ctx<'_, Self>,
    ) -> u64 {
        let entry = Entry::new(disk.read().term, data);
        let value = entry.value().clone();
        let is_config = matches!(entry.data(), EntryData::Config(_));
        let d = disk.write();
        d.entries.push(entry);
        let index = d.last_index();
        ctx.observe(Observation::Shared(Shared::Append { index, term: d.term, value }));
        if is_config {
            self.refresh_membership(disk);
            self.sync_progress(disk);
        }
        // A single-voter cluster commits on its own.
        self.maybe_commit(disk, ctx);
        index
    }

    /// AppendEntries (or InstallSnapshot) to one follower, from its nextIndex on.
    pub(super) fn replicate_to(&mut self, disk: &Disk<RaftDurable>, peer: NodeId, ctx: &mut Ctx<'_, Self>) {
        let mut cut = self.cut.take();
        self.replicate_sharing(disk, peer, &mut cut, ctx);
        self.cut = cut;
    }

    /// [`Raft::replicate_to`], reusing `shared`'s entries when this follower's range is the one
    /// they were cut for: in a broadcast most followers are at the same nextIndex, and one
    /// shared slice of entries serves them all instead of one allocation each (and the leader
    /// keeps the last cut, `Raft::cut`, for the next message).
    fn replicate_sharing(
        &self,
        disk: &Disk<RaftDurable>,
        peer: NodeId,
        shared: &mut Option<(u64, u64, Rc<[Entry]>)>,
        ctx: &mut Ctx<'_, Self>,
    ) {
        let Some(p) = self.progress.get(&peer) else { return };
        let d = disk.read();
        let term = d.term;
        if p.next_index <= d.snapshot.index {
            let snapshot = Box::new(d.snapshot.clone());
            ctx.send(peer, RaftMsg::InstallSnapshot(InstallSnapshot { term, snapshot, round: self.round }));
            return;
        }
        let prev_index = p.next_index - 1;
        let prev_term = d.term_at(prev_index).unwrap_or(0);
        let last = (prev_index + ENTRIES_PER_MESSAGE_MAX as u64).min(d.last_index());
        let entries = match shared {
            Some((from, to, entries)) if (*from, *to) == (p.next_index, last) => {
                // Entries cut before are this log's entries still (see `Raft::cut`).
                debug_assert!(entries[..] == *d.slice(*from, *to), "stale cut entries");
                entries.clone()
            }
            _ => {
                let entries = match d.slice(p.next_index, last) {
                    [] => no_entries(),
                    some => Rc::from(some),
                };
                *shared = Some((p.next_index, last, entries.clone()));
                entries
            }
        };
        let msg = RaftMsg::AppendEntries(AppendEntries {
            term,
            prev_index,
            prev_term,
            entries,
            commit: self.commit_index,
            round: self.round,
        });
        ctx.send(peer, msg);
    }

    pub(super) fn broadcast_append(&mut self, disk: &Disk<RaftDurable>, ctx: &mut Ctx<'_, Self>) {
        let mut cut = self.cut.take();
        for &peer in self.progress.keys() {
            self.replicate_sharing(disk, peer, &mut cut, ctx);
        }
        self.cut = cut;
    }

    /// Heartbeat: a new round of AppendEntries to everyone (empty when up to date).
    pub(super) fn heartbeat(&mut self, disk: &mut Disk<RaftDurable>, ctx: &mut Ctx<'_, Self>) {
        if self.role != Role::Leader {
            return;
        }
        self.round += 1;
        self.broadcast_append(disk, ctx);
        ctx.set_timer(RaftTimer::Heartbeat, self.config.heartbeat_us);
    }

    /// Figure 2, AppendEntries receiver implementation.
    pub(super) fn handle_append_entries(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        from: NodeId,
        msg: AppendEntries,
        ctx: &mut Ctx<'_, Self>,
    ) {
        let AppendEntries { term, mut prev_index, mut prev_term, entries, commit: leader_commit, round } = msg;
        let refuse = |current: u64, conflict_index: u64, conflict_term: Option<u64>| {
            RaftMsg::AppendEntriesResponse(AppendEntriesResponse {
                term: current,
                success: false,
                match_index: 0,
                conflict_index,
                conflict_term,
                round,
            })
        };
        // 1. Reply false if term < currentTerm (§5.1).
        if term < disk.read().term {
            ctx.send(from, refuse(disk.read().term, 0, None));
            return;
        }
        if term > disk.read().term || self.role != Role::Follower || self.leader != Some(from) {
            self.become_follower(disk, term, Some(from), ctx);
        }
        self.leader_contact_us = Some(ctx.local_now_us());
        self.reset_election_timer(ctx);
        // Entries already covered by our snapshot are committed and known to match.
        let snap = disk.read().snapshot.index;
        let mut entries = &entries[..];
        if prev_index < snap {
            let skip = (snap - prev_index) as usize;
            entries = &entries[skip.min(entries.len())..];
            prev_index = snap;
            prev_term = disk.read().snapshot.term;
        }
        // 2. Reply false if the log has no entry at prevLogIndex whose term is prevLogTerm (§5.3),
        // with hints so the leader can skip a whole term back.
        let last = disk.read().last_index();
        if prev_index > last {
            ctx.send(from, refuse(disk.read().term, last + 1, None));
            return;
        }
        let have = disk.read().term_at(prev_index);
        if have != Some(prev_term) {
            let t = have.unwrap_or(0);
            let first = disk.read().first_index_of_term(prev_index, t);
            ctx.send(from, refuse(disk.read().term, first, Some(t)));
            return;
        }
        // 3./4. Delete a conflicting suffix and append what is new (§5.3).
        let match_index = prev_index + entries.len() as u64;
        self.store_entries(disk, prev_index, entries, ctx);
        // 5. Advance the commit index, up to the last new entry.
        if leader_commit > self.commit_index {
            let new_commit = leader_commit.min(match_index);
            if new_commit > self.commit_index {
                self.commit_index = new_commit;
                ctx.observe(Observation::Shared(Shared::Commit { index: new_commit }));
                self.apply_committed(disk, ctx);
            }
        }
        let current = disk.read().term;
        ctx.send(
            from,
            RaftMsg::AppendEntriesResponse(AppendEntriesResponse {
                term: current,
                success: true,
                match_index,
                conflict_index: 0,
                conflict_term: None,
                round,
            }),
        );
    }

    fn store_entries(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        prev_index: u64,
        entries: &[Entry],
        ctx: &mut Ctx<'_, Self>,
    ) {
        // Entries stored here may replace others: cut entries are good only for a log that grows.
        self.cut = None;
        let mut config_changed = false;
        if self.config.bugs.truncate_on_stale_append && disk.read().last_index() > prev_index {
            // Planted bug: the suffix goes even when it matches.
            disk.write().truncate_from(prev_index + 1);
            ctx.observe(Observation::Shared(Shared::Truncate { from: prev_index + 1 }));
            config_changed = true;
        }
        for (k, entry) in entries.iter().enumerate() {
            let index = prev_index + 1 + k as u64;
            match disk.read().term_at(index) {
                Some(t) if t == entry.term => continue,
                Some(_) => {
                    // A conflict: this entry and all that follow it go (§5.3). Committed entries
                    // never conflict (Log Matching + Leader Completeness).
                    disk.write().truncate_from(index);
                    ctx.observe(Observation::Shared(Shared::Truncate { from: index }));
                    config_changed = true;
                }
                None => {}
            }
            config_changed |= matches!(entry.data(), EntryData::Config(_));
            let value = entry.value().clone();
            let term = entry.term;
            disk.write().entries.push(entry.clone());
            ctx.observe(Observation::Shared(Shared::Append { index, term, value }));
        }
        if config_changed {
            self.refresh_membership(disk);
        }
    }

    pub(super) fn handle_append_response(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        from: NodeId,
        msg: AppendEntriesResponse,
        ctx: &mut Ctx<'_, Self>,
    ) {
        let AppendEntriesResponse { term, success, match_index, conflict_index, conflict_term, round } = msg;
        if !self.accept_response(disk, from, term, round, ctx) {
            return;
        }
        let last = disk.read().last_index();
        let fast = self.config.fast_backtrack;
        let Some(p) = self.progress.get_mut(&from) else { return };
        let mut retry = false;
        let match_before = p.match_index;
        if success {
            // Never past our own log: a follower whose snapshot reaches beyond it answers with the
            // snapshot's index. Only a leader missing committed entries meets one (the planted
            // `no-election-restriction`), and a match past `last` made the back-up below panic.
            p.match_index = p.match_index.max(match_index.min(last));
            p.next_index = p.next_index.max(p.match_index + 1);
        } else {
            // Back up: a whole term at a time with the hints (end of §5.3), else one entry.
            let next = if fast && conflict_index > 0 {
                match conflict_term.and_then(|t| disk.read().last_index_of_term(t)) {
                    Some(i) => i + 1,
                    None => conflict_index,
                }
            } else {
                p.next_index.saturating_sub(1)
            };
            let before = p.next_index;
            p.next_index = next.clamp(p.match_index + 1, last + 1);
            // Retry at once only if backing up changed something; otherwise the next heartbeat
            // retries (a follower that lost acknowledged entries must not cause a message storm).
            retry = p.next_index != before;
        }
        let (behind, caught_up) = (p.next_index <= last, p.match_index == last);
        let matched = (match_before, p.match_index);
        self.after_progress(disk, from, matched, (success && behind) || retry, ctx);
        if caught_up && self.role == Role::Leader {
            self.maybe_send_timeout_now(disk, from, ctx);
        }
    }

    /// The common start of handling a follower's answer: a higher term deposes us; an answer from
    /// an older term, or to a leader we no longer are, is ignored; otherwise the follower is
    /// marked active and its heartbeat round recorded. `false` means: stop here.
    fn accept_response(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        from: NodeId,
        term: u64,
        round: u64,
        ctx: &mut Ctx<'_, Self>,
    ) -> bool {
        if term > disk.read().term {
            self.become_follower(disk, term, None, ctx);
            return false;
        }
        if self.role != Role::Leader || term != disk.read().term {
            return false;
        }
        let Some(p) = self.progress.get_mut(&from) else { return false };
        p.recently_active = true;
        p.acked_round = p.acked_round.max(round);
        true
    }

    /// After a follower's progress moved: commit, serve reads, promote a caught-up learner, and
    /// send the follower more if `replicate`. `matched` is the follower's match index before and
    /// after this answer: unless it rose above the commit index, no count of replicas above the
    /// commit index changed, and the commit rule — asked after every other change it depends on
    /// (appends, membership, a new term) — cannot move. Skipping it there (heartbeat answers, the
    /// answers after a majority) matters most in big clusters.
    fn after_progress(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        from: NodeId,
        matched: (u64, u64),
        replicate: bool,
        ctx: &mut Ctx<'_, Self>,
    ) {
        let (before, now) = matched;
        if now > before.max(self.commit_index) {
            self.maybe_commit(disk, ctx);
        } else {
            debug_assert!(
                self.commit_candidate(disk.read()) == self.commit_index,
                "{}: an answer that stored nothing new would move the commit index",
                self.id
            );
        }
        self.confirm_reads(disk, ctx);
        if self.role != Role::Leader {
            return; // it removed itself by committing its own removal
        }
        self.maybe_promote(disk, from, ctx);
        if replicate {
            self.replicate_to(disk, from, ctx);
        }
    }

    /// §5.4.2: commit the highest index a majority stores, counting replicas only for entries of
    /// the leader's own term (the planted bug `commit-previous-term` counts any term: Figure 8).
    pub(super) fn maybe_commit(&mut self, disk: &mut Disk<RaftDurable>, ctx: &mut Ctx<'_, Self>) {
        if self.role != Role::Leader {
            return;
        }
        let new_commit = self.commit_candidate(disk.read());
        if new_commit > self.commit_index {
            self.commit_index = new_commit;
            ctx.observe(Observation::Shared(Shared::Commit { index: new_commit }));
            self.apply_committed(disk, ctx);
            self.after_commit(disk, ctx);
        }
    }

    /// The highest index a majority stores, of the leader's own term: what the commit index can
    /// move to now (the commit index itself if nothing newer qualifies).
    fn commit_candidate(&self, d: &RaftDurable) -> u64 {
        let majority = self.membership.majority();
        for n in (self.commit_index + 1..=d.last_index()).rev() {
            if d.term_at(n) != Some(d.term) && !self.config.bugs.commit_previous_term {
                break; // older entries can only be committed indirectly
            }
            if self.count_voters(|p| p.match_index >= n) >= majority {
                return n;
            }
        }
        self.commit_index
    }

    /// Applies committed entries in order, answers the clients waiting for them, and compacts.
    pub(super) fn apply_committed(&mut self, disk: &mut Disk<RaftDurable>, ctx: &mut Ctx<'_, Self>) {
        while self.last_applied < self.commit_index {
            let index = self.last_applied + 1;
            let Some(entry) = disk.read().entry(index).cloned() else { break };
            self.last_applied = index;
            let result = match entry.data() {
                EntryData::Command(c) => Some(self.state.execute(c)),
                _ => None,
            };
            ctx.observe(Observation::Shared(Shared::Apply { index, term: entry.term, value: entry.value().clone() }));
            // (Nothing waits below `index`: every request waits past `last_applied`.)
            let done = self.waiting.partition_point(|&(at, _)| at <= index);
            for (at, request) in self.waiting.drain(..done) {
                if at == index {
                    ctx.reply(request, ClientReply::Ok(result.clone().unwrap_or_default()));
                }
            }
        }
        self.serve_reads(disk, ctx);
        self.maybe_compact(disk);
    }

    /// §7: snapshot the state machine once enough entries were applied since the last snapshot.
    fn maybe_compact(&mut self, disk: &mut Disk<RaftDurable>) {
        let every = self.config.snapshot_entries;
        let d = disk.read();
        if every == 0 || self.last_applied < d.snapshot.index + every {
            return;
        }
        let index = self.last_applied;
        let snapshot = Snapshot {
            index,
            term: d.term_at(index).unwrap_or(0),
            state: self.state.clone(),
            membership: d.membership_at(index, &self.config.initial),
        };
        let d = disk.write();
        let drop = (index - d.snapshot.index) as usize;
        d.entries.drain(..drop.min(d.entries.len()));
        d.snapshot = snapshot;
    }

    /// §7, InstallSnapshot receiver.
    pub(super) fn handle_install_snapshot(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        from: NodeId,
        msg: InstallSnapshot,
        ctx: &mut Ctx<'_, Self>,
    ) {
        let InstallSnapshot { term, snapshot, round } = msg;
        let snapshot = *snapshot;
        if term < disk.read().term {
            ctx.send(
                from,
                RaftMsg::InstallSnapshotResponse(InstallSnapshotResponse {
                    term: disk.read().term,
                    match_index: 0,
                    round,
                }),
            );
            return;
        }
        if term > disk.read().term || self.role != Role::Follower || self.leader != Some(from) {
            self.become_follower(disk, term, Some(from), ctx);
        }
        self.leader_contact_us = Some(ctx.local_now_us());
        self.reset_election_timer(ctx);
        let index = snapshot.index;
        if index > self.commit_index {
            let d = disk.write();
            // Keep the entries after the snapshot if our log agrees at its last index; else the
            // whole log goes (Figure 13, steps 6 and 7).
            let keep = d.term_at(index) == Some(snapshot.term);
            let retained: Vec<Entry> = if keep { d.slice(index + 1, d.last_index()).to_vec() } else { Vec::new() };
            // Entries up to our commit index are subsumed by the snapshot; anything after it
            // that disagrees is deleted.
            if !keep && d.last_index() > self.commit_index {
                ctx.observe(Observation::Shared(Shared::Truncate { from: self.commit_index + 1 }));
            }
            d.entries = retained;
            d.snapshot = snapshot;
            self.state = d.snapshot.state.clone();
            self.commit_index = index;
            self.last_applied = index;
            ctx.observe(Observation::Shared(Shared::Snapshot { index, term: d.snapshot.term }));
            ctx.observe(Observation::Shared(Shared::Commit { index }));
            self.refresh_membership(disk);
        }
        let current = disk.read().term;
        ctx.send(
            from,
            RaftMsg::InstallSnapshotResponse(InstallSnapshotResponse { term: current, match_index: index, round }),
        );
    }

    pub(super) fn handle_snapshot_response(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        from: NodeId,
        msg: InstallSnapshotResponse,
        ctx: &mut Ctx<'_, Self>,
    ) {
        let InstallSnapshotResponse { term, match_index, round } = msg;
        if !self.accept_response(disk, from, term, round, ctx) {
            return;
        }
        let last = disk.read().last_index();
        let Some(p) = self.progress.get_mut(&from) else { return };
        let match_before = p.match_index;
        p.match_index = p.match_index.max(match_index.min(last)); // as for AppendEntries
        p.next_index = p.match_index + 1;
        let (behind, matched) = (p.next_index <= last, (match_before, p.match_index));
        self.after_progress(disk, from, matched, behind, ctx);
    }
}
