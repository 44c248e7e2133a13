// The page's snapshot (web/app/core-methods.js, run here in node on the built dist/): the attention
// kind of every G it shows is the core's, the walkthrough's rows follow the lesson's steps, and a
// sliding-window model's cap is the core's cachedTokens. Values against independent arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore } from 'gqa-playground';
import { snapshot } from '../../dist/app/core-methods.js';
import { WALKTHROUGH } from '../../dist/app/lesson.js';
import { normalize } from '../../dist/app/state.js';

const core = await loadCore();
/** The textbook rule, written out independently: G = H is MHA, G = 1 is MQA, anything between GQA. */
const expectedKind = (H, G) => (G === H ? 'MHA' : G === 1 ? 'MQA' : 'GQA');

test('snapshot: the kind of the current G, of MHA and MQA, and of every G the controls offer', () => {
  for (const [h, g] of [[8, 2], [8, 8], [8, 1], [1, 1], [12, 3], [128, 8]]) {
    const snap = snapshot(core, normalize({ h, g, d: 64, t: 512 }));
    assert.deepEqual([snap.cache.mha.kind, snap.cache.current.kind, snap.cache.mqa.kind], [expectedKind(h, h), expectedKind(h, g), expectedKind(h, 1)], `H=${h} G=${g}`);
    assert.deepEqual(snap.kinds.map((k) => k.nKvHeads), Array.from({ length: h }, (_, i) => i + 1).filter((x) => h % x === 0));
    for (const k of snap.kinds) assert.equal(k.kind, expectedKind(h, k.nKvHeads), `H=${h} G=${k.nKvHeads}`);
  }
});

test('snapshot: the walkthrough\'s rows are its steps\' (H, G) with MHA, G descending, cached at the reader\'s settings', () => {
  const s = normalize({ h: 16, g: 4, d: 96, t: 3000, l: 12, b: 3, dtype: 'int8' });
  const snap = snapshot(core, s);
  assert.deepEqual(snap.walk.rows.map((r) => [r.nHeads, r.nKvHeads, r.kind]), [[8, 8, 'MHA'], [8, 2, 'GQA'], [8, 1, 'MQA']]);
  for (const r of snap.walk.rows) assert.equal(r.bytes, 2 * 12 * r.nKvHeads * 96 * 3000 * 3 * 1);
  const example = WALKTHROUGH.find((step) => step.example);
  const T = snap.example.tokens.length;
  assert.equal(snap.walk.weights.length, example.heads * T * T);
});

test('snapshot: a sliding-window model caches the core\'s cachedTokens; without a model, every token', () => {
  const mistral = snapshot(core, normalize({ model: 'mistral-7b', h: 32, g: 8, d: 128, l: 32, t: 32768 }));
  assert.equal(mistral.cache.window, 4096);
  assert.equal(mistral.cache.cachedTokens, core.modelKvCache({ model: 'mistral-7b', tokens: 32768 }).cachedTokens);
  assert.equal(mistral.cache.cachedTokens, 4096);
  assert.equal(mistral.cache.current.bytes, 2 * 32 * 8 * 128 * 4096 * 2);
  assert.equal(mistral.cache.current.uncapped, 2 * 32 * 8 * 128 * 32768 * 2);
  const short = snapshot(core, normalize({ model: 'mistral-7b', h: 32, g: 8, d: 128, l: 32, t: 1000 }));
  assert.equal(short.cache.cachedTokens, 1000);
  const custom = snapshot(core, normalize({ h: 32, g: 8, d: 128, l: 32, t: 32768 }));
  assert.deepEqual([custom.cache.window, custom.cache.cachedTokens], [0, 32768]);
});

test('snapshot: every catalog model\'s bars are its rows sized layer by layer (Gemma 3: not the uniform formula; an MHA model has one row for both)', () => {
  for (const m of core.models()) {
    const s = normalize({ model: m.id, h: m.nHeads, g: m.nKvHeads, d: m.headDim, l: m.layers, t: Math.min(32768, m.maxContext) });
    const snap = snapshot(core, s);
    const c = core.modelKvCache({ model: m.id, tokens: s.t });
    assert.equal(snap.cache.current.bytes, c.total, m.id);
    assert.equal(snap.cache.mha.bytes, c.variants.find((v) => v.row === 'mha').total, m.id);
  }
  const gemma = snapshot(core, normalize({ model: 'gemma-3-27b', h: 32, g: 16, d: 128, l: 62, t: 131072 }));
  assert.equal(gemma.cache.current.bytes, 10 * 8192 * 131072 + 52 * 8192 * 1024);  // 2·16·128·2 B per layer per token
  assert.equal(gemma.cache.current.uncapped, 62 * 8192 * 131072);
  assert.equal(gemma.cache.cachedTokens, 131072, 'its global layers keep every token');
  const gpt2 = snapshot(core, normalize({ model: 'gpt-2', h: 12, g: 12, d: 64, l: 12, t: 1024 }));
  assert.deepEqual([gpt2.cache.current.kind, gpt2.cache.current.bytes], ['MHA', 2 * 12 * 12 * 64 * 1024 * 2]);
});

