// Multi-head latent attention through the JS API: both paths and the MLA cache against a float64
// JS reference of the explicit formula, in both WASM builds; byte accounting; refusals naming the
// field, after which the module keeps working. The grid of shapes runs in Catch2 (test_mla.cpp).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxAbsDiff, randomArray, referenceMla, worstRatio } from './reference.mjs';
import { variants } from './variants.mjs';

/** Inputs for H heads, latent r, rope dr, nope dn, value dv; up-projections scaled by 1/√r. */
function problem({ tq, tk, H, r, dr, dn, dv }, seed) {
  const w = 1 / Math.sqrt(r);
  return {
    qNope: randomArray(tq * H * dn, seed), qRope: randomArray(tq * H * dr, seed + 1),
    latent: randomArray(tk * r, seed + 2), kRope: randomArray(tk * dr, seed + 3),
    wUk: randomArray(H * dn * r, seed + 4, w), wUv: randomArray(H * dv * r, seed + 5, w),
    nHeads: H, kvLoraRank: r, qkRopeHeadDim: dr, qkNopeHeadDim: dn, vHeadDim: dv,
  };
}

for (const core of variants) {
  test(`${core.variant}: mlaAttention, explicit and absorbed, equals the float64 explicit formula`, () => {
    for (const [shape, causal] of [[{ tq: 4, tk: 37, H: 5, r: 13, dr: 3, dn: 6, dv: 7 }, true],
      [{ tq: 1, tk: 9, H: 16, r: 32, dr: 8, dn: 16, dv: 16 }, false]]) {
      const args = { ...problem(shape, 10 + shape.H), causal };
      const want = referenceMla(args);
      const explicit = core.mlaAttention({ ...args, absorb: false }).out;
      const absorbed = core.mlaAttention(args).out;
      assert.equal(absorbed.length, shape.tq * shape.H * shape.dv);
      assert.ok(worstRatio(explicit, want.out, want.tol, shape.dv) <= 1, `explicit ${JSON.stringify(shape)}`);
      assert.ok(worstRatio(absorbed, want.out, want.tol, shape.dv) <= 1, `absorbed ${JSON.stringify(shape)}`);
      const delta = maxAbsDiff(explicit, absorbed);
      assert.ok(delta > 0 && delta < 1e-5, `max |explicit - absorbed| ${delta}`);
    }
  });

  test(`${core.variant}: the MLA cache, appended in pieces, attends as mlaAttention; exact bytes; f16 close`, () => {
    const shape = { tq: 6, tk: 30, H: 4, r: 10, dr: 6, dn: 5, dv: 3 };
    const args = problem(shape, 70);
    const want = core.mlaAttention({ ...args, causal: true }).out;
    for (const dtype of ['f32', 'f16']) {
      const cache = core.createMlaCache({ kvLoraRank: 10, qkRopeHeadDim: 6, capacity: 32, dtype });
      assert.equal(cache.bytes, 32 * (10 + 6) * (dtype === 'f32' ? 4 : 2));
      assert.equal(cache.dtype, dtype);
      cache.append(args.latent.subarray(0, 11 * 10), args.kRope.subarray(0, 11 * 6));
      cache.append(args.latent.subarray(11 * 10), args.kRope.subarray(11 * 6));
      assert.equal(cache.length, 30);
      const got = cache.attend({ qNope: args.qNope, qRope: args.qRope, wUk: args.wUk, wUv: args.wUv, nHeads: 4,
        qkNopeHeadDim: 5, vHeadDim: 3 });
      const delta = maxAbsDiff(got, want);
      if (dtype === 'f32') assert.equal(delta, 0, 'the same kernel calls as mlaAttention');
      else assert.ok(delta > 0 && delta < 2e-3, `f16: max |Δ| ${delta}`);
      cache.delete();
      assert.equal(cache.deleted, true);
      assert.throws(() => cache.length, /deleted/);
    }
  });

  test(`${core.variant}: MLA refusals name the field and the module keeps working`, () => {
    const args = problem({ tq: 2, tk: 3, H: 2, r: 5, dr: 3, dn: 4, dv: 4 }, 3);
    assert.throws(() => core.mlaAttention({ ...args, kvLoraRank: 0 }), { name: 'RangeError', message: 'kvLoraRank (0) must be an integer from 1 to 4096' });
    assert.throws(() => core.mlaAttention({ ...args, vHeadDim: 'wide' }), { name: 'TypeError', message: 'vHeadDim ("wide") must be an integer from 1 to 4096' });
    assert.throws(() => core.mlaAttention({ ...args, qRope: args.qRope.subarray(1) }), /^RangeError: qRope/);
    assert.throws(() => core.mlaAttention({ ...args, kRope: new Float32Array(4) }), /kRope/);
    assert.throws(() => core.mlaAttention({ ...args, wUv: new Float32Array(3) }), /wUv/);
    assert.throws(() => core.mlaAttention({ ...args, causal: true, qNope: randomArray(4 * 2 * 4, 1), qRope: randomArray(4 * 2 * 3, 2) }),
      /tq \(4\) must not exceed tk \(3\) when causal/);
    const bad = args.latent.slice();
    bad[4] = NaN;
    assert.throws(() => core.mlaAttention({ ...args, latent: bad }), { message: 'latent[4] (NaN) must be a finite number' });
    assert.throws(() => core.mlaAttention({ ...args, absorbed: true }), /absorbed/);
    assert.throws(() => core.createMlaCache({ kvLoraRank: 5, qkRopeHeadDim: 3, capacity: 4, dtype: 'int8' }),
      { message: "dtype ('int8') must be 'f32' or 'f16' for an MLA cache" });
    const cache = core.createMlaCache({ kvLoraRank: 5, qkRopeHeadDim: 3, capacity: 4 });
    assert.throws(() => cache.attend({ ...args, kvLoraRank: undefined }), /unknown|kvLoraRank/);
    cache.append(args.latent, args.kRope);
    assert.throws(() => cache.append(args.latent, args.kRope), /would exceed its capacity \(4\)/);
    const q = { qNope: args.qNope, qRope: args.qRope, wUk: args.wUk, wUv: args.wUv, nHeads: 2, qkNopeHeadDim: 4, vHeadDim: 4 };
    assert.equal(cache.attend(q).length, 2 * 2 * 4);  // still usable
    cache.delete();
    assert.equal(core.mlaAttention(args).out.length, 2 * 2 * 4);
  });

  test(`${core.variant}: mlaDecodeStepCost counts the absorbed step (DeepSeek-V3's widths, hand-counted)`, () => {
    const v3 = { nHeads: 128, kvLoraRank: 512, qkRopeHeadDim: 64, qkNopeHeadDim: 128, vHeadDim: 128 };
    const c = core.mlaDecodeStepCost({ ...v3, tokens: 4096, dtype: 'f16' });
    assert.equal(c.kvBytes, 4096 * 576 * 2);
    assert.equal(c.multiplyAdds, 128 * (128 * 512 + 2 * 4096 * 576 + 128 * 512));
    assert.equal(c.intensity, c.multiplyAdds / c.kvBytes);
    // the same step as MHA at H = 128, d = 128 reads 57× the bytes with 2·H·T·d multiply-adds
    const mha = core.decodeStepCost({ nHeads: 128, nKvHeads: 128, headDim: 128, tokens: 4096, dtype: 'f16' });
    assert.equal(mha.kvBytes / c.kvBytes, (2 * 128 * 128) / 576);
    assert.equal(core.mlaDecodeStepCost({ ...v3, tokens: 1 }).kvBytes, 576 * 4);  // f32 by default
    assert.throws(() => core.mlaDecodeStepCost({ ...v3, tokens: 4096, dtype: 'int8' }), { message: "dtype ('int8') must be 'f32' or 'f16' for an MLA cache" });
    assert.throws(() => core.mlaDecodeStepCost({ ...v3, tokens: 0 }), /tokens \(0\) must be an integer from 1/);
    assert.throws(() => core.mlaDecodeStepCost({ ...v3, kvLoraRank: 4090, tokens: 4 }), { message: 'kvLoraRank + qkRopeHeadDim (4154) must be an integer from 2 to 4096' });
    assert.throws(() => core.mlaDecodeStepCost({ ...v3, tokens: 4, layers: 2 }), /layers/);
  });
}
