//! The page's panels: the selected node and message with their actions, properties, the event
//! log, network, clients, settings and the keyboard help. Each is a function of the app's state.

use super::cluster::status_of;
use super::msg::{Form, Msg};
use super::state::App;
use crate::check::PropertyKind;
use crate::core::time::format_duration;
use crate::core::NodeId;
use crate::playground::ClusterView;
use crate::sim::trace::RECORD_CLASSES;
use crate::sim::Action;
use yew::html::Scope;
use yew::prelude::*;

/// A text field's `oninput`: stores the text under `name`.
pub fn field_input(link: &Scope<App>, name: &'static str) -> Callback<InputEvent> {
    link.callback(move |e: InputEvent| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        Msg::Field(name.to_string(), input.value())
    })
}

/// A select's `onchange`: stores the choice under `name`.
fn select_change(link: &Scope<App>, name: String) -> Callback<Event> {
    link.callback(move |e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        Msg::Field(name.clone(), select.value())
    })
}

/// A checkbox's `onchange`: stores `on` / `off` under `name`.
fn check_change(link: &Scope<App>, name: String) -> Callback<Event> {
    link.callback(move |e: Event| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        Msg::Field(name.clone(), if input.checked() { "on" } else { "off" }.to_string())
    })
}

fn text_field(app: &App, link: &Scope<App>, name: &'static str, label: &str, title: &str) -> Html {
    html! {
        <label class="field" title={title.to_string()}>
            <span>{ label }</span>
            <input type="text" name={name} value={app.field(name)} oninput={field_input(link, name)} />
        </label>
    }
}

fn node_select(app: &App, link: &Scope<App>, name: &'static str, label: &str, nodes: usize) -> Html {
    let current = app.field(name);
    html! {
        <label class="field" title={format!("{label}: a node")}>
            <span>{ label }</span>
            <select name={name} onchange={select_change(link, name.to_string())}>
                { for (1..=nodes).map(|i| html! { <option value={i.to_string()} selected={current == i.to_string()}>{ format!("n{i}") }</option> }) }
            </select>
        </label>
    }
}

fn button(link: &Scope<App>, id: &str, label: &str, title: &str, msg: impl Fn() -> Msg + 'static) -> Html {
    html! {
        <button id={id.to_string()} title={title.to_string()} onclick={link.callback(move |_| msg())}>{ label }</button>
    }
}

pub fn legend(view: &ClusterView) -> Html {
    let roles: Vec<&str> = {
        let mut r: Vec<&str> = view.nodes.iter().filter(|n| n.up).map(|n| n.role.as_str()).collect();
        crate::core::sort_short(&mut r, |&role| role);
        r.dedup();
        r
    };
    html! {
        <>
        <p class="legend hint">
            { for roles.iter().map(|r| html! { <span class="key"><span class={classes!("role-dot", r.to_string())}></span>{ *r }</span> }) }
            <span class="key"><span class="role-dot crashed"></span>{ "crashed" }</span>
            <span class="key">{ "● request  ■ reply  II paused  ~ clock drift  × cut link" }</span>
            <span>{ " — click a node or a message for actions." }</span>
        </p>
        if !view.facts.is_empty() {
            <dl id="facts" class="facts">
                { for view.facts.iter().map(|(k, v)| html! {
                    <div data-fact={k.clone()}><dt>{ k }</dt><dd>{ v }</dd></div>
                }) }
            </dl>
        }
        </>
    }
}

pub fn message_panel(app: &App, link: &Scope<App>, view: &ClusterView) -> Html {
    let Some(id) = app.selected_message else { return html! {} };
    let Some(m) = view.messages.iter().find(|m| m.id == id) else { return html! {} };
    html! {
        <section id="message-panel" class="panel" aria-label="selected message">
            <h2>{ format!("Message #{} · {} · n{} → n{}", m.id, m.kind, m.from, m.to) }</h2>
            <p class="mono">{ &m.describe }</p>
            <p class="hint">{ format!("sent at {}, arrives at {}{}", format_duration(m.sent_us), format_duration(m.deliver_us),
                if m.held { " (held: the receiver is paused)" } else { "" }) }</p>
            <div class="row">
                { button(link, "msg-drop", "Drop", "Lose this message", move || Msg::Act(Action::DropMessage { id })) }
                { button(link, "msg-duplicate", "Duplicate", "Deliver an extra copy of this message", move || Msg::Act(Action::DuplicateMessage { id })) }
                { text_field(app, link, "msg-delay", "by", "How much later it arrives (e.g. 100ms)") }
                { button(link, "msg-delay", "Delay", "Deliver it later", move || Msg::Form(Form::DelayMessage(id))) }
                { button(link, "msg-close", "Close", "Deselect (Esc)", || Msg::SelectMessage(None)) }
            </div>
        </section>
    }
}

