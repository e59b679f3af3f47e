//! Headless-browser tests (`wasm-pack test --headless --chrome`): the same golden trace hash as
//! the native tests, and the page running a live simulation.
#![cfg(target_arch = "wasm32")]

#[path = "golden/hash.rs"]
mod golden;

use consensus_playground::playground::{self, run_to_end};
use consensus_playground::scenario;
use consensus_playground::sim::trace::format_hash;
use consensus_playground::sim::Setup;
use consensus_playground::ui::{App, AppProps};
use std::time::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn golden_hash_matches_native() {
    let s = scenario::parse(golden::GOLDEN_RAFT_SCENARIO).unwrap();
    let mut setup = Setup::default();
    s.apply_settings(&mut setup);
    let mut run = playground::build("raft", setup, Some(&s)).unwrap();
    let outcome = run_to_end(run.as_mut());
    assert!(outcome.expectations.iter().all(|e| e.passed));
    assert_eq!(format_hash(run.hash()), golden::GOLDEN_RAFT_HASH);
}

#[wasm_bindgen_test]
fn chaos_runs_and_time_travel_work_in_wasm() {
    let setup = Setup {
        seed: 3,
        faults: consensus_playground::sim::FaultPreset::Chaos,
        duration_us: 2_000_000,
        ..Setup::default()
    };
    let mut run = playground::build("raft", setup, None).unwrap();
    run_to_end(run.as_mut());
    let end = run.hash();
    let steps = run.steps();
    run.restore(steps / 2).unwrap();
    run.restore(steps).unwrap();
    assert_eq!(run.hash(), end);
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

async fn sleep(ms: u64) {
    yew::platform::time::sleep(Duration::from_millis(ms)).await;
}

/// Lets Yew finish what it has queued. Its scheduler renders in slices of about 16 ms and yields to
/// the browser between slices (`setTimeout(0)`), so on a loaded machine a test's own timer can fire
/// between the page's render and its children's (the banner drawn, the panels not yet): a test
/// looks at the page only after this.
async fn flush() {
    yew::scheduler::flush().await;
}

/// Waits up to `ms` wall-clock milliseconds for `done`, looking only at fully rendered pages.
async fn wait_for(ms: u64, mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..ms / 20 {
        flush().await;
        if done() {
            return true;
        }
        sleep(20).await;
    }
    flush().await;
    done()
}

/// The playground mounted in a fresh element, with its URL parameters.
struct Page {
    root: web_sys::Element,
    handle: Option<yew::AppHandle<App>>,
}

impl Page {
    async fn open(query: &str) -> Page {
        let root = document().create_element("div").unwrap();
        document().body().unwrap().append_child(&root).unwrap();
        let props = AppProps { query: Some(query.to_string()) };
        let handle = yew::Renderer::<App>::with_root_and_props(root.clone(), props).render();
        sleep(30).await;
        flush().await;
        // A share link is inflated by the browser asynchronously.
        let opening = || root.query_selector("[data-opening]").unwrap().is_some();
        assert!(wait_for(3000, || !opening()).await, "the share link is read");
        Page { root, handle: Some(handle) }
    }
    fn all(&self, selector: &str) -> Vec<web_sys::Element> {
        let list = self.root.query_selector_all(selector).unwrap();
        (0..list.length()).filter_map(|i| list.item(i)).map(|n| n.dyn_into().unwrap()).collect()
    }
    fn one(&self, selector: &str) -> Option<web_sys::Element> {
        self.root.query_selector(selector).unwrap()
    }
    fn attr(&self, selector: &str, name: &str) -> Option<String> {
        self.one(selector).and_then(|e| e.get_attribute(name))
    }
    fn text(&self, selector: &str) -> String {
        self.one(selector).and_then(|e| e.text_content()).unwrap_or_default()
    }
    fn now_us(&self) -> u64 {
        self.attr("#clock", "data-virtual-time").unwrap().parse().unwrap()
    }
    /// The running leader with the highest term, as (id, term).
    fn leader(&self) -> Option<(u32, u64)> {
        self.all("#cluster [data-node][data-role=leader][data-status=up]")
            .iter()
            .map(|e| {
                (
                    e.get_attribute("data-node").unwrap().parse().unwrap(),
                    e.get_attribute("data-term").unwrap().parse().unwrap(),
                )
            })
            .max_by_key(|&(id, term): &(u32, u64)| (term, std::cmp::Reverse(id)))
    }
    fn commit_of(&self, node: u32) -> Option<u64> {
        self.attr(&format!("#loggrid tr[data-node=\"{node}\"]"), "data-commit").and_then(|c| c.parse().ok())
    }
    fn click(&self, selector: &str) {
        let el = self.one(selector).unwrap_or_else(|| panic!("no {selector} on the page"));
        let init = web_sys::MouseEventInit::new();
        init.set_bubbles(true);
        let click = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
        el.dispatch_event(&click).unwrap();
    }
    fn type_into(&self, selector: &str, value: &str) {
        // An input or a textarea.
        let input = self.one(selector).unwrap_or_else(|| panic!("no {selector} on the page"));
        js_sys::Reflect::set(&input, &"value".into(), &value.into()).unwrap();
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        input.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap()).unwrap();
    }
    fn key(&self, key: &str) {
        let init = web_sys::KeyboardEventInit::new();
        init.set_key(key);
        init.set_bubbles(true);
        let e = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
        document().body().unwrap().dispatch_event(&e).unwrap();
    }
    /// After an action: what it changes is drawn once Yew's queue is empty (actions redraw at
    /// once, not at the next frame); the short sleep lets a frame or two run as a person would see.
    async fn settle(&self) {
        flush().await;
        sleep(40).await;
        flush().await;
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.destroy();
        }
        self.root.remove();
    }
}

