//! The playground page: state, the dispatcher (clicks, keys and animation frames become
//! simulator actions) and the layout. The panels live in `panels.rs`, the drawings in
//! `cluster.rs` and `loggrid.rs`.

use super::cluster::ClusterSvg;
use super::forms::{self, next_seed};
use super::loggrid::{current_leader, LogGrid};
use super::panels;
use super::params::{parse_params, PageParams};
use super::{lessons, timeline};
use crate::core::decimal::format_fixed as fixed;
use crate::core::time::format_duration;
use crate::core::TextMap;
use crate::core::{NodeId, TimeUs};
use crate::playground::share;
use crate::playground::{self, Caption, ClusterView, EventFilter, Playground, ProtocolInfo, ViewDetail};
use crate::sim::trace::format_hash;
use crate::sim::{Action, LinkChange, RunStatus};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

/// The most simulator steps one animation frame may take, so a livelocked protocol or a very
/// high speed cannot freeze the tab (the clock then runs behind and the page says so).
pub const STEPS_PER_FRAME_MAX: u64 = 20_000;
/// A seek (a timeline drag) replays for at most this long a frame, so that a replay of hundreds
/// of thousands of steps (a long run of a big cluster) leaves the page answering keys and drags.
const SEEK_SLICE_MS: f64 = 12.0;
/// How often the page is drawn on the way to the moment a long seek goes to.
const SEEK_DRAW_MS: f64 = 100.0;
/// Steps a seek replays between looks at the clock.
const SEEK_SLICE_STEPS: u64 = 500;
/// A trace export writes for at most this long a frame (a virtual hour's trace, ~19 MB of JSON
/// Lines, held the page one frame of ~0.45 s written at once).
const EXPORT_SLICE_MS: f64 = 12.0;
/// The bytes of JSON Lines an export writes between looks at the clock (~1 ms of writing), and
/// the size of each part of the file it hands the browser.
const EXPORT_PIECE_BYTES: usize = 1 << 16;
/// The longest wall-clock gap one frame advances (a background tab coming back does not jump).
const FRAME_GAP_MS_MAX: f64 = 100.0;
/// Wall-clock milliseconds between redraws of the panels around the cluster while playing (the
/// cluster itself is drawn at every frame).
pub const SLOW_PANELS_MS: f64 = 200.0;
/// Events shown in the log.
pub const LOG_LINES: usize = 40;
/// Records looked back over for the caption to show after going back in time.
const CAPTION_LOOKBACK: u64 = 50_000;
/// Speed slider bounds, as powers of ten (0.01× to 100×).
pub const SPEED_EXP_RANGE: (f64, f64) = (-2.0, 2.0);

#[derive(Properties, PartialEq, Default)]
pub struct AppProps {
    /// URL parameters to start from; `None` reads the page's own URL.
    #[prop_or_default]
    pub query: Option<String>,
}

/// The first violation the page stopped at.
#[derive(Clone, Debug, PartialEq)]
pub struct ViolationNote {
    pub property: String,
    pub explain: String,
    pub detail: String,
    pub t_us: TimeUs,
    pub event: u64,
}

/// A form's button: what to read from the fields and do.
#[derive(Clone, Debug, PartialEq)]
pub enum Form {
    PauseNode(u32),
    DriftNode(u32),
    RequestTo(u32),
    RequestLeader,
    /// An operator command: `timeout` goes to this node; `transfer N`, `add N`, `remove N` go to the leader, naming it.
    Admin {
        node: u32,
        command: &'static str,
    },
    IsolateLeader,
    LeaderInMinority,
    SplitHalves,
    Groups,
    Cut,
    Uncut,
    LinkParams,
    GlobalParams,
    Load,
    StopLoad,
    DelayMessage(u64),
}

pub enum Msg {
    Frame(f64),
    TogglePlay,
    Step,
    Restart,
    NewSeed,
    Speed(f64),
    Field(String, String),
    SelectNode(Option<u32>),
    SelectMessage(Option<u64>),
    HoverMessage(Option<u64>),
    SelectEvent(u64),
    Act(Action),
    Form(Form),
    ApplySettings,
    Help(bool),
    Key(String),
    DismissViolation,
    /// Downloads the trace held so far as JSON Lines.
    ExportTrace,
    /// Shows the moment right after this step (going back, or forward again by replay).
    Scrub(u64),
    /// Goes back one event (←).
    StepBack,
    /// Makes a share link of the whole run and copies it.
    CopyLink,
    /// The `sim run --link` command that replays this run natively, to the moment shown.
    CopyCli,
    /// The link made for the `CopyLink` with this number (the browser compresses asynchronously).
    LinkMade(u64, Result<String, String>),
    /// The page's share link, read (the browser inflates asynchronously), for the run numbered so.
    LinkOpened(u64, Result<share::SharedRun, String>),
    /// Goes on after a caption that waits.
    ContinueCaption,
    HideCaption,
    /// Starts a new run from the script in the scenario panel.
    RunScript,
    /// Starts a new run without the scenario.
    ClearScript,
    /// Puts a built-in scenario into the scenario panel.
    PickLesson(String),
    /// Something went wrong with the script (reading a file).
    ScriptError(String),
    /// Space-time diagram: zoom out (+1) or in (−1).
    Zoom(i32),
    /// Space-time diagram: scroll back (+1) or forward (−1) half a span; 0 follows the moment shown.
    Pan(i32),
    /// Downloads the space-time diagram as SVG.
    ExportSvg,
    /// A click on a message's arrow: the message and its send event.
    SelectArrow(u64, u64),
}

/// A requested animation frame: its handle and the callback the browser will call.
type PendingFrame = (i32, Closure<dyn FnMut(f64)>);

