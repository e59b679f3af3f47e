// Rendering benchmark: frame times of the built page in headless Chromium (Debian's), measured
// from requestAnimationFrame deltas while the cluster runs. Not a test: it prints a table.
//
//   trunk build --release && (cd dist && python3 -m http.server 8765 --bind 127.0.0.1 &)
//   node benches/frames.mjs [base-url] [seconds-per-case]
//
// Each case is a URL; "messages" is the mean number of message glyphs in flight while measuring.
// At 60 Hz a frame that keeps up lasts one vsync (16.7 ms, give or take the timer's jitter of
// ~0.1 ms), so "missed" counts the frames over 20 ms: those that took two vsyncs or more.
//
// A delta says only whether a frame made its vsync, not by how much. "work" says that: for each
// frame, the main thread's time from the frame's start to the end of its rendering
// (common/frames-in-page.mjs). A frame whose work stays under 16.7 ms has room to spare; one over
// it misses its vsync. It leaves out what the compositor and raster threads do off the main
// thread.
import { chromium } from 'playwright-core';
import { recorder, pct } from './common/frames-in-page.mjs';

const base = process.argv[2] ?? 'http://127.0.0.1:8765/';
const seconds = Number(process.argv[3] ?? 6);
// Slow links and fast heartbeats keep about 200 messages in flight among 9 nodes.
const busy = 'latency=250ms..350ms&opt.election=1.5s..3s&opt.heartbeat=25ms&clients=3&interval=100ms';
const only = process.argv[4];
const cases = [
  ['5 nodes, 1x', `?nodes=5&seed=1&speed=1`],
  ['9 nodes, ~200 messages, 1x', `?nodes=9&seed=1&speed=1&${busy}`],
  ['9 nodes, ~200 messages, 10x', `?nodes=9&seed=1&speed=10&${busy}`],
  ['9 nodes, chaos + slow links, 10x', `?nodes=9&seed=1&speed=10&faults=chaos&${busy}`],
  ['5 nodes, chaos, 10x', `?nodes=5&seed=1&speed=10&faults=chaos`],
  ['9 nodes, chaos, 10x', `?nodes=9&seed=1&speed=10&faults=chaos`],
  ['25 nodes, chaos, 10x', `?nodes=25&seed=1&speed=10&faults=chaos`],
  ['51 nodes, chaos, 10x', `?nodes=51&seed=1&speed=10&faults=chaos`],
];

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
});
console.log(`| case | frames | median ms | p95 ms | max ms | fps | missed (> 20 ms) | work median ms | work p95 ms | work max ms | messages in flight |`);
console.log(`|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`);
for (const [name, query] of cases.filter(([n]) => !only || n.includes(only))) {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  await page.addInitScript(recorder);
  await page.goto(base + query);
  await page.waitForSelector('#cluster [data-node]');
  await page.waitForTimeout(3000); // warm up: elections, JIT, the browser's own start-up
  await page.evaluate(() => window.__frames());
  await page.waitForTimeout(seconds * 1000);
  const r = await page.evaluate(() => window.__frames());
  const d = [...r.deltas].sort((a, b) => a - b);
  const w = [...r.work].sort((a, b) => a - b);
  const mean = r.deltas.reduce((a, b) => a + b, 0) / r.deltas.length;
  const msgs = r.messages.reduce((a, b) => a + b, 0) / r.messages.length;
  const missed = (100 * d.filter((x) => x > 20).length) / d.length;
  console.log(`| ${name} | ${d.length} | ${pct(d, 0.5).toFixed(1)} | ${pct(d, 0.95).toFixed(1)} | ${d[d.length - 1].toFixed(1)} | ${(1000 / mean).toFixed(1)} | ${missed.toFixed(1)} % | ${pct(w, 0.5).toFixed(1)} | ${pct(w, 0.95).toFixed(1)} | ${w[w.length - 1].toFixed(1)} | ${msgs.toFixed(0)} |`);
  await page.close();
}
await browser.close();
