//! Scenarios the page offers as examples and lessons (also reachable as `?scenario=NAME`).

/// Name and script of each built-in scenario.
pub const LESSONS: [(&str, &str); 4] = [
    ("raft-election", include_str!("../../scenarios/lessons/raft-election.scenario")),
    ("raft-disruptive-server", include_str!("../../scenarios/raft/disruptive-server.scenario")),
    ("2pc-coordinator-crash", include_str!("../../scenarios/2pc/coordinator-crash-after-log.scenario")),
    ("paxos-dueling-proposers", include_str!("../../scenarios/paxos/dueling.scenario")),
];

/// The script of a built-in scenario named `name`.
pub fn lesson(name: &str) -> Option<&'static str> {
    LESSONS.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playground::{build, run_to_end};

    #[test]
    fn every_lesson_runs_and_meets_its_expectations() {
        for (name, text) in LESSONS {
            let scenario = crate::scenario::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let mut setup = crate::sim::Setup::default();
            scenario.apply_settings(&mut setup);
            let protocol = scenario.protocol.clone().unwrap_or_else(|| crate::playground::default_protocol().into());
            let mut run = build(&protocol, setup, Some(&scenario)).unwrap();
            let outcome = run_to_end(run.as_mut());
            assert!(outcome.violations.is_empty(), "{name}: {:?}", outcome.violations);
            assert!(outcome.expectations.iter().all(|e| e.passed), "{name}: {:?}", outcome.expectations);
        }
        let captions =
            build(crate::playground::default_protocol(), Default::default(), None).map(|r| r.captions_from(0)).unwrap();
        assert!(captions.is_empty());
    }
}
