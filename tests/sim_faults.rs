//! The simulator's fault model, checked with a tiny probe protocol whose every input is visible.
#![cfg(not(target_arch = "wasm32"))]

use consensus_playground::core::TextMap;
use consensus_playground::core::{
    BugInfo, ClientReply, ClientRequest, Cluster, Ctx, Disk, Message, NoEvent, NodeId, NodeSummary, Observation,
    OptionInfo, Protocol, Shared, TimeUs,
};
use consensus_playground::sim::{Action, LinkChange, RecordKind, Setup, Simulation, Workload};

/// Every node pings every other node on a 10ms timer; it persists the number of pings it received
/// only when told to, and counts them in volatile memory too.
#[derive(Clone, Debug)]
struct Probe {
    id: NodeId,
    n: usize,
    received: u64,
    booted_with: u64,
    persist_every: bool,
}

#[derive(Clone, Debug, Default, Hash)]
struct ProbeDisk {
    received: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Ping(u64);

impl Message for Ping {
    fn describe(&self) -> String {
        format!("Ping({})", self.0)
    }
    fn kind(&self) -> &'static str {
        "Ping"
    }
    fn is_reply(&self) -> bool {
        false
    }
}

#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
struct Tick;

const TICK_US: TimeUs = 10_000;

impl Protocol for Probe {
    type Msg = Ping;
    type Timer = Tick;
    type Durable = ProbeDisk;
    type Config = bool;
    type Event = NoEvent;
    type App = consensus_playground::apps::kv::KvStore;
    const NAME: &'static str = "probe";
    const ABOUT: &'static str = "test probe";
    fn bugs() -> &'static [BugInfo] {
        &[]
    }
    fn options() -> &'static [OptionInfo] {
        &[]
    }
    fn configure(_: &Cluster, _: Option<&str>, options: &TextMap) -> Result<bool, String> {
        Ok(options.get("persist").is_some_and(|v| v == "on"))
    }
    fn boot(
        id: NodeId,
        cluster: &Cluster,
        persist: &bool,
        disk: &mut Disk<ProbeDisk>,
        ctx: &mut Ctx<'_, Self>,
    ) -> Self {
        ctx.set_timer(Tick, TICK_US);
        let booted_with = disk.read().received;
        Probe { id, n: cluster.len(), received: 0, booted_with, persist_every: *persist }
    }
    fn on_message(&mut self, disk: &mut Disk<ProbeDisk>, _from: NodeId, _msg: Ping, ctx: &mut Ctx<'_, Self>) {
        self.received += 1;
        if self.persist_every {
            disk.write().received += 1;
        }
        ctx.observe(Observation::Shared(Shared::Commit { index: self.received }));
    }
    fn on_timer(&mut self, _disk: &mut Disk<ProbeDisk>, _timer: Tick, ctx: &mut Ctx<'_, Self>) {
        for i in 0..self.n {
            let to = NodeId::from_index(i);
            if to != self.id {
                ctx.send(to, Ping(ctx.local_now_us()));
            }
        }
        ctx.set_timer(Tick, TICK_US);
    }
    fn on_client_request(&mut self, _disk: &mut Disk<ProbeDisk>, request: ClientRequest, ctx: &mut Ctx<'_, Self>) {
        ctx.reply(request.id, ClientReply::Ok(self.received.to_string().into()));
    }
    fn summary(volatile: Option<&Self>, disk: &ProbeDisk) -> NodeSummary {
        NodeSummary {
            role: if volatile.is_some() { "up" } else { "down" }.into(),
            term: disk.received,
            fields: Vec::new(),
            badges: Vec::new(),
            caption: None,
        }
    }
}

fn setup(nodes: usize) -> Setup {
    Setup { nodes, seed: 7, workload: Workload { clients: 0, ..Workload::default() }, ..Setup::default() }
}

fn sim(nodes: usize, persist: bool) -> Simulation<Probe> {
    let mut s = setup(nodes);
    if persist {
        s.options.insert("persist".into(), "on".into());
    }
    Simulation::new(s).unwrap()
}

