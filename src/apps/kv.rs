//! The key-value store: string keys to string values, a missing key reading as empty.
//!
//! Commands (one per line, words split on whitespace): `get K`, `set K V` (or `put K V`),
//! `append K V` (the value grows by V), `cas K OLD NEW` (set to NEW if the value is OLD, else
//! `mismatch`), `delete K`. Writes return `ok`; a read returns the value.

use crate::core::decimal::{StackText, TextOut};
use crate::core::{App, Text, TextMap};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// One operation on the store.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KvOp {
    Get { key: String },
    Put { key: String, value: String },
    Append { key: String, value: String },
    Cas { key: String, from: String, to: String },
    Delete { key: String },
}

impl KvOp {
    /// The key the operation reads or writes (every operation touches one).
    pub fn key(&self) -> &str {
        match self {
            KvOp::Get { key }
            | KvOp::Put { key, .. }
            | KvOp::Append { key, .. }
            | KvOp::Cas { key, .. }
            | KvOp::Delete { key } => key,
        }
    }
}

/// What an operation returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KvOutput {
    /// A write took effect.
    Ok,
    /// A read's value (empty for a missing key).
    Value(String),
    /// A compare-and-set found another value and changed nothing.
    Mismatch,
}

/// The store's state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KvStore {
    pub kv: TextMap,
}

thread_local! {
    /// The result of a write: one shared string, not a new one for every command on every node.
    static OK: Text = Text::from("ok");
}

/// The first three words of an operation: the leader reads them to tell a read from a write, and
/// every replica to execute it, so both split alike. An ASCII operation (every generated one) is
/// split byte by byte, without decoding characters, on ASCII whitespace
/// (`u8::is_ascii_whitespace`, which unlike `char::is_whitespace` leaves out the vertical tab);
/// any other on Unicode whitespace.
pub fn op_words(op: &str) -> [Option<&str>; 3] {
    // Each splitter its own copy, not one behind a `dyn Iterator`.
    fn first_three<'a>(mut words: impl Iterator<Item = &'a str>) -> [Option<&'a str>; 3] {
        [words.next(), words.next(), words.next()]
    }
    if op.is_ascii() {
        first_three(op.split_ascii_whitespace())
    } else {
        first_three(op.split_whitespace())
    }
}

/// Every word of an operation, split as [`op_words`] splits.
fn all_words(op: &str) -> Vec<&str> {
    if op.is_ascii() {
        op.split_ascii_whitespace().collect()
    } else {
        op.split_whitespace().collect()
    }
}

fn unknown_command(text: &str) -> String {
    format!("unknown command {text:?}: use {}", KvStore::COMMAND_HELP)
}

/// Whether an operation's text is a read (`get K`): what a leader answers without a log entry.
pub fn read_key(op: &str) -> Option<&str> {
    match op_words(op) {
        [Some("get"), Some(key), None] => Some(key),
        _ => None,
    }
}

impl KvStore {
    pub fn read(&self, key: &str) -> Text {
        self.kv.get(key).map(|v| v.as_str().into()).unwrap_or_default()
    }

    fn write(&mut self, key: &str, value: &str) {
        // Overwriting a key reuses its string.
        match self.kv.get_mut(key) {
            Some(old) => {
                old.clear();
                old.push_str(value);
            }
            None => {
                self.kv.insert(key.to_string(), value.to_string());
            }
        }
    }
}

impl App for KvStore {
    type Op = KvOp;
    type Output = KvOutput;
    type Shape = ();
    const COMMAND_EXAMPLE: &'static str = "set x 1";
    const COMMAND_HELP: &'static str = "get K, set K V, append K V, cas K OLD NEW or delete K";

    fn parse_op(text: &str) -> Result<KvOp, String> {
        let owned = |s: &str| s.to_string();
        // `set` reads its first three words, as replicas always have (more are ignored).
        if let [Some("set" | "put"), Some(key), Some(value)] = op_words(text) {
            return Ok(KvOp::Put { key: owned(key), value: owned(value) });
        }
        match all_words(text).as_slice() {
            ["get", key] => Ok(KvOp::Get { key: owned(key) }),
            ["append", key, value] => Ok(KvOp::Append { key: owned(key), value: owned(value) }),
            ["cas", key, from, to] => Ok(KvOp::Cas { key: owned(key), from: owned(from), to: owned(to) }),
            ["delete", key] => Ok(KvOp::Delete { key: owned(key) }),
            _ => Err(unknown_command(text)),
        }
    }

    fn print_op(op: &KvOp) -> String {
        match op {
            KvOp::Get { key } => format!("get {key}"),
            KvOp::Put { key, value } => format!("set {key} {value}"),
            KvOp::Append { key, value } => format!("append {key} {value}"),
            KvOp::Cas { key, from, to } => format!("cas {key} {from} {to}"),
            KvOp::Delete { key } => format!("delete {key}"),
        }
    }

    fn parse_output(op: &KvOp, text: &str) -> Result<KvOutput, String> {
        match (op, text) {
            (KvOp::Get { .. }, value) => Ok(KvOutput::Value(value.to_string())),
            (KvOp::Cas { .. }, "mismatch") => Ok(KvOutput::Mismatch),
            (_, "ok") => Ok(KvOutput::Ok),
            (_, other) => Err(format!("{} cannot return {other:?}", Self::print_op(op))),
        }
    }

    fn print_output(output: &KvOutput) -> String {
        match output {
            KvOutput::Ok => "ok".into(),
            KvOutput::Value(value) => value.clone(),
            KvOutput::Mismatch => "mismatch".into(),
        }
    }

    fn is_read(op: &KvOp) -> bool {
        matches!(op, KvOp::Get { .. })
    }

