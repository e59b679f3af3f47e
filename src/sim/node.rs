//! A node as the simulator holds it: the protocol's volatile state (gone while crashed), its disk,
//! its timers, its pause state and its clock.

use super::EventKind;
use crate::core::{Disk, Protocol, TimeUs};

/// A node's clock. Its rate (in percent of true time) sets how fast its timers run.
#[derive(Clone, Debug, Hash)]
pub struct Clock {
    pub rate_pct: u32,
    base_real_us: TimeUs,
    base_local_us: TimeUs,
}

impl Default for Clock {
    fn default() -> Self {
        Clock { rate_pct: 100, base_real_us: 0, base_local_us: 0 }
    }
}

impl Clock {
    pub fn local_us(&self, now_us: TimeUs) -> TimeUs {
        self.base_local_us + (now_us - self.base_real_us) * TimeUs::from(self.rate_pct) / 100
    }
    /// How much true time passes while this clock advances `local_us`.
    #[inline(always)]
    pub fn real_delay_us(&self, local_us: TimeUs) -> TimeUs {
        let rate = TimeUs::from(self.rate_pct.max(1));
        local_us.saturating_mul(100).div_ceil(rate)
    }
    pub fn set_rate(&mut self, now_us: TimeUs, rate_pct: u32) {
        self.base_local_us = self.local_us(now_us);
        self.base_real_us = now_us;
        self.rate_pct = rate_pct;
    }
}

/// A pending timer.
#[derive(Copy, Clone, Debug)]
pub(super) struct Armed<T> {
    pub timer: T,
    /// Each arming has its own generation: a queue entry of another one is stale.
    pub gen: u64,
    pub due: TimeUs,
    /// When it was set (for drawing).
    pub set_us: TimeUs,
    /// The sequence number it was armed with, which orders it among events of the same time.
    pub seq: u64,
    /// The queue entry that stands for it, if one does: that entry's generation and time. A
    /// timer armed again for a later time keeps its entry, which, when its time comes, moves on
    /// to the timer's time; a timer armed earlier than its entry (or cancelled and armed again)
    /// is queued anew (see `Simulation::arm_timer`).
    pub queued: Option<(u64, TimeUs)>,
}

#[derive(Clone, Debug)]
pub struct NodeSlot<P: Protocol> {
    /// `None` while the node is crashed.
    pub(super) volatile: Option<P>,
    pub(super) disk: Disk<P::Durable>,
    /// Pending timers, one per kind.
    pub(super) timers: Vec<Armed<P::Timer>>,
    pub(super) paused_until: Option<TimeUs>,
    pub(super) pause_gen: u64,
    /// Inputs that arrived while paused, in arrival order.
    pub(super) deferred: Vec<EventKind<P>>,
    pub(super) clock: Clock,
    pub(super) restarts: u32,
}

impl<P: Protocol> NodeSlot<P> {
    pub(super) fn new() -> Self {
        NodeSlot {
            volatile: None,
            disk: Disk::new(P::Durable::default()),
            timers: Vec::new(),
            paused_until: None,
            pause_gen: 0,
            deferred: Vec::new(),
            clock: Clock::default(),
            restarts: 0,
        }
    }
    pub fn volatile(&self) -> Option<&P> {
        self.volatile.as_ref()
    }
    pub fn disk(&self) -> &P::Durable {
        self.disk.read()
    }
    pub fn is_up(&self) -> bool {
        self.volatile.is_some()
    }
    pub fn is_paused(&self) -> bool {
        self.paused_until.is_some()
    }
    pub fn paused_until(&self) -> Option<TimeUs> {
        self.paused_until
    }
    pub fn clock_rate_pct(&self) -> u32 {
        self.clock.rate_pct
    }
    pub fn restarts(&self) -> u32 {
        self.restarts
    }
    /// Pending timers as (kind, due time).
    pub fn timers(&self) -> impl Iterator<Item = (P::Timer, TimeUs)> + '_ {
        self.timers.iter().map(|a| (a.timer, a.due))
    }
    /// Pending timers as (kind, time set, due time).
    pub fn timer_spans(&self) -> impl Iterator<Item = (P::Timer, TimeUs, TimeUs)> + '_ {
        self.timers.iter().map(|a| (a.timer, a.set_us, a.due))
    }
}

#[cfg(test)]
mod tests {
    use super::Clock;

    #[test]
    fn drifted_clock_runs_timers_faster_or_slower() {
        let mut clock = Clock::default();
        assert_eq!(clock.real_delay_us(1_000), 1_000);
        clock.set_rate(500, 200);
        assert_eq!(clock.real_delay_us(1_000), 500);
        assert_eq!(clock.local_us(1_500), 500 + 2_000);
        clock.set_rate(1_500, 50);
        assert_eq!(clock.real_delay_us(1_000), 2_000);
        assert_eq!(clock.local_us(2_500), 2_500 + 500);
    }
}
