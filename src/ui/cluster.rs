//! The cluster: nodes on a ring (SVG), coloured by role, with their term; links cut by a partition
//! drawn cut (one-way cuts as an arrow that stops at a bar). What moves at every frame is painted
//! on a canvas over it: the protocol's timer as an arc around each node, and messages in flight
//! as glyphs at a position interpolated by virtual time (requests round, replies square), each
//! with its `describe()` text on hover.

use super::frozen::Frozen;
use crate::playground::ClusterView;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ClusterProps {
    pub view: std::rc::Rc<ClusterView>,
    /// The hidden list of messages in flight is rebuilt only when this changes.
    pub index_version: u64,
    pub selected_node: Option<u32>,
    pub selected_message: Option<u64>,
    pub on_node: Callback<u32>,
    pub on_message: Callback<u64>,
    pub hovered_message: Option<u64>,
    /// The pointer entered a message glyph (`Some`) or left it (`None`).
    pub on_hover: Callback<Option<u64>>,
}

const SIZE: f64 = 400.0;
const RING: f64 = 150.0;
/// The most message glyphs drawn; the rest are counted.
pub const MESSAGES_DRAWN_MAX: usize = 400;

fn position(index: usize, count: usize) -> (f64, f64) {
    if count == 1 {
        return (SIZE / 2.0, SIZE / 2.0);
    }
    let angle = std::f64::consts::TAU * index as f64 / count as f64 - std::f64::consts::FRAC_PI_2;
    (SIZE / 2.0 + RING * super::math::cos(angle), SIZE / 2.0 + RING * super::math::sin(angle))
}

/// The point `at` (0..1) of the way from `a` to `b`, starting and ending `inset` from the centres.
fn along(a: (f64, f64), b: (f64, f64), inset: f64, at: f64) -> (f64, f64) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let usable = (len - 2.0 * inset).max(0.0);
    let d = inset + usable * at;
    (a.0 + dx / len * d, a.1 + dy / len * d)
}

pub fn status_of(up: bool, paused: bool) -> &'static str {
    if !up {
        "crashed"
    } else if paused {
        "paused"
    } else {
        "up"
    }
}

