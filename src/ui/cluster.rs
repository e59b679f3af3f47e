//! The cluster drawn as SVG: nodes on a ring, coloured by role; messages in flight as dots at a
//! position interpolated by virtual time.

use crate::playground::ClusterView;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ClusterProps {
    pub view: ClusterView,
    pub on_node: Callback<u32>,
}

const SIZE: f64 = 400.0;
const RING: f64 = 150.0;

fn position(index: usize, count: usize) -> (f64, f64) {
    let angle = std::f64::consts::TAU * index as f64 / count.max(1) as f64 - std::f64::consts::FRAC_PI_2;
    (SIZE / 2.0 + RING * angle.cos(), SIZE / 2.0 + RING * angle.sin())
}

#[function_component(ClusterSvg)]
pub fn cluster_svg(props: &ClusterProps) -> Html {
    let view = &props.view;
    let count = view.nodes.len();
    let radius = (RING * std::f64::consts::PI / count.max(1) as f64 * 0.6).clamp(6.0, 32.0);
    let messages = view.messages.iter().map(|m| {
        let (x1, y1) = position(m.from as usize - 1, count);
        let (x2, y2) = position(m.to as usize - 1, count);
        let span = m.deliver_us.saturating_sub(m.sent_us).max(1) as f64;
        let f = if m.held { 1.0 } else { (view.now_us.saturating_sub(m.sent_us) as f64 / span).clamp(0.0, 1.0) };
        let (x, y) = (x1 + (x2 - x1) * f, y1 + (y2 - y1) * f);
        let class = if m.reply { "msg reply" } else { "msg request" };
        html! {
            <circle class={class} cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="4">
                <title>{ format!("#{} {}", m.id, m.describe) }</title>
            </circle>
        }
    });
    let nodes = view.nodes.iter().enumerate().map(|(i, n)| {
        let (x, y) = position(i, count);
        let id = n.id;
        let onclick = props.on_node.reform(move |_: MouseEvent| id);
        let role = if n.up { n.role.clone() } else { "crashed".to_string() };
        let class = format!("node {role}{}", if n.paused { " paused" } else { "" });
        html! {
            <g class={class} {onclick} role="button" aria-label={format!("node {} ({role})", n.id)}>
                <circle cx={format!("{x:.1}")} cy={format!("{y:.1}")} r={format!("{radius:.1}")} />
                <text x={format!("{x:.1}")} y={format!("{:.1}", y + 1.0)} text-anchor="middle">{ n.id }</text>
                <text class="term" x={format!("{x:.1}")} y={format!("{:.1}", y + 14.0)} text-anchor="middle">{ format!("t{}", n.term) }</text>
                <title>{ format!("node {}: {role}, term {}", n.id, n.term) }</title>
            </g>
        }
    });
    html! {
        <svg id="cluster" viewBox={format!("0 0 {SIZE} {SIZE}")} role="img" aria-label="the cluster">
            { for messages }
            { for nodes }
        </svg>
    }
}
