//! URL parameters of the page: `?protocol=raft&nodes=5&seed=42&bug=…&faults=chaos&speed=0.1`,
//! plus `autoplay=off`, `latency=10ms..50ms`, `drop=5`, `duplicate=2`, `clients=3`,
//! `interval=200ms`, `duration=60s`, `debug=panic` (tests the error panel) and protocol options as
//! `opt.KEY=VALUE` (`opt.prevote=off`); `scenario=` (a script), `run=` (a share link's run),
//! `embed` with `panels=` and `controls=` (compact chrome for an iframe). Bad values give a
//! message and the default, never a panic.

use crate::playground::protocol_names;
use crate::sim::{FaultPreset, Setup};

/// The most nodes the URL may ask for (the simulator's own limit).
pub const URL_NODES_MAX: usize = crate::sim::NODES_MAX;

#[derive(Clone, Debug, PartialEq)]
pub struct PageParams {
    pub protocol: String,
    pub setup: Setup,
    /// Virtual seconds per wall-clock second.
    pub speed: f64,
    /// Start paused (`autoplay=off`).
    pub paused: bool,
    /// `debug=panic`: the page panics on purpose, to show (and test) the error panel.
    pub debug_panic: bool,
    /// A scenario script to run (`scenario=`, URL-encoded).
    pub scenario: Option<String>,
    /// A share link's encoded run (`run=`), decoded by [`super::share`].
    pub run: Option<String>,
    /// Compact chrome for an iframe (`embed`).
    pub embed: bool,
    /// Which panels show (`panels=cluster,timeline,...`); `None`: the mode's default.
    pub panels: Option<Vec<String>>,
    /// Which controls show (`controls=play,step,...`); `None`: the mode's default.
    pub controls: Option<Vec<String>>,
    /// Messages about parameters that were ignored.
    pub errors: Vec<String>,
}

/// Panels the page can show (`panels=`): the cluster drawing, the timeline scrubber, the
/// space-time diagram, the properties, the event log, the logs grid, the selected node or
/// message, the scenario panel, and the tools (network, clients, settings).
pub const PANELS: [&str; 9] =
    ["cluster", "timeline", "spacetime", "properties", "events", "logs", "selection", "scenario", "tools"];
/// Controls the page can show (`controls=`).
pub const CONTROLS: [&str; 8] = ["play", "step", "speed", "seed", "heal", "share", "export", "clock"];
/// What `?embed` shows unless told otherwise.
pub const EMBED_PANELS: [&str; 3] = ["cluster", "timeline", "properties"];
pub const EMBED_CONTROLS: [&str; 5] = ["play", "step", "speed", "heal", "clock"];
/// The longest share link (`run=`) and scenario (`scenario=`) the URL may carry, in characters.
pub const URL_RUN_CHARS_MAX: usize = 65_536;
pub const URL_SCENARIO_CHARS_MAX: usize = 16_384;

impl PageParams {
    pub fn shows_panel(&self, name: &str) -> bool {
        self.shows(&self.panels, &EMBED_PANELS, name)
    }
    pub fn shows_control(&self, name: &str) -> bool {
        self.shows(&self.controls, &EMBED_CONTROLS, name)
    }
    /// Named in the list if there is one; otherwise everything, or the embed's defaults.
    fn shows(&self, list: &Option<Vec<String>>, embed_default: &[&str], name: &str) -> bool {
        match list {
            Some(list) => list.iter().any(|n| n == name),
            None => !self.embed || embed_default.contains(&name),
        }
    }
    /// Takes how `other` looks at a run (speed, embed, panels, controls), not what it runs.
    pub fn keep_view_of(&mut self, other: &PageParams) {
        self.speed = other.speed;
        self.embed = other.embed;
        self.panels = other.panels.clone();
        self.controls = other.controls.clone();
    }
}

/// The run's settings as URL parameters, in exact units, so that parsing them gives the same
/// setup back (share links carry this). Viewing preferences (speed, embed, ...) are left out.
pub fn settings_query(p: &PageParams) -> String {
    let s = &p.setup;
    let ppm = |v: u32| format!("{}.{:04}", v / 10_000, v % 10_000);
    let mut out = vec![
        format!("protocol={}", p.protocol),
        format!("nodes={}", s.nodes),
        format!("seed={}", s.seed),
        format!("faults={}", s.faults.as_str()),
        format!("latency={}us..{}us", s.link.latency_us_min, s.link.latency_us_max),
        format!("drop={}", ppm(s.link.drop_ppm)),
        format!("duplicate={}", ppm(s.link.duplicate_ppm)),
        format!("clients={}", s.workload.clients),
        format!("interval={}us", s.workload.interval_us),
        format!("duration={}us", s.duration_us),
    ];
    if let Some(bug) = &s.bug {
        out.push(format!("bug={}", encode(bug)));
    }
    for (k, v) in &s.options {
        out.push(format!("opt.{k}={}", encode(v)));
    }
    out.join("&")
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

fn name_list(value: &str, known: &[&str], what: &str, errors: &mut Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()).take(16) {
        if known.contains(&name) {
            out.push(name.to_string());
        } else {
            let shown: String = name.chars().take(20).collect();
            errors.push(format!("unknown {what} {shown:?} (known: {})", known.join(", ")));
        }
    }
    out
}

