//! The page's state — the run, the settings it came from, what is selected, the forms' text — and
//! what changes it: building a run, the forms' actions, seeks, exports, share links. The
//! component that draws it and dispatches messages to it is `app.rs`.

use super::forms;
use super::lessons;
use super::msg::{Form, Msg};
use super::params::PageParams;
use crate::core::time::format_duration;
use crate::core::TextMap;
use crate::core::{NodeId, TimeUs};
use crate::playground::share;
use crate::playground::{self, Caption, ClusterView, EventFilter, Playground, ProtocolInfo};
use crate::sim::{Action, LinkChange, RunStatus};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

/// The most simulator steps one animation frame may take, so a livelocked protocol or a very
/// high speed cannot freeze the tab (the clock then runs behind and the page says so).
pub const STEPS_PER_FRAME_MAX: u64 = 20_000;
/// A seek (a timeline drag) replays for at most this long a frame, so that a replay of hundreds
/// of thousands of steps (a long run of a big cluster) leaves the page answering keys and drags.
pub(super) const SEEK_SLICE_MS: f64 = 12.0;
/// How often the page is drawn on the way to the moment a long seek goes to.
pub(super) const SEEK_DRAW_MS: f64 = 100.0;
/// Steps a seek replays between looks at the clock.
pub(super) const SEEK_SLICE_STEPS: u64 = 500;
/// A trace export writes for at most this long a frame (a virtual hour's trace, written at once,
/// held the page for one long frame).
pub(super) const EXPORT_SLICE_MS: f64 = 12.0;
/// The bytes of JSON Lines an export writes between looks at the clock (~1 ms of writing), and
/// the size of each part of the file it hands the browser.
pub(super) const EXPORT_PIECE_BYTES: usize = 1 << 16;
/// The longest wall-clock gap one frame advances (a background tab coming back does not jump).
pub(super) const FRAME_GAP_MS_MAX: f64 = 100.0;
/// Wall-clock milliseconds between redraws of the panels around the cluster while playing (the
/// cluster itself is drawn at every frame).
pub const SLOW_PANELS_MS: f64 = 200.0;
/// Events shown in the log.
pub const LOG_LINES: usize = 40;
/// Records looked back over for the caption to show after going back in time.
pub(super) const CAPTION_LOOKBACK: u64 = 50_000;
/// Speed slider bounds, as powers of ten (0.01× to 100×).
pub const SPEED_EXP_RANGE: (f64, f64) = (-2.0, 2.0);

/// The first violation the page stopped at.
#[derive(Clone, Debug, PartialEq)]
pub struct ViolationNote {
    pub property: String,
    pub explain: String,
    pub detail: String,
    pub t_us: TimeUs,
    pub event: u64,
}

/// The slow parts, as bits of [`App::slow_dirty`].
pub(super) const PART_UNDER_CLUSTER: u8 = 1;
pub(super) const PART_SIDE: u8 = 2;
pub(super) const PART_LOGS: u8 = 4;
pub(super) const PART_TOOLS: u8 = 8;
/// The space-time diagram: redrawn once every [`SPACETIME_MS`] while playing (a busy span is
/// thousands of arrows), and at once after anything a person does.
pub(super) const PART_SPACETIME: u8 = 16;
pub(super) const SPACETIME_MS: f64 = 1000.0;
/// A diagram with fewer arrows and marks than this is redrawn every `SPACETIME_MS / 4`.
pub(super) const SPACETIME_SMALL: usize = 150;
/// The timeline (scrubber): redrawn at every turn of the others.
pub(super) const PART_TIMELINE: u8 = 32;
pub(super) const PARTS_ALL: u8 = 63;
/// The order the parts are redrawn in while playing, one per quarter of [`SLOW_PANELS_MS`], so no
/// single frame redraws them all.
pub(super) const PART_TURNS: [u8; 4] = [PART_SIDE, PART_LOGS, PART_UNDER_CLUSTER, PART_TOOLS];
/// Clusters larger than this redraw the log grid at every other turn of the slow parts.
pub(super) const LOG_GRID_FULL_RATE_NODES_MAX: usize = 20;

