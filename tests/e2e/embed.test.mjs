// Embedding in headless Chromium: the <gqa-playground> element twice on a study-site page with
// different attributes, attribute and property changes, sections, theming, one shared core, the
// sandboxed iframe embed with its height message, the page's Share / embed dialog (each snippet
// pasted into a host page), and the main-thread fallback without Web Workers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startHarness } from './harness.mjs';

const require = createRequire(import.meta.url);
let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const clean = { console: [], failed: [], foreign: [] };
// Browsers skip animation frames in a cross-origin frame out of view: poll frames by timer.
const FRAME_POLL = { polling: 100, timeout: 20000 };
/** Bytes of a KV cache by the formula 2·L·G·d·T·B·bytes, independent of the core. */
const kvBytes = ({ l, g, d, t, b = 1, bytes = 2 }) => 2 * l * g * d * t * b * bytes;

/** Inside one element's shadow root: [label, bytes] of each cache bar. */
const bars = (page, id) => page.evaluate((sel) => [...document.querySelector(sel).shadowRoot.querySelectorAll('#cache-view .bar-row')]
  .map((r) => [r.dataset.label, Number(r.dataset.bytes)]), `#${id}`);
const waitRendered = (page, id) => page.waitForFunction((sel) => document.querySelector(sel)?.shadowRoot?.querySelectorAll('#cache-view .bar-row').length > 0, `#${id}`, { timeout: 20000 });

/** The embed.html frame of `page`, once it exists (a loading="lazy" iframe may attach after the load event). */
async function embedFrame(page) {
  for (let i = 0; i < 400; i++) {
    const frame = page.frame({ url: /embed\.html/ });
    if (frame) return frame;
    await page.waitForTimeout(50);
  }
  throw new Error('no embed.html frame appeared');
}