impl Default for PageParams {
    fn default() -> Self {
        let mut setup = Setup::default();
        setup.workload.interval_us = 300_000;
        // Slower links than the CLI's default, so messages are seen travelling at the page's speed.
        setup.link.latency_us_min = 10_000;
        setup.link.latency_us_max = 25_000;
        // A page run is open-ended; with chaos, faults stop (and the heal phase starts) at 30s.
        setup.duration_us = 60_000_000;
        PageParams {
            protocol: crate::playground::default_protocol().into(),
            setup,
            speed: 0.1,
            paused: false,
            debug_panic: false,
            scenario: None,
            run: None,
            embed: false,
            panels: None,
            controls: None,
            errors: Vec::new(),
        }
    }
}

/// Parses a query string (with or without the leading `?`).
pub fn parse_params(query: &str) -> PageParams {
    let query = query.strip_prefix('?').unwrap_or(query);
    // A share link's run and a scenario may be long; everything else is short.
    let (long, short): (Vec<&str>, Vec<&str>) =
        query.split('&').partition(|pair| pair.starts_with("run=") || pair.starts_with("scenario="));
    let short = short.join("&");
    if short.len() > 4096 {
        let mut p = PageParams::default();
        p.errors.push("the URL's parameters are longer than 4096 characters; using defaults".into());
        return p;
    }
    let mut pairs = url_pairs(&short);
    let mut errors = Vec::new();
    for pair in long.into_iter().take(2) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let max = if key == "run" { URL_RUN_CHARS_MAX } else { URL_SCENARIO_CHARS_MAX };
        if value.len() > max {
            errors.push(format!("the {key} parameter is longer than {max} characters; ignored"));
        } else if key == "run" {
            // Base64url: nothing to decode.
            pairs.push((key.into(), value.into()));
        } else {
            pairs.push((key.into(), decode(value)));
        }
    }
    let mut p = params_from_pairs(pairs);
    p.errors.extend(errors);
    p
}

