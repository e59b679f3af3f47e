//! Share links: a whole run — its settings, its scenario, every action a person gave with the step
//! and virtual time it was given at, and how far the run went — in one URL parameter, `run=`.
//!
//! The run is written as lines of text — a header, the settings, where the run ended, one line per
//! action in the scenario language (`action STEP TIME_US crash 3`), then the scenario script if
//! there is one — compressed with raw DEFLATE and encoded as base64url, behind a version prefix
//! (`1.`). The page compresses and inflates with the browser's own `CompressionStream` /
//! `DecompressionStream("deflate-raw")`, so the WebAssembly carries no DEFLATE code; the native
//! build uses `miniz_oxide`. Opening a link replays the run from its seed, giving each action again at
//! its step and time, so the trace (and its hash) is the same as the sharer's. A link is untrusted
//! input: its size, its unpacked size, its actions and its length in steps are all bounded, its
//! settings go through the URL parameters' own checks, its actions through the scenario parser and
//! the simulator's checks.

use super::settings::{query_pairs, Settings};
use super::Playground;
use crate::core::TimeUs;
use crate::sim::Action;
#[cfg(not(target_arch = "wasm32"))]
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

/// The format version written before the payload.
const VERSION_PREFIX: &str = "1.";
/// The longest link (the `run=` value) read, in characters.
pub const LINK_CHARS_MAX: usize = 65_536;
/// The most a link's payload may inflate to.
pub const LINK_BYTES_MAX: usize = 1 << 20;
/// The most actions a link may carry.
pub const LINK_ACTIONS_MAX: usize = 10_000;
/// The longest run (in simulator steps) a link may ask the page to replay: about two seconds of
/// work in the browser (and 25 virtual minutes of a 5-node Raft cluster under load).
pub const LINK_STEPS_MAX: u64 = 500_000;

/// The first line of a link's text.
/// Version 2: steps count only events that do something (queue entries left with nothing to do —
/// re-armed timers, timeouts after the answer — were steps in version 1, so a version-1 link's
/// step positions fall elsewhere in today's runs).
const HEADER: &str = "consensus-playground run 2";
const HEADER_V1: &str = "consensus-playground run";

/// A run as a share link carries it.
#[derive(Clone, Debug, PartialEq)]
pub struct SharedRun {
    /// The settings as URL parameters ([`Settings::query`]).
    pub settings: String,
    /// The scenario script the run was started from, if any.
    pub scenario: Option<String>,
    /// The step the run had reached (the end of its timeline).
    pub steps: u64,
    /// The virtual time the run had reached (the page's clock runs on between events).
    pub now_us: TimeUs,
    /// The step shown when the link was made (earlier than `steps` after scrubbing back).
    pub at_step: u64,
    /// Every action: the step it was given after, its virtual time, the action.
    pub actions: Vec<(u64, TimeUs, Action)>,
}

impl SharedRun {
    /// The run as it stands, to share: its settings (with the scenario it was started from) and
    /// every action given since. The step on screen is the run's own.
    pub fn capture(settings: &Settings, run: &dyn Playground) -> Self {
        SharedRun {
            settings: settings.query(),
            scenario: settings.scenario.clone(),
            steps: run.horizon(),
            now_us: run.horizon_us(),
            at_step: run.steps(),
            actions: run.inputs(),
        }
    }

    /// The settings the link carries (with its scenario), checked like URL parameters; a page's
    /// view preferences among them (`speed=2`) are passed over.
    pub fn settings(&self) -> Result<Settings, String> {
        let pairs = query_pairs(&self.settings);
        let (mut settings, errors) = Settings::from_query_pairs(&pairs);
        if !errors.is_empty() {
            return Err(format!("its settings are not valid: {}", errors.join("; ")));
        }
        settings.scenario = self.scenario.clone();
        Ok(settings)
    }

    /// The run as text (before compression).
    pub fn to_text(&self) -> String {
        let mut out =
            format!("{HEADER}\nsettings {}\nend {} {} {}\n", self.settings, self.steps, self.now_us, self.at_step);
        for (step, at_us, action) in &self.actions {
            out.push_str(&format!("action {step} {at_us} {}\n", action.describe()));
        }
        if let Some(script) = &self.scenario {
            out.push_str("scenario\n");
            out.push_str(script);
        }
        out
    }