/// A requested animation frame: its handle and the callback the browser will call.
pub(super) type PendingFrame = (i32, Closure<dyn FnMut(f64)>);

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
    pub(super) violations_seen: usize,
    /// The virtual clock could not keep up with the speed in the last frame.
    pub(super) behind: bool,
    pub(super) last_frame: Option<f64>,
    /// When the slow parts were last drawn (animation-frame time).
    pub(super) slow_at: f64,
    /// When the page was last drawn on the way to a moment a seek goes to (animation-frame time).
    pub(super) seek_drawn_at: f64,
    /// A trace export under way (`export_slice`).
    pub(super) export: Option<Export>,
    /// Turns of the slow parts so far: the part is `PART_TURNS[turns % 4]`, the cycle `turns / 4`.
    pub(super) slow_turns: u64,
    /// The version of the cluster's hidden list of messages in flight (`data-message`): bumped
    /// after anything a person does and with the space-time diagram while playing, not at every
    /// frame (at 10× the messages in flight turn over every few frames, and rewriting hundreds
    /// of elements at a frame cost more than drawing them).
    pub(super) index_version: u64,
    pub(super) index_due: bool,
    /// Which slow parts to redraw at the next render (bits `PART_*`).
    pub(super) slow_dirty: std::cell::Cell<u8>,
    pub(super) slow_versions: [std::cell::Cell<u64>; 6],
    /// When the space-time diagram was last drawn while playing (it is the costliest part).
    pub(super) spacetime_at: f64,
    /// Arrows and marks in the diagram last drawn: a small diagram is redrawn more often.
    pub(super) spacetime_drawn: std::cell::Cell<usize>,
    pub(super) frame: Option<PendingFrame>,
    pub(super) keys: Option<Closure<dyn FnMut(web_sys::KeyboardEvent)>>,
    pub(super) script_errors: Vec<String>,
    /// The newest narration caption reached.
    pub(super) caption: Option<Caption>,
    /// Trace records already looked at for captions.
    pub(super) captions_seen: u64,
    /// Space-time diagram: index into [`timeline::ZOOMS_US`], and how far before the moment shown
    /// its span ends.
    pub(super) zoom: usize,
    pub(super) pan_us: u64,
    /// The last share link made (or the command replaying it, when `share_cli`).
    pub(super) share_link: Option<String>,
    pub(super) share_cli: bool,
    /// Counts `CopyLink`s and rebuilds, so a link finished after either is not shown.
    pub(super) share_requests: u64,
    /// Counts the runs built, so a share link read after the person started another run is ignored.
    pub(super) builds: u64,
    /// A share link is being read: the page shows the default run, paused, until it is.
    pub(super) opening_link: bool,
    /// This run's settings and scenario in the full page (the embed's Open link).
    pub(super) full_link: String,
}

