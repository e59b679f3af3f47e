// The simulator in the browser: the same Raft workloads as `cargo bench --bench sim` ("with
// checks, trace and time travel", the page's path), run through the JS API in headless Chromium,
// against the same runs natively (`examples/page_path.rs`, built here if missing): events per
// second on each side and the wasm / native ratio; plus the time from navigation to the first
// drawn cluster and the wasm heap over a one-hour virtual chaos run. Not a test: it prints
// tables for docs/performance.md.
//
//   trunk build --release && (cd dist && python3 -m http.server 8765 --bind 127.0.0.1 &)
//   node benches/wasm.mjs [base-url] [rounds]
//
// This machine's speed drifts by tens of percent within minutes, so the two sides take turns:
// each round runs the native binary (a warm-up, then the best of five) and then the browser (the
// same), and the ratio is given for the best of all rounds on each side and per round. Both sides
// must end with the same trace hash (the same run, event for event), or no ratio is printed.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const base = process.argv[2] ?? 'http://127.0.0.1:8765/';
const rounds = Number(process.argv[3] ?? 3);
// Timed runs per side per round, after one warm-up run.
const repeats = 5;
const root = fileURLToPath(new URL('..', import.meta.url));
const native = `${root}target/native/examples/page_path`;
if (!existsSync(native)) {
  console.log('building the native side: cargo build --profile native --example page_path');
  execFileSync('cargo', ['build', '--profile', 'native', '--example', 'page_path'], { cwd: root, stdio: 'inherit' });
}
const runNative = (config, until) =>
  JSON.parse(execFileSync(native, [String(until), String(repeats), ...Object.entries(config).map(([k, v]) => `${k}=${v}`)], { encoding: 'utf8' }));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
});

// Start-up: navigation to the first node drawn, five cold loads.
const startups = [];
for (let i = 0; i < 5; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(base + '?autoplay=off');
  await page.waitForSelector('#cluster [data-node]');
  startups.push(await page.evaluate(() => performance.now()));
  await context.close();
}
startups.sort((a, b) => a - b);
console.log(`start-up (navigation to first cluster drawn), median of 5: ${startups[2].toFixed(0)} ms (min ${startups[0].toFixed(0)}, max ${startups[4].toFixed(0)})`);

const page = await browser.newPage();
await page.goto(base + '?autoplay=off');
await page.waitForFunction(() => window.consensusPlayground?.Simulation);

const cases = [
  ['raft, 5 nodes, steady load, 10 s virtual', { protocol: 'raft', nodes: 5, seed: 1, clients: 5, interval: '20ms' }, 10e6],
  ['raft, 51 nodes, steady load, 1 s virtual', { protocol: 'raft', nodes: 51, seed: 1, clients: 5, interval: '20ms' }, 1e6],
];
console.log('| case | events | native best ms | wasm best ms | native events/s | wasm events/s | wasm / native (best) | median round | per round |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|');
let mismatch = false;
for (const [name, config, until] of cases) {
  let nativeBest = Infinity, wasmBest = Infinity, events = 0;
  const perRound = [];
  for (let round = 0; round < rounds; round++) {
    const n = runNative(config, until);
    const w = await page.evaluate(([config, until, repeats]) => {
      const { Simulation } = window.consensusPlayground;
      let best = Infinity, events = 0, hash = '';
      // A warm-up run first: Chromium runs new WebAssembly through its baseline compiler and
      // swaps in optimised code only after a while, so a cold run measures the baseline compiler.
      for (let i = 0; i <= repeats; i++) {
        const sim = new Simulation(config);
        const t0 = performance.now();
        sim.runUntil(until);
        const ms = performance.now() - t0;
        if (i > 0) best = Math.min(best, ms);
        const stats = sim.stats();
        [events, hash] = [stats.eventsProcessed, stats.traceHash];
        sim.free();
      }
      return { best, events, hash };
    }, [config, until, repeats]);
    if (n.events !== w.events || n.hash !== w.hash) {
      console.log(`| ${name} | not the same run: native ${n.events} events, hash ${n.hash}; wasm ${w.events} events, hash ${w.hash} |`);
      mismatch = true;
      break;
    }
    events = w.events;
    nativeBest = Math.min(nativeBest, n.best_ms);
    wasmBest = Math.min(wasmBest, w.best);
    perRound.push(n.best_ms / w.best);
  }
  if (perRound.length < rounds) continue;
  const rate = (ms) => Math.round(events / (ms / 1000));
  const median = [...perRound].sort((a, b) => a - b)[perRound.length >> 1];
  console.log(`| ${name} | ${events} | ${nativeBest.toFixed(1)} | ${wasmBest.toFixed(1)} | ${rate(nativeBest)} | ${rate(wasmBest)} | ${(nativeBest / wasmBest).toFixed(2)} | ${median.toFixed(2)} | ${perRound.map((r) => r.toFixed(2)).join(', ')} |`);
}

