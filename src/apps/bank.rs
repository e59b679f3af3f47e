//! The bank the transactions run against: every participant owns a shard of accounts (`2a`, `2b`
//! on node 2, `3a`, `3b` on node 3, ...), and a transaction is a transfer between accounts,
//! usually on different participants, so the total of all balances is conserved.
//!
//! Client commands: `transfer FROM TO AMOUNT` moves AMOUNT from account FROM to account TO;
//! `transfer FROM TO+TO2 AMOUNT` pays AMOUNT to each of several accounts (a transaction with
//! three participants). A transfer commits, or aborts and changes nothing: for lack of funds, or
//! for any reason of the protocol's (a participant busy with another transaction).

use crate::core::{App, NodeId, Text};
use litemap::LiteMap;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// One transfer: `amount` from `from` to each account of `to`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Transfer {
    pub from: String,
    pub to: Vec<String>,
    pub amount: i64,
}

/// What a transfer returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TransferOutput {
    Committed,
    /// Nothing changed.
    Aborted,
}

/// Every account's balance; an account never touched holds `initial`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Bank {
    pub balances: LiteMap<String, i64>,
    pub initial: i64,
}

impl Default for Bank {
    fn default() -> Self {
        Bank { balances: LiteMap::new(), initial: 100 }
    }
}

impl Bank {
    pub fn balance(&self, account: &str) -> i64 {
        self.balances.get(account).copied().unwrap_or(self.initial)
    }
}

/// The participants (nodes 2 to `node_count`) and how many accounts each owns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BankShape {
    pub node_count: usize,
    pub accounts: usize,
}

impl Default for BankShape {
    fn default() -> Self {
        BankShape { node_count: 3, accounts: 2 }
    }
}

/// Whether a word names an account: a participant's number, then one letter (`2a`).
fn is_account(word: &str) -> bool {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && word.len() == digits + 1 && word.as_bytes()[digits].is_ascii_lowercase()
}

impl App for Bank {
    type Op = Transfer;
    type Output = TransferOutput;
    type Shape = BankShape;
    const COMMAND_EXAMPLE: &'static str = "transfer 2a 3a 10";
    const COMMAND_HELP: &'static str = "transfer FROM TO AMOUNT (TO+TO2 pays several)";

    fn parse_op(text: &str) -> Result<Transfer, String> {
        let usage = || format!("unknown command {text:?}: use {}", Self::COMMAND_HELP);
        let ["transfer", from, to, amount] = text.split_whitespace().collect::<Vec<_>>()[..] else {
            return Err(usage());
        };
        let to: Vec<String> = to.split('+').map(str::to_string).collect();
        let amount: i64 = amount.parse().ok().filter(|a| (1..=AMOUNT_MAX).contains(a)).ok_or_else(usage)?;
        if !is_account(from) || !to.iter().all(|a| is_account(a)) || to.len() > RECIPIENTS_MAX {
            return Err(usage());
        }
        Ok(Transfer { from: from.to_string(), to, amount })
    }

    fn print_op(op: &Transfer) -> String {
        format!("transfer {} {} {}", op.from, op.to.join("+"), op.amount)
    }

    /// Two-phase commit answers `committed T5`, `aborted T5: why` or `rejected: why`.
    fn parse_output(_op: &Transfer, text: &str) -> Result<TransferOutput, String> {
        if text.starts_with("committed") {
            Ok(TransferOutput::Committed)
        } else if text.starts_with("aborted") || text.starts_with("rejected") {
            Ok(TransferOutput::Aborted)
        } else {
            Err(format!("a transfer cannot return {text:?}"))
        }
    }

    fn print_output(output: &TransferOutput) -> String {
        match output {
            TransferOutput::Committed => "committed".into(),
            TransferOutput::Aborted => "aborted".into(),
        }
    }

    fn is_read(_op: &Transfer) -> bool {
        false
    }

    fn apply(&mut self, op: &Transfer) -> TransferOutput {
        let total = op.amount * op.to.len() as i64;
        let distinct = !op.to.contains(&op.from) && (1..op.to.len()).all(|i| !op.to[..i].contains(&op.to[i]));
        if !distinct || self.balance(&op.from) < total {
            return TransferOutput::Aborted;
        }
        let from = self.balance(&op.from) - total;
        self.balances.insert(op.from.clone(), from);
        for to in &op.to {
            let balance = self.balance(to) + op.amount;
            self.balances.insert(to.clone(), balance);
        }
        TransferOutput::Committed
    }

