//! URL parameters of the page: `?protocol=raft&nodes=5&seed=42&bug=…&faults=chaos&speed=0.1`,
//! plus `autoplay=off`, `latency=10ms..50ms`, `drop=5`, `duplicate=2`, `clients=3`,
//! `interval=200ms`, `duration=60s`, `debug=panic` (tests the error panel) and protocol options as
//! `opt.KEY=VALUE` (`opt.prevote=off`); `scenario=` (a script), `run=` (a share link's run),
//! `embed` with `panels=` and `controls=` (compact chrome for an iframe). Bad values give a
//! message and the default, never a panic.

use crate::playground::settings::{is_setting, query_pairs, Settings};
use crate::playground::share::LINK_CHARS_MAX;
use crate::sim::Setup;

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
/// The longest scenario (`scenario=`) the URL may carry, in characters.
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
    /// What the page runs: the settings every face shares.
    pub fn settings(&self) -> Settings {
        Settings { protocol: self.protocol.clone(), setup: self.setup.clone(), scenario: self.scenario.clone() }
    }
    /// Runs `settings`, looked at as before.
    pub fn with_settings(&self, settings: Settings) -> PageParams {
        PageParams { protocol: settings.protocol, setup: settings.setup, scenario: settings.scenario, ..self.clone() }
    }
    /// Takes how `other` looks at a run (speed, embed, panels, controls), not what it runs.
    pub fn keep_view_of(&mut self, other: &PageParams) {
        self.speed = other.speed;
        self.embed = other.embed;
        self.panels = other.panels.clone();
        self.controls = other.controls.clone();
    }
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
        let Settings { protocol, setup, .. } = Settings::default();
        PageParams {
            protocol,
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
    let mut pairs = query_pairs(&short);
    let mut errors = Vec::new();
    for pair in long.into_iter().take(2) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let max = if key == "run" { LINK_CHARS_MAX } else { URL_SCENARIO_CHARS_MAX };
        if value.len() > max {
            errors.push(format!("the {key} parameter is longer than {max} characters; ignored"));
        } else if key == "run" {
            // Base64url: nothing to decode.
            pairs.push((key.into(), value.into()));
        } else {
            pairs.push((key.into(), decode(value).unwrap_or_else(|| value.to_string())));
        }
    }
    let mut p = params_from_pairs(pairs);
    p.errors.extend(errors);
    p
}

/// The same parameters from key / value pairs, at most 64 of them: the run's settings through
/// [`Settings`], the page's own here. A bad value is explained and the default kept; a name that
/// is neither is passed over (a URL may carry others').
pub fn params_from_pairs(pairs: Vec<(String, String)>) -> PageParams {
    let mut p = PageParams::default();
    if pairs.len() > 64 {
        p.errors.push("at most 64 settings".into());
        return p;
    }
    let mut settings = p.settings();
    for (key, value) in pairs {
        let value = value.trim().to_string();
        let shown: String = value.chars().take(40).collect();
        if is_setting(&key) {
            if let Err(e) = settings.apply(&key, &value) {
                p.errors.push(format!("{e}; using the default"));
            }
            continue;
        }
        match key.as_str() {
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
            "run" => p.run = Some(value).filter(|v| !v.is_empty()),
            "embed" => p.embed = !matches!(value.as_str(), "off" | "0" | "false"),
            "panels" => p.panels = Some(name_list(&value, &PANELS, "panel", &mut p.errors)),
            "controls" => p.controls = Some(name_list(&value, &CONTROLS, "control", &mut p.errors)),
            _ => {}
        }
    }
    p.with_settings(settings)
}

use crate::playground::settings::decode;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::FaultPreset;

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
