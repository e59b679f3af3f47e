// End-to-end walk through the built page (`trunk build --release`, served) in Debian's Chromium:
// a leader appears, the keyboard works, a crashed leader is replaced, a partition is drawn, a
// message in flight is dropped by clicking it, a planted bug stops the run at the violated
// property, bad input is explained, the page fits 360 px and dark mode, and a long timeline drag
// is replayed a slice per frame. Saves screenshots.
//
//   node tests/e2e/playground.mjs [base-url] [screenshot-dir]
//
// Prints cargo-style `test NAME ... ok|FAILED` lines and a `test result:` line, so the test
// command counts these checks with the others.
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:8765/';
const out = process.argv[3] ?? '/tmp';
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
});

let passed = 0;
let failed = 0;
// E2E_ONLY=part-of-a-name runs only the checks whose names contain it (the test command runs all).
const only = process.env.E2E_ONLY;
async function check(name, body, { expectErrors = false } = {}) {
  if (only && !name.includes(only)) return;
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await body(page);
    if (errors.length && !expectErrors) throw new Error(`page errors: ${errors.join('; ')}`);
    console.log(`test ${name} ... ok`);
    passed += 1;
  } catch (e) {
    console.log(`test ${name} ... FAILED\n    ${String(e).split('\n').join('\n    ')}`);
    await page.screenshot({ path: `${out}/failed-${name}.png`, fullPage: true }).catch(() => {});
    failed += 1;
  } finally {
    await page.close();
  }
}
const assert = (ok, msg) => { if (!ok) throw new Error(msg); };
// What an action changes is drawn by Yew in slices of ~16 ms with the browser let in between, so
// on a loaded machine a panel can lag its banner by a slice: wait (briefly) rather than read once.
const soon = async (page, predicate, arg, msg) => {
  try {
    await page.waitForFunction(predicate, arg, { timeout: 5000 });
  } catch (e) {
    throw new Error(`${msg} (not within 5 s: ${String(e).split('\n')[0]})`);
  }
};
const playingSoon = (page, value, msg) => soon(page, (v) => document.querySelector('.playground').dataset.playing === v, value, msg);
const statusSoon = (page, node, value, msg) => soon(page, ([n, v]) => document.querySelector(`#cluster [data-node="${n}"]`)?.dataset.status === v, [node, value], msg);
const leader = (page) => page.evaluate(() => {
  const nodes = [...document.querySelectorAll('#cluster [data-node][data-role=leader][data-status=up]')];
  const best = nodes.map((n) => ({ id: +n.dataset.node, term: +n.dataset.term })).sort((a, b) => b.term - a.term)[0];
  return best ?? null;
});
const waitLeader = (page, pred = 'true', timeout = 15000) => page.waitForFunction(`(() => {
  const l = [...document.querySelectorAll('#cluster [data-node][data-role=leader][data-status=up]')]
    .map((n) => ({ id: +n.dataset.node, term: +n.dataset.term })).sort((a, b) => b.term - a.term)[0];
  return l && (${pred});
})()`, null, { timeout });
// Keys go to the page, not to whatever button was clicked last.
const press = async (page, key) => {
  await page.evaluate(() => document.activeElement && document.activeElement.blur && document.activeElement.blur());
  await page.keyboard.press(key);
};
const clock = (page) => page.$eval('#clock', (c) => +c.dataset.virtualTime);

