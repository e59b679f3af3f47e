//! The coordinator's side: begin, collect votes, decide, log and send the decision, answer
//! questions about outcomes (BHG §7.3–§7.4; presumed abort, R* §2).

use super::*;

impl TwoPhaseCommit {
    pub(super) fn begin(&mut self, disk: &mut Disk<TpcDurable>, request: ClientRequest, ctx: &mut Ctx<'_, Self>) {
        let key = (request.command.client, request.command.seq);
        if let Some((_, t)) = self.txns.iter_mut().find(|(_, t)| t.client == key) {
            t.requests.push(request.id); // a retry of a transfer in progress
            return;
        }
        if let Some(&(seq, txn)) = disk.read().sessions.get(&key.0) {
            if seq == key.1 {
                return ctx.reply(request.id, ClientReply::Ok(format!("committed T{txn}").into()));
            }
        }
        let legs = match bank::parse(&request.command.op, self.config.node_count, self.config.accounts) {
            Ok(l) => l,
            Err(e) => return ctx.reply(request.id, ClientReply::Ok(format!("rejected: {e}").into())),
        };
        if self.txns.len() >= IN_FLIGHT_MAX || disk.read().next_txn >= TXNS_MAX {
            return ctx.reply(request.id, ClientReply::Fail("busy: too many transactions".into()));
        }
        // The transaction id is persisted so a restarted coordinator never reuses one.
        let txn = disk.read().next_txn.max(1);
        disk.write().next_txn = txn + 1;
        let participants: Vec<NodeId> = legs.iter().map(|(n, _)| *n).collect();
        ctx.event(TpcEvent::Begin { txn, participants: participants.clone() });
        for (node, l) in &legs {
            ctx.send(*node, TpcMsg::Prepare(Prepare { txn, legs: l.clone(), participants: participants.clone() }));
        }
        ctx.set_timer(TpcTimer::Votes(txn), self.config.vote_timeout_us);
        self.note(txn, TxnState::Collecting);
        let t = CoordTxn {
            legs,
            votes: LiteMap::new(),
            phase: CoordPhase::Collecting,
            requests: vec![request.id],
            client: key,
            op: request.command.op,
        };
        self.txns.insert(txn, t);
    }

    pub(super) fn on_vote(
        &mut self,
        disk: &mut Disk<TpcDurable>,
        from: NodeId,
        txn: u64,
        yes: bool,
        ctx: &mut Ctx<'_, Self>,
    ) {
        let Some(t) = self.txns.get_mut(&txn) else { return };
        if t.phase != CoordPhase::Collecting || !t.legs.iter().any(|(n, _)| *n == from) {
            return;
        }
        t.votes.insert(from, yes);
        let n = t.legs.len();
        let yes_votes = t.votes.values().filter(|v| **v).count();
        let no_votes = t.votes.len() - yes_votes;
        if self.config.bugs.commit_on_majority {
            // The planted bug: a majority of yes votes is enough, and a no only counts once a
            // majority can no longer be reached.
            if yes_votes > n / 2 {
                self.commit(disk, txn, ctx);
            } else if n - no_votes <= n / 2 {
                self.abort(txn, format!("n{} voted no", from.0), ctx);
            }
        } else if yes_votes == n {
            self.commit(disk, txn, ctx);
        } else if !yes {
            self.abort(txn, format!("n{} voted no", from.0), ctx);
        }
    }

