//! A run's settings as every face gives them — the page's URL and forms, share links, the JS API's
//! settings object and the `sim` command line — with one set of names, one parser, one set of
//! limits and one set of defaults, so that the same settings give the same run (and trace hash)
//! everywhere.
//!
//! The names are the URL parameters': `protocol`, `nodes`, `seed`, `bug`, `faults`, `latency`,
//! `drop`, `duplicate`, `clients`, `interval`, `duration`, `scenario` and `opt.KEY` for a
//! protocol option (the command line spells them `--latency 10ms..25ms`, `--option KEY=VALUE`).

use super::registry::{default_protocol, protocol_names};
use crate::core::time::{
    format_duration, format_ppm, parse_duration, parse_duration_range, parse_percent_ppm, DURATION_US_MAX,
};
use crate::core::{TimeUs, US_PER_MS, US_PER_S};
use crate::scenario::Scenario;
use crate::sim::{FaultPreset, Setup, NODES_MAX};

/// The most closed-loop clients a run's settings may ask for.
pub const CLIENTS_MAX: u32 = 50;
/// The slowest link a run's settings may ask for.
pub const LATENCY_US_MAX: TimeUs = 10 * US_PER_S;
/// The longest think time between a client's commands.
pub const INTERVAL_US_MAX: TimeUs = 60 * US_PER_S;
/// The most protocol options, and the longest option name and value.
pub const OPTIONS_MAX: usize = 32;
const OPTION_KEY_CHARS_MAX: usize = 32;
const OPTION_VALUE_CHARS_MAX: usize = 64;
/// The most settings one face may give at once.
pub const SETTINGS_MAX: usize = 64;

/// What defines a run besides the actions given during it.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub protocol: String,
    pub setup: Setup,
    /// A script in the scenario language whose actions and expectations the run carries.
    pub scenario: Option<String>,
}

impl Default for Settings {
    /// The defaults of every face. Links of 10–25 ms and a client thinking 300 ms between commands
    /// let a person see messages travel on the page; a minute's planned length puts the chaos
    /// preset's heal at 30 s. (`Setup::default()` is the simulator's bare default, which tests
    /// build on.)
    fn default() -> Self {
        let mut setup = Setup::default();
        setup.workload.interval_us = 300 * US_PER_MS;
        setup.link.latency_us_min = 10 * US_PER_MS;
        setup.link.latency_us_max = 25 * US_PER_MS;
        setup.duration_us = 60 * US_PER_S;
        Settings { protocol: default_protocol().into(), setup, scenario: None }
    }
}

/// The page's own parameters: how to look at a run, not what it runs (`run` is a share link).
pub const PAGE_KEYS: [&str; 7] = ["speed", "autoplay", "embed", "panels", "controls", "debug", "run"];

/// Whether a name is one of the settings (rather than a page's view preference).
pub fn is_setting(key: &str) -> bool {
    key.starts_with("opt.")
        || matches!(
            key,
            "protocol"
                | "nodes"
                | "seed"
                | "bug"
                | "faults"
                | "latency"
                | "drop"
                | "duplicate"
                | "clients"
                | "interval"
                | "duration"
                | "scenario"
        )
}

/// `10ms..50ms`, or one duration `20ms` for both ends, at most [`LATENCY_US_MAX`].
pub fn parse_latency(text: &str, what: &str) -> Result<(TimeUs, TimeUs), String> {
    let text = text.trim();
    let (lo, hi) = parse_duration_range(text).map_err(|e| format!("{what}: {e}"))?;
    if lo > hi {
        return Err(format!("{what}: the range {text:?} runs backwards"));
    }
    if hi > LATENCY_US_MAX {
        return Err(format!("{what}: at most {}", format_duration(LATENCY_US_MAX)));
    }
    Ok((lo, hi))
}

/// A percentage with or without the `%`, in parts per million.
pub fn parse_percent(text: &str, what: &str) -> Result<u32, String> {
    let text = text.trim();
    let with_sign = if text.ends_with('%') { text.to_string() } else { format!("{text}%") };
    parse_percent_ppm(&with_sign).map_err(|e| format!("{what}: {e}"))
}

/// A whole number from 0 to `max`.
pub fn parse_count(text: &str, what: &str, max: u32) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(format!("{what}: a whole number from 0 to {max}")),
    }
}