await check('leader_appears_and_keyboard_drives_the_run', async (page) => {
  await page.goto(`${base}?seed=3&speed=1`);
  await waitLeader(page);
  assert((await page.$$('#cluster [data-node]')).length === 5, 'five nodes');
  await press(page, 'Space');
  await playingSoon(page, 'false', 'Space pauses');
  const t = await clock(page);
  await page.waitForTimeout(200);
  assert((await clock(page)) === t, 'the clock stands still while paused');
  for (let i = 0; i < 10 && (await clock(page)) === t; i += 1) await press(page, 'ArrowRight');
  assert((await clock(page)) > t, '→ steps');
  await press(page, 'Shift+Slash');
  await page.waitForSelector('#help-dialog');
  await page.screenshot({ path: `${out}/playground-help.png` });
  await press(page, 'Escape');
  await soon(page, () => !document.querySelector('#help-dialog'), null, 'Esc closes the help');
  await press(page, 'Space');
  await playingSoon(page, 'true', 'Space plays again');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `${out}/playground.png` });
});

await check('crashing_the_leader_elects_another', async (page) => {
  await page.goto(`${base}?seed=5&speed=1`);
  await waitLeader(page);
  const old = await leader(page);
  await page.click(`#cluster [data-node="${old.id}"]`);
  await page.waitForSelector(`#node-panel[data-node="${old.id}"]`);
  await page.click('#node-crash');
  await statusSoon(page, old.id, 'crashed', 'drawn crashed');
  await waitLeader(page, `l.id !== ${old.id} && l.term > ${old.term}`);
  await page.click('#node-restart');
  await statusSoon(page, old.id, 'up', 'restarted');
});