/// Runs until `t` and returns the records produced on the way.
fn run(sim: &mut Simulation<Probe>, until_us: TimeUs) -> Vec<consensus_playground::sim::Rec<Probe>> {
    let mut all = Vec::new();
    let mut buf = Vec::new();
    while sim.next_event_us().is_some_and(|t| t <= until_us) {
        sim.step();
        sim.take_records(&mut buf);
        all.append(&mut buf);
    }
    sim.run_until(until_us, 0);
    all
}

fn n(i: u32) -> NodeId {
    NodeId(i)
}

#[test]
fn partitions_block_exactly_the_cut_links() {
    let mut s = sim(4, false);
    s.apply(Action::Partition { groups: vec![vec![n(1), n(2)]] }).unwrap();
    let records = run(&mut s, 200_000);
    let mut delivered = std::collections::BTreeSet::new();
    for r in &records {
        match &r.kind {
            RecordKind::Deliver { from, to, .. } => {
                delivered.insert((from.0, to.0));
            }
            RecordKind::Drop { from, to, reason, .. } => {
                let across = (from.0 <= 2) != (to.0 <= 2);
                assert!(across, "dropped inside a group: {from}->{to} {reason:?}");
            }
            _ => {}
        }
    }
    let expected: std::collections::BTreeSet<(u32, u32)> = [(1, 2), (2, 1), (3, 4), (4, 3)].into_iter().collect();
    assert_eq!(delivered, expected);
}

#[test]
fn one_way_cut_blocks_one_direction() {
    let mut s = sim(2, false);
    s.apply(Action::Cut { from: n(1), to: n(2) }).unwrap();
    let records = run(&mut s, 100_000);
    let delivered: Vec<(u32, u32)> = records
        .iter()
        .filter_map(|r| match r.kind {
            RecordKind::Deliver { from, to, .. } => Some((from.0, to.0)),
            _ => None,
        })
        .collect();
    assert!(!delivered.is_empty());
    assert!(delivered.iter().all(|&d| d == (2, 1)), "{delivered:?}");
    s.apply(Action::Heal).unwrap();
    let records = run(&mut s, 200_000);
    assert!(records.iter().any(|r| matches!(r.kind, RecordKind::Deliver { from, .. } if from == n(1))));
}

#[test]
fn crash_loses_volatile_state_and_restart_sees_only_the_disk() {
    let mut s = sim(3, false);
    run(&mut s, 100_000);
    assert!(s.node(n(2)).volatile().unwrap().received > 0);
    s.apply(Action::Crash { node: n(2) }).unwrap();
    assert!(s.node(n(2)).volatile().is_none());
    // While down, messages to it are dropped and its timers never fire.
    let records = run(&mut s, 200_000);
    for r in &records {
        match &r.kind {
            RecordKind::Deliver { to, .. } => assert_ne!(*to, n(2)),
            RecordKind::TimerFire { node, .. } => assert_ne!(*node, n(2)),
            RecordKind::Send { from, .. } => assert_ne!(*from, n(2)),
            _ => {}
        }
    }
    assert!(records.iter().any(|r| matches!(r.kind, RecordKind::Drop { to, reason: consensus_playground::sim::DropReason::NodeDown, .. } if to == n(2))));
    s.apply(Action::Restart { node: n(2) }).unwrap();
    let node = s.node(n(2)).volatile().unwrap();
    // Nothing was persisted, so the node starts from nothing.
    assert_eq!((node.received, node.booted_with), (0, 0));
}

#[test]
fn restart_gets_back_exactly_what_was_persisted() {
    let mut s = sim(3, true);
    run(&mut s, 100_000);
    let persisted = s.node(n(3)).disk().received;
    assert!(persisted > 0);
    s.apply(Action::Crash { node: n(3) }).unwrap();
    s.apply(Action::Restart { node: n(3) }).unwrap();
    let node = s.node(n(3)).volatile().unwrap();
    assert_eq!(node.booted_with, persisted);
    assert_eq!(node.received, 0, "volatile state starts over");
}