#[wasm_bindgen_test]
async fn page_draws_the_cluster_and_a_leader_appears_as_time_advances() {
    let page = Page::open("?nodes=7&seed=3&speed=2").await;
    assert_eq!(page.all("#cluster [data-node]").len(), 7, "seven nodes are drawn");
    assert_eq!(page.all("#cluster [data-node][data-status=up]").len(), 7);
    assert_eq!(page.all("#loggrid tbody tr").len(), 7, "one log row per node");
    assert!(wait_for(8000, || page.leader().is_some()).await, "a leader is elected and drawn");
    let t = page.now_us();
    assert!(wait_for(2000, || page.now_us() > t).await, "virtual time advances while playing");
    assert!(!page.all("#events li").is_empty(), "events are listed");
    assert!(!page.all("#properties [data-property][data-status=holds]").is_empty());
    assert!(page.all("#properties [data-status=violated]").is_empty());
    // Messages in flight carry their id and kind.
    assert!(wait_for(3000, || !page.all("#cluster [data-message][data-kind]").is_empty()).await);
    // The keyboard: Space pauses, → steps one event.
    page.key(" ");
    page.settle().await;
    assert_eq!(page.attr(".playground", "data-playing").as_deref(), Some("false"));
    let paused_at = page.now_us();
    sleep(150).await;
    assert_eq!(page.now_us(), paused_at, "paused: the clock stands still");
    // → processes one event (a stale timer's event records nothing, so press until one does).
    let events = page.text(".stats");
    for _ in 0..10 {
        page.key("ArrowRight");
        page.settle().await;
        if page.text(".stats") != events {
            break;
        }
    }
    assert_ne!(page.text(".stats"), events, "→ steps the run");
    assert!(page.now_us() - paused_at < 100_000, "one event at a time");
    page.key("?");
    page.settle().await;
    assert!(page.one("#help-dialog").is_some(), "? shows the shortcuts");
    page.key("Escape");
    page.settle().await;
    assert!(page.one("#help-dialog").is_none());
}

#[wasm_bindgen_test]
async fn crashing_the_leader_yields_a_new_leader_with_a_higher_term() {
    let page = Page::open("?seed=5&speed=2").await;
    assert!(wait_for(8000, || page.leader().is_some()).await);
    let (old, term) = page.leader().unwrap();
    page.click(&format!("#cluster [data-node=\"{old}\"]"));
    page.settle().await;
    assert_eq!(page.attr("#node-panel", "data-node"), Some(old.to_string()), "clicking a node selects it");
    page.click("#node-crash");
    page.settle().await;
    assert_eq!(page.attr(&format!("#cluster [data-node=\"{old}\"]"), "data-status").as_deref(), Some("crashed"));
    assert!(
        wait_for(10000, || page.leader().is_some_and(|(id, t)| id != old && t > term)).await,
        "another node leads in a higher term"
    );
    page.click("#node-restart");
    page.settle().await;
    assert_eq!(page.attr(&format!("#cluster [data-node=\"{old}\"]"), "data-status").as_deref(), Some("up"));
}

