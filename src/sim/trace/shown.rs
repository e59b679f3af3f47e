//! Records as they are printed: the protocol's parts (message, timer, own events) rendered as
//! text once, so that the JSON Lines and the one-line descriptions are compiled once for every
//! protocol.

use crate::core::fields::{FieldSink, MapFields, Words};
use crate::core::{ClientReply, Event, Message, ShownEvent, TimeUs};
use serde::{Serialize, Serializer};
use std::hash::Hash;

use super::record::{Outcome, Record, RecordKind};

/// A sent message as printed records show it (see [`RecordKind::shown`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ShownMsg {
    pub kind: &'static str,
    pub reply: bool,
    pub text: String,
}

/// A record with its protocol-specific parts (message, timer) rendered as text.
pub type ShownKind = RecordKind<ShownMsg, String, ShownEvent>;

impl<M: Message, T: std::fmt::Debug, E: Event> RecordKind<M, T, E> {
    /// The record with its message and timer rendered as text, so that the code printing records
    /// (JSON, one-line descriptions) is compiled once rather than once per protocol, which the
    /// download would carry for each.
    pub fn shown(&self) -> ShownKind {
        use RecordKind as K;
        match self {
            K::Run { protocol, nodes, seed, bug, groups } => {
                K::Run { protocol, nodes: *nodes, seed: *seed, bug: bug.clone(), groups: groups.clone() }
            }
            K::Chaos(params) => K::Chaos(params.clone()),
            K::Send { id, from, to, msg } => K::Send {
                id: *id,
                from: *from,
                to: *to,
                msg: ShownMsg { kind: msg.kind(), reply: msg.is_reply(), text: msg.describe() },
            },
            K::Deliver { id, from, to } => K::Deliver { id: *id, from: *from, to: *to },
            K::Drop { id, from, to, reason } => K::Drop { id: *id, from: *from, to: *to, reason: *reason },
            K::Duplicate { id, copy } => K::Duplicate { id: *id, copy: *copy },
            K::TimerSet { node, timer, delay_us } => {
                K::TimerSet { node: *node, timer: format!("{timer:?}"), delay_us: *delay_us }
            }
            K::TimerFire { node, timer } => K::TimerFire { node: *node, timer: format!("{timer:?}") },
            K::Persist { node } => K::Persist { node: *node },
            K::Crash { node } => K::Crash { node: *node },
            K::Restart { node } => K::Restart { node: *node },
            K::Action(action) => K::Action(action.clone()),
            K::Resume { node } => K::Resume { node: *node },
            K::Invoke { client, seq, op } => K::Invoke { client: *client, seq: *seq, op: op.clone() },
            K::Request { client, seq, attempt, node } => {
                K::Request { client: *client, seq: *seq, attempt: *attempt, node: *node }
            }
            K::Reply { node, client, seq, reply } => {
                K::Reply { node: *node, client: *client, seq: *seq, reply: reply.clone() }
            }
            K::Return { client, seq, outcome } => K::Return { client: *client, seq: *seq, outcome: outcome.clone() },
            K::Observe { node, obs } => K::Observe { node: *node, obs: obs.shown() },
            K::Violation { property, detail } => K::Violation { property: property.clone(), detail: detail.clone() },
            K::Phase { name } => K::Phase { name },
            K::Note { text } => K::Note { text: text.clone() },
        }
    }
}

/// One record as a JSON object: `t` and `ev` first, then its fields (`docs/trace-format.md`).
pub fn record_json<M: Message, T: std::fmt::Debug, E: Event>(record: &Record<M, T, E>) -> String {
    shown_json(record.t, &record.kind.shown())
}

/// [`record_json`] of a record whose message and timer are rendered.
pub fn shown_json(t: TimeUs, kind: &ShownKind) -> String {
    // Plain values into a string: serializing cannot fail.
    serde_json::to_string(&JsonRecord { t, kind }).unwrap_or_default()
}

/// A record as its JSON object, serialized field by field (no `serde_json::Value` is built).
struct JsonRecord<'a> {
    t: TimeUs,
    kind: &'a ShownKind,
}

impl Serialize for JsonRecord<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut fields = MapFields::new(serializer.serialize_map(None)?);
        fields.field("t", &self.t);
        fields.field("ev", shown_ev(self.kind));
        shown_fields(self.kind, &mut fields);
        fields.end()
    }
}