#[test]
fn pause_freezes_a_node_then_it_resumes_with_queued_input() {
    let mut s = sim(3, false);
    run(&mut s, 50_000);
    s.apply(Action::Pause { node: n(1), for_us: 100_000 }).unwrap();
    let received_before = s.node(n(1)).volatile().unwrap().received;
    let during = run(&mut s, 149_000);
    for r in &during {
        match &r.kind {
            RecordKind::Deliver { to, .. } => assert_ne!(*to, n(1), "delivered to a paused node"),
            RecordKind::TimerFire { node, .. } => {
                assert_ne!(*node, n(1), "timer fired on a paused node")
            }
            RecordKind::Send { from, .. } => assert_ne!(*from, n(1), "a paused node sent"),
            _ => {}
        }
    }
    assert_eq!(s.node(n(1)).volatile().unwrap().received, received_before);
    assert!(s.node(n(1)).is_paused());
    let after = run(&mut s, 151_000);
    assert!(!s.node(n(1)).is_paused());
    let resumed_at = after.iter().position(|r| matches!(r.kind, RecordKind::Resume { node } if node == n(1))).unwrap();
    // The held messages are delivered at the moment of resuming, all at once.
    let held: Vec<_> = after[resumed_at..]
        .iter()
        .filter(|r| matches!(r.kind, RecordKind::Deliver { to, .. } if to == n(1)) && r.t == 150_000)
        .collect();
    assert!(held.len() >= 10, "only {} held messages delivered on resume", held.len());
}

#[test]
fn clock_drift_changes_how_fast_timers_fire() {
    let fires = |rate_pct: u32| {
        let mut s = sim(2, false);
        s.apply(Action::Drift { node: n(1), rate_pct }).unwrap();
        run(&mut s, 1_000_000)
            .iter()
            .filter(|r| matches!(r.kind, RecordKind::TimerFire { node, .. } if node == n(1)))
            .count()
    };
    // The first timer was armed at boot, before the drift: it fires at 10ms; every later one
    // runs at the drifted rate.
    assert_eq!(fires(100), 100);
    assert_eq!(fires(200), 1 + (1_000 - 10) / 5);
    assert_eq!(fires(50), 1 + (1_000 - 10) / 20);
}

#[test]
fn loss_and_duplication_follow_the_link_settings() {
    let mut s = sim(2, false);
    let change = LinkChange { drop_ppm: Some(250_000), duplicate_ppm: Some(100_000), ..Default::default() };
    s.apply(Action::Link { from: None, to: None, change }).unwrap();
    let records = run(&mut s, 20_000_000);
    let sent = records.iter().filter(|r| matches!(r.kind, RecordKind::Send { .. })).count() as f64;
    let lost = records.iter().filter(|r| matches!(r.kind, RecordKind::Drop { .. })).count() as f64;
    let dups = records.iter().filter(|r| matches!(r.kind, RecordKind::Duplicate { .. })).count() as f64;
    assert!(sent > 3_000.0);
    assert!((lost / sent - 0.25).abs() < 0.03, "loss {}", lost / sent);
    // Duplicates are drawn only for messages that were not lost.
    assert!((dups / (sent - lost) - 0.10).abs() < 0.03, "duplication {}", dups / (sent - lost));
}

#[test]
fn latency_jitter_reorders_messages() {
    let mut s = sim(2, false);
    let change = LinkChange { latency_us: Some((1_000, 30_000)), ..Default::default() };
    s.apply(Action::Link { from: None, to: None, change }).unwrap();
    let records = run(&mut s, 2_000_000);
    let order: Vec<u64> = records
        .iter()
        .filter_map(|r| match r.kind {
            RecordKind::Deliver { id, from, .. } if from == n(1) => Some(id),
            _ => None,
        })
        .collect();
    assert!(order.windows(2).any(|w| w[0] > w[1]), "no message overtook another");
}

