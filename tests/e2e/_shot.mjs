import { chromium } from 'playwright-core';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const p = await b.newPage({ viewport: { width: 1400, height: 1000 } });
await p.goto('http://127.0.0.1:8765/' + (process.argv[2] || ''));
await p.waitForTimeout(Number(process.argv[4] || 4000));
await p.screenshot({ path: process.argv[3] || '/tmp/shot.png', fullPage: true });
await b.close();