// Memory: one virtual hour at 5 nodes under chaos (faults for the first half), heap sampled
// every virtual minute.
const mem = await page.evaluate(() => {
  const { Simulation, wasmMemoryBytes } = window.consensusPlayground;
  const sim = new Simulation({ protocol: 'raft', nodes: 5, seed: 1, faults: 'chaos', clients: 2, duration: '3600s' });
  const samples = [];
  const t0 = performance.now();
  let longest = 0;
  for (let minute = 1; minute <= 60; minute++) {
    const s = performance.now();
    sim.runUntil(minute * 60e6);
    longest = Math.max(longest, performance.now() - s);
    samples.push(wasmMemoryBytes());
  }
  const stats = sim.stats();
  sim.free(); // so that the next run's heap is its own (WebAssembly memory only grows)
  return { samples, wall: performance.now() - t0, longest, events: stats.eventsProcessed, violations: stats.violations.length };
});
const mb = (b) => (b / 1048576).toFixed(1);
console.log(`one-hour virtual chaos run, 5 nodes: ${mem.events} events in ${(mem.wall / 1000).toFixed(1)} s wall (longest virtual minute ${mem.longest.toFixed(0)} ms), ${mem.violations} violations; wasm heap after 1 min ${mb(mem.samples[0])} MB, after 30 min ${mb(mem.samples[29])} MB, after 60 min ${mb(mem.samples[59])} MB, peak ${mb(Math.max(...mem.samples))} MB`);
// Multi-Paxos for one virtual hour as well: its replicas and acceptors compact their logs and its
// properties forget the compacted slots (eighth pass), so its heap levels off as Raft's does
// (before, the world grew with every slot and time travel's byte budget held the checkpoints).
const paxos = await page.evaluate(() => {
  const { Simulation, wasmMemoryBytes } = window.consensusPlayground;
  const sim = new Simulation({ protocol: 'multi-paxos', nodes: 5, seed: 1, faults: 'chaos', duration: '3600s' });
  const samples = [];
  const t0 = performance.now();
  for (let minute = 1; minute <= 60; minute++) {
    sim.runUntil(minute * 60e6);
    samples.push(wasmMemoryBytes());
  }
  const stats = sim.stats();
  sim.free();
  return { samples, wall: performance.now() - t0, events: stats.eventsProcessed, violations: stats.violations.length };
});
console.log(`multi-paxos, one virtual hour, 5 nodes, chaos: ${paxos.events} events in ${(paxos.wall / 1000).toFixed(1)} s wall, ${paxos.violations} violations; wasm heap after 1 min ${mb(paxos.samples[0])} MB, after 10 min ${mb(paxos.samples[9])} MB, after 30 min ${mb(paxos.samples[29])} MB, after 60 min ${mb(paxos.samples[59])} MB, peak ${mb(Math.max(...paxos.samples))} MB`);
await browser.close();
if (mismatch) process.exit(1);
