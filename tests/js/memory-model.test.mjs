// The memory model, catalog and budget solver through the JS API, against independent
// arithmetic (BigInt) and published figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore } from 'gqa-playground';

const core = await loadCore();

/** 2·L·G·d·T·B·bits/8 in BigInt, independent of the core. */
const exact = (L, G, d, T, B, bits, factor = 2) => Number((BigInt(factor * L * G * d) * BigInt(T) * BigInt(B) * BigInt(bits) + 7n) / 8n);

test('kvCacheBytes: published per-token fp16 figures', () => {
  const perToken = (id) => {
    const m = core.model(id);
    return core.kvCacheSize({ layers: m.layers, nKvHeads: m.nKvHeads, headDim: m.headDim, tokens: 1, kvFactor: m.kvFactor }).totalBytes;
  };
  assert.equal(perToken('llama-2-70b'), 320 * 1024);
  assert.equal(perToken('llama-2-7b'), 512 * 1024);
  assert.equal(perToken('falcon-7b'), 8 * 1024);
  assert.equal(perToken('gemma-7b'), 448 * 1024);
  assert.equal(core.kvCacheBytes({ layers: 28, nKvHeads: 16, headDim: 256, tokens: 1 }), 458752);
});

test('kvCacheBytes: exact at Llama-3.1-70B, 131072 tokens × batch 64, every dtype', () => {
  const bits = { f32: 32, f16: 16, bf16: 16, fp8: 8, int8: 8, int4: 4 };
  for (const [dtype, b] of Object.entries(bits)) {
    const got = core.kvCacheBytes({ layers: 80, nKvHeads: 8, headDim: 128, tokens: 131072, batch: 64, dtype });
    assert.equal(got, exact(80, 8, 128, 131072, 64, b), dtype);
  }
  assert.equal(core.kvCacheBytes({ layers: 80, nKvHeads: 8, headDim: 128, tokens: 131072, batch: 64 }), 2748779069440);
  const s = core.kvCacheSize({ layers: 80, nKvHeads: 8, headDim: 128, tokens: 131072, batch: 64, dtype: 'int8' });
  assert.equal(s.scaleBytes, 2 * 80 * 8 * 131072 * 64 * 4);  // one f32 scale per token per KV head, K and V
  assert.equal(s.totalBytes, s.dataBytes + s.scaleBytes);
  assert.equal(core.kvCacheSize({ layers: 80, nKvHeads: 8, headDim: 128, tokens: 1, dtype: 'bf16' }).scaleBytes, 0);
});

test('kvCacheBytes: bad arguments throw and beyond-2^53 results are refused', () => {
  assert.throws(() => core.kvCacheBytes({ layers: 0, nKvHeads: 8, headDim: 128, tokens: 1 }), /^RangeError: layers \(0\) must be an integer/);
  assert.throws(() => core.kvCacheBytes({ layers: 8, nKvHeads: '8', headDim: 128, tokens: 1 }), /^TypeError: nKvHeads \("8"\)/);
  assert.throws(() => core.kvCacheBytes({ layers: 8, nKvHeads: 8, headDim: 128, tokens: 1, dtype: 'fp4' }), /dtype \("fp4"\) must be one of/);
  assert.throws(() => core.kvCacheBytes({ layers: 8, nKvHeads: 8, headDim: 128, tokens: 1, batchSize: 2 }), /unknown option "batchSize"/);
  assert.throws(() => core.kvCacheBytes({ layers: 1000, nKvHeads: 1024, headDim: 4096, tokens: 2 ** 40, batch: 2 ** 20 }),
    /overflows 64 bits|exceeds 2\^53/);
  assert.equal(core.kvCacheBytes({ layers: 1, nKvHeads: 1, headDim: 1, tokens: 1, dtype: 'f32' }), 8);
});

test('models(): at least 45 real models with consistent, sourced fields', () => {
  const models = core.models();
  assert.ok(models.length >= 45);
  const want = {
    'gpt-2': [12, 12, 12, 64, 1024], 'llama-2-7b': [32, 32, 32, 128, 4096], 'llama-2-13b': [40, 40, 40, 128, 4096],
    'llama-2-70b': [80, 64, 8, 128, 4096], 'llama-3.1-8b': [32, 32, 8, 128, 131072], 'llama-3.1-70b': [80, 64, 8, 128, 131072],
    'llama-3.1-405b': [126, 128, 8, 128, 131072], 'mistral-7b': [32, 32, 8, 128, 32768], 'mixtral-8x7b': [32, 32, 8, 128, 32768],
    'falcon-7b': [32, 71, 1, 64, 2048], 'falcon-40b': [60, 128, 8, 64, 2048], 'gemma-2b': [18, 8, 1, 256, 8192],
    'gemma-7b': [28, 16, 16, 256, 8192], 'qwen2.5-7b': [28, 28, 4, 128, 32768], 'qwen3-8b': [36, 32, 8, 128, 40960],
    starcoder: [40, 48, 1, 128, 8192],
  };
  for (const [id, [L, H, G, d, ctx]] of Object.entries(want)) {
    const m = models.find((x) => x.id === id);
    assert.ok(m, id);
    assert.deepEqual([m.layers, m.nHeads, m.nKvHeads, m.headDim, m.maxContext], [L, H, G, d, ctx], id);
    assert.equal(m.attention, G === H ? 'MHA' : G === 1 ? 'MQA' : 'GQA', id);
    assert.ok(m.source.length > 20 && m.params > 1e8, id);
  }
  const mistral = models.find((m) => m.id === 'mistral-7b');
  assert.deepEqual([mistral.layerPattern, mistral.layout], ['S', [{ kind: 'sliding', layers: 32, nKvHeads: 8, headDim: 128, window: 4096 }]]);
  const ds = models.find((m) => m.id === 'deepseek-v3');
  assert.deepEqual([ds.layers, ds.nKvHeads, ds.headDim, ds.attention, ds.kvFactor], [61, 1, 576, 'MLA', 1]);
  // a fresh copy each call: editing one does not touch the catalog
  models[0].layers = 999;
  assert.equal(core.models()[0].layers, 12);
});

