//! The context a protocol handler runs in: the only door to the outside world. Everything a
//! handler wants done is recorded as an [`Effect`] for the simulator to carry out.

use super::{ClientReply, NodeId, Observation, Protocol, RequestId, TimeUs};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// What a protocol handler asks the simulator to do.
#[derive(Clone, Debug)]
pub enum Effect<P: Protocol> {
    Send {
        to: NodeId,
        msg: P::Msg,
    },
    /// Sets (or re-arms) the node's timer of this kind to fire after `delay_us` of the node's
    /// local clock.
    SetTimer {
        timer: P::Timer,
        delay_us: TimeUs,
    },
    CancelTimer {
        timer: P::Timer,
    },
    Reply {
        request: RequestId,
        reply: ClientReply,
    },
    Observe(Observation<P::Event>),
}

/// The handler's view of the world: its id, its local clock, randomness drawn from the
/// simulator's one seeded RNG, and the effect buffer.
pub struct Ctx<'a, P: Protocol> {
    id: NodeId,
    local_now_us: TimeUs,
    rng: &'a mut ChaCha8Rng,
    effects: &'a mut Vec<Effect<P>>,
}

impl<'a, P: Protocol> Ctx<'a, P> {
    /// Used by the simulator (and by protocol unit tests) to run a handler.
    pub fn new(id: NodeId, local_now_us: TimeUs, rng: &'a mut ChaCha8Rng, effects: &'a mut Vec<Effect<P>>) -> Self {
        Ctx { id, local_now_us, rng, effects }
    }
    pub fn id(&self) -> NodeId {
        self.id
    }
    /// The node's local clock, which runs at the node's drift rate.
    pub fn local_now_us(&self) -> TimeUs {
        self.local_now_us
    }
    pub fn send(&mut self, to: NodeId, msg: P::Msg) {
        self.effects.push(Effect::Send { to, msg });
    }
    pub fn set_timer(&mut self, timer: P::Timer, delay_us: TimeUs) {
        self.effects.push(Effect::SetTimer { timer, delay_us });
    }
    pub fn cancel_timer(&mut self, timer: P::Timer) {
        self.effects.push(Effect::CancelTimer { timer });
    }
    pub fn reply(&mut self, request: RequestId, reply: ClientReply) {
        self.effects.push(Effect::Reply { request, reply });
    }
    pub fn observe(&mut self, observation: Observation<P::Event>) {
        self.effects.push(Effect::Observe(observation));
    }
    /// Reports one of the protocol's own events.
    pub fn event(&mut self, event: P::Event) {
        self.observe(Observation::Own(event));
    }
    /// A uniformly random duration in `[min_us, max_us]`, from the simulator's seeded RNG.
    pub fn random_us(&mut self, min_us: TimeUs, max_us: TimeUs) -> TimeUs {
        if max_us <= min_us {
            min_us
        } else {
            self.rng.gen_range(min_us..=max_us)
        }
    }
}

/// A node's stable storage. The simulator keeps it across crashes; writes through
/// [`Disk::write`] are durable as soon as the handler returns (an fsync before any reply), and
/// are recorded in the trace as `persist` events.
#[derive(Clone, Debug, Default, Hash)]
pub struct Disk<D> {
    data: D,
    writes: u64,
}

impl<D> Disk<D> {
    pub fn new(data: D) -> Self {
        Disk { data, writes: 0 }
    }
    pub fn read(&self) -> &D {
        &self.data
    }
    pub fn write(&mut self) -> &mut D {
        self.writes += 1;
        &mut self.data
    }
    /// How many writes were made in total (the simulator traces the changes).
    pub fn writes(&self) -> u64 {
        self.writes
    }
}
