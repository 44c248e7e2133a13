// core-methods.js - what the page asks of the core, one round trip per question. The same table
// serves the core's Web Worker (worker.js) and, where no worker can be started (a sandboxed
// iframe, a page on another origin than the element's script), the main-thread fallback in
// core-client.js. Each method takes the loaded core and a structured-clonable argument.
import { exampleInputs, mlaExampleInputs, repeatKv } from './example.js';
import { EXAMPLE_TOKENS, MLA_STEP, WALKTHROUGH } from './lesson.js';
import { pagedFacts, sinkFacts, splitKFacts } from './serving-facts.js';
import { divisors } from './state.js';
import { kvNumbersPerToken } from '../lib/core-facts.js';

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const exampleMemo = new WeakMap();  // core -> Map of `H/G/d` -> facts, the latest few shapes

/**
 * The example sequence under causal attention, computed by the core: its weights (H, T, T) for the
 * heatmaps, and the largest difference between its GQA output and MHA's on K/V copied to every
 * query head. They depend on (H, G, head_dim) only, so a change of T, L, batch or dtype reuses them
 * (at 128 heads of 576 they were most of a snapshot's time).
 */
function exampleFacts(core, h, g, d) {
  const key = `${h}/${g}/${d}`;
  if (!exampleMemo.has(core)) exampleMemo.set(core, new Map());
  const memo = exampleMemo.get(core);
  if (memo.has(key)) return memo.get(key);
  const shape = { nHeads: h, nKvHeads: g, headDim: d };
  const example = exampleInputs({ ...shape, tokens: EXAMPLE_TOKENS.length });
  const gqa = core.attention({ ...example, ...shape, causal: true, returnWeights: true });
  const copied = core.attention({ q: example.q, k: repeatKv(example.k, shape), v: repeatKv(example.v, shape), nHeads: h, nKvHeads: h, headDim: d, causal: true });
  const facts = { weights: gqa.weights, equalsMha: maxAbsDiff(gqa.out, copied.out) };
  if (memo.size >= 4) memo.delete(memo.keys().next().value);  // the walkthrough's shape and the reader's latest
  memo.set(key, facts);
  return facts;
}

/**
 * The walkthrough's figures: for each H of its steps, MHA and every G a step shows, G descending,
 * with its kind and its cache at the reader's settings (`bytes(G)`); and the example step's weights.
 */
function walkthroughFacts(core, d, bytes) {
  const shapes = new Map();  // H -> Set of G
  for (const step of WALKTHROUGH.filter((x) => !x.mla)) {
    if (!shapes.has(step.heads)) shapes.set(step.heads, new Set([step.heads]));
    shapes.get(step.heads).add(step.kvHeads);
  }
  const rows = [...shapes].flatMap(([H, gs]) => [...gs].sort((a, b) => b - a)
    .map((G) => ({ nHeads: H, nKvHeads: G, kind: core.attentionKind(H, G), bytes: bytes(G) })));
  const example = WALKTHROUGH.find((step) => step.example);
  return { rows, weights: exampleFacts(core, example.heads, example.kvHeads, Math.min(d, 64)).weights };
}

/**
 * The MLA step's figures: max |explicit − absorbed| on the lesson's small example, run both ways by
 * the core; and per token (all layers, the reader's dtype) the caches at DeepSeek-V3's widths: MHA
 * (every head's 192-wide key and 128-wide value), GQA-8 and MQA at those widths, and the MLA latent row.
 */
const mlaPathsMemo = new WeakMap();  // core -> { maxDelta, largest }: the example is a constant

/** max |explicit − absorbed| and max |out| on the lesson's MLA example, run once per core. */
function mlaPaths(core) {
  if (!mlaPathsMemo.has(core)) {
    const e = MLA_STEP.example;
    const inputs = mlaExampleInputs({ ...e, tokens: EXAMPLE_TOKENS.length });
    const explicit = core.mlaAttention({ ...inputs, ...e, causal: true, absorb: false }).out;
    const absorbed = core.mlaAttention({ ...inputs, ...e, causal: true }).out;
    mlaPathsMemo.set(core, { maxDelta: maxAbsDiff(explicit, absorbed), largest: Math.max(...absorbed.map(Math.abs)) });
  }
  return mlaPathsMemo.get(core);
}

function mlaStepFacts(core, dtype) {
  const model = core.model(MLA_STEP.model.id), m = { ...model, ...model.mla, gqaKvHeads: MLA_STEP.model.gqaKvHeads };
  // K and V together are dn + dr + dv numbers per head: two vectors of the mean width (the scales of
  // quantised dtypes are then counted per K and per V, as the memory model does)
  const kv = (nKvHeads) => core.kvCacheSize({ layers: m.layers, nKvHeads, headDim: (m.qkNopeHeadDim + m.qkRopeHeadDim + m.vHeadDim) / 2,
    tokens: 1, dtype }).totalBytes;
  const latent = core.kvCacheSize({ layers: m.layers, nKvHeads: 1, headDim: m.kvLoraRank + m.qkRopeHeadDim, tokens: 1, dtype, kvFactor: 1 }).totalBytes;
  return {
    widths: { nHeads: m.nHeads, ...model.mla },
    ...mlaPaths(core),
    rows: [
      { label: `MHA (${m.nHeads} K/V heads)`, kind: core.attentionKind(m.nHeads, m.nHeads), bytes: kv(m.nHeads) },
      { label: `GQA (${m.gqaKvHeads} K/V heads)`, kind: core.attentionKind(m.nHeads, m.gqaKvHeads), bytes: kv(m.gqaKvHeads) },
      { label: 'MQA (1 K/V head)', kind: core.attentionKind(m.nHeads, 1), bytes: kv(1) },
      { label: `MLA (one ${m.kvLoraRank} + ${m.qkRopeHeadDim} latent)`, kind: m.attention, bytes: latent },
    ],
  };
}