await check('partition_is_drawn_and_a_message_can_be_dropped', async (page) => {
  await page.goto(`${base}?seed=9&speed=0.05`);
  await waitLeader(page);
  await page.click('#net-isolate-leader');
  await page.waitForSelector('#cluster [data-cut]');
  const cuts = await page.$$eval('#cluster [data-cut]', (c) => c.length);
  assert(cuts === 4, `the isolated leader's four links are drawn cut (saw ${cuts})`);
  await page.click('#net-heal');
  await page.waitForFunction(() => !document.querySelector('#cluster [data-cut]'));
  // One-way cut: a single arrow.
  await page.selectOption('select[name=link-from]', '1');
  await page.selectOption('select[name=link-to]', '2');
  await page.uncheck('label:has-text("both ways") input');
  await page.click('#link-cut');
  await page.waitForSelector('#cluster [data-cut="1->2"].oneway');
  await page.click('#net-heal');
  // Select a message in flight by clicking the line that sent it in the event log.
  await page.selectOption('#filter-class', 'message');
  let line = null;
  for (let attempt = 0; attempt < 20 && !line; attempt += 1) {
    await page.waitForFunction(() => document.querySelectorAll('#cluster [data-message]').length > 0);
    await press(page, 'Space'); // pause with messages in flight
    const inFlight = await page.$$eval('#cluster [data-message]', (ms) => ms.map((m) => m.dataset.message));
    const handle = await page.evaluateHandle((ids) => [...document.querySelectorAll('#events li')]
      .find((l) => ids.some((id) => l.textContent.includes(`send #${id} `))) ?? null, inFlight);
    line = handle.asElement();
    if (!line) await press(page, 'Space');
  }
  assert(line, 'a send of a message in flight is listed');
  const id = await line.evaluate((l) => l.textContent.match(/send #(\d+) /)[1]);
  await line.click();
  await page.waitForSelector('#message-panel');
  await page.click('#msg-drop');
  await page.waitForFunction((mid) => !document.querySelector(`#cluster [data-message="${mid}"]`), id);
  // Checked now, while paused: once the run plays on, newer events push the line out of the log.
  await soon(page, (mid) => [...document.querySelectorAll('#events li')]
    .some((l) => l.textContent.includes(`drop #${mid} `) && l.textContent.includes('(manual)')), id, 'the drop is in the event log');
  // The mouse reaches messages on the canvas too: hover one and its text shows.
  await press(page, 'Space');
  await page.waitForFunction(() => document.querySelectorAll('#cluster [data-message]').length >= 3);
  await press(page, 'Space');
  const target = await page.evaluate(() => {
    const svg = document.querySelector('#cluster');
    svg.scrollIntoView();
    const r = svg.getBoundingClientRect();
    return { x: r.left, y: r.top, w: r.width, h: r.height };
  });
  let hovered = false;
  for (let gx = 0; gx < 60 && !hovered; gx += 1) {
    for (let gy = 0; gy < 60 && !hovered; gy += 1) {
      await page.mouse.move(target.x + (gx + 0.5) * target.w / 60, target.y + (gy + 0.5) * target.h / 60);
      hovered = (await page.$('#cluster .tip')) !== null;
    }
  }
  assert(hovered, 'hovering a message shows its text');
});

await check('planted_bug_stops_at_the_violated_property', async (page) => {
  await page.goto(`${base}?bug=no-election-restriction&faults=chaos&seed=29&speed=50`);
  await page.waitForSelector('#violation', { timeout: 20000 });
  const property = await page.$eval('#violation', (v) => v.dataset.property);
  assert(property === 'leader-completeness', `violated ${property}`);
  await playingSoon(page, 'false', 'the run pauses');
  await soon(page, () => document.querySelector('#properties [data-property=leader-completeness]')?.dataset.status === 'violated', null, 'row violated');
  await soon(page, () => document.querySelector('#events li.selected'), null, 'offending event selected');
  await page.screenshot({ path: `${out}/playground-violation.png` });
});

await check('bad_input_is_explained', async (page) => {
  await page.goto(`${base}?nodes=abc&protocol=nope&speed=9000`);
  await page.waitForSelector('.notice');
  assert((await page.$$('.notice')).length === 3, 'each bad parameter explained');
  assert((await page.$$('#cluster [data-node]')).length === 5, 'default cluster runs');
  await page.fill('#set-nodes', '40');
  await page.click('#settings-apply');
  await page.waitForSelector('.field-error');
  await page.fill('#set-nodes', '9');
  await page.click('#settings-apply');
  await page.waitForFunction(() => document.querySelectorAll('#cluster [data-node]').length === 9);
  await page.screenshot({ path: `${out}/playground-bad-params.png` });
});

await check('fits_360px_and_dark_mode', async (page) => {
  await page.setViewportSize({ width: 360, height: 800 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(`${base}?seed=3&speed=1`);
  await waitLeader(page);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert(width <= 362, `no sideways scrolling at 360 px (page is ${width} px wide)`);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert(bg === 'rgb(18, 18, 24)', `dark background (${bg})`);
  await page.screenshot({ path: `${out}/playground-360-dark.png`, fullPage: true });
});

await check('two_phase_commit_page_and_trace_export', async (page) => {
  await page.goto(`${base}?protocol=2pc&nodes=4&seed=3&speed=1&clients=2&interval=100ms`);
  await page.waitForSelector('#cluster [data-node="1"][data-role=coordinator]');
  await page.waitForFunction(() => document.querySelectorAll('#loggrid td.txn-committed').length >= 3, null, { timeout: 15000 });
  // Mid-commit the balances alone may be off by the legs a participant has yet to apply; the fact
  // then gives the conserved figure after the semicolon.
  const total = await page.$eval('[data-fact=total] dd', (d) => d.textContent);
  const conserved = (total.split('; ')[1] ?? total).split(' ')[0];
  assert(conserved === '600' && total.includes('starts at 600'), `the total is conserved: ${total}`);
  await page.screenshot({ path: `${out}/playground-2pc.png`, fullPage: true });
  // The JS API is on the page.
  const hash = await page.evaluate(() => {
    const sim = new window.consensusPlayground.Simulation({ protocol: '2pc', nodes: 3, seed: 1 });
    sim.runUntil(1e6);
    return sim.stats().traceHash;
  });
  assert(/^[0-9a-f]{16}$/.test(hash), `the JS API runs: ${hash}`);
  // Export: the trace as JSON Lines, starting with the run event.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-trace')]);
  const path = await download.path();
  const lines = (await import('node:fs')).readFileSync(path, 'utf8').trim().split('\n');
  const first = JSON.parse(lines[0]);
  assert(first.ev === 'run' && first.protocol === '2pc', `the export starts with the run event: ${lines[0]}`);
  assert(lines.some((l) => JSON.parse(l).ev === 'decide'), 'the export carries decide events');
  assert(download.suggestedFilename() === '2pc-seed3.jsonl', download.suggestedFilename());
});

await check('embed_course_page_side_by_side', async (page) => {
  await page.setViewportSize({ width: 1340, height: 900 });
  await page.goto(`${base}course.html`);
  const frames = ['#without-prevote', '#with-prevote'];
  for (const id of frames) {
    const frame = await (await page.waitForSelector(id)).contentFrame();
    await frame.waitForSelector('.playground.embed #cluster [data-node="5"]');
    assert(!(await frame.$('header h1')), 'embed mode has compact chrome');
    assert(await frame.$('#timeline'), 'the timeline shows');
    assert(!(await frame.$('#settings')), 'the tools are hidden');
    await frame.click('#play');
  }
  // Let the scenario run past the rejoin at 2.5 s (speed 0.5: about 6 s of wall time).
  const term5 = async (id) => {
    const frame = await (await page.$(id)).contentFrame();
    return Number(await frame.$eval('#cluster [data-node="5"]', (n) => n.getAttribute('data-term')));
  };
  await page.waitForFunction(() => {
    const f = document.querySelector('#with-prevote').contentDocument;
    return Number(f.querySelector('#clock')?.dataset.virtualTime ?? 0) > 2_000_000;
  }, null, { timeout: 20000 });
  const [without, withPrevote] = [await term5('#without-prevote'), await term5('#with-prevote')];
  assert(without > withPrevote + 2, `without PreVote n5's term runs away (${without} vs ${withPrevote})`);
  await page.screenshot({ path: `${out}/course-embeds.png`, fullPage: true });
  // An embed alone at 640×400 fits: its cluster and controls are on screen.
  await page.setViewportSize({ width: 640, height: 400 });
  await page.goto(`${base}index.html?embed&scenario=raft-disruptive-server&opt.prevote=off&speed=1`);
  await page.waitForSelector('.playground.embed #cluster [data-node="5"]');
  const box = await page.$eval('#cluster', (c) => { const r = c.getBoundingClientRect(); return [r.right, r.bottom, r.width]; });
  assert(box[0] <= 640 && box[2] > 200, `the cluster fits 640 px: ${box}`);
  const play = await page.$eval('#play', (b) => b.getBoundingClientRect().bottom);
  assert(play < 400, 'the controls are on screen');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `${out}/embed-640x400.png` });
});

await check('api_example_page_runs_and_mounts', async (page) => {
  await page.goto(`${base}api.html`);
  await page.waitForSelector('#output[data-done]');
  const done = await page.$eval('#output', (o) => o.dataset.done);
  assert(done === 'true', `the example ran: ${await page.$eval('#output', (o) => o.textContent)}`);
  const result = await page.evaluate(() => window.apiExample);
  assert(result.leaders.length === 1 && result.leaders[0] !== 1, `one leader, not the crashed n1: ${JSON.stringify(result.leaders)}`);
  assert(result.stats.eventsProcessed > 100, JSON.stringify(result.stats));
  await page.waitForSelector('#mounted .playground.embed #cluster [data-node="3"]');
  assert(!(await page.$('main#app')), 'no playground of its own: only the mounted one');
  await page.screenshot({ path: `${out}/api-example.png`, fullPage: true });
});

await check('share_link_scrub_and_spacetime_export', async (page) => {
  await page.goto(`${base}?seed=4&speed=2`);
  await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.virtualTime) > 1_000_000);
  await page.click('#play');
  await playingSoon(page, 'false', 'Play pauses');
  const end = await page.$eval('#timeline', (t) => Number(t.dataset.horizon));
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await soon(page, (h) => {
    const t = document.querySelector('#timeline').dataset;
    return Number(t.step) === h - 2 && Number(t.horizon) === h;
  }, end, '← twice goes back two events');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-svg')]);
  const svg = (await import('node:fs')).readFileSync(await download.path(), 'utf8');
  assert(svg.includes('<svg') && svg.includes('xmlns="http://www.w3.org/2000/svg"') && svg.includes('class="arrow'), 'the diagram exports as SVG');
  await page.click('#share');
  await soon(page, () => document.querySelector('#share-url')?.value.includes('run='), null, 'Share shows a link');
  const url = await page.$eval('#share-url', (i) => i.value);
  const hash = await page.$eval('#stats', (s) => s.dataset.hash);
  await page.goto(url);
  await page.waitForSelector('#timeline');
  assert(await page.$eval('#stats', (s) => s.dataset.hash) === hash, 'the link reproduces the trace hash');
  await page.screenshot({ path: `${out}/playground-shared-run.png`, fullPage: true });
});

