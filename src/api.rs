//! The JavaScript API (wasm-bindgen): a headless [`Simulation`] class and [`mount`], which places
//! an interactive playground into any element. On the playground page both are also reachable as
//! `window.consensusPlayground`.
//!
//! Settings use the names of the page's URL parameters (`protocol`, `nodes`, `seed`, `bug`,
//! `faults`, `latency`, `drop`, `duplicate`, `clients`, `interval`, `opt.KEY` or an `options`
//! object), plus `duration` (the planned length, which places the chaos preset's heal) and
//! `scenario` (a script in the scenario language). Actions are lines of the
//! scenario language (`crash 3`, `partition {1,2} {3,4,5}`, `request 1 "set x 1"`). Bad input is
//! an exception with a clear message, never a panic.

use crate::playground::settings::{is_setting, PAGE_KEYS};
use crate::playground::{self, Playground, Settings};
use crate::sim::trace::format_hash;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The longest a single `runUntil` or `step` call may work, in simulated events.
const EVENTS_PER_CALL_MAX: u64 = 50_000_000;
/// What one `traceSince` call gives at most, unless asked for less, and at most when asked.
const TRACE_PIECE_BYTES: usize = 1 << 20;
const TRACE_PIECE_BYTES_MAX: usize = 64 << 20;

/// Turns a JS settings object into key / value pairs (numbers and booleans as text; an
/// `options` object as `opt.KEY` pairs).
fn pairs(config: &JsValue) -> Result<Vec<(String, String)>, JsError> {
    if config.is_undefined() || config.is_null() {
        return Ok(Vec::new());
    }
    // Walked by hand rather than through serde: deserializing links serde's error texts, which
    // format floats (Grisu/Dragon code in the download), for an object of a few plain values.
    let plain = |v: &JsValue| v.is_object() && !js_sys::Array::is_array(v) && !v.is_function();
    if !plain(config) {
        return Err(JsError::new("settings must be a plain object, e.g. { protocol: \"raft\", nodes: 5 }"));
    }
    let text = |key: &str, v: &JsValue| -> Result<String, JsError> {
        if let Some(s) = v.as_string() {
            Ok(s)
        } else if let Some(b) = v.as_bool() {
            Ok(if b { "on" } else { "off" }.to_string())
        } else if v.as_f64().is_some_and(f64::is_finite) {
            // JavaScript writes the number (`5`, `2.5`), as it was typed.
            Ok(String::from(js_sys::Number::from(v.clone()).to_string_with_radix(10).unwrap_or_else(|_| "NaN".into())))
        } else {
            Err(JsError::new(&format!("setting {key:?} must be a string, a number or a boolean")))
        }
    };
    let entries = |object: &JsValue| -> Vec<(String, JsValue)> {
        js_sys::Object::entries(object.unchecked_ref())
            .iter()
            .take(SETTINGS_MAX + 1)
            .filter_map(|pair| {
                let pair: js_sys::Array = pair.unchecked_into();
                Some((pair.get(0).as_string()?, pair.get(1)))
            })
            .collect()
    };
    let mut out = Vec::new();
    for (key, v) in entries(config) {
        if key == "options" {
            if !plain(&v) {
                return Err(JsError::new("options must be an object, e.g. { prevote: \"off\" }"));
            }
            for (k, v) in entries(&v) {
                out.push((format!("opt.{k}"), text(&k, &v)?));
            }
        } else {
            out.push((key.clone(), text(&key, &v)?));
        }
        if out.len() > SETTINGS_MAX {
            return Err(JsError::new(&format!("settings may have at most {SETTINGS_MAX} entries")));
        }
    }
    Ok(out)
}

/// The most settings (options included) one call may pass.
const SETTINGS_MAX: usize = 200;

/// The run's settings (the page's view preferences, such as `speed`, are passed over).
fn settings(config: &JsValue) -> Result<Settings, JsError> {
    let all = pairs(config)?;
    let mut settings = Settings::default();
    let mut errors = Vec::new();
    for (key, value) in &all {
        if is_setting(key) {
            if let Err(e) = settings.apply(key, value) {
                errors.push(e);
            }
        } else if !PAGE_KEYS.contains(&key.as_str()) {
            errors.push(format!("unknown setting {:?}", key.chars().take(40).collect::<String>()));
        }
    }
    if !errors.is_empty() {
        return Err(JsError::new(&errors.join("; ")));
    }
    Ok(settings)
}

/// A part of the trace (`traceSince`).
#[derive(Serialize)]
struct TracePieceView {
    text: String,
    next: u64,
    first: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatsView {
    protocol: &'static str,
    now_us: u64,
    events_processed: u64,
    records: u64,
    messages_sent: u64,
    messages_delivered: u64,
    messages_dropped: u64,
    client_ops: u64,
    trace_hash: String,
    violations: Vec<crate::check::Violation>,
}

/// A headless simulation: no page, just the run. Every method is deterministic.
#[wasm_bindgen]
pub struct Simulation {
    run: Box<dyn Playground>,
}

#[wasm_bindgen]
impl Simulation {
    /// `new Simulation({ protocol, nodes: 5, seed: 42, faults: "chaos" })` (the settings: docs/js-api.md).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<Simulation, JsError> {
        let (_, run) =
            playground::build_settings(&settings(&config)?, playground::Keep::Trace).map_err(|e| JsError::new(&e))?;
        Ok(Simulation { run })
    }