#[wasm_bindgen_test]
async fn a_leader_in_a_minority_partition_cannot_commit() {
    let page = Page::open("?seed=7&speed=2&clients=2&interval=50ms").await;
    assert!(wait_for(8000, || page.leader().is_some_and(|(id, _)| page.commit_of(id).unwrap_or(0) >= 3)).await);
    let (old, term) = page.leader().unwrap();
    page.click("#net-leader-minority");
    page.settle().await;
    assert!(page.one("#action-error").is_none(), "{}", page.text("#action-error"));
    assert!(!page.all("#cluster [data-cut]").is_empty(), "cut links are drawn");
    let stuck = page.commit_of(old).unwrap();
    // The majority side elects a leader of its own and commits past the old leader.
    assert!(
        wait_for(10000, || page
            .leader()
            .is_some_and(|(id, t)| id != old && t > term && page.commit_of(id).unwrap_or(0) > stuck + 2))
        .await,
        "the majority moves on"
    );
    assert_eq!(page.commit_of(old), Some(stuck), "the minority leader commits nothing more");
    let last: u64 = page.attr(&format!("#loggrid tr[data-node=\"{old}\"]"), "data-last").unwrap().parse().unwrap();
    assert!(last >= stuck);
}

#[wasm_bindgen_test]
async fn a_planted_bug_stops_the_run_at_the_violated_property() {
    // Found by a native run of the page's own settings: leader-completeness fails at 3.89s.
    let page = Page::open("?bug=no-election-restriction&faults=chaos&seed=29&speed=50").await;
    assert!(wait_for(15000, || page.one("#violation").is_some()).await, "the violation is reported");
    assert_eq!(page.attr("#violation", "data-property").as_deref(), Some("leader-completeness"));
    assert!(page.text("#violation").contains("leader-completeness violated"));
    assert_eq!(
        page.attr("#properties [data-property=leader-completeness]", "data-status").as_deref(),
        Some("violated")
    );
    assert_eq!(page.attr(".playground", "data-playing").as_deref(), Some("false"), "the run pauses");
    // The offending event (a node becoming leader without a committed entry) is selected, and the
    // run stopped within the step that made it: the violation record is among the newest events.
    assert!(page.text("#selected-event").contains("role=\"leader\""), "{}", page.text("#selected-event"));
    assert!(page.one("#events li.selected").is_some(), "the offending event is selected in the log");
    let events: Vec<String> = page.all("#events li").iter().map(|e| e.text_content().unwrap_or_default()).collect();
    assert!(events.iter().any(|t| t.contains("VIOLATION leader-completeness")), "{events:?}");
    assert!(events[0].starts_with("3.894659s"), "nothing after the offending step ran: {}", events[0]);
}

#[wasm_bindgen_test]
async fn bad_settings_and_parameters_are_explained_not_fatal() {
    let page = Page::open("?nodes=abc&speed=fast&protocol=<script>&latency=9h").await;
    assert_eq!(page.all(".notice").len(), 4, "each bad parameter is explained");
    assert_eq!(page.all("#cluster [data-node]").len(), 5, "and the default cluster runs");
    page.type_into("#set-nodes", "99");
    page.click("#settings-apply");
    page.settle().await;
    assert!(page.text(".field-error").contains("nodes"), "{}", page.text(".field-error"));
    assert_eq!(page.all("#cluster [data-node]").len(), 5, "the run goes on");
    page.type_into("#set-nodes", "3");
    page.type_into("input[name=election]", "nonsense");
    page.click("#settings-apply");
    page.settle().await;
    assert!(page.text(".field-error").contains("election"), "{}", page.text(".field-error"));
    page.type_into("input[name=election]", "300ms..600ms");
    page.click("#settings-apply");
    page.settle().await;
    assert!(page.one(".field-error").is_none());
    assert_eq!(page.all("#cluster [data-node]").len(), 3, "good settings restart the run");
    // A bad form value is explained next to the controls.
    page.click("#cluster [data-node=\"1\"]");
    page.settle().await;
    page.type_into("input[name=pause]", "forever");
    page.click("#node-pause");
    page.settle().await;
    assert!(page.text("#action-error").contains("pause"), "{}", page.text("#action-error"));
}

#[wasm_bindgen_test]
async fn a_paxos_run_chooses_a_value() {
    let page = Page::open("?protocol=paxos&seed=2&speed=2").await;
    assert_eq!(page.all("#cluster [data-node]").len(), 5);
    assert!(page.text("#cluster").contains("P A L"), "role badges are drawn");
    assert!(
        wait_for(8000, || !page.all("#loggrid td.chosen").is_empty()).await,
        "a majority of acceptors accepted one value: the grid marks it chosen"
    );
    assert!(wait_for(8000, || !page.all("#cluster [data-role=decided]").is_empty()).await, "a proposer learns it");
    page.click("#cluster [data-node=\"1\"]");
    page.settle().await;
    let panel = page.text("#node-panel");
    assert!(panel.contains("promised") && panel.contains("learned"), "{panel}");
    assert!(page.all("#properties [data-status=violated]").is_empty());
}