/// A record's `ev`: its kind's name in the exported trace.
pub fn shown_ev(kind: &ShownKind) -> &'static str {
    match kind {
        RecordKind::Run { .. } => "run",
        RecordKind::Chaos(_) => "chaos",
        RecordKind::Send { .. } => "send",
        RecordKind::Deliver { .. } => "deliver",
        RecordKind::Drop { .. } => "drop",
        RecordKind::Duplicate { .. } => "duplicate",
        RecordKind::TimerSet { .. } => "timer-set",
        RecordKind::TimerFire { .. } => "timer",
        RecordKind::Persist { .. } => "persist",
        RecordKind::Crash { .. } => "crash",
        RecordKind::Restart { .. } => "restart",
        RecordKind::Resume { .. } => "resume",
        RecordKind::Action(_) => "action",
        RecordKind::Invoke { .. } => "invoke",
        RecordKind::Request { .. } => "request",
        RecordKind::Reply { .. } => "reply",
        RecordKind::Return { .. } => "return",
        RecordKind::Observe { obs, .. } => obs.ev(),
        RecordKind::Violation { .. } => "violation",
        RecordKind::Phase { .. } => "phase",
        RecordKind::Note { .. } => "note",
    }
}

/// A record's fields besides `t` and `ev`, in the order the exported trace gives them.
pub fn shown_fields(kind: &ShownKind, sink: &mut impl FieldSink) {
    match kind {
        RecordKind::Run { protocol, nodes, seed, bug, groups } => {
            sink.field("protocol", protocol);
            sink.field("nodes", nodes);
            sink.field("seed", seed);
            sink.field("bug", bug);
            for (name, nodes) in &groups.0 {
                sink.field(name, nodes);
            }
        }
        RecordKind::Chaos(params) => {
            params.fields(sink);
        }
        RecordKind::Send { id, from, to, msg } => {
            sink.field("id", id);
            sink.field("from", &from.0);
            sink.field("to", &to.0);
            sink.field("kind", msg.kind);
            sink.field("reply", &msg.reply);
            sink.field("msg", &msg.text);
        }
        RecordKind::Deliver { id, from, to } => {
            sink.field("id", id);
            sink.field("from", &from.0);
            sink.field("to", &to.0);
        }
        RecordKind::Drop { id, from, to, reason } => {
            sink.field("id", id);
            sink.field("from", &from.0);
            sink.field("to", &to.0);
            sink.field("reason", reason.as_str());
        }
        RecordKind::Duplicate { id, copy } => {
            sink.field("id", id);
            sink.field("copy", copy);
        }
        RecordKind::TimerSet { node: n, timer, delay_us } => {
            sink.field("node", &n.0);
            sink.field("timer", timer);
            sink.field("delay_us", delay_us);
        }
        RecordKind::TimerFire { node: n, timer } => {
            sink.field("node", &n.0);
            sink.field("timer", timer);
        }
        RecordKind::Persist { node: n }
        | RecordKind::Crash { node: n }
        | RecordKind::Restart { node: n }
        | RecordKind::Resume { node: n } => sink.field("node", &n.0),
        RecordKind::Action(action) => {
            sink.field("action", &action.describe());
        }
        RecordKind::Invoke { client, seq, op } => {
            sink.field("client", client);
            sink.field("seq", seq);
            sink.field("op", op);
        }
        RecordKind::Request { client, seq, attempt, node: n } => {
            sink.field("client", client);
            sink.field("seq", seq);
            sink.field("attempt", attempt);
            sink.field("node", &n.0);
        }
        RecordKind::Reply { node: n, client, seq, reply } => {
            sink.field("node", &n.0);
            sink.field("client", client);
            sink.field("seq", seq);
            match reply {
                ClientReply::Ok(result) => {
                    sink.field("reply", "ok");
                    sink.field("result", result);
                }
                ClientReply::Redirect(hint) => {
                    sink.field("reply", "redirect");
                    sink.field("leader", &hint.map(|h| h.0));
                }
                ClientReply::Fail(why) => {
                    sink.field("reply", "fail");
                    sink.field("error", why);
                }
            }
        }
        RecordKind::Return { client, seq, outcome } => {
            sink.field("client", client);
            sink.field("seq", seq);
            sink.field("outcome", outcome.as_str());
            match outcome {
                Outcome::Ok(result) => sink.field("result", result),
                Outcome::Fail(why) => sink.field("error", why),
                _ => {}
            }
        }
        RecordKind::Observe { node: n, obs } => {
            sink.field("node", &n.0);
            obs.fields(sink);
        }
        RecordKind::Violation { property, detail } => {
            sink.field("property", property);
            sink.field("detail", detail);
        }
        RecordKind::Phase { name } => {
            sink.field("phase", name);
        }
        RecordKind::Note { text } => {
            sink.field("text", text);
        }
    }
}

