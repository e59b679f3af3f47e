//! The protocol registry: one line per protocol, from which the command line, the page's menu,
//! the JS API and the tests all learn the protocols. Nothing outside a protocol's own folder and
//! this list names a protocol: behaviour that differs keys on what the protocol declares.

use super::session::Session;
use super::Run;
use super::{Keep, Playground};
use crate::check::{catalog, Checked, PropertyKind};
use crate::core::{App, BugInfo, OptionInfo};
use crate::protocols::paxos::{MultiPaxos, Paxos};
use crate::protocols::raft::Raft;
#[cfg(not(target_arch = "wasm32"))]
use crate::protocols::toy::Toy;
use crate::protocols::two_phase_commit::TwoPhaseCommit;
use crate::scenario::Scenario;
use crate::sim::Setup;

/// Every protocol the playground knows, the first one the default.
pub static PROTOCOLS: &[Entry] = &[
    Entry::of::<Raft>(),
    Entry::of::<Paxos>(),
    Entry::of::<MultiPaxos>(),
    Entry::of::<TwoPhaseCommit>(),
    #[cfg(not(target_arch = "wasm32"))] // the test protocol: native only, to keep the page small
    Entry::of::<Toy>(),
];

/// Builds a run of one protocol.
type Builder = fn(Setup, Option<&Scenario>, Keep) -> Result<Box<dyn Playground>, String>;

/// One protocol of the registry: its name and how to describe it and build a run of it.
pub struct Entry {
    pub name: &'static str,
    info: fn() -> ProtocolInfo,
    build: Builder,
}

impl Entry {
    pub const fn of<P: Checked>() -> Entry {
        Entry { name: P::NAME, info: info::<P>, build: session::<P> }
    }

    pub fn info(&self) -> ProtocolInfo {
        (self.info)()
    }

    pub fn build(&self, setup: Setup, scenario: Option<&Scenario>, keep: Keep) -> Result<Box<dyn Playground>, String> {
        (self.build)(setup, scenario, keep)
    }
}

/// The protocol a run has when nothing names one.
pub fn default_protocol() -> &'static str {
    PROTOCOLS[0].name
}

/// The registry's entry for a protocol name, or a message listing the names there are.
pub fn entry(name: &str) -> Result<&'static Entry, String> {
    PROTOCOLS
        .iter()
        .find(|e| e.name == name)
        .ok_or_else(|| format!("unknown protocol {name:?}: use one of {}", protocol_names().join(", ")))
}

/// What `sim list` and the page show about a protocol.
#[derive(Clone, Debug)]
pub struct ProtocolInfo {
    pub name: &'static str,
    pub about: &'static str,
    pub bugs: &'static [BugInfo],
    pub options: &'static [OptionInfo],
    /// Operator commands (`timeout`, `transfer N`, ...), each with one sentence.
    pub admin: &'static [(&'static str, &'static str)],
    pub properties: Vec<(String, PropertyKind, String)>,
    /// An example client command (`set x 1`), and one line on the commands the protocol takes.
    pub command_example: &'static str,
    pub command_help: &'static str,
}

fn info<P: Checked>() -> ProtocolInfo {
    let cluster = crate::core::Cluster::new(3);
    let config = P::configure(&cluster, None, &Default::default()).expect("default configuration is valid");
    let properties = catalog::<P>(&config);
    ProtocolInfo {
        name: P::NAME,
        about: P::ABOUT,
        bugs: P::bugs(),
        options: P::options(),
        admin: P::admin_commands(),
        properties,
        command_example: <P::App as App>::COMMAND_EXAMPLE,
        command_help: <P::App as App>::COMMAND_HELP,
    }
}

/// Every protocol the registry knows, described.
pub fn protocols() -> Vec<ProtocolInfo> {
    PROTOCOLS.iter().map(Entry::info).collect()
}

pub fn protocol_names() -> Vec<&'static str> {
    PROTOCOLS.iter().map(|e| e.name).collect()
}

fn session<P: Checked>(setup: Setup, scenario: Option<&Scenario>, keep: Keep) -> Result<Box<dyn Playground>, String> {
    let mut world = match scenario {
        Some(s) => s.build_world::<P>(setup)?,
        None => crate::check::World::<P>::new(setup, Vec::new())?,
    };
    if keep == Keep::Violations {
        world.forgo_hash();
    }
    let run = if keep == Keep::Trace { Run::from_world(world)? } else { Run::unrecorded(world)? };
    Ok(Box::new(Session { run, scenario: scenario.cloned() }))
}
