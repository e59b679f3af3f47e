//! # Primary-backup log: the simulator's test protocol
//!
//! A deliberately small protocol that exercises every feature of the simulator: messages in both
//! directions, timers, durable state and restarts, client requests with redirects and retries,
//! observation events and a planted bug.
//!
//! Node 1 is the primary, forever; the others are backups. A client command sent to a backup is
//! redirected to the primary. The primary appends the command to its log (persisting it first),
//! replicates it to the backups in `Replicate` messages, and counts a command committed once a
//! majority of nodes (itself included) hold it; then it applies the command to its key-value map
//! and answers the client. Backups append what the primary sends, persist it, acknowledge the
//! length of their log, and apply entries up to the commit index the primary tells them. Every
//! `heartbeat` the primary re-sends whatever a backup has not acknowledged, which repairs loss.
//! Retried commands are recognised by (client, seq) and execute once.
//!
//! Because the primary never changes, the protocol is unavailable while node 1 is down; it is
//! safe under every fault the simulator injects. With the planted bug `volatile-log` the primary
//! keeps its log only in memory: after a restart it reuses indexes that already hold other
//! commands, which the properties `index-agreement` and `acked-durable` catch.

mod messages;
mod properties;

pub use messages::{Entry, ToyMsg};

use crate::core::options::{planted_bug, OptionReader};
use crate::core::{
    BugInfo, ClientReply, ClientRequest, Cluster, Ctx, Disk, NodeId, NodeSummary, Observation, OptionInfo, Protocol,
    RequestId, Role, Shared, TimeUs, US_PER_MS,
};
use crate::core::{NoEvent, TextMap};
use std::collections::BTreeMap;

pub const PRIMARY: NodeId = NodeId(1);
/// The most entries one `Replicate` message carries.
pub const ENTRIES_PER_MESSAGE_MAX: usize = 64;

#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum ToyTimer {
    Heartbeat,
}

#[derive(Clone, Debug)]
pub struct ToyConfig {
    pub cluster: Cluster,
    pub heartbeat_us: TimeUs,
    pub volatile_log_bug: bool,
}

/// What a node persists: its log.
#[derive(Clone, Debug, Default, Hash)]
pub struct ToyDurable {
    pub log: Vec<Entry>,
}

/// A node's volatile state.
#[derive(Clone, Debug)]
pub struct Toy {
    id: NodeId,
    heartbeat_us: TimeUs,
    volatile_log_bug: bool,
    /// The working copy of the log (equal to the disk's, except under the planted bug).
    log: Vec<Entry>,
    commit_index: u64,
    last_applied: u64,
    /// Applied state: key → value.
    kv: TextMap,
    /// Per client: the highest applied seq and its result (dissertation §6.3-style sessions).
    sessions: BTreeMap<u32, (u64, String)>,
    /// Primary only: log length each backup acknowledged, indexed by node.
    match_index: Vec<u64>,
    /// Primary only: clients waiting for the entry at an index to commit.
    waiting: BTreeMap<u64, Vec<RequestId>>,
}

impl Toy {
    fn is_primary(&self) -> bool {
        self.id == PRIMARY
    }

    pub fn log(&self) -> &[Entry] {
        &self.log
    }
    pub fn commit_index(&self) -> u64 {
        self.commit_index
    }
    pub fn kv(&self) -> &TextMap {
        &self.kv
    }

    fn persist_append(&mut self, disk: &mut Disk<ToyDurable>, entries: &[Entry]) {
        if !(self.volatile_log_bug && self.is_primary()) {
            disk.write().log.extend_from_slice(entries);
        }
    }

    fn append(&mut self, disk: &mut Disk<ToyDurable>, entries: Vec<Entry>, ctx: &mut Ctx<'_, Self>) {
        self.persist_append(disk, &entries);
        for entry in entries {
            self.log.push(entry);
            let last = self.log.last().expect("just pushed");
            ctx.observe(Observation::Shared(Shared::Append {
                index: self.log.len() as u64,
                term: 1,
                value: last.value.as_str().into(),
            }));
        }
    }

