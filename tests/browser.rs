//! Headless-browser tests (`wasm-pack test --headless --chrome`): the same golden trace hash as
//! the native tests, and the page running a live simulation.
#![cfg(target_arch = "wasm32")]

#[path = "golden/hash.rs"]
mod golden;

use consensus_playground::playground::{self, run_to_end};
use consensus_playground::scenario;
use consensus_playground::sim::trace::format_hash;
use consensus_playground::sim::Setup;
use std::time::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn golden_hash_matches_native() {
    let s = scenario::parse(golden::GOLDEN_SCENARIO).unwrap();
    let mut setup = Setup::default();
    s.apply_settings(&mut setup);
    let mut run = playground::build("toy", setup, Some(&s)).unwrap();
    let outcome = run_to_end(run.as_mut());
    assert!(outcome.expectations.iter().all(|e| e.passed));
    assert_eq!(format_hash(run.hash()), golden::GOLDEN_TRACE_HASH);
}

#[wasm_bindgen_test]
fn chaos_runs_and_time_travel_work_in_wasm() {
    let setup = Setup {
        seed: 3,
        faults: consensus_playground::sim::FaultPreset::Chaos,
        duration_us: 2_000_000,
        ..Setup::default()
    };
    let mut run = playground::build("toy", setup, None).unwrap();
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

#[wasm_bindgen_test]
async fn page_shows_a_live_cluster_and_reacts_to_clicks() {
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<consensus_playground::ui::App>::with_root(root.clone()).render();
    sleep(50).await;
    let nodes = root.query_selector_all("#cluster g.node").unwrap();
    assert_eq!(nodes.length(), 5, "five Raft nodes are drawn");
    // At the page's default speed (0.1x) an election takes a few wall-clock seconds.
    let leaders = || root.query_selector_all("#cluster g.node.leader").unwrap().length();
    for _ in 0..100 {
        if leaders() == 1 {
            break;
        }
        sleep(100).await;
    }
    assert_eq!(leaders(), 1, "a leader is elected and drawn");
    let table = root.query_selector(".nodes").unwrap().unwrap().text_content().unwrap();
    assert!(table.contains("leader") && table.contains("term") && table.contains("log"), "{table}");
    let clock = || root.query_selector("#clock").unwrap().unwrap().text_content().unwrap();
    let events = || root.query_selector_all("#events li").unwrap().length();
    let before = clock();
    sleep(400).await;
    assert_ne!(clock(), before, "virtual time advances while playing");
    assert!(events() > 0, "events are listed as they happen");
    // Crash node 1 by clicking it.
    let node1: web_sys::Element = nodes.item(0).unwrap().dyn_into().unwrap();
    let click = web_sys::MouseEvent::new("click").unwrap();
    node1.dispatch_event(&click).unwrap();
    sleep(50).await;
    assert_eq!(root.query_selector_all("#cluster g.node.crashed").unwrap().length(), 1);
    // Pause stops the clock.
    let play: web_sys::HtmlElement = root.query_selector("#play").unwrap().unwrap().dyn_into().unwrap();
    play.click();
    sleep(50).await;
    let paused_at = clock();
    sleep(200).await;
    assert_eq!(clock(), paused_at);
    root.remove();
}