#[function_component(ClusterSvg)]
pub fn cluster_svg(props: &ClusterProps) -> Html {
    let view = &props.view;
    let count = view.nodes.len();
    let radius = (RING * std::f64::consts::PI / count.max(1) as f64 * 0.55).clamp(7.0, 30.0);
    let centre = |id: u32| position(id as usize - 1, count);
    let f = |x: f64| crate::core::decimal::format_fixed(x, 1);

    // Cut links: each unordered pair once, both ways or one way.
    let mut cuts = Vec::new();
    for &(a, b) in &view.blocked {
        let back = view.blocked.contains(&(b, a));
        if back && a > b {
            continue;
        }
        let (pa, pb) = (centre(a), centre(b));
        let (s, e) = (along(pa, pb, radius + 3.0, 0.0), along(pa, pb, radius + 3.0, 1.0));
        let mid = along(pa, pb, radius + 3.0, if back { 0.5 } else { 0.7 });
        let (class, label, title) = if back {
            ("cut both", format!("{a}<->{b}"), format!("link {a} ⇄ {b} cut both ways"))
        } else {
            ("cut oneway", format!("{a}->{b}"), format!("link {a} → {b} cut one way: {b} can still reach {a}"))
        };
        cuts.push(html! {
            <g class={class} data-cut={label}>
                <line x1={f(s.0)} y1={f(s.1)} x2={f(e.0)} y2={f(e.1)}
                      marker-end={(!back).then_some("url(#cut-arrow)")} />
                <text x={f(mid.0)} y={f(mid.1 + 4.0)} text-anchor="middle">{ "×" }</text>
                <title>{ title }</title>
            </g>
        });
    }

    // Messages are painted on a canvas over the drawing: hundreds move at every frame, and as
    // SVG elements their style, layout and paint cost more than the frame budget. Clicks and
    // hovers are hit-tested here against the same positions; a hidden list keeps one element per
    // message with `data-message` and `data-kind` for tests and embedding.
    let drawn = view.messages.len().min(MESSAGES_DRAWN_MAX);
    let mut tip = None;
    let glyphs: Vec<Glyph> = view
        .messages
        .iter()
        .take(drawn)
        .map(|m| {
            let (from, to) = (centre(m.from), centre(m.to));
            let span = m.deliver_us.saturating_sub(m.sent_us).max(1) as f64;
            let at = if m.held { 1.0 } else { (view.now_us.saturating_sub(m.sent_us) as f64 / span).clamp(0.0, 1.0) };
            let (x, y) = along(from, to, radius, at);
            if props.hovered_message == Some(m.id)
                || (props.hovered_message.is_none() && props.selected_message == Some(m.id))
            {
                let held = if m.held { " (held: receiver paused)" } else { "" };
                tip = Some((x, y, format!("#{} {}→{} {}{held}", m.id, m.from, m.to, m.describe)));
            }
            Glyph { id: m.id, x, y, reply: m.reply, selected: props.selected_message == Some(m.id) }
        })
        .collect();
    // Each node's timer (Raft: the election timer) as an arc around it, the part still to run,
    // shrinking as virtual time passes. On the canvas too: redrawn at every frame, as SVG
    // attributes they were a style recalculation per node per frame.
    let arcs: Vec<TimerArc> = view
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.up)
        .filter_map(|(i, n)| {
            let (_, set, due) = n.timer?;
            let total = due.saturating_sub(set).max(1) as f64;
            let left = (due.saturating_sub(view.now_us) as f64 / total).clamp(0.0, 1.0);
            let (x, y) = position(i, count);
            Some(TimerArc { x, y, r: radius + 4.0, left })
        })
        .collect();
    let glyphs = std::rc::Rc::new(glyphs);
    let arcs = std::rc::Rc::new(arcs);
    // The hidden list follows `index_version`, not every frame (see `App::index_version`).
    let index_built = use_mut_ref(|| None::<u64>);
    let index = if *index_built.borrow() == Some(props.index_version) {
        Html::default()
    } else {
        *index_built.borrow_mut() = Some(props.index_version);
        view.messages
            .iter()
            .take(drawn)
            // Unkeyed: a new list rewrites the attributes of the elements already there.
            .map(|m| html! { <circle data-message={m.id.to_string()} data-kind={m.kind} /> })
            .collect::<Html>()
    };
    let svg_ref = use_node_ref();
    let canvas_ref = use_node_ref();
    {
        let (svg_ref, canvas_ref, glyphs, arcs) = (svg_ref.clone(), canvas_ref.clone(), glyphs.clone(), arcs.clone());
        use_effect(move || {
            paint(&svg_ref, &canvas_ref, &glyphs, &arcs);
        });
    }
    let hit = {
        let (svg_ref, glyphs) = (svg_ref.clone(), glyphs.clone());
        move |e: &MouseEvent| -> Option<u64> { hit_test(&svg_ref, &glyphs, e) }
    };
    let on_click = {
        let (cb, hit) = (props.on_message.clone(), hit.clone());
        Callback::from(move |e: MouseEvent| {
            if let Some(id) = hit(&e) {
                e.stop_propagation();
                cb.emit(id);
            }
        })
    };
    let on_move = {
        let cb = props.on_hover.clone();
        Callback::from(move |e: MouseEvent| cb.emit(hit(&e)))
    };
    let tip = tip.map(|(x, y, text)| {
        let text: String = text.chars().take(90).collect();
        let width = text.chars().count() as f64 * 5.6 + 10.0;
        let tx = (x + 8.0).min(SIZE - width).max(0.0);
        let ty = if y > 30.0 { y - 22.0 } else { y + 10.0 };
        html! {
            <g class="tip" pointer-events="none">
                <rect x={f(tx)} y={f(ty)} width={f(width)} height="16" rx="3" />
                <text x={f(tx + 5.0)} y={f(ty + 11.5)}>{ text }</text>
            </g>
        }
    });
    let nodes = view.nodes.iter().enumerate().map(|(i, n)| {
        let (x, y) = position(i, count);
        let id = n.id;
        let onclick = props.on_node.reform(move |_: MouseEvent| id);
        let status = status_of(n.up, n.paused);
        let role = if n.up { n.role.as_str() } else { "crashed" };
        let selected = props.selected_node == Some(n.id);
        let class = classes!("node", role.to_string(), status, selected.then_some("selected"));
        let big = radius >= 14.0;
        html! {
            <g key={n.id} class={class} {onclick} data-node={n.id.to_string()} data-role={role.to_string()}
               data-term={n.term.to_string()} data-status={status} tabindex="0" role="button"
               aria-label={format!("node {}: {role}, term {}, {status}", n.id, n.term)}>
                <circle class="body" cx={f(x)} cy={f(y)} r={f(radius)} />
                <text x={f(x)} y={f(if big { y - 1.0 } else { y + 4.0 })} text-anchor="middle">{ n.id }</text>
                if big {
                    <text class="term" x={f(x)} y={f(y + 11.0)} text-anchor="middle">{ n.caption.clone().unwrap_or_else(|| format!("T{}", n.term)) }</text>
                }
                if !n.badges.is_empty() {
                    <text class="badges" x={f(x)} y={f(y + radius + 13.0)} text-anchor="middle">{ n.badges.join(" ") }</text>
                }
                if n.paused {
                    <text class="badge" x={f(x + radius * 0.8)} y={f(y - radius * 0.8)} text-anchor="middle">{ "II" }</text>
                }
                if n.clock_rate_pct != 100 {
                    <text class="badge drift" x={f(x - radius * 0.9)} y={f(y - radius * 0.8)} text-anchor="middle">{ "~" }</text>
                }
                <title>{ format!("node {}: {role}, term {}{}{} — click for actions", n.id, n.term,
                    if n.paused { ", paused" } else { "" },
                    if n.clock_rate_pct != 100 { format!(", clock at {}%", n.clock_rate_pct) } else { String::new() }) }</title>
            </g>
        }
    });
    let more = view.messages.len() - drawn;
    html! {
        <div class="cluster-wrap">
        <svg id="cluster" ref={svg_ref} viewBox={format!("0 0 {0} {0}", crate::core::decimal::format_fixed(SIZE, 0))} role="group" aria-label="the cluster"
             data-virtual-time={view.now_us.to_string()} onclick={on_click} onmousemove={on_move}>
            <defs>
                <marker id="cut-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" class="cut-arrow" />
                </marker>
            </defs>
            { for cuts }
            { for nodes }
            <g class="message-index" display="none"><Frozen version={props.index_version} html={index} /></g>
            { for tip }
            if more > 0 {
                <text class="more" x="6" y="392">{ format!("+{more} more messages in flight") }</text>
            }
        </svg>
        <canvas ref={canvas_ref} class="messages-layer" aria-hidden="true"></canvas>
        </div>
    }
}

