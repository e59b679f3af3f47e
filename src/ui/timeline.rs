//! The timeline (a scrubber over the whole run, step back), the space-time diagram, the narration
//! caption and the scenario panel.

use super::msg::Msg;
use super::state::App;
use crate::core::decimal::format_fixed as fixed;
use crate::core::time::format_duration;
use crate::playground::{Mark, SpaceTime};
use wasm_bindgen::JsCast;
use yew::html::Scope;
use yew::prelude::*;

/// The spans of virtual time the space-time diagram can show, narrowest first.
pub const ZOOMS_US: [u64; 9] =
    [100_000, 250_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000, 30_000_000, 60_000_000];
/// The zoom the page starts with (1 s).
pub const ZOOM_DEFAULT: usize = 3;

/// The scrubber: every step of the run, the one shown, and step back / return to the end.
pub fn timeline(app: &App, link: &Scope<App>) -> Html {
    let steps = app.run.steps();
    let horizon = app.run.horizon().max(steps);
    // A long replay is under way: the scrubber stays where it was dragged to, and says so.
    let seeking = app.run.seeking();
    let shown = seeking.unwrap_or(steps);
    let past = shown < horizon;
    let on_scrub = link.callback(|e: InputEvent| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        Msg::Scrub(input.value().parse::<u64>().unwrap_or(0))
    });
    html! {
        <section id="timeline" class="timeline" aria-label="timeline" data-past={past.to_string()}
                 data-step={steps.to_string()} data-horizon={horizon.to_string()}
                 data-seeking={seeking.map(|s| s.to_string())}>
            <button id="step-back" title="Go back one event (←)" disabled={steps == 0}
                    onclick={link.callback(|_| Msg::StepBack)}>{ "◀ Back" }</button>
            <input id="scrubber" type="range" min="0" max={horizon.to_string()} step="1" value={shown.to_string()}
                   aria-label="the moment shown: drag back to any earlier step" oninput={on_scrub} />
            if let Some(target) = seeking {
                <span class="where seeking" role="status">{ format!("replaying to step {target}: at {steps}") }</span>
            } else {
                <span class="where">{ format!("step {steps} of {horizon}") }</span>
            }
            if past {
                <button id="to-end" title="Jump to the end of the run" onclick={link.callback(move |_| Msg::Scrub(horizon))}>{ "End ▶▶" }</button>
                <span class="hint past">{ "the past: playing replays it; acting here forks a new future" }</span>
            }
        </section>
    }
}

/// The narration caption of a scenario's `say` line, with Continue when it waits.
pub fn caption(app: &App, link: &Scope<App>) -> Html {
    let Some(c) = &app.caption else { return html! {} };
    html! {
        <div id="caption" class="caption" role="status" data-wait={c.wait.to_string()}>
            <span class="caption-time">{ format!("t = {}", format_duration(c.t_us)) }</span>
            <p>{ &c.text }</p>
            if c.wait && !app.playing {
                <button id="caption-continue" class="primary" onclick={link.callback(|_| Msg::ContinueCaption)}>{ "Continue ▶" }</button>
            } else {
                <button id="caption-close" title="Hide the caption" onclick={link.callback(|_| Msg::HideCaption)}>{ "×" }</button>
            }
        </div>
    }
}

