// What the core says about itself, read once by the JS face: core.info.limits and
// core.info.dtypes (from the C++ headers), and core.attentionKind (the one MHA/GQA/MQA rule).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONVERT_METHODS, loadCore, MEMORY_DTYPES, RECALL_SWEEP } from 'gqa-playground';

const core = await loadCore();
const { limits, dtypes } = core.info;

test('info.limits: every limit the core checks, frozen, with the C++ values', () => {
  assert.deepEqual({ ...limits }, {
    heads: 1024, headDim: 4096, tokens: 2 ** 24,                             // attention.h
    sequences: 65536,                                                        // paged_kv_cache.h
    layers: 100000, modelTokens: 2 ** 40, batch: 2 ** 24, kvFactor: 2,        // memory_model.h
    modelWidth: 1024 * 4096, tensorParallel: 4096,                           // cost_model.h
    blockTokens: 2 ** 20,                                                    // budget_solver.h
    modelLayers: 4096, configBytes: 2 ** 20,                                 // model_spec.h, model_config.h
    requestBytes: 2 ** 30, memoryBytes: 2 ** 31,                             // memory_budget.h
    dModel: 4096, experimentHeads: 256, experimentHeadDim: 1024, seqLen: 4096, samples: 1024,  // conversion.h
    vocab: 4096, pairs: 1024, width: 4096,                                   // recall.h
    trainBatch: 1024, evalSequences: 65536, steps: 1e6,                      // trainer.h
  });
  assert.ok(Object.isFrozen(core.info) && Object.isFrozen(limits) && Object.isFrozen(dtypes));
  assert.ok(Object.isFrozen(dtypes.cache) && Object.isFrozen(dtypes.memory));
  // the top-level fields stay, and agree
  assert.deepEqual([core.info.maxHeads, core.info.maxHeadDim, core.info.maxTokens, core.info.maxRequestBytes, core.info.maxMemoryBytes],
    [limits.heads, limits.headDim, limits.tokens, limits.requestBytes, limits.memoryBytes]);
});

test('info.limits are the limits enforced: one past each is refused with that number in the message', () => {
  const past = (fn, field, max) => assert.throws(fn, (err) => err instanceof RangeError &&
    err.message === `${field} (${max + 1}) must be an integer from 1 to ${max}`, `${field} past ${max}`);
  past(() => core.kvCacheBytes({ layers: limits.layers + 1, nKvHeads: 1, headDim: 1, tokens: 1 }), 'layers', limits.layers);
  past(() => core.kvCacheBytes({ layers: 1, nKvHeads: 1, headDim: 1, tokens: limits.modelTokens + 1 }), 'tokens', limits.modelTokens);
  past(() => core.kvCacheBytes({ layers: 1, nKvHeads: 1, headDim: 1, tokens: 1, batch: limits.batch + 1 }), 'batch', limits.batch);
  past(() => core.createKvCache({ nKvHeads: 1, headDim: 1, capacity: limits.tokens + 1 }), 'capacity', limits.tokens);
  past(() => core.attentionKind(limits.heads + 1, 1), 'nHeads', limits.heads);
  past(() => core.projectionParams({ dModel: limits.modelWidth + 1, nHeads: 1, nKvHeads: 1, headDim: 1 }), 'dModel', limits.modelWidth);
  past(() => core.tensorParallelKv({ nKvHeads: 1, tp: limits.tensorParallel + 1 }), 'tp', limits.tensorParallel);
  past(() => core.solveBudget({ model: 'gpt-2', device: 'h100-80gb', gpus: limits.tensorParallel + 1 }), 'gpus', limits.tensorParallel);
  past(() => core.solveBudget({ model: 'gpt-2', device: 'h100-80gb', blockTokens: limits.blockTokens + 1 }), 'blockTokens', limits.blockTokens);
  past(() => core.conversionError({ nHeads: limits.experimentHeads + 1 }), 'nHeads', limits.experimentHeads);
  past(() => core.conversionError({ seqLen: limits.seqLen + 1 }), 'seqLen', limits.seqLen);
  past(() => core.createRecallTrainer({ dFf: limits.width + 1 }), 'dFf', limits.width);
  past(() => core.createRecallTrainer({ evalSequences: limits.evalSequences + 1 }), 'evalSequences', limits.evalSequences);
  // a value that is not an integer is refused by the JS face, naming the core's range
  assert.throws(() => core.kvCacheBytes({ layers: 'x', nKvHeads: 1, headDim: 1, tokens: 1 }),
    (err) => err instanceof TypeError && err.message === `layers ("x") must be an integer from 1 to ${limits.layers}`);
  assert.throws(() => core.kvCacheBytes({ layers: 1, nKvHeads: 1, headDim: 1, tokens: 2 ** 60 }),
    (err) => err instanceof RangeError && err.message === `tokens (${2 ** 60}) must be an integer from 1 to ${limits.modelTokens}`);
});