#[wasm_bindgen_test]
async fn a_two_phase_commit_transfer_commits_and_conserves_the_total() {
    let page = Page::open("?protocol=2pc&nodes=3&seed=1&speed=2&clients=0&opt.no-vote=0%25").await;
    assert_eq!(page.attr("#cluster [data-node=\"1\"]", "data-role").as_deref(), Some("coordinator"));
    assert_eq!(page.attr("#cluster [data-node=\"2\"]", "data-role").as_deref(), Some("participant"));
    assert!(page.text("[data-fact=total]").contains("400"), "{}", page.text("#facts"));
    page.click("#cluster [data-node=\"1\"]");
    page.settle().await;
    page.type_into("#node-panel input[name=command]", "transfer 2a 3a 10");
    page.click("#node-request");
    page.settle().await;
    assert!(page.one("#action-error").is_none(), "{}", page.text("#action-error"));
    assert!(
        wait_for(8000, || page.all("#loggrid td.txn-committed").len() == 3).await,
        "T1 commits at the coordinator and both participants"
    );
    assert!(page.text("[data-fact=total] dd").starts_with("400 "), "{}", page.text("#facts"));
    page.click("#cluster [data-node=\"2\"]");
    page.settle().await;
    assert!(page.text("#node-panel").contains("2a=90"), "{}", page.text("#node-panel"));
    assert!(page.all("#properties [data-status=violated]").is_empty());
}

#[wasm_bindgen_test]
async fn a_coordinator_crash_leaves_participants_in_doubt() {
    // The transfer and the crash come from a scenario in the URL, at fixed virtual times (the
    // participants work for 2 s, the coordinator crashes at 100 ms), so no race with a slow
    // machine's frames decides whether the crash lands before the votes.
    let page = Page::open(
        "?protocol=2pc&nodes=3&seed=1&speed=5&clients=0&opt.no-vote=0%25&opt.work=2s\
         &scenario=at%2010ms%20request%201%20%22transfer%202a%203a%2010%22%0Aat%20100ms%20crash%201",
    )
    .await;
    assert!(page.all(".notice").is_empty(), "{}", page.text(".notice"));
    assert!(
        wait_for(20_000, || page.all("#loggrid td.txn-prepared").len() == 2).await,
        "they vote yes and stay prepared, in doubt: {}",
        page.text("#loggrid")
    );
    assert_eq!(page.attr("#cluster [data-node=\"1\"]", "data-status").as_deref(), Some("crashed"));
    assert!(wait_for(3000, || page.one("#properties [data-property=blocked][data-status=blocked]").is_some()).await);
    assert!(
        wait_for(2000, || page.text("[data-fact=\"prepared / in doubt\"] dd") == "2").await,
        "{}",
        page.text("#facts")
    );
    sleep(600).await;
    flush().await;
    assert_eq!(page.all("#loggrid td.txn-prepared").len(), 2, "still in doubt: nobody can decide");
    page.click("#cluster [data-node=\"2\"]");
    page.settle().await;
    let panel = page.text("#node-panel");
    assert!(panel.contains("2a by T1 (prepared)"), "{panel}");
    assert!(page.all("#properties [data-status=violated]").is_empty(), "blocking is not a violation");
    page.click("#heal");
    page.settle().await;
    assert!(
        wait_for(6000, || page.all("#loggrid td.txn-aborted").len() == 3).await,
        "the restarted coordinator presumes abort"
    );
}

fn js_object(pairs: &[(&str, wasm_bindgen::JsValue)]) -> wasm_bindgen::JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        js_sys::Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.into()
}

fn js_get(o: &wasm_bindgen::JsValue, key: &str) -> wasm_bindgen::JsValue {
    js_sys::Reflect::get(o, &key.into()).unwrap()
}

fn error_text(e: wasm_bindgen::JsError) -> String {
    let v: wasm_bindgen::JsValue = e.into();
    js_sys::Error::from(v).message().into()
}

