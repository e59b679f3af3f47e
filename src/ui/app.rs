//! The playground page as a Yew component: created from the URL, updated by one message type
//! (`msg.rs`), drawn from the state (`state.rs`) by the panels (`panels.rs`, `timeline.rs`) and
//! the drawings (`cluster.rs`, `loggrid.rs`).

use super::cluster::ClusterSvg;
use super::forms::next_seed;
use super::frozen::Frozen;
use super::lessons;
use super::loggrid::LogGrid;
use super::msg::Msg;
use super::panels;
use super::params::{parse_params, PageParams};
use super::state::*;
use super::timeline;
use crate::core::decimal::format_fixed as fixed;
use crate::core::time::format_duration;
use crate::core::NodeId;
use crate::playground::{self, share, ClusterView, EventFilter, ViewDetail};
use crate::sim::trace::format_hash;
use crate::sim::{Action, RunStatus};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq, Default)]
pub struct AppProps {
    /// URL parameters to start from; `None` reads the page's own URL.
    #[prop_or_default]
    pub query: Option<String>,
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
                    // A big cluster's log grid is the costliest panel to redraw (it made frames
                    // miss their vsync at 51 nodes): every other cycle.
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
                // In pieces, since one string of the whole trace would grow the page's memory for
                // good (WebAssembly memory never shrinks); and a slice a frame, since written at
                // once it held the page for a long frame.
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