/// A duration from 1µs to `max_us`.
pub fn parse_positive_duration(text: &str, what: &str, max_us: TimeUs) -> Result<TimeUs, String> {
    match parse_duration(text) {
        Ok(0) => Err(format!("{what}: must be longer than 0")),
        Ok(d) if d > max_us => Err(format!("{what}: at most {}", format_duration(max_us))),
        Ok(d) => Ok(d),
        Err(e) => Err(format!("{what}: {e}")),
    }
}

impl Settings {
    /// Applies one named setting; a bad value leaves the setting as it was and says why.
    pub fn apply(&mut self, key: &str, value: &str) -> Result<(), String> {
        let value = value.trim();
        let shown: String = value.chars().take(40).collect();
        let s = &mut self.setup;
        match key {
            "protocol" => {
                if !protocol_names().contains(&value) {
                    return Err(format!("unknown protocol {shown:?} (known: {})", protocol_names().join(", ")));
                }
                self.protocol = value.into();
            }
            "nodes" => match value.parse::<usize>() {
                Ok(n) if (1..=NODES_MAX).contains(&n) => s.nodes = n,
                _ => return Err(format!("nodes={shown:?} is not a number from 1 to {NODES_MAX}")),
            },
            "seed" => s.seed = value.parse().map_err(|_| format!("seed={shown:?} is not a whole number"))?,
            "bug" => s.bug = Some(value.to_string()).filter(|v| !v.is_empty() && v != "none"),
            "faults" => s.faults = FaultPreset::parse(value)?,
            "latency" => (s.link.latency_us_min, s.link.latency_us_max) = parse_latency(value, "latency")?,
            "drop" => s.link.drop_ppm = parse_percent(value, "drop")?,
            "duplicate" => s.link.duplicate_ppm = parse_percent(value, "duplicate")?,
            "clients" => s.workload.clients = parse_count(value, "clients", CLIENTS_MAX)?,
            "interval" => s.workload.interval_us = parse_positive_duration(value, "interval", INTERVAL_US_MAX)?,
            // The run's planned length: the chaos preset injects faults in its first half.
            "duration" => s.duration_us = parse_positive_duration(value, "duration", DURATION_US_MAX)?,
            "scenario" => self.scenario = Some(value.to_string()).filter(|v| !v.is_empty()),
            _ => {
                let Some(option) = key.strip_prefix("opt.") else {
                    return Err(format!("unknown setting {:?}", key.chars().take(40).collect::<String>()));
                };
                let valid = !option.is_empty()
                    && option.len() <= OPTION_KEY_CHARS_MAX
                    && option.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
                if !valid || value.chars().count() > OPTION_VALUE_CHARS_MAX {
                    return Err(format!(
                        "option {:?} is not a valid option",
                        option.chars().take(40).collect::<String>()
                    ));
                }
                if !s.options.contains_key(option) && s.options.len() >= OPTIONS_MAX {
                    return Err(format!("at most {OPTIONS_MAX} options"));
                }
                s.options.insert(option.to_string(), value.to_string());
            }
        }
        Ok(())
    }

