// Real layer layouts on the page, at 390 px: the strip (one cell per layer, coloured by kind) and
// the uniform-formula sentence for non-uniform and MLA models, the three layout questions, and a
// config.json dropped or pasted into Explore. Figures are checked against arithmetic done here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { clean, pageTexts, ready, startHarness } from './harness.mjs';
import { formatBytes, formatFactor } from '../../web/lib/format.js';

const OUT = new URL('../../test-output/', import.meta.url);
const FIXTURES = new URL('../fixtures/configs/', import.meta.url);
let h;
before(async () => { h = await startHarness(); await mkdir(OUT, { recursive: true }); });
after(async () => { await h?.close(); });

const T = 131072;
/** One sequence's K/V bytes at f16 for `layers` attention layers of G heads of d keeping `tokens`. */
const kv = (layers, g, d, tokens) => 2 * layers * g * d * tokens * 2;

// each model's layers by kind, and its uniform formula and layout at 128K, from the published configs
const MODELS = {
  'gemma-3-27b': { kinds: { sliding: 52, full: 10 }, uniform: kv(62, 16, 128, T), layout: kv(10, 16, 128, T) + kv(52, 16, 128, 1024) },
  'gpt-oss-120b': { kinds: { sliding: 18, full: 18 }, uniform: kv(36, 8, 64, T), layout: kv(18, 8, 64, T) + kv(18, 8, 64, 128) },
  'llama-4-scout': { kinds: { chunked: 36, full: 12 }, uniform: kv(48, 8, 128, T), layout: kv(12, 8, 128, T) + kv(36, 8, 128, 8192) },
  // 36 Gated DeltaNet layers keep 32·128·128 + (2·16·128 + 32·128)·3 = 548,864 numbers each
  'qwen3-next-80b-a3b': { kinds: { linear: 36, full: 12 }, uniform: kv(48, 2, 256, T), layout: kv(12, 2, 256, T) + 36 * 548864 * 2 },
  // the MHA baseline: 128 heads, keys 192 and values 128 wide; the latent 576 wide, one per layer
  'deepseek-v3': { kinds: { mla: 61 }, uniform: 61 * 128 * (192 + 128) * T * 2, layout: 61 * 576 * T * 2 },
};

test('the layer strip and the uniform formula’s error at 390 px, for every non-uniform layout and MLA', async () => {
  for (const [id, want] of Object.entries(MODELS)) {
    const { page, context, problems } = await h.open(`/#model=${id}`, { viewport: { width: 390, height: 900 } });
    await ready(page);
    await page.waitForSelector('#layout-view .layer-strip');
    const strip = await page.$eval('#layout-view', (root) => {
      const cells = [...root.querySelectorAll('.layer-cell')];
      const counts = {};
      for (const c of cells) counts[c.dataset.kind] = (counts[c.dataset.kind] ?? 0) + 1;
      const box = root.querySelector('.layer-strip').getBoundingClientRect();
      return { counts, width: Math.min(...cells.map((c) => c.getBoundingClientRect().width)), right: Math.max(...cells.map((c) => c.getBoundingClientRect().right)),
        stripRight: box.right, legend: root.querySelector('.layer-legend').textContent, sentence: root.querySelector('.layout-sentence').textContent,
        colours: new Set(cells.map((c) => getComputedStyle(c).backgroundColor)).size };
    });
    assert.deepEqual(strip.counts, want.kinds, id);
    assert.equal(strip.colours, Object.keys(want.kinds).length, `${id}: one colour per kind`);
    assert.ok(strip.width >= 6, `${id}: cells ${strip.width} px wide`);
    assert.ok(strip.right <= 390 && strip.right <= strip.stripRight + 0.5, `${id}: the strip wraps inside the page`);
    for (const [kind, n] of Object.entries(want.kinds)) assert.match(strip.legend, new RegExp(`${kind === 'mla' ? 'MLA' : kind}[^×]*× ${n}`), id);
    const factor = formatFactor(want.uniform / want.layout);
    assert.ok(strip.sentence.includes(`gives ${formatBytes(want.uniform)};`), `${id}: ${strip.sentence}`);
    assert.ok(strip.sentence.includes(`gives ${formatBytes(want.layout)}: ${factor} too large.`), `${id}: ${strip.sentence}`);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390, `${id}: no horizontal scroll`);
    const texts = await pageTexts(page, '#layout-view');
    assert.deepEqual(texts.filter((t) => t.px < 11).map((t) => `${t.text} (${t.px.toFixed(1)} px)`), [], id);
    assert.deepEqual(texts.filter((t) => t.cut).map((t) => t.text), [], id);
    await page.locator('#layout-view').screenshot({ path: new URL(`layout-${id}-390.png`, OUT).pathname });
    assert.deepEqual(problems, clean);
    await context.close();
  }
  // a uniform GQA model has no strip
  const { page, context } = await h.open('/#model=llama-3.1-8b', { viewport: { width: 390, height: 900 } });
  await ready(page);
  assert.equal(await page.$$eval('#layout-view *', (n) => n.length), 0);
  await context.close();
});

