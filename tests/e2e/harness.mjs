// harness.mjs - serve dist/ on a free loopback port and drive Debian's Chromium through
// playwright-core (never a downloaded browser). Records console errors, failed requests and
// any request to another origin, which the tests assert are empty.
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** What a page's problem recorders hold when nothing went wrong. */
export const clean = Object.freeze({ console: [], failed: [], foreign: [] });

/** Waits until the page drew the core's first numbers. */
export const ready = (page) => page.waitForFunction(() => document.documentElement.dataset.view === 'ready', null, { timeout: 20000 });

export async function startHarness() {
  const server = await serve({ port: 0 });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  return {
    origin,
    browser,
    /** A fresh page with problem recorders attached. */
    async open(path = '/', { viewport = { width: 1280, height: 900 }, colorScheme = 'light' } = {}) {
      const context = await browser.newContext({ viewport, colorScheme });
      const page = await context.newPage();
      const problems = { console: [], failed: [], foreign: [] };
      page.on('console', (msg) => { if (msg.type() === 'error' || msg.type() === 'warning') problems.console.push(`${msg.type()}: ${msg.text()}`); });
      page.on('pageerror', (err) => problems.console.push(`pageerror: ${err.message}`));
      page.on('requestfailed', (req) => problems.failed.push(`${req.url()} ${req.failure()?.errorText}`));
      page.on('response', (res) => { if (res.status() >= 400) problems.failed.push(`${res.url()} HTTP ${res.status()}`); });
      context.on('request', (req) => {
        const url = req.url();
        if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) problems.foreign.push(url);
      });
      await page.goto(origin + path);
      return { page, context, problems };
    },
    async close() {
      await browser.close();
      await new Promise((ok) => server.close(ok));
    },
  };
}

/**
 * Every visible piece of text under `selector` (the whole page by default): its rendered size in px
 * (SVG text times its screen scale), and whether it is cut: past the right edge of its card, view or
 * section or of the window, unless it is inside a box that scrolls sideways.
 */
export const pageTexts = (page, selector = 'body') => page.evaluate((sel) => {
  const out = [];
  const walker = document.createTreeWalker(document.querySelector(sel), NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.replace(/[\u200b\s]+/g, ' ').trim();  // KaTeX's zero-width struts are not text
    const e = n.parentElement;
    if (!text || !e.checkVisibility() || e.closest('[hidden], .visually-hidden, title, option, dialog:not([open])')) continue;
    let px = parseFloat(getComputedStyle(e).fontSize);
    if (e instanceof SVGElement) { const m = e.getScreenCTM(); px *= Math.hypot(m.a, m.b); }
    const range = document.createRange();
    range.selectNodeContents(n);
    const r = range.getBoundingClientRect();
    let scroller = e;  // a box of its own that scrolls sideways (a table, an equation, code) does not cut its text
    while (scroller && !['auto', 'scroll'].includes(getComputedStyle(scroller).overflowX)) scroller = scroller.parentElement;
    const box = e.closest('.view, .card, section, form, .masthead, footer') ?? document.body;
    const edge = Math.min(box.getBoundingClientRect().right, innerWidth);
    out.push({ text: text.slice(0, 40), px, cut: r.width > 0 && !scroller && r.right > edge + 1, where: e.closest('[id]')?.id });
  }
  return out;
}, selector);