    /// Settings from name / value pairs (at most [`SETTINGS_MAX`]); with a message for each
    /// pair that was refused (that setting keeps its default).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> (Settings, Vec<String>) {
        let mut settings = Settings::default();
        let mut errors = Vec::new();
        for (k, (key, value)) in pairs.into_iter().enumerate() {
            if k == SETTINGS_MAX {
                errors.push(format!("at most {SETTINGS_MAX} settings"));
                break;
            }
            if let Err(e) = settings.apply(key, value) {
                errors.push(e);
            }
        }
        (settings, errors)
    }

    /// Settings from a URL's (or a link's) pairs: the page's own parameters are passed over.
    pub fn from_query_pairs(pairs: &[(String, String)]) -> (Settings, Vec<String>) {
        Settings::from_pairs(
            pairs.iter().filter(|(k, _)| !PAGE_KEYS.contains(&k.as_str())).map(|(k, v)| (k.as_str(), v.as_str())),
        )
    }

    /// Parses the scenario, if there is one, and applies its settings (its `protocol`, `nodes`,
    /// `seed`, ...) over these: the script's actions and expectations are for the run to carry.
    pub fn apply_scenario(&mut self) -> Result<Option<Scenario>, String> {
        let Some(text) = &self.scenario else { return Ok(None) };
        let scenario = crate::scenario::parse(text).map_err(|e| format!("the scenario: {e}"))?;
        scenario.apply_settings(&mut self.setup);
        if let Some(protocol) = &scenario.protocol {
            self.protocol = protocol.clone();
        }
        Ok(Some(scenario))
    }

    /// The settings as URL parameters in exact units, so that reading them back gives the same
    /// settings (share links carry this). The scenario is left out: a link carries it apart.
    pub fn query(&self) -> String {
        let mut out: Vec<String> =
            self.named().into_iter().map(|(key, value)| format!("{key}={}", encode(&value))).collect();
        for (k, v) in &self.setup.options {
            out.push(format!("opt.{k}={}", encode(v)));
        }
        out.join("&")
    }

    /// The `sim run` command that makes the same run natively; a scenario is read from
    /// `scenario_file` (`run.scenario` if not named: where to save it).
    pub fn cli_command(&self, scenario_file: Option<&str>) -> String {
        let mut out = String::from("sim run");
        // The settings that define the run always; the others where they differ from the defaults.
        let defaults = Settings::default().named();
        for (key, value) in self.named() {
            let always = matches!(key, "protocol" | "nodes" | "seed" | "duration" | "faults");
            if always || !defaults.contains(&(key, value.clone())) {
                out.push_str(&format!(" --{key} {}", shell_word(&value)));
            }
        }
        for (k, v) in &self.setup.options {
            out.push_str(&format!(" --option {}", shell_word(&format!("{k}={v}"))));
        }
        if self.scenario.is_some() {
            out.push_str(&format!(" --scenario {}", shell_word(scenario_file.unwrap_or("run.scenario"))));
        }
        out
    }

    /// Every setting but the options and the scenario, by name, written exactly (durations to
    /// the microsecond, percentages to the part per million).
    fn named(&self) -> Vec<(&'static str, String)> {
        let s = &self.setup;
        let mut out = vec![
            ("protocol", self.protocol.clone()),
            ("nodes", s.nodes.to_string()),
            ("seed", s.seed.to_string()),
            ("duration", format_duration(s.duration_us)),
            ("faults", s.faults.as_str().to_string()),
            (
                "latency",
                format!("{}..{}", format_duration(s.link.latency_us_min), format_duration(s.link.latency_us_max)),
            ),
            ("drop", format_ppm(s.link.drop_ppm)),
            ("duplicate", format_ppm(s.link.duplicate_ppm)),
            ("clients", s.workload.clients.to_string()),
            ("interval", format_duration(s.workload.interval_us)),
        ];
        if let Some(bug) = &s.bug {
            out.push(("bug", bug.clone()));
        }
        out
    }
}

/// A word for a POSIX shell: as it is when it is plain, else in single quotes.
fn shell_word(word: &str) -> String {
    if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_.=:,/%".contains(c)) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Percent-encodes everything but letters, digits and `-._~`.
pub fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%xx` escapes and `+` (a space); `None` for an escape that is not two hex digits or
/// bytes that are not UTF-8.
pub fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Splits a query (`a=1&b=2`, with or without a leading `?`) into decoded pairs, at most
/// [`SETTINGS_MAX`] of them; a pair that does not decode is kept as written.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    let query = query.strip_prefix('?').unwrap_or(query);
    query
        .split('&')
        .filter(|s| !s.is_empty())
        .take(SETTINGS_MAX)
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k).unwrap_or_else(|| k.to_string()), decode(v).unwrap_or_else(|| v.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::core::Protocol;

    #[test]
    fn settings_read_back_what_they_print() {
        let (mut s, errors) = Settings::from_pairs([
            ("protocol", crate::protocols::two_phase_commit::TwoPhaseCommit::NAME),
            ("nodes", "4"),
            ("drop", "0.0001"),
            ("duplicate", "99.9999%"),
            ("latency", "1us..7s"),
            ("interval", "1.234567s"),
            ("duration", "180m"),
            ("bug", "abort-after-yes"),
            ("opt.cooperative", "off"),
            ("opt.no-vote", "1,5%"),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        s.scenario = None;
        let pairs = query_pairs(&s.query());
        let (again, errors) = Settings::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(again, s);
        assert!(s.cli_command(None).contains(" --option no-vote=1,5%"), "{}", s.cli_command(None));
    }

    #[test]
    fn bad_settings_say_why_and_keep_the_default() {
        let (s, errors) = Settings::from_pairs([
            ("nodes", "0"),
            ("seed", "-1"),
            ("protocol", "<script>"),
            ("faults", "lots"),
            ("latency", "9h"),
            ("drop", "101"),
            ("clients", "1000"),
            ("opt.<b>", "1"),
            ("color", "red"),
        ]);
        assert_eq!(errors.len(), 9, "{errors:?}");
        assert_eq!(s, Settings::default());
        assert_eq!(decode("a%2Cb+c"), Some("a,b c".into()));
        assert_eq!(decode("%zz"), None);
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }
}