    /// Reads the text of a link; every way it can be wrong is a sentence.
    pub fn from_text(text: &str) -> Result<SharedRun, String> {
        let damaged = |what: &str| format!("it is damaged ({what})");
        let mut lines = text.split('\n');
        match lines.next() {
            Some(HEADER) => {}
            Some(HEADER_V1) => {
                return Err("it comes from an earlier version of the playground (steps counted differently)".into())
            }
            _ => return Err(damaged("no header")),
        }
        let settings = lines.next().and_then(|l| l.strip_prefix("settings ")).ok_or_else(|| damaged("no settings"))?;
        let end: Vec<u64> = lines
            .next()
            .and_then(|l| l.strip_prefix("end "))
            .map(|l| l.split(' ').filter_map(|n| n.parse().ok()).collect())
            .unwrap_or_default();
        let [steps, now_us, at_step] = <[u64; 3]>::try_from(end).map_err(|_| damaged("no end"))?;
        let mut run =
            SharedRun { settings: settings.to_string(), scenario: None, steps, now_us, at_step, actions: Vec::new() };
        while let Some(line) = lines.next() {
            if line == "scenario" {
                run.scenario = Some(lines.collect::<Vec<_>>().join("\n"));
                break;
            }
            if line.is_empty() {
                continue;
            }
            if run.actions.len() >= LINK_ACTIONS_MAX {
                return Err(format!("it has more than {LINK_ACTIONS_MAX} actions"));
            }
            let k = run.actions.len() + 1;
            let mut parts = line.splitn(4, ' ');
            let (Some("action"), Some(step), Some(at_us), Some(text)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(damaged(&format!("action {k} is not STEP TIME ACTION")));
            };
            let (Ok(step), Ok(at_us)) = (step.parse::<u64>(), at_us.parse::<TimeUs>()) else {
                return Err(damaged(&format!("action {k} has no step and time")));
            };
            let mut actions = crate::scenario::parse_actions(text).map_err(|e| damaged(&format!("action {k}: {e}")))?;
            if actions.len() != 1 {
                return Err(damaged(&format!("action {k} is not one action")));
            }
            run.actions.push((step, at_us, actions.remove(0)));
        }
        Ok(run)
    }
}

/// The `run=` value of a run's compressed text.
fn link_value(packed: &[u8]) -> String {
    format!("{VERSION_PREFIX}{}", base64url_encode(packed))
}

// Links carry their bytes in base64url without padding (RFC 4648 §5): natively with the
// `base64` crate, on the page with the browser's `btoa` and `atob` (the crate's code would be in
// the download), as compression already uses the browser's streams.

#[cfg(not(target_arch = "wasm32"))]
fn base64url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(not(target_arch = "wasm32"))]
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// `btoa` reads a "binary string" (one character per byte); its alphabet's `+` and `/` become
/// `-` and `_`, and the padding goes.
#[cfg(target_arch = "wasm32")]
fn base64url_encode(bytes: &[u8]) -> String {
    let binary: String = bytes.iter().map(|&b| char::from(b)).collect();
    let standard = web_sys::window().and_then(|w| w.btoa(&binary).ok()).unwrap_or_default();
    standard.trim_end_matches('=').replace('+', "-").replace('/', "_")
}

/// The other way, refusing what the crate refuses: characters outside the alphabet, padding, a
/// length no encoding has.
#[cfg(target_arch = "wasm32")]
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let alphabet = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    if text.len() % 4 == 1 || !text.bytes().all(alphabet) {
        return None;
    }
    let mut standard = text.replace('-', "+").replace('_', "/");
    while standard.len() % 4 != 0 {
        standard.push('=');
    }
    let binary = web_sys::window()?.atob(&standard).ok()?;
    binary.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

/// The `run=` value for a run.
#[cfg(not(target_arch = "wasm32"))]
pub fn encode(run: &SharedRun) -> String {
    link_value(&miniz_oxide::deflate::compress_to_vec(run.to_text().as_bytes(), 9))
}

/// The `run=` value for a run, as the page makes it (natively: [`encode`]).
#[cfg(not(target_arch = "wasm32"))]
pub async fn make_link(run: &SharedRun) -> Result<String, String> {
    Ok(encode(run))
}