/** Serves `html` at `path` on the test origin (a host page that is not in dist/). */
async function hostPage(path, html) {
  const context = await h.browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route(`${h.origin}${path}`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
  const page = await context.newPage();
  const problems = { console: [], failed: [], foreign: [] };
  const requests = [];
  page.on('console', (msg) => { if (msg.type() === 'error' || msg.type() === 'warning') problems.console.push(`${msg.type()}: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.console.push(`pageerror: ${err.message}`));
  page.on('response', (res) => { if (res.status() >= 400) problems.failed.push(`${res.url()} HTTP ${res.status()}`); });
  context.on('request', (req) => {
    requests.push(req.url());
    if (!req.url().startsWith(h.origin) && !/^(data|blob):/.test(req.url())) problems.foreign.push(req.url());
  });
  await page.goto(h.origin + path);
  return { page, context, problems, requests };
}

test('the study site: two elements with different attributes each show their own numbers', async () => {
  const { page, context, problems } = await h.open('/examples/study-site.html');
  await waitRendered(page, 'small');
  await waitRendered(page, 'large');
  // small: H=8, G=2, d=64, T=2048, L=12, f16
  assert.deepEqual(await bars(page, 'small'), [
    ['MHA (G = 8)', kvBytes({ l: 12, g: 8, d: 64, t: 2048 })],
    ['GQA-2 (current)', kvBytes({ l: 12, g: 2, d: 64, t: 2048 })],
    ['MQA (G = 1)', kvBytes({ l: 12, g: 1, d: 64, t: 2048 })],
  ]);
  // large: the catalog's Llama 3.1 70B (H=64, G=8, d=128, L=80) at T=32768
  assert.deepEqual(await bars(page, 'large'), [
    ['MHA (G = 64)', kvBytes({ l: 80, g: 64, d: 128, t: 32768 })],
    ['GQA-8 (current)', kvBytes({ l: 80, g: 8, d: 128, t: 32768 })],
    ['MQA (G = 1)', kvBytes({ l: 80, g: 1, d: 128, t: 32768 })],
  ]);
  // the sections each asked for, and nothing else
  const shown = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('gqa-playground')].map((e) => [e.id, {
    form: Boolean(e.shadowRoot.querySelector('form#controls')), heads: Boolean(e.shadowRoot.querySelector('#heads-view svg')),
    walk: Boolean(e.shadowRoot.querySelector('#walk')), qa: e.shadowRoot.querySelectorAll('.qa').length, measure: Boolean(e.shadowRoot.querySelector('#measure')),
    sections: e.sections, heading: e.shadowRoot.querySelector('#explore-h')?.textContent ?? null,
  }])));
  assert.deepEqual(shown.small, { form: true, heads: true, walk: false, qa: 0, measure: false, sections: ['controls', 'heads', 'cache'], heading: 'Explore' });
  assert.equal(shown.large.form, false);
  assert.equal(shown.large.heads, false);
  assert.equal(shown.large.walk, false);
  assert.ok(shown.large.qa >= 8);
  assert.deepEqual(shown.large.sections, ['cache', 'qa']);
  // the Q&A answers are computed for this element's settings: Llama's 64 query heads
  assert.match(await page.evaluate(() => document.querySelector('#large').shadowRoot.querySelector('#qa-view').textContent), /all 64 query heads/);
  // the small one's form shows its own attributes
  assert.equal(await page.inputValue('#small input[name=h]'), '8');
  assert.equal(await page.inputValue('#small select[name=g]'), '2');
  assert.equal(await page.inputValue('#small select[name=d]'), '64');
  // theming from outside: a --gqa-* custom property and ::part(status)
  const styles = await page.evaluate(() => {
    const large = document.querySelector('#large').shadowRoot, small = document.querySelector('#small').shadowRoot;
    return {
      accentLarge: getComputedStyle(large.querySelector('.qa .live')).borderLeftColor,
      statusStyle: getComputedStyle(small.querySelector('[part~=status]')).fontStyle,
      darkBg: getComputedStyle(document.querySelector('#large')).backgroundColor,
      lightBg: getComputedStyle(document.querySelector('#small')).backgroundColor,
      styleElements: document.querySelectorAll('style').length + large.querySelectorAll('style').length,
    };
  });
  assert.deepEqual(styles, { accentLarge: 'rgb(242, 167, 191)', statusStyle: 'italic', darkBg: 'rgb(20, 22, 27)', lightBg: 'rgb(251, 251, 253)', styleElements: 0 });
  assert.deepEqual(problems, clean);
  await context.close();
});

test('an attribute change updates only its element; properties mirror attributes; controls write back', async () => {
  const { page, context, problems } = await h.open('/examples/study-site.html');
  await waitRendered(page, 'small');
  await waitRendered(page, 'large');
  const largeBefore = await bars(page, 'large');
  let renders = await page.evaluate(() => { window.__renders = { small: 0, large: 0 };
    for (const e of document.querySelectorAll('gqa-playground')) e.addEventListener('gqa-render', () => window.__renders[e.id]++); });
  await page.evaluate(() => document.querySelector('#small').setAttribute('kv-heads', '4'));
  await page.waitForFunction(() => document.querySelector('#small').shadowRoot.querySelector('#cache-view .bar-row:nth-child(2)').dataset.label === 'GQA-4 (current)');
  assert.equal((await bars(page, 'small'))[1][1], kvBytes({ l: 12, g: 4, d: 64, t: 2048 }));
  assert.equal(await page.evaluate(() => document.querySelector('#small').kvHeads), 4);
  // a property write sets the attribute and redraws
  await page.evaluate(() => { document.querySelector('#small').seq = 4096; });
  assert.equal(await page.getAttribute('#small', 'seq'), '4096');
  await page.waitForFunction(() => /4,096 tokens/.test(document.querySelector('#small').shadowRoot.querySelector('#cache-note').textContent));
  assert.equal((await bars(page, 'small'))[0][1], kvBytes({ l: 12, g: 8, d: 64, t: 4096 }));
  // the other element did not move
  assert.deepEqual(await bars(page, 'large'), largeBefore);
  renders = await page.evaluate(() => window.__renders);
  assert.ok(renders.small >= 2, JSON.stringify(renders));
  assert.equal(renders.large, 0);
  // a bad property value is a thrown error naming the field, the value and what was expected
  const errors = await page.evaluate(() => {
    const e = document.querySelector('#small'), out = [];
    for (const [k, v] of [['heads', 0], ['dtype', 'q3'], ['sections', 'heads bogus'], ['theme', 'purple']]) {
      try { e[k] = v; out.push('no error'); } catch (err) { out.push(`${err.name}: ${err.message}`); }
    }
    return out;
  });
  assert.deepEqual(errors, [
    'RangeError: heads (0) must be an integer from 1 to 128',
    'RangeError: dtype ("q3") must be one of f32, f16, bf16, fp8, int8, int4',
    'RangeError: sections: "bogus" is not a section; expected some of walkthrough, controls, heads, cache, budget, bench, quality, serving, lesson, qa',
    'RangeError: theme ("purple") must be one of auto, light, dark',
  ]);
  // a change made with the element's own form is written back to its attributes
  const changed = page.evaluate(() => new Promise((resolve) => document.querySelector('#small')
    .addEventListener('gqa-change', (e) => resolve(e.detail.state.g), { once: true })));
  await page.selectOption('#small select[name=g]', '1');
  assert.equal(await changed, 1);
  assert.equal(await page.getAttribute('#small', 'kv-heads'), '1');
  await page.waitForFunction(() => document.querySelector('#small').shadowRoot.querySelectorAll('#cache-view .bar-row').length === 2);
  // sections: show the walkthrough, hide the form and the heads
  await page.evaluate(() => { document.querySelector('#small').sections = ['walkthrough', 'cache']; });
  await page.waitForFunction(() => document.querySelector('#small').shadowRoot.querySelector('.step-title'));
  assert.equal(await page.evaluate(() => document.querySelector('#small').shadowRoot.querySelector('form, #heads-view')), null);
  assert.equal(await page.getAttribute('#small', 'sections'), 'walkthrough cache');
  await waitRendered(page, 'small');
  assert.equal((await bars(page, 'small'))[1][1], kvBytes({ l: 12, g: 1, d: 64, t: 4096 }));  // the state survived
  assert.deepEqual(problems, clean);
  await context.close();
});

test('bad attributes are reported inside the element, which keeps working', async () => {
  const { page, context, problems } = await hostPage('/bad-attributes.html', `<!doctype html><html lang="en"><head><title>bad</title>
    <script type="module" src="/gqa-playground.js"></script></head><body>
    <gqa-playground id="bad" heads="abc" kv-heads="3" seq="12" dtype="q3" sections="cache"></gqa-playground>
    <gqa-playground id="model" model="no-such-model" sections="cache nonsense"></gqa-playground></body></html>`);
  await waitRendered(page, 'bad');
  await waitRendered(page, 'model');
  const text = (id) => page.evaluate((sel) => document.querySelector(sel).shadowRoot.querySelector('[part=error]').textContent, `#${id}`);
  const bad = await text('bad');
  assert.match(bad, /heads \("abc"\) must be an integer from 1 to 128; using the default/);
  assert.match(bad, /kv-heads \(3\) must divide heads \(8\)/);
  assert.match(bad, /dtype \("q3"\) must be one of f32, f16, bf16, fp8, int8, int4/);
  // the rest applies: H = 8 (default), G snapped to 2, T = 12, f16
  assert.deepEqual((await bars(page, 'bad')).map(([, b]) => b), [8, 2, 1].map((g) => kvBytes({ l: 32, g, d: 128, t: 12 })));
  await page.waitForFunction(() => /no-such-model/.test(document.querySelector('#model').shadowRoot.querySelector('[part=error]').textContent));
  const model = await text('model');
  assert.match(model, /sections: "nonsense" is not a section; expected some of walkthrough, .*; showing all sections/);
  assert.match(model, /model \("no-such-model"\) is not in the catalog; expected one of .*llama-3\.1-70b/);
  // fixing the attribute clears the message
  await page.evaluate(() => { const e = document.querySelector('#bad'); e.setAttribute('heads', '16'); e.removeAttribute('dtype'); e.setAttribute('kv-heads', '4'); });
  await page.waitForFunction(() => document.querySelector('#bad').shadowRoot.querySelector('[part=error]').hidden);
  await page.waitForFunction(() => document.querySelector('#bad').shadowRoot.querySelector('#cache-view .bar-row:nth-child(2)')?.dataset.label === 'GQA-4 (current)');
  assert.deepEqual(problems, clean);
  await context.close();
});

test('three elements on one page share one worker and one WebAssembly fetch', async () => {
  const { page, context, problems, requests } = await hostPage('/three.html', `<!doctype html><html lang="en"><head><title>three</title>
    <script type="module" src="/gqa-playground.js"></script></head><body>
    <gqa-playground id="a" heads="4" kv-heads="4" sections="cache"></gqa-playground>
    <gqa-playground id="b" heads="12" kv-heads="3" head-dim="96" sections="cache heads"></gqa-playground>
    <gqa-playground id="c" heads="16" kv-heads="1" layers="2" seq="100" dtype="int8" sections="cache"></gqa-playground></body></html>`);
  for (const id of ['a', 'b', 'c']) await waitRendered(page, id);
  assert.deepEqual((await bars(page, 'a')).map(([, b]) => b), [kvBytes({ l: 32, g: 4, d: 128, t: 8192 }), kvBytes({ l: 32, g: 1, d: 128, t: 8192 })]);
  assert.deepEqual((await bars(page, 'b')).map(([, b]) => b), [12, 3, 1].map((g) => kvBytes({ l: 32, g, d: 96, t: 8192 })));
  assert.deepEqual((await bars(page, 'c')).map(([, b]) => b), [16, 1].map((g) => kvBytes({ l: 2, g, d: 128, t: 100, bytes: 1 })));
  const count = (re) => requests.filter((u) => re.test(new URL(u).pathname)).length;
  assert.equal(count(/^\/app\/worker\.js$/), 1);
  assert.equal(count(/^\/core\/gqa_core_(relaxed|simd|scalar)\.wasm$/), 1);
  assert.equal(count(/^\/gqa-playground\.js$/), 1);
  assert.deepEqual(problems, clean);
  await context.close();
});

test('the iframe embed: state from the hash, height posted to the parent, works in sandbox="allow-scripts"', async () => {
  const { page, context, problems } = await h.open('/examples/study-site.html');
  const frame = await embedFrame(page);
  await frame.waitForFunction(() => document.documentElement.dataset.view === 'ready', null, FRAME_POLL);
  // sandboxed: an opaque origin, so the core runs on the main thread of the frame
  assert.equal(await frame.evaluate(() => origin), 'null');
  assert.match(await frame.textContent('.step-title'), /^3\. Grouped-query attention/);
  assert.equal(await frame.locator('#explore, #qa, #lesson').count(), 0);
  assert.equal(await page.getAttribute('iframe', 'sandbox'), 'allow-scripts');
  // the host's one-line listener has set the frame's height to the frame's own content height
  await page.waitForFunction(() => Number(document.querySelector('iframe').height) !== 480);
  const [attr, inner] = [Number(await page.getAttribute('iframe', 'height')), await frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height))];
  assert.equal(attr, inner);
  // a click inside the frame moves the walkthrough, and the new height is posted again
  await frame.click('.step-nav .btn.primary');
  await frame.waitForFunction(() => /^4\./.test(document.querySelector('.step-title').textContent), null, FRAME_POLL);
  await page.waitForFunction(() => Number(document.querySelector('iframe').height) > 700);  // step 4 adds eight heatmaps
  assert.equal(Number(await page.getAttribute('iframe', 'height')), await frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height)));
  assert.deepEqual(problems, clean);
  await context.close();
});

