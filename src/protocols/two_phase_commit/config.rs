//! Two-phase commit's options and planted bugs.

use super::*;

pub const BUGS: &[BugInfo] = &[
    BugInfo {
        name: "no-decision-log",
        what: "the coordinator sends its decision without logging it, so after a restart it presumes abort for a transaction it committed",
    },
    BugInfo {
        name: "abort-after-yes",
        what: "a prepared participant that times out in doubt aborts on its own, though the coordinator may have committed",
    },
    BugInfo {
        name: "commit-on-majority",
        what: "the coordinator commits once a majority of participants voted yes, overriding a no",
    },
];

pub const OPTIONS: &[OptionInfo] = &[
    OptionInfo {
        key: "accounts",
        default: "2",
        what: "accounts per participant (1 to 8), each starting with the balance",
    },
    OptionInfo { key: "balance", default: "100", what: "each account's starting balance" },
    OptionInfo {
        key: "no-vote",
        default: "5%",
        what: "the chance that a participant votes no for no reason of its own (0% to 100%)",
    },
    OptionInfo { key: "work", default: "5ms", what: "how long a participant works on its part before it votes" },
    OptionInfo {
        key: "vote-timeout",
        default: "150ms",
        what: "the coordinator aborts a transaction whose votes are not all in after this long",
    },
    OptionInfo {
        key: "ask",
        default: "100ms",
        what: "a participant in doubt this long asks for the outcome (and again after each such interval)",
    },
    OptionInfo {
        key: "retry",
        default: "100ms",
        what: "the coordinator re-sends a commit to participants that have not acknowledged it after this long",
    },
    OptionInfo {
        key: "cooperative",
        default: "on",
        what: "participants in doubt also ask each other (cooperative termination); off: only the coordinator",
    },
];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bugs {
    pub no_decision_log: bool,
    pub abort_after_yes: bool,
    pub commit_on_majority: bool,
}

#[derive(Clone, Debug)]
pub struct TpcConfig {
    pub node_count: usize,
    pub accounts: usize,
    pub balance: i64,
    /// Chance of a no vote, in parts per million.
    pub no_vote_ppm: u32,
    pub work_us: TimeUs,
    pub vote_timeout_us: TimeUs,
    pub ask_us: TimeUs,
    pub retry_us: TimeUs,
    pub cooperative: bool,
    pub bugs: Bugs,
}

impl TpcConfig {
    pub fn new(cluster: &Cluster, bug: Option<&str>, options: &TextMap) -> Result<Self, String> {
        if cluster.len() < 2 {
            return Err("two-phase commit needs at least 2 nodes: the coordinator (node 1) and a participant".into());
        }
        let mut bugs = Bugs::default();
        match planted_bug(TwoPhaseCommit::NAME, bug, BUGS)? {
            Some("no-decision-log") => bugs.no_decision_log = true,
            Some("abort-after-yes") => bugs.abort_after_yes = true,
            Some("commit-on-majority") => bugs.commit_on_majority = true,
            _ => {}
        }
        let mut config = TpcConfig {
            node_count: cluster.len(),
            accounts: 2,
            balance: 100,
            no_vote_ppm: 50_000,
            work_us: 5 * US_PER_MS,
            vote_timeout_us: 150 * US_PER_MS,
            ask_us: 100 * US_PER_MS,
            retry_us: 100 * US_PER_MS,
            cooperative: true,
            bugs,
        };
        let o = OptionReader::new(TwoPhaseCommit::NAME, OPTIONS, options)?;
        let (mut accounts, mut balance) = (config.accounts as u64, config.balance as u64);
        o.set_number("accounts", &mut accounts, 1..=bank::ACCOUNTS_MAX as u64)?;
        o.set_number("balance", &mut balance, 0..=1_000_000_000)?;
        (config.accounts, config.balance) = (accounts as usize, balance as i64);
        o.set_percent("no-vote", &mut config.no_vote_ppm)?;
        o.set_duration("work", &mut config.work_us, 0..=60 * US_PER_S)?;
        o.set_duration("vote-timeout", &mut config.vote_timeout_us, US_PER_MS..=60 * US_PER_S)?;
        o.set_duration("ask", &mut config.ask_us, US_PER_MS..=60 * US_PER_S)?;
        o.set_duration("retry", &mut config.retry_us, US_PER_MS..=60 * US_PER_S)?;
        o.set_on_off("cooperative", &mut config.cooperative)?;
        Ok(config)
    }

    /// Every account and its starting balance.
    pub fn accounts(&self) -> impl Iterator<Item = (NodeId, String)> + '_ {
        (2..=self.node_count as u32)
            .flat_map(move |n| (0..self.accounts).map(move |i| (NodeId(n), bank::account_name(NodeId(n), i))))
    }

    /// The sum of every balance, which transfers conserve.
    pub fn total(&self) -> i64 {
        self.balance * self.accounts as i64 * (self.node_count as i64 - 1)
    }
}