pub fn node_panel(app: &App, link: &Scope<App>, view: &ClusterView) -> Html {
    let Some(id) = app.selected_node else {
        return html! { <p class="hint">{ "Select a node (click it, or press 1–9) to see all of its state and act on it." }</p> };
    };
    let Some(n) = view.nodes.iter().find(|n| n.id == id) else { return html! {} };
    let node = NodeId(id);
    let status = status_of(n.up, n.paused);
    let crash_or_restart = if n.up {
        button(link, "node-crash", "Crash", "The node stops; it loses everything it did not persist (c)", move || {
            Msg::Act(Action::Crash { node })
        })
    } else {
        button(link, "node-restart", "Restart", "Boot the node from what it persisted (c)", move || {
            Msg::Act(Action::Restart { node })
        })
    };
    let pause_or_resume = if n.paused {
        button(link, "node-resume", "Resume", "Let the node run again, with its stale view", move || {
            Msg::Act(Action::Resume { node })
        })
    } else {
        button(link, "node-pause", "Pause", "Freeze the node (a GC pause): no timers, no deliveries", move || {
            Msg::Form(Form::PauseNode(id))
        })
    };
    let admin = app.info().admin.iter().map(|&(command, what)| {
        let label = match command.split_once(' ') {
            Some(("transfer", _)) => format!("Transfer leadership to n{id}"),
            Some(("add", _)) => format!("Add n{id} to the configuration"),
            Some(("remove", _)) => format!("Remove n{id} from the configuration"),
            Some((verb, _)) => format!("{verb} n{id}"),
            None if command == "timeout" => "Force election timeout".to_string(),
            None => command.to_string(),
        };
        let button_id = format!("node-{}", command.split(' ').next().unwrap_or(command));
        html! {
            <button id={button_id} title={format!("{command}: {what}")}
                    onclick={link.callback(move |_| Msg::Form(Form::Admin { node: id, command }))}>{ label }</button>
        }
    });
    let fields = n.fields.iter().map(|(k, v)| html! { <><dt>{ k }</dt><dd>{ v }</dd></> });
    html! {
        <section id="node-panel" class="panel" aria-label="selected node" data-node={id.to_string()}>
            <h2>{ format!("Node {id} · {} · term {}", if n.up { n.role.as_str() } else { "crashed" }, n.term) }</h2>
            <dl class="state">
                <dt>{ "status" }</dt><dd>{ status }{ n.paused_until.map(|t| format!(" until {}", format_duration(t))).unwrap_or_default() }</dd>
                <dt>{ "clock" }</dt><dd>{ format!("{}% of true time", n.clock_rate_pct) }</dd>
                <dt>{ "restarts" }</dt><dd>{ n.restarts }</dd>
                if let Some((label, _, due)) = n.timer.filter(|_| n.up) {
                    <dt>{ label }</dt><dd>{ format!("fires at {}", format_duration(due)) }</dd>
                }
                { for fields }
            </dl>
            <div class="row">
                { crash_or_restart }
                { pause_or_resume }
                { text_field(app, link, "pause", "for", "How long the pause lasts (e.g. 1s)") }
                { button(link, "node-isolate", "Isolate", "Partition this node away from all others", move || Msg::Act(Action::Partition { groups: vec![vec![node]] })) }
            </div>
            <div class="row">{ for admin }</div>
            <div class="row">
                { text_field(app, link, "command", "command", &format!("A client command: {}", app.info().command_help)) }
                { button(link, "node-request", "Send to this node", "Send the client command to this node", move || Msg::Form(Form::RequestTo(id))) }
            </div>
            <div class="row">
                { text_field(app, link, "drift", "clock %", "Clock rate in percent of true time: above 100 its timers fire early, below late") }
                { button(link, "node-drift", "Set clock", "Skew this node's clock", move || Msg::Form(Form::DriftNode(id))) }
                { button(link, "node-close", "Close", "Deselect (Esc)", || Msg::SelectNode(None)) }
            </div>
        </section>
    }
}

