// Learned sink logits through the JS API, both builds: prefill and the cache against the JS
// float64 reference, sinks far above and far below every score, weights summing to < 1, refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomArray, referenceAttention, worstRatio } from './reference.mjs';
import { variants } from './variants.mjs';

const H = 8, G = 2, d = 12, T = 40;
const q = randomArray(T * H * d, 1, 2), k = randomArray(T * G * d, 2), v = randomArray(T * G * d, 3);
// head 1 far above every score (attends to nothing), head 2 far below (plain softmax)
const sinkLogits = Float32Array.from([0.5, 1000, -1000, -1, 2, 0, 3, -2]);

for (const core of variants) {
  test(`${core.variant}: prefill with sinkLogits matches the reference and its weights sum to < 1`, () => {
    const args = { q, k, v, nHeads: H, nKvHeads: G, headDim: d, causal: true, sinkLogits };
    const { out, weights } = core.attention({ ...args, returnWeights: true });
    const want = referenceAttention(args);
    const worst = worstRatio(out, want.out, want.tol, d);
    assert.ok(worst <= 1, `worst |Δ|/tol = ${worst}`);
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < T; i++) {
        let sum = 0;
        for (let j = 0; j < T; j++) sum += weights[(h * T + i) * T + j];
        if (h === 1) assert.equal(sum, 0, `head 1 (sink 1000) attends to nothing, Σw = ${sum}`);
        else if (h === 2) assert.ok(Math.abs(sum - 1) < 1e-5, `head 2 (sink -1000) Σw = ${sum}`);
        else assert.ok(sum < 1, `head ${h} query ${i}: Σw = ${sum}`);
      }
    }
  });

  test(`${core.variant}: cache.attend with sinkLogits equals the reference, token by token and all at once`, () => {
    const cache = core.createKvCache({ nKvHeads: G, headDim: d, capacity: T });
    const want = referenceAttention({ q, k, v, nHeads: H, nKvHeads: G, headDim: d, causal: true, sinkLogits });
    const out = new Float32Array(q.length);
    for (let t = 0; t < T; t++) {
      cache.append(k.subarray(t * G * d, (t + 1) * G * d), v.subarray(t * G * d, (t + 1) * G * d));
      out.set(cache.attend(q.subarray(t * H * d, (t + 1) * H * d), { nHeads: H, sinkLogits }), t * H * d);
    }
    assert.ok(worstRatio(out, want.out, want.tol, d) <= 1);
    assert.ok(worstRatio(cache.attend(q, { nHeads: H, sinkLogits }), want.out, want.tol, d) <= 1);
    cache.delete();
  });

  test(`${core.variant}: attendPartial over two halves, merged with sinkLogits, equals attend with them`, () => {
    const want = referenceAttention({ q, k, v, nHeads: H, nKvHeads: G, headDim: d, causal: true, sinkLogits });
    const q1 = q.subarray((T - 1) * H * d), half = (T / 2) * G * d;
    const parts = [0, 1].map((p) => {
      const c = core.createKvCache({ nKvHeads: G, headDim: d, capacity: T / 2 });
      c.append(k.subarray(p * half, (p + 1) * half), v.subarray(p * half, (p + 1) * half));
      const r = c.attendPartial(q1, { nHeads: H });
      c.delete();
      return r;
    });
    const merged = core.mergeAttention(parts, { nHeads: H, headDim: d, sinkLogits });
    const worst = worstRatio(merged, want.out.subarray((T - 1) * H * d), want.tol.subarray((T - 1) * H), d);
    assert.ok(worst <= 1, `worst |Δ|/tol = ${worst}`);
    assert.throws(() => core.mergeAttention(parts, { nHeads: H, headDim: d, sinkLogits: new Float32Array(2) }), { name: 'RangeError', message: /^sinkLogits\.length \(2\) must be 8/ });
  });

  test(`${core.variant}: bad sinkLogits are refused naming the field, and the core stays usable`, () => {
    const args = { q, k, v, nHeads: H, nKvHeads: G, headDim: d };
    assert.throws(() => core.attention({ ...args, sinkLogits: new Float32Array(3) }), { name: 'RangeError', message: /^sinkLogits\.length \(3\) must be 8/ });
    assert.throws(() => core.attention({ ...args, sinkLogits: [0, 0, 0, 0, 0, 0, 0, 0] }), { name: 'TypeError', message: /^sinkLogits \(Array\(8\)\) must be a Float32Array/ });
    const nan = sinkLogits.slice();
    nan[5] = NaN;
    assert.throws(() => core.attention({ ...args, sinkLogits: nan }), { name: 'RangeError', message: 'sinkLogits[5] (NaN) must be a finite number' });
    const cache = core.createKvCache({ nKvHeads: G, headDim: d, capacity: T });
    cache.append(k, v);
    const q1 = q.subarray(0, H * d);
    assert.throws(() => cache.attend(q1, { nHeads: H, sinkLogits: nan }), { name: 'RangeError', message: 'sinkLogits[5] (NaN) must be a finite number' });
    assert.throws(() => cache.attend(q1, { nHeads: H, sinkLogits: new Float32Array(9) }), { name: 'RangeError', message: /^sinkLogits\.length \(9\) must be 8/ });
    assert.throws(() => cache.attendPartial(q1, { nHeads: H, sinkLogits }), { name: 'TypeError', message: /^attendPartial: sinkLogits is not accepted/ });
    assert.equal(cache.attend(q1, { nHeads: H, sinkLogits }).length, H * d);
    cache.delete();
  });
}
