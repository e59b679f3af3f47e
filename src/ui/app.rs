use super::cluster::ClusterSvg;
use super::params::{parse_params, PageParams};
use crate::core::NodeId;
use crate::playground::{self, Playground};
use crate::sim::time::format_duration;
use crate::sim::trace::format_hash;
use crate::sim::Action;
use gloo_timers::callback::Interval;
use yew::prelude::*;

/// Wall-clock milliseconds between animation ticks.
const TICK_MS: u32 = 33;
/// The most simulator steps one animation tick may take, so a livelocked protocol cannot freeze
/// the tab.
const STEPS_PER_TICK_MAX: u64 = 20_000;
/// Events shown in the log.
const LOG_LINES: usize = 40;

pub enum Msg {
    Tick,
    TogglePlay,
    Step,
    Restart,
    SeedInput(String),
    NodeClicked(u32),
    HealAll,
}

pub struct App {
    params: PageParams,
    run: Box<dyn Playground>,
    playing: bool,
    seed_text: String,
    notice: Vec<String>,
    _timer: Interval,
}

fn build(params: &PageParams, notice: &mut Vec<String>) -> Box<dyn Playground> {
    match playground::build(&params.protocol, params.setup.clone(), None) {
        Ok(run) => run,
        Err(e) => {
            notice.push(format!("{e}; using the default cluster"));
            let default = PageParams::default();
            playground::build(&default.protocol, default.setup, None).expect("the default cluster builds")
        }
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let query = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
        let params = parse_params(&query);
        let mut notice = params.errors.clone();
        let run = build(&params, &mut notice);
        let link = ctx.link().clone();
        let timer = Interval::new(TICK_MS, move || link.send_message(Msg::Tick));
        App { seed_text: run.setup().seed.to_string(), params, run, playing: true, notice, _timer: timer }
    }

    fn update(&mut self, _ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Tick => {
                if !self.playing {
                    return false;
                }
                let advance_us = (f64::from(TICK_MS) * 1000.0 * self.params.speed) as u64;
                let until = self.run.now_us() + advance_us.max(1);
                self.run.run_until(until, STEPS_PER_TICK_MAX);
            }
            Msg::TogglePlay => self.playing = !self.playing,
            Msg::Step => {
                self.playing = false;
                self.run.step();
            }
            Msg::Restart => {
                match self.seed_text.trim().parse::<u64>() {
                    Ok(seed) => {
                        self.params.setup.seed = seed;
                        self.notice.clear();
                    }
                    Err(_) => self.notice = vec![format!("seed {:?} is not a whole number", self.seed_text)],
                }
                let mut notice = Vec::new();
                self.run = build(&self.params, &mut notice);
                self.notice.extend(notice);
            }
            Msg::SeedInput(text) => {
                self.seed_text = text.chars().take(30).collect();
                return false;
            }
            Msg::NodeClicked(id) => {
                let node = NodeId(id);
                let up = self.run.view().nodes.get(node.index()).is_some_and(|n| n.up);
                let action = if up { Action::Crash { node } } else { Action::Restart { node } };
                if let Err(e) = self.run.apply(action) {
                    self.notice = vec![e];
                }
            }
            Msg::HealAll => {
                if let Err(e) = self.run.apply(Action::HealAll) {
                    self.notice = vec![e];
                }
            }
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let view = self.run.view();
        let on_node = link.callback(Msg::NodeClicked);
        let on_seed = link.callback(|e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            Msg::SeedInput(input.value())
        });
        let properties = self.run.properties();
        let log = self.run.recent(LOG_LINES);
        html! {
            <div class="playground">
                <header>
                    <h1>{ "Consensus Playground" }</h1>
                    <span class="subtitle">{ format!("{} · {} nodes · seed {}", view.protocol, view.nodes.len(), self.run.setup().seed) }</span>
                </header>
                { for self.notice.iter().map(|n| html! { <p class="notice" role="alert">{ n }</p> }) }
                <section class="controls" aria-label="controls">
                    <button id="play" title="Play or pause the simulation" onclick={link.callback(|_| Msg::TogglePlay)}>
                        { if self.playing { "Pause" } else { "Play" } }
                    </button>
                    <button id="step" title="Process one event" onclick={link.callback(|_| Msg::Step)}>{ "Step" }</button>
                    <label title="The seed decides every random choice of the run">
                        { "Seed " }
                        <input id="seed" type="text" inputmode="numeric" value={self.seed_text.clone()} oninput={on_seed} />
                    </label>
                    <button id="restart" title="Start the run again with this seed" onclick={link.callback(|_| Msg::Restart)}>{ "Restart" }</button>
                    <button id="heal" title="Heal partitions, restart crashed nodes, stop loss" onclick={link.callback(|_| Msg::HealAll)}>{ "Heal all" }</button>
                    <span id="clock" class="clock">{ format!("t = {}", format_duration(view.now_us)) }</span>
                    <span class="stats">{ format!("{} events · trace {}", self.run.records(), format_hash(self.run.hash())) }</span>
                </section>
                <div class="panes">
                    <section class="cluster" aria-label="cluster">
                        <ClusterSvg view={view.clone()} on_node={on_node} />
                        <p class="hint">{ "Click a node to crash or restart it." }</p>
                    </section>
                    <section class="side">
                        <h2>{ "Properties" }</h2>
                        <ul id="properties" class="properties">
                            { for properties.iter().map(|p| html! {
                                <li class={if p.holds { "holds" } else { "violated" }} title={p.explain.clone()}>
                                    { if p.holds { "✓ " } else { "✗ " } }{ &p.name }
                                </li>
                            }) }
                        </ul>
                        <h2>{ "Nodes" }</h2>
                        <table class="nodes">
                            <tbody>
                            { for view.nodes.iter().map(|n| html! {
                                <tr>
                                    <th>{ format!("n{}", n.id) }</th>
                                    <td>{ if n.up { n.role.clone() } else { "crashed".to_string() } }</td>
                                    <td>{ n.fields.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(" · ") }</td>
                                </tr>
                            }) }
                            </tbody>
                        </table>
                        <h2>{ "Events" }</h2>
                        <ol id="events" class="events">
                            { for log.iter().rev().map(|(i, line)| html! { <li key={*i}>{ line }</li> }) }
                        </ol>
                    </section>
                </div>
            </div>
        }
    }
}