test('embed.html on its own: the hash sets the state and the sections; a bad sections list is reported', async () => {
  const { page, context, problems } = await h.open('/embed.html#h=16&g=4&d=64&t=1024&l=2&dtype=f32&sections=controls,cache');
  await page.waitForFunction(() => document.documentElement.dataset.view === 'ready', null, { timeout: 20000 });
  const got = await page.$$eval('#cache-view .bar-row', (r) => r.map((x) => Number(x.dataset.bytes)));
  assert.deepEqual(got, [16, 4, 1].map((g) => kvBytes({ l: 2, g, d: 64, t: 1024, bytes: 4 })));
  assert.equal(await page.locator('#walk, #qa, .masthead, #share').count(), 0);  // minimal chrome
  await page.selectOption('select[name=g]', '8');
  await page.waitForFunction(() => location.hash.includes('g=8') && location.hash.endsWith('&sections=controls,cache'));
  const second = await h.open('/embed.html#sections=cache,bogus');
  await second.page.waitForFunction(() => document.documentElement.dataset.view === 'ready', null, { timeout: 20000 });
  assert.match(await second.page.textContent('#embed-error'), /sections in the URL hash: "bogus" is not a section; expected some of .*; showing all sections/);
  assert.deepEqual(problems, clean);
  assert.deepEqual(second.problems, clean);
  await second.context.close();
  await context.close();
});

