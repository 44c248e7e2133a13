// Benchmarks, not timed assertions: how long a control change takes to reach the screen at every
// preset (every model in the picker, and H = 8, 32, 64, 128), and how long after navigation the
// first computed figure is painted. Both are printed as tables (median and range of ROUNDS runs,
// LATENCY_ROUNDS overrides); the tests assert only that the screen shows the core's numbers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore } from 'gqa-playground';
import { startHarness } from './harness.mjs';

const ROUNDS = Number(process.env.LATENCY_ROUNDS ?? 5);
let h, core;
before(async () => { h = await startHarness(); core = await loadCore(); });
after(async () => { await h?.close(); });

const ready = (page) => page.waitForFunction(() => document.documentElement.dataset.view === 'ready', null, { timeout: 20000 });

/** Median and range of a list of milliseconds, as the tables print them. */
function stats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median, min: s[0], max: s.at(-1), text: `${median.toFixed(0).padStart(5)} ms  (${s[0].toFixed(0)}–${s.at(-1).toFixed(0)})` };
}

/**
 * Sets form field `name` to `value` as the reader would (a change event) and resolves with the
 * milliseconds until the App has drawn the new snapshot (main.js marks <html data-view="ready">)
 * and the next frame has been painted.
 */
const change = (page, name, value) => page.evaluate(([name, value]) => new Promise((resolve) => {
  const html = document.documentElement;
  delete html.dataset.view;
  const observer = new MutationObserver(() => {
    if (html.dataset.view !== 'ready') return;
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0)));  // after that frame's paint
  });
  observer.observe(html, { attributes: true, attributeFilter: ['data-view'] });
  const field = document.querySelector(`[name=${name}]`);
  const t0 = performance.now();
  field.value = value;
  field.dispatchEvent(new Event('change', { bubbles: true }));
}), [name, value]);

/** The cache bars drawn, and the bars the core computes for the state the form shows. */
async function barsAgainstCore(page) {
  const form = await page.evaluate(() => Object.fromEntries(['model', 'h', 'g', 'd', 't', 'l', 'b', 'dtype']
    .map((k) => [k, document.querySelector(`[name=${k}]`).value])));
  const drawn = await page.$$eval('#cache-view .bar-row', (rows) => rows.map((r) => Number(r.dataset.bytes)));
  const [H, G, d, t, l, b] = ['h', 'g', 'd', 't', 'l', 'b'].map((k) => Number(form[k]));
  const sized = form.model ? core.modelKvCache({ model: form.model, tokens: t, batch: b, dtype: form.dtype }) : null;
  if (sized?.model.attention === 'MLA') {  // an MLA model: its MHA baseline and its latent
    return { form, drawn, want: ['mha', 'published'].map((row) => sized.variants.find((v) => v.row === row).total) };
  }
  if (sized) {  // a catalog model: its rows sized layer by layer (MHA, as published unless MHA or MQA, MQA)
    const rows = sized.variants.filter((v) => v.row === 'mha' || v.nKvHeads === 1 || (v.row === 'published' && v.attention === 'GQA'));
    return { form, drawn, want: rows.map((v) => v.total) };
  }
  const bytes = (n) => core.kvCacheBytes({ layers: l, nKvHeads: n, headDim: d, tokens: t, batch: b, dtype: form.dtype });
  const want = [H, ...(G !== H && G !== 1 ? [G] : []), ...(H > 1 ? [1] : [])].map(bytes);
  return { form, drawn, want };
}

test('benchmark: a control change reaches the screen at every preset (printed; asserts only the numbers)', async () => {
  const { page, context, problems } = await h.open('/');
  await ready(page);
  const models = await page.$$eval('select[name=model] option', (o) => o.map((x) => x.value).filter(Boolean));
  assert.ok(models.length >= 10);
  const presets = [...models.map((m) => ['model', m]), ...[8, 32, 64, 128].map((n) => ['h', String(n)])];
  const times = new Map(presets.map(([n, v]) => [`${n} = ${v}`, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, value] of presets) {
      times.get(`${name} = ${value}`).push(await change(page, name, value));
      const { form, drawn, want } = await barsAgainstCore(page);
      assert.equal(form[name], value);
      assert.deepEqual(drawn, want, `${name} = ${value}: the bars are the core's modelKvCache rows (a model) or kvCacheBytes for ${JSON.stringify(form)}`);
    }
  }
  const rows = [...times].map(([preset, ms]) => [preset, stats(ms)]);
  console.log(`control change → updated screen, ${ROUNDS} rounds, median (range):\n` +
    rows.map(([preset, s]) => `  ${preset.padEnd(24)} ${s.text}`).join('\n') +
    `\n  worst median ${Math.max(...rows.map(([, s]) => s.median)).toFixed(0)} ms`);
  assert.deepEqual(problems, { console: [], failed: [], foreign: [] });
  await context.close();
});

test('benchmark: the first computed figure after navigation (printed)', async () => {
  const runs = [];
  for (let i = 0; i < ROUNDS; i++) {
    const context = await h.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    // the moment main.js marks the first drawing with the core's numbers, and the frame after it
    await page.addInitScript(() => {
      window.__firstFigure = new Promise((resolve) => {
        new MutationObserver((_, observer) => {
          if (document.documentElement?.dataset.view !== 'ready') return;
          observer.disconnect();
          const drawn = performance.now();
          requestAnimationFrame(() => setTimeout(() => resolve({ drawn, painted: performance.now() })));
        }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-view'] });  // <html> is not there yet
      });
    });
    await page.goto(`${h.origin}/`);
    const t = await page.evaluate(() => window.__firstFigure);
    const { drawn, want } = await barsAgainstCore(page);
    assert.deepEqual(drawn, want);
    runs.push(t);
    await context.close();
  }
  console.log(`navigation → first computed figure, ${ROUNDS} loads, median (range):\n` +
    `  drawn (App.onRender)     ${stats(runs.map((r) => r.drawn)).text}\n` +
    `  painted (the next frame) ${stats(runs.map((r) => r.painted)).text}`);
});