/// A node's timer: `left` (0..1) of the circle of radius `r` around `(x, y)`, clockwise from the top.
#[derive(Clone, Debug, PartialEq)]
struct TimerArc {
    x: f64,
    y: f64,
    r: f64,
    left: f64,
}

/// One message glyph, in drawing (viewBox) coordinates.
#[derive(Clone, Debug, PartialEq)]
struct Glyph {
    id: u64,
    x: f64,
    y: f64,
    reply: bool,
    selected: bool,
}

/// Where the drawing's viewBox sits inside an svg box of `width` × `height`: scale and offset (it
/// is letterboxed, `xMidYMid meet`).
fn fit(width: f64, height: f64) -> (f64, f64, f64) {
    let scale = (width / SIZE).min(height / SIZE).max(0.0001);
    (scale, (width - SIZE * scale) / 2.0, (height - SIZE * scale) / 2.0)
}

/// The fit plus the svg's position on the screen.
fn viewbox_transform(svg: &web_sys::Element) -> (f64, f64, f64, f64, f64) {
    let rect = svg.get_bounding_client_rect();
    let (scale, ox, oy) = fit(rect.width(), rect.height());
    (scale, ox, oy, rect.left(), rect.top())
}

fn hit_test(svg_ref: &NodeRef, glyphs: &[Glyph], e: &MouseEvent) -> Option<u64> {
    let svg = svg_ref.cast::<web_sys::Element>()?;
    let (scale, ox, oy, left, top) = viewbox_transform(&svg);
    let x = (f64::from(e.client_x()) - left - ox) / scale;
    let y = (f64::from(e.client_y()) - top - oy) / scale;
    glyphs
        .iter()
        .map(|g| (g, (g.x - x).powi(2) + (g.y - y).powi(2)))
        .filter(|(_, d)| *d <= 10.0 * 10.0)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(g, _)| g.id)
}

/// The drawing's size and the message colours, measured at most every [`MEASURE_MS`]: measuring
/// right after the DOM changed forces a synchronous style and layout pass, too slow for every frame.
#[derive(Clone)]
struct Measured {
    at_ms: f64,
    width: f64,
    height: f64,
    colours: [String; 4],
}