    fn apply(&mut self, op: &KvOp) -> KvOutput {
        match op {
            KvOp::Get { key } => KvOutput::Value(self.read(key).to_string()),
            KvOp::Put { key, value } => {
                self.write(key, value);
                KvOutput::Ok
            }
            KvOp::Append { key, value } => {
                self.kv.entry(key.clone()).or_default().push_str(value);
                KvOutput::Ok
            }
            KvOp::Cas { key, from, to } => {
                if *self.read(key) == **from {
                    self.write(key, to);
                    KvOutput::Ok
                } else {
                    KvOutput::Mismatch
                }
            }
            KvOp::Delete { key } => {
                self.kv.remove(key);
                KvOutput::Ok
            }
        }
    }

    /// On the words of the text, without parsing it into an operation: a replica executes one
    /// per command (`set` and `get`, every command of the generated workload, read their first
    /// three words only).
    fn execute(&mut self, op: &str) -> Text {
        let ok = || OK.with(|t| t.clone());
        match op_words(op) {
            [Some("set" | "put"), Some(key), Some(value)] => {
                self.write(key, value);
                return ok();
            }
            [Some("get"), Some(key), None] => return self.read(key),
            _ => {}
        }
        match all_words(op).as_slice() {
            ["append", key, value] => {
                match self.kv.get_mut(*key) {
                    Some(old) => old.push_str(value),
                    None => self.write(key, value),
                }
                ok()
            }
            ["cas", key, from, to] => {
                if *self.read(key) != **from {
                    return "mismatch".into();
                }
                self.write(key, to);
                ok()
            }
            ["delete", key] => {
                self.kv.remove(*key);
                ok()
            }
            _ => unknown_command(op).into(),
        }
    }

    /// Five keys, one read for every three writes; written values are unique (`client.seq`), so
    /// a history can be checked for linearizability.
    fn workload_op(_: &(), rng: &mut ChaCha8Rng, client: u32, seq: u64) -> Option<Text> {
        let key = rng.gen_range(0..5u32);
        let read = rng.gen_range(0..4u32) == 0;
        // Written on the stack (`format!` cost more than the rest of starting a command):
        // "set k" + 10 digits + " " + 10 digits + "." + 20 digits, 47 bytes at most, fits.
        let mut op = StackText::default();
        op.push_str(if read { "get k" } else { "set k" });
        op.push_u64(key.into());
        if !read {
            op.push_str(" ");
            op.push_u64(client.into());
            op.push_str(".");
            op.push_u64(seq);
        }
        op.text()
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    #[test]
    fn each_command_does_what_it_says() {
        let mut s = KvStore::default();
        let mut run = |op: &str| s.execute(op).to_string();
        assert_eq!(run("get x"), "");
        assert_eq!(run("set x 1"), "ok");
        assert_eq!(run("append x 2"), "ok");
        assert_eq!(run("get x"), "12");
        assert_eq!(run("cas x 1 3"), "mismatch");
        assert_eq!(run("cas x 12 3"), "ok");
        assert_eq!(run("put y 9"), "ok");
        assert_eq!(run("delete x"), "ok");
        assert_eq!(run("get x"), "");
        assert_eq!(run("get y"), "9");
        assert!(run("frobnicate x").starts_with("unknown command"));
    }

    /// What a replica executes from text is what the specification says of the parsed operation.
    #[test]
    fn executing_text_agrees_with_the_specification() {
        let word = prop::sample::select(vec![
            "get", "set", "put", "append", "cas", "delete", "x", "y", "1", "2", "ok", "mismatch", "é",
        ]);
        let ops = proptest::collection::vec(proptest::collection::vec(word, 1..5).prop_map(|w| w.join(" ")), 1..20);
        TestRunner::new(Config { cases: 1_000, ..Config::default() })
            .run(&ops, |ops| {
                let (mut replica, mut model) = (KvStore::default(), KvStore::default());
                for op in &ops {
                    let text = replica.execute(op);
                    match KvStore::parse_op(op) {
                        Ok(parsed) => {
                            let output = KvStore::parse_output(&parsed, &text).expect("a result of the op");
                            prop_assert!(model.step(&parsed, &output).is_some(), "{op:?} gave {text:?}");
                            model.apply(&parsed);
                            prop_assert_eq!(KvStore::parse_op(&KvStore::print_op(&parsed)), Ok(parsed));
                        }
                        Err(e) => prop_assert_eq!(&*text, e.as_str()),
                    }
                    prop_assert_eq!(&replica, &model);
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn the_first_three_words_split_alike_for_ascii_and_unicode() {
        let piece = prop::sample::select(vec![
            "set", "get", "k1", "v", "é", " ", "  ", "\t", "\n", "\u{b}", "\u{c}", "\r", "\u{1c}", "\u{85}", "\u{a0}",
            "\u{3000}", "x\u{0}",
        ]);
        let ops = proptest::collection::vec(piece, 0..8).prop_map(|p| p.concat());
        TestRunner::new(Config { cases: 2_000, ..Config::default() })
            .run(&ops, |op| {
                let mut words: Box<dyn Iterator<Item = &str>> =
                    if op.is_ascii() { Box::new(op.split_ascii_whitespace()) } else { Box::new(op.split_whitespace()) };
                prop_assert_eq!(op_words(&op), [words.next(), words.next(), words.next()], "{:?}", op);
                if !op.contains('\u{b}') {
                    let mut words = op.split_whitespace();
                    prop_assert_eq!(op_words(&op), [words.next(), words.next(), words.next()], "{:?}", op);
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(op_words(" get  k "), [Some("get"), Some("k"), None]);
        assert_eq!(op_words("set\tk é"), [Some("set"), Some("k"), Some("é")]);
    }
}
