// The Q&A's sentences against their own numbers, in headless Chromium: the answer on MQA's downside
// quotes the measured cost (the quality lab's conversion error at G = 1 against G = H, as the core
// computes it here in node), on the page and in embeds without the lab, where its text speaks of no
// figure it does not show; the answer on GQA and MHA says what its live check shows and no more.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { loadCore } from 'gqa-playground';
import { startHarness } from './harness.mjs';

const OUT = new URL('../../test-output/', import.meta.url);
let h, core;
before(async () => { h = await startHarness(); core = await loadCore(); await mkdir(OUT, { recursive: true }); });
after(async () => { await h?.close(); });

const clean = { console: [], failed: [], foreign: [] };
const ready = (page) => page.waitForFunction(() => document.documentElement.dataset.view === 'ready', null, { timeout: 20000 });
const percent = (x) => `${(100 * x).toFixed(1)}%`;  // formatPercent, independently
const DOWNSIDE = 'What is the downside of MQA?', RELATION = 'How does GQA relate to MHA and MQA?';

/** The article of the question `q` in `root` (a page, or a shadow root's host): heading, answer, live line, figure. */
const article = (page, q, host = null) => page.evaluate(([q, host]) => {
  const root = host ? document.querySelector(host).shadowRoot : document;
  const a = [...root.querySelectorAll('.qa')].find((x) => x.querySelector('h3').textContent === q);
  return { answer: a.querySelector('p:not(.live)').textContent, live: a.querySelector('.live').textContent,
    figure: a.querySelector('[data-figure]') ? { svg: !!a.querySelector('[data-figure] svg'), caption: a.querySelector('figcaption')?.textContent ?? '' } : null };
}, [q, host]);

/** The measured cost the line must quote: mean-pooling the lab's layer to G = 1 and to G = H (H = 8). */
function cost(similarity = 0.5) {
  const points = core.conversionError({ similarity });
  const mqa = points.find((p) => p.nKvHeads === 1), mha = points.find((p) => p.nKvHeads === 8);
  assert.ok(mqa.mean > 0.05, 'pooling 8 heads into one moves the output');  // a real cost to quote
  assert.equal(mha.mean, 0, 'mean-pooling groups of one changes nothing');
  return { mqa: percent(mqa.mean), mha: percent(mha.mean) };
}

const waitLive = (page, q, text, host = null) => page.waitForFunction(([q, text, host]) => {
  const root = host ? document.querySelector(host)?.shadowRoot : document;
  const a = root && [...root.querySelectorAll('.qa')].find((x) => x.querySelector('h3').textContent === q);
  return a?.querySelector('.live').textContent.includes(text);
}, [q, text, host], { timeout: 20000 });

test('the downside of MQA: the live line is the measured cost, G = 1 against G = H, from core.conversionError', async () => {
  const { page, context, problems } = await h.open('/#h=8&g=2');
  await ready(page);
  const want = cost(0.5);
  await waitLive(page, DOWNSIDE, want.mqa);
  const a = await article(page, DOWNSIDE);
  assert.ok(a.live.includes(`its K/V heads mean-pooled into one (G = 1, MQA): output moved by ${want.mqa}`), a.live);
  assert.ok(a.live.includes(`all 8 kept (G = 8, MHA): ${want.mha}`), a.live);
  assert.match(a.live, /head similarity 0\.50/);
  assert.doesNotMatch(a.live, /cached per token/, 'the cost, not the savings');
  // the figure is shown with it, and only its caption speaks of it
  assert.deepEqual(a.figure, { svg: true, caption: a.figure.caption });
  assert.match(a.figure.caption, /^From the quality lab below, computed in your browser/);
  assert.doesNotMatch(a.answer, /figure/i);
  // the lab's slider moves the figure, and the line with it
  await page.fill('#similarity', '0.8');
  const moved = cost(0.8);
  await waitLive(page, DOWNSIDE, moved.mqa);
  assert.match((await article(page, DOWNSIDE)).live, /head similarity 0\.80/);
  await page.locator('#qa-4').screenshot({ path: new URL('qa-downside.png', OUT).pathname });
  assert.deepEqual(problems, clean);
  await context.close();
});

test('the downside of MQA without the quality lab: embed.html#sections=qa and <gqa-playground sections="qa">', async () => {
  const want = cost(0.5);
  const { page, context, problems } = await h.open('/embed.html#h=32&g=8&sections=qa');
  await ready(page);
  await waitLive(page, DOWNSIDE, want.mqa);
  const a = await article(page, DOWNSIDE);
  assert.equal(a.figure, null, 'no lab, no figure');
  assert.doesNotMatch(`${a.answer} ${a.live}`, /figure/i, 'and no sentence about one');
  assert.ok(a.live.includes(`output moved by ${want.mqa}`) && a.live.includes(`MHA): ${want.mha}`), a.live);
  await page.locator('.qa').nth(3).screenshot({ path: new URL('qa-downside-embed.png', OUT).pathname });
  assert.deepEqual(problems, clean);

  await page.evaluate(() => { document.body.innerHTML = '<gqa-playground id="q" heads="16" kv-heads="4" sections="qa"></gqa-playground>'; });
  await page.addScriptTag({ type: 'module', url: '/gqa-playground.js' });
  await waitLive(page, DOWNSIDE, want.mqa, '#q');
  const b = await article(page, DOWNSIDE, '#q');
  assert.equal(b.figure, null);
  assert.doesNotMatch(`${b.answer} ${b.live}`, /figure/i);
  await context.close();
});

test('GQA and MHA: the answer claims what its live check shows, and the check is the core’s', async () => {
  for (const hash of ['#h=8&g=2&d=128', '#model=deepseek-v3', '#h=12&g=3&d=32']) {
    const { page, context, problems } = await h.open(`/${hash}`);
    await ready(page);
    const a = await article(page, RELATION);
    assert.doesNotMatch(a.answer, /smoothly/, 'no quality curve follows from an equality');
    assert.match(a.answer, /does not follow from this equality; it has to be measured/);
    // the same comparison, made here by the core on the heatmaps' example input
    const { h: H, g: G, d, diff } = await page.evaluate(async () => {
      const { loadCore } = await import('/core/core.js');
      const { exampleInputs, repeatKv } = await import('/app/example.js');
      const core = await loadCore();
      const field = (n) => Number(document.querySelector(`[name=${n}]`).value);
      const [h, g, d] = [field('h'), field('g'), field('d')];
      const shape = { nHeads: h, nKvHeads: g, headDim: d };
      const { q, k, v } = exampleInputs({ ...shape, tokens: 6 });
      const gqa = core.attention({ q, k, v, ...shape, causal: true }).out;
      const mha = core.attention({ q, k: repeatKv(k, shape), v: repeatKv(v, shape), nHeads: h, nKvHeads: h, headDim: d, causal: true }).out;
      let diff = 0;
      for (let i = 0; i < gqa.length; i++) diff = Math.max(diff, Math.abs(gqa[i] - mha[i]));
      return { h, g, d, diff };
    });
    assert.ok(a.live.startsWith(`computed now GQA (G = ${G}) and MHA on its K/V copied to all ${H} query heads, 6 tokens: `), a.live);
    if (diff === 0) assert.ok(a.live.endsWith('the same output, bit for bit (max |Δ| = 0)'), a.live);
    else assert.ok(a.live.endsWith(`outputs differ by at most ${diff.toExponential(1)} (float rounding)`), `${hash} d=${d}: ${a.live}`);
    assert.deepEqual(problems, clean);
    await context.close();
  }
});
