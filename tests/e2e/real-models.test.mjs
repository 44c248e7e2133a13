// The playground at real-model scale in headless Chromium: a catalog model named in the hash, the
// element's attribute or embed.html applies its shape; 32–128 heads and MLA read clearly at 390 px
// and 1280 px (rendered text sizes measured); the sentences say what the numbers say.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { pageTexts, startHarness } from './harness.mjs';

const OUT = new URL('../../test-output/', import.meta.url);
let h;
before(async () => { h = await startHarness(); await mkdir(OUT, { recursive: true }); });
after(async () => { await h?.close(); });

const clean = { console: [], failed: [], foreign: [] };
const ready = (page) => page.waitForFunction(() => document.documentElement.dataset.view === 'ready', null, { timeout: 20000 });
/** Bytes of a KV cache by the formula 2·L·G·d·T·B·bytes, independent of the core. */
const kvBytes = ({ l, g, d, t, b = 1, bytes = 2 }) => 2 * l * g * d * t * b * bytes;
const barBytes = (root) => root.$$eval('#cache-view .bar-row', (r) => r.map((x) => Number(x.dataset.bytes)));
const controls = (page) => page.evaluate(() => Object.fromEntries(['model', 'h', 'g', 'd', 't', 'l']
  .map((k) => [k, document.querySelector(`[name=${k}]`).value])));

test('#model=<id> applies the model’s shape and context; explicit keys in the hash override it', async () => {
  // Llama 3.1 70B: 80 layers, 64 heads, 8 K/V heads, head_dim 128; T = the default 8,192 (it fits)
  const { page, context, problems } = await h.open('/#model=llama-3.1-70b');
  await ready(page);
  assert.deepEqual(await controls(page), { model: 'llama-3.1-70b', h: '64', g: '8', d: '128', t: '8192', l: '80' });
  assert.deepEqual(await barBytes(page), [64, 8, 1].map((g) => kvBytes({ l: 80, g, d: 128, t: 8192 })));
  // Falcon 7B: 71 heads, MQA, head_dim 64, 32 layers, and its 2,048-token context caps the default T
  await page.evaluate(() => { location.hash = '#model=falcon-7b'; });
  await page.waitForFunction(() => document.querySelector('[name=h]').value === '71');
  assert.deepEqual(await controls(page), { model: 'falcon-7b', h: '71', g: '1', d: '64', t: '2048', l: '32' });
  await page.waitForFunction(() => /2,048 tokens/.test(document.getElementById('cache-note').textContent));
  assert.deepEqual(await barBytes(page), [71, 1].map((g) => kvBytes({ l: 32, g, d: 64, t: 2048 })));
  // explicit keys win: T and batch are the reader's; a different G is no longer the model (the label goes)
  const second = await h.open('/#model=llama-3.1-8b&t=4096&b=2');
  await ready(second.page);
  assert.deepEqual(await controls(second.page), { model: 'llama-3.1-8b', h: '32', g: '8', d: '128', t: '4096', l: '32' });
  assert.deepEqual(await barBytes(second.page), [32, 8, 1].map((g) => kvBytes({ l: 32, g, d: 128, t: 4096, b: 2 })));
  const third = await h.open('/#model=llama-3.1-70b&g=1');
  await ready(third.page);
  assert.deepEqual(await controls(third.page), { model: '', h: '64', g: '1', d: '128', t: '8192', l: '80' });
  for (const p of [problems, second.problems, third.problems]) assert.deepEqual(p, clean);
  await Promise.all([context.close(), second.context.close(), third.context.close()]);
});

