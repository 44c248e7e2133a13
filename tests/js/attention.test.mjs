// The JS API against the float64 JS reference, in every WASM variant this node runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore, relaxedSupported, supportedIsas } from 'gqa-playground';
import { maxAbsDiff, randomArray, referenceAttention, worstRatio } from './reference.mjs';
import { variants } from './variants.mjs';

test('every variant loads and says which kernels it runs', () => {
  const want = [...(relaxedSupported() ? [['relaxed', 'relaxed']] : []), ['simd', 'simd128'], ['scalar', 'scalar']];
  assert.deepEqual(variants.map((c) => [c.variant, c.info.isa]), want);
  assert.deepEqual(variants.map((c) => c.info.simd), want.map(([v]) => v !== 'scalar'));
  // node 20 runs relaxed SIMD only with the flag; scripts/test.sh passes it
  if (process.execArgv.includes('--experimental-wasm-relaxed-simd')) assert.equal(relaxedSupported(), true);
});

test('loadCore picks the best ISA by default; isa and simd force one; what the engine lacks is refused', async () => {
  assert.equal((await loadCore()).info.isa, supportedIsas()[0]);
  assert.equal((await loadCore({ isa: 'simd128' })).variant, 'simd');
  assert.equal((await loadCore({ isa: 'scalar' })).info.isa, 'scalar');
  assert.equal((await loadCore({ simd: true })).info.isa, 'simd128');
  assert.equal((await loadCore({ simd: false })).info.isa, 'scalar');
  if (!relaxedSupported()) {
    await assert.rejects(loadCore({ isa: 'relaxed' }), { name: 'RangeError', message: /isa \("relaxed"\) was requested but this engine has no WebAssembly relaxed SIMD \(node 20: --experimental-wasm-relaxed-simd\)/ });
  }
  await assert.rejects(loadCore({ isa: 'avx2' }), { name: 'RangeError', message: `isa ("avx2") must be one of 'relaxed', 'simd128', 'scalar'` });
  await assert.rejects(loadCore({ isa: 'scalar', simd: false }), { name: 'TypeError', message: /isa \("scalar"\) and simd \(false\) both given/ });
});

