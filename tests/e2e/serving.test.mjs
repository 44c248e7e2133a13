// "Serving the cache" in headless Chromium: every figure of its three panels against an independent
// computation: which keys a streaming cache with sinks and a window leaves each query (and the
// memory it holds against core.kvCacheBytes), the mass a sink logit takes against a JS softmax,
// the paged cache's block counts by hand, split-K's chunk statistics merged in JS against the
// unsplit step; at H = 8 to 128, an MLA model, and a 390 px phone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { clean, pageTexts, ready, startHarness } from './harness.mjs';

const OUT = new URL('../../test-output/', import.meta.url);
let h;
before(async () => { h = await startHarness(); await mkdir(OUT, { recursive: true }); });
after(async () => { await h?.close(); });

const PANELS = ['sinks', 'paged', 'splitk'];

/** Scrolls to the section and waits until every panel is drawn for the form's H, G and head_dim (f16). */
async function drawn(page) {
  await page.locator('#serving').scrollIntoViewIfNeeded();
  await page.waitForFunction((panels) => {
    const shape = ['h', 'g', 'd'].map((k) => document.querySelector(`[name=${k}]`).value).join('/');
    return panels.every((p) => document.getElementById(`serving-${p}`).dataset.shape === `${shape}/f16`);
  }, PANELS, { timeout: 20000 });
  return page.evaluate(() => Object.fromEntries(['h', 'g', 'd'].map((k) => [k, Number(document.querySelector(`[name=${k}]`).value)])));
}

/** Runs `change` in the page and waits for `panel` to draw again. */
async function redraw(page, panel, change) {
  const before = await page.$eval(`#serving-${panel}`, (p) => p.dataset.draws);
  await change();
  await page.waitForFunction(([p, n]) => document.getElementById(`serving-${p}`).dataset.draws !== n, [panel, before]);
}
const choose = (page, name, value) => page.selectOption(`select[name=${name}]`, String(value));
const selected = (page, name) => page.$eval(`select[name=${name}]`, (s) => Number(s.value));

/** The heatmap: each drawn cell is kept exactly where position k is a sink or in the window of query q. */
async function checkVisibility(page, where) {
  const [sinks, window] = [await selected(page, 'serving-sinks'), await selected(page, 'serving-window')];
  const cells = await page.$$eval('#sinks-map rect', (rs) => rs.map((r) => [Number(r.dataset.q), Number(r.dataset.k), Number(r.dataset.w), r.getAttribute('class')]));
  const T = Math.max(...cells.map((c) => c[0])) + 1;
  assert.equal(cells.length, (T * (T + 1)) / 2, `${where}: one cell per query and earlier key`);
  const sums = new Array(T).fill(0);
  for (const [q, k, w, cls] of cells) {
    const visible = k <= q && (k < sinks || k > q - window);
    assert.equal(cls, visible ? 'kept' : 'evicted', `${where}: query ${q}, key ${k} (${sinks} sinks, window ${window})`);
    assert.equal(w > 0, visible, `${where}: query ${q}, key ${k} weight ${w}`);
    sums[q] += w;
  }
  for (const s of sums) assert.ok(Math.abs(s - 1) < 1e-5, `${where}: a row's weights sum to ${s}`);
  return { sinks, window, T };
}

/** Memory bars: the plain cache is core.kvCacheBytes of every token seen; the streaming cache stays at its capacity's. */
async function checkMemory(page, { g, d }, { sinks, window }) {
  const bars = await page.$$eval('#sinks-memory .bar-row', (r) => r.map((x) => [x.dataset.label, Number(x.dataset.bytes)]));
  const capacity = sinks + window;
  const core = await page.evaluate(async ([G, D, tokens]) => {
    const { loadCore } = await import('/core/core.js');
    const c = await loadCore();
    return tokens.map((t) => c.kvCacheBytes({ layers: 1, nKvHeads: G, headDim: D, tokens: t, dtype: 'f16' }));
  }, [g, d, [capacity, 3 * capacity, 10 * capacity]]);
  const expected = [1, 3, 10].flatMap((m, i) => [[`plain, ${m * capacity} tokens`, core[i]], [`streaming, ${m * capacity} seen`, core[0]]]);
  assert.deepEqual(bars, expected);
  for (const [m, i] of [[1, 0], [3, 1], [10, 2]]) assert.equal(core[i], 2 * g * d * m * capacity * 2, 'kvCacheBytes is 2·G·d·T·2 at f16');
}