test('embed.html#model=<id> and <gqa-playground model> compute with the model’s shape', async () => {
  const { page, context, problems } = await h.open('/embed.html#model=llama-3.1-405b&sections=cache');
  await ready(page);
  // Llama 3.1 405B: 126 layers, 128 heads, 8 K/V heads, head_dim 128
  assert.deepEqual(await barBytes(page), [128, 8, 1].map((g) => kvBytes({ l: 126, g, d: 128, t: 8192 })));
  assert.match(await page.textContent('#cache-note'), /^126 layers × 8,192 tokens/);
  await page.evaluate(() => { document.body.innerHTML = '<gqa-playground id="m" model="mistral-7b" seq="16384" sections="cache"></gqa-playground>'; });
  await page.addScriptTag({ type: 'module', url: '/gqa-playground.js' });
  await page.waitForFunction(() => document.querySelector('#m')?.shadowRoot?.querySelectorAll('#cache-view .bar-row').length > 0, null, { timeout: 20000 });
  const element = await page.evaluate(() => [...document.querySelector('#m').shadowRoot.querySelectorAll('#cache-view .bar-row')].map((x) => Number(x.dataset.bytes)));
  // Mistral 7B: 32 layers, 32 heads, 8 K/V heads, head_dim 128; its 4,096-token sliding window caps the cache
  assert.deepEqual(element, [32, 8, 1].map((g) => kvBytes({ l: 32, g, d: 128, t: 4096 })));
  assert.deepEqual(problems, clean);
  await context.close();
});

/** Every option of select[name] whose text is wider than the select can show (canvas-measured in the select's font). */
const cutOptions = (page, name) => page.$eval(`select[name=${name}]`, (sel) => {
  const cs = getComputedStyle(sel);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
  // the text box: the select's inner width less its padding and the drop-down arrow (about 1.5em)
  const room = sel.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 1.5 * parseFloat(cs.fontSize);
  return [...sel.options].filter((o) => ctx.measureText(o.textContent).width > room).map((o) => o.textContent);
});