/// Builds the page's run from the settings and a scenario (a share link is opened afterwards,
/// asynchronously: [`Msg::LinkOpened`]). Whatever is wrong becomes a notice and the default
/// cluster (keeping the viewing preferences).
pub(super) fn build(params: &PageParams, notices: &mut Vec<String>) -> (PageParams, Box<dyn Playground>) {
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
pub(super) fn build_run(params: &PageParams) -> Result<(PageParams, Box<dyn Playground>), String> {
    let (settings, run) = playground::build_settings(&params.settings(), playground::Keep::Trace)?;
    Ok((params.with_settings(settings), run))
}

/// Rebuilds a shared run and replays it to the moment it was shared at, paused there.
pub(super) fn open_link(
    shared: share::SharedRun,
    viewer: &PageParams,
) -> Result<(PageParams, Box<dyn Playground>), String> {
    let mut p = PageParams::default().with_settings(shared.settings()?);
    // How to look at it is the viewer's choice.
    p.keep_view_of(viewer);
    let (mut p, mut run) = build_run(&p)?;
    share::replay(run.as_mut(), &shared)?;
    p.paused = true;
    Ok((p, run))
}

/// Form fields' starting text, from the run's settings.
pub(super) fn default_fields(params: &PageParams) -> TextMap {
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

    pub(super) fn node_count(&self) -> usize {
        self.run.setup().nodes
    }

    pub(super) fn apply(&mut self, actions: Vec<Action>) {
        for action in actions {
            if let Err(e) = self.run.apply(action) {
                self.action_error = Some(e);
                return;
            }
        }
        self.action_error = None;
    }

    pub(super) fn leader(&self, view: &ClusterView) -> Result<u32, String> {
        view.leader().ok_or_else(|| "there is no leader right now; wait for one or pick a node".to_string())
    }

    /// The actions a form's button stands for, read from the fields.
    pub(super) fn form_actions(&self, form: &Form) -> Result<Vec<Action>, String> {
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
                let node = view.leader().unwrap_or(1);
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
    pub(super) fn settings_from_fields(&self) -> Result<PageParams, Vec<String>> {
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

    pub(super) fn restart_with(&mut self, params: PageParams) {
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
    pub(super) fn install(&mut self, params: PageParams, run: Box<dyn Playground>, notices: Vec<String>) {
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
    pub(super) fn check_violations(&mut self) {
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

    pub(super) fn request_frame(&mut self, ctx: &Context<Self>) {
        let Some(window) = web_sys::window() else { return };
        let link = ctx.link().clone();
        let closure = Closure::once(move |ts: f64| link.send_message(Msg::Frame(ts)));
        if let Ok(handle) = window.request_animation_frame(closure.as_ref().unchecked_ref()) {
            self.frame = Some((handle, closure));
        }
    }

    /// Shows the newest caption the run has reached; one that waits pauses the run.
    pub(super) fn check_captions(&mut self) {
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
    pub(super) fn scrub(&mut self, step: u64) {
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
    pub(super) fn seek_slice(&mut self) {
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
    pub(super) fn export_slice(&mut self, all: bool) {
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
    pub(super) fn arrived(&mut self) {
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
    pub(super) fn copy_link(&mut self, link: &yew::html::Scope<App>, cli: bool) {
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

    pub(super) fn advance(&mut self, wall_ms: f64) -> RunStatus {
        let advance_us = (wall_ms * 1000.0 * self.speed()) as u64;
        let target = self.run.now_us() + advance_us.max(1);
        let status = self.run.run_until_violation(target, STEPS_PER_FRAME_MAX);
        self.behind = status == RunStatus::StepLimit;
        status
    }
}

impl App {
    /// This run's settings and scenario in the full page (`index.html` beside the page showing it).
    pub(super) fn full_page_link(&self) -> String {
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

/// Puts `text` on the clipboard if the browser lets the page (it is also shown to copy by hand).
pub(super) fn copy_to_clipboard(text: &str) {
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
pub(super) fn frame_budget(ms: f64) -> impl Fn() -> bool {
    let clock = web_sys::window().and_then(|w| w.performance());
    let start = clock.as_ref().map(|p| p.now());
    move || clock.as_ref().zip(start).is_none_or(|(p, start)| p.now() - start >= ms)
}

/// A trace export under way: the file's name, its parts written so far, and the index of the
/// next record to write.
pub(super) struct Export {
    pub(super) name: String,
    pub(super) parts: js_sys::Array,
    pub(super) next: u64,
}

/// Offers `text` as a file download.
pub(super) fn download(name: &str, text: &str, mime: &str) -> Result<(), String> {
    download_parts(name, &js_sys::Array::of1(&JsValue::from_str(text)), mime)
}

/// Offers a file made of these strings, one after the other, for download.
pub(super) fn download_parts(name: &str, parts: &js_sys::Array, mime: &str) -> Result<(), String> {
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
