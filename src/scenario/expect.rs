//! Timed expectations about leadership, checked live like any property.

use super::{ExpectKind, Expectation};
use crate::check::{Property, PropertyKind};
use crate::core::{NodeId, Observation, Protocol, Role, Shared, TimeUs};
use crate::sim::{Rec, RecordKind, Simulation};

/// `at T expect leader [in S] within D` and `at T expect no leader [in S] for D`, judged from the
/// `role` observations: a node is leader from its `role leader` event until its next role event
/// or crash.
#[derive(Clone, Debug)]
pub struct LeaderExpectation {
    name: String,
    expectation: Expectation,
    /// Per node: (role, term), or `None` while crashed.
    roles: Vec<Option<(Role, u64)>>,
    satisfied: bool,
}

impl LeaderExpectation {
    pub fn new(expectation: Expectation) -> Self {
        LeaderExpectation { name: Self::name_for(expectation.line), expectation, roles: Vec::new(), satisfied: false }
    }

    pub fn name_for(line: usize) -> String {
        format!("expect@line{line}")
    }

    fn window(&self) -> (TimeUs, TimeUs) {
        let at = self.expectation.at_us.unwrap_or(0);
        match self.expectation.kind {
            ExpectKind::Leader { within_us, .. } => (at, at + within_us),
            ExpectKind::NoLeader { for_us, .. } => (at, at + for_us),
            _ => (at, at),
        }
    }

    fn among(&self) -> Option<&Vec<NodeId>> {
        match &self.expectation.kind {
            ExpectKind::Leader { among, .. } | ExpectKind::NoLeader { among, .. } => among.as_ref(),
            _ => None,
        }
    }

    /// The live leaders of the highest term any live node has.
    fn leaders(&self) -> Vec<NodeId> {
        let top = self.roles.iter().flatten().map(|(_, t)| *t).max().unwrap_or(0);
        self.roles
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r, Some((Role::Leader, t)) if *t == top))
            .map(|(i, _)| NodeId::from_index(i))
            .collect()
    }

    fn update<M, T, E>(&mut self, record: &RecordKind<M, T, E>) {
        let slot = |roles: &mut Vec<Option<(Role, u64)>>, node: NodeId| {
            if roles.len() <= node.index() {
                roles.resize(node.index() + 1, None);
            }
            node.index()
        };
        match record {
            RecordKind::Observe { node, obs: Observation::Shared(Shared::Role { role, term }) } => {
                let i = slot(&mut self.roles, *node);
                self.roles[i] = Some((*role, *term));
            }
            RecordKind::Crash { node } => {
                let i = slot(&mut self.roles, *node);
                self.roles[i] = None;
            }
            _ => {}
        }
    }

    fn in_set(&self, node: NodeId) -> bool {
        self.among().is_none_or(|s| s.contains(&node))
    }
}

impl<P: Protocol> Property<P> for LeaderExpectation {
    fn name(&self) -> &str {
        &self.name
    }
    fn explain(&self) -> &str {
        "a scenario's expectation about leadership"
    }
    fn kind(&self) -> PropertyKind {
        PropertyKind::Expectation
    }
    fn observe(&mut self, record: &Rec<P>, _sim: &Simulation<P>) -> Result<(), String> {
        let (start, end) = self.window();
        // Judge the state as it stood up to this record's time before applying it.
        if record.t > end && !self.satisfied {
            if let ExpectKind::Leader { .. } = self.expectation.kind {
                self.satisfied = true; // report once
                return Err(format!(
                    "no leader{} was elected by {}",
                    self.set_text(),
                    crate::core::time::format_duration(end)
                ));
            }
        }
        self.update(&record.kind);
        if record.t < start || record.t > end {
            return Ok(());
        }
        let leaders = self.leaders();
        match self.expectation.kind {
            ExpectKind::Leader { .. } if leaders.len() == 1 && self.in_set(leaders[0]) => {
                self.satisfied = true;
            }
            ExpectKind::NoLeader { .. } if !self.satisfied => {
                // Here any node that believes it leads counts, stale or not.
                let believers: Vec<NodeId> = self
                    .roles
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| matches!(r, Some((Role::Leader, _))))
                    .map(|(i, _)| NodeId::from_index(i))
                    .collect();
                if let Some(&bad) = believers.iter().find(|&&n| self.in_set(n)) {
                    self.satisfied = true; // report once
                    return Err(format!("{bad} became leader at {}", crate::core::time::format_duration(record.t)));
                }
            }
            _ => {}
        }
        Ok(())
    }
    fn finish(&mut self, sim: &Simulation<P>) -> Result<(), String> {
        let (_, end) = self.window();
        if let ExpectKind::Leader { .. } = self.expectation.kind {
            if !self.satisfied {
                self.satisfied = true;
                return Err(if sim.now_us() < end {
                    format!(
                        "the run ended at {} before the expectation's deadline",
                        crate::core::time::format_duration(sim.now_us())
                    )
                } else {
                    format!("no leader{} was elected by {}", self.set_text(), crate::core::time::format_duration(end))
                });
            }
        }
        Ok(())
    }
}

impl LeaderExpectation {
    fn set_text(&self) -> String {
        match self.among() {
            None => String::new(),
            Some(s) => {
                let ids: Vec<String> = s.iter().map(|n| n.0.to_string()).collect();
                format!(" in {{{}}}", ids.join(","))
            }
        }
    }
}
