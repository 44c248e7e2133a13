// The playground page in headless Chromium: walkthrough by keyboard, views equal to the core's
// own numbers, permalinks, hostile hashes, accessibility (axe-core), phone layout, screenshots.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { startHarness } from './harness.mjs';

const require = createRequire(import.meta.url);
const OUT = new URL('../../test-output/', import.meta.url);
let h;
before(async () => { h = await startHarness(); await mkdir(OUT, { recursive: true }); });
after(async () => { await h?.close(); });

const ready = (page) => page.waitForFunction(() => document.documentElement.dataset.view === 'ready', null, { timeout: 20000 });
const clean = { console: [], failed: [], foreign: [] };

test('loads with no console error and no failed or cross-origin request, KaTeX from this site', async () => {
  const { page, context, problems } = await h.open('/');
  await ready(page);
  await page.waitForSelector('.katex');  // equations typeset
  assert.ok(await page.locator('.katex').count() >= 4);
  assert.ok(await page.locator('.qa').count() >= 8);
  assert.match(await page.textContent('#theory'), /decode_ranges\(isa, q \+ off, int\(m\), kv\.head\(g\)/);  // the core's own lines
  assert.deepEqual(problems, clean);
  await context.close();
});

test('all six walkthrough steps by keyboard, with the step in the URL', async () => {
  const { page, context, problems } = await h.open('/');
  await ready(page);
  await page.focus('#walk');
  const titles = [];
  for (let i = 0; i < 6; i++) {
    titles.push(await page.textContent('.step-title'));
    assert.equal(await page.textContent('.step-counter'), `Step ${i + 1} of 6`);
    await page.keyboard.press('ArrowRight');
  }
  assert.deepEqual(titles.map((t) => t.split('.')[0]), ['1', '2', '3', '4', '5', '6']);
  assert.match(page.url(), /step=6/);
  assert.match(titles[1], /MQA/);
  assert.match(titles[2], /GQA/);
  assert.match(titles[5], /MLA/);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  assert.match(await page.textContent('.step-title'), /^4\./);
  assert.equal(await page.locator('.step .heatmap').count(), 8);  // step 4 shows the example per head
  // the step buttons are reachable with Tab and work with Enter
  await page.focus('.step-nav .btn.primary');
  await page.keyboard.press('Enter');
  assert.match(await page.textContent('.step-title'), /^5\./);
  // step 5 compares the caches of the steps' kinds, named and coloured by the core's kind
  assert.deepEqual(await page.$$eval('.step .bar-row', (r) => r.map((x) => [x.dataset.label, x.querySelector('.bar-fill').className])),
    [['MHA (8 K/V heads)', 'bar-fill kind-mha'], ['GQA (2 K/V heads)', 'bar-fill kind-gqa'], ['MQA (1 K/V head)', 'bar-fill kind-mqa']]);
  assert.deepEqual(problems, clean);
  await context.close();
});

test('step 6, MLA: the latent diagram, the caches at DeepSeek-V3’s widths and the paths’ difference, as the core computes them', async () => {
  const { loadCore } = await import('gqa-playground');
  const { MLA_STEP, EXAMPLE_TOKENS } = await import('../../web/app/lesson.js');
  const { mlaExampleInputs } = await import('../../web/app/example.js');
  const core = await loadCore();
  const { page, context, problems } = await h.open('/#step=6&dtype=bf16');
  await ready(page);
  await page.waitForSelector('#walk .mla-facts');
  assert.match(await page.textContent('#walk .step-title'), /^6\. Multi-head latent attention \(MLA\)/);
  assert.match(await page.locator('#walk .mla-diagram').getAttribute('aria-label'), /one cached latent of 512 plus a 64-wide rotary key per token; each of 128 query heads/);
  // per token, all 61 layers, bf16: MHA 128 × (192 + 128), GQA-8, MQA, the 576-wide latent (hand-computed)
  const bars = await page.$$eval('#walk .bar-row', (r) => r.map((x) => [x.dataset.label, Number(x.dataset.bytes), x.querySelector('.bar-fill').className]));
  assert.deepEqual(bars, [
    ['MHA (128 K/V heads)', 61 * 128 * 320 * 2, 'bar-fill kind-mha'],
    ['GQA (8 K/V heads)', 61 * 8 * 320 * 2, 'bar-fill kind-gqa'],
    ['MQA (1 K/V head)', 61 * 320 * 2, 'bar-fill kind-mqa'],
    ['MLA (one 512 + 64 latent)', 61 * 576 * 2, 'bar-fill kind-mla'],
  ]);
  // the difference of the two paths is the core's, on the lesson's example
  const e = MLA_STEP.example, inputs = mlaExampleInputs({ ...e, tokens: EXAMPLE_TOKENS.length });
  const a = core.mlaAttention({ ...inputs, ...e, causal: true, absorb: false }).out, b = core.mlaAttention({ ...inputs, ...e, causal: true }).out;
  const delta = Math.max(...a.map((x, i) => Math.abs(x - b[i])));
  assert.ok(delta > 0 && delta < 1e-5);
  const text = await page.textContent('#walk .mla-facts');
  assert.ok(text.includes(`is ${delta.toExponential(1)} (`), text);
  assert.match(text, /DeepSeek-V3 caches 68\.6 KiB per token in bf16 where MHA on its 128 heads would cache 4\.77 MiB/);
  // the interview answer quotes the same difference
  const answer = await page.$$eval('.qa', (qs) => qs.find((q) => /What does MLA change/.test(q.textContent)).querySelector('.live').textContent);
  assert.ok(answer.includes(`explicit and absorbed paths differ by at most ${delta.toExponential(1)} on its example`), answer);
  await page.locator('#walk').screenshot({ path: new URL('walkthrough-step6-mla-1280.png', OUT).pathname });
  assert.deepEqual(problems, clean);
  await context.close();
});

test('changing G updates the cache bars to the core’s kvCacheBytes', async () => {
  const { page, context, problems } = await h.open('/#h=16&g=16&d=128&t=4096&l=24&b=2&dtype=int8');
  await ready(page);
  // the G options name the core's kind of each divisor of H
  assert.deepEqual(await page.$$eval('select[name=g] option', (o) => o.map((x) => x.textContent)),
    ['1 (MQA)', '2 (GQA, 8 per group)', '4 (GQA, 4 per group)', '8 (GQA, 2 per group)', '16 (MHA)']);
  for (const g of ['4', '2', '1', '8']) {
    await page.selectOption('select[name=g]', g);
    await page.waitForFunction((want) => document.querySelector('#cache-view .bar-row:nth-child(2)')?.dataset.label.includes(`GQA-${want}`) ||
      (want === '1' && !document.querySelector('#cache-view .bar-row:nth-child(3)')), g);
    const bars = await page.$$eval('#cache-view .bar-row', (rows) => rows.map((r) => [r.dataset.label, Number(r.dataset.bytes)]));
    const want = await page.evaluate(async (G) => {
      const { loadCore } = await import('/core/core.js');
      const core = await loadCore();
      const b = (n) => core.kvCacheBytes({ layers: 24, nKvHeads: n, headDim: 128, tokens: 4096, batch: 2, dtype: 'int8' });
      return { mha: b(16), cur: b(G), mqa: b(1) };
    }, Number(g));
    assert.equal(bars[0][1], want.mha);
    assert.equal(bars.at(-1)[1], want.mqa);
    if (g !== '1') assert.equal(bars[1][1], want.cur);
    assert.equal(want.mha, 2 * 24 * 16 * 128 * 4096 * 2);  // independent arithmetic
  }
  assert.deepEqual(problems, clean);
  await context.close();
});

test('the heatmap weights equal core.attention on the same input', async () => {
  const { page, context, problems } = await h.open('/#h=12&g=3&d=32');
  await ready(page);
  const drawn = await page.$$eval('#heatmap-view .heatmap', (maps) => maps.map((m) => [...m.querySelectorAll('rect')].map((r) => Number(r.dataset.w))));
  assert.equal(drawn.length, 12);
  const computed = await page.evaluate(async () => {
    const { loadCore } = await import('/core/core.js');
    const { exampleInputs } = await import('/app/example.js');
    const core = await loadCore();
    const shape = { nHeads: 12, nKvHeads: 3, headDim: 32 };
    const { q, k, v } = exampleInputs({ ...shape, tokens: 6 });
    return Array.from(core.attention({ q, k, v, ...shape, causal: true, returnWeights: true }).weights);
  });
  for (let head = 0; head < 12; head++) {
    for (let i = 0; i < 36; i++) assert.equal(drawn[head][i], computed[head * 36 + i], `head ${head} cell ${i}`);
    for (let row = 0; row < 6; row++) {  // and they are a causal softmax: rows sum to 1, future keys 0
      const r = drawn[head].slice(row * 6, row * 6 + 6);
      assert.ok(Math.abs(r.reduce((a, b) => a + b) - 1) < 1e-5);
      for (let col = row + 1; col < 6; col++) assert.equal(r[col], 0);
    }
  }
  // heads that share a K/V head are drawn together
  assert.deepEqual(await page.$$eval('.heatmap-group', (gs) => gs.map((g) => g.querySelectorAll('.heatmap').length)), [4, 4, 4]);
  assert.deepEqual(problems, clean);
  await context.close();
});

test('a permalink round-trips the reader’s state', async () => {
  const { page, context } = await h.open('/');
  await ready(page);
  await page.fill('input[name=h]', '24');
  await page.press('input[name=h]', 'Tab');
  await page.waitForFunction(() => document.querySelector('select[name=g] option[value="24"]'));
  await page.selectOption('select[name=g]', '6');
  await page.selectOption('select[name=dtype]', 'fp8');
  await page.fill('input[name=t]', '65536');
  await page.press('input[name=t]', 'Tab');
  await page.waitForFunction(() => location.hash.includes('t=65536'));
  // the bars are redrawn when the core's answer for the new state arrives
  await page.waitForFunction(() => /65,536 tokens × batch 1, fp8/.test(document.getElementById('cache-note').textContent));
  const url = page.url();
  const bytes = await page.$$eval('#cache-view .bar-row', (r) => r.map((x) => x.dataset.bytes));
  const second = await h.open(url.slice(h.origin.length));
  await ready(second.page);
  await second.page.waitForFunction(() => /65,536 tokens × batch 1, fp8/.test(document.getElementById('cache-note').textContent));
  assert.equal(await second.page.inputValue('input[name=h]'), '24');
  assert.equal(await second.page.inputValue('select[name=g]'), '6');
  assert.equal(await second.page.inputValue('select[name=dtype]'), 'fp8');
  assert.equal(await second.page.inputValue('input[name=t]'), '65536');
  assert.deepEqual(await second.page.$$eval('#cache-view .bar-row', (r) => r.map((x) => x.dataset.bytes)), bytes);
  await second.context.close();
  await context.close();
});

test('a real-model pick fills in the controls from the catalog', async () => {
  const { page, context } = await h.open('/');
  await ready(page);
  await page.selectOption('select[name=model]', 'llama-3.1-70b');
  await page.waitForFunction(() => location.hash.includes('model=llama-3.1-70b'));
  assert.equal(await page.inputValue('input[name=h]'), '64');
  assert.equal(await page.inputValue('select[name=g]'), '8');
  assert.equal(await page.inputValue('input[name=l]'), '80');
  await context.close();
});

test('a hostile hash is ignored safely: no script runs, values clamped', async () => {
  const hostile = [
    '#h=<script>window.__pwned=1</script>&g=99999999999&d=-5&dtype=<img src=x onerror="window.__pwned=1">&t=1e400&theme=javascript:alert(1)',
    '#h=9999&g=0&l=-1&b=NaN&model=%3Csvg%20onload%3Dalert(1)%3E&step=77',
    '#' + 'h=8&'.repeat(500) + '%E0%A4%A',
  ];
  for (const hash of hostile) {
    const { page, context, problems } = await h.open('/' + hash);
    let dialogs = 0;
    page.on('dialog', (d) => { dialogs++; d.dismiss(); });
    await ready(page);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(dialogs, 0);
    assert.equal(await page.locator('main script, main img').count(), 0);
    const h2 = Number(await page.inputValue('input[name=h]'));
    assert.ok(h2 >= 1 && h2 <= 128, `h clamped: ${h2}`);
    const g = Number(await page.inputValue('select[name=g]'));
    assert.ok(g >= 1 && h2 % g === 0);
    assert.ok(['f32', 'f16', 'bf16', 'fp8', 'int8', 'int4'].includes(await page.inputValue('select[name=dtype]')));
    assert.deepEqual(problems, clean, hash);
    await context.close();
  }
});

test('axe-core reports no violations in light and dark', async () => {
  const axeSource = require.resolve('axe-core/axe.min.js');
  for (const colorScheme of ['light', 'dark']) {
    const context = await h.browser.newContext({ colorScheme, bypassCSP: true, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(h.origin + '/#step=4');
    await ready(page);
    await page.waitForSelector('.katex');
    await page.addScriptTag({ path: axeSource });
    const result = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
      .map((v) => `${v.id}: ${v.nodes.length} × ${v.nodes[0]?.target.join(' ')}`));
    assert.deepEqual(result, [], colorScheme);
    await context.close();
  }
});

test('a 375 px phone has no horizontal scroll; screenshots saved', async () => {
  const phone = await h.open('/', { viewport: { width: 375, height: 812 }, colorScheme: 'light' });
  await ready(phone.page);
  assert.deepEqual(await phone.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]), [375, 375]);
  await phone.page.screenshot({ path: new URL('phone.png', OUT).pathname, fullPage: true });
  await phone.context.close();
  for (const colorScheme of ['light', 'dark']) {
    const d = await h.open('/', { colorScheme });
    await ready(d.page);
    await d.page.screenshot({ path: new URL(`desktop-${colorScheme}.png`, OUT).pathname, fullPage: true });
    await d.context.close();
  }
});