pub struct App {
    pub(super) params: PageParams,
    pub(super) run: Box<dyn Playground>,
    /// Every protocol's description, built once (each one configures a cluster to list its
    /// properties).
    pub(super) protocols: Vec<ProtocolInfo>,
    pub(super) playing: bool,
    pub(super) speed_exp: f64,
    /// Text of every form field, by name (see `field`).
    pub(super) fields: TextMap,
    pub(super) notices: Vec<String>,
    pub(super) action_error: Option<String>,
    pub(super) settings_errors: Vec<String>,
    pub(super) selected_node: Option<u32>,
    pub(super) selected_message: Option<u64>,
    pub(super) hovered_message: Option<u64>,
    pub(super) selected_event: Option<u64>,
    pub(super) filter: EventFilter,
    pub(super) show_help: bool,
    pub(super) violation: Option<ViolationNote>,
    violations_seen: usize,
    /// The virtual clock could not keep up with the speed in the last frame.
    pub(super) behind: bool,
    last_frame: Option<f64>,
    /// When the slow parts were last drawn (animation-frame time).
    slow_at: f64,
    /// When the page was last drawn on the way to a moment a seek goes to (animation-frame time).
    seek_drawn_at: f64,
    /// A trace export under way (`export_slice`).
    export: Option<Export>,
    /// Turns of the slow parts so far: the part is `PART_TURNS[turns % 4]`, the cycle `turns / 4`.
    slow_turns: u64,
    /// The version of the cluster's hidden list of messages in flight (`data-message`): bumped
    /// after anything a person does and with the space-time diagram while playing, not at every
    /// frame (at 10× the messages in flight turn over every few frames, and rewriting hundreds
    /// of elements at a frame cost more than drawing them).
    index_version: u64,
    index_due: bool,
    /// Which slow parts to redraw at the next render (bits `PART_*`).
    slow_dirty: std::cell::Cell<u8>,
    slow_versions: [std::cell::Cell<u64>; 6],
    /// When the space-time diagram was last drawn while playing (it is the costliest part).
    spacetime_at: f64,
    /// Arrows and marks in the diagram last drawn: a small diagram is redrawn more often.
    pub(super) spacetime_drawn: std::cell::Cell<usize>,
    frame: Option<PendingFrame>,
    keys: Option<Closure<dyn FnMut(web_sys::KeyboardEvent)>>,
    pub(super) script_errors: Vec<String>,
    /// The newest narration caption reached.
    pub(super) caption: Option<Caption>,
    /// Trace records already looked at for captions.
    captions_seen: u64,
    /// Space-time diagram: index into [`timeline::ZOOMS_US`], and how far before the moment shown
    /// its span ends.
    pub(super) zoom: usize,
    pub(super) pan_us: u64,
    /// The last share link made (or the command replaying it, when `share_cli`).
    pub(super) share_link: Option<String>,
    share_cli: bool,
    /// Counts `CopyLink`s and rebuilds, so a link finished after either is not shown.
    share_requests: u64,
    /// Counts the runs built, so a share link read after the person started another run is ignored.
    builds: u64,
    /// A share link is being read: the page shows the default run, paused, until it is.
    opening_link: bool,
    /// This run's settings and scenario in the full page (the embed's Open link).
    full_link: String,
}

/// Builds the page's run from the settings and a scenario (a share link is opened afterwards,
/// asynchronously: [`Msg::LinkOpened`]). Whatever is wrong becomes a notice and the default
/// cluster (keeping the viewing preferences).
fn build(params: &PageParams, notices: &mut Vec<String>) -> (PageParams, Box<dyn Playground>) {
    let scenario = params.scenario.as_deref().map(|s| lessons::lesson(s.trim()).unwrap_or(s).to_string());
    let params = PageParams { run: None, scenario, ..params.clone() };
    match build_run(&params) {
        Ok(built) => built,
        Err(e) => {
            notices.push(format!("{e}; using the default cluster"));
            let mut default = PageParams::default();
            default.keep_view_of(&params);
            let run =
                playground::build(&default.protocol, default.setup.clone(), None).expect("the default cluster builds");
            (default, run)
        }
    }
}

/// A run of the settings, with the scenario's settings, actions and expectations if there is one.
fn build_run(params: &PageParams) -> Result<(PageParams, Box<dyn Playground>), String> {
    let (settings, run) = playground::build_settings(&params.settings(), playground::Keep::Trace)?;
    Ok((params.with_settings(settings), run))
}

/// Rebuilds a shared run and replays it to the moment it was shared at, paused there.
fn open_link(shared: share::SharedRun, viewer: &PageParams) -> Result<(PageParams, Box<dyn Playground>), String> {
    let mut p = PageParams::default().with_settings(shared.settings()?);
    // How to look at it is the viewer's choice.
    p.keep_view_of(viewer);
    let (mut p, mut run) = build_run(&p)?;
    share::replay(run.as_mut(), &shared)?;
    p.paused = true;
    Ok((p, run))
}

/// Form fields' starting text, from the run's settings.
fn default_fields(params: &PageParams) -> TextMap {
    let s = &params.setup;
    let mut f = TextMap::new();
    let mut put = |k: &str, v: String| {
        f.insert(k.to_string(), v);
    };
    put("seed", s.seed.to_string());
    put("pause", "1s".into());
    put("drift", "150".into());
    let example = crate::playground::registry::entry(&params.protocol).map(|e| e.info().command_example);
    put("command", example.unwrap_or_default().into());
    put("groups", "1,2 | 3,4,5".into());
    put("link-from", "1".into());
    put("link-to", "2".into());
    put("link-both", "on".into());
    put("link-drop", "50".into());
    put("link-latency", "50ms..100ms".into());
    let percent = |ppm: u32| crate::core::decimal::format_scaled_trimmed(i64::from(ppm), 4);
    put("global-drop", percent(s.link.drop_ppm));
    put("global-dup", percent(s.link.duplicate_ppm));
    put(
        "global-latency",
        format!("{}..{}", format_duration(s.link.latency_us_min), format_duration(s.link.latency_us_max)),
    );
    put("load-clients", s.workload.clients.max(1).to_string());
    put("load-interval", format_duration(s.workload.interval_us));
    put("msg-delay", "100ms".into());
    put("set-protocol", params.protocol.clone());
    put("set-nodes", s.nodes.to_string());
    put(
        "set-latency",
        format!("{}..{}", format_duration(s.link.latency_us_min), format_duration(s.link.latency_us_max)),
    );
    put("set-bug", s.bug.clone().unwrap_or_else(|| "none".into()));
    put("set-faults", s.faults.as_str().into());
    for (k, v) in &s.options {
        put(&format!("opt:{}:{k}", params.protocol), v.clone());
    }
    f
}

impl App {
    pub(super) fn protocol_info(&self, name: &str) -> Option<&ProtocolInfo> {
        self.protocols.iter().find(|p| p.name == name)
    }

    /// The running protocol's description.
    pub(super) fn info(&self) -> &ProtocolInfo {
        self.protocol_info(self.run.protocol()).unwrap_or(&self.protocols[0])
    }

    pub(super) fn field(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }

    pub(super) fn speed(&self) -> f64 {
        super::math::pow(10.0, self.speed_exp)
    }

    fn node_count(&self) -> usize {
        self.run.setup().nodes
    }

    fn apply(&mut self, actions: Vec<Action>) {
        for action in actions {
            if let Err(e) = self.run.apply(action) {
                self.action_error = Some(e);
                return;
            }
        }
        self.action_error = None;
    }

    fn leader(&self, view: &ClusterView) -> Result<u32, String> {
        current_leader(view).ok_or_else(|| "there is no leader right now; wait for one or pick a node".to_string())
    }

