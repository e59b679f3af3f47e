import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1300, height: 1150 } });
page.on('pageerror', (e) => console.log('pageerror', String(e)));
await page.goto(process.argv[2]);
await page.waitForTimeout(Number(process.argv[4] ?? 3000));
if (process.argv[5]) { await page.click(process.argv[5]); await page.waitForTimeout(300); }
await page.screenshot({ path: process.argv[3], fullPage: true });
await browser.close();
