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

/** The context the layout's sentence compares at: 128K tokens, or the model's own context if shorter. */
export const LAYOUT_TOKENS = 131072;

/**
 * One sequence of `model` (`key`: its id, or its record) at 128K (or its context) sized two ways by the core: the uniform formula
 * (every layer full attention; MLA: every head's K and V, its MHA baseline) against the layout,
 * with the layout's groups: { name, tokens, mla, layout, uniform, groups: [{ kind, layers, span,
 * stateElements, cachedTokens, total }] }.
 */
function uniformVsLayout(core, model, key, dtype) {
  const mla = model.attention === 'MLA';
  const tokens = Math.min(LAYOUT_TOKENS, model.maxContext);
  const at = core.modelKvCache({ model: key, tokens, dtype });
  const shape = Object.fromEntries(model.layout.map((g) => [g.kind, g]));
  return {
    name: model.name, tokens, mla, layout: at.perSequence,
    uniform: mla ? at.variants.find((v) => v.row === 'mha').total : at.uncapped.perSequence,
    groups: at.byKind.map((k) => ({ kind: k.kind, layers: k.layers, span: shape[k.kind].window ?? shape[k.kind].chunk ?? null,
      stateElements: shape[k.kind].stateElements ?? null, cachedTokens: k.cachedTokens, total: k.total })),
  };
}

/**
 * A non-uniform or MLA model's layout for the cache view: the kind of every layer (from the core's
 * layerIndices), its cache split by kind at the reader's settings (`byKind` of modelKvCache), and
 * uniformVsLayout at 128K. null for a model whose layers are all full GQA/MHA/MQA ones.
 */
function layoutFacts(core, model, key, published, dtype) {
  if (model.layout.length === 1 && model.attention !== 'MLA') return null;
  const layers = new Array(model.layers);
  for (const g of model.layout) for (const i of g.layerIndices ?? layers.keys()) layers[i] = g.kind;
  const span = Object.fromEntries(model.layout.map((g) => [g.kind, g.window ?? g.chunk ?? null]));
  return {
    layers,
    groups: published.byKind.map((k) => ({ kind: k.kind, layers: k.layers, span: span[k.kind], cachedTokens: k.cachedTokens, total: k.total })),
    compare: uniformVsLayout(core, model, key, dtype),
  };
}

/** The models the layout questions quote, whatever the reader picked. */
export const LAYOUT_MODELS = ['gemma-3-27b', 'gpt-oss-120b', 'qwen3-next-80b-a3b'];

/** Every number the page shows for one state, in one round trip. */
export function snapshot(core, s) {
  const { h, g, d, t, l, b, dtype } = s;
  // a catalog model (state.model), or one imported from a config.json (its record in s.imported, which
  // the core reads wherever an id goes), is sized by the core's model cache, layer by layer: sliding
  // and chunked layers cap their tokens, and an MLA model caches one latent, compared with its own MHA
  // baseline (not with G = H or G = 1 of its latent)
  const model = s.imported ?? (s.model ? core.models().find((m) => m.id === s.model) : undefined);
  const key = s.imported ?? model?.id;
  const published = model ? core.modelKvCache({ model: key, tokens: t, batch: b, dtype }) : undefined;
  const cached = published ? published.cachedTokens : t;
  const bytes = (G, tokens = cached, batch = b) => core.kvCacheBytes({ layers: l, nKvHeads: G, headDim: d, tokens, batch, dtype });
  const kind = (G) => core.attentionKind(h, G);
  const entry = (G) => ({ nKvHeads: G, kind: kind(G), bytes: bytes(G), perToken: bytes(G, 1, 1), uncapped: bytes(G, t) });
  const mla = model?.attention === 'MLA';
  const row = (name) => published.variants.find((v) => v.row === name);
  const rowEntry = (v) => ({ nKvHeads: v.nKvHeads, kind: v.attention, bytes: v.total, perToken: v.perToken, reductionVsMha: v.reductionVsMha });
  // a catalog model's rows come from its layout (each layer group keeps its own tokens); the
  // controls' uniform formula only sizes a shape that is no published model
  // (an MHA model's published row is its 'mha' row: the core lists each G once)
  const current = published && { ...rowEntry(published.variants.find((v) => v.nKvHeads === published.nKvHeads)), uncapped: published.uncapped.total };
  const cache = !model ? { mha: entry(h), current: entry(g), mqa: entry(1) }
    : mla ? { mha: rowEntry(row('mha')), current, mqa: null }
    : { mha: rowEntry(row('mha')), current, mqa: rowEntry(published.variants.find((v) => v.nKvHeads === 1)) };
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
    // window: what caps every layer when no layer keeps every token (a model whose layers all slide)
    cache: { ...cache, window: model?.layout.map((g) => g.window ?? g.chunk).find(Boolean) ?? 0, cachedTokens: cached },
    // a model whose layers are not all alike (or cache an MLA latent): its layout and what it saves
    layout: model ? layoutFacts(core, model, key, published, dtype) : null,
    example: { tokens: EXAMPLE_TOKENS, weights },
    walk: { ...walkthroughFacts(core, d, bytes), mla: mlaStepFacts(core, dtype) },
    budget: budgetFacts(core, s, model, key),
    facts: {
      equalsMha,
      params: { mha: core.projectionParams({ nHeads: h, nKvHeads: h, headDim: d }), current: core.projectionParams({ nHeads: h, nKvHeads: g, headDim: d }) },
      kvValues: { mha: values(h), current: values(g), mqa: values(1) },
      decode: {
        current: core.decodeStepCost({ layers: l, nHeads: h, nKvHeads: g, headDim: d, tokens: t, dtype }),
        mha: core.decodeStepCost({ layers: l, nHeads: h, nKvHeads: h, headDim: d, tokens: t, dtype }),
      },
      llama70b: { mha: llama.variants[0].total, gqa: llama.total },
      serving70b: servingFacts(core, { model: 'llama-3.1-70b', device: 'h100-80gb', gpus: 4, tokens: 8192, weightDtype: 'bf16', kvDtype: 'f16' }),
      tp,
      mla: mlaFacts(core, 'deepseek-v3'),
      layouts: Object.fromEntries(LAYOUT_MODELS.map((id) => [id, uniformVsLayout(core, core.model(id), id, dtype)])),
    },
  };
}