/**
 * An MLA model's cache per token at f16, the latent against its MHA baseline, as the core's model
 * cache sizes both: { model, latent, mha, reductionVsMha } (bytes; model.mla holds the widths).
 */
function mlaFacts(core, id) {
  const c = core.modelKvCache({ model: id, tokens: 1 });
  const row = (name) => c.variants.find((v) => v.row === name);
  return { model: c.model, latent: c.perToken, mha: row('mha').perToken, reductionVsMha: row('published').reductionVsMha };
}

/** Every number the page shows for one state, in one round trip. */
export function snapshot(core, s) {
  const { h, g, d, t, l, b, dtype } = s;
  // a catalog model (state.model) is sized by the core's model cache: a sliding window caps it, and an
  // MLA model caches one latent, compared with its own MHA baseline (not with G = H or G = 1 of its latent)
  const model = s.model ? core.models().find((m) => m.id === s.model) : undefined;
  const published = model ? core.modelKvCache({ model: model.id, tokens: t, batch: b, dtype }) : undefined;
  const cached = published ? published.cachedTokens : t;
  const bytes = (G, tokens = cached, batch = b) => core.kvCacheBytes({ layers: l, nKvHeads: G, headDim: d, tokens, batch, dtype });
  const kind = (G) => core.attentionKind(h, G);
  const entry = (G) => ({ nKvHeads: G, kind: kind(G), bytes: bytes(G), perToken: bytes(G, 1, 1), uncapped: bytes(G, t) });
  const mla = model?.attention === 'MLA';
  const row = (name) => published.variants.find((v) => v.row === name);
  const rowEntry = (v) => ({ nKvHeads: v.nKvHeads, kind: v.attention, bytes: v.total, perToken: v.perToken, reductionVsMha: v.reductionVsMha });
  const cache = mla
    ? { mha: rowEntry(row('mha')), current: { ...rowEntry(row('published')), uncapped: published.uncapped.total }, mqa: null }
    : { mha: entry(h), current: entry(g), mqa: entry(1) };
  const { weights, equalsMha } = exampleFacts(core, h, g, d);
  const values = (G) => kvNumbersPerToken(core, { nKvHeads: G, headDim: d });
  const llama = core.modelKvCache({ model: 'llama-3.1-70b', tokens: 131072 });
  const tp = [];
  for (const degree of [1, 2, 4, 8, 16, 32, 64, 128]) {
    if (tp.length >= 5) break;
    try { tp.push({ tp: degree, ...core.tensorParallelKv({ nKvHeads: g, tp: degree }) }); } catch { /* uneven split: skip */ }
  }
  return {
    state: s,
    // the attention kind of every G the controls offer for this H ('MHA' | 'GQA' | 'MQA'); an MLA model's one latent
    kinds: mla ? [{ nKvHeads: g, kind: model.attention }] : divisors(h).map((G) => ({ nKvHeads: G, kind: kind(G) })),
    // an MLA model: its MLA widths (the head diagram names the latent), else null
    mla: mla ? { ...model.mla, width: model.headDim } : null,
    cache: { ...cache, window: model?.slidingWindow ?? 0, cachedTokens: cached },
    example: { tokens: EXAMPLE_TOKENS, weights },
    walk: { ...walkthroughFacts(core, d, bytes), mla: mlaStepFacts(core, dtype) },
    facts: {
      equalsMha,
      params: { mha: core.projectionParams({ nHeads: h, nKvHeads: h, headDim: d }), current: core.projectionParams({ nHeads: h, nKvHeads: g, headDim: d }) },
      kvValues: { mha: values(h), current: values(g), mqa: values(1) },
      decode: {
        current: core.decodeStepCost({ layers: l, nHeads: h, nKvHeads: g, headDim: d, tokens: t, dtype }),
        mha: core.decodeStepCost({ layers: l, nHeads: h, nKvHeads: h, headDim: d, tokens: t, dtype }),
      },
      llama70b: { mha: llama.variants[0].total, gqa: llama.total },
      tp,
      mla: mlaFacts(core, 'deepseek-v3'),
    },
  };
}

/** The catalog with each model's per-token fp16 cache, for the "where it shows up" table. */
export function models(core) {
  return core.models().map((m) => ({ ...m, perToken: core.modelKvCache({ model: m.id, tokens: 1 }).perToken }));
}

/**
 * The method table. `debug` adds the recovery hooks: debugAbort traps the WASM instance,
 * debugCrash (given by the host) makes the worker itself die.
 */
export function coreMethods({ debug = false, crash } = {}) {
  return {
    info: (core) => ({ variant: core.variant, ...core.info }),
    ...(debug ? {
      debugAbort: (core) => core.debug.abort(),
      ...(crash ? { debugCrash: crash } : {}),
    } : {}),
    attention: (core, args) => core.attention(args),
    conversionError: (core, args) => core.conversionError(args),
    servingSinks: sinkFacts,
    servingSplitK: splitKFacts,
    servingPaged: pagedFacts,
    models,
    snapshot,
  };
}

/** Runs `method` of `table` on `core`, refusing names the table does not have. */
export function runMethod(table, core, method, args) {
  if (typeof method !== 'string' || !Object.hasOwn(table, method)) throw new TypeError(`unknown core method ${JSON.stringify(String(method))}`);
  return table[method](core, args);
}
