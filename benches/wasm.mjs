// The simulator in the browser: the same Raft workloads as `cargo bench --bench sim` ("with
// checks, trace and time travel", the page's path), run through the JS API in headless Chromium;
// plus the time from navigation to the first drawn cluster and the wasm heap over a one-hour
// virtual chaos run. Not a test: it prints a table for docs/performance.md.
//
//   trunk build --release && (cd dist && python3 -m http.server 8765 --bind 127.0.0.1 &)
//   node benches/wasm.mjs [base-url]
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:8765/';
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
console.log('| case | events | best of 5 after a warm-up, ms | events/s |');
console.log('|---|---:|---:|---:|');
for (const [name, config, until] of cases) {
  const r = await page.evaluate(([config, until]) => {
    const { Simulation } = window.consensusPlayground;
    let best = Infinity, events = 0;
    // Warm-up first: Chromium runs new WebAssembly through its baseline compiler and swaps in
    // optimised code only after a while, so a cold first run measures the baseline compiler.
    const warm = new Simulation(config);
    warm.runUntil(until);
    warm.free();
    for (let i = 0; i < 5; i++) {
      const sim = new Simulation(config);
      const t0 = performance.now();
      sim.runUntil(until);
      best = Math.min(best, performance.now() - t0);
      events = sim.stats().eventsProcessed;
      sim.free();
    }
    return { best, events };
  }, [config, until]);
  console.log(`| ${name} | ${r.events} | ${r.best.toFixed(0)} | ${Math.round(r.events / (r.best / 1000))} |`);
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
  return { samples, wall: performance.now() - t0, longest, events: stats.eventsProcessed, violations: stats.violations.length };
});
const mb = (b) => (b / 1048576).toFixed(1);
console.log(`one-hour virtual chaos run, 5 nodes: ${mem.events} events in ${(mem.wall / 1000).toFixed(1)} s wall (longest virtual minute ${mem.longest.toFixed(0)} ms), ${mem.violations} violations; wasm heap after 1 min ${mb(mem.samples[0])} MB, after 30 min ${mb(mem.samples[29])} MB, after 60 min ${mb(mem.samples[59])} MB, peak ${mb(Math.max(...mem.samples))} MB`);
// A world that grows (Multi-Paxos keeps every slot): 10 virtual minutes; time travel's byte
// budget keeps its checkpoints to 64 MB, where 64 whole worlds would be several hundred.
const paxos = await page.evaluate(() => {
  const { Simulation, wasmMemoryBytes } = window.consensusPlayground;
  const sim = new Simulation({ protocol: 'multi-paxos', nodes: 5, seed: 1, faults: 'chaos', duration: '600s' });
  const samples = [];
  const t0 = performance.now();
  for (let minute = 1; minute <= 10; minute++) {
    sim.runUntil(minute * 60e6);
    samples.push(wasmMemoryBytes());
  }
  return { samples, wall: performance.now() - t0 };
});
console.log(`multi-paxos, 10 virtual minutes, 5 nodes, chaos: ${(paxos.wall / 1000).toFixed(1)} s wall; wasm heap after 1 min ${mb(paxos.samples[0])} MB, after 5 min ${mb(paxos.samples[4])} MB, after 10 min ${mb(paxos.samples[9])} MB`);
await browser.close();