    /// Commit: log it, then tell everyone (BHG §7.4: the decision is durable before it is sent).
    pub(super) fn commit(&mut self, disk: &mut Disk<TpcDurable>, txn: u64, ctx: &mut Ctx<'_, Self>) {
        let Some(t) = self.txns.get_mut(&txn) else { return };
        let participants = t.participants();
        if !self.config.bugs.no_decision_log {
            let d = disk.write();
            d.log.insert(txn, CommitRecord { participants: participants.clone(), client: t.client.0, seq: t.client.1 });
            d.committed.insert(txn);
            d.sessions.insert(t.client.0, (t.client.1, txn));
            while d.sessions.len() > SESSIONS_MAX {
                let oldest = d.sessions.iter().min_by_key(|(_, (_, t))| *t).map(|(c, _)| *c);
                if let Some(c) = oldest {
                    d.sessions.remove(&c);
                }
            }
        }
        ctx.event(TpcEvent::Decide { txn, decision: Decision::Commit });
        t.phase = CoordPhase::Committed(participants.clone());
        for request in std::mem::take(&mut t.requests) {
            ctx.reply(request, ClientReply::Ok(format!("committed T{txn}").into()));
        }
        for &p in &participants {
            ctx.send(p, TpcMsg::Outcome { txn, decision: Decision::Commit });
        }
        ctx.cancel_timer(TpcTimer::Votes(txn));
        ctx.set_timer(TpcTimer::Resend(txn), self.config.retry_us);
        self.note(txn, TxnState::Committed);
    }

    /// Abort: not logged (presumed abort); participants that voted yes are told, the others
    /// already aborted or will when they ask.
    pub(super) fn abort(&mut self, txn: u64, why: String, ctx: &mut Ctx<'_, Self>) {
        let Some(t) = self.txns.remove(&txn) else { return };
        ctx.event(TpcEvent::Decide { txn, decision: Decision::Abort });
        for request in t.requests {
            ctx.reply(request, ClientReply::Ok(format!("aborted T{txn}: {why}").into()));
        }
        for (p, _) in &t.legs {
            if t.votes.get(p) != Some(&false) {
                ctx.send(*p, TpcMsg::Outcome { txn, decision: Decision::Abort });
            }
        }
        ctx.cancel_timer(TpcTimer::Votes(txn));
        self.presumed.insert(txn, ());
        self.trim_presumed();
        self.note(txn, TxnState::Aborted);
    }

    pub(super) fn trim_presumed(&mut self) {
        while self.presumed.len() > OUTCOMES_MAX {
            if let Some(old) = self.presumed.first().map(|(t, _)| *t) {
                self.presumed.remove(&old);
            }
        }
    }

    pub(super) fn on_ack(&mut self, disk: &mut Disk<TpcDurable>, from: NodeId, txn: u64, ctx: &mut Ctx<'_, Self>) {
        let Some(t) = self.txns.get_mut(&txn) else { return };
        let CoordPhase::Committed(unacked) = &mut t.phase else { return };
        unacked.retain(|&p| p != from);
        if unacked.is_empty() {
            self.txns.remove(&txn);
            if disk.read().log.contains_key(&txn) {
                disk.write().log.remove(&txn); // the "end" record: every participant knows
            }
            ctx.cancel_timer(TpcTimer::Resend(txn));
        }
    }

    /// A participant asks for the outcome: the logged commit, a decided abort, or — for a
    /// transaction this coordinator has no record of — abort (presumed abort, R* §2).
    pub(super) fn answer_as_coordinator(
        &mut self,
        disk: &Disk<TpcDurable>,
        from: NodeId,
        txn: u64,
        ctx: &mut Ctx<'_, Self>,
    ) {
        if let Some(t) = self.txns.get(&txn) {
            if matches!(t.phase, CoordPhase::Committed(_)) {
                ctx.send(from, TpcMsg::Outcome { txn, decision: Decision::Commit });
            }
            return; // still collecting votes: the decision will come
        }
        if disk.read().committed.contains(txn) {
            return ctx.send(from, TpcMsg::Outcome { txn, decision: Decision::Commit });
        }
        if txn == 0 || txn >= disk.read().next_txn.max(1) {
            return; // never started here
        }
        if self.presumed.insert(txn, ()).is_none() {
            self.trim_presumed();
            ctx.event(TpcEvent::Decide { txn, decision: Decision::Abort });
            self.note(txn, TxnState::Aborted);
        }
        ctx.send(from, TpcMsg::Outcome { txn, decision: Decision::Abort });
    }

    // ---- participant -------------------------------------------------------------------------
}
