//! Client interaction (dissertation §6): redirects, sessions for exactly-once commands (§6.3),
//! and linearizable reads with ReadIndex (§6.4).

use super::{EntryData, PendingRead, Raft, RaftDurable};
use crate::apps::kv::read_key;
use crate::core::{ClientReply, ClientRequest, Ctx, Disk, RequestId, Role};

impl Raft {
    pub(super) fn handle_client(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        request: ClientRequest,
        ctx: &mut Ctx<'_, Self>,
    ) {
        if self.role != Role::Leader {
            ctx.reply(request.id, ClientReply::Redirect(self.leader));
            return;
        }
        if self.transfer.is_some() {
            // §3.10: no new commands while leadership is being handed over.
            ctx.reply(request.id, ClientReply::Redirect(None));
            return;
        }
        let command = request.command;
        if let Some(key) = read_key(&command.op) {
            // Without the no-op (`noop=off`) a new leader may never commit an entry of its term
            // on its own, and ReadIndex would wait for ever; such a read goes through the log
            // instead, which is linearizable too (§6.4) and commits the leader's term.
            let through_log = self.config.read_index && !self.config.noop && !self.committed_in_term(disk);
            if !through_log {
                return self.start_read(disk, request.id, key.to_string(), ctx);
            }
        }
        // §6.3: a command already executed is answered from its session.
        if self.state.executed(command.client, command.seq) {
            let result = self.state.last_result(command.client).cloned().unwrap_or_default();
            ctx.reply(request.id, ClientReply::Ok(result));
            return;
        }
        // A retry of a command still in the log waits for that entry.
        let d = disk.read();
        let pending = (self.commit_index + 1..=d.last_index()).find(|&i| {
            matches!(d.entry(i), Some(e) if matches!(e.data(), EntryData::Command(c) if c.client == command.client && c.seq == command.seq))
        });
        match pending {
            Some(index) => self.wait_for(index, request.id),
            None => {
                // Wait first: a single-voter cluster commits and applies inside `append_entry`.
                let index = d.last_index() + 1;
                self.wait_for(index, request.id);
                self.append_entry(disk, EntryData::Command(command), ctx);
                self.broadcast_append(disk, ctx);
            }
        }
    }

    /// Holds `request` until the entry at `index` is applied, after those waiting for it or
    /// for earlier indexes.
    fn wait_for(&mut self, index: u64, request: RequestId) {
        let at = self.waiting.partition_point(|&(i, _)| i <= index);
        self.waiting.insert(at, (index, request));
    }

    /// §6.4: note the commit index, confirm leadership with a heartbeat round, then answer once
    /// the state machine has applied up to that index. With `readindex=off` the leader answers
    /// at once from its own state, which can be stale if it was deposed without knowing.
    fn start_read(
        &mut self,
        disk: &mut Disk<RaftDurable>,
        request: crate::core::RequestId,
        key: String,
        ctx: &mut Ctx<'_, Self>,
    ) {
        if !self.config.read_index {
            ctx.reply(request, ClientReply::Ok(self.state.app.read(&key)));
            return;
        }
        self.round += 1;
        let read_index = self.committed_in_term(disk).then_some(self.commit_index);
        self.reads.push(PendingRead { request, key, round: self.round, read_index });
        self.broadcast_append(disk, ctx);
        self.confirm_reads(disk, ctx);
    }

    /// Whether the leader has committed an entry of its own term: only then is its commit index
    /// known to be at least that of every earlier leader (§6.4, step 1).
    pub(super) fn committed_in_term(&self, disk: &Disk<RaftDurable>) -> bool {
        disk.read().term_at(self.commit_index) == Some(disk.read().term)
    }

    /// Marks the reads whose heartbeat round a majority answered, then serves those it can.
    pub(super) fn confirm_reads(&mut self, disk: &Disk<RaftDurable>, ctx: &mut Ctx<'_, Self>) {
        if self.reads.is_empty() {
            return;
        }
        let majority = self.membership.majority();
        for i in 0..self.reads.len() {
            let round = self.reads[i].round;
            if round != 0 && self.count_voters(|p| p.acked_round >= round) >= majority {
                self.reads[i].round = 0; // 0 marks "confirmed"
            }
        }
        self.serve_reads(disk, ctx);
    }

    /// Answers confirmed reads whose read index has been applied; fills in the read index of
    /// reads that arrived before the leader had committed in its term.
    pub(super) fn serve_reads(&mut self, disk: &Disk<RaftDurable>, ctx: &mut Ctx<'_, Self>) {
        if self.reads.is_empty() {
            return;
        }
        let (applied, commit) = (self.last_applied, self.commit_index);
        let in_term = self.role == Role::Leader && self.committed_in_term(disk);
        let state = &self.state;
        self.reads.retain_mut(|read| {
            if read.read_index.is_none() && in_term {
                read.read_index = Some(commit);
            }
            match read.read_index {
                Some(index) if read.round == 0 && applied >= index => {
                    ctx.reply(read.request, ClientReply::Ok(state.app.read(&read.key)));
                    false
                }
                _ => true,
            }
        });
    }
}