pub fn properties_panel(app: &App) -> Html {
    let properties = app.run.properties();
    let rows = properties.iter().map(|p| {
        let status = if p.holds { "holds" } else { "violated" };
        let kind = match p.kind {
            PropertyKind::Safety => "safety",
            PropertyKind::Liveness => "liveness",
            PropertyKind::Expectation => "expectation",
            PropertyKind::Blocking => "blocking",
        };
        let status = if p.kind == PropertyKind::Blocking && !p.holds { "blocked" } else { status };
        let note = match p.kind {
            PropertyKind::Blocking if p.holds => "not a bug: counted when it happens",
            PropertyKind::Liveness if p.holds => "checked when the run ends",
            _ => "",
        };
        html! {
            <li class={status} data-property={p.name.clone()} data-status={status} title={p.explain.clone()}>
                <span class="mark">{ if p.holds { "✓" } else if status == "blocked" { "⏸" } else { "✗" } }</span>
                <span class="name">{ &p.name }</span>
                <span class="kind">{ kind }</span>
                if !p.holds { <div class="explain">{ &p.explain }</div> }
                if !note.is_empty() { <span class="hint">{ format!(" ({note})") }</span> }
            </li>
        }
    });
    html! {
        <>
            <h2>{ "Properties" }</h2>
            <ul id="properties" class="properties">{ for rows }</ul>
        </>
    }
}

pub fn events_panel(app: &App, link: &Scope<App>, view: &ClusterView) -> Html {
    let events = app.run.events(super::state::LOG_LINES, &app.filter);
    let on_node = link.callback(|e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        Msg::Field("filter-node".into(), select.value())
    });
    let on_class = link.callback(|e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        Msg::Field("filter-class".into(), select.value())
    });
    let node_value = app.filter.node.map(|n| n.to_string()).unwrap_or_default();
    let class_value = app.filter.class.clone().unwrap_or_default();
    let selected = app.selected_event.and_then(|i| app.run.event(i).map(|e| (i, e)));
    html! {
        <>
            <h2>{ "Events" }</h2>
            <div class="row filters">
                <label class="field" title="Show only events that concern this node">
                    <span>{ "node" }</span>
                    <select id="filter-node" onchange={on_node}>
                        <option value="" selected={node_value.is_empty()}>{ "all" }</option>
                        { for view.nodes.iter().map(|n| html! { <option value={n.id.to_string()} selected={node_value == n.id.to_string()}>{ format!("n{}", n.id) }</option> }) }
                    </select>
                </label>
                <label class="field" title="Show only events of this kind">
                    <span>{ "kind" }</span>
                    <select id="filter-class" onchange={on_class}>
                        <option value="" selected={class_value.is_empty()}>{ "all" }</option>
                        { for RECORD_CLASSES.iter().map(|(c, what)| html! { <option value={*c} title={*what} selected={class_value == *c}>{ *c }</option> }) }
                    </select>
                </label>
            </div>
            <ol id="events" class="events">
                { for events.iter().rev().map(|e| {
                    let index = e.index;
                    let class = classes!(e.class, (app.selected_event == Some(index)).then_some("selected"));
                    html! {
                        <li key={index} class={class} data-event={index.to_string()} data-class={e.class}
                            onclick={link.callback(move |_| Msg::SelectEvent(index))} title={e.text.clone()}>
                            { &e.text }
                        </li>
                    }
                }) }
            </ol>
            if let Some(i) = app.selected_event {
                <div id="selected-event" class="selected-event mono">
                    { match &selected {
                        Some((_, e)) => format!("#{i} [{}] {}", e.class, e.text),
                        None => format!("#{i}: older than the events the page keeps"),
                    } }
                </div>
            }
        </>
    }
}

