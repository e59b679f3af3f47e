//! What the page shows of two-phase commit: a node's state, the transaction timeline in the log
//! grid, and the whole bank's balance.

use super::*;
use crate::core::GridStyle;

fn list<T>(items: impl Iterator<Item = T>, none: &str) -> String
where
    T: std::fmt::Display,
{
    let v: Vec<String> = items.map(|i| i.to_string()).collect();
    if v.is_empty() {
        none.to_string()
    } else {
        v.join(", ")
    }
}

pub(super) fn summary(volatile: Option<&TwoPhaseCommit>, disk: &TpcDurable) -> NodeSummary {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: String| fields.push((k.to_string(), v));
    let coordinator = volatile.map(|n| n.is_coordinator()).unwrap_or(disk.balances.is_empty());
    if coordinator {
        match volatile {
            Some(n) => {
                let flying = n.txns.iter().map(|(txn, t)| match &t.phase {
                    CoordPhase::Collecting => format!(
                        "T{txn} votes {}/{}{}",
                        t.votes.values().filter(|v| **v).count(),
                        t.legs.len(),
                        if t.op.is_empty() { String::new() } else { format!(" ({})", t.op) }
                    ),
                    CoordPhase::Committed(unacked) => {
                        format!("T{txn} committed, awaiting ack from {}", list(unacked.iter().map(|n| n.0), "-"))
                    }
                });
                put("in flight", list(flying, "none"));
            }
            None => put("in flight", "unknown (crashed)".into()),
        }
        put("commit log", list(disk.log.keys().map(|t| format!("T{t}")), "empty"));
        put("committed", disk.committed.len().to_string());
        put("next txn", format!("T{}", disk.next_txn.max(1)));
    } else {
        put("balances", list(disk.balances.iter().map(|(a, b)| format!("{a}={b}")), "none"));
        put("shard total", disk.balances.values().sum::<i64>().to_string());
        let mut locks: Vec<String> = disk.locked().map(|(a, t)| format!("{a} by T{t} (prepared)")).collect();
        if let Some(n) = volatile {
            for (t, w) in &n.working {
                locks.extend(w.legs.iter().map(|l| format!("{} by T{t} (working)", l.account)));
            }
        }
        put("locks", list(locks.iter(), "none"));
        put("in doubt", list(disk.prepared.keys().map(|t| format!("T{t}")), "none"));
        if let Some(n) = volatile {
            put("working", list(n.working.keys().map(|t| format!("T{t}")), "none"));
            if n.scripted_no > 0 {
                put("scripted no votes", n.scripted_no.to_string());
            }
        }
    }
    if let Some(n) = volatile {
        let recent = n.recent.iter().rev().take(6).map(|(t, s)| format!("T{t} {}", s.as_str()));
        put("recent", list(recent, "none"));
    }
    let role = if coordinator { "coordinator" } else { "participant" };
    let badges = if !coordinator && !disk.prepared.is_empty() { vec!["?".to_string()] } else { Vec::new() };
    let caption = if coordinator {
        volatile.map(|n| format!("{} txn", n.txns.len()))
    } else {
        Some(format!("Σ{}", disk.balances.values().sum::<i64>()))
    };
    NodeSummary { role: role.into(), term: 0, fields, badges, caption }
}

/// The transaction timeline: one entry per transaction, its state at this node.
pub(super) fn log_view(volatile: Option<&TwoPhaseCommit>, disk: &TpcDurable, tail: usize) -> Option<LogView> {
    let mut txns: LiteMap<u64, TxnState> = LiteMap::new();
    if let Some(n) = volatile {
        for &(t, s) in &n.recent {
            txns.insert(t, n.state_of(disk, t).unwrap_or(s));
        }
    }
    for &t in disk.prepared.keys() {
        txns.insert(t, TxnState::Prepared);
    }
    for &t in disk.log.keys() {
        txns.insert(t, TxnState::Committed);
    }
    let skip = txns.len().saturating_sub(tail);
    let entries = txns
        .into_iter()
        .skip(skip)
        .map(|(t, s)| {
            let (mark, class) = s.cell();
            LogEntryView { index: t, term: 0, text: s.as_str().to_string(), mark: Some(mark), class }
        })
        .collect();
    Some(LogView { entries, commit: volatile.map(|_| 0), style: GRID, ..LogView::default() })
}

/// How the page's grid shows the transaction timeline.
const GRID: GridStyle = GridStyle {
    column: "txn",
    offset: 0,
    side: "",
    hint: "The transaction timeline: one column per transaction, its state at each node — V collecting votes (coordinator), W working, P prepared (voted yes; in doubt, holding locks), C committed, A aborted.",
    chosen: "",
    title: |e| {
        let note = if e.text == TxnState::Prepared.as_str() {
            " — voted yes, in doubt until it learns the outcome (holding its locks)"
        } else {
            ""
        };
        format!("T{}: {}{note}", e.index, e.text)
    },
};

pub(super) fn cluster_facts(config: &TpcConfig, disks: &[&TpcDurable]) -> Vec<(String, String)> {
    let total: i64 = disks.iter().map(|d| d.balances.values().sum::<i64>()).sum();
    let in_doubt: usize = disks.iter().map(|d| d.prepared.len()).sum();
    let locks: usize = disks.iter().map(|d| d.locked().count()).sum();
    // A transfer the coordinator committed reaches its participants one at a time: until the
    // last one applies its leg the balances alone are off by the legs still prepared. The
    // conserved sum counts those legs (disks are in node order; node 1 coordinates).
    let decided = |t: &u64| disks.first().is_some_and(|c| c.committed.contains(*t));
    let mut unapplied: Vec<u64> = Vec::new();
    let mut pending = 0i64;
    for d in disks {
        for (t, p) in d.prepared.iter().filter(|(t, _)| decided(t)) {
            pending += p.legs.iter().map(|l| l.delta).sum::<i64>();
            if let Err(at) = unapplied.binary_search(t) {
                unapplied.insert(at, *t);
            }
        }
    }
    let total_text = if unapplied.is_empty() {
        format!("{total} (starts at {})", config.total())
    } else {
        let more = if unapplied.len() > 3 { ", …" } else { "" };
        format!(
            "{total} (starts at {}; {} counting the unapplied legs of committed {}{more})",
            config.total(),
            total + pending,
            list(unapplied.iter().take(3).map(|t| format!("T{t}")), "")
        )
    };
    vec![
        ("total".into(), total_text),
        ("prepared / in doubt".into(), in_doubt.to_string()),
        ("locks held by prepared transactions".into(), locks.to_string()),
    ]
}