    /// The actions a form's button stands for, read from the fields.
    fn form_actions(&self, form: &Form) -> Result<Vec<Action>, String> {
        let n = self.node_count();
        let view = self.run.view();
        let node_field = |name: &str| -> Result<NodeId, String> {
            match self.field(name).trim().parse::<u32>() {
                Ok(id) if id >= 1 && id as usize <= n => Ok(NodeId(id)),
                _ => Err(format!("{name}: pick a node from 1 to {n}")),
            }
        };
        Ok(match form {
            Form::PauseNode(id) => {
                vec![Action::Pause {
                    node: NodeId(*id),
                    for_us: forms::parse_delay(&self.field("pause"), "pause for")?,
                }]
            }
            Form::DriftNode(id) => {
                vec![Action::Drift { node: NodeId(*id), rate_pct: forms::parse_drift(&self.field("drift"))? }]
            }
            Form::RequestTo(id) => {
                vec![Action::Request { node: NodeId(*id), op: forms::parse_command(&self.field("command"))? }]
            }
            Form::RequestLeader => {
                let op = forms::parse_command(&self.field("command"))?;
                let node = current_leader(&view).unwrap_or(1);
                vec![Action::Request { node: NodeId(node), op }]
            }
            Form::Admin { node, command } => match command.split_once(' ') {
                // `transfer N`, `add N`, `remove N`: the leader does it, about this node.
                Some((verb, _)) => {
                    vec![Action::Admin { node: Some(NodeId(self.leader(&view)?)), command: format!("{verb} {node}") }]
                }
                None => vec![Action::Admin { node: Some(NodeId(*node)), command: command.to_string() }],
            },
            Form::IsolateLeader => vec![Action::Partition { groups: vec![vec![NodeId(self.leader(&view)?)]] }],
            Form::LeaderInMinority => {
                let leader = self.leader(&view)?;
                let minority = (n - 1) / 2;
                if minority == 0 {
                    return Err("a cluster this small has no minority with the leader in it".into());
                }
                let mut group = vec![NodeId(leader)];
                group.extend((1..=n as u32).filter(|&i| i != leader).take(minority - 1).map(NodeId));
                vec![Action::Partition { groups: vec![group] }]
            }
            Form::SplitHalves => {
                if n < 2 {
                    return Err("one node cannot be split".into());
                }
                let half = n / 2;
                vec![Action::Partition { groups: vec![(1..=half as u32).map(NodeId).collect()] }]
            }
            Form::Groups => vec![Action::Partition { groups: forms::parse_groups(&self.field("groups"), n)? }],
            Form::Cut | Form::Uncut => {
                let (from, to) = (node_field("link-from")?, node_field("link-to")?);
                if from == to {
                    return Err("pick two different nodes for the link".into());
                }
                let both = self.field("link-both") == "on";
                let one = |a, b| {
                    if *form == Form::Cut {
                        Action::Cut { from: a, to: b }
                    } else {
                        Action::Uncut { from: a, to: b }
                    }
                };
                let mut actions = vec![one(from, to)];
                if both {
                    actions.push(one(to, from));
                }
                actions
            }
            Form::LinkParams => {
                let (from, to) = (node_field("link-from")?, node_field("link-to")?);
                let change = LinkChange {
                    latency_us: Some(forms::parse_range(&self.field("link-latency"), "link delay")?),
                    drop_ppm: Some(forms::parse_percent(&self.field("link-drop"), "link drop")?),
                    duplicate_ppm: None,
                };
                let mut actions = vec![Action::Link { from: Some(from), to: Some(to), change: change.clone() }];
                if self.field("link-both") == "on" && from != to {
                    actions.push(Action::Link { from: Some(to), to: Some(from), change });
                }
                actions
            }
            Form::GlobalParams => vec![Action::Link {
                from: None,
                to: None,
                change: LinkChange {
                    latency_us: Some(forms::parse_range(&self.field("global-latency"), "latency")?),
                    drop_ppm: Some(forms::parse_percent(&self.field("global-drop"), "drop")?),
                    duplicate_ppm: Some(forms::parse_percent(&self.field("global-dup"), "duplicate")?),
                },
            }],
            Form::Load => vec![Action::Workload {
                clients: forms::parse_count(&self.field("load-clients"), "clients", forms::PAGE_CLIENTS_MAX)?,
                interval_us: forms::parse_delay(&self.field("load-interval"), "think time")?,
            }],
            Form::StopLoad => vec![Action::Workload { clients: 0, interval_us: self.run.setup().workload.interval_us }],
            Form::DelayMessage(id) => {
                vec![Action::DelayMessage { id: *id, by_us: forms::parse_delay(&self.field("msg-delay"), "delay by")? }]
            }
        })
    }