#[wasm_bindgen_test]
fn the_js_api_runs_a_headless_simulation() {
    use consensus_playground::api::Simulation;
    // The golden Raft scenario through the JS API gives the native trace hash.
    let mut sim = Simulation::new(js_object(&[("scenario", golden::GOLDEN_RAFT_SCENARIO.into())])).unwrap();
    assert_eq!(sim.run_until(3_000_000.0, None).unwrap(), "reached");
    let stats = sim.stats().unwrap();
    assert_eq!(js_get(&stats, "traceHash").as_string().unwrap(), golden::GOLDEN_RAFT_HASH);
    assert!(js_get(&stats, "eventsProcessed").as_f64().unwrap() > 1000.0);
    // Settings by name, actions in the scenario language, state and trace out.
    let config = js_object(&[
        ("protocol", "paxos".into()),
        ("nodes", 3.into()),
        ("seed", 7.into()),
        ("options", js_object(&[("backoff", true.into())])),
    ]);
    let mut sim = Simulation::new(config).unwrap();
    assert!(sim.step());
    sim.inject("crash 3").unwrap();
    sim.run_until(500_000.0, Some(true)).unwrap();
    let state = sim.state().unwrap();
    let nodes = js_sys::Array::from(&js_get(&state, "nodes"));
    assert_eq!(nodes.length(), 3);
    assert_eq!(js_get(&nodes.get(2), "up").as_bool(), Some(false));
    let trace = sim.trace();
    let first: serde_json::Value = serde_json::from_str(trace.lines().next().unwrap()).unwrap();
    assert_eq!(first["ev"], "run");
    assert_eq!(first["protocol"], "paxos");
    assert!(trace.contains("\"ev\":\"crash\""));
    // The trace in parts, as a long one would be read: put together they are the trace.
    let (mut parts, mut from) = (String::new(), 0.0);
    loop {
        let piece = sim.trace_since(from, Some(300.0)).unwrap();
        let text = js_get(&piece, "text").as_string().unwrap();
        assert_eq!(js_get(&piece, "first").as_f64(), Some(0.0), "the whole trace is held");
        if text.is_empty() {
            break;
        }
        assert!(text.ends_with('\n') && text.lines().count() < trace.lines().count(), "whole lines, a part");
        parts.push_str(&text);
        from = js_get(&piece, "next").as_f64().unwrap();
    }
    assert_eq!(parts, trace);
    assert_eq!(Some(from), js_get(&sim.stats().unwrap(), "records").as_f64());
    assert!(error_text(sim.trace_since(-1.0, None).err().unwrap()).contains("from must be a record index"));
    assert!(error_text(sim.trace_since(f64::NAN, None).err().unwrap()).contains("from must be a record index"));
    assert!(error_text(sim.trace_since(0.0, Some(0.0)).err().unwrap()).contains("maxBytes"));
    // Bad input is a clear exception, not a panic.
    let bad = |pairs: &[(&str, wasm_bindgen::JsValue)]| error_text(Simulation::new(js_object(pairs)).err().unwrap());
    assert!(bad(&[("nodes", "abc".into())]).contains("nodes"));
    assert!(bad(&[("protocol", "zab".into())]).contains("unknown protocol"));
    assert!(bad(&[("options", js_object(&[("prevote", "maybe".into())]))]).contains("prevote"));
    assert!(bad(&[("scenario", "at 1s explode 2".into())]).contains("explode"));
    let e = Simulation::new(wasm_bindgen::JsValue::from(5)).err().unwrap();
    assert!(error_text(e).contains("plain object"));
    let e = Simulation::new(js_sys::Array::of1(&"raft".into()).into()).err().unwrap();
    assert!(error_text(e).contains("plain object"), "an array is not settings");
    assert!(bad(&[("options", js_sys::Array::new().into())]).contains("options must be an object"));
    assert!(bad(&[("nodes", js_sys::Object::new().into())]).contains("must be a string, a number or a boolean"));
    assert!(bad(&[("nodes", f64::NAN.into())]).contains("must be a string, a number or a boolean"));
    // Numbers are written as JavaScript writes them: 2.5 is not a whole number of nodes.
    assert!(bad(&[("nodes", 2.5.into())]).contains("2.5"), "{}", bad(&[("nodes", 2.5.into())]));
    let many: Vec<(String, wasm_bindgen::JsValue)> = (0..300).map(|i| (format!("k{i}"), "x".into())).collect();
    let many: Vec<(&str, wasm_bindgen::JsValue)> = many.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    assert!(bad(&many).contains("at most 200"));
    assert!(error_text(sim.inject("crash 99").unwrap_err()).contains("99"));
    assert!(error_text(sim.inject("dance").unwrap_err()).contains("dance"));
    assert!(sim.run_until(f64::NAN, None).is_err());
}

fn input_value(page: &Page, selector: &str) -> String {
    let input: web_sys::HtmlInputElement = page.one(selector).unwrap().dyn_into().unwrap();
    input.value()
}