/** Each head's mass on nothing, by a float64 softmax over the kept keys with the sink logit as one more term. */
async function checkSinkMass(page, { h: H, g: G, d }, { sinks, window, T }, where) {
  const logit = Number(await page.inputValue('#serving-sink-logit'));
  const want = await page.evaluate(async ([H, G, d, T, sinks, window, logit]) => {
    const { sinkInputs } = await import('/app/serving-facts.js');
    const { q, k, headDim: dh } = sinkInputs({ nHeads: H, nKvHeads: G, headDim: d, tokens: T });
    const t = T - 1, keys = [...Array(T).keys()].filter((p) => p < sinks || p > t - window);
    return Array.from({ length: H }, (_, i) => {
      const g = Math.floor((i * G) / H);
      const s = keys.map((p) => {
        let dot = 0;
        for (let c = 0; c < dh; c++) dot += q[(t * H + i) * dh + c] * k[(p * G + g) * dh + c];
        return dot / Math.sqrt(dh);
      });
      const m = Math.max(logit, ...s);
      return Math.exp(logit - m) / (s.reduce((a, x) => a + Math.exp(x - m), 0) + Math.exp(logit - m));
    });
  }, [H, G, d, T, sinks, window, logit]);
  const bars = await page.$$eval('#sinks-nothing .bar-row', (r) => r.map((x) => Number(x.dataset.bytes)));
  assert.equal(bars.length, Math.min(8, H));
  bars.forEach((b, i) => assert.ok(Math.abs(b - want[i]) < 1e-5, `${where}: head ${i} gives ${b} to nothing, JS ${want[i]}`));
  const pct = (x) => `${(100 * x).toFixed(1)}%`;
  assert.match(await page.textContent('#sinks-nothing-summary'),
    new RegExp(`^Over all ${H} heads, the mass on nothing: least ${pct(Math.min(...want))}, mean [0-9.]+%, most ${pct(Math.max(...want))}\\.$`));
}

/** The paged panel's counts, by hand: full prompt blocks are shared, every other block is a request's own. */
function pagedByHand({ B, P, conts, maxLength }) {
  const lengths = conts.map((c) => P + c), blocks = lengths.map((l) => Math.ceil(l / B)), full = Math.floor(P / B);
  return {
    used: full + blocks.reduce((a, b) => a + b - full, 0), shared: conts.length > 1 ? full : 0, alone: blocks.reduce((a, b) => a + b, 0),
    empty: lengths.reduce((a, l, i) => a + blocks[i] * B - l, 0), contiguousEmpty: lengths.reduce((a, l) => a + maxLength - l, 0), lengths, full,
  };
}

async function checkPaged(page, where) {
  const [B, P, n, maxLength] = await Promise.all(['serving-block-size', 'serving-prompt', 'serving-sequences', 'serving-max-length'].map((x) => selected(page, x)));
  const conts = [5, 11, 3, 8].slice(0, n);  // SERVING.paged.continuations
  const want = pagedByHand({ B, P, conts, maxLength });
  const counts = await page.$eval('#paged-counts', (e) => Object.fromEntries(Object.entries(e.dataset).map(([k, v]) => [k, Number(v)])));
  assert.deepEqual(counts, { used: want.used, shared: want.shared, alone: want.alone, empty: want.empty, contiguousEmpty: want.contiguousEmpty }, `${where}: B ${B}, P ${P}, ${n} requests`);
  const rows = await page.$$eval('#paged-blocks .block-row', (r) => r.map((x) => ({ length: Number(x.dataset.length), table: x.dataset.table.split(',').map(Number) })));
  assert.deepEqual(rows.map((r) => r.length), want.lengths);
  // the first full prompt blocks are the same physical blocks in every table; no other block is in two tables
  for (const r of rows) assert.deepEqual(r.table.slice(0, want.full), rows[0].table.slice(0, want.full));
  const rest = rows.flatMap((r) => r.table.slice(want.full));
  assert.equal(new Set(rest).size, rest.length, `${where}: a request's own blocks are its own`);
  assert.equal(new Set([...rows[0].table.slice(0, want.full), ...rest]).size, want.used);
  const delta = Number(await page.$eval('#paged-check', (e) => e.dataset.maxDelta));
  assert.ok(delta < 1e-5, `${where}: paged vs plain attention differ by ${delta}`);
  return want;
}

