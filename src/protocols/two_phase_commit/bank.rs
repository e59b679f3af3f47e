//! The bank the transactions run against: every participant owns a shard of accounts (`2a`, `2b`
//! on node 2, `3a`, `3b` on node 3, ...), and a transaction is a transfer between accounts,
//! usually on different participants, so the total of all balances is conserved.
//!
//! Client commands: `transfer FROM TO AMOUNT` moves AMOUNT from account FROM to account TO;
//! `transfer FROM TO+TO2 AMOUNT` pays AMOUNT to each of several accounts (a transaction with
//! three participants).

use crate::core::NodeId;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

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
        let node = candidates[rng.gen_range(0..candidates.len())];
        Some(account_name(NodeId(node), rng.gen_range(0..accounts)))
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
