// The streaming cache (StreamingLLM) through the JS API, both builds: after 1x, 3x and 10x its
// capacity with 0, 1 and 4 sinks, attend equals plain attention over exactly the kept tokens;
// f16 and int8 within their documented tolerances; memory stays at capacity; refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxAbsDiff, randomArray, referenceAttention, worstRatio } from './reference.mjs';
import { variants } from './variants.mjs';

const H = 8, G = 2, d = 16, cap = 24;

/** The rows (n, G, d) a cache of `cap` with `sinks` keeps after `seen` rows of x. */
function kept(x, seen, sinks) {
  const row = G * d;
  if (seen <= cap) return x.slice(0, seen * row);
  const out = new Float32Array(cap * row);
  out.set(x.subarray(0, sinks * row));
  out.set(x.subarray((seen - (cap - sinks)) * row, seen * row), sinks * row);
  return out;
}

for (const core of variants) {
  test(`${core.variant}: a streaming cache equals plain attention over its sinks and most recent tokens`, () => {
    for (const sinks of [0, 1, 4]) {
      for (const times of [1, 3, 10]) {
        const total = cap * times;
        const k = randomArray(total * G * d, sinks * 10 + times), v = randomArray(total * G * d, sinks * 10 + times + 100);
        const q = randomArray(3 * H * d, 7, 2);
        const cache = core.createKvCache({ nKvHeads: G, headDim: d, capacity: cap, streaming: { sinks } });
        assert.deepEqual(cache.streaming, { sinks });
        const bytes = cache.bytes;
        for (let s = 0; s < total; s += 7) {
          const e = Math.min(total, s + 7);
          cache.append(k.subarray(s * G * d, e * G * d), v.subarray(s * G * d, e * G * d));
        }
        assert.equal(cache.seen, total);
        assert.equal(cache.length, cap);
        assert.equal(cache.bytes, bytes);
        const sinkLogits = randomArray(H, 9, 2);
        for (const [window, sl] of [[0, undefined], [5, undefined], [0, sinkLogits]]) {
          const want = referenceAttention({ q, k: kept(k, total, sinks), v: kept(v, total, sinks), nHeads: H, nKvHeads: G,
            headDim: d, causal: true, window, sinkLogits: sl });
          const got = cache.attend(q, { nHeads: H, window, ...(sl ? { sinkLogits: sl } : {}) });
          const worst = worstRatio(got, want.out, want.tol, d);
          assert.ok(worst <= 1, `sinks ${sinks}, ${times}x, window ${window}: worst |Δ|/tol = ${worst}`);
        }
        cache.delete();
      }
    }
  });

  test(`${core.variant}: streaming f16 and int8 caches stay within their documented tolerances`, () => {
    // as kv-cache.test.mjs: max|v| * 2 * scale * Σ|q| * max|Δk| + max|Δv| (+ float32 rounding)
    const total = 3 * cap + 5, sinks = 4, scale = 1 / 4;
    const k = randomArray(total * G * d, 41), v = randomArray(total * G * d, 42), q = randomArray(H * d, 43);
    const exact = referenceAttention({ q, k: kept(k, total, sinks), v: kept(v, total, sinks), nHeads: H, nKvHeads: G, headDim: d, causal: true });
    let qsum = 0;
    for (let h = 0; h < H; h++) { let s = 0; for (let c = 0; c < d; c++) s += Math.abs(q[h * d + c]); qsum = Math.max(qsum, s); }
    const dk = { f16: 2 ** -11, int8: 1 / 254 };
    for (const dtype of ['f16', 'int8']) {
      const cache = core.createKvCache({ nKvHeads: G, headDim: d, capacity: cap, dtype, streaming: { sinks } });
      for (let s = 0; s < total; s += 10) cache.append(k.subarray(s * G * d, Math.min(total, s + 10) * G * d), v.subarray(s * G * d, Math.min(total, s + 10) * G * d));
      const err = maxAbsDiff(cache.attend(q, { nHeads: H }), exact.out);
      const bound = 2 * scale * qsum * dk[dtype] + dk[dtype] + 1e-5;
      assert.ok(err <= bound, `${dtype}: max |Δ| ${err} > bound ${bound}`);
      cache.delete();
    }
  });

  test(`${core.variant}: streaming refusals name the field; a plain cache still refuses past capacity`, () => {
    const args = { nKvHeads: G, headDim: d, capacity: cap };
    assert.throws(() => core.createKvCache({ ...args, streaming: { sinks: cap } }), { name: 'RangeError', message: `streaming.sinks (${cap}) must be an integer from 0 to ${cap - 1}` });
    assert.throws(() => core.createKvCache({ ...args, streaming: { sinks: -1 } }), { name: 'RangeError', message: /^streaming\.sinks \(-1\) must be an integer from 0/ });
    assert.throws(() => core.createKvCache({ ...args, streaming: {} }), { name: 'TypeError', message: /^streaming\.sinks \(undefined\) must be an integer/ });
    assert.throws(() => core.createKvCache({ ...args, streaming: { sinks: 1, window: 4 } }), { name: 'TypeError', message: /^createKvCache: streaming: unknown option "window"/ });
    assert.throws(() => core.createKvCache({ ...args, streaming: true }), { name: 'TypeError', message: /^createKvCache: streaming expects an options object/ });
    const plain = core.createKvCache(args);
    assert.equal(plain.streaming, null);
    const k = randomArray((cap + 1) * G * d, 1);
    assert.throws(() => plain.append(k, k), /would exceed its capacity/);
    assert.equal(plain.length, 0);
    plain.append(k.subarray(0, G * d), k.subarray(0, G * d));
    assert.equal(plain.seen, 1);
    plain.delete();
    const s = core.createKvCache({ ...args, streaming: { sinks: 0 } });
    s.append(k, k);
    assert.equal(s.length, cap);
    assert.equal(s.seen, cap + 1);
    s.clear();
    assert.equal(s.seen, 0);
    s.delete();
  });
}
