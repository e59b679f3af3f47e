//! The parser: one statement per line. See the README's "Scenario language" section.

use super::lexer::{lex_line, Tok, Token};
use super::{ExpectKind, Expectation, Scenario, TimedAction};
use crate::core::time::{parse_duration, parse_percent_ppm};
use crate::core::{NodeId, TimeUs};
use crate::sim::{Action, FaultPreset, LinkChange};

/// Limits on scenario text.
pub const SCENARIO_BYTES_MAX: usize = 256 * 1024;
pub const SCENARIO_LINES_MAX: usize = 10_000;

/// A parse error: where, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for ParseError {}

struct Line {
    tokens: Vec<Token>,
    pos: usize,
    /// Column just past the end of the line, for "expected more" errors.
    end_col: usize,
}

type Res<T> = Result<T, (usize, String)>;

impl Line {
    fn col(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end_col, |t| t.col)
    }
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }
    fn at_end(&self) -> bool {
        self.pos >= self.tokens.len()
    }
    fn fail<T>(&self, what: &str) -> Res<T> {
        let found = self.peek().map_or("the end of the line".to_string(), Tok::show);
        Err((self.col(), format!("expected {what}, found {found}")))
    }
    fn word(&mut self, what: &str) -> Res<String> {
        match self.peek() {
            Some(Tok::Word(w)) => {
                let w = w.clone();
                self.pos += 1;
                Ok(w)
            }
            _ => self.fail(what),
        }
    }
    fn keyword(&mut self, kw: &str) -> bool {
        if self.peek() == Some(&Tok::Word(kw.to_string())) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect_keyword(&mut self, kw: &str) -> Res<()> {
        if self.keyword(kw) {
            Ok(())
        } else {
            self.fail(&format!("{kw:?}"))
        }
    }
    fn tok(&mut self, tok: Tok) -> bool {
        if self.peek() == Some(&tok) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn end(&self) -> Res<()> {
        if self.at_end() {
            Ok(())
        } else {
            self.fail("the end of the line")
        }
    }
    /// Parses a word with a converter, reporting errors at the word's column.
    fn parse_word<T>(&mut self, what: &str, f: impl FnOnce(&str) -> Result<T, String>) -> Res<T> {
        let col = self.col();
        let w = self.word(what)?;
        f(&w).map_err(|e| (col, e))
    }
    fn duration(&mut self) -> Res<TimeUs> {
        self.parse_word("a duration (e.g. 100ms)", parse_duration)
    }
    fn percent(&mut self) -> Res<u32> {
        self.parse_word("a percentage (e.g. 10%)", parse_percent_ppm)
    }
    fn number<T: std::str::FromStr>(&mut self, what: &str) -> Res<T> {
        self.parse_word(what, |w| w.parse::<T>().map_err(|_| format!("expected {what}, found {w:?}")))
    }
    fn node(&mut self) -> Res<NodeId> {
        let col = self.col();
        let id: u32 = self.number("a node id")?;
        if id == 0 {
            return Err((col, "node ids start at 1".into()));
        }
        Ok(NodeId(id))
    }
    fn node_or_star(&mut self) -> Res<Option<NodeId>> {
        if self.tok(Tok::Star) {
            Ok(None)
        } else {
            self.node().map(Some)
        }
    }
    /// `{1,2,3}`
    fn set(&mut self) -> Res<Vec<NodeId>> {
        if !self.tok(Tok::LBrace) {
            return self.fail("a set of nodes like {1,2}");
        }
        let mut nodes = Vec::new();
        if self.tok(Tok::RBrace) {
            return Ok(nodes);
        }
        loop {
            let col = self.col();
            let node = self.node()?;
            if nodes.contains(&node) {
                return Err((col, format!("node {} is named twice", node.0)));
            }
            nodes.push(node);
            if self.tok(Tok::RBrace) {
                return Ok(nodes);
            }
            if !self.tok(Tok::Comma) {
                return self.fail("\",\" or \"}\"");
            }
        }
    }
    fn latency_range(&mut self) -> Res<(TimeUs, TimeUs)> {
        let col = self.col();
        let lo = self.duration()?;
        if !self.tok(Tok::Range) {
            return self.fail("\"..\" in a latency range like 1ms..5ms");
        }
        let hi = self.duration()?;
        if lo > hi {
            return Err((col, "the range's minimum is above its maximum".into()));
        }
        Ok((lo, hi))
    }
    fn string(&mut self, what: &str) -> Res<String> {
        match self.peek() {
            Some(Tok::Str(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => self.fail(what),
        }
    }
    /// `drop 10%`, `duplicate 5%`, `latency 1ms..5ms`, in any order, at least one.
    fn link_change(&mut self) -> Res<LinkChange> {
        let mut change = LinkChange::default();
        loop {
            if self.keyword("drop") {
                change.drop_ppm = Some(self.percent()?);
            } else if self.keyword("duplicate") {
                change.duplicate_ppm = Some(self.percent()?);
            } else if self.keyword("latency") {
                change.latency_us = Some(self.latency_range()?);
            } else if change == LinkChange::default() {
                return self.fail("drop, duplicate or latency");
            } else {
                return Ok(change);
            }
        }
    }
}

/// Parses one line of the scenario language that stands for actions (`crash 3`, `partition {1,2}
/// {3}`; `cut 1<->2` is two), as the JS API's `inject` and share links take them. Errors name the
/// column.
pub fn parse_actions(text: &str) -> Result<Vec<Action>, String> {
    if text.len() > 1_000 || text.contains('\n') {
        return Err("an action is one line of at most 1000 characters".into());
    }
    const PREFIX: &str = "at 0ms ";
    let script = parse(&format!("{PREFIX}{text}"))
        .map_err(|e| format!("column {}: {}", e.col.saturating_sub(PREFIX.len()).max(1), e.message))?;
    if script.actions.is_empty() || !script.expectations.is_empty() {
        return Err("expected an action such as crash 3, restart 3 or partition {1,2} {3,4,5}".into());
    }
    Ok(script.actions.into_iter().map(|t| t.action).collect())
}

/// Parses scenario text. Nothing panics on any input; errors name the line and column.
pub fn parse(text: &str) -> Result<Scenario, ParseError> {
    if text.len() > SCENARIO_BYTES_MAX {
        return Err(ParseError {
            line: 1,
            col: 1,
            message: format!("a scenario is at most {SCENARIO_BYTES_MAX} bytes"),
        });
    }
    let mut scenario = Scenario::default();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        if line_no > SCENARIO_LINES_MAX {
            return Err(ParseError {
                line: line_no,
                col: 1,
                message: format!("a scenario is at most {SCENARIO_LINES_MAX} lines"),
            });
        }
        let error = |(col, message): (usize, String)| ParseError { line: line_no, col, message };
        let tokens = lex_line(raw).map_err(error)?;
        if tokens.is_empty() {
            continue;
        }
        let mut line = Line { tokens, pos: 0, end_col: raw.chars().count() + 1 };
        statement(&mut line, line_no, &mut scenario).map_err(error)?;
    }
    Ok(scenario)
}

fn statement(line: &mut Line, line_no: usize, s: &mut Scenario) -> Res<()> {
    let col = line.col();
    let keyword = line.word("a statement (at, expect, nodes, seed, ...)")?;
    match keyword.as_str() {
        "protocol" => s.protocol = Some(line.word("a protocol name")?),
        "nodes" => {
            let col = line.col();
            let n: usize = line.number("a node count")?;
            if n == 0 || n > crate::sim::NODES_MAX {
                return Err((col, format!("nodes must be between 1 and {}", crate::sim::NODES_MAX)));
            }
            s.nodes = Some(n);
        }
        "seed" => s.seed = Some(line.number("a seed (a whole number)")?),
        "bug" => {
            let bug = line.word("a planted bug's name, or none")?;
            s.bug = Some(if bug == "none" { None } else { Some(bug) });
        }
        "faults" => s.faults = Some(line.parse_word("none or chaos", FaultPreset::parse)?),
        "duration" => s.duration_us = Some(line.duration()?),
        "option" => {
            let key = line.word("an option name")?;
            if !line.tok(Tok::Equals) {
                return line.fail("\"=\" (option key=value)");
            }
            // The value is the rest of the line: `election=150ms..300ms` lexes as three tokens.
            let mut value = String::new();
            while let Some(tok) = line.peek().cloned() {
                match tok {
                    Tok::Word(w) | Tok::Str(w) => value.push_str(&w),
                    Tok::Range => value.push_str(".."),
                    _ => return line.fail("an option value"),
                }
                line.pos += 1;
            }
            if value.is_empty() {
                return line.fail("an option value");
            }
            s.options.push((key, value));
        }
        "latency" | "drop" | "duplicate" => {
            line.pos -= 1;
            let change = line.link_change()?;
            s.link_changes.push(change);
        }
        "clients" => {
            let (clients, interval_us) = clients(line)?;
            s.clients = Some((clients, interval_us));
        }
        "at" => {
            let at_us = line.duration()?;
            if line.keyword("expect") {
                let kind = expectation(line)?;
                s.expectations.push(Expectation { line: line_no, at_us: Some(at_us), kind });
            } else {
                for action in action(line)? {
                    s.actions.push(TimedAction { line: line_no, at_us, action });
                }
            }
        }
        "expect" => {
            let kind = expectation(line)?;
            if matches!(kind, ExpectKind::Leader { .. } | ExpectKind::NoLeader { .. }) {
                return Err((col, "a timed expectation needs a time: at 1s expect ...".into()));
            }
            s.expectations.push(Expectation { line: line_no, at_us: None, kind });
        }
        other => {
            return Err((
                col,
                format!("unknown statement {other:?}: use at, expect, protocol, nodes, seed, bug, faults, duration, option, latency, drop, duplicate or clients"),
            ))
        }
    }
    line.end()
}

fn clients(line: &mut Line) -> Res<(u32, TimeUs)> {
    let col = line.col();
    let clients: u32 = line.number("a client count")?;
    if clients > crate::sim::config::CLIENTS_MAX {
        return Err((col, format!("at most {} clients", crate::sim::config::CLIENTS_MAX)));
    }
    let mut interval_us = crate::sim::Workload::default().interval_us;
    if line.keyword("every") {
        let col = line.col();
        interval_us = line.duration()?;
        if interval_us == 0 {
            return Err((col, "the interval must be positive".into()));
        }
    }
    Ok((clients, interval_us))
}

/// One action; `cut a<->b` gives two.
fn action(line: &mut Line) -> Res<Vec<Action>> {
    let col = line.col();
    let verb = line.word("an action (crash, restart, pause, partition, cut, heal, ...)")?;
    let one = |a: Action| Ok(vec![a]);
    match verb.as_str() {
        "crash" => one(Action::Crash { node: line.node()? }),
        "restart" => one(Action::Restart { node: line.node()? }),
        "pause" => {
            let node = line.node()?;
            line.expect_keyword("for")?;
            let col = line.col();
            let for_us = line.duration()?;
            if for_us == 0 {
                return Err((col, "a pause must last longer than 0".into()));
            }
            one(Action::Pause { node, for_us })
        }
        "resume" => one(Action::Resume { node: line.node()? }),
        "isolate" => one(Action::Partition { groups: vec![vec![line.node()?]] }),
        "partition" => {
            let mut groups = vec![line.set()?];
            while line.peek() == Some(&Tok::LBrace) {
                groups.push(line.set()?);
            }
            one(Action::Partition { groups })
        }
        "cut" | "uncut" => {
            let a = line.node()?;
            let both = if line.tok(Tok::Arrow) {
                false
            } else if line.tok(Tok::BothWays) {
                true
            } else {
                return line.fail("\"->\" or \"<->\"");
            };
            let b = line.node()?;
            let make = |from, to| if verb == "cut" { Action::Cut { from, to } } else { Action::Uncut { from, to } };
            let mut actions = vec![make(a, b)];
            if both {
                actions.push(make(b, a));
            }
            Ok(actions)
        }
        "heal" => one(Action::Heal),
        "heal-all" => one(Action::HealAll),
        "drift" => {
            let node = line.node()?;
            one(Action::Drift { node, rate_pct: line.percent_any()? })
        }
        "link" => {
            let from = line.node_or_star()?;
            if !line.tok(Tok::Arrow) {
                return line.fail("\"->\"");
            }
            let to = line.node_or_star()?;
            let change = line.link_change()?;
            one(Action::Link { from, to, change })
        }
        "latency" | "drop" | "duplicate" => {
            line.pos -= 1;
            let change = line.link_change()?;
            one(Action::Link { from: None, to: None, change })
        }
        "request" => {
            let node = line.node()?;
            let op = line.string("a quoted command, e.g. \"set x 1\"")?;
            if op.is_empty() || op.len() > 200 {
                return Err((col, "a command is 1 to 200 characters".into()));
            }
            one(Action::Request { node, op })
        }
        "clients" => {
            let (clients, interval_us) = clients(line)?;
            one(Action::Workload { clients, interval_us })
        }
        "admin" => {
            let node = if line.keyword("leader") { None } else { Some(line.node()?) };
            let command = line.string("a quoted operator command, e.g. \"transfer 3\"")?;
            if command.is_empty() || command.len() > 200 {
                return Err((col, "an operator command is 1 to 200 characters".into()));
            }
            one(Action::Admin { node, command })
        }
        "timeout" => one(Action::Admin { node: Some(line.node()?), command: "timeout".into() }),
        "transfer-leadership" => {
            let to = line.node()?;
            one(Action::Admin { node: None, command: format!("transfer {}", to.0) })
        }
        "add-server" => one(Action::Admin { node: None, command: format!("add {}", line.node()?.0) }),
        "remove-server" => one(Action::Admin { node: None, command: format!("remove {}", line.node()?.0) }),
        // Actions on one message in flight (the page's buttons; share links carry them).
        "drop-message" => one(Action::DropMessage { id: line.number("a message id")? }),
        "duplicate-message" => one(Action::DuplicateMessage { id: line.number("a message id")? }),
        "delay-message" => {
            let id = line.number("a message id")?;
            one(Action::DelayMessage { id, by_us: line.duration()? })
        }
        "say" => {
            let text = line.string("a quoted caption")?;
            // `say "…" wait`: the page pauses at the caption until the reader continues.
            let wait = crate::sim::Wait(line.keyword("wait"));
            one(Action::Say { text, wait })
        }
        other => Err((
            col,
            format!("unknown action {other:?}: use crash, restart, pause, resume, isolate, partition, cut, uncut, heal, heal-all, drift, link, latency, drop, duplicate, request, clients, say, admin, timeout, transfer-leadership, add-server, remove-server, drop-message, duplicate-message, delay-message or expect"),
        )),
    }
}

impl Line {
    /// A clock rate like `150%` as a whole percentage.
    fn percent_any(&mut self) -> Res<u32> {
        self.parse_word("a clock rate (e.g. 150%)", |w| {
            let n = w.strip_suffix('%').ok_or_else(|| format!("expected a clock rate like 150%, found {w:?}"))?;
            let v: u32 = n.parse().map_err(|_| format!("expected a whole percentage like 150%, found {w:?}"))?;
            if (10..=1000).contains(&v) {
                Ok(v)
            } else {
                Err(format!("a clock rate is between 10% and 1000%, not {v}%"))
            }
        })
    }
}

fn expectation(line: &mut Line) -> Res<ExpectKind> {
    if line.keyword("leader") {
        let among = if line.keyword("in") { Some(line.set()?) } else { None };
        line.expect_keyword("within")?;
        let within_us = line.duration()?;
        return Ok(ExpectKind::Leader { among, within_us });
    }
    if line.keyword("no") {
        if line.keyword("violations") {
            return Ok(ExpectKind::NoViolations);
        }
        line.expect_keyword("leader")?;
        let among = if line.keyword("in") { Some(line.set()?) } else { None };
        line.expect_keyword("for")?;
        let for_us = line.duration()?;
        return Ok(ExpectKind::NoLeader { among, for_us });
    }
    if line.keyword("holds") {
        return Ok(ExpectKind::Holds(line.word("a property name")?));
    }
    if line.keyword("violated") {
        return Ok(ExpectKind::Violated(line.word("a property name")?));
    }
    line.fail("leader, no leader, no violations, holds or violated")
}