test('snapshot: K/V numbers per token per layer for MHA, the current G and MQA', () => {
  const snap = snapshot(core, normalize({ h: 8, g: 2, d: 64 }));
  assert.deepEqual(snap.facts.kvValues, { mha: 2 * 8 * 64, current: 2 * 2 * 64, mqa: 2 * 64 });
});

test('snapshot: the budget panel\'s answer for every catalog model on 8 devices, none for a bare shape, the solver\'s refusal as it is', () => {
  const custom = snapshot(core, normalize({ h: 8, g: 2 }));
  assert.equal(custom.budget.missing, 'model');
  assert.ok(custom.budget.devices.some((d) => d.id === 'h100-80gb'));
  for (const m of core.models()) {
    const s = normalize({ model: m.id, h: m.nHeads, g: m.nKvHeads, d: m.headDim, l: m.layers, t: Math.min(8192, m.maxContext), gpus: 8, wdtype: 'fp8' });
    const b = snapshot(core, s).budget;
    // tensor parallel over 8 devices can split or copy every model's K/V heads except counts that 8 does not divide nor is divided by
    const even = m.attention === 'MLA' || m.nKvHeads % 8 === 0 || 8 % m.nKvHeads === 0;
    if (!even) { assert.match(b.error, /gpus|nKvHeads/, m.id); continue; }
    assert.equal(b.solution.weightBytes, m.params * 1 / 8, `${m.id}: fp8 weights, one byte per parameter, over 8 devices`);
    assert.equal(b.solution.kvHeadsPerDevice, m.attention === 'MLA' ? 1 : Math.max(1, m.nKvHeads / 8), m.id);
    assert.equal(b.solution.kvReplication, m.attention === 'MLA' ? 8 : Math.max(1, 8 / m.nKvHeads), m.id);
  }
  const refused = snapshot(core, normalize({ model: 'llama-3.1-8b', h: 32, g: 8, d: 128, l: 32, t: 100, prefix: 200 })).budget;
  assert.match(refused.error, /sharedPrefix \(200\)/);
});

test('snapshot: the serving question\'s figures, by hand: Llama 3.1 70B on 4 × H100, 8,192 tokens per sequence', () => {
  const f = snapshot(core, normalize({ h: 8, g: 2 })).facts.serving70b;
  // per device: bf16 weights 70.6e9 · 2 / 4 = 35.3 GB of 80 GB · 0.9 usable, 36.7 GB left; K/V per token per
  // device: 80 layers · 2 (K, V) · 128 · 2 bytes · (heads on it: MHA 64/4, GQA 8/4, MQA's one head copied to all 4)
  const left = 80e9 * 0.9 - 70.6e9 * 2 / 4;
  const fits = (heads) => Math.floor(left / (80 * 2 * 128 * 2 * heads * 8192));  // 8,192 tokens are whole 16-token blocks
  assert.deepEqual(f.variants.map((v) => [v.row, v.maxBatch]), [['mha', fits(16)], ['published', fits(2)], ['mqa', fits(1)]]);
  assert.deepEqual(f.variants.map((v) => v.maxBatch), [6, 54, 109]);
  // the full batch's roofline: a step reads each device's weights once and every sequence's cache
  for (const v of f.variants) {
    const heads = { mha: 16, published: 2, mqa: 1 }[v.row];
    const bytes = 70.6e9 * 2 / 4 + v.maxBatch * 80 * 2 * 128 * 2 * heads * 8192;
    assert.ok(Math.abs(v.tokensPerSecond - v.maxBatch / (bytes / 3350e9)) <= 1e-6 * v.tokensPerSecond, `${v.row}: ${v.tokensPerSecond}`);
  }
});