test('a sliding-window model shows the capped and the uncapped cache', async () => {
  const { page, context, problems } = await h.open('/#model=mistral-7b&h=32&g=8&d=128&l=32&t=32768');
  await ready(page);
  const bytes = await page.$$eval('#cache-view .bar-row', (r) => r.map((x) => Number(x.dataset.bytes)));
  assert.equal(bytes[1], 2 * 32 * 8 * 128 * 4096 * 2);  // capped at the 4096-token window
  assert.match(await page.textContent('#cache-note'), /4,096-token sliding window caps the cache at 4,096 tokens per sequence: 512 MiB instead of 4 GiB uncapped/);
  assert.deepEqual(problems, clean);
  await context.close();
});

test('without WebAssembly the page says so clearly', async () => {
  const context = await h.browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => { delete window.WebAssembly; });
  await page.goto(h.origin + '/');
  await page.waitForFunction(() => document.getElementById('core-status').dataset.state === 'error');
  // (Web Workers are optional since the core client can run on the main thread: embed.test.mjs)
  assert.match(await page.textContent('#core-status'), /This browser has no WebAssembly, which the playground needs to compute anything/);
  await context.close();
});

test('Measure on this machine: one setup for bars and table, MLA beside MHA/GQA/MQA, a regime sentence that matches its numbers, cancel', async () => {
  const { page, context, problems } = await h.open('/#h=8&g=2&d=64&t=1024&dtype=f16');
  await ready(page);
  await page.click('#measure');
  assert.equal(await page.isVisible('#measure-cancel'), true);
  await page.waitForFunction(() => document.querySelectorAll('#measure-view .bar-row').length === 4, null, { timeout: 60000 });
  const bars = await page.$$eval('#measure-view .bar-row', (r) => r.map((x) => ({ label: x.dataset.label, ms: Number(x.dataset.bytes) / 1e6,
    value: x.querySelector('.bar-value').firstChild.textContent, factor: x.querySelector('.bar-factor')?.textContent, note: x.querySelector('.bar-note').textContent })));
  assert.deepEqual(bars.map((b) => b.label), ['MHA', 'GQA-2', 'MQA', 'MLA (absorbed)']);
  for (const b of bars) {
    assert.match(b.note, /^[\d.]+ (KiB|MiB) read · \d+% of the roofline \((memory|compute)-bound\) · SIMD [\d.]+× faster than scalar$/);
    // times at three significant digits, never padded ("7.500 ms")
    assert.match(b.value, /^\d+(\.\d+)? (µs|ms|s)$/);
    assert.ok(!/\.\d*0 /.test(b.value), b.value);
  }
  const mha = bars[0];
  for (const b of bars.slice(1)) {
    const f = mha.ms / b.ms;
    assert.equal(b.factor, f >= 1 ? `${+f.toPrecision(3)}× faster` : `${+(1 / f).toPrecision(3)}× slower`);
  }
  const text = await page.textContent('#measure-view');
  // the setup is stated once
  assert.equal(text.match(/T = 1,024 cached tokens/g).length, 1);
  assert.match(text, /H = 8, head_dim 64, T = 1,024 cached tokens, f16 cache, WebAssembly relaxed SIMD \(fused multiply-add\) kernels/);
  // the regime sentence: chosen from GQA-2 against MQA, as measured, quoting those numbers
  const r = await page.$eval('#measure-view [data-regime]', (p) => ({ regime: p.dataset.regime, bytes: Number(p.dataset.bytesRatio), speed: Number(p.dataset.speedup), text: p.textContent }));
  const [gqa, mqa] = [bars[1], bars[2]];
  assert.equal(r.bytes, 2);
  assert.ok(Math.abs(r.speed - gqa.ms / mqa.ms) < 1e-9);
  const share = r.speed > 1 ? Math.log(r.speed) / Math.log(r.bytes) : 0;
  assert.equal(r.regime, share >= 0.6 ? 'memory' : share <= 0.25 ? 'compute' : 'between');
  assert.ok(r.text.startsWith({ memory: 'Memory-bound here', compute: 'Compute-bound here', between: 'Between the two limits here' }[r.regime]));
  assert.ok(r.text.includes(`(${mqa.value} against ${gqa.value})`), r.text);
  if (r.speed >= 1.05) assert.ok(r.text.includes(`${+r.speed.toPrecision(3)}× faster`), r.text);
  // MLA: the latent's bytes against MHA's from the core's step cost, and its measured time
  const mla = await page.textContent('#measure-view [data-mla]');
  const mlaBytes = 1024 * 576 * 2, mhaBytes = 2 * 8 * 64 * 1024 * 2;
  assert.match(mla, new RegExp(`512 \\+ 64 numbers per token \\(DeepSeek-V3's latent, f16\\): ${+(mhaBytes / mlaBytes).toPrecision(3)}× fewer bytes than MHA and ${+(mlaBytes / (mhaBytes / 8)).toPrecision(3)}× more than MQA`));
  assert.ok(mla.includes(`took ${bars[3].value}, ${bars[3].factor} than MHA`), mla);
  // the parallel table's 1-worker rows are the bars' own times
  const ones = await page.$$eval('#measure-view table.parallel tbody tr', (rows) => rows.filter((tr) => tr.cells[2].textContent.startsWith('1 ')).map((tr) => [tr.cells[0].textContent, tr.cells[3].textContent]));
  assert.deepEqual(ones, [['GQA-2', gqa.value], ['MQA', mqa.value]]);
  assert.equal(await page.isVisible('#measure-cancel'), false);
  // cancel part-way
  await page.click('#measure');
  await page.click('#measure-cancel');
  assert.match(await page.textContent('#measure-view'), /Measurement cancelled/);
  assert.equal(await page.isEnabled('#measure'), true);
  assert.deepEqual(problems, clean);
  await context.close();
});