// The numeric grid (every head_dim x head layout x mask) runs in Catch2, natively and in both WASM
// builds (tests/cpp/test_attention.cpp); here: that tensors cross the boundary intact.
for (const core of variants) {
  test(`${core.variant}: q, k, v and out cross the boundary row-major, views at an offset included`, () => {
    const H = 9, G = 3, d = 5, tq = 3, tk = 9;
    const args = { q: randomArray(tq * H * d, 1), k: randomArray(tk * G * d, 2), v: randomArray(tk * G * d, 3),
      nHeads: H, nKvHeads: G, headDim: d, causal: true };
    const want = referenceAttention(args);
    assert.ok(worstRatio(core.attention(args).out, want.out, want.tol, d) <= 1, 'whole arrays');
    // the same tensors as subarrays of larger buffers (byteOffset > 0): copied in as one block each
    const view = (a, pad) => { const b = new Float32Array(a.length + 2 * pad).fill(99); b.set(a, pad); return b.subarray(pad, pad + a.length); };
    const got = core.attention({ ...args, q: view(args.q, 7), k: view(args.k, 3), v: view(args.v, 11) });
    assert.ok(worstRatio(got.out, want.out, want.tol, d) <= 1, 'subarray views');
    assert.equal(got.out.length, tq * H * d);
  });

  test(`${core.variant}: sliding window, custom scale, large logits, scores and weights`, () => {
    const cases = [
      { tq: 9, tk: 9, H: 8, G: 2, d: 16, causal: true, window: 3 },
      { tq: 4, tk: 12, H: 8, G: 4, d: 8, causal: true, window: 5 },
      { tq: 6, tk: 6, H: 8, G: 8, d: 32, causal: true, scale: 0.5 },
      { tq: 6, tk: 6, H: 8, G: 1, d: 32, causal: false, scale: -2 },
      { tq: 8, tk: 8, H: 8, G: 2, d: 64, causal: true, amp: 100 },
    ];
    let seed = 900;
    for (const c of cases) {
      const args = { q: randomArray(c.tq * c.H * c.d, seed++, c.amp ?? 1), k: randomArray(c.tk * c.G * c.d, seed++),
        v: randomArray(c.tk * c.G * c.d, seed++), nHeads: c.H, nKvHeads: c.G, headDim: c.d, causal: c.causal };
      if (c.window) args.window = c.window;
      if (c.scale !== undefined) args.scale = c.scale;
      const got = core.attention({ ...args, returnWeights: true, returnScores: true });
      const want = referenceAttention(args);
      assert.ok(worstRatio(got.out, want.out, want.tol, c.d) <= 1, JSON.stringify(c));
      assert.equal(got.weights.length, c.H * c.tq * c.tk);
      for (let e = 0; e < want.weights.length; e++) {
        if (want.scores[e] === -Infinity) {
          assert.equal(got.scores[e], -Infinity);
          assert.equal(got.weights[e], 0);
        } else {
          assert.ok(Math.abs(got.weights[e] - want.weights[e]) <= 1e-5 * (1 + Math.abs(want.scores[e])), `weight ${e}`);
          assert.ok(Math.abs(got.scores[e] - want.scores[e]) <= 1e-5 * (1 + Math.abs(want.scores[e])) * Math.sqrt(c.d), `score ${e}`);
        }
      }
      for (let row = 0; row < c.H * c.tq; row++) {  // each row of weights sums to 1
        let s = 0;
        for (let j = 0; j < c.tk; j++) s += got.weights[row * c.tk + j];
        assert.ok(Math.abs(s - 1) < 1e-5, `row ${row} sums to ${s}`);
      }
    }
  });

  test(`${core.variant}: GQA equals MHA with each K/V head repeated for its group`, () => {
    const tq = 5, tk = 11, H = 12, d = 24;
    for (const G of [1, 2, 3, 4, 6, 12]) {
      const q = randomArray(tq * H * d, 11), k = randomArray(tk * G * d, 12), v = randomArray(tk * G * d, 13);
      const krep = new Float32Array(tk * H * d), vrep = new Float32Array(tk * H * d);
      for (let t = 0; t < tk; t++) for (let h = 0; h < H; h++) {
        const src = (t * G + Math.floor(h / (H / G))) * d;
        krep.set(k.subarray(src, src + d), (t * H + h) * d);
        vrep.set(v.subarray(src, src + d), (t * H + h) * d);
      }
      const a = core.attention({ q, k, v, nHeads: H, nKvHeads: G, headDim: d, causal: true });
      const b = core.attention({ q, k: krep, v: vrep, nHeads: H, nKvHeads: H, headDim: d, causal: true });
      assert.equal(maxAbsDiff(a.out, b.out), 0, `G=${G}`);
    }
  });

  test(`${core.variant}: results are copies, not views into the WASM heap`, () => {
    const args = { q: randomArray(16, 1), k: randomArray(16, 2), v: randomArray(16, 3), nHeads: 2, nKvHeads: 2, headDim: 8, returnWeights: true };
    const a = core.attention(args);
    assert.equal(a.out.buffer.byteLength, a.out.byteLength);
    assert.equal(a.weights.buffer.byteLength, a.weights.byteLength);
    const before = a.out.slice();
    core.attention({ ...args, q: randomArray(16, 9) });
    assert.deepEqual(a.out, before);
  });
}

test('SIMD and scalar builds agree', () => {
  const args = { q: randomArray(7 * 16 * 40, 5), k: randomArray(50 * 4 * 40, 6), v: randomArray(50 * 4 * 40, 7),
    nHeads: 16, nKvHeads: 4, headDim: 40, causal: true };
  const a = variants[0].attention(args), b = variants[1].attention(args);
  assert.ok(maxAbsDiff(a.out, b.out) < 1e-6, `max |simd - scalar| = ${maxAbsDiff(a.out, b.out)}`);
});
