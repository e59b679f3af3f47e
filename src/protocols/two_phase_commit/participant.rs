//! A participant's side: prepare (lock, work, vote), learn the outcome, and in doubt ask the
//! coordinator and the other participants (cooperative termination, BHG §7.4).

use super::*;

impl TwoPhaseCommit {
    pub(super) fn locked_by(&self, disk: &TpcDurable, account: &str) -> Option<u64> {
        disk.locked()
            .find(|(a, _)| *a == account)
            .map(|(_, t)| t)
            .or_else(|| self.working.iter().find(|(_, w)| w.legs.iter().any(|l| l.account == account)).map(|(t, _)| *t))
    }

    pub(super) fn on_prepare(
        &mut self,
        disk: &mut Disk<TpcDurable>,
        from: NodeId,
        prepare: Prepare,
        ctx: &mut Ctx<'_, Self>,
    ) {
        let Prepare { txn, legs, participants } = prepare;
        if self.working.contains_key(&txn) {
            return; // a duplicate
        }
        if disk.read().prepared.contains_key(&txn) {
            return ctx.send(from, TpcMsg::Vote { txn, yes: true }); // the vote was lost: again
        }
        if let Some(&decision) = disk.read().outcomes.get(&txn) {
            if decision == Decision::Abort {
                ctx.send(from, TpcMsg::Vote { txn, yes: false });
            }
            return;
        }
        if txn <= disk.read().forgotten_upto {
            return self.vote_no(disk, from, txn, ctx); // too old to know: no is always safe
        }
        let foreign =
            legs.iter().any(|l| bank::owner(&l.account, self.config.node_count, self.config.accounts) != Some(self.id));
        let conflict = legs.iter().any(|l| self.locked_by(disk.read(), &l.account).is_some());
        if foreign || conflict {
            return self.vote_no(disk, from, txn, ctx);
        }
        // Locks taken; the work takes a while, then the vote.
        self.working.insert(txn, Working { legs, participants });
        self.note(txn, TxnState::Working);
        ctx.set_timer(TpcTimer::Work(txn), self.config.work_us);
    }

    /// Votes no and aborts this participant's part (it may: it never voted yes).
    pub(super) fn vote_no(&mut self, disk: &mut Disk<TpcDurable>, to: NodeId, txn: u64, ctx: &mut Ctx<'_, Self>) {
        self.working.remove(&txn);
        disk.write().remember(txn, Decision::Abort);
        ctx.event(TpcEvent::Vote { txn, yes: false });
        ctx.event(TpcEvent::Decide { txn, decision: Decision::Abort });
        ctx.send(to, TpcMsg::Vote { txn, yes: false });
        self.note(txn, TxnState::Aborted);
    }

    pub(super) fn on_work_done(&mut self, disk: &mut Disk<TpcDurable>, txn: u64, ctx: &mut Ctx<'_, Self>) {
        let Some(w) = self.working.get(&txn) else { return };
        let short = w.legs.iter().any(|l| disk.read().balances.get(&l.account).copied().unwrap_or(0) + l.delta < 0);
        let unlucky = self.config.no_vote_ppm > 0 && ctx.random_us(0, 999_999) < u64::from(self.config.no_vote_ppm);
        let scripted = self.scripted_no > 0;
        if short || unlucky || scripted {
            self.scripted_no = self.scripted_no.saturating_sub(1);
            return self.vote_no(disk, COORDINATOR, txn, ctx);
        }
        let w = self.working.remove(&txn).expect("looked up above");
        // The prepared record is on stable storage before the yes leaves (BHG §7.4).
        disk.write().prepared.insert(txn, Prepared { legs: w.legs, participants: w.participants });
        ctx.event(TpcEvent::Vote { txn, yes: true });
        ctx.send(COORDINATOR, TpcMsg::Vote { txn, yes: true });
        self.in_doubt.insert(txn, 0);
        ctx.set_timer(TpcTimer::Ask(txn), self.config.ask_us);
        self.note(txn, TxnState::Prepared);
    }

