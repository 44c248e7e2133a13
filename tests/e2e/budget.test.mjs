// "Serving it on accelerators" on the page, and imported models that survive a reload: the budget
// form writes the URL, the sentences and the table carry the solver's figures (checked here against
// arithmetic from the published configs and the catalog's parameter counts), at H = 8 (custom: no
// model), 64, 128 and an MLA model, at 390 px; a pasted config travels in the URL with its record.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { clean, pageTexts, ready, startHarness } from './harness.mjs';
import { formatDecimalBytes } from '../../web/lib/format.js';

const FIXTURES = new URL('../fixtures/configs/', import.meta.url);
let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const text = (page, key) => page.$eval(`#budget-view [data-budget=${key}]`, (e) => e.textContent);
const GB = 1e9;

test('Llama 3.1 70B on 4 × H100: weights per device, K/V heads per device, paged blocks and a shared prompt', async () => {
  // 70.6e9 parameters (the catalog's) in bf16 over 4 devices; 80 GB each, 10% kept free
  const weights = 70.6e9 * 2 / 4, usable = 80 * GB * 0.9;
  // 80 layers, 8 K/V heads of 128 split 2 per device, K and V, f16: bytes per token per device
  const perToken = 80 * 2 * 128 * 2 * 2;
  const T = 8000, batch = 8, prefix = 2000, block = 16;
  // each sequence's own 6,000 tokens in 16-token blocks (375 blocks exactly); the prompt's 2,000 (125 blocks) once
  const request = batch * Math.ceil((T - prefix) / block) * block * perToken + Math.ceil(prefix / block) * block * perToken;
  const unshared = batch * T * perToken;
  const maxBatch = Math.floor((usable - weights) / (T * perToken));
  const { page, context, problems } = await h.open(`/#model=llama-3.1-70b&t=${T}&b=${batch}&device=h100-80gb&gpus=4&prefix=${prefix}`,
    { viewport: { width: 390, height: 900 } });
  await ready(page);
  await page.waitForSelector('#budget-view [data-budget=weights]');
  const w = await text(page, 'weights');
  assert.ok(w.includes(`take ${formatDecimalBytes(weights)} per device of the ${formatDecimalBytes(usable)} usable (10% kept free), leaving ${formatDecimalBytes(usable - weights)} per device`), w);
  assert.match(await text(page, 'split'), new RegExp(`each device 2 of the 8 K/V heads: ${formatDecimalBytes(perToken)} per token`));
  const r = await text(page, 'request');
  assert.ok(r.includes(`8 sequences of 8,000 tokens in f16: in 16-token blocks ${formatDecimalBytes(request)} per device`), r);
  assert.ok(r.includes(`stored once (${formatDecimalBytes(125 * 16 * perToken)}), not 8 times: ${formatDecimalBytes(request)} instead of ${formatDecimalBytes(unshared)}`), r);
  assert.match(r, /It fits\.$/);
  const published = await page.$eval('#budget-view tr[data-row=published]', (tr) => [...tr.cells].map((c) => c.textContent));
  // the solver's max batch pages each sequence too, and shares the prompt: at least the unshared, unpaged count
  assert.ok(Number(published[1].replace(/,/g, '')) >= maxBatch, `${published[1]} >= ${maxBatch}`);
  assert.equal(published[3], 'yes');
  // the form wrote the URL; a change of device goes there too and the figures follow
  await page.selectOption('#budget-view select[name=device]', 'a100-40gb');
  await page.waitForFunction(() => location.hash.includes('device=a100-40gb'));
  await page.waitForFunction(() => document.querySelector('#budget-view [data-budget=weights]').textContent.includes('A100'));
  assert.ok((await text(page, 'weights')).includes(`of the ${formatDecimalBytes(40 * GB * 0.9)} usable`));
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390, 'no horizontal scroll');
  const texts = await pageTexts(page, '#budget-view');
  assert.deepEqual(texts.filter((t) => t.px < 11).map((t) => `${t.text} (${t.px.toFixed(1)} px)`), []);
  assert.deepEqual(texts.filter((t) => t.cut).map((t) => t.text), []);
  assert.deepEqual(problems, clean);
  await context.close();
});

