// The quality lab through the JS face: conversion against a float64 JS reference, the
// conversion-error experiment's invariants, recall training (determinism, learning, uptraining),
// both WASM builds, and every refused argument.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore, RECALL_DEFAULTS } from 'gqa-playground';
import { runQualityExperiment } from '../../dist/lib/quality-experiment.js';
import { randomArray } from './reference.mjs';

const cores = { simd: await loadCore(), scalar: await loadCore({ simd: false }) };
const core = cores.simd;

/** float64 reference: mean-pool or first-head conversion of (H·d, D) to (G·d, D). */
function referenceConvert(w, { dModel: D, nHeads: H, headDim: d, nKvHeads: G }, method) {
  const m = H / G, out = new Float64Array(G * d * D);
  for (let g = 0; g < G; g++) {
    for (let r = 0; r < d; r++) {
      for (let c = 0; c < D; c++) {
        let s = 0;
        if (method === 'first') s = w[((g * m) * d + r) * D + c];
        else for (let h = g * m; h < (g + 1) * m; h++) s += w[(h * d + r) * D + c] / m;
        out[(g * d + r) * D + c] = s;
      }
    }
  }
  return out;
}

// A small recall setup that learns in a few dozen steps.
const SMALL = { keyVocab: 16, valueVocab: 16, pairs: 6, queries: 3, dModel: 32, nHeads: 8, headDim: 4, dFf: 64, batch: 16, evalSequences: 64, seed: 5 };

for (const [variant, c] of Object.entries(cores)) {
  test(`convertKvHeads (${variant}): mean and first against a float64 reference, G = H unchanged`, () => {
    const shape = { dModel: 24, nHeads: 12, headDim: 5 };
    const wk = randomArray(12 * 5 * 24, 11, 2), wv = randomArray(12 * 5 * 24, 12, 2);
    for (const nKvHeads of [12, 6, 4, 3, 2, 1]) {
      for (const method of ['mean', 'first']) {
        const r = c.convertKvHeads({ wk, wv, ...shape, nKvHeads, method });
        assert.equal(r.wk.length, nKvHeads * 5 * 24);
        for (const [name, got, src] of [['wk', r.wk, wk], ['wv', r.wv, wv]]) {
          const want = referenceConvert(src, { ...shape, nKvHeads }, method);
          for (let i = 0; i < want.length; i++) {
            // mean-pooling sums in double and rounds once: within half an ulp of float32
            assert.ok(Math.abs(got[i] - want[i]) <= 2 ** -24 * Math.abs(want[i]) + 1e-30,
              `${method} G=${nKvHeads} ${name}[${i}]: ${got[i]} vs ${want[i]}`);
          }
        }
        if (nKvHeads === 12) assert.deepEqual(r.wk, wk);
      }
    }
  });
}

test('convertKvHeads: random ignores the checkpoint, is bounded and deterministic per seed', () => {
  const args = { wk: randomArray(8 * 4 * 16, 1), wv: randomArray(8 * 4 * 16, 2), dModel: 16, nHeads: 8, headDim: 4, nKvHeads: 2, method: 'random' };
  const a = core.convertKvHeads({ ...args, seed: 3 }), b = core.convertKvHeads({ ...args, seed: 3 });
  const other = core.convertKvHeads({ ...args, seed: 4 });
  const zero = core.convertKvHeads({ ...args, wk: new Float32Array(8 * 4 * 16), seed: 3 });
  assert.deepEqual(a, b);
  assert.deepEqual(zero.wk, a.wk, 'the checkpoint must not matter');
  assert.notDeepEqual(a.wk, other.wk);
  assert.notDeepEqual(a.wk, a.wv);
  assert.ok(a.wk.every((x) => Math.abs(x) <= 1 / Math.sqrt(16)));
  // fresh draws: the mean is near 0 and the variance near bound²/3 = 1/48 over 128 numbers
  const mean = a.wk.reduce((s, x) => s + x, 0) / a.wk.length;
  const variance = a.wk.reduce((s, x) => s + (x - mean) ** 2, 0) / a.wk.length;
  assert.ok(Math.abs(mean) < 0.05, `mean ${mean}`);
  assert.ok(variance > 1 / 48 / 2 && variance < 1 / 48 * 2, `variance ${variance}`);
});

