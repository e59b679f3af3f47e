// One virtual hour on the page itself (not the JS API): does the page stay responsive while the
// run grows? Each protocol runs at 5 nodes (or as many as asked) under the chaos preset (faults for the first half
// hour) at 100× speed, as a person would leave it running. Not a test: it prints tables for
// docs/performance.md.
//
//   trunk build --release && (cd dist && python3 -m http.server 8765 --bind 127.0.0.1 &)
//   node benches/page-hour.mjs [base-url] [protocols, comma-separated] [virtual minutes] [nodes]
//
// Every few seconds of wall time it notes where the run is and how the page does:
// - frames: requestAnimationFrame deltas (p95) and each frame's work, from its start to the end
//   of its rendering (p95; see common/frames-in-page.mjs);
// - input: Space pressed twice (pause, play), the time from the key's event to the first frame
//   painted after the page shows the change (`data-playing`), as a person would feel it;
// - memory: the WebAssembly memory (it only grows, so this is the heap's high-water mark), the
//   JS heap, and the number of elements in the document.
// At the end of the hour it pauses and drags the timeline: to the middle of the run, to its
// start and to near its end, then presses End, each timed from the input event to the first
// painted frame and to the painted frame that shows that step, with the longest frame between
// (time travel restores the nearest checkpoint and replays from it, a slice per frame).
import { chromium } from 'playwright-core';
import { recorder, pct } from './common/frames-in-page.mjs';

const base = process.argv[2] ?? 'http://127.0.0.1:8765/';
const protocols = (process.argv[3] ?? 'raft,multi-paxos,2pc').split(',');
const minutes = Number(process.argv[4] ?? 60);
const nodes = Number(process.argv[5] ?? 5);
const sampleMs = 3000;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
    '--enable-precise-memory-info'],
});
const mb = (b) => (b / 1048576).toFixed(1);

// Presses Space and times it: key event to the painted frame whose `data-playing` is `want`.
async function pressSpace(page, want) {
  await page.evaluate(() => {
    window.__keyAt = null;
    window.addEventListener('keydown', (e) => { window.__keyAt = e.timeStamp; }, { once: true, capture: true });
  });
  await page.keyboard.press('Space');
  return page.evaluate((want) => {
    const at = window.__keyAt ?? performance.now();
    return window.__paintedAfter(
      () => document.querySelector('.playground')?.dataset.playing === want, at, 10000);
  }, want);
}

// Drags the timeline to `step` (an input event on the range), or with `'end'` presses End, and
// times it: from the input event to the first painted frame (the page answering), and to the
// painted frame that shows that step (a long replay is taken a slice per frame, so the two
// differ); and the longest frame's work in between.
async function scrub(page, step) {
  return page.evaluate(async (step) => {
    window.__frames();
    const timeline = () => document.getElementById('timeline')?.dataset ?? {};
    const input = document.getElementById('scrubber');
    const target = step === 'end' ? Number(timeline().horizon) : Math.min(step, Number(input.max));
    const at = performance.now();
    if (step === 'end') {
      document.getElementById('to-end').click();
    } else {
      input.value = String(step);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
    const [first, arrived] = await Promise.all([
      window.__paintedAfter(() => true, at, 60000),
      window.__paintedAfter(() => Number(timeline().step) === target && !timeline().seeking, at, 60000),
    ]);
    return { first, arrived, worst: Math.max(0, ...window.__frames().work) };
  }, step);
}

const sample = (page) => page.evaluate(() => ({
  virtualUs: Number(document.getElementById('clock')?.dataset.virtualTime ?? 0),
  steps: Number(document.getElementById('timeline')?.dataset.step ?? 0),
  wasm: window.__wasm?.memory?.buffer?.byteLength ?? 0,
  js: performance.memory?.usedJSHeapSize ?? 0,
  elements: document.getElementsByTagName('*').length,
  violations: document.querySelectorAll('[data-property][data-status="violated"]').length,
  frames: window.__frames(),
}));

for (const protocol of protocols) {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  await page.addInitScript(recorder);
  const query = `?protocol=${protocol}&nodes=${nodes}&seed=1&faults=chaos&duration=${minutes * 60}s&speed=100`;
  const opened = Date.now();
  await page.goto(base + query);
  await page.waitForSelector('#cluster [data-node]');
  console.log(`\n${protocol}: ${base}${query}\n`);
  console.log('| virtual min | wall s | steps | frames | delta p95 ms | work p95 ms | work max ms | pause / play, input to paint ms | wasm MB | JS heap MB | elements |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  let s;
  let peak = 0;
  const inputs = [];
  for (;;) {
    await page.waitForTimeout(sampleMs);
    s = await sample(page);
    const pause = await pressSpace(page, 'false');
    const play = await pressSpace(page, 'true');
    inputs.push(pause, play);
    peak = Math.max(peak, s.wasm);
    const { deltas, work } = s.frames;
    console.log(`| ${(s.virtualUs / 60e6).toFixed(1)} | ${((Date.now() - opened) / 1000).toFixed(0)} | ${s.steps} | ${deltas.length} | ${pct(deltas, 0.95).toFixed(1)} | ${pct(work, 0.95).toFixed(1)} | ${Math.max(...work).toFixed(1)} | ${pause?.toFixed(0) ?? 'timeout'} / ${play?.toFixed(0) ?? 'timeout'} | ${mb(s.wasm)} | ${mb(s.js)} | ${s.elements} |`);
    if (s.virtualUs >= minutes * 60e6 || Date.now() - opened > 30 * 60e3) break;
  }
  await pressSpace(page, 'false');
  const horizon = await page.evaluate(() => Number(document.getElementById('timeline').dataset.horizon));
  const middle = await scrub(page, Math.floor(horizon / 2));
  const startOf = await scrub(page, 0);
  const nearEnd = await scrub(page, horizon - 1000);
  const end = await scrub(page, 'end');
  const after = await sample(page);
  const f = (d) => (d.arrived === null ? 'timeout'
    : `${d.arrived.toFixed(0)} ms (first frame ${d.first?.toFixed(0)} ms, longest ${d.worst.toFixed(0)} ms)`);
  console.log(`\n${protocol}: ${horizon} steps; ${s.violations} properties violated; wasm peak ${mb(peak)} MB (${mb(after.wasm)} after the drags); input to paint over the run: median ${pct(inputs, 0.5).toFixed(0)} ms, max ${Math.max(...inputs).toFixed(0)} ms`);
  console.log(`timeline drags, input to the step painted: to the middle (step ${Math.floor(horizon / 2)}) ${f(middle)}; to the start ${f(startOf)}; to 1,000 steps before the end ${f(nearEnd)}; End ${f(end)}`);
  await page.close();
}
await browser.close();