test('modelKvCache: sliding window cap, uncapped figure, what-ifs and reductions', () => {
  const r = core.modelKvCache({ model: 'mistral-7b', tokens: 32768, batch: 2 });
  assert.equal(r.cachedTokens, 4096);
  assert.equal(r.perSequence, exact(32, 8, 128, 4096, 1, 16));
  assert.equal(r.total, exact(32, 8, 128, 4096, 2, 16));
  assert.equal(r.uncapped.total, exact(32, 8, 128, 32768, 2, 16));
  assert.deepEqual(r.variants.map((v) => [v.nKvHeads, v.reductionVsMha]), [[32, 1], [8, 4], [1, 32]]);
  // the window caps only longer contexts; models without one cache every token
  const short = core.modelKvCache({ model: 'mistral-7b', tokens: 1000 });
  assert.deepEqual([short.cachedTokens, short.perSequence, short.uncapped.perSequence], [1000, exact(32, 8, 128, 1000, 1, 16), exact(32, 8, 128, 1000, 1, 16)]);
  assert.equal(core.modelKvCache({ model: 'llama-3.1-8b', tokens: 131072 }).cachedTokens, 131072);
  assert.equal(r.cachedTokens, core.solveBudget({ model: 'mistral-7b', device: 'h100-80gb', tokens: 32768 }).cachedTokens, 'one cap, two callers');
  assert.deepEqual(r.variants.map((v) => v.attention), ['MHA', 'GQA', 'MQA']);
  const w = core.modelKvCache({ model: 'llama-3.1-70b', tokens: 131072, nKvHeads: 16 });
  assert.deepEqual(w.variants.map((v) => v.nKvHeads), [64, 8, 16, 1]);
  assert.deepEqual(w.variants.map((v) => v.label), ['MHA (G = 64)', 'as published (GQA, G = 8)', 'what-if (GQA, G = 16)', 'MQA (G = 1)']);
  assert.deepEqual(core.modelKvCache({ model: 'deepseek-v3', tokens: 10 }).variants.map((v) => [v.label, v.attention]),
    [['MHA baseline (G = 128, K 128+64, V 128)', 'MHA'], ['as published (MLA latent)', 'MLA']]);
  assert.throws(() => core.modelKvCache({ model: 'llama-3.1-70b', tokens: 10, nKvHeads: 0 }), /^RangeError: nKvHeads \(0\) must be an integer from 1 to 64$/);
  assert.equal(w.total, exact(80, 16, 128, 131072, 1, 16));
  assert.throws(() => core.modelKvCache({ model: 'llama-3.1-70b', tokens: 10, nKvHeads: 3 }), /nKvHeads \(3\) must divide llama-3.1-70b's 64 query heads/);
  assert.throws(() => core.modelKvCache({ model: 'llama-3-70b', tokens: 10 }), /not in the catalog; closest: .*llama-3\.1-70b/);
  assert.throws(() => core.modelKvCache({ model: 'deepseek-v3', tokens: 10, nKvHeads: 2 }), /uses MLA/);
});

test('an MLA model: DeepSeek-V3\'s latent against its MHA baseline, in modelKvCache, solveBudget and the model value', () => {
  const ds = core.model('deepseek-v3');
  // published config.json: kv_lora_rank 512, qk_rope_head_dim 64, qk_nope_head_dim 128, v_head_dim 128
  assert.deepEqual(ds.mla, { kvLoraRank: 512, qkRopeHeadDim: 64, qkNopeHeadDim: 128, vHeadDim: 128 });
  assert.deepEqual([ds.nHeads, ds.layers, ds.headDim, ds.attention], [128, 61, 576, 'MLA']);
  assert.equal(core.model('llama-3.1-70b').mla, undefined);
  // hand-computed at f16: the latent 61 × 576 × 2 B; the baseline 61 layers × 128 heads × (192-wide key + 128-wide value) × 2 B
  const latent = 61 * 576 * 2, baseline = 61 * 128 * (192 + 128) * 2;
  assert.deepEqual([latent, baseline], [70272, 4997120]);
  const r = core.modelKvCache({ model: 'deepseek-v3', tokens: 8192, batch: 2 });
  assert.deepEqual([r.attention, r.nKvHeads, r.perToken, r.perSequence, r.total], ['MLA', 1, latent, latent * 8192, latent * 8192 * 2]);
  assert.deepEqual(r.variants.map((v) => [v.row, v.attention, v.nKvHeads, v.perToken, v.total]),
    [['mha', 'MHA', 128, baseline, baseline * 8192 * 2], ['published', 'MLA', 1, latent, latent * 8192 * 2]]);
  assert.deepEqual(r.variants.map((v) => v.reductionVsMha), [1, baseline / latent]);
  // int8: one f32 scale per token per head for the key and for the value (the baseline), per latent (MLA)
  const q = core.modelKvCache({ model: 'deepseek-v3', tokens: 1, dtype: 'int8' });
  assert.deepEqual(q.variants.map((v) => v.perToken), [61 * 128 * 320 + 2 * 61 * 128 * 4, 61 * 576 + 61 * 4]);
  // the solver sizes the same rows
  const s = core.solveBudget({ model: 'deepseek-v3', device: 'mi300x', tokens: 8192, weightDtype: 'fp8' });
  assert.deepEqual(s.variants.map((v) => [v.row, v.kvBytesPerToken]), [['mha', baseline], ['published', latent]]);
  assert.equal(s.kvBytesPerToken, latent);
  // the real-models table's figure is the same call
  assert.equal(core.modelKvCache({ model: 'deepseek-v3', tokens: 1 }).perToken, latent);
});

test('solveBudget: what fits and a roofline estimate, computed independently here', () => {
  const r = core.solveBudget({ model: 'llama-3.1-8b', device: 'h100-80gb', tokens: 8192, batch: 8 });
  const weights = 8.03e9 * 2, budget = 80e9 * 0.9 - weights, perToken = 2 * 32 * 8 * 128 * 2;
  assert.equal(r.weightsFit, true);
  assert.equal(r.maxContext, Math.floor(budget / 8 / perToken));
  assert.equal(r.maxBatch, Math.floor(budget / (perToken * 8192)));
  assert.ok(Math.abs(r.stepSeconds - (weights + 8 * 8192 * perToken) / 3350e9) < 1e-12);
  assert.deepEqual(r.variants.map((v) => v.nKvHeads), [32, 8, 1]);
  const mha = r.variants[0];
  assert.equal(mha.maxBatch, Math.floor(budget / (4 * perToken * 8192)));
  // a model whose weights alone do not fit says so
  const big = core.solveBudget({ model: 'llama-3.1-405b', device: 'rtx-4090' });
  assert.equal(big.weightsFit, false);
  assert.equal(big.maxContext, 0);
  assert.equal(big.maxBatch, 0);
  // custom accelerator numbers
  const c = core.solveBudget({ model: 'gpt-2', memoryGB: 1, bandwidthGBs: 100, reserve: 0, weightDtype: 'f32', tokens: 1024 });
  assert.equal(c.maxBatch, Math.floor((1e9 - 124e6 * 4) / (2 * 12 * 12 * 64 * 2 * 1024)));
  assert.throws(() => core.solveBudget({ model: 'gpt-2', device: 'tpu-9' }), /device \("tpu-9"\) is not in the catalog/);
  assert.throws(() => core.solveBudget({ model: 'gpt-2', memoryGB: -1, bandwidthGBs: 5 }), /memoryGB \(-1\) must be a positive number/);
  assert.throws(() => core.solveBudget({ model: 'gpt-2', device: 'l4', reserve: 1 }), /reserve \(1\) must be a fraction/);
});

test('projectionParams, decodeStepCost and tensorParallelKv', () => {
  assert.deepEqual(core.projectionParams({ dModel: 2048, nHeads: 16, nKvHeads: 4, headDim: 128 }),
    { query: 2048 * 2048, keyValue: 2 * 2048 * 512, output: 2048 * 2048 });
  assert.equal(core.projectionParams({ nHeads: 16, nKvHeads: 16, headDim: 128 }).keyValue, 2 * 2048 * 2048);
  const c = core.decodeStepCost({ layers: 80, nHeads: 64, nKvHeads: 8, headDim: 128, tokens: 131072, dtype: 'f16' });
  assert.equal(c.kvBytes, 2 * 80 * 8 * 128 * 131072 * 2);
  assert.equal(c.multiplyAdds, 2 * 80 * 64 * 131072 * 128);
  assert.equal(c.intensity, 64 / (8 * 2));
  assert.deepEqual(core.tensorParallelKv({ nKvHeads: 8, tp: 16 }), { headsPerDevice: 1, replication: 2 });
  assert.throws(() => core.tensorParallelKv({ nKvHeads: 8, tp: 3 }), /tp \(3\) must divide nKvHeads \(8\)/);
});