    /// Reads the settings form into page parameters, or says what is wrong with it.
    fn settings_from_fields(&self) -> Result<PageParams, Vec<String>> {
        let mut errors = Vec::new();
        let mut p = self.params.clone();
        p.errors.clear();
        let protocol = self.field("set-protocol");
        if !playground::protocol_names().contains(&protocol.as_str()) {
            errors.push(format!("protocol: unknown {protocol:?}"));
        } else {
            p.protocol = protocol;
        }
        match forms::parse_nodes(&self.field("set-nodes"), self.run.setup().nodes) {
            Ok(n) => p.setup.nodes = n,
            Err(e) => errors.push(e),
        }
        match forms::parse_range(&self.field("set-latency"), "latency") {
            Ok((lo, hi)) => {
                p.setup.link.latency_us_min = lo;
                p.setup.link.latency_us_max = hi;
            }
            Err(e) => errors.push(e),
        }
        let bug = self.field("set-bug");
        p.setup.bug = if bug.is_empty() || bug == "none" { None } else { Some(bug) };
        match crate::sim::FaultPreset::parse(&self.field("set-faults")) {
            Ok(f) => p.setup.faults = f,
            Err(e) => errors.push(e),
        }
        // p.protocol is known: either the choice just checked or the running one.
        let info = self.protocol_info(&p.protocol).unwrap_or(self.info());
        p.setup.options.clear();
        for o in info.options {
            if let Some(v) = self.fields.get(&format!("opt:{}:{}", p.protocol, o.key)) {
                let v = v.trim();
                if v != o.default {
                    p.setup.options.insert(o.key.to_string(), v.chars().take(64).collect());
                }
            }
        }
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(errors)
        }
    }

    fn restart_with(&mut self, params: PageParams) {
        // A new protocol gets its own example command, unless the person typed one.
        let typed = self.field("command");
        let is_example = self.protocols.iter().any(|p| typed == p.command_example);
        if is_example || typed.trim().is_empty() {
            let example = self.protocol_info(&params.protocol).unwrap_or(self.info()).command_example;
            self.fields.insert("command".into(), example.into());
        }
        let mut notices = Vec::new();
        let (params, run) = build(&params, &mut notices);
        self.install(params, run, notices);
    }

    /// Shows a newly built run (and forgets everything about the previous one).
    fn install(&mut self, params: PageParams, run: Box<dyn Playground>, notices: Vec<String>) {
        self.builds += 1;
        self.opening_link = false;
        self.params = params;
        self.run = run;
        self.notices = notices;
        self.caption = None;
        self.captions_seen = 0;
        self.share_link = None;
        self.share_requests += 1;
        self.pan_us = 0;
        self.full_link = self.full_page_link();
        self.action_error = None;
        self.violation = None;
        self.violations_seen = 0;
        self.selected_message = None;
        self.selected_event = None;
        if self.selected_node.is_some_and(|n| n as usize > self.run.setup().nodes) {
            self.selected_node = None;
        }
        self.fields.insert("seed".into(), self.run.setup().seed.to_string());
        // The settings form shows the run's settings (a scenario may have changed them).
        for (k, v) in default_fields(&self.params) {
            if k.starts_with("set-") || k.starts_with("opt:") {
                self.fields.insert(k, v);
            }
        }
    }

    /// Stops at the first new violation: pauses, names the property and selects its event.
    fn check_violations(&mut self) {
        let violations = self.run.property_violations();
        if violations.len() <= self.violations_seen {
            return;
        }
        let v = &violations[self.violations_seen];
        self.violations_seen = violations.len();
        let explain =
            self.run.properties().into_iter().find(|p| p.name == v.property).map(|p| p.explain).unwrap_or_default();
        self.violation = Some(ViolationNote {
            property: v.property.clone(),
            explain,
            detail: v.detail.clone(),
            t_us: v.t_us,
            event: v.event,
        });
        self.selected_event = Some(v.event);
        self.filter = EventFilter::default();
        self.playing = false;
        self.slow_dirty.set(PARTS_ALL);
    }

    fn request_frame(&mut self, ctx: &Context<Self>) {
        let Some(window) = web_sys::window() else { return };
        let link = ctx.link().clone();
        let closure = Closure::once(move |ts: f64| link.send_message(Msg::Frame(ts)));
        if let Ok(handle) = window.request_animation_frame(closure.as_ref().unchecked_ref()) {
            self.frame = Some((handle, closure));
        }
    }

    /// Shows the newest caption the run has reached; one that waits pauses the run.
    fn check_captions(&mut self) {
        let records = self.run.records();
        if records <= self.captions_seen {
            return;
        }
        let captions = self.run.captions_from(self.captions_seen);
        self.captions_seen = records;
        if let Some(last) = captions.last() {
            if captions.iter().any(|c| c.wait) {
                self.playing = false;
            }
            let waiting = captions.iter().rev().find(|c| c.wait).cloned();
            self.caption = waiting.or_else(|| Some(last.clone()));
            self.slow_dirty.set(PARTS_ALL);
        }
    }

    /// Goes to the moment right after step `step` and makes the page agree with it: at once when
    /// the replay there is short, else a slice per frame (`seek_slice`).
    fn scrub(&mut self, step: u64) {
        self.playing = false;
        let step = step.min(self.run.horizon());
        if let Err(e) = self.run.seek(step) {
            self.action_error = Some(e);
            return;
        }
        self.seek_slice();
    }

    /// Replays the seek under way for up to [`SEEK_SLICE_MS`] of wall time; the page shows the
    /// moment reached, and arrives when the seek does.
    fn seek_slice(&mut self) {
        let spent = frame_budget(SEEK_SLICE_MS);
        loop {
            match self.run.seek_more(SEEK_SLICE_STEPS) {
                Err(e) => {
                    self.action_error = Some(e);
                    return;
                }
                Ok(true) => return self.arrived(),
                Ok(false) if spent() => return,
                Ok(false) => {}
            }
        }
    }

    /// Writes the export under way for up to [`EXPORT_SLICE_MS`] (all of it with `all`), and
    /// offers the file once it is written. The run is held meanwhile (frames write instead of
    /// playing or seeking, and anything a person does first writes the rest), so the file is the
    /// trace of the moment Export was pressed.
    fn export_slice(&mut self, all: bool) {
        let Some(export) = self.export.as_mut() else { return };
        let spent = frame_budget(EXPORT_SLICE_MS);
        loop {
            let (piece, next, _) = self.run.trace_jsonl_piece(export.next, EXPORT_PIECE_BYTES);
            export.parts.push(&JsValue::from_str(&piece));
            export.next = next;
            if next >= self.run.records() {
                break;
            }
            if !all && spent() {
                return;
            }
        }
        let Some(export) = self.export.take() else { return };
        if let Err(e) = download_parts(&export.name, &export.parts, "application/x-ndjson") {
            self.action_error = Some(format!("could not export the trace: {e}"));
        }
    }

    /// After a seek: the violation, caption and error shown are those of the moment arrived at.
    fn arrived(&mut self) {
        self.slow_dirty.set(PARTS_ALL);
        self.action_error = None;
        self.violation = None;
        self.violations_seen = self.run.property_violations().len();
        // The caption is the newest one at or before this moment.
        let records = self.run.records();
        self.caption = self.run.captions_from(records.saturating_sub(CAPTION_LOOKBACK)).pop();
        self.captions_seen = records;
    }

    /// Makes the share link of the whole run, shows it and copies it to the clipboard.
    fn copy_link(&mut self, link: &yew::html::Scope<App>, cli: bool) {
        if self.run.horizon() > share::LINK_STEPS_MAX {
            self.action_error = Some(format!(
                "this run is {} steps long; a share link replays at most {} (restart and share sooner)",
                self.run.horizon(),
                share::LINK_STEPS_MAX
            ));
            return;
        }
        let shared = share::SharedRun::capture(&self.params.settings(), self.run.as_ref());
        if shared.actions.len() > share::LINK_ACTIONS_MAX {
            self.action_error =
                Some(format!("this run has more than {} actions, too many for a share link", share::LINK_ACTIONS_MAX));
            return;
        }
        let location = web_sys::window().map(|w| w.location());
        let base =
            location.and_then(|l| Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))).unwrap_or_default();
        self.share_requests += 1;
        self.share_cli = cli;
        let request = self.share_requests;
        let link = link.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let made = share::make_link(&shared).await.map(|value| format!("{base}?run={value}"));
            link.send_message(Msg::LinkMade(request, made));
        });
    }

    /// The scenario's expectations as judged so far (final at the end of the run).
    pub(super) fn expectation_summary(&self) -> Option<Vec<(bool, String)>> {
        self.params.scenario.as_ref()?;
        Some(self.run.expectations().into_iter().map(|e| (e.passed, e.text)).collect())
    }

    fn advance(&mut self, wall_ms: f64) -> RunStatus {
        let advance_us = (wall_ms * 1000.0 * self.speed()) as u64;
        let target = self.run.now_us() + advance_us.max(1);
        let status = self.run.run_until_violation(target, STEPS_PER_FRAME_MAX);
        self.behind = status == RunStatus::StepLimit;
        status
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = AppProps;

    fn create(ctx: &Context<Self>) -> Self {
        let query = ctx
            .props()
            .query
            .clone()
            .unwrap_or_else(|| web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default());
        let params = parse_params(&query);
        if params.debug_panic {
            panic!("a deliberate panic, asked for by debug=panic");
        }
        let mut notices = params.errors.clone();
        let shared_link = params.run.clone();
        let (params, run) = build(&params, &mut notices);
        let keys = {
            let link = ctx.link().clone();
            let closure = Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
                let typing = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|el| {
                    let tag = el.tag_name();
                    // Space and Enter on a focused button press that button, not the page's keys.
                    matches!(tag.as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                        || (tag == "BUTTON" && matches!(e.key().as_str(), " " | "Enter"))
                });
                if typing || e.ctrl_key() || e.meta_key() || e.alt_key() {
                    return;
                }
                let key = e.key();
                if matches!(key.as_str(), " " | "ArrowRight" | "ArrowLeft") {
                    e.prevent_default();
                }
                link.send_message(Msg::Key(key));
            });
            web_sys::window()
                .and_then(|w| w.document())
                .map(|d| d.add_event_listener_with_callback("keydown", closure.as_ref().unchecked_ref()));
            Some(closure)
        };
        let mut app = App {
            protocols: playground::protocols(),
            fields: default_fields(&params),
            speed_exp: super::math::log10(params.speed).clamp(SPEED_EXP_RANGE.0, SPEED_EXP_RANGE.1),
            playing: !params.paused,
            params,
            run,
            notices,
            action_error: None,
            settings_errors: Vec::new(),
            selected_node: None,
            selected_message: None,
            hovered_message: None,
            selected_event: None,
            filter: EventFilter::default(),
            show_help: false,
            violation: None,
            violations_seen: 0,
            behind: false,
            last_frame: None,
            slow_at: 0.0,
            seek_drawn_at: 0.0,
            export: None,
            slow_turns: 0,
            index_version: 0,
            index_due: false,
            slow_dirty: std::cell::Cell::new(PARTS_ALL),
            slow_versions: Default::default(),
            spacetime_at: 0.0,
            spacetime_drawn: std::cell::Cell::new(0),
            frame: None,
            keys,
            script_errors: Vec::new(),
            caption: None,
            captions_seen: 0,
            zoom: timeline::ZOOM_DEFAULT,
            pan_us: 0,
            share_link: None,
            share_cli: false,
            share_requests: 0,
            builds: 0,
            opening_link: false,
            full_link: String::new(),
        };
        app.full_link = app.full_page_link();
        if let Some(text) = &app.params.scenario {
            app.fields.insert("script".into(), text.clone());
        }
        if let Some(text) = shared_link {
            // The browser inflates the link asynchronously; until then the default run waits.
            app.opening_link = true;
            app.playing = false;
            let (link, build) = (ctx.link().clone(), app.builds);
            wasm_bindgen_futures::spawn_local(async move {
                link.send_message(Msg::LinkOpened(build, share::open(&text).await));
            });
        }
        app.request_frame(ctx);
        app
    }

    fn destroy(&mut self, _ctx: &Context<Self>) {
        if let (Some(window), Some((handle, _))) = (web_sys::window(), self.frame.take()) {
            let _ = window.cancel_animation_frame(handle);
        }
        if let (Some(document), Some(keys)) = (web_sys::window().and_then(|w| w.document()), self.keys.take()) {
            let _ = document.remove_event_listener_with_callback("keydown", keys.as_ref().unchecked_ref());
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        if !matches!(msg, Msg::Frame(_) | Msg::HoverMessage(_)) {
            self.slow_dirty.set(PARTS_ALL);
            self.index_version += 1;
            // What a person does acts on the run after the export under way is written.
            if !matches!(msg, Msg::ExportTrace) {
                self.export_slice(true);
            }
        }
        match msg {
            Msg::Frame(ts) => {
                let gap = self.last_frame.map_or(0.0, |last| (ts - last).clamp(0.0, FRAME_GAP_MS_MAX));
                self.last_frame = Some(ts);
                self.request_frame(ctx);
                if self.export.is_some() {
                    // The run is held while its trace is written, a slice a frame.
                    self.export_slice(false);
                    return true;
                }
                if self.run.seeking().is_some() {
                    // A long replay to a moment dragged to: a slice a frame, so the page keeps
                    // answering. Playing goes on from that moment once it is reached. The page
                    // shows the way there every `SEEK_DRAW_MS` (a big cluster takes longer to
                    // draw than a slice to replay), and the moment once it is reached.
                    self.seek_slice();
                    if self.run.seeking().is_some() && ts - self.seek_drawn_at < SEEK_DRAW_MS {
                        return false;
                    }
                    self.seek_drawn_at = ts;
                    self.slow_dirty.set(self.slow_dirty.get() | PART_TIMELINE);
                    return true;
                }
                if !self.playing {
                    // A run opened paused (a share link) still shows the caption it stands at.
                    let before = self.caption.clone();
                    self.check_captions();
                    return self.caption != before;
                }
                // A frame looks for violations only when the run stopped at one.
                if self.advance(gap) == RunStatus::Violation {
                    self.check_violations();
                }
                self.check_captions();
                if ts - self.slow_at >= SLOW_PANELS_MS / PART_TURNS.len() as f64 {
                    self.slow_at = ts;
                    self.slow_turns += 1;
                    let turns = PART_TURNS.len() as u64;
                    let (cycle, turn) = (self.slow_turns / turns, (self.slow_turns % turns) as usize);
                    let mut part = PART_TURNS[turn];
                    // A big cluster's log grid (~600 cells) is the costliest panel to redraw
                    // (51 nodes at 10×: 9 % of frames missed a vsync with it, none without):
                    // every other cycle.
                    if part == PART_LOGS && self.run.setup().nodes > LOG_GRID_FULL_RATE_NODES_MAX {
                        part = if cycle % 2 == 0 { PART_LOGS } else { 0 };
                    }
                    // The timeline at every turn: its numbers move, but a range input redrawn
                    // at every frame cost more than the rest of the controls.
                    self.slow_dirty.set(self.slow_dirty.get() | part | PART_TIMELINE);
                }
                // A small diagram (a run's first second, a quiet cluster) is cheap: drawn four
                // times as often, it does not stay empty for a second after the page opens.
                let period =
                    if self.spacetime_drawn.get() < SPACETIME_SMALL { SPACETIME_MS / 4.0 } else { SPACETIME_MS };
                if ts - self.spacetime_at >= period {
                    self.spacetime_at = ts;
                    self.slow_dirty.set(self.slow_dirty.get() | PART_SPACETIME);
                    self.index_due = true;
                } else if self.index_due && ts - self.spacetime_at >= period / 2.0 {
                    // Half a period after the diagram, so the two never share a frame.
                    self.index_due = false;
                    self.index_version += 1;
                }
                return true;
            }
            Msg::TogglePlay => {
                self.playing = !self.playing;
                if self.playing {
                    self.violation = None;
                }
            }
            Msg::Step => {
                self.playing = false;
                self.run.step();
                self.check_captions();
            }
            Msg::Scrub(step) => self.scrub(step),
            Msg::StepBack => self.scrub(self.run.seeking().unwrap_or(self.run.steps()).saturating_sub(1)),
            Msg::CopyLink => self.copy_link(ctx.link(), false),
            Msg::CopyCli => self.copy_link(ctx.link(), true),
            Msg::LinkOpened(build, shared) => {
                if build != self.builds {
                    return false;
                }
                self.opening_link = false;
                match shared.and_then(|s| open_link(s, &self.params)) {
                    Ok((params, run)) => {
                        self.playing = false;
                        let notices = std::mem::take(&mut self.notices);
                        self.install(params, run, notices);
                    }
                    Err(e) => {
                        self.notices
                            .push(format!("This share link could not be opened: {e}. Showing a default run instead."));
                        self.playing = !self.params.paused;
                    }
                }
            }
            Msg::LinkMade(request, made) => {
                if request != self.share_requests {
                    return false;
                }
                match made {
                    Ok(url) => {
                        let url = if self.share_cli { format!("sim run --link '{url}'") } else { url };
                        copy_to_clipboard(&url);
                        self.share_link = Some(url);
                    }
                    Err(e) => self.action_error = Some(e),
                }
            }
            Msg::ContinueCaption => {
                self.playing = true;
                self.violation = None;
            }
            Msg::HideCaption => self.caption = None,
            Msg::RunScript => {
                let text = self.field("script");
                if text.trim().is_empty() {
                    self.script_errors = vec!["the script is empty: write one or pick an example".into()];
                } else {
                    match crate::scenario::parse(&text) {
                        Err(e) => self.script_errors = vec![e.to_string()],
                        Ok(_) => {
                            self.script_errors.clear();
                            let p = PageParams { scenario: Some(text), ..self.params.clone() };
                            self.restart_with(p);
                            self.playing = true;
                        }
                    }
                }
            }
            Msg::ClearScript => {
                let p = PageParams { scenario: None, ..self.params.clone() };
                self.restart_with(p);
            }
            Msg::ScriptError(e) => self.script_errors = vec![e],
            Msg::PickLesson(name) => {
                if let Some(text) = lessons::lesson(&name) {
                    self.fields.insert("script".into(), text.to_string());
                }
            }
            Msg::Zoom(by) => {
                let z = self.zoom as i32 + by;
                self.zoom = z.clamp(0, timeline::ZOOMS_US.len() as i32 - 1) as usize;
            }
            Msg::Pan(by) => {
                let half = timeline::ZOOMS_US[self.zoom] / 2;
                self.pan_us = match by {
                    0 => 0,
                    b if b > 0 => (self.pan_us + half).min(self.run.now_us()),
                    _ => self.pan_us.saturating_sub(half),
                };
            }
            Msg::ExportSvg => {
                let svg = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("spacetime-svg"))
                    .map(|e| e.outer_html());
                let name = format!("{}-seed{}-spacetime.svg", self.run.protocol(), self.run.setup().seed);
                let result = svg.ok_or_else(|| "the space-time diagram is not shown".to_string()).and_then(|svg| {
                    download(&name, &format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{svg}"), "image/svg+xml")
                });
                if let Err(e) = result {
                    self.action_error = Some(format!("could not export the diagram: {e}"));
                }
                return true;
            }
            Msg::SelectArrow(id, event) => {
                self.selected_message = Some(id);
                self.selected_event = Some(event);
            }
            Msg::Restart => match self.field("seed").trim().parse::<u64>() {
                Ok(seed) => {
                    let mut p = self.params.clone();
                    p.setup.seed = seed;
                    self.restart_with(p);
                }
                Err(_) => self.action_error = Some(format!("seed {:?} is not a whole number", self.field("seed"))),
            },
            Msg::NewSeed => {
                let mut p = self.params.clone();
                p.setup.seed = next_seed(p.setup.seed);
                self.restart_with(p);
            }
            Msg::Speed(exp) => self.speed_exp = exp.clamp(SPEED_EXP_RANGE.0, SPEED_EXP_RANGE.1),
            Msg::Field(name, value) => {
                // Form fields are short; a script may be as long as the scenario language allows.
                let limit = if name == "script" { crate::scenario::SCENARIO_BYTES_MAX } else { 200 };
                let value: String = value.chars().take(limit).collect();
                match name.as_str() {
                    "filter-node" => self.filter.node = value.parse().ok(),
                    "filter-class" => self.filter.class = Some(value.clone()).filter(|v| !v.is_empty()),
                    _ => {}
                }
                if name == "set-protocol" && value != self.field("set-protocol") {
                    self.fields.insert("set-bug".into(), "none".into());
                }
                self.fields.insert(name, value);
            }
            Msg::SelectNode(node) => {
                self.selected_node = node.filter(|&n| n >= 1 && n as usize <= self.node_count());
                if let Some(n) = self.selected_node {
                    self.fields.insert("link-from".into(), n.to_string());
                }
            }
            Msg::SelectMessage(id) => self.selected_message = id,
            Msg::HoverMessage(id) => {
                if self.hovered_message == id {
                    return false;
                }
                self.hovered_message = id;
            }
            Msg::SelectEvent(index) => {
                self.selected_event = Some(index);
                // A send whose message is still in flight selects the message too.
                let sent = self.run.event(index).and_then(|e| e.message);
                if let Some(id) = sent.filter(|id| self.run.view().messages.iter().any(|m| m.id == *id)) {
                    self.selected_message = Some(id);
                }
            }
            Msg::Act(action) => self.apply(vec![action]),
            Msg::Form(form) => match self.form_actions(&form) {
                Ok(actions) => self.apply(actions),
                Err(e) => self.action_error = Some(e),
            },
            Msg::ApplySettings => match self.settings_from_fields() {
                Ok(p) => match playground::build(&p.protocol, p.setup.clone(), None) {
                    Ok(_) => {
                        self.settings_errors.clear();
                        self.restart_with(p);
                    }
                    Err(e) => self.settings_errors = vec![e],
                },
                Err(errors) => self.settings_errors = errors,
            },
            Msg::Help(show) => self.show_help = show,
            Msg::Key(key) => match key.as_str() {
                " " | "k" => return Component::update(self, ctx, Msg::TogglePlay),
                "ArrowRight" | "." => return Component::update(self, ctx, Msg::Step),
                "ArrowLeft" | "," => return Component::update(self, ctx, Msg::StepBack),
                "?" => self.show_help = !self.show_help,
                "Escape" => {
                    self.show_help = false;
                    self.selected_node = None;
                    self.selected_message = None;
                }
                "h" => self.apply(vec![Action::HealAll]),
                "r" => return Component::update(self, ctx, Msg::Restart),
                "n" => return Component::update(self, ctx, Msg::NewSeed),
                "c" => {
                    if let Some(n) = self.selected_node {
                        let up = self.run.view().nodes.get(n as usize - 1).is_some_and(|v| v.up);
                        let node = NodeId(n);
                        self.apply(vec![if up { Action::Crash { node } } else { Action::Restart { node } }]);
                    }
                }
                "+" | "=" => self.speed_exp = (self.speed_exp + 0.5).min(SPEED_EXP_RANGE.1),
                "-" => self.speed_exp = (self.speed_exp - 0.5).max(SPEED_EXP_RANGE.0),
                _ => {
                    if let Some(d) = key.parse::<u32>().ok().filter(|d| (1..=9).contains(d)) {
                        return Component::update(self, ctx, Msg::SelectNode(Some(d)));
                    }
                    return false;
                }
            },
            Msg::DismissViolation => self.violation = None,
            Msg::ExportTrace => {
                if self.export.is_some() {
                    return false;
                }
                // In pieces: the whole trace as one string (~20 MB for 200,000 records) grew
                // the page's memory by ~70 MB for good (WebAssembly memory never shrinks); and
                // over frames, a slice a frame: written at once, it held the page ~0.45 s.
                let name = format!("{}-seed{}.jsonl", self.run.protocol(), self.run.setup().seed);
                let next = self.run.trace_first_index();
                self.export = Some(Export { name, parts: js_sys::Array::new(), next });
                self.export_slice(false);
                return true;
            }
        }
        // Whatever a person did may have broken a property. (A selected message that has since
        // been delivered needs no clearing: ids are never reused, and the panels show nothing.)
        self.check_violations();
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        // Most frames redraw only the cluster: no logs, and only the text of the message under
        // the pointer or selected (a busy run has over a thousand messages in flight).
        let view = std::rc::Rc::new(self.run.view_with(ViewDetail {
            describe_only: Some([self.hovered_message, self.selected_message]),
            logs: self.slow_dirty.get() & PART_LOGS != 0,
        }));
        let slow = self.slow_parts(link, &view);
        let speed = self.speed();
        let on_speed = link.callback(|e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            Msg::Speed(crate::core::decimal::parse_f64(&input.value(), 6).unwrap_or(-1.0))
        });
        let on_seed = panels::field_input(link, "seed");
        let subtitle = format!(
            "{} · {} nodes · seed {}{}{}{}",
            view.protocol,
            view.nodes.len(),
            self.run.setup().seed,
            self.run.setup().options.iter().map(|(k, v)| format!(" · {k} {v}")).collect::<String>(),
            self.run.setup().bug.as_ref().map(|b| format!(" · bug {b}")).unwrap_or_default(),
            if self.run.setup().faults == crate::sim::FaultPreset::Chaos { " · chaos" } else { "" },
        );
        let p = &self.params;
        let (panel, control) = (|n: &str| p.shows_panel(n), |n: &str| p.shows_control(n));
        html! {
            <div class={classes!("playground", p.embed.then_some("embed"))} data-playing={self.playing.to_string()}
                 data-opening={self.opening_link.then_some("true")} aria-busy={self.opening_link.then_some("true")}>
                if p.embed {
                    <header class="embed-header">
                        <span class="subtitle" title={self.info().about}>{ subtitle }</span>
                        <a class="open-full" href={self.full_link.clone()} target="_blank" rel="noopener" title="Open this run in the full playground">{ "Open ↗" }</a>
                    </header>
                } else {
                    <header>
                        <h1>{ "Consensus Playground" }</h1>
                        <span class="subtitle" title={self.info().about}>{ subtitle }</span>
                        <button id="help" class="icon" title="Keyboard shortcuts (?)" aria-label="keyboard shortcuts"
                                onclick={link.callback(|_| Msg::Help(true))}>{ "?" }</button>
                    </header>
                }
                if let Some(v) = &self.violation {
                    <div id="violation" class="violation" role="alert" data-property={v.property.clone()}>
                        <strong>{ format!("✗ {} violated", v.property) }</strong>
                        { format!(" at t = {}: {}", format_duration(v.t_us), v.explain) }
                        <div class="detail">{ format!("{} (event #{})", v.detail, v.event) }</div>
                        <button onclick={link.callback(|_| Msg::DismissViolation)} title="Hide this message (the property stays violated)">{ "Dismiss" }</button>
                    </div>
                }
                { for self.notices.iter().map(|n| html! { <p class="notice" role="alert">{ n }</p> }) }
                <section class="controls" aria-label="run controls">
                    if control("play") {
                        <button id="play" class="primary" title="Play or pause the simulation (Space)" onclick={link.callback(|_| Msg::TogglePlay)}>
                            { if self.playing { "Pause" } else { "Play" } }
                        </button>
                    }
                    if control("step") {
                        <button id="step" title="Process exactly one event (→)" onclick={link.callback(|_| Msg::Step)}>{ "Step" }</button>
                    }
                    if control("speed") {
                        <label class="speed" title="Virtual time per wall-clock time, from 0.01× to 100× (+ / −)">
                            { "Speed " }
                            <input id="speed" type="range" min={fixed(SPEED_EXP_RANGE.0, 0)} max={fixed(SPEED_EXP_RANGE.1, 0)} step="0.05"
                                   value={fixed(self.speed_exp, 2)} oninput={on_speed} aria-valuetext={format!("{}×", fixed(speed, 2))} />
                            <output>{ format_speed(speed) }</output>
                        </label>
                    }
                    if control("seed") {
                        <label title="The seed decides every random choice of the run: same seed and actions, same run">
                            { "Seed " }
                            <input id="seed" type="text" inputmode="numeric" value={self.field("seed")} oninput={on_seed} />
                        </label>
                        <button id="restart" title="Start the run again with this seed (r)" onclick={link.callback(|_| Msg::Restart)}>{ "Restart" }</button>
                        <button id="new-seed" title="Start a run with another seed (n)" onclick={link.callback(|_| Msg::NewSeed)}>{ "New seed" }</button>
                    }
                    if control("heal") {
                        <button id="heal" title="Heal partitions and cuts, restart crashed nodes, resume paused ones, stop loss (h)"
                                onclick={link.callback(|_| Msg::Act(Action::HealAll))}>{ "Heal all" }</button>
                    }
                    if control("clock") {
                        <span id="clock" class="clock" data-virtual-time={view.now_us.to_string()} title="virtual time">
                            { format!("t = {}", format_duration(view.now_us)) }
                        </span>
                    }
                    if control("share") {
                        <button id="share" title="Copy a link that replays this whole run exactly: settings, seed and every action"
                                onclick={link.callback(|_| Msg::CopyLink)}>{ "Copy link" }</button>
                        <button id="share-cli" title="Copy the command that replays this run natively (sim run --link), to the moment shown, with the same trace hash"
                                onclick={link.callback(|_| Msg::CopyCli)}>{ "Copy CLI command" }</button>
                    }
                    if control("export") {
                        <button id="export-trace" title="Download the trace so far as JSON Lines (the format of sim run --trace)"
                                onclick={link.callback(|_| Msg::ExportTrace)} data-exporting={self.export.is_some().to_string()}>
                            { match &self.export {
                                Some(e) => {
                                    let first = self.run.trace_first_index();
                                    let done = e.next.saturating_sub(first) * 100 / self.run.records().saturating_sub(first).max(1);
                                    format!("Exporting… {done} %")
                                }
                                None => "Export trace".to_string(),
                            } }
                        </button>
                    }
                    <span class={classes!("stats", p.embed.then_some("hidden"))} id="stats" data-hash={format_hash(self.run.hash())}
                          title="trace records so far and the hash of the whole trace">
                        { format!("{} events · trace {}", self.run.records(), format_hash(self.run.hash())) }
                        if self.behind && self.playing { { " · running behind" } }
                    </span>
                </section>
                if let Some(url) = &self.share_link {
                    <p class="share-link">
                        { if self.share_cli { "Command that replays this run natively (copied if the browser allowed it): " } else { "Link to this run (copied if the browser allowed it): " } }
                        <input id="share-url" type="text" readonly=true value={url.clone()} aria-label="share link" />
                        <span class="hint">{ format!("{} characters", url.len()) }</span>
                    </p>
                }
                if let Some(e) = &self.action_error {
                    <p id="action-error" class="notice error" role="alert">{ e }</p>
                }
                { timeline::caption(self, link) }
                { slow.timeline }
                <div class="panes">
                    if panel("cluster") {
                        <section class="cluster-pane" aria-label="cluster">
                            <ClusterSvg view={view.clone()} index_version={self.index_version} selected_node={self.selected_node} selected_message={self.selected_message}
                                        on_node={link.callback(|n| Msg::SelectNode(Some(n)))}
                                        on_message={link.callback(|m| Msg::SelectMessage(Some(m)))}
                                        hovered_message={self.hovered_message} on_hover={link.callback(Msg::HoverMessage)} />
                            { slow.under_cluster }
                        </section>
                    }
                    <section class="side">
                        { slow.side }
                    </section>
                </div>
                { slow.spacetime }
                { slow.logs }
                <div class="tools">
                    { slow.tools }
                </div>
                if self.show_help {
                    { panels::help(link) }
                }
            </div>
        }
    }
}

