// The same properties through the JS API, on random shapes: weight rows sum to 1, permuting the
// keys permutes the weights and keeps the output, outputs stay in the convex hull of V, scaling
// V scales the output, and the cache path agrees with prefill.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore } from 'gqa-playground';
import { randomArray } from './reference.mjs';

const core = await loadCore();

function* cases(n) {
  let s = 11;
  const next = (m) => { s = (s * 1103515245 + 12345) >>> 0; return 1 + (s >>> 8) % m; };
  for (let i = 0; i < n; i++) {
    const G = next(4), H = G * next(4), d = next(40), tk = next(30);
    yield { G, H, d, tk, tq: next(Math.min(tk, 5)), seed: i * 3 + 1 };
  }
}

test('rows sum to 1 and outputs lie in the convex hull of the visible V rows', () => {
  for (const c of cases(40)) {
    const q = randomArray(c.tq * c.H * c.d, c.seed, 3), k = randomArray(c.tk * c.G * c.d, c.seed + 1), v = randomArray(c.tk * c.G * c.d, c.seed + 2, 5);
    const r = core.attention({ q, k, v, nHeads: c.H, nKvHeads: c.G, headDim: c.d, causal: true, returnWeights: true });
    for (let h = 0; h < c.H; h++) {
      const g = Math.floor((h * c.G) / c.H);
      for (let i = 0; i < c.tq; i++) {
        let sum = 0;
        for (let j = 0; j < c.tk; j++) sum += r.weights[(h * c.tq + i) * c.tk + j];
        assert.ok(Math.abs(sum - 1) < 1e-5, JSON.stringify(c));
        const last = i + c.tk - c.tq;
        for (let e = 0; e < c.d; e++) {
          let mn = Infinity, mx = -Infinity;
          for (let j = 0; j <= last; j++) { mn = Math.min(mn, v[(j * c.G + g) * c.d + e]); mx = Math.max(mx, v[(j * c.G + g) * c.d + e]); }
          const y = r.out[(i * c.H + h) * c.d + e];
          assert.ok(y >= mn - 1e-5 && y <= mx + 1e-5, JSON.stringify(c));
        }
      }
    }
  }
});

test('permuting the keys permutes the weights and leaves the output unchanged', () => {
  for (const c of cases(25)) {
    const q = randomArray(c.tq * c.H * c.d, c.seed), k = randomArray(c.tk * c.G * c.d, c.seed + 1), v = randomArray(c.tk * c.G * c.d, c.seed + 2);
    const perm = [...Array(c.tk).keys()].reverse();
    const row = c.G * c.d;
    const kp = new Float32Array(k.length), vp = new Float32Array(v.length);
    perm.forEach((src, j) => { kp.set(k.subarray(src * row, (src + 1) * row), j * row); vp.set(v.subarray(src * row, (src + 1) * row), j * row); });
    const a = core.attention({ q, k, v, nHeads: c.H, nKvHeads: c.G, headDim: c.d, returnWeights: true });
    const b = core.attention({ q, k: kp, v: vp, nHeads: c.H, nKvHeads: c.G, headDim: c.d, returnWeights: true });
    for (let e = 0; e < a.out.length; e++) assert.ok(Math.abs(a.out[e] - b.out[e]) < 1e-5);
    for (let r = 0; r < c.H * c.tq; r++) for (let j = 0; j < c.tk; j++) assert.ok(Math.abs(b.weights[r * c.tk + j] - a.weights[r * c.tk + perm[j]]) < 1e-6);
  }
});

test('scaling V by 4 scales the output by 4 exactly; prefill and the cache agree', () => {
  for (const c of cases(25)) {
    const q = randomArray(c.tq * c.H * c.d, c.seed), k = randomArray(c.tk * c.G * c.d, c.seed + 1), v = randomArray(c.tk * c.G * c.d, c.seed + 2);
    const a = core.attention({ q, k, v, nHeads: c.H, nKvHeads: c.G, headDim: c.d, causal: true }).out;
    const b = core.attention({ q, k, v: v.map((x) => 4 * x), nHeads: c.H, nKvHeads: c.G, headDim: c.d, causal: true }).out;
    for (let e = 0; e < a.length; e++) assert.equal(b[e], 4 * a[e]);
    const kh = randomArray(c.tk * c.H * c.d, c.seed + 3), vh = randomArray(c.tk * c.H * c.d, c.seed + 4);
    const gqa = core.attention({ q, k: kh, v: vh, nHeads: c.H, nKvHeads: c.H, headDim: c.d, causal: true }).out;
    const cache = core.createKvCache({ nKvHeads: c.H, headDim: c.d, capacity: c.tk });
    cache.append(kh, vh);
    const viaCache = cache.attend(q, { nHeads: c.H });
    cache.delete();
    for (let e = 0; e < gqa.length; e++) assert.ok(Math.abs(gqa[e] - viaCache[e]) < 1e-5);
  }
});