test('conversionError: zero at G = H but for random, the paper\'s ordering, identical heads pool losslessly', () => {
  const points = core.conversionError();
  assert.deepEqual(points.map((p) => p.nKvHeads), [1, 2, 4, 8]);
  const mha = points.at(-1);
  assert.equal(mha.mean, 0);
  assert.equal(mha.first, 0);
  assert.ok(mha.random > 0.1);
  for (const p of points.slice(0, -1)) {
    assert.ok(p.mean > 0 && p.mean < p.first && p.first < p.random, JSON.stringify(p));
  }
  assert.ok(points[0].mean > points[1].mean && points[1].mean > points[2].mean, 'fewer K/V heads, more error');
  const same = core.conversionError({ similarity: 1 });
  for (const p of same) assert.ok(p.mean < 1e-5 && p.first < 1e-5, JSON.stringify(p));
  assert.deepEqual(core.conversionError({ similarity: 0.3, seed: 9 }), core.conversionError({ similarity: 0.3, seed: 9 }));
  assert.deepEqual(core.conversionError({ nHeads: 6, dModel: 24, headDim: 4 }).map((p) => p.nKvHeads), [1, 2, 3, 6]);
});

test('trainRecall: deterministic for a seed, and the loss goes down for every G', () => {
  const runs = {};
  for (const nKvHeads of [8, 4, 2, 1]) {
    const r = core.trainRecall({ ...SMALL, nKvHeads, steps: 60, evalEvery: 20 });
    runs[nKvHeads] = r;
    assert.equal(r.losses.length, 60);
    assert.deepEqual(r.evals.map((e) => e.step), [0, 20, 40, 60]);
    assert.deepEqual(r.final, r.evals.at(-1));
    const first = r.losses.slice(0, 10).reduce((s, x) => s + x, 0) / 10, last = r.losses.slice(50).reduce((s, x) => s + x, 0) / 10;
    assert.ok(last < first - 0.1, `G=${nKvHeads}: training loss ${first} -> ${last}`);
    assert.ok(Math.abs(r.evals[0].loss - Math.log(16)) < 0.5, `starts near chance: ${r.evals[0].loss} vs ln 16`);
    assert.ok(r.final.loss < r.evals[0].loss - 0.1, `G=${nKvHeads}: held-out ${r.evals[0].loss} -> ${r.final.loss}`);
    assert.equal(r.final.asked, 64 * 3);
    assert.equal(r.final.accuracy, r.final.correct / r.final.asked);
  }
  const again = core.trainRecall({ ...SMALL, nKvHeads: 2, steps: 60, evalEvery: 20 });
  assert.deepEqual(again.losses, runs[2].losses);
  assert.deepEqual(again.evals, runs[2].evals);
  const other = core.trainRecall({ ...SMALL, nKvHeads: 2, steps: 60, evalEvery: 20, seed: 6 });
  assert.notDeepEqual(other.losses, runs[2].losses);
  // K/V parameters: 2 projections of (G·headDim, dModel)
  assert.equal(runs[8].parameterCount - runs[1].parameterCount, 2 * (8 - 1) * 4 * 32);
});