test('Share / embed: permalink, iframe snippet and element snippet each reproduce the state', async () => {
  const { page, context, problems } = await h.open('/#h=24&g=6&d=96&t=65536&l=40&dtype=fp8');
  await page.waitForFunction(() => document.documentElement.dataset.view === 'ready', null, { timeout: 20000 });
  await page.click('#share');
  await page.waitForSelector('#share-dialog[open]');
  const [link, iframe, element] = await Promise.all(['#share-permalink', '#share-iframe', '#share-element'].map((s) => page.inputValue(s)));
  const hash = '#h=24&g=6&d=96&t=65536&l=40&dtype=fp8';
  assert.equal(link, `${h.origin}/${hash}`);
  assert.equal(iframe.split('\n')[0], `<iframe src="${h.origin}/embed.html${hash.replace(/&/g, '&amp;')}" title="GQA playground" sandbox="allow-scripts" width="100%" height="640" loading="lazy"></iframe>`);
  assert.match(iframe.split('\n')[1], /^<script>addEventListener\('message', .*gqa-playground:height.*f\.height = e\.data\.height; \}\);<\/script>$/);
  assert.equal(element, `<script type="module" src="${h.origin}/gqa-playground.js"></script>\n` +
    '<gqa-playground heads="24" kv-heads="6" head-dim="96" seq="65536" layers="40" dtype="fp8"></gqa-playground>');
  await page.click('#share-dialog button[type=submit]');  // Close
  await page.waitForFunction(() => !document.querySelector('#share-dialog').open);
  const want = [24, 6, 1].map((g) => kvBytes({ l: 40, g, d: 96, t: 65536, bytes: 1 }));
  // 1. the permalink restores the state
  const viaLink = await h.open(link.slice(h.origin.length));
  await viaLink.page.waitForFunction(() => document.documentElement.dataset.view === 'ready', null, { timeout: 20000 });
  assert.equal(await viaLink.page.inputValue('input[name=h]'), '24');
  assert.deepEqual(await viaLink.page.$$eval('#cache-view .bar-row', (r) => r.map((x) => Number(x.dataset.bytes))), want);
  // 2. the element snippet, pasted into a host page (the host allows its module script)
  const viaElement = await hostPage('/paste-element.html', `<!doctype html><html lang="en"><head><title>element</title></head><body>${element.replace('<gqa-playground ', '<gqa-playground id="pasted" ')}</body></html>`);
  await waitRendered(viaElement.page, 'pasted');
  assert.deepEqual((await bars(viaElement.page, 'pasted')).map(([, b]) => b), want);
  // 3. the iframe snippet, as a host page would paste it (its own CSP allows its inline listener)
  const viaFrame = await hostPage('/paste-iframe.html', `<!doctype html><html lang="en"><head><title>iframe</title></head><body>${iframe}</body></html>`);
  const frame = await embedFrame(viaFrame.page);
  await frame.waitForFunction(() => document.documentElement.dataset.view === 'ready', null, FRAME_POLL);
  assert.deepEqual(await frame.$$eval('#cache-view .bar-row', (r) => r.map((x) => Number(x.dataset.bytes))), want);
  await viaFrame.page.waitForFunction(() => Number(document.querySelector('iframe').height) > 1000);
  for (const x of [viaLink, viaElement, viaFrame]) {
    assert.deepEqual(x.problems, clean);
    await x.context.close();
  }
  assert.deepEqual(problems, clean);
  await context.close();
});