test('the layout questions answer with the core’s figures', async () => {
  const { page, context, problems } = await h.open('/#model=gemma-3-27b', { viewport: { width: 390, height: 900 } });
  await ready(page);
  const live = (q) => page.$$eval('.qa', (qs, text) => qs.find((x) => x.textContent.includes(text)).querySelector('.live').textContent, q);
  const g = MODELS['gemma-3-27b'], o = MODELS['gpt-oss-120b'], q = MODELS['qwen3-next-80b-a3b'];
  assert.match(await live('Why do sliding-window layers cap the cache?'),
    new RegExp(`52 sliding layers keep 1,024 tokens each \\(${formatBytes(kv(52, 16, 128, 1024))} in all\\)`));
  const mix = await live('How do Gemma 3 and gpt-oss mix');
  assert.ok(mix.includes(`${formatBytes(g.layout)} per sequence, not the uniform formula’s ${formatBytes(g.uniform)}, ${formatFactor(g.uniform / g.layout)} less`), mix);
  assert.ok(mix.includes(`${formatBytes(o.layout)} per sequence, not the uniform formula’s ${formatBytes(o.uniform)}, ${formatFactor(o.uniform / o.layout)} less`), mix);
  const linear = await live('What does a linear-attention layer keep');
  assert.ok(linear.includes(`36 linear layers keeps 549 k numbers per sequence (${formatBytes(36 * 548864 * 2)} in all, at any context)`), linear);
  assert.ok(linear.includes(`(${formatFactor(q.uniform / q.layout)} too much)`), linear);
  assert.deepEqual(problems, clean);
  await context.close();
});

test('a config.json dropped or pasted into Explore joins the selector with its layout drawn, at 390 px', async () => {
  const { page, context, problems } = await h.open('/', { viewport: { width: 390, height: 900 } });
  await ready(page);
  // drop gemma-3-12b's config.json on the box: 48 layers, 8 global (every sixth) and 40 sliding (1,024)
  const text = await readFile(new URL('gemma-3-12b.json', FIXTURES), 'utf8');
  await page.evaluate((json) => {
    const dt = new DataTransfer();
    dt.items.add(new File([json], 'config.json', { type: 'application/json' }));
    const box = document.getElementById('config-import');
    box.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    box.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, text);
  await page.waitForFunction(() => /Added/.test(document.getElementById('config-status').textContent));
  const id = await page.$eval('[name=model]', (s) => s.value);
  assert.match(id, /^config-/);
  assert.ok(await page.$eval('[name=model]', (s, v) => [...s.options].some((o) => o.value === v), id));
  assert.equal(await page.$eval('[name=l]', (i) => i.value), '48');
  await page.waitForSelector('#layout-view .layer-strip');
  const counts = await page.$$eval('#layout-view .layer-cell', (cells) => cells.reduce((a, c) => ({ ...a, [c.dataset.kind]: (a[c.dataset.kind] ?? 0) + 1 }), {}));
  assert.deepEqual(counts, { sliding: 40, full: 8 });
  const gLayers = (await page.$$eval('#layout-view .layer-cell', (cells) => cells.map((c, i) => (c.dataset.kind === 'full' ? i : -1)))).filter((i) => i >= 0);
  assert.deepEqual(gLayers, [5, 11, 17, 23, 29, 35, 41, 47]);
  // gemma-3-12b: 8 K/V heads of 256; its sentence at 128K, computed here
  const uniform = kv(48, 8, 256, T), layout = kv(8, 8, 256, T) + kv(40, 8, 256, 1024);
  assert.ok((await page.textContent('.layout-sentence')).includes(`gives ${formatBytes(layout)}: ${formatFactor(uniform / layout)} too large.`));
  await page.locator('#explore').screenshot({ path: new URL('config-drop-390.png', OUT).pathname });

  // paste: gpt-oss-20b's config; then a hostile one is refused with the field named, the selection kept
  await page.fill('#config-text', await readFile(new URL('gpt-oss-20b.json', FIXTURES), 'utf8'));
  await page.click('#config-add');
  await page.waitForFunction(() => /Added .*24 layers/.test(document.getElementById('config-status').textContent));
  assert.equal(await page.$eval('[name=model]', (s) => s.value), 'config-gpt_oss');
  await page.waitForFunction(() => document.querySelectorAll('#layout-view .layer-cell').length === 24);
  const before = await page.$eval('[name=model]', (s) => s.value);
  await page.fill('#config-text', '{"model_type": "llama", "num_hidden_layers": -3}');
  await page.click('#config-add');
  await page.waitForFunction(() => /Not added/.test(document.getElementById('config-status').textContent));
  assert.match(await page.textContent('#config-status'), /config\.num_hidden_layers \(-3\) must be an integer from 1 to 4096/);
  assert.equal(await page.$eval('[name=model]', (s) => s.value), before);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390);
  const texts = await pageTexts(page, '#explore');
  assert.deepEqual(texts.filter((t) => t.px < 11 || t.cut).map((t) => `${t.text} (${t.px.toFixed(1)} px${t.cut ? ', cut' : ''})`), []);
  assert.deepEqual(problems, clean);
  await context.close();
});