test('RecallTrainer: run in pieces equals one run; uptraining mean-pools the trained K/V heads', () => {
  const a = core.createRecallTrainer({ ...SMALL, nKvHeads: 8 });
  const b = core.createRecallTrainer({ ...SMALL, nKvHeads: 8 });
  try {
    const whole = a.train(20);
    const parts = [...b.train(7), ...b.train(13)];
    assert.deepEqual(Array.from(whole), parts);
    assert.equal(a.stepsDone, 20);
    assert.deepEqual(a.evaluate(), b.evaluate());

    const same = a.convert({ nKvHeads: 8 });
    assert.deepEqual(same.evaluate(), a.evaluate(), 'G = H by mean-pool is the same model');
    const mqa = a.convert({ nKvHeads: 1, method: 'mean' });
    assert.equal(mqa.nKvHeads, 1);
    assert.equal(mqa.stepsDone, 20);
    assert.equal(a.nKvHeads, 8, 'the source is unchanged');
    const before = mqa.evaluate();
    const { losses, evals } = mqa.run(30, { evalEvery: 10 });
    assert.equal(losses.length, 30);
    assert.deepEqual(evals.map((e) => e.step), [20, 30, 40, 50]);
    assert.deepEqual(evals[0], { step: 20, ...before });
    assert.equal(mqa.stepsDone, 50);
    for (const t of [same, mqa]) t.delete();
    assert.throws(() => mqa.train(1), /this trainer was deleted/);
  } finally {
    a.delete();
    b.delete();
  }
});

test('runQualityExperiment (the page\'s experiment, shortened): every G, then uptraining from MHA', () => {
  const messages = [];
  const { runs, uptrain } = runQualityExperiment(core, { ...SMALL, gs: [8, 2, 1], steps: 40, uptrainSteps: 4, evalEvery: 20 }, (m) => messages.push(m));
  assert.deepEqual(runs.map((r) => r.nKvHeads), [8, 2, 1]);
  assert.deepEqual(uptrain.map((u) => u.nKvHeads), [2, 1]);
  // the core's kinds: G = H is MHA, G = 1 MQA
  assert.deepEqual(runs.map((r) => r.kind), ['MHA', 'GQA', 'MQA']);
  assert.deepEqual(uptrain.map((u) => u.kind), ['GQA', 'MQA']);
  // K and V, G heads of headDim each: what one token adds to one layer's cache
  assert.deepEqual(runs.map((r) => r.kvNumbersPerToken), [2 * 8 * SMALL.headDim, 2 * 2 * SMALL.headDim, 2 * 1 * SMALL.headDim]);
  // the same seed and steps as a single trainRecall
  assert.deepEqual(runs[1].losses, core.trainRecall({ ...SMALL, nKvHeads: 2, steps: 40, evalEvery: 20 }).losses);
  for (const u of uptrain) {
    assert.deepEqual(u.scratch, runs.find((r) => r.nKvHeads === u.nKvHeads).final);
    const t = core.createRecallTrainer({ ...SMALL, nKvHeads: 8 });
    t.train(40);
    const c = t.convert({ nKvHeads: u.nKvHeads });
    assert.deepEqual(u.before, c.evaluate());
    c.train(4);
    assert.deepEqual(u.after, c.evaluate());
    c.delete();
    t.delete();
  }
  assert.equal(messages.filter((m) => m.run).length, 3);
  assert.equal(messages.filter((m) => m.uptrain).length, 1);
  assert.ok(messages.filter((m) => m.progress).length >= 6);
  assert.throws(() => runQualityExperiment(core, { gs: [4, 2] }), /gs \(\[4,2\]\) must be a list of K\/V head counts starting with nHeads \(8\)/);
});

