import { chromium } from 'playwright-core';
import { serve } from './scripts/serve.mjs';
const server = await serve({ port: 0 });
const url = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu','--disable-quic','--disable-background-networking','--disable-component-update','--disable-sync','--no-first-run'] });
const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: process.argv[3] ?? 'light' });
const page = await ctx.newPage();
await page.goto(url + (process.argv[2] ?? ''));
await page.waitForFunction(() => document.documentElement.dataset.view === 'ready', null, { timeout: 20000 });
for (const sel of (process.argv[4] ?? '#walkthrough,#explore').split(',')) {
  await page.locator(sel).screenshot({ path: `/tmp/sec-${sel.replace(/[^a-z]/g, '')}.png` });
}
await browser.close(); server.close();