    fn replicate_to(&self, to: NodeId, ctx: &mut Ctx<'_, Self>) {
        let acked = self.match_index[to.index()] as usize;
        let from = acked.min(self.log.len());
        let end = (from + ENTRIES_PER_MESSAGE_MAX).min(self.log.len());
        let msg = ToyMsg::Replicate {
            prev_len: from as u64,
            entries: self.log[from..end].to_vec(),
            commit: self.commit_index,
        };
        ctx.send(to, msg);
    }

    fn broadcast(&self, cluster_size: usize, ctx: &mut Ctx<'_, Self>) {
        for i in 0..cluster_size {
            let to = NodeId::from_index(i);
            if to != self.id {
                self.replicate_to(to, ctx);
            }
        }
    }

    /// The primary commits the longest prefix a majority holds.
    fn maybe_commit(&mut self, ctx: &mut Ctx<'_, Self>) {
        let mut lengths: Vec<u64> = self.match_index.clone();
        lengths[self.id.index()] = self.log.len() as u64;
        lengths.sort_unstable_by(|a, b| b.cmp(a));
        let majority = lengths.len() / 2 + 1;
        let committed = lengths[majority - 1];
        if committed > self.commit_index {
            self.commit_index = committed;
            ctx.observe(Observation::Shared(Shared::Commit { index: committed }));
            self.apply_committed(ctx);
        }
    }

    fn apply_committed(&mut self, ctx: &mut Ctx<'_, Self>) {
        while self.last_applied < self.commit_index {
            self.last_applied += 1;
            let entry = self.log[self.last_applied as usize - 1].clone();
            let result = self.execute(&entry);
            ctx.observe(Observation::Shared(Shared::Apply {
                index: self.last_applied,
                term: 1,
                value: entry.value.as_str().into(),
            }));
            for request in self.waiting.remove(&self.last_applied).unwrap_or_default() {
                ctx.reply(request, ClientReply::Ok(result.as_str().into()));
            }
        }
    }

    /// Applies one entry to the key-value map once per (client, seq).
    fn execute(&mut self, entry: &Entry) -> String {
        if let Some((seq, result)) = self.sessions.get(&entry.client) {
            if entry.seq <= *seq {
                return result.clone();
            }
        }
        let mut words = entry.op.split_whitespace();
        let result = match (words.next(), words.next(), words.next()) {
            (Some("set"), Some(key), Some(value)) => {
                self.kv.insert(key.to_string(), value.to_string());
                "ok".to_string()
            }
            (Some("get"), Some(key), None) => self.kv.get(key).cloned().unwrap_or_default(),
            _ => "ok".to_string(),
        };
        self.sessions.insert(entry.client, (entry.seq, result.clone()));
        result
    }
}

impl Protocol for Toy {
    type Msg = ToyMsg;
    type Timer = ToyTimer;
    type Durable = ToyDurable;
    type Config = ToyConfig;
    type Event = NoEvent;
    type App = crate::apps::kv::KvStore;

    const NAME: &'static str = "toy";
    const ABOUT: &'static str = "primary-backup log with a fixed primary (node 1): the simulator's small test protocol";

