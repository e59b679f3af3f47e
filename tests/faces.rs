//! One set of settings, one run: the command line, the settings every face parses (the page's
//! URL, the JS API's object, share links) and `sim run --link` give the same trace hash. The
//! browser tests hold the JS API and the page to the same hash and link.
#![cfg(not(target_arch = "wasm32"))]

#[path = "golden/hash.rs"]
mod golden;

use consensus_playground::playground::settings::Settings;
use consensus_playground::playground::share::{self, SharedRun};
use consensus_playground::playground::{build_settings, Keep};
use consensus_playground::sim::trace::format_hash;
use std::process::Command;

fn sim_hash(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_sim")).args(args).output().expect("sim runs");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{out}{}", String::from_utf8_lossy(&o.stderr));
    out.lines().find_map(|l| l.strip_prefix("trace hash ")).expect("a trace hash").to_string()
}

fn faces_settings() -> Settings {
    let (settings, errors) = Settings::from_pairs(golden::FACES_SETTINGS);
    assert!(errors.is_empty(), "{errors:?}");
    settings
}

/// The share link of the faces' run at 10 s, as the page makes it (natively compressed).
fn faces_link() -> String {
    let settings = faces_settings();
    let (_, mut run) = build_settings(&settings, Keep::Trace).unwrap();
    run.run_until(settings.setup.duration_us, u64::MAX);
    assert_eq!(format_hash(run.hash()), golden::FACES_HASH);
    share::encode(&SharedRun::capture(&settings, run.as_ref()))
}

#[test]
fn the_same_settings_give_the_same_trace_hash_in_every_face() {
    let flags: Vec<String> =
        golden::FACES_SETTINGS.iter().flat_map(|(k, v)| [format!("--{k}"), v.to_string()]).collect();
    let mut args = vec!["run"];
    args.extend(flags.iter().map(String::as_str));
    assert_eq!(sim_hash(&args), golden::FACES_HASH, "sim run with flags");
    // The page's URL (its view preferences passed over) and the settings' own query.
    let url = format!(
        "http://127.0.0.1:8080/?{}&speed=3&autoplay=off",
        golden::FACES_SETTINGS.map(|(k, v)| format!("{k}={v}")).join("&")
    );
    assert_eq!(sim_hash(&["run", "--link", &url]), golden::FACES_HASH, "sim run --link with a page's URL");
    let query = format!("?{}", faces_settings().query());
    assert_eq!(sim_hash(&["run", "--link", &query]), golden::FACES_HASH, "the settings' own query");
    // A share link of the run, replayed to the moment it showed.
    assert_eq!(faces_link(), golden::FACES_LINK, "the link the browser tests open");
    let link = format!("http://127.0.0.1:8080/?run={}", faces_link());
    assert_eq!(sim_hash(&["run", "--link", &link]), golden::FACES_HASH, "sim run --link with a share link");
    // The command the settings print is the same run.
    let command = faces_settings().cli_command(None);
    let words: Vec<&str> = command.split(' ').skip(1).collect();
    assert_eq!(sim_hash(&words), golden::FACES_HASH, "{command}");
}

#[test]
fn a_share_link_with_actions_replays_natively_to_the_page_s_hash() {
    use consensus_playground::core::NodeId;
    use consensus_playground::sim::Action;
    let settings = faces_settings();
    let (_, mut run) = build_settings(&settings, Keep::Trace).unwrap();
    run.run_until(2_000_000, u64::MAX);
    run.apply(Action::Crash { node: NodeId(2) }).unwrap();
    run.run_until(4_500_000, u64::MAX);
    run.apply(Action::Request { node: NodeId(1), op: "set x 1".into() }).unwrap();
    run.run_until(6_000_000, u64::MAX);
    let end = format_hash(run.hash());
    run.restore(run.steps() / 2).unwrap();
    let shown = format_hash(run.hash());
    let link = share::encode(&SharedRun::capture(&settings, run.as_ref()));
    assert_eq!(sim_hash(&["run", "--link", &format!("?run={link}")]), shown, "the moment the link showed");
    assert_ne!(shown, end);
}

#[test]
fn link_mistakes_are_explained() {
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_sim")).args(args).output().expect("sim runs");
    for (args, says) in [
        (vec!["run", "--link", "?run=1.AAAA"], "could not be opened"),
        (vec!["run", "--link", "?nodes=0"], "nodes"),
        (vec!["run", "--link", "?seed=1", "--nodes", "3"], "give no other setting"),
        (vec!["run", "--nodes", "0"], "--nodes"),
        (vec!["run", "--latency", "5ms..1ms"], "backwards"),
        (vec!["run", "--drop", "120"], "drop"),
        (vec!["run", "--interval", "0s"], "interval"),
    ] {
        let o = run(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