test('without Web Workers the page computes on the main thread, with the same numbers', async () => {
  const context = await h.browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.addInitScript(() => { delete window.Worker; });
  await page.goto(h.origin + '/#h=12&g=3&d=64&t=1000&l=6');
  await page.waitForFunction(() => document.documentElement.dataset.view === 'ready', null, { timeout: 20000 });
  assert.deepEqual(await page.$$eval('#cache-view .bar-row', (r) => r.map((x) => Number(x.dataset.bytes))), [12, 3, 1].map((g) => kvBytes({ l: 6, g, d: 64, t: 1000 })));
  await page.click('#measure');
  assert.match(await page.textContent('#measure-view'), /Measuring needs a Web Worker/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('axe-core: no violations on the open Share dialog and on the study site with its elements', async () => {
  const axeSource = require.resolve('axe-core/axe.min.js');
  const context = await h.browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const run = async () => {
    await page.addScriptTag({ path: axeSource });
    return page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
      .map((v) => `${v.id}: ${v.nodes.length} × ${v.nodes[0]?.target.join(' ')}`));
  };
  await page.goto(h.origin + '/#h=16&g=4');
  await page.waitForFunction(() => document.documentElement.dataset.view === 'ready', null, { timeout: 20000 });
  await page.click('#share');
  await page.waitForSelector('#share-dialog[open]');
  assert.deepEqual(await run(), [], 'share dialog');
  await page.goto(h.origin + '/examples/study-site.html');
  await waitRendered(page, 'small');
  await waitRendered(page, 'large');
  assert.deepEqual(await run(), [], 'study site');
  await context.close();
});