    fn bugs() -> &'static [BugInfo] {
        &[BugInfo {
            name: "volatile-log",
            what: "the primary keeps its log only in memory, so after a restart it reuses indexes and loses acknowledged commands",
        }]
    }

    fn options() -> &'static [OptionInfo] {
        &[OptionInfo {
            key: "heartbeat",
            default: "50ms",
            what: "how often the primary re-sends unacknowledged entries",
        }]
    }

    fn configure(cluster: &Cluster, bug: Option<&str>, options: &TextMap) -> Result<ToyConfig, String> {
        let volatile_log_bug = planted_bug(Self::NAME, bug, Self::bugs())? == Some("volatile-log");
        let mut heartbeat_us = 50 * US_PER_MS;
        let o = OptionReader::new(Self::NAME, Self::options(), options)?;
        o.set_duration("heartbeat", &mut heartbeat_us, 1..=crate::core::time::DURATION_US_MAX)?;
        Ok(ToyConfig { cluster: cluster.clone(), heartbeat_us, volatile_log_bug })
    }

    fn boot(
        id: NodeId,
        cluster: &Cluster,
        config: &ToyConfig,
        disk: &mut Disk<ToyDurable>,
        ctx: &mut Ctx<'_, Self>,
    ) -> Self {
        let role = if id == PRIMARY { Role::Leader } else { Role::Follower };
        ctx.observe(Observation::Shared(Shared::Role { role, term: 1 }));
        let node = Toy {
            id,
            heartbeat_us: config.heartbeat_us,
            volatile_log_bug: config.volatile_log_bug,
            log: disk.read().log.clone(),
            commit_index: 0,
            last_applied: 0,
            kv: TextMap::new(),
            sessions: BTreeMap::new(),
            match_index: vec![0; cluster.len()],
            waiting: BTreeMap::new(),
        };
        if node.is_primary() {
            node.broadcast(cluster.len(), ctx);
            ctx.set_timer(ToyTimer::Heartbeat, config.heartbeat_us);
        }
        node
    }

    fn on_message(&mut self, disk: &mut Disk<ToyDurable>, from: NodeId, msg: ToyMsg, ctx: &mut Ctx<'_, Self>) {
        match msg {
            ToyMsg::Replicate { prev_len, entries, commit } if !self.is_primary() => {
                let have = self.log.len() as u64;
                if prev_len <= have {
                    // Append only what is new; entries before `have` are already here.
                    let skip = (have - prev_len) as usize;
                    let new: Vec<Entry> = entries.into_iter().skip(skip).collect();
                    if !new.is_empty() {
                        self.append(disk, new, ctx);
                    }
                }
                let new_commit = commit.min(self.log.len() as u64);
                if new_commit > self.commit_index {
                    self.commit_index = new_commit;
                    ctx.observe(Observation::Shared(Shared::Commit { index: new_commit }));
                    self.apply_committed(ctx);
                }
                ctx.send(from, ToyMsg::Ack { len: self.log.len() as u64 });
            }
            ToyMsg::Ack { len } if self.is_primary() && from.index() < self.match_index.len() => {
                self.match_index[from.index()] = len.min(self.log.len() as u64);
                self.maybe_commit(ctx);
                if len < self.log.len() as u64 {
                    self.replicate_to(from, ctx);
                }
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, _disk: &mut Disk<ToyDurable>, timer: ToyTimer, ctx: &mut Ctx<'_, Self>) {
        match timer {
            ToyTimer::Heartbeat => {
                self.broadcast(self.match_index.len(), ctx);
                ctx.set_timer(ToyTimer::Heartbeat, self.heartbeat_us);
            }
        }
    }

    fn on_client_request(&mut self, disk: &mut Disk<ToyDurable>, request: ClientRequest, ctx: &mut Ctx<'_, Self>) {
        if !self.is_primary() {
            ctx.reply(request.id, ClientReply::Redirect(Some(PRIMARY)));
            return;
        }
        let command = request.command;
        // A retry of a command that is already in the log waits for that entry (or is answered).
        if let Some(pos) = self.log.iter().rposition(|e| e.client == command.client && e.seq == command.seq) {
            let index = pos as u64 + 1;
            if index <= self.last_applied {
                let result = self.sessions.get(&command.client).map(|(_, r)| r.clone()).unwrap_or_default();
                ctx.reply(request.id, ClientReply::Ok(result.into()));
            } else {
                self.waiting.entry(index).or_default().push(request.id);
            }
            return;
        }
        let entry = Entry { value: command.value(), client: command.client, seq: command.seq, op: command.op };
        self.append(disk, vec![entry], ctx);
        let index = self.log.len() as u64;
        self.waiting.entry(index).or_default().push(request.id);
        self.broadcast(self.match_index.len(), ctx);
        self.maybe_commit(ctx);
    }

    fn summary(volatile: Option<&Self>, disk: &ToyDurable) -> NodeSummary {
        let mut fields = vec![("log (durable)".to_string(), disk.log.len().to_string())];
        let role = match volatile {
            None => "crashed".to_string(),
            Some(node) => {
                fields.push(("log".into(), node.log.len().to_string()));
                fields.push(("commit".into(), node.commit_index.to_string()));
                fields.push(("applied".into(), node.last_applied.to_string()));
                let kv: Vec<String> = node.kv.iter().map(|(k, v)| format!("{k}={v}")).collect();
                fields.push(("kv".into(), kv.join(" ")));
                if node.is_primary() { "leader" } else { "follower" }.to_string()
            }
        };
        NodeSummary { role, term: 1, fields, badges: Vec::new(), caption: None }
    }

    fn leader_hint(&self) -> Option<NodeId> {
        Some(PRIMARY)
    }
}