/// Clicks the middle of the first arrow of the space-time diagram, where a person would; returns
/// the point clicked, in the drawing's units.
fn click_first_arrow(page: &Page) -> (f64, f64) {
    let svg = page.one("#spacetime-svg").expect("the diagram is shown");
    let d = page.attr("#spacetime-svg path.arrow", "d").expect("an arrow");
    let numbers: Vec<f64> =
        d.split(['M', 'L', ' ']).filter(|w| !w.is_empty()).take(4).map(|w| w.parse().unwrap()).collect();
    let (mx, my) = ((numbers[0] + numbers[2]) / 2.0, (numbers[1] + numbers[3]) / 2.0);
    let view: Vec<f64> = svg.get_attribute("viewBox").unwrap().split(' ').map(|w| w.parse().unwrap()).collect();
    let rect = svg.get_bounding_client_rect();
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    init.set_client_x((rect.left() + mx * rect.width() / view[2]).round() as i32);
    init.set_client_y((rect.top() + my * rect.height() / view[3]).round() as i32);
    let click = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
    svg.dispatch_event(&click).unwrap();
    (mx, my)
}

fn timeline(page: &Page) -> (u64, u64) {
    let get = |name: &str| page.attr("#timeline", name).unwrap().parse::<u64>().unwrap();
    (get("data-step"), get("data-horizon"))
}

#[wasm_bindgen_test]
async fn scrubbing_back_shows_the_past_and_acting_there_forks_a_new_future() {
    let page = Page::open("?seed=2&speed=2").await;
    assert!(wait_for(8000, || page.leader().is_some()).await);
    sleep(400).await;
    page.click("#play");
    page.settle().await;
    let (step, horizon) = timeline(&page);
    assert_eq!(step, horizon, "playing keeps the page at the end of the run");
    let (end_hash, end_time) = (page.attr("#stats", "data-hash"), page.now_us());
    // Drag back to the middle: the page shows that moment.
    page.type_into("#scrubber", &(horizon / 2).to_string());
    page.settle().await;
    assert_eq!(timeline(&page), (horizon / 2, horizon));
    assert_eq!(page.attr("#timeline", "data-past").as_deref(), Some("true"));
    assert!(page.now_us() < end_time, "the clock shows the past");
    assert_ne!(page.attr("#stats", "data-hash"), end_hash);
    // ← goes back one event; the scrubber forward again replays to the same end.
    page.key("ArrowLeft");
    page.settle().await;
    assert_eq!(timeline(&page).0, horizon / 2 - 1);
    page.type_into("#scrubber", &horizon.to_string());
    page.settle().await;
    assert_eq!(page.attr("#stats", "data-hash"), end_hash, "replay reaches the very same end");
    // The space-time diagram draws the messages; clicking one selects its send.
    assert!(page.attr("#spacetime-svg", "data-arrows").unwrap().parse::<u64>().unwrap() > 0);
    let (mx, my) = click_first_arrow(&page);
    // The diagram is a child component: it may be drawn a scheduler slice after the click.
    assert!(
        wait_for(3000, || page.one("#spacetime-svg line.selected[data-message]").is_some()).await,
        "the arrow is drawn selected (selected event: {:?})",
        page.text("#selected-event")
    );
    // ... and it is the arrow under the pointer (the point is within a pixel's rounding of it).
    let end = |name: &str| page.attr("#spacetime-svg line.selected", name).unwrap().parse::<f64>().unwrap();
    let (x1, y1, x2, y2) = (end("x1"), end("y1"), end("x2"), end("y2"));
    let (dx, dy) = (x2 - x1, y2 - y1);
    let t = (((mx - x1) * dx + (my - y1) * dy) / (dx * dx + dy * dy).max(1e-9)).clamp(0.0, 1.0);
    let off = ((mx - x1 - t * dx).powi(2) + (my - y1 - t * dy).powi(2)).sqrt();
    assert!(off < 1.5, "the selected arrow ({x1},{y1})-({x2},{y2}) is {off:.1} units from the click ({mx},{my})");
    assert!(page.text("#selected-event").contains("send"), "{}", page.text("#selected-event"));
    // Acting at a past moment forks: the old future is gone, this moment is the new end.
    page.type_into("#scrubber", &(horizon / 2).to_string());
    page.settle().await;
    page.click("#cluster [data-node=\"1\"]");
    page.settle().await;
    page.click("#node-crash");
    page.settle().await;
    assert_eq!(timeline(&page), (horizon / 2, horizon / 2), "the timeline ends here now");
    assert_eq!(page.attr("#timeline", "data-past").as_deref(), Some("false"));
    page.click("#play");
    assert!(wait_for(3000, || timeline(&page).1 > horizon / 2 + 10).await, "the new future runs");
    assert_eq!(page.attr("#cluster [data-node=\"1\"]", "data-status").as_deref(), Some("crashed"));
}