test('recovery: an aborted core and a crashed worker are replaced, state kept, a short notice shown', async () => {
  const { page, context, problems } = await h.open('/?debug=1#h=16&g=4&d=64&t=2048&l=12');
  await ready(page);
  const bytesBefore = await page.$$eval('#cache-view .bar-row', (r) => r.map((x) => x.dataset.bytes));
  // 1. the WASM instance traps: the call fails cleanly, the next one works on a fresh instance
  const name = await page.evaluate(() => window.__gqaDebug.abort().then(() => 'no error', (e) => e.name));
  assert.equal(name, 'CoreAbortedError');
  await page.selectOption('select[name=g]', '2');
  await page.waitForFunction(() => document.querySelector('#cache-view .bar-row:nth-child(2)')?.dataset.label.includes('GQA-2'));
  assert.equal(Number((await page.$$eval('#cache-view .bar-row', (r) => r.map((x) => x.dataset.bytes)))[1]), 2 * 12 * 2 * 64 * 2048 * 2);
  // 2. the worker itself dies: a new one serves the same state, and the page says so
  await page.evaluate(() => window.__gqaDebug.crash());
  await page.waitForSelector('#notice:not([hidden])');
  assert.match(await page.textContent('#notice'), /restarted\. Your settings are kept\./);
  await page.selectOption('select[name=g]', '4');
  await page.waitForFunction(() => document.querySelector('#cache-view .bar-row:nth-child(2)')?.dataset.label.includes('GQA-4'));
  assert.deepEqual(await page.$$eval('#cache-view .bar-row', (r) => r.map((x) => x.dataset.bytes)), bytesBefore);
  assert.equal(await page.inputValue('input[name=h]'), '16');
  // the one expected line: the core saying once that it aborted
  assert.deepEqual(problems.console.filter((m) => !/the WebAssembly core aborted/.test(m)), []);
  assert.ok(problems.console.filter((m) => /the WebAssembly core aborted/.test(m)).length <= 1);
  assert.deepEqual(problems.failed, []);
  await context.close();
});