const MEASURE_MS: f64 = 500.0;

thread_local! {
    static MEASURED: std::cell::RefCell<Option<Measured>> = const { std::cell::RefCell::new(None) };
}

fn measure(svg: &web_sys::Element, window: &web_sys::Window) -> Option<Measured> {
    let now = js_sys::Date::now();
    if let Some(m) = MEASURED.with(|m| m.borrow().clone()).filter(|m| now - m.at_ms < MEASURE_MS) {
        return Some(m);
    }
    let rect = svg.get_bounding_client_rect();
    let style = window.get_computed_style(svg).ok()??;
    let colour = |name: &str, fallback: &str| {
        let v = style.get_property_value(name).unwrap_or_default();
        if v.trim().is_empty() {
            fallback.to_string()
        } else {
            v.trim().to_string()
        }
    };
    let m = Measured {
        at_ms: now,
        width: rect.width(),
        height: rect.height(),
        colours: [
            colour("--msg", "#5a4fcf"),
            colour("--reply", "#0c8f8f"),
            colour("--selected", "#ff9800"),
            colour("--muted", "#5f5f6e"),
        ],
    };
    MEASURED.with(|cell| *cell.borrow_mut() = Some(m.clone()));
    Some(m)
}

/// Adds one glyph's outline to the current path: a square for a reply, a circle for a request.
fn trace_glyph(ctx: &web_sys::CanvasRenderingContext2d, g: &Glyph) {
    if g.reply {
        ctx.rect(g.x - 4.5, g.y - 4.5, 9.0, 9.0);
    } else {
        // A new subpath, so circles sharing a path are not joined by lines.
        ctx.move_to(g.x + 5.0, g.y);
        let _ = ctx.arc(g.x, g.y, 5.0, 0.0, std::f64::consts::TAU);
    }
}

fn paint(svg_ref: &NodeRef, canvas_ref: &NodeRef, glyphs: &[Glyph], arcs: &[TimerArc]) -> Option<()> {
    use wasm_bindgen::JsCast;
    let svg = svg_ref.cast::<web_sys::Element>()?;
    let canvas = canvas_ref.cast::<web_sys::HtmlCanvasElement>()?;
    let window = web_sys::window()?;
    let dpr = window.device_pixel_ratio().max(1.0);
    let m = measure(&svg, &window)?;
    let (scale, ox, oy) = fit(m.width, m.height);
    let (w, h) = ((m.width * dpr).round() as u32, (m.height * dpr).round() as u32);
    if canvas.width() != w || canvas.height() != h {
        canvas.set_width(w);
        canvas.set_height(h);
    }
    let ctx = canvas.get_context("2d").ok()??.dyn_into::<web_sys::CanvasRenderingContext2d>().ok()?;
    ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0).ok()?;
    ctx.clear_rect(0.0, 0.0, f64::from(w), f64::from(h));
    ctx.set_transform(dpr * scale, 0.0, 0.0, dpr * scale, dpr * ox, dpr * oy).ok()?;
    let [request, reply, selected, timer] = &m.colours;
    if !arcs.is_empty() {
        use std::f64::consts::{FRAC_PI_2, TAU};
        ctx.begin_path();
        for a in arcs.iter().filter(|a| a.left > 0.0) {
            ctx.move_to(a.x, a.y - a.r);
            let _ = ctx.arc(a.x, a.y, a.r, -FRAC_PI_2, -FRAC_PI_2 + TAU * a.left);
        }
        ctx.set_global_alpha(0.7);
        ctx.set_line_width(3.0);
        ctx.set_stroke_style_str(timer);
        ctx.stroke();
        ctx.set_global_alpha(1.0);
    }
    // One path and one fill per kind: a fill per glyph cost more than the drawing itself.
    for (is_reply, colour) in [(false, request), (true, reply)] {
        ctx.begin_path();
        for g in glyphs.iter().filter(|g| g.reply == is_reply) {
            trace_glyph(&ctx, g);
        }
        ctx.set_fill_style_str(colour);
        ctx.fill();
    }
    for g in glyphs.iter().filter(|g| g.selected) {
        ctx.begin_path();
        trace_glyph(&ctx, g);
        ctx.set_line_width(3.0);
        ctx.set_stroke_style_str(selected);
        ctx.stroke();
    }
    Some(())
}