test('at H = 8 (custom), 128 heads past their K/V heads, an MLA latent, and weights that do not fit', async () => {
  const { page, context, problems } = await h.open('/', { viewport: { width: 390, height: 900 } });
  await ready(page);
  assert.match(await text(page, 'missing'), /Pick a published model above/);
  // the interview question on serving more users quotes the solver: Llama 3.1 70B on 4 × H100 at 8,192 tokens,
  // 36.7 GB per device left for K/V of 80 layers · 2 · 128 · 2 bytes · (16, 2 or 1 heads per device) per token
  const left = 80e9 * 0.9 - 70.6e9 * 2 / 4, fits = (heads) => Math.floor(left / (80 * 2 * 128 * 2 * heads * 8192));
  const live = await page.$$eval('.qa', (qs) => qs.find((q) => /more users at once/.test(q.textContent)).querySelector('.live').textContent);
  assert.ok(live.includes(`MHA (64 K/V heads) fits ${fits(16)} sequences`) && live.includes(`its GQA-8 fits ${fits(2)} (`) && live.includes(`MQA fits ${fits(1)} (`), live);
  // Llama 3.1 405B: 128 query heads, 8 K/V heads; 16 devices copy each K/V head twice
  await page.evaluate(() => { location.hash = '#model=llama-3.1-405b&gpus=16&device=h200'; });
  await page.waitForFunction(() => document.querySelector('#budget-view [data-budget=split]')?.textContent.includes('copied'));
  assert.match(await text(page, 'split'), new RegExp(`each device 1 of the 8 K/V heads, and with more devices than K/V heads each head is copied to 2 devices: ${formatDecimalBytes(126 * 1 * 128 * 2 * 2)} per token`));
  // DeepSeek-V3 (MLA, 128 heads): the latent is on every device, 61 layers × 576 × 2 bytes per token
  await page.evaluate(() => { location.hash = '#model=deepseek-v3&gpus=8&device=h200&wdtype=fp8'; });
  await page.waitForFunction(() => document.querySelector('#budget-view [data-budget=split]')?.textContent.includes('latent'));
  assert.match(await text(page, 'split'), new RegExp(`each of the 8 devices keeps the whole latent, ${formatDecimalBytes(61 * 576 * 2)} per token`));
  // one RTX 4090 cannot hold Llama 3.1 70B's bf16 weights
  await page.evaluate(() => { location.hash = '#model=llama-3.1-70b&device=rtx-4090'; });
  await page.waitForFunction(() => document.querySelector('#budget-view [data-budget=weights]')?.textContent.includes('do not fit'));
  assert.equal(await page.$$eval('#budget-view [data-budget=request]', (n) => n.length), 0);
  // H = 32: Llama 3.1 8B on one H100, bf16 weights (8.03e9 · 2 bytes), all 8 K/V heads on the device
  await page.evaluate(() => { location.hash = '#model=llama-3.1-8b'; });
  await page.waitForFunction(() => document.querySelector('#budget-view [data-budget=weights]')?.textContent.includes('Llama 3.1 8B'));
  assert.ok((await text(page, 'weights')).includes(`take ${formatDecimalBytes(8.03e9 * 2)} of the ${formatDecimalBytes(72 * GB)} usable`));
  assert.match(await text(page, 'split'), new RegExp(`One device holds the whole cache \\(8 K/V heads\\): ${formatDecimalBytes(32 * 2 * 8 * 128 * 2)} per token`));
  // a prefix longer than T: the solver's refusal, naming the field
  await page.evaluate(() => { location.hash = '#model=llama-3.1-8b&t=1000&prefix=2000'; });
  await page.waitForFunction(() => document.querySelector('#budget-view [data-budget=error]'));
  assert.match(await text(page, 'error'), /sharedPrefix \(2000\)/);
  assert.deepEqual(problems, clean);
  await context.close();
});

test('a pasted config.json survives a reload: its record is in the URL, and its parameter count can be given', async () => {
  const { page, context, problems } = await h.open('/', { viewport: { width: 390, height: 900 } });
  await ready(page);
  const config = await readFile(new URL('gemma-3-12b.json', FIXTURES), 'utf8');
  await page.click('#config-import summary');
  await page.fill('#config-text', config);
  await page.click('#config-add');
  await page.waitForFunction(() => location.hash.includes('record='));
  // the URL changes with the state; the panel follows once the core's snapshot for it is drawn
  await page.waitForSelector('#budget-params');
  assert.match(await text(page, 'missing'), /states no parameter count/);
  await page.fill('#budget-params', '11.77');
  await page.click('#budget-params-use');
  // 11.77e9 parameters in bf16 on one H100
  await page.waitForFunction(() => document.querySelector('#budget-view [data-budget=weights]'));
  assert.ok((await text(page, 'weights')).includes(`take ${formatDecimalBytes(11.77e9 * 2)} of the`));
  const url = page.url();
  await context.close();

  // a fresh page from the link: the model, its layout and its parameter count are back
  const again = await h.open(url.slice(h.origin.length), { viewport: { width: 390, height: 900 } });
  await ready(again.page);
  await again.page.waitForSelector('#layout-view .layer-strip');
  assert.equal(await again.page.$eval('#controls select[name=model]', (s) => s.value), 'config-gemma3');
  assert.deepEqual(await again.page.$$eval('#layout-view .layer-cell', (c) => c.length), 48);
  assert.ok((await text(again.page, 'weights')).includes(`take ${formatDecimalBytes(11.77e9 * 2)} of the`));
  assert.deepEqual(again.problems, clean);
  await again.context.close();

  // a tampered record is refused by the core, naming the field, and the page says so
  const bad = await h.open('/#model=config-gemma3&record=eyJpZCI6ImNvbmZpZy1nZW1tYTMiLCJsYXllcnMiOjB9', { viewport: { width: 390, height: 900 } });
  await ready(bad.page);
  await bad.page.waitForSelector('#notice:not([hidden])');
  assert.match(await bad.page.$eval('#notice', (e) => e.textContent), /record for model "config-gemma3" was refused: .*model\.(layerPattern|layers)/);
  assert.deepEqual(problems, clean);
  await bad.context.close();
});