test('info.dtypes: the cache and memory-model storage types; MEMORY_DTYPES is the same list', () => {
  assert.deepEqual([...dtypes.cache], ['f32', 'f16', 'int8']);
  assert.deepEqual([...dtypes.memory], ['f32', 'f16', 'bf16', 'fp8', 'int8', 'int4']);
  assert.deepEqual([...MEMORY_DTYPES], [...dtypes.memory], 'web/core/dtypes.js must match cpp/sizing/memory_model.cpp');
  assert.ok(Object.isFrozen(MEMORY_DTYPES));
  assert.deepEqual([...core.info.convertMethods], ['mean', 'first', 'random']);
  assert.deepEqual([...core.info.layerKinds], ['full', 'sliding', 'chunked', 'mla', 'linear']);  // model_spec.h
  assert.ok(Object.isFrozen(core.info.layerKinds));
  assert.deepEqual([...CONVERT_METHODS], [...core.info.convertMethods], 'quality.js must match cpp/lab/conversion.cpp');
  assert.ok(Object.isFrozen(CONVERT_METHODS) && Object.isFrozen(core.info.convertMethods));
  assert.deepEqual({ ...RECALL_SWEEP, loads: [...RECALL_SWEEP.loads] }, { ...core.info.recallSweep, loads: [...core.info.recallSweep.loads] },
    'RECALL_SWEEP (quality.js) must match cpp/lab/trainer.h');
  assert.ok(Object.isFrozen(core.info.recallSweep.loads) && Object.isFrozen(RECALL_SWEEP.loads));
  for (const dtype of dtypes.cache) assert.equal(core.createKvCache({ nKvHeads: 1, headDim: 4, capacity: 1, dtype }).dtype, dtype);
  for (const dtype of dtypes.memory) assert.ok(core.kvCacheBytes({ layers: 1, nKvHeads: 1, headDim: 8, tokens: 1, dtype }) > 0);
});

test('attentionKind: G = H is MHA, G = 1 is MQA, between is GQA, as the catalog says', () => {
  assert.equal(core.attentionKind(8, 8), 'MHA');
  assert.equal(core.attentionKind(1, 1), 'MHA');
  assert.equal(core.attentionKind(8, 1), 'MQA');
  assert.equal(core.attentionKind(8, 2), 'GQA');
  assert.equal(core.attentionKind(64, 8), 'GQA');
  for (const m of core.models().filter((x) => x.attention !== 'MLA')) {
    assert.equal(core.attentionKind(m.nHeads, m.nKvHeads), m.attention, m.id);
  }
  assert.throws(() => core.attentionKind(8, 3), (err) => err instanceof RangeError && err.message === 'nHeads (8) must be a multiple of nKvHeads (3)');
  assert.throws(() => core.attentionKind(0, 1), (err) => err instanceof RangeError && err.message === 'nHeads (0) must be an integer from 1 to 1024');
  assert.throws(() => core.attentionKind(8, '2'), (err) => err instanceof TypeError && err.message === 'nKvHeads ("2") must be an integer from 1 to 1024');
  assert.throws(() => core.attentionKind(8, NaN), (err) => err instanceof RangeError && /^nKvHeads \(NaN\)/.test(err.message));
  assert.throws(() => core.attentionKind(2.5, 1), RangeError);
});

test('probeMachine and warmUp reject misspelled options like every other entry point', () => {
  assert.throws(() => core.probeMachine({ byte: 2 ** 20 }), (err) => err instanceof TypeError && /^probeMachine: unknown option "byte"/.test(err.message));
  assert.throws(() => core.warmUp({ call: 1 }), (err) => err instanceof TypeError && /^warmUp: unknown option "call"/.test(err.message));
  assert.throws(() => core.warmUp({ calls: 0 }), /^RangeError: calls \(0\) must be an integer from 1 to 100000$/);
  assert.ok(core.warmUp({ calls: 1 }) >= 0);
});
