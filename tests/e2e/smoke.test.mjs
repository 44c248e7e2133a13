// The served dist/ in headless Chromium: the page loads, the core reports ready in its worker,
// nothing goes wrong on the way, and nothing is fetched from another origin.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './harness.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

test('the page loads, the core is ready, no console error, no failed or cross-origin request', async () => {
  const { page, context, problems } = await h.open('/');
  await page.waitForFunction(() => document.documentElement.dataset.core === 'ready', null, { timeout: 20000 });
  // Chromium runs relaxed SIMD (on by default since 114): the loader picks that build and says so
  assert.equal(await page.getAttribute('html', 'data-core-variant'), 'relaxed');
  assert.match(await page.textContent('#core-status'), /Core ready: WebAssembly relaxed SIMD \(fused multiply-add\) kernels\./);
  const csp = (await page.request.get(h.origin + '/')).headers()['content-security-policy'];
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.deepEqual(problems, { console: [], failed: [], foreign: [] });
  await context.close();
});

test('the core computes the same numbers in the browser as the float64 reference', async () => {
  const { page, context, problems } = await h.open('/');
  await page.waitForFunction(() => document.documentElement.dataset.core === 'ready', null, { timeout: 20000 });
  const { reference, got } = await page.evaluate(async () => {
    const { loadCore } = await import('/core/core.js');
    const core = await loadCore();
    // two query heads share one K/V head over two keys: weights are a softmax of q·k/sqrt(2)
    const q = new Float32Array([1, 0, 0, 1]), k = new Float32Array([1, 0, 0, 2]), v = new Float32Array([10, 0, 0, 10]);
    const r = core.attention({ q, k, v, nHeads: 2, nKvHeads: 1, headDim: 2, returnWeights: true });
    const s = Math.SQRT1_2;
    const w0 = [Math.exp(s), 1].map((x, _, a) => x / (a[0] + a[1]));
    const w1 = [1, Math.exp(2 * s)].map((x, _, a) => x / (a[0] + a[1]));
    return { got: Array.from(r.weights), reference: [...w0, ...w1] };
  });
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(got[i] - reference[i]) < 1e-6, `weight ${i}: ${got[i]} vs ${reference[i]}`);
  assert.deepEqual(problems, { console: [], failed: [], foreign: [] });
  await context.close();
});