/// The scenario panel: paste or edit a script and run it; `say` lines become captions.
pub fn scenario_panel(app: &App, link: &Scope<App>) -> Html {
    let on_text = link.callback(|e: InputEvent| {
        let area: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
        Msg::Field("script".into(), area.value())
    });
    let on_pick = link.callback(|e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        Msg::PickLesson(select.value())
    });
    html! {
        <details id="scenario-panel" class="panel tool" open={app.params.scenario.is_some()}>
            <summary>{ "Scenario" }</summary>
            <p class="hint">{ "A script in the scenario language: settings, then timed actions (at 1s crash 1), narration (say \"…\", add wait to pause until Continue) and expectations. Running it starts a new run." }</p>
            <div class="row">
                <label class="field"><span>{ "example" }</span>
                    <select id="lesson" onchange={on_pick}>
                        <option value="" selected=true>{ "pick one…" }</option>
                        { for super::lessons::LESSONS.iter().map(|(name, _)| html! { <option value={*name}>{ *name }</option> }) }
                    </select>
                </label>
                <label class="field" title="Open a .scenario file from this computer">
                    <span>{ "or open a file" }</span>
                    <input id="script-file" type="file" accept=".scenario,.txt,text/plain" onchange={open_file(link)} />
                </label>
            </div>
            <textarea id="script" rows="8" spellcheck="false" value={app.field("script")} oninput={on_text}
                      placeholder={"protocol raft\nnodes 5\nat 1s say \"Watch node 1\" wait\nat 1.5s crash 1"} />
            <div class="row">
                <button id="script-run" class="primary" onclick={link.callback(|_| Msg::RunScript)}>{ "Run script" }</button>
                if app.params.scenario.is_some() {
                    <button id="script-clear" onclick={link.callback(|_| Msg::ClearScript)}>{ "Stop using it" }</button>
                }
            </div>
            { for app.script_errors.iter().map(|e| html! { <p class="field-error" role="alert">{ e }</p> }) }
            if let Some(results) = app.expectation_summary() {
                <h3>{ "Expectations (judged so far; final when the run ends)" }</h3>
                <ul class="expectations">{ for results.into_iter().map(|(ok, text)| html! {
                    <li data-passed={ok.to_string()}>{ if ok { "✓ " } else { "✗ " } }{ text }</li>
                }) }</ul>
            }
        </details>
    }
}

/// A file input's `onchange`: reads the chosen file (at most the scenario size limit) into the
/// script field, or says why not.
fn open_file(link: &Scope<App>) -> Callback<Event> {
    let link = link.clone();
    Callback::from(move |e: Event| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        let read = || -> Result<(), String> {
            let files = js_sys::Reflect::get(&input, &"files".into()).map_err(|_| "no file")?;
            let file = js_sys::Reflect::get(&files, &0.into()).map_err(|_| "no file")?;
            if file.is_undefined() || file.is_null() {
                return Err("no file was chosen".into());
            }
            let size = js_sys::Reflect::get(&file, &"size".into()).ok().and_then(|s| s.as_f64()).unwrap_or(0.0);
            if size > crate::scenario::SCENARIO_BYTES_MAX as f64 {
                return Err(format!(
                    "the file is {} bytes; a scenario is at most {}",
                    fixed(size, 0),
                    crate::scenario::SCENARIO_BYTES_MAX
                ));
            }
            let text: js_sys::Function = js_sys::Reflect::get(&file, &"text".into())
                .and_then(|f| f.dyn_into())
                .map_err(|_| "the browser cannot read files")?;
            let promise: js_sys::Promise =
                text.call0(&file).and_then(|p| p.dyn_into()).map_err(|_| "the file could not be read")?;
            let (ok, fail) = (link.clone(), link.clone());
            let on_text = wasm_bindgen::closure::Closure::once(move |v: wasm_bindgen::JsValue| {
                ok.send_message(Msg::Field("script".into(), v.as_string().unwrap_or_default()));
            });
            let on_error = wasm_bindgen::closure::Closure::once(move |_: wasm_bindgen::JsValue| {
                fail.send_message(Msg::ScriptError("the file could not be read".into()));
            });
            let _ = promise.then2(&on_text, &on_error);
            // Called once by the promise; small, and one per file opened.
            on_text.forget();
            on_error.forget();
            Ok(())
        };
        if let Err(e) = read() {
            link.send_message(Msg::ScriptError(e));
        }
    })
}

/// The diagram's own style, inside the SVG so that an exported file looks the same (scoped to its
/// id: a `<style>` in inline SVG applies to the whole page).
const SPACETIME_STYLE: &str = "
#spacetime-svg .lane{stroke:#c9ced6;stroke-width:1}
#spacetime-svg .lane-label{font:12px sans-serif;fill:#333;dominant-baseline:middle}
#spacetime-svg .tick{font:10px sans-serif;fill:#777}
#spacetime-svg .tickline{stroke:#eceef1}
#spacetime-svg .now{stroke:#1f6feb;stroke-width:1.5;stroke-dasharray:3 3}
#spacetime-svg .arrow{stroke:#4a5568;stroke-width:1.2;fill:none}
#spacetime-svg{cursor:pointer}
#spacetime-svg .arrow.reply{stroke:#9aa5b8}
#spacetime-svg .arrow.flight{stroke:#1f6feb}
#spacetime-svg .arrow.dropped{stroke:#d73a49}
#spacetime-svg .arrow.duplicate{stroke:#d9822b;stroke-width:1.6}
#spacetime-svg .arrow.selected{stroke:#111;stroke-width:3}
#spacetime-svg .drop-x{font:bold 12px sans-serif;fill:#d73a49;text-anchor:middle;dominant-baseline:middle}
#spacetime-svg .mark{font:bold 10px sans-serif;text-anchor:middle}
#spacetime-svg .mark.crash{fill:#d73a49;font-size:13px}
#spacetime-svg .mark.restart{fill:#2da44e;font-size:13px}
#spacetime-svg .mark.role{fill:#1f6feb}
#spacetime-svg .mark.decide{fill:#8250df}
#spacetime-svg .mark.fault{fill:#d9822b}
";