await check('a_long_run_exports_and_drags_a_slice_a_frame', async (page) => {
  // Time travel keeps at most 64 checkpoints in 64 MB, on multiples of an interval of 2,000 × 2^k
  // steps that doubles as the run grows: 20 virtual minutes of 51 Multi-Paxos replicas (~1.8 M
  // steps, worlds of 2–3 MB) space them 128,000 steps apart or more. The step just before a
  // multiple of 1,024,000 is then a whole interval past the checkpoint before it: the longest
  // replay there is, a few hundred ms, which the page takes a slice per frame and says so.
  await page.goto(`${base}?protocol=multi-paxos&nodes=51&seed=1&faults=chaos&speed=100`);
  await page.waitForFunction(() => Number(document.querySelector('#clock')?.dataset.virtualTime) > 1200e6
    && Number(document.querySelector('#timeline')?.dataset.horizon) > 1_024_000, null, { timeout: 240000 });
  // First, an export of a long trace (the 200,000 records held, ~20 MB) while playing: written a
  // slice a frame, the run held meanwhile and the button saying how far it got; the file is the
  // trace of the moment Export was pressed, and the run plays on after it.
  const watched = page.evaluate(() => new Promise((resolve) => {
    const texts = new Set();
    const moments = new Set();
    let [frames, waited] = [0, 0];
    const watch = () => {
      const button = document.getElementById('export-trace');
      if (button.dataset.exporting === 'true') {
        frames += 1;
        texts.add(button.textContent.replace(/\d+/g, 'N'));
        moments.add(document.querySelector('#stats').textContent);
        requestAnimationFrame(watch);
      } else if (frames === 0 && (waited += 1) < 600) {
        requestAnimationFrame(watch);
      } else {
        resolve({ frames, texts: [...texts], moments: [...moments] });
      }
    };
    requestAnimationFrame(watch);
  }));
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), page.click('#export-trace')]);
  const during = await watched;
  assert(during.frames >= 2 && during.texts.length === 1 && during.texts[0] === 'Exporting… N %',
    `the export runs over frames and says how far it got: ${JSON.stringify(during)}`);
  assert(during.moments.length === 1, `the run is held while its trace is written: ${JSON.stringify(during.moments)}`);
  const records = Number(during.moments[0].split(' ')[0]);
  const lines = (await import('node:fs')).readFileSync(await download.path(), 'utf8').trimEnd().split('\n');
  assert(lines.length === Math.min(records, 200000), `the file holds every record held: ${lines.length} of ${records}`);
  for (const i of [0, lines.length >> 1, lines.length - 1]) JSON.parse(lines[i]);
  await soon(page, (m) => document.querySelector('#stats').textContent !== m, during.moments[0], 'the run plays on after the export');
  await press(page, 'Space');
  await playingSoon(page, 'false', 'Space pauses');
  const drag = () => page.evaluate(async () => {
    const timeline = () => document.querySelector('#timeline').dataset;
    const target = Math.floor(Number(timeline().horizon) / 1_024_000) * 1_024_000 - 1;
    const statuses = new Set();
    let frames = 0;
    const watch = () => {
      frames += 1;
      if (timeline().seeking) statuses.add(document.querySelector('#timeline .where').textContent.replace(/\d+/g, 'N'));
      if (Number(timeline().step) !== target || timeline().seeking) requestAnimationFrame(watch);
    };
    const input = document.getElementById('scrubber');
    input.value = String(target);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    requestAnimationFrame(watch);
    const deadline = performance.now() + 60000;
    while ((Number(timeline().step) !== target || timeline().seeking) && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return { target, step: Number(timeline().step), seeking: timeline().seeking ?? null,
      hash: document.querySelector('#stats').dataset.hash, statuses: [...statuses], frames };
  });
  const first = await drag();
  assert(first.step === first.target && first.seeking === null, `the drag arrives at step ${first.target}: ${JSON.stringify(first)}`);
  assert(first.statuses.length === 1 && first.statuses[0] === 'replaying to step N: at N',
    `the timeline says where a long replay goes while it runs: ${JSON.stringify(first)}`);
  // End, then the same step again by another replay: the same moment.
  await page.click('#to-end');
  await soon(page, () => document.querySelector('#timeline').dataset.past === 'false', null, 'End returns to the end');
  const again = await drag();
  assert(again.target === first.target && again.hash === first.hash, `the same step, the same trace hash: ${first.hash} then ${again.hash}`);
  await page.screenshot({ path: `${out}/playground-long-drag.png` });
});