    /// A transfer may abort whatever the balances say (the protocol may refuse it), never
    /// commit without the funds.
    fn step(&self, op: &Transfer, output: &TransferOutput) -> Option<Bank> {
        let mut next = self.clone();
        match (next.apply(op), output) {
            (_, TransferOutput::Aborted) => Some(self.clone()),
            (TransferOutput::Committed, TransferOutput::Committed) => Some(next),
            (TransferOutput::Aborted, TransferOutput::Committed) => None,
        }
    }

    fn workload_op(shape: &BankShape, rng: &mut ChaCha8Rng, _client: u32, _seq: u64) -> Option<Text> {
        random_transfer(shape.node_count, shape.accounts, rng).map(Text::from)
    }
}

/// The most accounts a participant owns.
pub const ACCOUNTS_MAX: usize = 8;
/// The most recipients of one transfer.
const RECIPIENTS_MAX: usize = 8;
/// The largest amount of one transfer.
const AMOUNT_MAX: i64 = 1_000_000;

/// One account's change in a transaction.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Leg {
    pub account: String,
    pub delta: i64,
}

pub fn legs_text(legs: &[Leg]) -> String {
    legs.iter().map(|l| format!("{}{:+}", l.account, l.delta)).collect::<Vec<_>>().join(" ")
}

/// The name of a participant's `i`-th account.
pub fn account_name(node: NodeId, i: usize) -> String {
    format!("{}{}", node.0, (b'a' + i as u8) as char)
}

/// The node that owns an account, if the name is one of the bank's.
pub fn owner(account: &str, node_count: usize, accounts: usize) -> Option<NodeId> {
    let split = account.find(|c: char| !c.is_ascii_digit())?;
    let (digits, letter) = account.split_at(split);
    let node: u32 = digits.parse().ok()?;
    let mut chars = letter.chars();
    let l = chars.next()?;
    if chars.next().is_some() || !l.is_ascii_lowercase() || (l as usize - 'a' as usize) >= accounts {
        return None;
    }
    (node >= 2 && node as usize <= node_count).then_some(NodeId(node))
}

/// Parses a client command into the legs of each participant, in node order.
pub fn parse(op: &str, node_count: usize, accounts: usize) -> Result<Vec<(NodeId, Vec<Leg>)>, String> {
    let words: Vec<&str> = op.split_whitespace().collect();
    let usage = "use: transfer FROM TO AMOUNT (or TO+TO2 to pay several accounts), e.g. transfer 2a 3b 10";
    let [verb, from, to, amount] = words.as_slice() else {
        return Err(usage.into());
    };
    if *verb != "transfer" {
        return Err(usage.into());
    }
    let amount: i64 = amount
        .parse()
        .ok()
        .filter(|a| (1..=AMOUNT_MAX).contains(a))
        .ok_or_else(|| format!("the amount is a whole number from 1 to {AMOUNT_MAX}, not {amount:?}"))?;
    let check = |account: &str| {
        owner(account, node_count, accounts).ok_or_else(|| {
            format!(
                "no account {account:?}: accounts are 2a..{}",
                account_name(NodeId(node_count.max(2) as u32), accounts.saturating_sub(1))
            )
        })
    };
    check(from)?;
    let recipients: Vec<&str> = to.split('+').collect();
    if recipients.len() > RECIPIENTS_MAX {
        return Err(format!("at most {RECIPIENTS_MAX} recipients"));
    }
    let mut legs: Vec<Leg> = vec![Leg { account: from.to_string(), delta: -amount * recipients.len() as i64 }];
    for r in recipients {
        check(r)?;
        if legs.iter().any(|l| l.account == r) {
            return Err(format!("account {r} appears twice"));
        }
        legs.push(Leg { account: r.to_string(), delta: amount });
    }
    let mut by_node: Vec<(NodeId, Vec<Leg>)> = Vec::new();
    for leg in legs {
        let node = owner(&leg.account, node_count, accounts).expect("checked above");
        match by_node.iter_mut().find(|(n, _)| *n == node) {
            Some((_, l)) => l.push(leg),
            None => by_node.push((node, vec![leg])),
        }
    }
    crate::core::sort_short(&mut by_node, |(node, _)| *node); // one entry per node
    Ok(by_node)
}