const WIDTH: f64 = 900.0;
const LEFT: f64 = 34.0;
const LANE_H: f64 = 26.0;
const TOP: f64 = 18.0;

/// An arrow's ends in the drawing's coordinates, for drawing and for finding the one clicked.
#[derive(Clone, Copy)]
struct Segment {
    id: u64,
    event: u64,
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
}

impl Segment {
    /// Distance from a point to the segment.
    fn distance(&self, x: f64, y: f64) -> f64 {
        let (dx, dy) = (self.x2 - self.x1, self.y2 - self.y1);
        let len2 = dx * dx + dy * dy;
        let t = if len2 == 0.0 { 0.0 } else { (((x - self.x1) * dx + (y - self.y1) * dy) / len2).clamp(0.0, 1.0) };
        let (px, py) = (self.x1 + t * dx, self.y1 + t * dy);
        ((x - px).powi(2) + (y - py).powi(2)).sqrt()
    }
}

/// How close (in drawing units) a click must be to an arrow to select it.
const CLICK_SLOP: f64 = 6.0;

/// Roughly how wide a mark's label is drawn, in drawing units (bold 10 px text: ~6.5 units a
/// character), with `+N` when `more` marks are merged into it, plus a little room.
fn label_width(label: &str, more: usize) -> f64 {
    let suffix = if more == 0 { 0 } else { 2 + more.to_string().len() };
    (label.chars().count() + suffix) as f64 * 6.5 + 6.0
}

/// Marks drawn as one: the earliest, how many more, and every mark's text for the tooltip.
struct MarkGroup<'a> {
    first: &'a Mark,
    x: f64,
    more: usize,
    title: String,
}

/// The marks in lane and time order; a mark whose label would overlap its group's (the labels are
/// centred on their marks) is merged into the group, whose label gets `+N`, so a busy moment does
/// not print labels over each other. A click on a group selects its first event.
fn mark_groups<'a>(marks: &'a [Mark], x: &dyn Fn(u64) -> f64) -> Vec<MarkGroup<'a>> {
    let mut order: Vec<&Mark> = marks.iter().collect();
    order.sort_unstable_by_key(|m| (m.node, m.t_us, m.event)); // events are unique
    let mut groups: Vec<MarkGroup> = Vec::new();
    for m in order {
        let mx = x(m.t_us);
        match groups.last_mut() {
            Some(g)
                if g.first.node == m.node
                    && mx - g.x < (label_width(&g.first.label, g.more) + label_width(&m.label, 0)) / 2.0 =>
            {
                g.more += 1;
                g.title.push('\n');
                g.title.push_str(&m.text);
            }
            _ => groups.push(MarkGroup { first: m, x: mx, more: 0, title: m.text.clone() }),
        }
    }
    groups
}