impl App {
    /// This run's settings and scenario in the full page (`index.html` beside the page showing it).
    fn full_page_link(&self) -> String {
        let location = web_sys::window().map(|w| w.location());
        let path = location.as_ref().and_then(|l| l.pathname().ok()).unwrap_or_default();
        let base = format!("{}index.html", &path[..path.rfind('/').map_or(0, |i| i + 1)]);
        let query = self.params.settings().query();
        let scenario = self
            .params
            .scenario
            .as_deref()
            .map(|s| format!("&scenario={}", crate::playground::settings::encode(s)))
            .unwrap_or_default();
        format!("{base}?{query}{scenario}")
    }
}

/// Part of the page that Yew leaves alone (no render, no diff) until its version changes.
#[derive(Properties, Clone)]
pub struct FrozenProps {
    pub version: u64,
    pub html: Html,
}

impl PartialEq for FrozenProps {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
    }
}

#[function_component(Frozen)]
pub(super) fn frozen(props: &FrozenProps) -> Html {
    props.html.clone()
}

/// The parts of the page that need not change at every animation frame: redrawn at most
/// [`SLOW_PANELS_MS`] apart while the run plays, and at once after anything a person does.
struct SlowParts {
    timeline: Html,
    under_cluster: Html,
    side: Html,
    logs: Html,
    tools: Html,
    spacetime: Html,
}

