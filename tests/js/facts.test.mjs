// What the page, the CLI and the benchmark ask the core alike (web/lib/core-facts.js), and the
// quality experiment's schedule (web/lib/quality-experiment.js), against independent arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore } from 'gqa-playground';
import { kvNumbersPerToken, stepCost } from '../../web/lib/core-facts.js';
import { QUALITY_EXPERIMENT, RECALL_THRESHOLD, schedule } from '../../web/lib/quality-experiment.js';

const core = await loadCore();

test('stepCost: one layer of the core\'s decode-step cost model, 2·H·T·d multiply-adds and 2·G·T·d elements read', () => {
  const bytes = { f32: 4, f16: 2, int8: 1 };
  for (const [H, G, d, T] of [[32, 8, 64, 256], [8, 1, 5, 3], [1, 1, 1, 1], [128, 8, 128, 32768]]) {
    for (const dtype of ['f32', 'f16', 'int8']) {
      const c = stepCost(core, { H, G, d, T, dtype });
      assert.equal(c.multiplyAdds, 2 * H * T * d, `H=${H} T=${T} d=${d}`);
      // int8 keeps one f32 scale per token per K/V head for K and for V
      assert.equal(c.kvBytes, 2 * G * T * d * bytes[dtype] + (dtype === 'int8' ? 2 * G * T * 4 : 0), `G=${G} ${dtype}`);
      assert.equal(c.intensity, c.multiplyAdds / c.kvBytes);
    }
  }
  // the same numbers a KV cache of that shape reports for itself
  const cache = core.createKvCache({ nKvHeads: 4, headDim: 16, capacity: 10, dtype: 'int8' });
  try {
    assert.equal(stepCost(core, { H: 8, G: 4, d: 16, T: 10, dtype: 'int8' }).kvBytes, cache.bytes);
  } finally {
    cache.delete();
  }
});

test('kvNumbersPerToken: K and V, G heads of headDim', () => {
  assert.equal(kvNumbersPerToken(core, { nKvHeads: 8, headDim: 8 }), 128);
  assert.equal(kvNumbersPerToken(core, { nKvHeads: 1, headDim: 128 }), 256);
  assert.equal(kvNumbersPerToken(core, { nKvHeads: 3, headDim: 5 }), 30);
});

test('schedule: evaluation every tenth of the run, uptraining for 5 % of it; the page\'s experiment uses it', () => {
  assert.deepEqual(schedule(200), { steps: 200, uptrainSteps: 10, evalEvery: 20 });
  assert.deepEqual(schedule(20), { steps: 20, uptrainSteps: 1, evalEvery: 2 });
  assert.deepEqual(schedule(3), { steps: 3, uptrainSteps: 1, evalEvery: 1 });
  assert.deepEqual(QUALITY_EXPERIMENT, { gs: [8, 4, 2, 1], seed: 1, steps: 200, uptrainSteps: 10, evalEvery: 20 });
  assert.equal(RECALL_THRESHOLD, 0.9);
});