test('small truths: MHA is not "1× smaller", G options fit, code spans, the status in words, T on a model pick, no stray memory notice', async () => {
  for (const width of [390, 1280]) {
    const { page, context, problems } = await h.open('/#h=8&g=8', { viewport: { width, height: 900 } });
    await ready(page);
    const note = await page.textContent('#cache-note');
    assert.doesNotMatch(note, /1× smaller/);
    assert.match(note, /the MHA cache: one K\/V head per query head/);
    assert.doesNotMatch(await page.textContent('#announcer'), /1× smaller/);
    await page.selectOption('select[name=g]', '2');
    await page.waitForFunction(() => /H\/G = 4× smaller than MHA/.test(document.getElementById('cache-note').textContent));
    assert.deepEqual(await cutOptions(page, 'g'), [], `G options cut at ${width} px`);
    assert.deepEqual(await cutOptions(page, 'model'), [], `model options cut at ${width} px`);
    await page.evaluate(() => { location.hash = '#h=128&g=8'; });
    await page.waitForFunction(() => document.querySelector('select[name=g] option[value="128"]')?.textContent.includes('MHA'));
    assert.deepEqual(await cutOptions(page, 'g'), [], `G options at H = 128 cut at ${width} px`);
    await page.locator('#controls').screenshot({ path: new URL(`controls-h128-g8-${width}.png`, OUT).pathname });
    assert.deepEqual(problems, clean);
    await context.close();
  }
  const { page, context, problems } = await h.open('/');
  await ready(page);
  // the pitfall's `repeat_kv` is code, not backticks; the status line says its kernels in words
  assert.equal(await page.textContent('.pitfalls li strong code'), 'repeat_kv');
  assert.doesNotMatch(await page.textContent('#theory'), /`/);
  assert.match(await page.textContent('#core-status'), /^ ?Core ready: WebAssembly relaxed SIMD \(fused multiply-add\) kernels\.$/);
  // a model pick keeps the reader's T where it fits, else the model's context; a previous model's cap does not stick
  await page.selectOption('select[name=model]', 'falcon-7b');
  await page.waitForFunction(() => document.querySelector('[name=t]').value === '2048');
  await page.selectOption('select[name=model]', 'llama-3.1-8b');
  await page.waitForFunction(() => document.querySelector('[name=h]').value === '32');
  assert.equal(await page.inputValue('input[name=t]'), '8192');
  await page.fill('input[name=t]', '100000');
  await page.press('input[name=t]', 'Tab');
  await page.waitForFunction(() => location.hash.includes('t=100000'));
  await page.selectOption('select[name=model]', 'falcon-7b');
  await page.waitForFunction(() => document.querySelector('[name=t]').value === '2048');
  await page.selectOption('select[name=model]', 'llama-3.1-70b');
  await page.waitForFunction(() => document.querySelector('[name=h]').value === '64');
  assert.equal(await page.inputValue('input[name=t]'), '100000');
  // a real model's cache far above the page's WebAssembly memory is only computed, never allocated: no notice
  await page.evaluate(() => { location.hash = '#model=llama-3.1-405b&t=131072&b=8'; });
  await page.waitForFunction(() => /126 layers × 131,072 tokens × batch 8/.test(document.getElementById('cache-note').textContent));
  assert.doesNotMatch(await page.textContent('main'), /WebAssembly memory/);
  assert.deepEqual(problems, clean);
  await context.close();
});

test('walkthrough: bars only where drawn, step 5 at the reader’s settings, no "below" in an embed, a way on to Explore', async () => {
  const { page, context, problems } = await h.open('/#h=32&g=8&l=16&t=4096&step=4');
  await ready(page);
  // step 4 (the example's weights) has no cache bars, so no sentence about cache sizes
  assert.equal(await page.locator('#walk .bar-row').count(), 0);
  assert.doesNotMatch(await page.textContent('#walk'), /Cache sizes/);
  await page.click('#walk .step-nav .btn.primary');
  await page.waitForFunction(() => /^5\./.test(document.querySelector('.step-title').textContent));
  // step 5: MHA, the reader's G and MQA for the reader's 32 heads, as the core sized them; its diagram is 32 heads on 8
  assert.deepEqual(await page.$$eval('#walk .bar-row', (r) => r.map((x) => [x.dataset.label, Number(x.dataset.bytes)])),
    [32, 8, 1].map((g) => [`${g === 32 ? 'MHA' : g === 1 ? 'MQA' : 'GQA'} (${g} K/V head${g > 1 ? 's' : ''})`, kvBytes({ l: 16, g, d: 128, t: 4096 })]));
  assert.equal(await page.locator('#walk .head-diagram').getAttribute('aria-label'), '32 query heads reading 8 K/V heads: 4 query heads per K/V head');
  assert.match(await page.textContent('#walk'), /Cache sizes for your settings: H = 32, G = 8, 16 layers, head_dim 128, 4,096 tokens, batch 1, f16\. You set them in Explore, below\./);
  // and a way on after the last step (6, MLA): the link brings the form into view and focuses its first field
  await page.screenshot({ path: new URL('walkthrough-step5-h32-g8-1280.png', OUT).pathname });
  assert.equal(await page.locator('#walk .step-next').count(), 0);
  await page.click('#walk .step-nav .btn.primary');
  await page.waitForFunction(() => /^6\./.test(document.querySelector('.step-title').textContent));
  await page.click('#walk .step-next a');
  await page.waitForFunction(() => document.activeElement?.closest('#controls'));
  const top = await page.$eval('#controls', (f) => f.getBoundingClientRect().top);
  assert.ok(top >= 0 && top < 900, `the form is in view (top ${top})`);
  // the lesson's own steps say which settings their bars use
  await page.evaluate(() => { location.hash = '#h=32&g=8&l=16&t=4096&step=2'; });
  await page.waitForFunction(() => /^2\./.test(document.querySelector('.step-title').textContent));
  assert.match(await page.textContent('#walk'), /Cache sizes for this step’s 8 query heads at your other settings: 16 layers, head_dim 128, 4,096 tokens, batch 1, f16\./);
  assert.deepEqual(problems, clean);
  await context.close();

  // embed.html with only the walkthrough: nothing below to point to
  const embed = await h.open('/embed.html#h=64&g=8&step=5&sections=walkthrough', { viewport: { width: 390, height: 800 } });
  await ready(embed.page);
  const text = await embed.page.textContent('#walk');
  assert.match(text, /Cache sizes for your settings: H = 64, G = 8, 32 layers/);
  assert.doesNotMatch(text, /below|Explore/);
  assert.equal(await embed.page.locator('#walk .step-next').count(), 0);
  await embed.page.screenshot({ path: new URL('walkthrough-embed-step5-h64-g8-390.png', OUT).pathname, fullPage: true });
  assert.deepEqual(embed.problems, clean);
  await embed.context.close();
});

test('#model=deepseek-v3 is MLA everywhere in Explore: the G control, the latent against its MHA baseline, the words; a GQA model unchanged', async () => {
  // hand-computed at f16: the latent 61 layers × 576 × 2 B = 70,272 B; the MHA baseline 61 × 128 heads × (192 + 128) × 2 B = 4,997,120 B
  const latent = 61 * 576 * 2, baseline = 61 * 128 * (192 + 128) * 2;
  for (const width of [390, 1280]) {
    const { page, context, problems } = await h.open('/#model=deepseek-v3', { viewport: { width, height: 900 } });
    await ready(page);
    await page.waitForFunction(() => /MLA latent/.test(document.getElementById('cache-view').textContent));
    assert.deepEqual(await controls(page), { model: 'deepseek-v3', h: '128', g: '1', d: '576', t: '8192', l: '61' });
    // the G control names the latent; no K/V-head counts to pick
    assert.deepEqual(await page.$$eval('select[name=g] option', (o) => o.map((x) => x.textContent)), ['latent (MLA)']);
    assert.match(await page.textContent('#g-help'), /one cached latent per token per layer/);
    assert.deepEqual(await cutOptions(page, 'g'), [], `G option cut at ${width} px`);
    // the bars: the MHA baseline, then the latent, as the core sized them at 8,192 tokens
    assert.deepEqual(await page.$$eval('#cache-view .bar-row', (r) => r.map((x) => [x.dataset.label, Number(x.dataset.bytes)])),
      [['MHA baseline (G = 128)', baseline * 8192], ['MLA latent (current)', latent * 8192]]);
    const factor = await page.evaluate(async () => {
      const { loadCore } = await import('/core/core.js');
      const core = await loadCore();
      return core.modelKvCache({ model: 'deepseek-v3', tokens: 8192 }).variants.find((v) => v.row === 'published').reductionVsMha;
    });
    assert.equal(factor, baseline / latent);
    const note = await page.textContent('#cache-note');
    assert.match(note, /^61 layers × 8,192 tokens × batch 1, f16\. Current MLA: 68\.6 KiB per token; 71\.1× smaller than its MHA baseline\.$/);
    assert.match(await page.textContent('#announcer'), /^MLA: KV cache 549 MiB; 71\.1× smaller than its MHA baseline\.$/);
    assert.match(await page.textContent('#cache-view'), /38\.1 GiB.*549 MiB\s*71\.1× smaller/);
    // nothing in Explore calls it MQA or H/G (the model picker lists other models' kinds, so it is left out)
    const explore = await page.evaluate(() => ['select[name=g]', '#heads-view', '#heatmap-view', '#cache-view', '#cache-note', '#announcer']
      .map((sel) => document.querySelector(sel).textContent + (document.querySelector(sel).querySelector('svg')?.getAttribute('aria-label') ?? '')).join(' '));
    assert.doesNotMatch(explore, /MQA|K\/V head \d|H\/G|137 KiB|137 GiB|128×/);
    assert.match(await page.getAttribute('#heads-view svg', 'aria-label'), /^128 query heads reading one shared MLA latent of 576 numbers \(512 compressed, 64 RoPE key\)$/);
    // the heatmaps' groups are the latent too
    assert.equal(await page.textContent('#heatmap-view .heatmap-group-title'), 'the latent');
    assert.equal(await page.textContent('#heatmap-view select option'), 'the latent: query heads 0–15 (of its 128)');
    // the Real-models table and the lesson's MLA answer say the same
    assert.match(await page.textContent('#models-view'), /DeepSeek-V3MLA61128latent576[0-9,]*68\.6 KiB/);
    const answer = await page.$$eval('.qa', (qs) => qs.find((q) => /What does MLA change/.test(q.textContent)).querySelector('.live').textContent);
    assert.match(answer, /DeepSeek-V3 caches 576 numbers per token per layer \(latent 512 \+ RoPE key 64\): 68\.6 KiB per token vs 4\.77 MiB for full K\/V on its 128 heads \(keys 128 \+ 64 RoPE wide, values 128\), 71\.1× smaller/);
    await page.locator('#explore').screenshot({ path: new URL(`explore-deepseek-v3-${width}.png`, OUT).pathname });
    // a GQA model: K/V-head counts to pick, H/G in the words, MHA / GQA / MQA bars as before
    await page.evaluate(() => { location.hash = '#model=llama-3.1-70b'; });
    await page.waitForFunction(() => /H\/G = 8× smaller than MHA/.test(document.getElementById('cache-note').textContent));
    assert.equal(await page.locator('select[name=g] option').count(), 7);
    assert.equal(await page.locator('#g-help').count(), 0);
    assert.deepEqual(await barBytes(page), [64, 8, 1].map((g) => kvBytes({ l: 80, g, d: 128, t: 8192 })));
    assert.match(await page.getAttribute('#heads-view svg', 'aria-label'), /^64 query heads reading 8 K\/V heads/);
    await page.locator('#explore').screenshot({ path: new URL(`explore-llama-3.1-70b-${width}.png`, OUT).pathname });
    assert.deepEqual(problems, clean);
    await context.close();
  }
});

/**
 * Each <text> of the SVGs under `selector`: its rendered font size in CSS px (the computed size
 * times the SVG's screen scale) and whether its box leaves the viewBox.
 */
const svgTexts = (page, selector) => page.$$eval(`${selector} svg text`, (texts) => texts.map((t) => {
  const ctm = t.getScreenCTM(), box = t.getBoundingClientRect(), frame = t.ownerSVGElement.getBoundingClientRect();
  return { text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * Math.hypot(ctm.a, ctm.b),
    outside: box.left < frame.left - 0.5 || box.top < frame.top - 0.5 || box.right > frame.right + 0.5 || box.bottom > frame.bottom + 0.5 };
}));

const SHAPES = [
  ['h8-g2', '#h=8&g=2'], ['h32-g8', '#h=32&g=8'], ['h64-g8', '#h=64&g=8'], ['h128-g8', '#h=128&g=8&d=128'],
  ['h128-g1-mqa', '#h=128&g=1'], ['h128-g128-mha', '#h=128&g=128'], ['deepseek-v3', '#model=deepseek-v3'],
];

test('head diagram: 1–128 heads of either kind read clearly at 375 and 1280 px, every text >= 11 px and inside', async () => {
  for (const width of [375, 1280]) {
    const { page, context, problems } = await h.open('/', { viewport: { width, height: 900 } });
    await ready(page);
    for (const [name, hash] of SHAPES) {
      await page.evaluate((x) => { location.hash = x; }, hash);
      // the diagram is redrawn when the core's snapshot for the form's H and G arrives (an MLA model: its latent)
      await page.waitForFunction((mla) => {
        const [H, G] = ['h', 'g'].map((k) => document.querySelector(`[name=${k}]`).value);
        return document.querySelector('#heads-view svg').getAttribute('aria-label').startsWith(`${H} query head${H === '1' ? '' : 's'} reading ${mla ? 'one shared MLA latent' : `${G} K/V head`}`);
      }, name === 'deepseek-v3');
      const [H, G] = await page.evaluate(() => [Number(document.querySelector('[name=h]').value), Number(document.querySelector('[name=g]').value)]);
      const texts = await svgTexts(page, '#heads-view');
      for (const t of texts) {
        assert.ok(t.px >= 11, `${name} at ${width} px: "${t.text}" is ${t.px.toFixed(1)} px`);
        assert.ok(!t.outside, `${name} at ${width} px: "${t.text}" leaves the diagram`);
      }
      const box = await page.$eval('#heads-view svg', (s) => { const r = s.getBoundingClientRect(); return { w: r.width, h: r.height, room: s.parentElement.clientWidth }; });
      assert.ok(box.w <= box.room + 0.5 && box.h >= 90, `${name} at ${width} px: ${box.w}×${box.h} in ${box.room}`);
      // every K/V head is drawn or counted in the fold; every drawn group holds all its query heads
      const drawn = await page.$$eval('#heads-view [data-group]', (gs) => gs.map((g) => g.querySelectorAll('.qhead').length));
      const folded = Number(await page.$eval('#heads-view svg', (s) => s.querySelector('.fold')?.dataset.folded ?? 0));
      assert.equal(drawn.length + folded, G, name);
      for (const n of drawn) assert.equal(n, H / G, name);
      assert.match(texts.map((t) => t.text).join(' '), name === 'deepseek-v3'
        ? /query heads \(researchers\): 128 .*latent .*one shared latent \(cached\): 576 numbers all 128 query heads rebuild K and V from it/
        : new RegExp(`query heads \\(researchers\\): ${H} .*K/V heads \\(filing cabinets\\): ${G}`));
      await page.locator('#heads-view').screenshot({ path: new URL(`heads-${name}-${width}.png`, OUT).pathname });
    }
    // the walkthrough's own diagrams (8 heads) obey the same sizes
    for (const t of await svgTexts(page, '#walk')) assert.ok(t.px >= 11 && !t.outside, `walkthrough at ${width} px: "${t.text}" ${t.px.toFixed(1)} px`);
    assert.deepEqual(problems, clean);
    await context.close();
  }
});

/** The core's causal weights (H, T, T) for the example at this shape, computed in the page. */
const coreWeights = (page, shape) => page.evaluate(async (s) => {
  const { loadCore } = await import('/core/core.js');
  const { exampleInputs } = await import('/app/example.js');
  const core = await loadCore();
  const { q, k, v } = exampleInputs({ ...s, tokens: 6 });
  return Array.from(core.attention({ q, k, v, ...s, causal: true, returnWeights: true }).weights);
}, shape);

test('heatmaps: at most 16 maps with a picker over the groups, axes named, labels >= 10 px, the core’s weights', async () => {
  for (const width of [390, 1280]) {
    const { page, context, problems } = await h.open('/#h=128&g=8&d=64', { viewport: { width, height: 900 } });
    await ready(page);
    // 128 heads on 8 K/V heads: 16 heads per group, so a selection is one group; 8 to pick from
    const options = await page.$$eval('#heatmap-view select option', (o) => o.map((x) => x.textContent));
    assert.equal(options.length, 8);
    assert.equal(options[5], 'K/V head 5: query heads 80–95');
    assert.equal(await page.locator('#heatmap-view .heatmap').count(), 16);
    await page.selectOption('#heatmap-view select', '5');
    await page.waitForFunction(() => document.querySelector('#heatmap-view .heatmap')?.dataset.head === '80');
    const drawn = await page.$$eval('#heatmap-view .heatmap', (maps) => maps.map((m) => [Number(m.dataset.head), [...m.querySelectorAll('rect')].map((r) => Number(r.dataset.w))]));
    const computed = await coreWeights(page, { nHeads: 128, nKvHeads: 8, headDim: 64 });
    assert.deepEqual(drawn.map(([i]) => i), [...Array(16)].map((_, n) => 80 + n));
    for (const [i, cells] of drawn) for (let c = 0; c < 36; c++) assert.equal(cells[c], computed[i * 36 + c], `head ${i} cell ${c}`);
    assert.deepEqual(await page.$$eval('#heatmap-view .heatmap-group', (gs) => gs.map((x) => x.dataset.group)), ['5']);
    // every map says which axis is which; token labels and titles are >= 10 px; the 0-1 scale stays
    const texts = await svgTexts(page, '#heatmap-view');
    assert.equal(texts.filter((t) => t.text === 'keys →').length, 16);
    assert.equal(texts.filter((t) => t.text === '← queries').length, 16);
    for (const t of texts) assert.ok(t.px >= 10 && !t.outside, `"${t.text}" ${t.px.toFixed(1)} px${t.outside ? ', outside' : ''} at ${width} px`);
    assert.match(await page.textContent('#heatmap-view .legend'), /weight 0\s*1/);
    await page.locator('[part~="view-heatmaps"]').screenshot({ path: new URL(`heatmaps-h128-g8-${width}.png`, OUT).pathname });
    // MQA with 128 heads: 16 heads of the one group at a time; MHA with 128: 16 groups of one
    for (const [name, hash, count, first] of [['h128-g1-mqa', '#h=128&g=1', 8, 'K/V head 0: query heads 0–15 (of its 128)'],
      ['h128-g128-mha', '#h=128&g=128', 8, 'K/V heads 0–15: query heads 0–15'], ['deepseek-v3', '#model=deepseek-v3', null, null]]) {
      await page.evaluate((x) => { location.hash = x; }, hash);
      await page.waitForFunction(() => document.querySelector('#heatmap-view .heatmaps')?.dataset.last - document.querySelector('#heatmap-view .heatmaps')?.dataset.first < 16
        && document.querySelector('#heads-view svg').getAttribute('aria-label').startsWith(`${document.querySelector('[name=h]').value} query head`));
      await page.waitForFunction((x) => document.querySelector('#heads-view svg').getAttribute('aria-label')
        .includes(x === '#model=deepseek-v3' ? 'reading one shared MLA latent' : `reading ${document.querySelector('[name=g]').value} K/V head`), hash);
      const opts = await page.$$eval('#heatmap-view select option', (o) => o.map((x) => x.textContent));
      if (count !== null) { assert.equal(opts.length, count, name); assert.equal(opts[0], first, name); }
      assert.ok(await page.locator('#heatmap-view .heatmap').count() <= 16, name);
      for (const t of await svgTexts(page, '#heatmap-view')) assert.ok(t.px >= 10 && !t.outside, `${name}: "${t.text}" at ${width} px`);
      await page.locator('[part~="view-heatmaps"]').screenshot({ path: new URL(`heatmaps-${name}-${width}.png`, OUT).pathname });
    }
    assert.deepEqual(problems, clean);
    await context.close();
  }
});

test('a 390 px phone: every text >= 11 px and uncut, wide tables scroll in their own box with a cue', async () => {
  const { page, context, problems } = await h.open('/#h=8&g=2&d=64&t=1024', { viewport: { width: 390, height: 900 } });
  await ready(page);
  await page.waitForSelector('#conversion-table tbody tr', { timeout: 60000 });
  // the measurement too: its caption and table at a phone's width
  await page.click('#measure');
  await page.waitForSelector('#measure-view .table-wrap', { timeout: 120000 });
  await page.waitForTimeout(300);  // the scroll hints settle after layout
  const texts = await pageTexts(page);
  assert.deepEqual(texts.filter((t) => t.px < 11).map((t) => `${t.text} (${t.px.toFixed(1)} px, ${t.where})`), []);
  assert.deepEqual(texts.filter((t) => t.cut).map((t) => `${t.text} (${t.where})`), []);
  assert.ok(texts.some((t) => t.text === 'random init'));
  assert.ok(await page.evaluate(() => document.scrollingElement.scrollWidth <= innerWidth), 'the page itself does not scroll sideways');
  // each table box: a "scroll →" cue exactly when its table is wider than the box; scrolling shows the last column.
  // A section below the screen is laid out only near it (content-visibility: auto): the reader comes to each box first
  for (const box of await page.$$('.table-box')) { await box.scrollIntoViewIfNeeded(); await page.waitForTimeout(100); }
  const boxes = await page.$$eval('.table-box', (bs) => bs.map((b) => {
    const w = b.querySelector('.table-wrap');
    return { caption: b.querySelector('.table-caption').textContent.slice(0, 30), overflows: w.scrollWidth > w.clientWidth + 1, cue: b.querySelector('.scroll-hint').checkVisibility() };
  }));
  for (const b of boxes) assert.equal(b.cue, b.overflows, `${b.caption}: cue ${b.cue}, overflows ${b.overflows}`);
  assert.equal(boxes.find((b) => b.caption.startsWith('Where it shows up')).overflows, true, 'the real-models table scrolls at 390 px');
  const models = page.locator('#models-view .table-wrap');
  await models.scrollIntoViewIfNeeded();
  await page.screenshot({ path: new URL('phone-390-models-table.png', OUT).pathname });
  await models.evaluate((w) => { w.scrollLeft = w.scrollWidth; });
  const last = await page.$eval('#models-view thead th:last-child', (th) => {
    const r = th.getBoundingClientRect(), w = th.closest('.table-wrap').getBoundingClientRect();
    return r.left >= w.left - 1 && r.right <= w.right + 1;
  });
  assert.ok(last, 'scrolled to the end, the last column (KV / token) is in the box');
  await page.screenshot({ path: new URL('phone-390-models-table-scrolled.png', OUT).pathname });
  await page.locator('#quality-lab').screenshot({ path: new URL('phone-390-quality.png', OUT).pathname });
  await page.locator('[part~="view-bench"]').screenshot({ path: new URL('phone-390-measure.png', OUT).pathname });
  assert.deepEqual(problems, clean);
  await context.close();
});
