//! The native half of `benches/wasm.mjs`: the JS API's run, natively. The settings are read by
//! the same code that reads the page's URL and the JS API's `new Simulation({...})`
//! (`ui::params::params_from_pairs`), the run is the JS API's (`playground::build`: every property
//! checked, the trace kept, time travel's checkpoints weighed by the counting allocator), so the
//! two sides run the same events and end with the same trace hash — which `benches/wasm.mjs`
//! checks before it prints a ratio.
//!
//!   cargo build --profile native --example page_path
//!   target/native/examples/page_path UNTIL_US REPEATS [key=value ...]
//!   e.g. target/native/examples/page_path 10000000 5 protocol=raft nodes=5 seed=1 clients=5 interval=20ms
//!
//! Like the browser side, it runs once to warm up, then REPEATS times, timing only `run_until`
//! (building the run is outside the clock on both sides). Prints one line of JSON:
//! `{"events":…,"hash":"…","best_ms":…,"runs_ms":[…]}`.

#[cfg(target_arch = "wasm32")]
fn main() {}

/// The page counts its heap (its checkpoints keep to a byte budget by it), so the native side
/// does the same work.
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: consensus_playground::heap::Counting = consensus_playground::heap::Counting;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use consensus_playground::playground;
    use consensus_playground::sim::trace::format_hash;
    use consensus_playground::ui::params_from_pairs;
    use std::time::Instant;

    let fail = |message: &str| -> ! {
        eprintln!("page_path: {message}\nusage: page_path UNTIL_US REPEATS [key=value ...]");
        std::process::exit(2)
    };
    let mut args = std::env::args().skip(1);
    let until_us: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or_else(|| fail("UNTIL_US: a number"));
    let repeats: usize = match args.next().and_then(|a| a.parse().ok()) {
        Some(n @ 1..=1000) => n,
        _ => fail("REPEATS: 1 to 1000"),
    };
    let mut pairs = Vec::new();
    for arg in args {
        match arg.split_once('=') {
            Some((key, value)) => pairs.push((key.to_string(), value.to_string())),
            None => fail(&format!("{arg:?} is not key=value")),
        }
    }
    let params = params_from_pairs(pairs);
    if !params.errors.is_empty() {
        fail(&params.errors.join("; "));
    }
    let mut runs_ms = Vec::new();
    let (mut events, mut hash) = (0, 0);
    for i in 0..=repeats {
        let mut run = playground::build(&params.protocol, params.setup.clone(), None).unwrap_or_else(|e| fail(&e));
        let started = Instant::now();
        run.run_until(until_us, u64::MAX);
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if i > 0 {
            runs_ms.push(ms); // run 0 warms up
        }
        (events, hash) = (run.steps(), run.hash());
    }
    let best = runs_ms.iter().copied().fold(f64::MAX, f64::min);
    let runs: Vec<String> = runs_ms.iter().map(|ms| format!("{ms:.3}")).collect();
    println!(
        "{{\"events\":{events},\"hash\":\"{}\",\"best_ms\":{best:.3},\"runs_ms\":[{}]}}",
        format_hash(hash),
        runs.join(",")
    );
}
