// The KV cache through the JS API: decoding equals full causal attention, dtypes within their
// documented tolerances, exact bytes, memory returned on delete().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore } from 'gqa-playground';
import { maxAbsDiff, randomArray, referenceAttention, worstRatio } from './reference.mjs';
import { variants } from './variants.mjs';

for (const core of variants) {
  // Every head layout x head_dim runs in Catch2, natively and in both WASM builds
  // (tests/cpp/test_kv_cache.cpp); here: tokens appended as subarray views and queries attended
  // one by one and all at once cross the boundary intact.
  test(`${core.variant}: decoding token by token through the cache equals full causal attention`, () => {
    for (const [H, G, d] of [[8, 2, 13], [9, 3, 5]]) {
      const T = 40;
      const q = randomArray(T * H * d, H * 7 + d), k = randomArray(T * G * d, G + 100), v = randomArray(T * G * d, d + 200);
      const want = referenceAttention({ q, k, v, nHeads: H, nKvHeads: G, headDim: d, causal: true });
      const cache = core.createKvCache({ nKvHeads: G, headDim: d, capacity: T });
      const out = new Float32Array(q.length);
      for (let t = 0; t < T; t++) {
        cache.append(k.subarray(t * G * d, (t + 1) * G * d), v.subarray(t * G * d, (t + 1) * G * d));
        out.set(cache.attend(q.subarray(t * H * d, (t + 1) * H * d), { nHeads: H }), t * H * d);
      }
      assert.equal(cache.length, T);
      const worst = worstRatio(out, want.out, want.tol, d);
      assert.ok(worst <= 1, `H=${H} G=${G} d=${d}: worst |Δ|/tol = ${worst}`);
      // the same through one multi-query attend over the full cache, and through prefill
      const all = cache.attend(q, { nHeads: H });
      assert.ok(worstRatio(all, want.out, want.tol, d) <= 1);
      cache.delete();
    }
  });

  test(`${core.variant}: window and scale in attend match the reference`, () => {
    const H = 8, G = 2, d = 16, T = 70, tq = 3;
    const k = randomArray(T * G * d, 1), v = randomArray(T * G * d, 2), q = randomArray(tq * H * d, 3, 2);
    const cache = core.createKvCache({ nKvHeads: G, headDim: d, capacity: 80 });
    cache.append(k, v);
    for (const window of [1, 5, 33]) {
      const got = cache.attend(q, { nHeads: H, window, scale: 0.2 });
      const want = referenceAttention({ q, k, v, nHeads: H, nKvHeads: G, headDim: d, causal: true, window, scale: 0.2 });
      assert.ok(worstRatio(got, want.out, want.tol, d) <= 1, `window ${window}`);
    }
    cache.delete();
  });

  test(`${core.variant}: f16 and int8 caches stay within their documented tolerances`, () => {
    // f16 rounds each element to 11 significant bits (relative error <= 2^-11); int8 stores
    // round(x / s) with s = max|row| / 127 per token per KV head (absolute error <= s / 2).
    // Output tolerance: max|v| * 2 * scale * Σ|q| * max|Δk| + max|Δv| (+ float32 rounding).
    const H = 8, G = 2, d = 64, T = 50, scale = 1 / 8;
    const q = randomArray(H * d, 31), k = randomArray(T * G * d, 32), v = randomArray(T * G * d, 33);
    const exact = referenceAttention({ q, k, v, nHeads: H, nKvHeads: G, headDim: d, causal: true });
    let qsum = 0;
    for (let h = 0; h < H; h++) { let s = 0; for (let c = 0; c < d; c++) s += Math.abs(q[h * d + c]); qsum = Math.max(qsum, s); }
    const dk = { f16: 2 ** -11, int8: 1 / 254 }, dv = dk;  // data are in [-1, 1]
    for (const dtype of ['f16', 'int8']) {
      const cache = core.createKvCache({ nKvHeads: G, headDim: d, capacity: T, dtype });
      cache.append(k, v);
      const got = cache.attend(q, { nHeads: H });
      const bound = 2 * scale * qsum * dk[dtype] + dv[dtype] + 1e-5;
      const err = maxAbsDiff(got, exact.out);
      assert.ok(err <= bound, `${dtype}: max |Δ| ${err} > bound ${bound}`);
      assert.ok(err > 0, `${dtype}: quantisation must change something`);
      cache.delete();
    }
  });

  test(`${core.variant}: exact byte accounting, clear() and memory returned on delete()`, () => {
    const sizes = { f32: 4, f16: 2, int8: 1 };
    for (const dtype of ['f32', 'f16', 'int8']) {
      const c = core.createKvCache({ nKvHeads: 3, headDim: 10, capacity: 7, dtype });
      assert.equal(c.bytes, 2 * 3 * 7 * 10 * sizes[dtype] + (dtype === 'int8' ? 2 * 3 * 7 * 4 : 0));
      assert.equal(c.dtype, dtype);
      assert.equal(c.capacity, 7);
      c.append(randomArray(2 * 30, 1), randomArray(2 * 30, 2));
      assert.equal(c.length, 2);
      c.clear();
      assert.equal(c.length, 0);
      c.delete();
      assert.equal(c.deleted, true);
    }
    // 24 caches of 512 MiB one after another: 12 GiB in all, impossible unless delete() frees
    for (let i = 0; i < 24; i++) {
      const big = core.createKvCache({ nKvHeads: 8, headDim: 128, capacity: 2 ** 16, dtype: 'f32' });
      assert.equal(big.bytes, 2 ** 29);
      big.delete();
    }
  });
}

test('split along T: attendPartial on each slice, mergeAttention, equals one cache over all tokens', async () => {
  const core = await loadCore();
  const H = 8, G = 1, d = 32, T = 150;
  const q = randomArray(H * d, 5, 2), k = randomArray(T * G * d, 6), v = randomArray(T * G * d, 7);
  const want = referenceAttention({ q, k, v, nHeads: H, nKvHeads: G, headDim: d, causal: true });
  for (const parts of [1, 2, 3, 5]) {
    const results = [];
    for (let p = 0; p < parts; p++) {
      const t0 = Math.floor((T * p) / parts), t1 = Math.floor((T * (p + 1)) / parts);
      const cache = core.createKvCache({ nKvHeads: G, headDim: d, capacity: t1 - t0 });
      cache.append(k.subarray(t0 * G * d, t1 * G * d), v.subarray(t0 * G * d, t1 * G * d));
      const r = cache.attendPartial(q, { nHeads: H });
      assert.equal(r.max.length, H);
      results.push(r);
      cache.delete();
    }
    const merged = core.mergeAttention(results, { nHeads: H, headDim: d });
    assert.ok(worstRatio(merged, want.out, want.tol, d) <= 1, `${parts} parts`);
  }
  const one = core.createKvCache({ nKvHeads: G, headDim: d, capacity: 4 });
  one.append(k.subarray(0, 4 * d), v.subarray(0, 4 * d));
  const part = one.attendPartial(q, { nHeads: H });
  one.delete();
  assert.throws(() => core.mergeAttention([], { nHeads: H, headDim: d }), /must be an array of 1 to 1024/);
  assert.throws(() => core.mergeAttention([{ ...part, sum: new Float32Array(H) }], { nHeads: H, headDim: d }), /parts\[0\]\.sum\[0\] \(0\) must be a finite number >= 1/);
  assert.throws(() => core.mergeAttention([{ ...part, out: part.out.subarray(1) }], { nHeads: H, headDim: d }), /parts\[0\]\.out\.length \(255\) must be 256/);
});