/** Split-K: the chunks' max and sum match the scores in JS; merging them in JS gives the unsplit output. */
async function checkSplitK(page, { h: H, g: G, d }, where) {
  const head = await selected(page, 'serving-head');
  const parts = await page.$$eval('#splitk-table tr[data-chunk]', (r) => r.map((x) => ({
    keys: x.dataset.chunk.split('-').map(Number), max: Number(x.dataset.max), sum: Number(x.dataset.sum), out: x.dataset.out.split(',').map(Number) })));
  const row = (name) => page.$eval(`#splitk-table tr[data-row=${name}]`, (x) => x.dataset.out.split(',').map(Number));
  const [merged, unsplit] = [await row('merged'), await row('unsplit')];
  const M = Math.max(...parts.map((p) => p.max)), w = parts.map((p) => p.sum * Math.exp(p.max - M)), L = w.reduce((a, b) => a + b, 0);
  unsplit.forEach((u, i) => {
    const js = parts.reduce((a, p, c) => a + w[c] * p.out[i], 0) / L;
    assert.ok(Math.abs(js - u) < 1e-5 && Math.abs(merged[i] - u) < 1e-5, `${where}: out[${i}] merged in JS ${js}, by the core ${merged[i]}, unsplit ${u}`);
  });
  const stats = await page.evaluate(async ([H, G, d, head, chunks]) => {
    const { exampleInputs } = await import('/app/example.js');
    const T = chunks.at(-1)[1] + 1, { q, k } = exampleInputs({ nHeads: H, nKvHeads: G, headDim: d, tokens: T }), g = Math.floor((head * G) / H);
    return chunks.map(([from, to]) => {
      const s = [];
      for (let p = from; p <= to; p++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += q[((T - 1) * H + head) * d + c] * k[(p * G + g) * d + c];
        s.push(dot / Math.sqrt(d));
      }
      const m = Math.max(...s);
      return { max: m, sum: s.reduce((a, x) => a + Math.exp(x - m), 0) };
    });
  }, [H, G, d, head, parts.map((p) => p.keys)]);
  parts.forEach((p, c) => {
    assert.ok(Math.abs(p.max - stats[c].max) < 1e-4 * Math.max(1, Math.abs(stats[c].max)), `${where}: chunk ${c} max ${p.max}, JS ${stats[c].max}`);
    assert.ok(Math.abs(p.sum - stats[c].sum) < 1e-4 * stats[c].sum, `${where}: chunk ${c} sum ${p.sum}, JS ${stats[c].sum}`);
  });
  const maxDelta = Number(await page.$eval('#splitk-delta', (e) => e.dataset.maxDelta));
  assert.ok(maxDelta < 1e-5, `${where}: merged vs unsplit max |Δ| ${maxDelta}`);
  assert.match(await page.textContent('#serving-qa-splitk .live'), new RegExp(`merged vs unsplit max \\|Δ\\| = ${maxDelta.toExponential(1).replace('+', '\\+')}`));
  return maxDelta;
}