#[test]
fn manual_message_actions_drop_duplicate_and_delay() {
    let mut s = sim(2, false);
    run(&mut s, 10_000);
    let ids: Vec<u64> = s.in_flight().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), 2);
    s.apply(Action::DropMessage { id: ids[0] }).unwrap();
    s.apply(Action::DuplicateMessage { id: ids[1] }).unwrap();
    assert!(s.apply(Action::DropMessage { id: 999 }).is_err());
    let records = run(&mut s, 19_000);
    assert!(!records.iter().any(|r| matches!(r.kind, RecordKind::Deliver { id, .. } if id == ids[0])));
    let copies = records.iter().filter(|r| matches!(r.kind, RecordKind::Deliver { from, .. } if from == n(2))).count();
    assert_eq!(copies, 2);
}

#[test]
fn bad_actions_are_refused_with_a_message() {
    let mut s = sim(3, false);
    let err = s.apply(Action::Crash { node: n(4) }).unwrap_err();
    assert!(err.contains("node 4 does not exist"), "{err}");
    assert!(s.apply(Action::Drift { node: n(1), rate_pct: 0 }).is_err());
    assert!(s.apply(Action::Pause { node: n(1), for_us: 0 }).is_err());
    assert!(s.apply(Action::Partition { groups: vec![vec![n(1)], vec![n(1)]] }).is_err());
}

/// The rest of a test protocol that only runs timers (config `()`): no bugs, options, messages,
/// clients or summary.
macro_rules! timer_only_protocol {
    () => {
        fn bugs() -> &'static [BugInfo] {
            &[]
        }
        fn options() -> &'static [OptionInfo] {
            &[]
        }
        fn configure(_: &Cluster, _: Option<&str>, _: &TextMap) -> Result<(), String> {
            Ok(())
        }
        fn on_message(&mut self, _: &mut Disk<ProbeDisk>, _: NodeId, _: Ping, _: &mut Ctx<'_, Self>) {}
        fn on_client_request(&mut self, _: &mut Disk<ProbeDisk>, _: ClientRequest, _: &mut Ctx<'_, Self>) {}
        fn summary(_: Option<&Self>, _: &ProbeDisk) -> NodeSummary {
            NodeSummary::default()
        }
    };
}

#[test]
fn a_livelocked_protocol_cannot_hang_the_caller() {
    // A zero-delay timer loop: time never advances.
    #[derive(Clone, Debug)]
    struct Spin;
    impl Protocol for Spin {
        type Msg = Ping;
        type Timer = Tick;
        type Durable = ProbeDisk;
        type Config = ();
        type Event = NoEvent;
        type App = consensus_playground::apps::kv::KvStore;
        const NAME: &'static str = "spin";
        const ABOUT: &'static str = "spins";
        timer_only_protocol!();
        fn boot(_: NodeId, _: &Cluster, _: &(), _: &mut Disk<ProbeDisk>, ctx: &mut Ctx<'_, Self>) -> Self {
            ctx.set_timer(Tick, 0);
            Spin
        }
        fn on_timer(&mut self, _: &mut Disk<ProbeDisk>, _: Tick, ctx: &mut Ctx<'_, Self>) {
            ctx.set_timer(Tick, 0);
        }
    }
    let mut s = Simulation::<Spin>::new(setup(1)).unwrap();
    let status = s.run_until(1_000_000, 10_000);
    assert_eq!(status, consensus_playground::sim::RunStatus::StepLimit);
    assert_eq!(s.stats().steps, 10_000);
    assert_eq!(s.now_us(), 0);
}