/**
 * How many sequences of `tokens` each variant (MHA, as published, MQA) fits on `gpus` devices, and
 * the tokens per second of that full batch (the solver's roofline, asked again at that batch).
 */
export function servingFacts(core, args) {
  const base = core.solveBudget({ ...args, batch: 1 });
  const variants = base.variants.filter((v) => !v.refused).map((v) => {
    const full = v.maxBatch > 0 ? core.solveBudget({ ...args, batch: v.maxBatch, nKvHeads: v.nKvHeads }) : null;
    return { row: v.row, attention: v.attention, nKvHeads: v.nKvHeads, maxBatch: v.maxBatch, tokensPerSecond: full ? full.aggregateTokensPerSecond : 0 };
  });
  return { name: base.model.name, device: base.device.name, gpus: base.gpus, weightDtype: base.weightDtype, kvDtype: base.kvDtype, tokens: base.tokens, variants };
}

/**
 * Serving the state's model on `gpus` accelerators (the core's budget solver), or why there is no
 * answer: { devices, solution } | { devices, missing: 'model' | 'params' } | { devices, error }.
 * The solver's refusal (a block larger than its limit, a prefix longer than T, a count of devices
 * that cannot split the K/V heads) names the field; the page shows it as it is.
 */
export function budgetFacts(core, s, model, key) {
  const devices = core.devices();
  if (!model) return { devices, missing: 'model' };
  if (model.params === null || model.params === undefined) return { devices, missing: 'params', name: model.name };
  try {
    const { model: m, ...solution } = core.solveBudget({ model: key, device: s.device, gpus: s.gpus, weightDtype: s.wdtype, kvDtype: s.dtype,
      tokens: s.t, batch: s.b, blockTokens: s.block, sharedPrefix: s.prefix });
    return { devices, solution: { ...solution, name: m.name, mla: Boolean(m.mla), modelKvHeads: m.nKvHeads, params: m.params, activeParams: m.activeParams } };
  } catch (err) {
    return { devices, error: err.message };
  }
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
    // a pasted or dropped config.json: the model record the core makes of it, or its refusal
    modelFromConfig: (core, text) => core.modelFromConfig(text),
    // a record from the URL hash or an element attribute (untrusted JSON text): the core reads it
    // field by field and returns it whole, or refuses naming the field
    modelRecord: (core, text) => {
      let value;
      try { value = JSON.parse(text); } catch (err) { throw new TypeError(`record is not JSON: ${err.message}`); }
      return core.modelKvCache({ model: value, tokens: 1 }).model;
    },
  };
}

/** Runs `method` of `table` on `core`, refusing names the table does not have. */
export function runMethod(table, core, method, args) {
  if (typeof method !== 'string' || !Object.hasOwn(table, method)) throw new TypeError(`unknown core method ${JSON.stringify(String(method))}`);
  return table[method](core, args);
}
