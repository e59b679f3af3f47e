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
    use consensus_playground::core::time::format_duration;
    use consensus_playground::playground::settings::{query_pairs, Settings};
    use consensus_playground::playground::share;
    use consensus_playground::playground::{self, Keep, Playground};
    use consensus_playground::scenario::{self, Scenario};
    use consensus_playground::sim::trace::format_hash;
    use consensus_playground::sim::{FaultPreset, RunStatus};
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

    /// The run's settings, by the names the page's URL uses (`sim list` for the protocols' own);
    /// each defaults to what the page and the JS API use, and overrides a scenario's.
    #[derive(Args, Clone, Default)]
    struct Common {
        /// Protocol (see `sim list`); a scenario's `protocol` line is used if this is not given.
        #[arg(long)]
        protocol: Option<String>,
        /// Cluster size (1 to 101).
        #[arg(long)]
        nodes: Option<String>,
        /// The planned length of the run, e.g. 10s or 500ms (chaos heals at half of it).
        #[arg(long)]
        duration: Option<String>,
        /// Fault preset: none or chaos.
        #[arg(long)]
        faults: Option<String>,
        /// A planted bug (see `sim list`), or none.
        #[arg(long)]
        bug: Option<String>,
        /// A scenario file (see docs/scenario-language.md).
        #[arg(long)]
        scenario: Option<String>,
        /// A protocol option, key=value (repeatable).
        #[arg(long = "option", value_name = "KEY=VALUE")]
        options: Vec<String>,
        /// Closed-loop clients (0 to 50).
        #[arg(long)]
        clients: Option<String>,
        /// Each client's think time between commands, e.g. 300ms.
        #[arg(long)]
        interval: Option<String>,
        /// Every link's latency range, e.g. 10ms..25ms.
        #[arg(long)]
        latency: Option<String>,
        /// Percent of messages lost on every link, e.g. 5 or 2.5%.
        #[arg(long)]
        drop: Option<String>,
        /// Percent of messages delivered twice.
        #[arg(long)]
        duplicate: Option<String>,
    }

    impl Common {
        /// The settings given on the command line, by name.
        fn pairs(&self) -> Result<Vec<(String, String)>, String> {
            let mut out = Vec::new();
            let named = [
                ("protocol", &self.protocol),
                ("nodes", &self.nodes),
                ("duration", &self.duration),
                ("faults", &self.faults),
                ("bug", &self.bug),
                ("clients", &self.clients),
                ("interval", &self.interval),
                ("latency", &self.latency),
                ("drop", &self.drop),
                ("duplicate", &self.duplicate),
            ];
            for (key, value) in named {
                if let Some(v) = value {
                    out.push((key.to_string(), v.clone()));
                }
            }
            for option in &self.options {
                let (k, v) = option.split_once('=').ok_or_else(|| format!("--option {option:?} is not key=value"))?;
                out.push((format!("opt.{}", k.trim()), v.trim().to_string()));
            }
            Ok(out)
        }
    }

    #[derive(Args)]
    struct RunArgs {
        #[command(flatten)]
        common: Common,
        /// The seed.
        #[arg(long)]
        seed: Option<String>,
        /// Write the trace as JSON Lines to this file.
        #[arg(long)]
        trace: Option<String>,
        /// Replay a page's run: its URL, or a share link (`?run=1.…`, from Copy link), to the
        /// moment it showed, with the same trace hash. Other settings may not be given with it.
        #[arg(long)]
        link: Option<String>,
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
        settings: Settings,
        scenario: Option<Scenario>,
        /// The scenario's file, for the `reproduce:` line.
        scenario_path: Option<String>,
    }

    fn usage(message: impl std::fmt::Display) -> i32 {
        eprintln!("sim: {message}");
        2
    }

    /// The settings: the defaults every face shares, then the scenario's, then the flags'.
    fn plan(common: &Common, seed: Option<&str>) -> Result<Plan, String> {
        let mut settings = Settings::default();
        if let Some(path) = &common.scenario {
            let meta = std::fs::metadata(path).map_err(|e| format!("cannot read scenario {path}: {e}"))?;
            if meta.len() > scenario::SCENARIO_BYTES_MAX as u64 {
                return Err(format!("scenario {path} is larger than {} bytes", scenario::SCENARIO_BYTES_MAX));
            }
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read scenario {path}: {e}"))?;
            scenario::parse(&text).map_err(|e| format!("{path}: {e}"))?;
            settings.scenario = Some(text);
        }
        let scenario = settings.apply_scenario()?;
        let mut pairs = common.pairs()?;
        if let Some(seed) = seed {
            pairs.push(("seed".into(), seed.into()));
        }
        for (key, value) in &pairs {
            let flag = key.strip_prefix("opt.").map_or(format!("--{key}"), |k| format!("--option {k}"));
            settings.apply(key, value).map_err(|e| format!("{flag}: {e}"))?;
        }
        // Build once to check the protocol's bug and options before any work.
        playground::build(&settings.protocol, settings.setup.clone(), scenario.as_ref())?;
        Ok(Plan { settings, scenario, scenario_path: common.scenario.clone() })
    }

    /// The command that reproduces one run of a plan.
    fn reproduce(plan: &Plan, seed: u64) -> String {
        let mut settings = plan.settings.clone();
        settings.setup.seed = seed;
        settings.cli_command(plan.scenario_path.as_deref())
    }

    /// The plan's run for `seed`: with its trace, time travel and fingerprint for `run`; with
    /// nothing but its violations for a sweep (every property checked, no trace, no
    /// checkpoints, no trace hash).
    fn build(plan: &Plan, seed: u64, keep: Keep) -> Box<dyn Playground> {
        let mut setup = plan.settings.setup.clone();
        setup.seed = seed;
        playground::build_with(&plan.settings.protocol, setup, plan.scenario.as_ref(), keep).expect("checked by plan()")
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
            println!("    client commands: {} (e.g. {})", p.command_help, p.command_example);
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
        if let Some(link) = &args.link {
            return run_link(link, &args);
        }
        match plan(&args.common, args.seed.as_deref()) {
            Ok(plan) => run_plan(&plan, &args),
            Err(e) => usage(e),
        }
    }

    /// Runs a plan to its duration, streaming the trace to the file asked for.
    fn run_plan(plan: &Plan, args: &RunArgs) -> i32 {
        let seed = plan.settings.setup.seed;
        let mut out = match trace_file(args) {
            Ok(out) => out,
            Err(e) => return usage(e),
        };
        let mut run = build(plan, seed, Keep::Trace);
        let started = Instant::now();
        let duration = plan.settings.setup.duration_us;
        let budget = plan.settings.setup.limits.steps_per_call_max;
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
        if status == RunStatus::StepLimit {
            println!("stopped at the step limit ({budget} events) before the duration: the protocol may be livelocked");
        }
        report(run.as_ref(), started, Some(&reproduce(plan, seed)))
    }

    fn trace_file(args: &RunArgs) -> Result<Option<std::io::BufWriter<std::fs::File>>, String> {
        match &args.trace {
            None => Ok(None),
            Some(path) => match std::fs::File::create(path) {
                Ok(f) => Ok(Some(std::io::BufWriter::new(f))),
                Err(e) => Err(format!("cannot write trace {path}: {e}")),
            },
        }
    }

    /// `sim run --link`: a page's URL runs its settings to their duration; a share link is
    /// replayed to the moment it showed, as the page opens it.
    fn run_link(link: &str, args: &RunArgs) -> i32 {
        if args.seed.is_some() || !args.common.pairs().is_ok_and(|p| p.is_empty()) || args.common.scenario.is_some() {
            return usage("--link carries the run's settings: give no other setting with it");
        }
        if link.len() > share::LINK_CHARS_MAX + 4096 {
            return usage("--link: the link is too long");
        }
        let query = link.split_once('?').map_or(link, |(_, q)| q);
        let pairs = query_pairs(query);
        let Some((_, value)) = pairs.iter().find(|(k, _)| k == "run") else {
            // A page's URL: its settings (and scenario), run as `sim run` runs them.
            let (mut settings, errors) = Settings::from_query_pairs(&pairs);
            if !errors.is_empty() {
                return usage(format!("--link: {}", errors.join("; ")));
            }
            let scenario = match settings.apply_scenario() {
                Ok(scenario) => scenario,
                Err(e) => return usage(format!("--link: {e}")),
            };
            if let Err(e) = playground::build(&settings.protocol, settings.setup.clone(), scenario.as_ref()) {
                return usage(format!("--link: {e}"));
            }
            return run_plan(&Plan { settings, scenario, scenario_path: None }, args);
        };
        let shared = match share::decode(value) {
            Ok(shared) => shared,
            Err(e) => return usage(format!("--link: the share link could not be opened: {e}")),
        };
        let built = shared.settings().and_then(|s| playground::build_settings(&s, Keep::Trace));
        let (_, mut run) = match built {
            Ok(built) => built,
            Err(e) => return usage(format!("--link: {e}")),
        };
        let started = Instant::now();
        if let Err(e) = share::replay(run.as_mut(), &shared) {
            return usage(format!("--link: {e}"));
        }
        match trace_file(args) {
            Ok(Some(mut w)) => {
                write_trace(run.as_ref(), 0, &mut w);
                if let Err(e) = w.flush() {
                    return usage(format!("cannot write trace: {e}"));
                }
            }
            Ok(None) => {}
            Err(e) => return usage(e),
        }
        println!("replayed to step {} of {} (the moment the link showed)", run.steps(), run.horizon());
        report(run.as_ref(), started, None)
    }

    /// Prints what a run came to; exit 1 when a property or an expectation failed.
    fn report(run: &dyn Playground, started: Instant, reproduce: Option<&str>) -> i32 {
        let elapsed = started.elapsed().as_secs_f64();
        let stats = run.stats();
        let setup = run.setup();
        println!(
            "protocol {} nodes {} seed {} faults {} bug {}",
            run.protocol(),
            setup.nodes,
            setup.seed,
            setup.faults.as_str(),
            setup.bug.as_deref().unwrap_or("none")
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
            if let Some(command) = reproduce {
                println!("reproduce: {command}");
            }
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
        let info = playground::registry::entry(&plan.settings.protocol).expect("checked by plan()").info();
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
            plan.settings.protocol,
            plan.settings.setup.nodes,
            format_duration(plan.settings.setup.duration_us),
            plan.settings.setup.faults.as_str(),
            plan.settings.setup.bug.as_deref().unwrap_or("none"),
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
