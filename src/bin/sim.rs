//! `sim`: the native command-line runner for single runs, seed sweeps and trace export.
//!
//! Exit codes: 0 every property held, 1 a property (or a scenario expectation) was violated,
//! 2 bad usage.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    std::process::exit(native::main());
}

/// Counts the heap, as the page does, so that a recorded run's time-travel checkpoints weigh what
/// they allocate and keep within their byte budget (without it they weigh nothing, and a world
/// that grows — Multi-Paxos keeps every slot — was kept 64 times: 1.4 GB after ten virtual
/// minutes).
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: consensus_playground::heap::Counting = consensus_playground::heap::Counting;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use clap::{Args, Parser, Subcommand};
    use consensus_playground::check::PropertyKind;
    use consensus_playground::core::time::{format_duration, parse_duration};
    use consensus_playground::playground::{self, Keep, Playground};
    use consensus_playground::scenario::{self, Scenario};
    use consensus_playground::sim::trace::format_hash;
    use consensus_playground::sim::{FaultPreset, RunStatus, Setup, NODES_MAX};
    use std::io::Write;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Mutex;
    use std::time::Instant;

    #[derive(Parser)]
    #[command(name = "sim", version, about = "Consensus Playground: deterministic runs and seed sweeps")]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// One run; every property checked on every event.
        Run(RunArgs),
        /// Many seeds in parallel.
        Sweep(SweepArgs),
        /// Protocols, planted bugs, properties and fault presets.
        List,
    }

    #[derive(Args, Clone)]
    struct Common {
        /// Protocol (see `sim list`); a scenario's `protocol` line is used if this is not given.
        #[arg(long)]
        protocol: Option<String>,
        /// Cluster size (1 to 101).
        #[arg(long)]
        nodes: Option<usize>,
        /// Virtual duration, e.g. 10s or 500ms.
        #[arg(long, value_parser = parse_duration)]
        duration: Option<u64>,
        /// Fault preset: none or chaos.
        #[arg(long, value_parser = FaultPreset::parse)]
        faults: Option<FaultPreset>,
        /// A planted bug (see `sim list`).
        #[arg(long)]
        bug: Option<String>,
        /// A scenario file (see the README's scenario language).
        #[arg(long)]
        scenario: Option<String>,
        /// A protocol option, key=value (repeatable).
        #[arg(long = "option", value_name = "KEY=VALUE")]
        options: Vec<String>,
        /// Closed-loop clients.
        #[arg(long)]
        clients: Option<u32>,
    }

    #[derive(Args)]
    struct RunArgs {
        #[command(flatten)]
        common: Common,
        /// The seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Write the trace as JSON Lines to this file.
        #[arg(long)]
        trace: Option<String>,
    }

    #[derive(Args)]
    struct SweepArgs {
        #[command(flatten)]
        common: Common,
        /// Seeds A..B (B excluded) or A..=B.
        #[arg(long, value_parser = parse_seeds)]
        seeds: (u64, u64),
        /// Worker threads (default: the number of cores).
        #[arg(long)]
        jobs: Option<usize>,
    }

    fn parse_seeds(text: &str) -> Result<(u64, u64), String> {
        let bad = || format!("seeds {text:?}: expected A..B or A..=B, e.g. 0..1000");
        let (a, b, inclusive) = match text.split_once("..=") {
            Some((a, b)) => (a, b, true),
            None => {
                let (a, b) = text.split_once("..").ok_or_else(bad)?;
                (a, b, false)
            }
        };
        let a: u64 = a.trim().parse().map_err(|_| bad())?;
        let b: u64 = b.trim().parse().map_err(|_| bad())?;
        let end = if inclusive { b.checked_add(1).ok_or_else(bad)? } else { b };
        if end <= a {
            return Err(format!("seeds {text:?} is an empty range"));
        }
        if end - a > 100_000_000 {
            return Err("at most 100,000,000 seeds in one sweep".into());
        }
        Ok((a, end))
    }

    /// The fully resolved description of a run, from the flags and the scenario.
    #[derive(Clone)]
    struct Plan {
        protocol: String,
        setup: Setup,
        scenario: Option<Scenario>,
        common: Common,
    }

    fn usage(message: impl std::fmt::Display) -> i32 {
        eprintln!("sim: {message}");
        2
    }

    fn plan(common: &Common, seed: Option<u64>) -> Result<Plan, String> {
        let scenario = match &common.scenario {
            None => None,
            Some(path) => {
                let meta = std::fs::metadata(path).map_err(|e| format!("cannot read scenario {path}: {e}"))?;
                if meta.len() > scenario::SCENARIO_BYTES_MAX as u64 {
                    return Err(format!("scenario {path} is larger than {} bytes", scenario::SCENARIO_BYTES_MAX));
                }
                let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read scenario {path}: {e}"))?;
                Some(scenario::parse(&text).map_err(|e| format!("{path}: {e}"))?)
            }
        };
        let mut setup = Setup::default();
        if let Some(s) = &scenario {
            s.apply_settings(&mut setup);
        }
        if let Some(n) = common.nodes {
            if n == 0 || n > NODES_MAX {
                return Err(format!("--nodes must be between 1 and {NODES_MAX}"));
            }
            setup.nodes = n;
        }
        if let Some(seed) = seed {
            setup.seed = seed;
        }
        if let Some(d) = common.duration {
            setup.duration_us = d;
        }
        if let Some(f) = common.faults {
            setup.faults = f;
        }
        if let Some(bug) = &common.bug {
            setup.bug = if bug == "none" { None } else { Some(bug.clone()) };
        }
        if let Some(c) = common.clients {
            setup.workload.clients = c;
        }
        for option in &common.options {
            let (k, v) = option.split_once('=').ok_or_else(|| format!("--option {option:?} is not key=value"))?;
            setup.options.insert(k.trim().to_string(), v.trim().to_string());
        }
        let protocol = common
            .protocol
            .clone()
            .or_else(|| scenario.as_ref().and_then(|s| s.protocol.clone()))
            .unwrap_or_else(|| playground::default_protocol().to_string());
        if !playground::protocol_names().contains(&protocol.as_str()) {
            return Err(format!(
                "unknown protocol {protocol:?}: use one of {}",
                playground::protocol_names().join(", ")
            ));
        }
        // Build once to check the protocol's bug and options before any work.
        playground::build(&protocol, setup.clone(), scenario.as_ref())?;
        Ok(Plan { protocol, setup, scenario, common: common.clone() })
    }

    /// The command that reproduces one run of a plan.
    fn reproduce(plan: &Plan, seed: u64) -> String {
        let s = &plan.setup;
        let mut cmd = format!(
            "sim run --protocol {} --nodes {} --seed {} --duration {} --faults {}",
            plan.protocol,
            s.nodes,
            seed,
            format_duration(s.duration_us),
            s.faults.as_str()
        );
        if let Some(bug) = &s.bug {
            cmd += &format!(" --bug {bug}");
        }
        if let Some(c) = plan.common.clients {
            cmd += &format!(" --clients {c}");
        }
        for o in &plan.common.options {
            cmd += &format!(" --option {o}");
        }
        if let Some(path) = &plan.common.scenario {
            cmd += &format!(" --scenario {path}");
        }
        cmd
    }

    /// The plan's run for `seed`: with its trace, time travel and fingerprint for `run`; with
    /// nothing but its violations for a sweep (every property checked, no trace, no
    /// checkpoints, no trace hash).
    fn build(plan: &Plan, seed: u64, keep: Keep) -> Box<dyn Playground> {
        let mut setup = plan.setup.clone();
        setup.seed = seed;
        playground::build_with(&plan.protocol, setup, plan.scenario.as_ref(), keep).expect("checked by plan()")
    }

    /// A reader that stops early (`sim list | head`) closes the pipe; that ends the program
    /// quietly instead of with a panic message.
    fn quiet_on_broken_pipe() {
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("");
            if message.contains("Broken pipe") {
                std::process::exit(0);
            }
            default_hook(info);
        }));
    }

    pub fn main() -> i32 {
        quiet_on_broken_pipe();
        let cli = match Cli::try_parse() {
            Ok(cli) => cli,
            Err(e) => {
                let code = if e.use_stderr() { 2 } else { 0 };
                let _ = e.print();
                return code;
            }
        };
        match cli.command {
            Command::List => list(),
            Command::Run(args) => run(args),
            Command::Sweep(args) => sweep(args),
        }
    }

    fn list() -> i32 {
        println!("protocols:");
        for p in playground::protocols() {
            println!("  {:<12} {}", p.name, p.about);
            println!("    planted bugs:");
            for b in p.bugs {
                println!("      {:<26} {}", b.name, b.what);
            }
            println!("    properties:");
            for (name, kind, explain) in &p.properties {
                let kind = match kind {
                    PropertyKind::Safety => "safety",
                    PropertyKind::Liveness => "liveness",
                    PropertyKind::Expectation => "expectation",
                    PropertyKind::Blocking => "blocking (not a bug)",
                };
                println!("      {name:<26} [{kind}] {explain}");
            }
            if !p.admin.is_empty() {
                println!("    operator commands (scenario: admin N \"command\" or admin leader \"command\"):");
                for (command, what) in p.admin {
                    println!("      {command:<26} {what}");
                }
            }
            println!("    options:");
            for o in p.options {
                println!("      {:<26} {} (default {})", o.key, o.what, o.default);
            }
        }
        println!("fault presets:");
        for (name, what) in FaultPreset::ALL {
            println!("  {name:<12} {what}");
        }
        0
    }

    fn run(args: RunArgs) -> i32 {
        let plan = match plan(&args.common, args.seed) {
            Ok(p) => p,
            Err(e) => return usage(e),
        };
        let seed = plan.setup.seed;
        let mut out = match &args.trace {
            None => None,
            Some(path) => match std::fs::File::create(path) {
                Ok(f) => Some(std::io::BufWriter::new(f)),
                Err(e) => return usage(format!("cannot write trace {path}: {e}")),
            },
        };
        let mut run = build(&plan, seed, Keep::Trace);
        let started = Instant::now();
        let duration = plan.setup.duration_us;
        let budget = plan.setup.limits.steps_per_call_max;
        let mut written = 0u64;
        // Advance in slices so that the bounded in-memory trace can be streamed to the file.
        let slice_us = 10_000;
        let mut t = 0;
        let mut steps_left = budget;
        let status = loop {
            t = (t + slice_us).min(duration);
            let before = run.steps();
            let status = run.run_until(t, steps_left);
            steps_left = steps_left.saturating_sub(run.steps() - before);
            if let Some(w) = out.as_mut() {
                written = write_trace(run.as_ref(), written, w);
            }
            if t >= duration || status == RunStatus::StepLimit {
                break status;
            }
        };
        run.finish();
        if let Some(w) = out.as_mut() {
            write_trace(run.as_ref(), written, w);
            if let Err(e) = w.flush() {
                return usage(format!("cannot write trace: {e}"));
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        let stats = run.stats();
        println!(
            "protocol {} nodes {} seed {} faults {} bug {}",
            plan.protocol,
            plan.setup.nodes,
            seed,
            plan.setup.faults.as_str(),
            plan.setup.bug.as_deref().unwrap_or("none")
        );
        println!(
            "virtual time {}  steps {}  records {}  messages sent {} delivered {} dropped {}  client ops {}",
            format_duration(run.now_us()),
            stats.steps,
            run.records(),
            stats.sent,
            stats.delivered,
            stats.dropped,
            stats.client_ops
        );
        println!("wall time {:.3}s  ({:.0} events/s)", elapsed, stats.steps as f64 / elapsed.max(1e-9));
        println!("trace hash {}", format_hash(run.hash()));
        if status == RunStatus::StepLimit {
            println!("stopped at the step limit ({budget} events) before the duration: the protocol may be livelocked");
        }
        let mut failed = false;
        let violations = run.property_violations();
        let mut shown: Vec<&str> = Vec::new();
        for v in &violations {
            failed = true;
            if shown.contains(&v.property.as_str()) {
                continue;
            }
            shown.push(&v.property);
            let more = violations.iter().filter(|o| o.property == v.property).count() - 1;
            let more = if more > 0 { format!(" (+{more} more)") } else { String::new() };
            println!(
                "violation: {} at event {} (t={}): {}{more}",
                v.property,
                v.event,
                format_duration(v.t_us),
                v.detail
            );
        }
        for e in run.expectations() {
            if e.passed {
                println!("expectation ok: line {}: {}", e.line, e.text);
            } else {
                failed = true;
                println!("expectation FAILED: line {}: {}: {}", e.line, e.text, e.why);
            }
        }
        if failed {
            println!("reproduce: {}", reproduce(&plan, seed));
            1
        } else {
            println!("all properties held");
            0
        }
    }

    fn write_trace(run: &dyn Playground, from: u64, w: &mut impl Write) -> u64 {
        let (text, next) = run.trace_jsonl_from(from);
        let _ = w.write_all(text.as_bytes());
        next
    }

    #[derive(Default)]
    struct SeedResult {
        seed: u64,
        steps: u64,
        /// Properties violated (first violation each), with their kind.
        violated: Vec<(String, bool)>,
        expectations_failed: usize,
        step_limit: bool,
        /// Properties that report rather than fail (two-phase commit's `blocked`) and reported.
        reported: Vec<String>,
    }

    fn sweep(args: SweepArgs) -> i32 {
        let plan = match plan(&args.common, None) {
            Ok(p) => p,
            Err(e) => return usage(e),
        };
        let (first, end) = args.seeds;
        let jobs =
            args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).clamp(1, 256);
        let next = AtomicU64::new(first);
        let results = Mutex::new(Vec::new());
        let started = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..jobs {
                scope.spawn(|| loop {
                    let seed = next.fetch_add(1, Ordering::Relaxed);
                    if seed >= end {
                        break;
                    }
                    let r = one_seed(&plan, seed);
                    results.lock().expect("no worker panics while holding the lock").push(r);
                });
            }
        });
        let elapsed = started.elapsed().as_secs_f64();
        let mut results = results.into_inner().expect("workers finished");
        results.sort_by_key(|r| r.seed);
        let mut per_property: std::collections::BTreeMap<String, (u64, bool)> = Default::default();
        let mut failing = 0u64;
        let mut first_failing = None;
        let mut steps = 0u64;
        let mut step_limits = 0u64;
        let mut expectation_failures = 0u64;
        // Each reporting property: (seeds that reported it, the first of them).
        let info = playground::registry::entry(&plan.protocol).expect("checked by plan()").info();
        let mut reported: Vec<(&str, u64, Option<u64>)> = info
            .properties
            .iter()
            .filter(|(_, kind, _)| *kind == PropertyKind::Blocking)
            .map(|(name, _, _)| (name.as_str(), 0, None))
            .collect();
        for r in &results {
            for (name, count, first) in &mut reported {
                if r.reported.iter().any(|p| p == name) {
                    *count += 1;
                    first.get_or_insert(r.seed);
                }
            }
            steps += r.steps;
            step_limits += u64::from(r.step_limit);
            expectation_failures += u64::from(r.expectations_failed > 0);
            for (p, liveness) in &r.violated {
                per_property.entry(p.clone()).or_insert((0, *liveness)).0 += 1;
            }
            if !r.violated.is_empty() || r.expectations_failed > 0 {
                failing += 1;
                first_failing.get_or_insert(r.seed);
            }
        }
        let seeds = results.len() as f64;
        println!(
            "swept {} seeds of {} ({} nodes, {}, faults {}, bug {}) with {} jobs",
            results.len(),
            plan.protocol,
            plan.setup.nodes,
            format_duration(plan.setup.duration_us),
            plan.setup.faults.as_str(),
            plan.setup.bug.as_deref().unwrap_or("none"),
            jobs
        );
        println!(
            "throughput: {:.1} seeds/s, {:.0} simulated events/s ({} events in {:.2}s)",
            seeds / elapsed.max(1e-9),
            steps as f64 / elapsed.max(1e-9),
            steps,
            elapsed
        );
        println!("violations per property (seeds):");
        if per_property.values().all(|(_, l)| *l) {
            println!("  (no safety property violated)");
        }
        for (p, (n, liveness)) in &per_property {
            if !liveness {
                println!("  {p}: {n}");
            }
        }
        let liveness: u64 = per_property.values().filter(|(_, l)| *l).map(|(n, _)| n).sum();
        println!("liveness failures: {liveness}");
        for (p, (n, l)) in &per_property {
            if *l {
                println!("  {p}: {n}");
            }
        }
        if !reported.is_empty() {
            // What a protocol reports but does not promise (two-phase commit blocks): counted
            // apart from violations.
            println!("reported, not violations (seeds):");
            for (name, count, first) in reported {
                match first {
                    Some(seed) => println!("  {name}: {count} (first: seed {seed})"),
                    None => println!("  {name}: 0"),
                }
            }
        }
        if expectation_failures > 0 {
            println!("scenario expectations failed: {expectation_failures} seeds");
        }
        if step_limits > 0 {
            println!("runs stopped at the step limit: {step_limits}");
        }
        if let Some(seed) = first_failing {
            println!("first failing seed: {seed}");
            println!("reproduce: {}", reproduce(&plan, seed));
        }
        println!("violations: {failing}");
        if failing > 0 {
            1
        } else {
            0
        }
    }

    fn one_seed(plan: &Plan, seed: u64) -> SeedResult {
        let mut run = build(plan, seed, Keep::Violations);
        let outcome = playground::run_to_end(run.as_mut());
        let kinds: Vec<(String, PropertyKind)> = run.properties().into_iter().map(|p| (p.name, p.kind)).collect();
        let mut violated: Vec<(String, bool)> = Vec::new();
        for v in run.property_violations() {
            let liveness = kinds.iter().any(|(n, k)| *n == v.property && *k == PropertyKind::Liveness);
            if !violated.iter().any(|(p, _)| *p == v.property) {
                violated.push((v.property.clone(), liveness));
            }
        }
        SeedResult {
            seed,
            steps: run.steps(),
            violated,
            expectations_failed: outcome.expectations.iter().filter(|e| !e.passed).count(),
            step_limit: outcome.status == RunStatus::StepLimit,
            reported: run.blocked().into_iter().map(|v| v.property).collect(),
        }
    }
}
