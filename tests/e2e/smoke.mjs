// Drives the built page (serve dist/ first) in headless Chromium: waits for a Raft leader, crashes
// it by clicking, checks that a new leader is elected and a bad URL parameter is explained, and
// saves screenshots. Usage: node tests/e2e/smoke.mjs [http://127.0.0.1:8765/] [out-dir]
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:8765/';
const out = process.argv[3] ?? '/tmp';
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
});
const fail = (msg) => { console.error('FAIL', msg); process.exitCode = 1; };
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}?seed=3&speed=1`);
  await page.waitForSelector('#cluster g.node.leader', { timeout: 10000 });
  const leader = await page.$eval('#cluster g.node.leader', (g) => g.getAttribute('aria-label'));
  console.log('leader:', leader);
  await page.click('#cluster g.node.leader circle');
  await page.waitForSelector('#cluster g.node.crashed', { timeout: 5000 });
  await page.waitForFunction(() => document.querySelectorAll('#cluster g.node.leader').length === 1, null, { timeout: 10000 });
  const next = await page.$eval('#cluster g.node.leader', (g) => g.getAttribute('aria-label'));
  console.log('new leader after the crash:', next);
  if (next === leader) fail('the crashed leader is still drawn as leader');
  await page.screenshot({ path: `${out}/playground-raft.png` });
  await page.goto(`${base}?nodes=abc&protocol=nope`);
  await page.waitForSelector('.notice');
  const notices = await page.$$eval('.notice', (ns) => ns.map((n) => n.textContent));
  console.log('notices:', notices);
  if (notices.length !== 2) fail('both bad parameters are explained');
  await page.screenshot({ path: `${out}/playground-bad-params.png` });
  if (errors.length) fail(`page errors: ${errors.join('; ')}`);
} finally {
  await browser.close();
}
console.log(process.exitCode ? 'smoke: FAILED' : 'smoke: ok');
