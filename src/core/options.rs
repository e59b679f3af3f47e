//! One reader for a protocol's options and planted bug, so that every protocol checks its settings
//! and explains a bad one alike (`--option`, the scenario language's `option`, the page's form).

use super::decimal::parse_scaled;
use super::time::{format_duration, parse_duration, parse_duration_range};
use super::{BugInfo, OptionInfo, TextMap, TimeUs};
use std::ops::RangeInclusive;

/// The planted bug named `bug`, as the protocol's list spells it, or why there is none such.
pub fn planted_bug(protocol: &str, bug: Option<&str>, bugs: &[BugInfo]) -> Result<Option<&'static str>, String> {
    match bug {
        None => Ok(None),
        Some(name) => match bugs.iter().find(|b| b.name == name) {
            Some(b) => Ok(Some(b.name)),
            None => Err(super::unknown_bug(protocol, name, bugs)),
        },
    }
}

/// A protocol's option values, every key known to the protocol. Each `set_*` reads one option
/// into its field when it was given and leaves the default there when it was not.
pub struct OptionReader<'a> {
    values: &'a TextMap,
}

impl<'a> OptionReader<'a> {
    /// Refuses a key the protocol does not have, naming those it has.
    pub fn new(protocol: &str, known: &[OptionInfo], values: &'a TextMap) -> Result<Self, String> {
        if let Some((key, _)) = values.iter().find(|(k, _)| !known.iter().any(|o| o.key == k.as_str())) {
            let keys: Vec<&str> = known.iter().map(|o| o.key).collect();
            return Err(format!("protocol {protocol} has no option {key:?} (it has: {})", keys.join(", ")));
        }
        Ok(OptionReader { values })
    }

    /// The text given for `key`.
    pub fn text(&self, key: &str) -> Option<&'a str> {
        self.values.get(key).map(|v| v.trim())
    }

    /// The option's value parsed by `parse` (which says what is wrong with a bad one), or `None`
    /// when it was not given; the message names the option.
    pub fn parse<T>(&self, key: &str, parse: &dyn Fn(&str) -> Result<T, String>) -> Result<Option<T>, String> {
        match self.text(key) {
            None => Ok(None),
            Some(v) => parse(v).map(Some).map_err(|e| named(key, e)),
        }
    }

    /// Reads an option with `parse` into `field`, when it was given.
    pub fn set<T>(&self, key: &str, field: &mut T, parse: &dyn Fn(&str) -> Result<T, String>) -> Result<(), String> {
        if let Some(v) = self.parse(key, parse)? {
            *field = v;
        }
        Ok(())
    }

    /// `on` or `off` (also `true` / `false`, `yes` / `no`).
    pub fn set_on_off(&self, key: &str, field: &mut bool) -> Result<(), String> {
        self.set(key, field, &parse_on_off)
    }

    /// A whole number within `range`.
    pub fn set_number(&self, key: &str, field: &mut u64, range: RangeInclusive<u64>) -> Result<(), String> {
        if let Some(v) = self.text(key) {
            *field = v.parse().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                named(key, format!("a whole number from {} to {}, not {v:?}", range.start(), range.end()))
            })?;
        }
        Ok(())
    }

    /// A duration within `range`.
    pub fn set_duration(&self, key: &str, field: &mut TimeUs, range: RangeInclusive<TimeUs>) -> Result<(), String> {
        if let Some(v) = self.text(key) {
            let d = parse_duration(v).map_err(|e| named(key, e))?;
            if !range.contains(&d) {
                let (lo, hi) = (format_duration(*range.start()), format_duration(*range.end()));
                return Err(named(key, format!("from {lo} to {hi}, not {v}")));
            }
            *field = d;
        }
        Ok(())
    }

    /// A range of durations `MIN..MAX` with `0 < MIN <= MAX <= max_us`.
    pub fn set_duration_range(&self, key: &str, field: &mut (TimeUs, TimeUs), max_us: TimeUs) -> Result<(), String> {
        if let Some(v) = self.text(key) {
            let bad = || {
                named(
                    key,
                    format!("a range like 150ms..300ms with 0 < min <= max <= {}, not {v:?}", format_duration(max_us)),
                )
            };
            let (lo, hi) = parse_duration_range(v).map_err(|e| named(key, e))?;
            if !v.contains("..") || lo == 0 || lo > hi || hi > max_us {
                return Err(bad());
            }
            *field = (lo, hi);
        }
        Ok(())
    }

    /// A percentage (`5`, `2.5%`), in parts per million.
    pub fn set_percent(&self, key: &str, field_ppm: &mut u32) -> Result<(), String> {
        if let Some(v) = self.text(key) {
            *field_ppm = parse_scaled(v.strip_suffix('%').unwrap_or(v), 4)
                .filter(|p| (0..=1_000_000).contains(p))
                .map(|p| p as u32)
                .ok_or_else(|| named(key, format!("a percentage from 0% to 100%, not {v:?}")))?;
        }
        Ok(())
    }
}

/// A message about an option, prefixed with its name.
fn named(key: &str, message: String) -> String {
    format!("option {key}: {message}")
}

fn parse_on_off(v: &str) -> Result<bool, String> {
    match v {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        _ => Err(format!("on or off, not {v:?}")),
    }
}