test('quality lab: refused arguments name the field, the value and what was expected; the core stays usable', () => {
  const w = randomArray(8 * 4 * 16, 1);
  const conv = { wk: w, wv: w, dModel: 16, nHeads: 8, headDim: 4, nKvHeads: 2 };
  const refuses = (fn, Kind, pattern) => {
    assert.throws(fn, (err) => err instanceof Kind && pattern.test(err.message), `expected ${Kind.name} matching ${pattern}`);
    const ok = core.convertKvHeads({ ...conv, method: 'first' });
    assert.equal(ok.wk[0], w[0]);
  };
  refuses(() => core.convertKvHeads({ ...conv, nKvHeads: 3 }), RangeError, /^nKvHeads \(3\) must divide nHeads \(8\)/);
  refuses(() => core.convertKvHeads({ ...conv, method: 'median' }), RangeError, /^method \("median"\) must be one of 'mean', 'first', 'random'$/);
  refuses(() => core.convertKvHeads({ ...conv, wk: w.subarray(1) }), RangeError, /^wk\.length \(511\) must be 512: wk is \[nHeads·headDim=32\]\[dModel=16\]/);
  refuses(() => core.convertKvHeads({ ...conv, wv: Array.from(w) }), TypeError, /^wv \(Array\(512\)\) must be a Float32Array/);
  refuses(() => core.convertKvHeads({ ...conv, seed: -1 }), RangeError, /^seed \(-1\) must be an integer from 0/);
  refuses(() => core.convertKvHeads({ ...conv, wk: Float32Array.from(w, (x, i) => (i === 7 ? NaN : x)) }), RangeError, /wk.*NaN/);
  refuses(() => core.convertKvHeads({ ...conv, heads: 8 }), TypeError, /unknown option "heads"/);
  refuses(() => core.conversionError({ similarity: 1.5 }), RangeError, /^similarity \(1\.5\) must be a number from 0 to 1$/);
  refuses(() => core.conversionError({ similarity: '0.5' }), TypeError, /^similarity \("0\.5"\) must be a number from 0 to 1$/);
  refuses(() => core.conversionError({ samples: 0 }), RangeError, /^samples \(0\) must be an integer from 1 to 1024$/);
  refuses(() => core.createRecallTrainer({ nKvHeads: 3 }), RangeError, /^nKvHeads \(3\) must divide nHeads \(8\)/);
  refuses(() => core.createRecallTrainer({ pairs: 20, keyVocab: 16 }), RangeError, /^pairs \(20\) must be an integer from 1 to 16$/);
  refuses(() => core.createRecallTrainer({ queries: 9, pairs: 8 }), RangeError, /^queries \(9\) must be an integer from 1 to 8$/);
  refuses(() => core.createRecallTrainer({ lr: 0 }), RangeError, /^lr \(0\) must be a number above 0 and at most 1$/);
  refuses(() => core.createRecallTrainer({ lr: NaN }), RangeError, /^lr \(NaN\)/);
  refuses(() => core.createRecallTrainer({ batch: 1e10 }), RangeError, /^batch \(10000000000\) must be an integer from 1 to 1024$/);
  refuses(() => core.createRecallTrainer({ dModel: 4096, dFf: 4096, keyVocab: 4096, valueVocab: 4096, pairs: 1024, queries: 1024, batch: 1024 }),
    RangeError, /over the memory budget/);
  refuses(() => core.trainRecall({ steps: 0 }), RangeError, /^steps \(0\) must be an integer from 1 to 1000000$/);
  refuses(() => core.trainRecall({ steps: 10, evalEvery: 11 }), RangeError, /^evalEvery \(11\) must be an integer from 1 to 10$/);
  refuses(() => core.trainRecall({ steps: 10, onProgress: 'log' }), TypeError, /^onProgress \("log"\) must be a function$/);
  const t = core.createRecallTrainer(SMALL);
  refuses(() => t.train(2.5), RangeError, /^steps \(2\.5\) must be an integer/);
  refuses(() => t.convert({ nKvHeads: 5 }), RangeError, /^nKvHeads \(5\) must divide the model's current K\/V heads \(8\)$/);
  const g2 = t.convert({ nKvHeads: 2 });
  refuses(() => g2.convert({ nKvHeads: 4 }), RangeError, /^nKvHeads \(4\) must be an integer from 1 to 2$/);
  const g1 = g2.convert({ nKvHeads: 1 });
  assert.equal(g1.nKvHeads, 1, 'a GQA model pools further');
  g1.delete();
  g2.delete();
  refuses(() => t.convert({ nKvHeads: 2, method: 'avg' }), RangeError, /^method \("avg"\)/);
  t.delete();
  t.delete();  // twice is fine
  assert.equal(RECALL_DEFAULTS.nHeads, 8);
});

// ---- the load sweep and inspection ----------------------------------------------------------------

test('recallSweep: rows per load and G, the same as training each cell alone, deterministic for a seed', () => {
  const seen = [];
  const args = { loads: [16, 20], nKvHeads: [8, 1], steps: 6, seed: 4 };
  const r = core.recallSweep({ ...args, onProgress: (p) => seen.push(p) });
  assert.deepEqual(r.rows.map((x) => [x.pairs, x.nKvHeads, x.kind]), [[16, 8, 'MHA'], [16, 1, 'MQA'], [20, 8, 'MHA'], [20, 1, 'MQA']]);
  assert.equal(r.steps, 6);
  assert.equal(r.seed, 4);
  assert.deepEqual(core.recallSweep(args), r, 'the same seed, the same sweep');
  assert.notDeepEqual(core.recallSweep({ ...args, seed: 5 }).rows.map((x) => x.loss), r.rows.map((x) => x.loss));
  assert.deepEqual(cores.scalar.recallSweep(args).rows.map((x) => x.asked), r.rows.map((x) => x.asked));
  // a cell is a sweep trainer trained `steps` steps and evaluated
  const t = core.createSweepTrainer({ pairs: 20, nKvHeads: 1, seed: 4 });
  const { loads, steps, ...settings } = core.info.recallSweep;
  assert.deepEqual({ ...t.options }, { ...settings, pairs: 20, nKvHeads: 1, seed: 4 });
  t.train(6);
  const e = t.evaluate();
  t.delete();
  const { pairs, nKvHeads, kind, ...stats } = r.rows[3];
  assert.deepEqual(stats, e);
  assert.equal(stats.asked, core.info.recallSweep.evalSequences * core.info.recallSweep.queries);
  assert.equal(stats.headReads, stats.asked * core.info.recallSweep.nHeads);
  // progress: every cell reaches its last step, cells in order
  assert.deepEqual(seen.filter((p) => p.step === p.steps).map((p) => [p.cell, p.pairs, p.nKvHeads]), [[0, 16, 8], [1, 16, 1], [2, 20, 8], [3, 20, 1]]);
  assert.ok(seen.every((p) => p.cells === 4 && p.steps === 6));
});

test('recallSweep: defaults are core.info.recallSweep\'s loads and every divisor of H, largest first', () => {
  const s = core.info.recallSweep;
  let first;
  assert.throws(() => core.recallSweep({ onProgress: (p) => { first = p; throw new Error('stop'); } }), /stop/);
  assert.deepEqual(first, { cell: 0, cells: s.loads.length * 4, pairs: s.loads[0], nKvHeads: 8, step: Math.round(s.steps / 10), steps: s.steps });
  assert.deepEqual([...s.loads], [16, 32, 48, 64]);
  assert.equal(s.nHeads, 8);
});

test('RecallTrainer.inspect: a held-out sequence, its answers, and weights that are causal distributions', () => {
  const t = core.createSweepTrainer({ pairs: 16, nKvHeads: 2 });
  t.train(10);
  const i = t.inspect(3);
  const s = core.info.recallSweep;
  assert.equal(i.pairs.length, 16);
  assert.equal(i.queries.length, s.queries);
  assert.equal(i.seqLen, 16 + s.queries);
  assert.equal(i.weights.length, s.nHeads * s.queries * i.seqLen);
  assert.equal(new Set(i.pairs.map((p) => p.key)).size, 16, 'distinct keys');
  let hits = 0, correct = 0;
  i.queries.forEach((q, a) => {
    assert.equal(q.position, 16 + a);
    assert.equal(i.pairs[q.answer].key, q.key);
    assert.equal(i.pairs[q.answer].value, q.target);
    correct += q.predicted === q.target;
    for (let h = 0; h < s.nHeads; h++) {
      const row = i.weights.subarray((h * s.queries + a) * i.seqLen, (h * s.queries + a + 1) * i.seqLen);
      assert.ok(Math.abs(row.reduce((x, y) => x + y, 0) - 1) < 1e-5);
      assert.ok(row.subarray(q.position + 1).every((w) => w === 0), 'causal');
      hits += row.indexOf(Math.max(...row)) === q.answer;
    }
  });
  assert.equal(i.stats.keyHits, hits);
  assert.equal(i.stats.correct, correct);
  assert.deepEqual(t.inspect(3), i, 'the same sequence, the same trace');
  assert.deepEqual(t.inspect().pairs, t.inspect(0).pairs);
  assert.throws(() => t.inspect(s.evalSequences), (err) => err instanceof RangeError && err.message === `sequence (${s.evalSequences}) must be an integer from 0 to ${s.evalSequences - 1}`);
  t.delete();
  assert.throws(() => t.inspect(0), /deleted/);
});

test('recallSweep and createSweepTrainer refuse what they cannot run, naming the field', () => {
  const cases = [
    [{ loads: [8] }, RangeError, 'loads[0] (8) must be an integer from 16 to 64'],
    [{ loads: [16, 65] }, RangeError, 'loads[1] (65) must be an integer from 16 to 64'],
    [{ loads: [16.5] }, RangeError, 'loads[0] (16.5) must be an integer from 16 to 64'],
    [{ loads: ['16'] }, TypeError, 'loads[0] ("16") must be an integer from 16 to 64'],
    [{ loads: [] }, TypeError, 'loads (Array(0)) must be a non-empty array'],
    [{ loads: 16 }, TypeError, 'loads (16) must be a non-empty array'],
    [{ loads: [16, 16] }, RangeError, 'loads ([16,16]) must not list 16 twice'],
    [{ nKvHeads: [3] }, RangeError, 'nKvHeads[0] (3) must divide nHeads (8): each K/V head serves a whole group of query heads'],
    [{ nKvHeads: [16] }, RangeError, 'nKvHeads[0] (16) must be an integer from 1 to 8'],
    [{ nKvHeads: [0] }, RangeError, 'nKvHeads[0] (0) must be an integer from 1 to 8'],
    [{ steps: 0 }, RangeError, 'steps (0) must be an integer from 1 to 1000000'],
    [{ seed: -1 }, RangeError, `seed (-1) must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}`],
    [{ inspect: 256 }, RangeError, 'inspect (256) must be an integer from 0 to 255'],
    [{ onProgress: 1 }, TypeError, 'onProgress (1) must be a function'],
    [{ pairs: 16 }, TypeError, 'recallSweep: unknown option "pairs" (expected one of loads, nKvHeads, steps, seed, inspect, onProgress)'],
  ];
  for (const [args, type, message] of cases) {
    assert.throws(() => core.recallSweep(args), (err) => err instanceof type && err.message === message, JSON.stringify(args));
  }
  assert.throws(() => core.recallSweep(null), TypeError);
  assert.throws(() => core.createSweepTrainer({ pairs: 15, nKvHeads: 1 }), (err) => err instanceof RangeError && err.message === 'pairs (15) must be an integer from 16 to 64');
  assert.throws(() => core.createSweepTrainer({ pairs: 16, nKvHeads: 5 }), (err) => err instanceof RangeError && /^nKvHeads \(5\) must divide nHeads \(8\)/.test(err.message));
  assert.throws(() => core.createSweepTrainer({ pairs: 16, nKvHeads: 1, lr: 1 }), /unknown option "lr"/);
  assert.equal(core.recallSweep({ loads: [16], nKvHeads: [1], steps: 1 }).rows.length, 1, 'the core still works');
});