/// The same settings from key / value pairs (the JS API's config objects), at most 64 of them.
pub fn params_from_pairs(pairs: Vec<(String, String)>) -> PageParams {
    let mut p = PageParams::default();
    if pairs.len() > 64 {
        p.errors.push("at most 64 settings".into());
        return p;
    }
    for (key, value) in pairs {
        let value = value.trim().to_string();
        let shown: String = value.chars().take(40).collect();
        match key.as_str() {
            "protocol" => {
                if protocol_names().contains(&value.as_str()) {
                    p.protocol = value;
                } else {
                    p.errors.push(format!(
                        "unknown protocol {shown:?}: using {} (known: {})",
                        p.protocol,
                        protocol_names().join(", ")
                    ));
                }
            }
            "nodes" => match value.parse::<usize>() {
                Ok(n) if (1..=URL_NODES_MAX).contains(&n) => p.setup.nodes = n,
                _ => p.errors.push(format!(
                    "nodes={shown:?} is not a number from 1 to {URL_NODES_MAX}; using {}",
                    p.setup.nodes
                )),
            },
            "seed" => match value.parse::<u64>() {
                Ok(s) => p.setup.seed = s,
                _ => p.errors.push(format!("seed={shown:?} is not a whole number; using {}", p.setup.seed)),
            },
            "bug" => p.setup.bug = if value.is_empty() || value == "none" { None } else { Some(value) },
            "faults" => match FaultPreset::parse(&value) {
                Ok(f) => p.setup.faults = f,
                Err(e) => p.errors.push(e),
            },
            "speed" => match crate::core::decimal::parse_f64(&value, 6) {
                Some(s) if (0.001..=100.0).contains(&s) => p.speed = s,
                _ => p.errors.push(format!(
                    "speed={shown:?} is not between 0.001 and 100; using {}",
                    crate::core::decimal::format_trimmed(p.speed, 6)
                )),
            },
            "debug" => match value.as_str() {
                "panic" => p.debug_panic = true,
                _ => p.errors.push(format!("debug={shown:?} is unknown (debug=panic tests the error panel)")),
            },
            "autoplay" => match value.as_str() {
                "on" | "1" | "true" | "" => p.paused = false,
                "off" | "0" | "false" => p.paused = true,
                _ => p.errors.push(format!("autoplay={shown:?} is not on or off; playing")),
            },
            "latency" => match super::forms::parse_range(&value, "latency") {
                Ok((lo, hi)) => {
                    p.setup.link.latency_us_min = lo;
                    p.setup.link.latency_us_max = hi;
                }
                Err(e) => p.errors.push(format!("{e}; using the default")),
            },
            "drop" | "duplicate" => match super::forms::parse_percent(&value, &key) {
                Ok(ppm) if key == "drop" => p.setup.link.drop_ppm = ppm,
                Ok(ppm) => p.setup.link.duplicate_ppm = ppm,
                Err(e) => p.errors.push(format!("{e}; using 0%")),
            },
            "clients" => match super::forms::parse_count(&value, "clients", super::forms::PAGE_CLIENTS_MAX) {
                Ok(n) => p.setup.workload.clients = n,
                Err(e) => p.errors.push(format!("{e}; using {}", p.setup.workload.clients)),
            },
            "interval" => match super::forms::parse_delay(&value, "interval") {
                Ok(d) => p.setup.workload.interval_us = d,
                Err(e) => p.errors.push(format!("{e}; using the default")),
            },
            // The run's planned length: the chaos preset injects faults in its first half.
            "duration" => match crate::core::time::parse_duration(&value) {
                Ok(us) if us > 0 && us <= crate::core::time::DURATION_US_MAX => p.setup.duration_us = us,
                _ => p.errors.push(format!("duration={shown:?} is not between 1us and one day; using the default")),
            },
            "scenario" => p.scenario = Some(value).filter(|v| !v.is_empty()),
            "run" => p.run = Some(value).filter(|v| !v.is_empty()),
            "embed" => p.embed = !matches!(value.as_str(), "off" | "0" | "false"),
            "panels" => p.panels = Some(name_list(&value, &PANELS, "panel", &mut p.errors)),
            "controls" => p.controls = Some(name_list(&value, &CONTROLS, "control", &mut p.errors)),
            _ => {
                if let Some(option) = key.strip_prefix("opt.") {
                    let valid = option.len() <= 32 && option.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
                    if valid && value.len() <= 64 && p.setup.options.len() < 32 {
                        p.setup.options.insert(option.to_string(), value);
                    } else {
                        p.errors.push(format!(
                            "option {:?} is not a valid option; ignored",
                            option.chars().take(40).collect::<String>()
                        ));
                    }
                }
            }
        }
    }
    p
}

/// Splits `a=1&b=2`, decoding `%xx` and `+`.
fn url_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|s| !s.is_empty())
        .take(64)
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let text = text.replace('+', " ");
    js_decode(&text).unwrap_or(text)
}

#[cfg(target_arch = "wasm32")]
fn js_decode(text: &str) -> Option<String> {
    js_sys::decode_uri_component(text).ok().and_then(|s| s.as_string())
}

#[cfg(not(target_arch = "wasm32"))]
fn js_decode(text: &str) -> Option<String> {
    // Native builds (tests) decode the common escapes only.
    if text.contains('%') {
        None
    } else {
        Some(text.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_parameters_are_used_and_bad_ones_explained() {
        let p = parse_params("?nodes=7&seed=99&faults=chaos&speed=0.5");
        assert_eq!((p.setup.nodes, p.setup.seed, p.setup.faults, p.speed), (7, 99, FaultPreset::Chaos, 0.5));
        assert!(p.errors.is_empty());
        let p = parse_params("?nodes=0&seed=-1&protocol=<script>&speed=1e9&faults=lots");
        assert_eq!(p.setup.nodes, 5);
        assert_eq!(p.errors.len(), 5, "{:?}", p.errors);
        assert!(p.errors[0].contains("nodes"));
        let p = parse_params("autoplay=off&latency=10ms..50ms&drop=5&duplicate=2%&clients=3&opt.prevote=off");
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert!(p.paused);
        assert_eq!((p.setup.link.latency_us_min, p.setup.link.latency_us_max), (10_000, 50_000));
        assert_eq!((p.setup.link.drop_ppm, p.setup.link.duplicate_ppm, p.setup.workload.clients), (50_000, 20_000, 3));
        assert_eq!(p.setup.options.get("prevote").map(String::as_str), Some("off"));
        let p = parse_params("latency=9h&drop=101&clients=1000&opt.<b>=1&autoplay=maybe");
        assert_eq!(p.errors.len(), 5, "{:?}", p.errors);
    }
}