pub fn network_panel(app: &App, link: &Scope<App>, view: &ClusterView) -> Html {
    let n = view.nodes.len();
    let leader = view.leader();
    html! {
        <details class="panel tool" open=true>
            <summary>{ "Network" }</summary>
            <div class="row">
                <button id="net-isolate-leader" disabled={leader.is_none()} title="Partition the current leader away from everyone"
                        onclick={link.callback(|_| Msg::Form(Form::IsolateLeader))}>{ "Isolate leader" }</button>
                <button id="net-leader-minority" disabled={leader.is_none()} title="The leader and others, short of a majority, on one side; the majority on the other"
                        onclick={link.callback(|_| Msg::Form(Form::LeaderInMinority))}>{ "Leader in minority" }</button>
                { button(link, "net-split", "Split halves", "Nodes 1..n/2 on one side, the rest on the other", || Msg::Form(Form::SplitHalves)) }
                { button(link, "net-heal", "Heal network", "Remove every partition and cut (nodes stay as they are)", || Msg::Act(Action::Heal)) }
            </div>
            <div class="row">
                { text_field(app, link, "groups", "groups", "Node groups separated by |, e.g. 1,2 | 3,4,5; nodes not named form one more group") }
                { button(link, "net-partition", "Partition", "Split the cluster into these groups", || Msg::Form(Form::Groups)) }
            </div>
            <h3>{ "One link" }</h3>
            <div class="row">
                { node_select(app, link, "link-from", "from", n) }
                { node_select(app, link, "link-to", "to", n) }
                <label class="field" title="Apply to both directions of the link">
                    <input type="checkbox" checked={app.field("link-both") == "on"} onchange={check_change(link, "link-both".into())} />
                    <span>{ "both ways" }</span>
                </label>
                { button(link, "link-cut", "Cut", "Messages on this link are lost", || Msg::Form(Form::Cut)) }
                { button(link, "link-uncut", "Restore", "Messages on this link flow again", || Msg::Form(Form::Uncut)) }
            </div>
            <div class="row">
                { text_field(app, link, "link-drop", "drop %", "Share of this link's messages that are lost") }
                { text_field(app, link, "link-latency", "delay", "This link's latency range, e.g. 50ms..100ms") }
                { button(link, "link-set", "Set link", "Apply drop and delay to this link", || Msg::Form(Form::LinkParams)) }
            </div>
            <h3>{ "Every link" }</h3>
            <div class="row">
                { text_field(app, link, "global-drop", "drop %", "Share of all messages that are lost") }
                { text_field(app, link, "global-dup", "duplicate %", "Share of all messages delivered twice") }
                { text_field(app, link, "global-latency", "latency", "Latency range of every link, e.g. 1ms..5ms") }
                { button(link, "net-set", "Set all links", "Apply to every link", || Msg::Form(Form::GlobalParams)) }
            </div>
        </details>
    }
}

pub fn clients_panel(app: &App, link: &Scope<App>) -> Html {
    let w = &app.run.setup().workload;
    html! {
        <details class="panel tool" open=true>
            <summary>{ "Clients" }</summary>
            <div class="row">
                { text_field(app, link, "command", "command", &format!("A client command: {}", app.info().command_help)) }
                { button(link, "client-send", "Send to leader", "Send one command to the current leader (or node 1)", || Msg::Form(Form::RequestLeader)) }
            </div>
            <div class="row">
                { text_field(app, link, "load-clients", "clients", "How many closed-loop clients (0 to 50)") }
                { text_field(app, link, "load-interval", "think time", "Each client's pause between commands, e.g. 300ms") }
                { button(link, "load-start", "Steady load", "Clients send commands, one at a time each", || Msg::Form(Form::Load)) }
                { button(link, "load-stop", "Stop load", "No more client commands", || Msg::Form(Form::StopLoad)) }
            </div>
            <p class="hint">{ format!("at start: {} client(s), one command every {}", w.clients, format_duration(w.interval_us)) }</p>
        </details>
    }
}