/// A random transfer for the simulated clients: between accounts of different participants
/// where there are several, and to two recipients (three participants) one time in three.
pub fn random_transfer(node_count: usize, accounts: usize, rng: &mut ChaCha8Rng) -> Option<String> {
    let participants = node_count.checked_sub(1).filter(|&p| p >= 1)?;
    let pick = |rng: &mut ChaCha8Rng, except: &[u32]| -> Option<String> {
        let candidates: Vec<u32> =
            (2..=node_count as u32).filter(|n| participants == 1 || !except.contains(n)).collect();
        if candidates.is_empty() {
            return None;
        }
        // u64 ranges, not usize: a usize range draws a 32-bit word in wasm and a 64-bit one natively.
        let node = candidates[rng.gen_range(0..candidates.len() as u64) as usize];
        Some(account_name(NodeId(node), rng.gen_range(0..accounts as u64) as usize))
    };
    let node_of = |a: &str| owner(a, node_count, accounts).map(|n| n.0).unwrap_or(0);
    let from = pick(rng, &[])?;
    let mut to = pick(rng, &[node_of(&from)])?;
    if to == from {
        // A single participant: another of its accounts, if it has one.
        let letter = from.as_bytes()[from.len() - 1] - b'a';
        to = account_name(NodeId(node_of(&from)), (letter as usize + 1) % accounts);
        if to == from {
            return None;
        }
    }
    if participants >= 3 && rng.gen_range(0..3u32) == 0 {
        if let Some(second) = pick(rng, &[node_of(&from), node_of(&to)]) {
            to = format!("{to}+{second}");
        }
    }
    let amount = rng.gen_range(1..=20u32);
    Some(format!("transfer {from} {to} {amount}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn transfers_commit_with_the_funds_and_abort_without() {
        let mut bank = Bank::default();
        let op = |text: &str| Bank::parse_op(text).unwrap();
        assert_eq!(bank.apply(&op("transfer 2a 3a+4a 30")), TransferOutput::Committed);
        assert_eq!((bank.balance("2a"), bank.balance("3a"), bank.balance("4a")), (40, 130, 130));
        assert_eq!(bank.apply(&op("transfer 2a 3a 41")), TransferOutput::Aborted);
        assert_eq!(bank.balance("2a"), 40);
        // An abort is always allowed; a commit only with the funds.
        assert_eq!(bank.step(&op("transfer 2a 3a 41"), &TransferOutput::Aborted), Some(bank.clone()));
        assert_eq!(bank.step(&op("transfer 2a 3a 41"), &TransferOutput::Committed), None);
        assert!(bank.step(&op("transfer 2a 3a 40"), &TransferOutput::Committed).is_some());
        assert_eq!(Bank::print_op(&op("transfer 2a 3a+4b 5")), "transfer 2a 3a+4b 5");
        for bad in ["transfer 2a 3a", "transfer 2a 3a 0", "transfer x 3a 5", "send 2a 3a 5", "transfer 2aa 3a 5"] {
            assert!(Bank::parse_op(bad).is_err(), "{bad}");
        }
        assert_eq!(Bank::parse_output(&op("transfer 2a 3a 1"), "aborted T3: busy"), Ok(TransferOutput::Aborted));
    }

    #[test]
    fn parses_transfers_by_participant() {
        let p = parse("transfer 2a 3b 10", 4, 2).unwrap();
        assert_eq!(
            p,
            vec![
                (NodeId(2), vec![Leg { account: "2a".into(), delta: -10 }]),
                (NodeId(3), vec![Leg { account: "3b".into(), delta: 10 }])
            ]
        );
        let p = parse("transfer 2a 3b+4a 5", 4, 2).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].1[0].delta, -10);
        let same = parse("transfer 2a 2b 5", 4, 2).unwrap();
        assert_eq!(same.len(), 1);
        assert_eq!(same[0].1.len(), 2);
    }

    #[test]
    fn rejects_bad_transfers() {
        for bad in [
            "",
            "transfer",
            "transfer 2a 3b",
            "transfer 2a 3b x",
            "transfer 2a 3b 0",
            "transfer 1a 3b 5",
            "transfer 2c 3a 5",
            "transfer 2a 9a 5",
            "transfer 2a 2a 5",
            "transfer 2a 3a+3a 5",
            "send 2a 3a 5",
            "transfer 2A 3a 5",
            "transfer 2aa 3a 5",
        ] {
            assert!(parse(bad, 4, 2).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn random_transfers_parse() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut three = 0;
        for _ in 0..300 {
            let op = random_transfer(5, 2, &mut rng).unwrap();
            let p = parse(&op, 5, 2).unwrap_or_else(|e| panic!("{op}: {e}"));
            assert!(p.len() >= 2, "{op}");
            three += usize::from(p.len() == 3);
        }
        assert!(three > 50, "{three}");
        assert!(random_transfer(1, 2, &mut rng).is_none());
        let op = random_transfer(2, 2, &mut rng).unwrap();
        assert!(parse(&op, 2, 2).is_ok());
    }
}