await check('a_scenario_file_opens_and_runs_with_captions', async (page) => {
  await page.goto(`${base}?speed=2`);
  await page.click('#scenario-panel summary');
  const script = 'protocol 2pc\nnodes 3\nclients 0\nat 10ms request 1 "transfer 2a 3a 10"\nat 20ms say "A transfer from a file" wait\nexpect no violations\n';
  await page.setInputFiles('#script-file', { name: 'lesson.scenario', mimeType: 'text/plain', buffer: Buffer.from(script) });
  await page.waitForFunction(() => document.querySelector('#script').value.includes('from a file'));
  await page.click('#script-run');
  await page.waitForSelector('#caption[data-wait=true]');
  await soon(page, () => document.querySelector('#set-protocol').value === '2pc', null, 'the settings form follows the script');
  assert((await page.$eval('#caption', (c) => c.textContent)).includes('A transfer from a file'), 'the caption shows');
  assert((await page.$eval('header .subtitle', (s) => s.textContent)).startsWith('2pc'), 'the script chose the protocol');
  assert(await page.$eval('#set-protocol', (s) => s.value) === '2pc', 'the settings form shows the run');
  assert(await page.$eval('#set-nodes', (s) => s.value) === '3', 'with its node count');
  await page.click('#caption-continue');
  await page.waitForFunction(() => document.querySelector('.playground').dataset.playing === 'true');
  await page.screenshot({ path: `${out}/playground-scenario-file.png`, fullPage: true });
});

await check('a_panic_shows_the_error_panel', async (page) => {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}?debug=panic`);
  await page.waitForSelector('#panic button');
  const text = await page.$eval('#panic', (p) => p.textContent);
  assert(text.includes('deliberate panic'), `the panic message is shown: ${text}`);
  assert(errors.length > 0, 'the panic reached the page as an error');
  await page.screenshot({ path: `${out}/playground-panic.png` });
  page.removeAllListeners('pageerror');
}, { expectErrors: true });

await browser.close();
console.log(`test result: ${failed ? 'FAILED' : 'ok'}. ${passed} passed; ${failed} failed; (Playwright, real Chromium)`);
process.exitCode = failed ? 1 : 0;