/// The slow parts, as bits of [`App::slow_dirty`].
const PART_UNDER_CLUSTER: u8 = 1;
const PART_SIDE: u8 = 2;
const PART_LOGS: u8 = 4;
const PART_TOOLS: u8 = 8;
/// The space-time diagram: redrawn once every [`SPACETIME_MS`] while playing (a busy span is
/// thousands of arrows), and at once after anything a person does.
const PART_SPACETIME: u8 = 16;
const SPACETIME_MS: f64 = 1000.0;
/// A diagram with fewer arrows and marks than this is redrawn every `SPACETIME_MS / 4`.
const SPACETIME_SMALL: usize = 150;
/// The timeline (scrubber): redrawn at every turn of the others.
const PART_TIMELINE: u8 = 32;
const PARTS_ALL: u8 = 63;
/// The order the parts are redrawn in while playing, one per quarter of [`SLOW_PANELS_MS`], so no
/// single frame redraws them all.
const PART_TURNS: [u8; 4] = [PART_SIDE, PART_LOGS, PART_UNDER_CLUSTER, PART_TOOLS];
/// Clusters larger than this redraw the log grid at every other turn of the slow parts.
const LOG_GRID_FULL_RATE_NODES_MAX: usize = 20;

impl App {
    fn slow_parts(&self, link: &yew::html::Scope<App>, view: &std::rc::Rc<ClusterView>) -> SlowParts {
        let dirty = self.slow_dirty.replace(0);
        let part = |bit: u8, index: usize, build: &dyn Fn() -> Html| -> Html {
            let versions = &self.slow_versions;
            if dirty & bit == 0 {
                let version = versions[index].get();
                return html! { <Frozen version={version} html={Html::default()} /> };
            }
            let version = versions[index].get() + 1;
            versions[index].set(version);
            html! { <Frozen version={version} html={build()} /> }
        };
        let panel = |name: &str| self.params.shows_panel(name);
        SlowParts {
            timeline: part(PART_TIMELINE, 5, &|| {
                html! {
                    if panel("timeline") { { timeline::timeline(self, link) } }
                }
            }),
            under_cluster: part(PART_UNDER_CLUSTER, 0, &|| {
                html! {
                    <>
                        { panels::legend(view) }
                        if panel("selection") {
                            { panels::message_panel(self, link, view) }
                            { panels::node_panel(self, link, view) }
                        }
                    </>
                }
            }),
            side: part(PART_SIDE, 1, &|| {
                html! {
                    <>
                        if panel("properties") { { panels::properties_panel(self) } }
                        if panel("events") { { panels::events_panel(self, link, view) } }
                    </>
                }
            }),
            spacetime: part(PART_SPACETIME, 4, &|| {
                html! {
                    if panel("spacetime") { { timeline::spacetime_panel(self, link) } }
                }
            }),
            logs: part(PART_LOGS, 2, &|| {
                html! {
                    <>
                        if panel("logs") {
                            <section class="logs" aria-label="logs">
                                <h2>{ "Logs" }</h2>
                                <LogGrid view={view.clone()} selected_node={self.selected_node}
                                         on_node={link.callback(|n| Msg::SelectNode(Some(n)))} />
                            </section>
                        }
                    </>
                }
            }),
            tools: part(PART_TOOLS, 3, &|| {
                html! {
                    <>
                        if panel("scenario") { { timeline::scenario_panel(self, link) } }
                        if panel("tools") {
                            { panels::network_panel(self, link, view) }
                            { panels::clients_panel(self, link) }
                            { panels::settings_panel(self, link) }
                        }
                    </>
                }
            }),
        }
    }
}

