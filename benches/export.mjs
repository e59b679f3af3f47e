// The page's trace export, timed: a run left playing at 100× until its trace holds the 200,000
// records it keeps (~19 MB of JSON Lines), then Export trace pressed a few times, each timed from
// the click to the download and with every frame's rAF delta recorded meanwhile. Not a test: it
// prints a line per export for docs/performance.md.
//
//   trunk build --release && (cd dist && python3 -m http.server 8765 --bind 127.0.0.1 &)
//   node benches/export.mjs [base-url] [query] [exports]
//
// The export is written a 12 ms slice a frame with the run held (the tenth pass's build wrote it
// inside the click: one frame of 417–467 ms).
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:8765/';
const query = process.argv[3] ?? '?protocol=raft&nodes=5&seed=1&faults=chaos&speed=100';
const exports = Number(process.argv[4] ?? 3);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ acceptDownloads: true });
await page.goto(base + query);
await page.waitForFunction(() => Number(document.querySelector('#stats')?.textContent.split(' ')[0]) > 200000,
  null, { timeout: 600000 });
for (let round = 0; round < exports; round++) {
  await page.evaluate(() => {
    window.__frames = [];
    window.__recording = true;
    let last = performance.now();
    const frame = (ts) => {
      window.__frames.push(ts - last);
      last = ts;
      if (window.__recording) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  await page.waitForTimeout(200);
  const clicked = Date.now();
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120000 }), page.click('#export-trace')]);
  const downloaded = Date.now() - clicked;
  const bytes = (await import('node:fs')).statSync(await download.path()).size;
  await page.waitForTimeout(300);
  const frames = await page.evaluate(() => { window.__recording = false; return window.__frames; });
  console.log(JSON.stringify({
    export: round + 1, bytes, clickToDownloadMs: downloaded, frames: frames.length,
    longestFrameMs: Math.round(Math.max(...frames)), framesOver50Ms: frames.filter((f) => f > 50).length,
  }));
}
await browser.close();