/// The space-time (Lamport) diagram: one lane per node, time to the right, an arrow per message.
/// The arrows of each kind are one `<path>`, so a busy span is a handful of elements however many
/// messages it holds; a click finds the nearest arrow.
pub fn spacetime_svg(st: &SpaceTime, now_us: u64, selected_message: Option<u64>, link: &Scope<App>) -> Html {
    let span = (st.to_us.saturating_sub(st.from_us)).max(1) as f64;
    let x = |t: u64| LEFT + (t.saturating_sub(st.from_us) as f64 / span).min(1.0) * (WIDTH - LEFT - 8.0);
    let y = |node: u32| TOP + (node.saturating_sub(1)) as f64 * LANE_H + LANE_H / 2.0;
    let height = TOP + st.nodes as f64 * LANE_H + 4.0;
    let lanes = (1..=st.nodes).map(|n| {
        html! {
            <g>
                <line class="lane" x1={fixed(LEFT, 1)} x2={fixed(WIDTH - 8.0, 1)} y1={fixed(y(n), 1)} y2={fixed(y(n), 1)} />
                <text class="lane-label" x="4" y={fixed(y(n), 1)}>{ format!("n{n}") }</text>
            </g>
        }
    });
    let ticks = (0..=4).map(|k| {
        let t = st.from_us + (span as u64) * k / 4;
        let tx = x(t);
        html! {
            <g>
                <line class="tickline" x1={fixed(tx, 1)} x2={fixed(tx, 1)} y1={fixed(TOP - 4.0, 1)} y2={fixed(height, 1)} />
                <text class="tick" x={fixed(tx, 1)} y="10" text-anchor={if k == 4 { "end" } else if k == 0 { "start" } else { "middle" }}>{ format_duration(t) }</text>
            </g>
        }
    });
    // One path per kind of arrow: request, reply, in flight, dropped, duplicate.
    let mut paths: [String; 5] = Default::default();
    let mut segments = Vec::with_capacity(st.arrows.len());
    let mut drops = Vec::new();
    let mut selected = None;
    for a in &st.arrows {
        let (x1, y1) = (x(a.sent_us.max(st.from_us)), y(a.from));
        let (x2, y2) = match a.end_us {
            Some(t) => (x(t), y(a.to)),
            // Not delivered by the span's end: drawn halfway down towards the receiver.
            None => (x(st.to_us.min(now_us.max(a.sent_us))), y1 + (y(a.to) - y1) * 0.5),
        };
        let kind = if a.duplicate {
            4
        } else if a.dropped {
            3
        } else if a.end_us.is_none() {
            2
        } else if a.reply {
            1
        } else {
            0
        };
        paths[kind].push_str(&format!("M{} {}L{} {}", fixed(x1, 1), fixed(y1, 1), fixed(x2, 1), fixed(y2, 1)));
        if a.dropped {
            drops.push((x2, y2));
        }
        let segment = Segment { id: a.id, event: a.event, x1, y1, x2, y2 };
        if selected_message == Some(a.id) {
            selected = Some(segment);
        }
        segments.push(segment);
    }
    let classes = ["arrow", "arrow reply", "arrow flight", "arrow dropped", "arrow duplicate"];
    let marks = mark_groups(&st.marks, &x).into_iter().map(|g| {
        let event = g.first.event;
        let label = if g.more == 0 { g.first.label.clone() } else { format!("{} +{}", g.first.label, g.more) };
        html! {
            <text class={classes!("mark", g.first.kind)} x={fixed(g.x, 1)} y={fixed(y(g.first.node) - 7.0, 1)}
                  data-marks={(g.more + 1).to_string()}
                  onclick={link.callback(move |e: MouseEvent| { e.stop_propagation(); Msg::SelectEvent(event) })}>
                <title>{ g.title }</title>
                { label }
            </text>
        }
    });
    let onclick = {
        let segments = std::rc::Rc::new(segments);
        let view_h = height;
        link.batch_callback(move |e: MouseEvent| {
            // Yew delegates events: `current_target` is the app's root, not the diagram, so the
            // diagram is found from the element clicked (the svg or a shape in it).
            let clicked: web_sys::Element = e.target()?.dyn_into().ok()?;
            let svg = clicked.closest("#spacetime-svg").ok()??;
            let rect = svg.get_bounding_client_rect();
            if rect.width() <= 0.0 || rect.height() <= 0.0 {
                return None;
            }
            let px = (e.client_x() as f64 - rect.left()) * WIDTH / rect.width();
            let py = (e.client_y() as f64 - rect.top()) * view_h / rect.height();
            let nearest = segments
                .iter()
                .map(|s| (s.distance(px, py), s))
                .filter(|(d, _)| *d <= CLICK_SLOP)
                .min_by(|a, b| a.0.total_cmp(&b.0))?;
            Some(Msg::SelectArrow(nearest.1.id, nearest.1.event))
        })
    };
    html! {
        <svg id="spacetime-svg" xmlns="http://www.w3.org/2000/svg" viewBox={format!("0 0 {} {}", fixed(WIDTH, 0), fixed(height, 1))}
             role="img" aria-label="space-time diagram: click an arrow to select its message" onclick={onclick}
             data-arrows={st.arrows.len().to_string()}>
            <style>{ SPACETIME_STYLE }</style>
            { for ticks }
            { for lanes }
            { for paths.iter().zip(classes).filter(|(d, _)| !d.is_empty()).map(|(d, class)| html! { <path class={class} d={d.clone()} /> }) }
            { for drops.iter().map(|(dx, dy)| html! { <text class="drop-x" x={fixed(*dx, 1)} y={fixed(*dy, 1)}>{ "×" }</text> }) }
            if let Some(s) = selected {
                <line class="arrow selected" data-message={s.id.to_string()} x1={fixed(s.x1, 1)} y1={fixed(s.y1, 1)} x2={fixed(s.x2, 1)} y2={fixed(s.y2, 1)} />
            }
            { for marks }
            <line class="now" x1={fixed(x(now_us), 1)} x2={fixed(x(now_us), 1)} y1={fixed(TOP - 4.0, 1)} y2={fixed(height, 1)} />
        </svg>
    }
}