test('serving at H = 8: the heatmap, memory, sink mass, paged blocks and split-K against independent computations; controls recompute', async () => {
  const { page, context, problems } = await h.open('/#h=8&g=2&d=64');
  await ready(page);
  const shape = await drawn(page);
  let sw = await checkVisibility(page, 'defaults');
  await checkMemory(page, shape, sw);
  await checkSinkMass(page, shape, sw, 'defaults');
  const paged = await checkPaged(page, 'defaults');
  const maxDelta = await checkSplitK(page, shape, 'defaults');
  await page.locator('#serving').screenshot({ path: new URL('serving-h8-g2-1280.png', OUT).pathname });
  console.log(`# H = 8: blocks ${paged.used} shared vs ${paged.alone} copied, ${paged.empty} empty slots vs ${paged.contiguousEmpty}; split-K max |Δ| ${maxDelta}`);
  // no sinks, a short window: the first tokens go too; a sink logit far up takes nearly everything
  await redraw(page, 'sinks', () => choose(page, 'serving-sinks', 0));
  await redraw(page, 'sinks', () => choose(page, 'serving-window', 3));
  sw = await checkVisibility(page, 'sinks 0, window 3');
  await checkMemory(page, shape, sw);
  await redraw(page, 'sinks', () => page.$eval('#serving-sink-logit', (e) => { e.value = '8'; e.dispatchEvent(new Event('input')); }));
  await checkSinkMass(page, shape, sw, 'sink logit 8');
  // other blocks, prompt and requests; other chunks and head
  await redraw(page, 'paged', () => choose(page, 'serving-block-size', 4));
  await redraw(page, 'paged', () => choose(page, 'serving-prompt', 10));
  await redraw(page, 'paged', () => choose(page, 'serving-sequences', 4));
  await checkPaged(page, 'B 4, P 10, 4 requests');
  await redraw(page, 'splitk', () => choose(page, 'serving-chunks', 8));
  await redraw(page, 'splitk', () => choose(page, 'serving-head', 5));
  await checkSplitK(page, shape, '8 chunks, head 5');
  assert.deepEqual(problems, clean);
  await context.close();
});

test('serving at H = 32, 64, 128 and with DeepSeek-V3 (MLA): the same checks at each shape', async () => {
  const { page, context, problems } = await h.open('/#h=32&g=8');
  await ready(page);
  for (const [name, hash] of [['h32-g8', '#h=32&g=8'], ['h64-g8', '#h=64&g=8'], ['h128-g8', '#h=128&g=8'], ['deepseek-v3', '#model=deepseek-v3']]) {
    await page.evaluate((x) => { location.hash = x; }, hash);
    await page.waitForFunction((x) => x !== '#model=deepseek-v3' || document.querySelector('[name=d]').value === '576', hash);
    const shape = await drawn(page);
    const sw = await checkVisibility(page, name);
    await checkMemory(page, shape, sw);
    await checkSinkMass(page, shape, sw, name);
    await checkPaged(page, name);
    await checkSplitK(page, shape, name);
    assert.equal(await page.isVisible('#serving-mla'), name === 'deepseek-v3');
    if (name === 'deepseek-v3') {
      assert.deepEqual(shape, { h: 128, g: 1, d: 576 });
      assert.match(await page.textContent('#serving-mla'), /one latent row per token \(512 \+ 64 = 576 numbers\)/);
      await page.locator('#serving').screenshot({ path: new URL('serving-deepseek-v3-1280.png', OUT).pathname });
    }
  }
  assert.deepEqual(problems, clean);
  await context.close();
});

test('serving on a 390 px phone: every text >= 11 px and uncut, no sideways scroll (H = 8 and DeepSeek-V3)', async () => {
  for (const [name, hash] of [['h8-g2', '#h=8&g=2'], ['deepseek-v3', '#model=deepseek-v3']]) {
    const { page, context, problems } = await h.open(`/${hash}`, { viewport: { width: 390, height: 900 } });
    await ready(page);
    await drawn(page);
    const texts = await pageTexts(page, '#serving');
    assert.deepEqual(texts.filter((t) => t.px < 11).map((t) => `${t.text} (${t.px.toFixed(1)} px, ${t.where})`), [], name);
    assert.deepEqual(texts.filter((t) => t.cut).map((t) => `${t.text} (${t.where})`), [], name);
    assert.ok(await page.evaluate(() => document.scrollingElement.scrollWidth <= innerWidth), `${name}: the page does not scroll sideways`);
    for (const p of PANELS) await page.locator(`#serving-${p}`).screenshot({ path: new URL(`serving-${p}-${name}-390.png`, OUT).pathname });
    assert.deepEqual(problems, clean);
    await context.close();
  }
});