test('fuzzing the URL hash and the controls: no script, no crash, no console error, state clamped', async () => {
  const { page, context, problems } = await h.open('/');
  await ready(page);
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs++; d.dismiss(); });
  let s = 20261128;
  const rnd = (n) => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s % n; };
  const keys = ['h', 'g', 'd', 't', 'l', 'b', 'dtype', 'model', 'step', 'theme', '__proto__', 'constructor', 'x', ''];
  const values = ['8', '0', '-1', '1e9', '99999999999999999999', 'NaN', 'Infinity', '3.5', '0x10', ' 7', '<script>window.__pwned=1</script>',
    '"><img src=x onerror=window.__pwned=1>', 'javascript:window.__pwned=1', '%00', '%E0%A4%A', '\u202e\u0000', 'f16', 'int4', 'llama-3.1-70b',
    'x'.repeat(600), '../../etc/passwd', '{"h":1}', '&&&', '==='];
  for (let i = 0; i < 40; i++) {
    const parts = Array.from({ length: 1 + rnd(6) }, () => `${keys[rnd(keys.length)]}=${encodeURIComponent(values[rnd(values.length)])}`);
    if (rnd(4) === 0) parts.push(values[rnd(values.length)]);  // raw junk, not even key=value
    await page.evaluate((hash) => { location.hash = hash; }, parts.join('&'));
    await page.waitForTimeout(30);
  }
  await page.waitForFunction(() => document.querySelectorAll('#cache-view .bar-row').length > 0);
  const junk = ['-5', '1e9', '99999999999999', '', '2.5', '-0', '1e-3'];  // what a number input can hold
  for (const [i, value] of junk.entries()) {
    for (const name of ['h', 't', 'l', 'b']) {
      await page.fill(`input[name=${name}]`, '').catch(() => {});
      await page.evaluate(([n, v]) => {  // type=number inputs refuse letters from fill(); set like a paste would
        const input = document.querySelector(`input[name=${n}]`);
        input.value = v;
        input.dispatchEvent(new Event('change', { bubbles: true }));
      }, [name, value]);
    }
    if (i % 2) await page.selectOption('select[name=g]', { index: 0 });
  }
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(dialogs, 0);
  assert.equal(await page.locator('main script, main img, main iframe').count(), 0);
  const st = await page.evaluate(() => ['h', 't', 'l', 'b'].map((n) => Number(document.querySelector(`input[name=${n}]`).value)));
  const [hh, tt, ll, bb] = st;
  assert.ok(hh >= 1 && hh <= 128 && tt >= 1 && tt <= 1048576 && ll >= 1 && ll <= 256 && bb >= 1 && bb <= 1024, JSON.stringify(st));
  assert.ok(hh % Number(await page.inputValue('select[name=g]')) === 0);
  const bytes = await page.$$eval('#cache-view .bar-row', (r) => r.map((x) => Number(x.dataset.bytes)));
  assert.ok(bytes.length >= 1 && bytes.every((b) => Number.isFinite(b) && b > 0));
  assert.deepEqual(problems, clean);
  await context.close();
});