/// One line for event logs: `12.345ms send #4 n1->n2 Ping(3)`.
/// The kinds of record the page's event log filters by.
pub const RECORD_CLASSES: &[(&str, &str)] = &[
    ("message", "messages sent, delivered, dropped, duplicated"),
    ("timer", "timers set and fired"),
    ("persist", "writes to stable storage"),
    ("state", "protocol observations: roles, log entries, commits, votes, decisions"),
    ("client", "client invocations, requests, replies and returns"),
    ("fault", "crashes, restarts and every action of a person or script"),
    ("violation", "property violations"),
    ("run", "the run's start, chaos mix, phases and notes"),
];

/// A record's class (one of [`RECORD_CLASSES`]) and the nodes it concerns.
pub fn record_class<M, T, E>(record: &Record<M, T, E>) -> (&'static str, Vec<u32>) {
    match &record.kind {
        RecordKind::Send { from, to, .. }
        | RecordKind::Deliver { from, to, .. }
        | RecordKind::Drop { from, to, .. } => ("message", vec![from.0, to.0]),
        RecordKind::Duplicate { .. } => ("message", Vec::new()),
        RecordKind::TimerSet { node, .. } | RecordKind::TimerFire { node, .. } => ("timer", vec![node.0]),
        RecordKind::Persist { node } => ("persist", vec![node.0]),
        RecordKind::Observe { node, .. } => ("state", vec![node.0]),
        RecordKind::Crash { node } | RecordKind::Restart { node } | RecordKind::Resume { node } => {
            ("fault", vec![node.0])
        }
        RecordKind::Action(action) => ("fault", action.nodes().iter().map(|n| n.0).collect()),
        RecordKind::Request { node, .. } | RecordKind::Reply { node, .. } => ("client", vec![node.0]),
        RecordKind::Invoke { .. } | RecordKind::Return { .. } => ("client", Vec::new()),
        RecordKind::Violation { .. } => ("violation", Vec::new()),
        RecordKind::Run { .. } | RecordKind::Chaos(_) | RecordKind::Phase { .. } | RecordKind::Note { .. } => {
            ("run", Vec::new())
        }
    }
}

pub fn describe_record<M: Message, T: std::fmt::Debug, E: Event>(record: &Record<M, T, E>) -> String {
    describe_shown(record.t, &record.kind.shown())
}

/// [`describe_record`] of a record whose message and timer are rendered.
pub fn describe_shown(t: TimeUs, kind: &ShownKind) -> String {
    let time = crate::core::time::format_duration(t);
    let body = match kind {
        RecordKind::Send { id, from, to, msg } => format!("send #{id} {from}->{to} {}", msg.text),
        RecordKind::Deliver { id, from, to } => format!("deliver #{id} {from}->{to}"),
        RecordKind::Drop { id, from, to, reason } => format!("drop #{id} {from}->{to} ({})", reason.as_str()),
        RecordKind::Duplicate { id, copy } => format!("duplicate #{id} as #{copy}"),
        RecordKind::TimerSet { node, timer, delay_us } => {
            format!("{node} set timer {timer} in {}", crate::core::time::format_duration(*delay_us))
        }
        RecordKind::TimerFire { node, timer } => format!("{node} timer {timer} fired"),
        RecordKind::Persist { node } => format!("{node} persisted"),
        RecordKind::Crash { node } => format!("{node} crashed"),
        RecordKind::Restart { node } => format!("{node} restarted"),
        RecordKind::Resume { node } => format!("{node} resumed"),
        RecordKind::Action(action) => action.describe(),
        RecordKind::Observe { node, obs } => format!("{node} {}", obs.describe()),
        RecordKind::Violation { property, detail } => format!("VIOLATION {property}: {detail}"),
        RecordKind::Phase { name } => format!("phase {name}"),
        RecordKind::Note { text } => format!("note: {text}"),
        _ => {
            let mut words = Words(shown_ev(kind).to_string());
            shown_fields(kind, &mut words);
            words.0
        }
    };
    format!("{time} {body}")
}