#[wasm_bindgen_test]
async fn a_share_link_opens_the_same_run_with_the_same_trace_hash() {
    let page = Page::open("?seed=5&speed=2&opt.prevote=off&drop=2&nodes=4").await;
    assert!(wait_for(8000, || page.leader().is_some()).await);
    page.click("#cluster [data-node=\"2\"]");
    page.settle().await;
    page.click("#node-crash");
    sleep(300).await;
    page.click("#play");
    page.settle().await;
    let (_, horizon) = timeline(&page);
    let end_hash = page.attr("#stats", "data-hash");
    page.type_into("#scrubber", &(horizon * 3 / 4).to_string());
    page.settle().await;
    let here = (timeline(&page), page.attr("#stats", "data-hash"), page.now_us());
    page.click("#share");
    // The browser compresses the link asynchronously.
    assert!(wait_for(3000, || page.one("#share-url").is_some()).await, "a link is made");
    let url = input_value(&page, "#share-url");
    let (_, query) = url.split_once('?').expect("a link with parameters");
    assert!(query.starts_with("run=1."), "{query}");
    let opened = Page::open(&format!("?{query}")).await;
    assert!(opened.all(".notice").is_empty(), "{}", opened.text(".notice"));
    assert_eq!((timeline(&opened), opened.attr("#stats", "data-hash"), opened.now_us()), here, "the same moment");
    assert_eq!(opened.attr(".playground", "data-playing").as_deref(), Some("false"), "it opens paused");
    assert!(opened.text("header .subtitle").contains("prevote off"), "{}", opened.text("header"));
    assert_eq!(opened.attr("#cluster [data-node=\"2\"]", "data-status").as_deref(), Some("crashed"));
    opened.type_into("#scrubber", &horizon.to_string());
    opened.settle().await;
    assert_eq!(opened.attr("#stats", "data-hash"), end_hash, "and the same end");
}

/// The same settings through the JS API, and the page opening the share link of that run, give
/// the trace hash of `sim run` with those flags (tests/faces.rs holds the command line to it).
#[wasm_bindgen_test]
async fn the_js_api_and_the_page_give_the_command_line_s_trace_hash() {
    use consensus_playground::api::Simulation;
    let settings: Vec<(&str, wasm_bindgen::JsValue)> =
        golden::FACES_SETTINGS.iter().map(|(k, v)| (*k, wasm_bindgen::JsValue::from_str(v))).collect();
    let mut sim = Simulation::new(js_object(&settings)).unwrap();
    assert_eq!(sim.run_until(10_000_000.0, None).unwrap(), "reached");
    assert_eq!(js_get(&sim.stats().unwrap(), "traceHash").as_string().unwrap(), golden::FACES_HASH);
    let page = Page::open(&format!("?run={}", golden::FACES_LINK)).await;
    assert!(page.all(".notice").is_empty(), "{}", page.text(".notice"));
    assert_eq!(page.attr("#stats", "data-hash").as_deref(), Some(golden::FACES_HASH));
    assert_eq!(page.now_us(), 10_000_000);
}

#[wasm_bindgen_test]
async fn malformed_truncated_or_hostile_links_get_a_message_and_a_default_run() {
    let good = {
        let page = Page::open("?seed=9&speed=2").await;
        sleep(200).await;
        page.click("#share");
        assert!(wait_for(3000, || page.one("#share-url").is_some()).await, "a link is made");
        input_value(&page, "#share-url").split_once("run=").unwrap().1.to_string()
    };
    let cut = &good[..good.len() * 2 / 3];
    for (run, why) in [
        ("1.AAAA", "damaged"),
        ("%3Cscript%3Ealert(1)%3C%2Fscript%3E", "not a Consensus Playground run"),
        (cut, "cut short"),
        ("1.", "damaged"),
    ] {
        let page = Page::open(&format!("?run={run}&speed=2")).await;
        let notice = page.text(".notice");
        assert!(notice.contains("could not be opened") && notice.contains(why), "{run}: {notice}");
        assert_eq!(page.all("#cluster [data-node]").len(), 5, "a default run is shown");
        assert!(page.all("script").is_empty(), "nothing from the link becomes markup");
        assert!(wait_for(8000, || page.leader().is_some()).await, "and it runs");
    }
}