/// The `run=` value for a run, compressed by the browser; `Err` says why it could not be made.
#[cfg(target_arch = "wasm32")]
pub async fn make_link(run: &SharedRun) -> Result<String, String> {
    let packed = deflate_raw(run.to_text().as_bytes())
        .await
        .map_err(|e| format!("the browser could not compress the link ({})", describe_js_error(&e)))?;
    Ok(link_value(&packed))
}

#[cfg(target_arch = "wasm32")]
fn describe_js_error(e: &wasm_bindgen::JsValue) -> String {
    js_sys::Error::from(e.clone()).message().as_string().unwrap_or_else(|| "an unknown error".into())
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The Compression Streams API (web-sys has it only behind `web_sys_unstable_apis`).
    type CompressionStream;
    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<CompressionStream, wasm_bindgen::JsValue>;
    type DecompressionStream;
    #[wasm_bindgen(constructor, catch, js_class = "DecompressionStream")]
    fn new(format: &str) -> Result<DecompressionStream, wasm_bindgen::JsValue>;
}

/// Why a link's bytes did not inflate.
enum Inflate {
    TooBig,
    Damaged,
}

impl Inflate {
    fn explain(self) -> String {
        match self {
            Inflate::TooBig => format!("it unpacks to more than {LINK_BYTES_MAX} bytes"),
            Inflate::Damaged => "it is damaged (it does not unpack); was it cut short?".to_string(),
        }
    }
}

/// A stream of `bytes` piped through a `CompressionStream` or `DecompressionStream`.
#[cfg(target_arch = "wasm32")]
fn piped(bytes: &[u8], transform: &wasm_bindgen::JsValue) -> Result<web_sys::ReadableStream, wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts)?;
    Ok(blob.stream().pipe_through(transform.unchecked_ref()))
}

/// Inflates raw DEFLATE with the browser's `DecompressionStream`, reading chunk by chunk and
/// stopping (cancelling the stream) as soon as the output passes `max` bytes: a small link cannot
/// unpack into gigabytes. Damaged or truncated input makes the stream fail.
#[cfg(target_arch = "wasm32")]
async fn inflate_raw(packed: &[u8], max: usize) -> Result<Vec<u8>, Inflate> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let inflater = DecompressionStream::new("deflate-raw").map_err(|_| Inflate::Damaged)?;
    let stream = piped(packed, &inflater).map_err(|_| Inflate::Damaged)?;
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut out = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|_| Inflate::Damaged)?;
        let field = |name: &str| js_sys::Reflect::get(&chunk, &name.into()).unwrap_or_default();
        if field("done").is_truthy() {
            return Ok(out);
        }
        let bytes: js_sys::Uint8Array = field("value").dyn_into().map_err(|_| Inflate::Damaged)?;
        if out.len() + bytes.length() as usize > max {
            let _ = reader.cancel();
            return Err(Inflate::TooBig);
        }
        out.extend_from_slice(&bytes.to_vec());
    }
}