    /// Learns the outcome of a transaction it took part in.
    pub(super) fn on_outcome(
        &mut self,
        disk: &mut Disk<TpcDurable>,
        from: NodeId,
        txn: u64,
        decision: Decision,
        ctx: &mut Ctx<'_, Self>,
    ) {
        if let Some(p) = disk.read().prepared.get(&txn).cloned() {
            let d = disk.write();
            d.prepared.remove(&txn);
            if decision == Decision::Commit {
                for leg in &p.legs {
                    *d.balances.entry(leg.account.clone()).or_insert(0) += leg.delta;
                }
            }
            d.remember(txn, decision);
            ctx.event(TpcEvent::Decide { txn, decision });
            self.in_doubt.remove(&txn);
            ctx.cancel_timer(TpcTimer::Ask(txn));
            self.note(txn, if decision == Decision::Commit { TxnState::Committed } else { TxnState::Aborted });
        } else if decision == Decision::Abort && self.working.remove(&txn).is_some() {
            // Aborted before this participant voted (the coordinator timed out): release the locks.
            disk.write().remember(txn, Decision::Abort);
            ctx.event(TpcEvent::Decide { txn, decision });
            ctx.cancel_timer(TpcTimer::Work(txn));
            self.note(txn, TxnState::Aborted);
        }
        if decision == Decision::Commit && from == COORDINATOR {
            ctx.send(COORDINATOR, TpcMsg::Ack { txn });
        }
    }

    pub(super) fn ask(&mut self, disk: &mut Disk<TpcDurable>, txn: u64, ctx: &mut Ctx<'_, Self>) {
        let Some(p) = disk.read().prepared.get(&txn).cloned() else {
            self.in_doubt.remove(&txn);
            return;
        };
        if self.config.bugs.abort_after_yes {
            // The planted bug: give up waiting and abort, though this participant voted yes.
            let d = disk.write();
            d.prepared.remove(&txn);
            d.remember(txn, Decision::Abort);
            ctx.event(TpcEvent::Decide { txn, decision: Decision::Abort });
            self.in_doubt.remove(&txn);
            self.note(txn, TxnState::Aborted);
            return;
        }
        let asked = self.in_doubt.entry(txn).or_insert(0);
        *asked += 1;
        let asked = *asked;
        ctx.send(COORDINATOR, TpcMsg::Ask { txn });
        // The coordinator first; from the second question on, the other participants too.
        if self.config.cooperative && asked >= 2 {
            for &peer in p.participants.iter().filter(|&&n| n != self.id) {
                ctx.send(peer, TpcMsg::Ask { txn });
            }
        }
        ctx.set_timer(TpcTimer::Ask(txn), self.config.ask_us);
    }

    /// Another participant in doubt asks (cooperative termination, BHG §7.4).
    pub(super) fn answer_as_participant(
        &mut self,
        disk: &mut Disk<TpcDurable>,
        from: NodeId,
        txn: u64,
        ctx: &mut Ctx<'_, Self>,
    ) {
        if let Some(&decision) = disk.read().outcomes.get(&txn) {
            return ctx.send(from, TpcMsg::Outcome { txn, decision });
        }
        if disk.read().prepared.contains_key(&txn) || txn <= disk.read().forgotten_upto {
            return ctx.send(from, TpcMsg::Uncertain { txn });
        }
        // Not voted (working, or never got the prepare): abort this part, so it will vote no.
        self.working.remove(&txn);
        ctx.cancel_timer(TpcTimer::Work(txn));
        disk.write().remember(txn, Decision::Abort);
        ctx.event(TpcEvent::Decide { txn, decision: Decision::Abort });
        self.note(txn, TxnState::Aborted);
        ctx.send(from, TpcMsg::Outcome { txn, decision: Decision::Abort });
    }

    pub(super) fn state_of(&self, disk: &TpcDurable, txn: u64) -> Option<TxnState> {
        if disk.prepared.contains_key(&txn) {
            return Some(TxnState::Prepared);
        }
        if self.working.contains_key(&txn) {
            return Some(TxnState::Working);
        }
        self.recent.iter().find(|(t, _)| *t == txn).map(|(_, s)| *s)
    }
}