    /// Processes one event; `false` when nothing is left to do.
    pub fn step(&mut self) -> bool {
        self.run.step()
    }

    /// Runs until virtual time `timeUs` (microseconds), at most 50 million events per call.
    /// Returns `"reached"`, `"violation"` (stopped right after a safety violation when
    /// `stopAtViolation` is true) or `"step-limit"`.
    #[wasm_bindgen(js_name = runUntil)]
    pub fn run_until(&mut self, time_us: f64, stop_at_violation: Option<bool>) -> Result<String, JsError> {
        if !time_us.is_finite() || time_us < 0.0 || time_us > crate::core::time::DURATION_US_MAX as f64 {
            return Err(JsError::new("timeUs must be a number of microseconds from 0 to one day"));
        }
        let until = time_us as u64;
        let status = if stop_at_violation.unwrap_or(false) {
            self.run.run_until_violation(until, EVENTS_PER_CALL_MAX)
        } else {
            self.run.run_until(until, EVENTS_PER_CALL_MAX)
        };
        Ok(match status {
            crate::sim::RunStatus::Reached => "reached",
            crate::sim::RunStatus::Violation => "violation",
            _ => "step-limit",
        }
        .to_string())
    }

    /// Applies an action now, written as a line of the scenario language, e.g. `"crash 3"`.
    pub fn inject(&mut self, action: &str) -> Result<(), JsError> {
        for action in crate::scenario::parse_actions(action).map_err(|e| JsError::new(&e))? {
            self.run.apply(action).map_err(|e| JsError::new(&e))?;
        }
        Ok(())
    }

    /// The cluster now: nodes (role, term, state fields, log), messages in flight, cut links.
    pub fn state(&self) -> Result<JsValue, JsError> {
        serde_wasm_bindgen::to_value(&self.run.view()).map_err(|e| JsError::new(&e.to_string()))
    }

    /// The trace so far as JSON Lines (the format of `sim run --trace`).
    pub fn trace(&self) -> String {
        self.run.trace_jsonl()
    }

    /// Part of the trace, to read a long one (tens of megabytes when the trace is full) or
    /// follow a run as it goes without one string of it all: the records from index `from` on
    /// that are still held, as whole JSON Lines up to about `maxBytes` (default 1 MB, at most
    /// 64 MB), as `{ text, next, first }` — `next` is the index to ask for next, `first` the
    /// oldest index still held (records before it are gone). `text` is empty when there is
    /// nothing after `from` yet.
    #[wasm_bindgen(js_name = traceSince)]
    pub fn trace_since(&self, from: f64, max_bytes: Option<f64>) -> Result<JsValue, JsError> {
        if !(from.is_finite() && from >= 0.0) {
            // Not formatted with Rust's float formatting, which would be in the download.
            return Err(JsError::new("traceSince: from must be a record index, 0 or more"));
        }
        let max_bytes = max_bytes.unwrap_or(TRACE_PIECE_BYTES as f64);
        if !(max_bytes.is_finite() && max_bytes >= 1.0) {
            return Err(JsError::new("traceSince: maxBytes must be a number of bytes, 1 or more"));
        }
        let (text, next, first) =
            self.run.trace_jsonl_piece(from as u64, (max_bytes as usize).min(TRACE_PIECE_BYTES_MAX));
        TracePieceView { text, next, first }
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// Counters: events processed, trace records, messages, the trace hash and any violations.
    pub fn stats(&self) -> Result<JsValue, JsError> {
        let s = self.run.stats();
        let view = StatsView {
            protocol: self.run.protocol(),
            now_us: self.run.now_us(),
            events_processed: s.steps,
            records: self.run.records(),
            messages_sent: s.sent,
            messages_delivered: s.delivered,
            messages_dropped: s.dropped,
            client_ops: s.client_ops,
            trace_hash: format_hash(self.run.hash()),
            violations: self.run.property_violations(),
        };
        view.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsError::new(&e.to_string()))
    }

    /// The properties with whether each still holds.
    pub fn properties(&self) -> Result<JsValue, JsError> {
        self.run
            .properties()
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|e| JsError::new(&e.to_string()))
    }
}

/// The size of the WebAssembly memory (the heap) in bytes, for measuring a long run.
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    js_sys::ArrayBuffer::from(memory.buffer()).byte_length() as f64
}

/// Places an interactive playground into `element`; `options` are the page's URL parameters as
/// an object (`{ protocol, nodes: 3, speed: 2, autoplay: false }`). Returns a handle
/// whose `destroy()` removes it.
#[wasm_bindgen]
pub fn mount(element: web_sys::Element, options: JsValue) -> Result<Mounted, JsError> {
    let query: Vec<String> = pairs(&options)?
        .into_iter()
        .map(|(k, v)| format!("{}={}", js_sys::encode_uri_component(&k), js_sys::encode_uri_component(&v)))
        .collect();
    crate::ui::install_panic_hook();
    let props = crate::ui::AppProps { query: Some(format!("?{}", query.join("&"))) };
    let handle = yew::Renderer::<crate::ui::App>::with_root_and_props(element, props).render();
    Ok(Mounted { handle: Some(handle) })
}

/// A playground placed by [`mount`].
#[wasm_bindgen]
pub struct Mounted {
    handle: Option<yew::AppHandle<crate::ui::App>>,
}

#[wasm_bindgen]
impl Mounted {
    /// Removes the playground from its element.
    pub fn destroy(&mut self) {
        if let Some(h) = self.handle.take() {
            h.destroy();
        }
    }
}