/// Puts `text` on the clipboard if the browser lets the page (it is also shown to copy by hand).
fn copy_to_clipboard(text: &str) {
    let Some(window) = web_sys::window() else { return };
    let call = || -> Result<(), JsValue> {
        let navigator = js_sys::Reflect::get(&window, &"navigator".into())?;
        let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into())?;
        let write: js_sys::Function = js_sys::Reflect::get(&clipboard, &"writeText".into())?.dyn_into()?;
        let promise = write.call1(&clipboard, &text.into())?;
        // A refusal (no permission, not a secure context) is fine: the link is on the page.
        if let Ok(promise) = promise.dyn_into::<js_sys::Promise>() {
            let ignore = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {});
            let _ = promise.catch(&ignore);
            // One small closure per click, kept for the promise to call.
            ignore.forget();
        }
        Ok(())
    };
    let _ = call();
}

/// A frame's time budget for work taken in slices (a seek's replay, a trace export): a test,
/// asked between slices, of whether `ms` of wall time have passed since the budget was made.
/// Without a clock (no window) every slice spends it, so the work goes on a slice a frame.
fn frame_budget(ms: f64) -> impl Fn() -> bool {
    let clock = web_sys::window().and_then(|w| w.performance());
    let start = clock.as_ref().map(|p| p.now());
    move || clock.as_ref().zip(start).is_none_or(|(p, start)| p.now() - start >= ms)
}

/// A trace export under way: the file's name, its parts written so far, and the index of the
/// next record to write.
struct Export {
    name: String,
    parts: js_sys::Array,
    next: u64,
}

/// Offers `text` as a file download.
fn download(name: &str, text: &str, mime: &str) -> Result<(), String> {
    download_parts(name, &js_sys::Array::of1(&JsValue::from_str(text)), mime)
}

/// Offers a file made of these strings, one after the other, for download.
fn download_parts(name: &str, parts: &js_sys::Array, mime: &str) -> Result<(), String> {
    let fail = |e: JsValue| format!("{e:?}");
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(fail)?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    web_sys::Url::revoke_object_url(&url).map_err(fail)?;
    Ok(())
}

pub fn format_speed(speed: f64) -> String {
    let decimals = if speed >= 10.0 {
        0
    } else if speed >= 1.0 {
        1
    } else {
        2
    };
    format!("{}×", fixed(speed, decimals))
}
