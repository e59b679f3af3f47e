// Where a page's frames go: main-thread time per animation frame (task, script, style, layout;
// from the DevTools protocol's Performance.getMetrics) and the DOM changes per frame, by the part
// of the page they land in (a MutationObserver). Not a test: it prints two tables. Use it to find
// what to make cheaper before measuring the result with frames.mjs; compare two builds by serving
// them side by side and running this alternately (the machine's speed drifts).
//
//   trunk build --release && (cd dist && python3 -m http.server 8765 --bind 127.0.0.1 &)
//   node benches/frame-anatomy.mjs [base-url] [query] [seconds]
//
// e.g. the busy case:  node benches/frame-anatomy.mjs http://127.0.0.1:8765/ \
//   '?nodes=9&seed=1&speed=10&latency=250ms..350ms&opt.election=1.5s..3s&opt.heartbeat=25ms&clients=3&interval=100ms'
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:8765/';
const query = process.argv[3] ?? '?nodes=9&seed=1&speed=10&faults=chaos';
const seconds = Number(process.argv[4] ?? 5);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
await page.goto(base + query);
await page.waitForSelector('#cluster [data-node]');
await page.waitForTimeout(3000); // warm up: elections, JIT, the browser's own start-up
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');
const metrics = async () =>
  Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
const before = await metrics();
const r = await page.evaluate((ms) => new Promise((done) => {
  const counts = {};
  // The nearest ancestor with an id (or a section/panel) names the part of the page.
  const part = (node) => {
    let e = node.nodeType === 1 ? node : node.parentElement;
    while (e && !e.id && !(e.classList.contains('panel') || e.tagName === 'SECTION')) e = e.parentElement;
    return e ? (e.id ? `#${e.id}` : `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`) : '(page)';
  };
  const observer = new MutationObserver((records) => {
    for (const m of records) {
      const key = `${part(m.target)} ${m.type}${m.attributeName ? `:${m.attributeName}` : ''}`;
      counts[key] = (counts[key] ?? 0) + 1 + m.addedNodes.length + m.removedNodes.length;
    }
  });
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  let frames = 0;
  const t0 = performance.now();
  const tick = (t) => {
    frames += 1;
    if (t - t0 < ms) requestAnimationFrame(tick); else { observer.disconnect(); done({ frames, counts }); }
  };
  requestAnimationFrame(tick);
}), seconds * 1000);
const after = await metrics();
await browser.close();

const wall = after.Timestamp - before.Timestamp;
const perFrame = (k) => (((after[k] - before[k]) * 1000) / r.frames).toFixed(2);
console.log(`${base}${query}`);
console.log(`${r.frames} frames in ${wall.toFixed(1)} s (${(r.frames / wall).toFixed(1)} fps); main thread busy ${(100 * (after.TaskDuration - before.TaskDuration) / wall).toFixed(0)} %`);
console.log('| per frame | task ms | script ms | style ms | layout ms |');
console.log('|---|---:|---:|---:|---:|');
console.log(`| mean | ${perFrame('TaskDuration')} | ${perFrame('ScriptDuration')} | ${perFrame('RecalcStyleDuration')} | ${perFrame('LayoutDuration')} |`);
console.log('');
console.log('| DOM changes per frame | where and what |');
console.log('|---:|---|');
for (const [k, v] of Object.entries(r.counts).sort((a, b) => b[1] - a[1]).slice(0, 20)) {
  console.log(`| ${(v / r.frames).toFixed(1)} | ${k} |`);
}