pub fn settings_panel(app: &App, link: &Scope<App>) -> Html {
    let protocol = app.field("set-protocol");
    let info = app.protocol_info(&protocol);
    let bug = app.field("set-bug");
    let bug_what = info.as_ref().and_then(|i| i.bugs.iter().find(|b| b.name == bug)).map(|b| b.what);
    let options = info.as_ref().map(|i| i.options).unwrap_or(&[]).iter().map(|o| {
        let key = format!("opt:{protocol}:{}", o.key);
        let value = app.fields.get(&key).cloned().unwrap_or_else(|| o.default.to_string());
        let boolean = matches!(o.default, "on" | "off");
        if boolean {
            html! {
                <label class="field" title={o.what}>
                    <input type="checkbox" name={o.key} checked={value == "on"} onchange={check_change(link, key)} />
                    <span>{ o.key }</span>
                </label>
            }
        } else {
            let k = key.clone();
            html! {
                <label class="field" title={o.what}>
                    <span>{ o.key }</span>
                    <input type="text" name={o.key} value={value}
                           oninput={link.callback(move |e: InputEvent| {
                               let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                               Msg::Field(k.clone(), input.value())
                           })} />
                </label>
            }
        }
    });
    html! {
        <details id="settings" class="panel tool" open=true>
            <summary>{ "Cluster settings" }</summary>
            <div class="row">
                <label class="field" title="Which protocol the cluster runs">
                    <span>{ "protocol" }</span>
                    <select id="set-protocol" onchange={select_change(link, "set-protocol".into())}>
                        { for app.protocols.iter().map(|p| html! { <option value={p.name} selected={protocol == p.name} title={p.about}>{ p.name }</option> }) }
                    </select>
                </label>
                <label class="field" title="Nodes in the cluster, 1 to 15 (more through the URL)">
                    <span>{ "nodes" }</span>
                    <input id="set-nodes" type="number" min="1" max="15" value={app.field("set-nodes")} oninput={field_input(link, "set-nodes")} />
                </label>
                { text_field(app, link, "set-latency", "latency", "Every link's latency range, e.g. 1ms..5ms") }
                <label class="field" title="none: only the faults you cause; chaos: crashes, partitions, loss and more drawn from the seed, healed at half time">
                    <span>{ "faults" }</span>
                    <select id="set-faults" onchange={select_change(link, "set-faults".into())}>
                        <option value="none" selected={app.field("set-faults") == "none"}>{ "none" }</option>
                        <option value="chaos" selected={app.field("set-faults") == "chaos"}>{ "chaos" }</option>
                    </select>
                </label>
            </div>
            <div class="row options">{ for options }</div>
            <div class="row">
                <label class="field" title="Plant a bug and watch which property catches it">
                    <span>{ "planted bug" }</span>
                    <select id="set-bug" onchange={select_change(link, "set-bug".into())}>
                        <option value="none" selected={bug == "none" || bug.is_empty()}>{ "none (correct protocol)" }</option>
                        { for info.iter().flat_map(|i| i.bugs.iter()).map(|b| html! { <option value={b.name} selected={bug == b.name} title={b.what}>{ b.name }</option> }) }
                    </select>
                </label>
                <button id="settings-apply" class="primary" title="Start a new run with these settings" onclick={link.callback(|_| Msg::ApplySettings)}>{ "Apply and restart" }</button>
            </div>
            if let Some(what) = bug_what { <p class="hint bug-what">{ what }</p> }
            { for app.settings_errors.iter().map(|e| html! { <p class="field-error" role="alert">{ e }</p> }) }
        </details>
    }
}

pub fn help(link: &Scope<App>) -> Html {
    let keys = [
        ("Space / k", "play or pause"),
        ("→ / .", "step one event"),
        ("← / ,", "back one event (then playing replays; acting forks)"),
        ("+ / −", "faster / slower"),
        ("1–9", "select that node"),
        ("c", "crash or restart the selected node"),
        ("h", "heal everything"),
        ("r", "restart the run with the seed"),
        ("n", "new seed"),
        ("Esc", "close this, deselect"),
        ("?", "show or hide this help"),
    ];
    html! {
        <div id="help-dialog" class="dialog" role="dialog" aria-label="keyboard shortcuts">
            <div class="dialog-body">
                <h2>{ "Keyboard shortcuts" }</h2>
                <dl class="keys">
                    { for keys.iter().map(|(k, what)| html! { <><dt><kbd>{ *k }</kbd></dt><dd>{ *what }</dd></> }) }
                </dl>
                <button id="help-close" onclick={link.callback(|_| Msg::Help(false))}>{ "Close" }</button>
            </div>
        </div>
    }
}