/// The space-time panel: the diagram with zoom, scroll and SVG export.
pub fn spacetime_panel(app: &App, link: &Scope<App>) -> Html {
    let span = ZOOMS_US[app.zoom];
    let now = app.run.now_us();
    let end = now.saturating_sub(app.pan_us);
    // Early in a run the span starts at 0 and reaches past the moment shown.
    let from = end.saturating_sub(span);
    let st = app.run.spacetime(from, from + span);
    app.spacetime_drawn.set(st.arrows.len() + st.marks.len());
    html! {
        <section id="spacetime" class="panel spacetime" aria-label="space-time diagram" data-span={span.to_string()}
                 data-now={now.to_string()}>
            <div class="row">
                <h2>{ "Space-time" }</h2>
                <button id="st-zoom-in" title="Show less time" disabled={app.zoom == 0} onclick={link.callback(|_| Msg::Zoom(-1))}>{ "+" }</button>
                <span class="where">{ format_duration(span) }</span>
                <button id="st-zoom-out" title="Show more time" disabled={app.zoom + 1 == ZOOMS_US.len()} onclick={link.callback(|_| Msg::Zoom(1))}>{ "−" }</button>
                <button id="st-earlier" title="Scroll back in time" onclick={link.callback(|_| Msg::Pan(1))}>{ "◀" }</button>
                <button id="st-later" title="Scroll forward in time" disabled={app.pan_us == 0} onclick={link.callback(|_| Msg::Pan(-1))}>{ "▶" }</button>
                if app.pan_us > 0 {
                    <button id="st-follow" title="Follow the moment shown" onclick={link.callback(|_| Msg::Pan(0))}>{ "Follow" }</button>
                }
                <button id="export-svg" title="Download this diagram as SVG" onclick={link.callback(|_| Msg::ExportSvg)}>{ "Export SVG" }</button>
            </div>
            { spacetime_svg(&st, now, app.selected_message, link) }
            if st.truncated {
                <p class="hint">{ "Older records are no longer held (the trace is bounded), or there are too many to draw: part of this span is blank." }</p>
            }
            <p class="hint">{ "Arrows go from send to delivery; × marks a drop, orange a duplicate, blue a message still in flight. Click one to select it." }</p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::mark_groups;
    use crate::playground::Mark;

    fn mark(node: u32, t_us: u64, label: &str, event: u64) -> Mark {
        Mark { node, t_us, kind: "decide", label: label.into(), text: format!("#{event}"), event }
    }

    #[test]
    fn marks_close_on_one_lane_are_drawn_as_one_label() {
        // Scanned newest first, as the space-time view lists them.
        let marks =
            [mark(2, 5, "A3", 6), mark(1, 30, "C3", 5), mark(1, 2, "C3", 3), mark(1, 1, "C3", 2), mark(2, 1, "C3", 1)];
        // "C3" is drawn ~19 units wide, so marks 2.8 units apart overlap, 81 apart do not.
        let x = |t: u64| t as f64 * 2.8;
        let groups = mark_groups(&marks, &x);
        let shown: Vec<(u32, u64, usize, &str)> =
            groups.iter().map(|g| (g.first.node, g.first.event, g.more, g.title.as_str())).collect();
        // Lane 1: events 2 and 3 overlap (one label, "C3 +1"), 5 is far from them; lane 2:
        // events 1 and 6 overlap.
        assert_eq!(shown, vec![(1, 2, 1, "#2\n#3"), (1, 5, 0, "#5"), (2, 1, 1, "#1\n#6")]);
    }
}