/// Timers armed again before they fire (later, earlier, at the same moment) and cancelled: each
/// fires once, at its last arming's time, and the queue entries left behind by earlier armings
/// are never steps.
#[test]
fn rearmed_and_cancelled_timers_fire_at_their_last_arming_and_leave_no_idle_steps() {
    #[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
    enum T {
        Beat,
        Watch,
    }
    /// What the k-th beat (every millisecond) does to the watch timer: arm it in `d` us, or cancel it.
    #[derive(Clone, Copy)]
    enum Do {
        Arm(TimeUs),
        Cancel,
    }
    fn script(k: u64) -> Option<Do> {
        match k {
            1..=3 => Some(Do::Arm(5_000)), // later each time: one queue entry moves on
            4 => Some(Do::Arm(1_500)),     // earlier than its entry: queued anew
            5 => Some(Do::Arm(10_000)),
            6 => Some(Do::Cancel),
            7 => Some(Do::Arm(2_000)), // earlier than the cancelled arming's entry
            10 => Some(Do::Arm(3_000)),
            12 => Some(Do::Arm(500)),
            14 => Some(Do::Arm(2_000)),
            15 => Some(Do::Arm(1_000)), // the same moment as its entry
            20..=40 => Some(Do::Arm(1_000 + 700 * (k % 3))),
            41..=50 => Some(Do::Arm(5_000)), // like a heartbeat re-arming an election timer
            _ => None,
        }
    }
    #[derive(Clone, Debug)]
    struct Rearm {
        beats: u64,
    }
    impl Protocol for Rearm {
        type Msg = Ping;
        type Timer = T;
        type Durable = ProbeDisk;
        type Config = ();
        type Event = NoEvent;
        type App = consensus_playground::apps::kv::KvStore;
        const NAME: &'static str = "rearm";
        const ABOUT: &'static str = "re-arms a timer";
        timer_only_protocol!();
        fn boot(_: NodeId, _: &Cluster, _: &(), _: &mut Disk<ProbeDisk>, ctx: &mut Ctx<'_, Self>) -> Self {
            ctx.set_timer(T::Beat, 1_000);
            Rearm { beats: 0 }
        }
        fn on_timer(&mut self, _: &mut Disk<ProbeDisk>, timer: T, ctx: &mut Ctx<'_, Self>) {
            if timer == T::Beat {
                self.beats += 1;
                match script(self.beats) {
                    Some(Do::Arm(d)) => ctx.set_timer(T::Watch, d),
                    Some(Do::Cancel) => ctx.cancel_timer(T::Watch),
                    None => {}
                }
                if self.beats < 50 {
                    ctx.set_timer(T::Beat, 1_000);
                }
            }
        }
    }
    // The model: beats at k ms; a watch due at or before a beat fires first (it was armed first).
    let mut expected = Vec::new();
    let mut due: Option<TimeUs> = None;
    for k in 1..=50u64 {
        let t = k * 1_000;
        if let Some(d) = due.filter(|d| *d <= t) {
            expected.push(d);
            due = None;
        }
        match script(k) {
            Some(Do::Arm(d)) => due = Some(t + d),
            Some(Do::Cancel) => due = None,
            None => {}
        }
    }
    expected.extend(due);
    assert!(expected.len() > 8 && expected.contains(&9_000) && expected.contains(&16_000), "{expected:?}");

    let mut s = Simulation::<Rearm>::new(setup(1)).unwrap();
    let mut fired = Vec::new();
    let mut buf = Vec::new();
    let mut queue_max = 0;
    while s.step() {
        s.take_records(&mut buf);
        assert!(!buf.is_empty(), "step {} at {}us did nothing", s.stats().steps, s.now_us());
        fired.extend(
            buf.iter().filter(|r| matches!(r.kind, RecordKind::TimerFire { timer: T::Watch, .. })).map(|r| r.t),
        );
        if s.now_us() >= 45_000 && s.now_us() <= 50_000 {
            queue_max = queue_max.max(s.queue_len());
        }
    }
    assert_eq!(fired, expected);
    // Steps: 50 beats and the watch's firings; the entries the re-armings left were passed over.
    assert_eq!(s.stats().steps, 50 + expected.len() as u64);
    assert!(s.stats().passed_over >= 3, "{:?}", s.stats());
    // Re-armed later at every beat, the watch timer keeps one queue entry (queued at each arming,
    // there would be five: one per beat of its 5ms).
    assert_eq!(queue_max, 2, "the queue held {queue_max} entries");
}