/// Raw DEFLATE (RFC 1951) of `bytes` by the browser: a blob's stream piped through a
/// `CompressionStream`, read back whole through a `Response`.
#[cfg(target_arch = "wasm32")]
async fn deflate_raw(bytes: &[u8]) -> Result<Vec<u8>, wasm_bindgen::JsValue> {
    let compressor = CompressionStream::new("deflate-raw")?;
    let stream = piped(bytes, &compressor)?;
    let response = web_sys::Response::new_with_opt_readable_stream(Some(&stream))?;
    let buffer = wasm_bindgen_futures::JsFuture::from(response.array_buffer()?).await?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Reads a `run=` value; every way it can be wrong is a sentence for the page.
#[cfg(not(target_arch = "wasm32"))]
pub fn decode(text: &str) -> Result<SharedRun, String> {
    read_unpacked(inflate(&packed(text)?).map_err(Inflate::explain)?)
}

/// Reads a `run=` value as the page does (natively: [`decode`]).
#[cfg(not(target_arch = "wasm32"))]
pub async fn open(text: &str) -> Result<SharedRun, String> {
    decode(text)
}

/// Reads a `run=` value, inflated by the browser; every way it can be wrong is a sentence.
#[cfg(target_arch = "wasm32")]
pub async fn open(text: &str) -> Result<SharedRun, String> {
    let packed = packed(text)?;
    read_unpacked(inflate_raw(&packed, LINK_BYTES_MAX).await.map_err(Inflate::explain)?)
}

/// The compressed bytes of a `run=` value.
fn packed(text: &str) -> Result<Vec<u8>, String> {
    let body = text
        .trim()
        .strip_prefix(VERSION_PREFIX)
        .ok_or("it is not a Consensus Playground run (or comes from a newer version)")?;
    if body.len() > LINK_CHARS_MAX {
        return Err("it is too long".into());
    }
    base64url_decode(body).ok_or_else(|| "it is damaged (not base64url); was it cut short?".to_string())
}

#[cfg(not(target_arch = "wasm32"))]
fn inflate(packed: &[u8]) -> Result<Vec<u8>, Inflate> {
    miniz_oxide::inflate::decompress_to_vec_with_limit(packed, LINK_BYTES_MAX).map_err(|e| {
        if matches!(e.status, miniz_oxide::inflate::TINFLStatus::HasMoreOutput) {
            Inflate::TooBig
        } else {
            Inflate::Damaged
        }
    })
}

/// The run in a link's unpacked text, checked.
fn read_unpacked(bytes: Vec<u8>) -> Result<SharedRun, String> {
    let text = String::from_utf8(bytes).map_err(|_| "it is damaged (not text)".to_string())?;
    let run = SharedRun::from_text(&text)?;
    if run.steps > LINK_STEPS_MAX {
        return Err(format!("its run is {} steps long; the page replays at most {LINK_STEPS_MAX}", run.steps));
    }
    if run.at_step > run.steps {
        return Err("it shows a step after the end of its run".into());
    }
    if run.actions.windows(2).any(|w| w[1].0 < w[0].0 || w[1].1 < w[0].1)
        || run.actions.last().is_some_and(|a| a.0 > run.steps)
    {
        return Err("its actions are out of order".into());
    }
    Ok(run)
}

/// Replays a shared run on a freshly built run of its settings (and scenario): each action at its
/// step and time, then on to the run's end, then back to the step that was on screen.
pub fn replay(run: &mut dyn Playground, shared: &SharedRun) -> Result<(), String> {
    let step_to = |run: &mut dyn Playground, target: u64| -> Result<(), String> {
        while run.steps() < target {
            if !run.step() {
                return Err(format!("the run ends at step {} before step {target}", run.steps()));
            }
        }
        Ok(())
    };
    for (k, (position, at_us, action)) in shared.actions.iter().enumerate() {
        step_to(run, *position)?;
        run.apply_at(*at_us, action.clone())
            .map_err(|e| format!("action {} ({}) could not be given again: {e}", k + 1, action.describe()))?;
    }
    step_to(run, shared.steps)?;
    // The clock ran on past the last event; take it there (no event lies before it).
    if shared.now_us > run.now_us() {
        run.run_until(shared.now_us, 1);
        if run.steps() != shared.steps {
            return Err("the run does not match its link (an event came before its clock)".into());
        }
    }
    if shared.at_step < shared.steps {
        run.restore(shared.at_step)?;
    }
    Ok(())
}

// Native only: the page compresses through the browser (see the browser tests).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::{NodeId, Protocol};
    use crate::playground::{build_settings, Keep};
    use crate::protocols::paxos::Paxos;
    use crate::protocols::raft::Raft;
    use crate::protocols::two_phase_commit::TwoPhaseCommit;

    fn settings(query: &str) -> Settings {
        let (settings, errors) = Settings::from_query_pairs(&query_pairs(query));
        assert!(errors.is_empty(), "{query}: {errors:?}");
        settings
    }

    fn built(settings: &Settings) -> Box<dyn Playground> {
        build_settings(settings, Keep::Trace).unwrap().1
    }

    fn sample(settings: &Settings) -> (Box<dyn Playground>, SharedRun) {
        let mut run = built(settings);
        run.run_until(400_000, 1_000_000);
        run.apply(Action::Crash { node: NodeId(1) }).unwrap();
        run.run_until(900_000, 1_000_000);
        run.apply(Action::Partition { groups: vec![vec![NodeId(2), NodeId(3)]] }).unwrap();
        run.run_until(1_500_000, 1_000_000);
        run.apply(Action::Say { text: "<script>alert(1)</script> \u{1F600}".into(), wait: crate::sim::Wait(true) })
            .unwrap();
        run.apply(Action::HealAll).unwrap();
        run.run_until(2_345_678, 1_000_000);
        let shared = SharedRun::capture(settings, run.as_ref());
        (run, shared)
    }

    #[test]
    fn a_link_round_trips_to_the_same_trace_hash() {
        let original_settings = settings("nodes=5&seed=7&opt.prevote=on&drop=1.5&latency=3ms..17ms");
        let (original, shared) = sample(&original_settings);
        let link = encode(&shared);
        assert!(link.len() < 600, "a short run is a short link: {} characters", link.len());
        let back = decode(&link).unwrap();
        assert_eq!(back, shared);
        let opened = back.settings().unwrap();
        assert_eq!(opened, original_settings);
        let mut replayed = built(&opened);
        replay(replayed.as_mut(), &back).unwrap();
        assert_eq!(replayed.hash(), original.hash());
        assert_eq!((replayed.steps(), replayed.now_us()), (original.steps(), original.now_us()));
        assert_eq!(replayed.trace_jsonl(), original.trace_jsonl());
    }

    #[test]
    fn a_link_made_after_scrubbing_back_opens_at_that_moment() {
        let settings = settings(&format!("protocol={}&nodes=3&seed=3", TwoPhaseCommit::NAME));
        let (mut original, _) = sample(&settings);
        let end = original.steps();
        original.restore(end / 2).unwrap();
        let shared = SharedRun::capture(&settings, original.as_ref());
        assert_eq!((shared.steps, shared.at_step, shared.now_us), (end, end / 2, 2_345_678));
        let mut replayed = built(&settings);
        replay(replayed.as_mut(), &decode(&encode(&shared)).unwrap()).unwrap();
        assert_eq!((replayed.steps(), replayed.hash()), (original.steps(), original.hash()));
        assert_eq!(replayed.horizon(), end);
    }

    #[test]
    fn malformed_truncated_and_hostile_links_are_explained() {
        let settings = settings("seed=5");
        let (_, shared) = sample(&settings);
        let link = encode(&shared);
        let bad = |text: &str| decode(text).expect_err(text);
        assert!(bad("").contains("not a Consensus Playground run"));
        assert!(bad("2.abc").contains("newer version"));
        assert!(bad("1.@@@").contains("base64url"));
        assert!(bad(&link[..link.len() / 2]).contains("cut short"));
        assert!(bad("1.").contains("damaged"));
        // Valid compression of text that is not a run, or of a run with something wrong in it.
        let pack = |text: &str| {
            let packed = miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 6);
            format!("1.{}", URL_SAFE_NO_PAD.encode(packed))
        };
        assert!(bad(&pack("{\"hello\": 1}")).contains("no header"));
        let text = shared.to_text();
        let long = text.replacen(&format!("end {} ", shared.steps), &format!("end {} ", LINK_STEPS_MAX + 1), 1);
        assert!(bad(&pack(&long)).contains("replays at most"));
        let mut disorder = shared.clone();
        disorder.actions = vec![(50, 10, Action::Heal), (40, 10, Action::Heal)];
        assert!(bad(&encode(&disorder)).contains("out of order"));
        let unknown = format!("{text}action 1 1 explode 3\n");
        assert!(
            bad(&pack(&unknown)).contains("action 5: column 1: unknown action \"explode\""),
            "{}",
            bad(&pack(&unknown))
        );
        assert!(bad(&pack(&format!("{text}action x y crash 1\n"))).contains("no step and time"));
        assert!(bad(&pack(&format!("{text}action 1 1 cut 1<->2\n"))).contains("not one action"));
        assert!(bad(&pack(&text.replace("settings ", "setting "))).contains("no settings"));
        let many: String = (0..=LINK_ACTIONS_MAX).map(|_| "action 1 1 heal\n").collect();
        assert!(bad(&pack(&format!("{text}{many}"))).contains("more than"));
        // A bomb: a megabyte of zeros and more.
        let bomb = miniz_oxide::deflate::compress_to_vec(&vec![b' '; LINK_BYTES_MAX + 10], 9);
        assert!(bad(&format!("1.{}", URL_SAFE_NO_PAD.encode(bomb))).contains("more than"));
        // Settings that the URL checks refuse, and actions the simulator refuses.
        let mut evil = shared.clone();
        evil.settings = "protocol=<img src=x>&nodes=99999".into();
        assert!(decode(&encode(&evil)).unwrap().settings().unwrap_err().contains("not valid"));
        let mut evil = shared.clone();
        evil.actions = vec![(0, 0, Action::Crash { node: NodeId(42) })];
        let mut run = built(&settings);
        let e = replay(run.as_mut(), &decode(&encode(&evil)).unwrap()).unwrap_err();
        assert!(e.contains("action 1 (crash 42)"), "{e}");
        let mut evil = shared;
        evil.actions = vec![(5, 0, Action::Heal)];
        let mut run = built(&settings);
        assert!(replay(run.as_mut(), &decode(&encode(&evil)).unwrap()).is_err(), "an action before its step's time");
    }

    #[test]
    fn a_run_of_a_scenario_round_trips_with_its_script() {
        let script = include_str!("../../scenarios/2pc/coordinator-crash-after-log.scenario");
        let settings = Settings { scenario: Some(script.into()), ..Settings::default() };
        let (applied, mut run) = build_settings(&settings, Keep::Trace).unwrap();
        assert_eq!(applied.protocol, TwoPhaseCommit::NAME, "the scenario's settings apply");
        run.run_until(30_000, 1_000_000);
        run.apply(Action::Request { node: NodeId(1), op: "transfer 3a 4a 5".into() }).unwrap();
        run.run_until(1_500_000, 1_000_000);
        let shared = SharedRun::capture(&applied, run.as_ref());
        let back = decode(&encode(&shared)).unwrap();
        assert_eq!(back.scenario.as_deref(), Some(script));
        let (opened, mut replayed) = build_settings(&back.settings().unwrap(), Keep::Trace).unwrap();
        assert_eq!(opened, applied, "the scenario's settings apply again to the same settings");
        replay(replayed.as_mut(), &back).unwrap();
        assert_eq!((replayed.hash(), replayed.steps()), (run.hash(), run.steps()));
    }

    /// A link as every build before the browser compressed links made it (miniz, level 9); the
    /// browser test `links_made_natively_open_in_the_browser_and_bombs_are_refused` opens this same
    /// text.
    pub const NATIVE_LINK: &str = "1.HYw5DsAgDAR7XkFFFylXy2MQOIcU2chrivw-EG2zU8xkYRCjYapPek-VxsVrY786kNnNJ3xVMcnyRE2HBZZCiFsAUYn7ElDHWR11cR5zKdst_EPWhKu3Pg";

    #[test]
    fn links_made_natively_are_stable() {
        let run = SharedRun {
            settings: "protocol=raft&nodes=3&seed=41&speed=2" /* pinned text: a protocol name, as links carry */
                .into(),
            scenario: None,
            steps: 0,
            now_us: 0,
            at_step: 0,
            actions: vec![(0, 0, Action::Crash { node: NodeId(2) })],
        };
        assert_eq!(encode(&run), NATIVE_LINK);
        assert_eq!(decode(NATIVE_LINK).unwrap(), run);
        // The same run as a version-1 link (steps counted idle queue entries then).
        let v1 = "1.HYs7DsAgDMV2TsHEVqm_lcMgSD8SSlBeGHr7lsqLPTgLgxgdU6vpOVU6F6-dHcjs5hO-qZhkqVHTYYGlEOIWQFTivgS0Iaujb5sHLmW7hf_ImnD51b0";
        assert!(decode(v1).unwrap_err().contains("earlier version of the playground"), "{:?}", decode(v1));
    }

    #[test]
    fn settings_round_trip_through_the_query() {
        for q in [
            format!("protocol={}&nodes=7&seed=18446744073709551615&bug=accept-any&faults=chaos", Paxos::NAME),
            format!(
                "protocol={}&nodes=4&drop=0.0001&duplicate=99.9999&latency=1us..7s&clients=0&interval=1.234567s&duration=10800s",
                TwoPhaseCommit::NAME
            ),
            format!("protocol={}&opt.prevote=off&opt.check-quorum=on&bug=none", Raft::NAME),
        ] {
            let p = settings(&q);
            assert_eq!(settings(&p.query()), p, "{q}");
        }
    }
}