#[wasm_bindgen_test]
async fn links_made_natively_open_in_the_browser_and_bombs_are_refused() {
    // Made by miniz (the native build, and every page build before links were compressed by the
    // browser): pinned by the native test `links_made_natively_are_stable`. Node 2 crashed at 0.
    let native = "1.HYw5DsAgDAR7XkFFFylXy2MQOIcU2chrivw-EG2zU8xkYRCjYapPek-VxsVrY786kNnNJ3xVMcnyRE2HBZZCiFsAUYn7ElDHWR11cR5zKdst_EPWhKu3Pg";
    let page = Page::open(&format!("?run={native}")).await;
    assert!(page.all(".notice").is_empty(), "{}", page.text(".notice"));
    assert_eq!(page.all("#cluster [data-node]").len(), 3);
    assert_eq!(page.attr("#cluster [data-node=\"2\"]", "data-status").as_deref(), Some("crashed"));
    assert_eq!(page.attr(".playground", "data-playing").as_deref(), Some("false"), "it opens paused");
    // 1,034 bytes of raw DEFLATE that inflate to 1 MiB + 10 spaces: the browser's inflater is
    // stopped at the limit.
    let bomb = format!("1.7cExAQAAAMKgKuuf0hKeQAE{}vAw", "A".repeat(1353));
    let page = Page::open(&format!("?run={bomb}&speed=2")).await;
    let notice = page.text(".notice");
    assert!(notice.contains("could not be opened") && notice.contains("unpacks to more than"), "{notice}");
    assert!(wait_for(8000, || page.leader().is_some()).await, "the default run runs");
}

#[wasm_bindgen_test]
async fn the_space_time_diagram_fills_in_soon_after_the_page_opens() {
    // A busy diagram is redrawn once a second; a small one (here: a run's first half virtual
    // second at quarter speed, under 150 arrows) four times as often, so the first messages show
    // soon after the page opens (it used to stay empty for a second). `data-now` is the moment it
    // shows. In 2 s: ~8 drawings now, at most 3 with a 1 s period.
    let page = Page::open("?seed=3&speed=0.25").await;
    let mut drawn: Vec<String> = Vec::new();
    for _ in 0..100 {
        flush().await;
        let now = page.attr("#spacetime", "data-now").unwrap_or_default();
        if drawn.last() != Some(&now) {
            drawn.push(now);
        }
        sleep(20).await;
    }
    let arrows = page.attr("#spacetime-svg", "data-arrows").and_then(|a| a.parse::<u64>().ok()).unwrap_or(0);
    assert!(arrows > 0, "the first messages are drawn");
    assert!(drawn.len() >= 5, "redrawn {} times in 2 s: {drawn:?}", drawn.len());
}

#[wasm_bindgen_test]
async fn a_scenario_caption_waits_for_the_reader() {
    let page = Page::open("?scenario=raft-election&speed=1").await;
    assert!(wait_for(3000, || page.one("#caption[data-wait=true]").is_some()).await, "the first caption shows");
    assert!(page.text("#caption").contains("Five servers start as followers"), "{}", page.text("#caption"));
    assert_eq!(page.attr(".playground", "data-playing").as_deref(), Some("false"), "and waits");
    let t = page.now_us();
    sleep(200).await;
    assert_eq!(page.now_us(), t, "nothing moves while the caption waits");
    page.click("#caption-continue");
    page.settle().await;
    assert_eq!(page.attr(".playground", "data-playing").as_deref(), Some("true"));
    assert!(
        wait_for(5000, || page.text("#caption").contains("Node 3 timed out first")).await,
        "{}",
        page.text("#caption")
    );
    assert!(page.text("#scenario-panel").contains("expect no violations"));
    // A broken script in the panel is explained, and the run goes on.
    page.type_into("#script", "protocol raft\nat 1s explode 3");
    page.click("#script-run");
    page.settle().await;
    assert!(page.text("#scenario-panel").contains("line 2"), "{}", page.text("#scenario-panel"));
    // A long script typed in whole (well past any short field's limit) runs as written.
    let long = format!(
        "{}{}\nat 0s say \"typed by hand\" wait\n",
        "# a comment line to make it long\n".repeat(40),
        "protocol paxos"
    );
    assert!(long.len() > 1_000);
    page.type_into("#script", &long);
    page.click("#script-run");
    page.settle().await;
    assert!(page.all("#scenario-panel .field-error").is_empty(), "{}", page.text("#scenario-panel"));
    assert!(wait_for(3000, || page.text("#caption").contains("typed by hand")).await, "{}", page.text("#caption"));
    assert!(page.text("header .subtitle").starts_with("paxos"), "{}", page.text("header"));
}
