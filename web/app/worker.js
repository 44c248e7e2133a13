// worker.js - the core lives here, so no computation ever blocks the page.
// Protocol: { id, method, args } in; { id, result } or { id, error: { name, message } } out.
import { loadCore } from '../core/core.js';
import { exampleInputs, repeatKv } from './example.js';
import { EXAMPLE_TOKENS } from './lesson.js';

// ?debug in the worker's URL (set by the page's ?debug) adds the recovery test hooks.
const debug = new URL(self.location.href).searchParams.has('debug');
const corePromise = loadCore({ debug });

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Causal attention weights (H, T, T) of the example sequence, computed by the core. */
function exampleWeights(core, h, g, d) {
  const shape = { nHeads: h, nKvHeads: g, headDim: d, tokens: EXAMPLE_TOKENS.length };
  const { q, k, v } = exampleInputs(shape);
  return core.attention({ q, k, v, nHeads: h, nKvHeads: g, headDim: d, causal: true, returnWeights: true }).weights;
}

/** Every number the page shows for one state, in one round trip. */
function snapshot(core, s) {
  const { h, g, d, t, l, b, dtype } = s;
  // a sliding-window model (state.model) caches at most `window` tokens per sequence
  const window = s.model ? core.models().find((m) => m.id === s.model)?.slidingWindow : undefined;
  const cached = window ? Math.min(t, window) : t;
  const bytes = (G, tokens = cached, batch = b) => core.kvCacheBytes({ layers: l, nKvHeads: G, headDim: d, tokens, batch, dtype });
  const entry = (G) => ({ nKvHeads: G, bytes: bytes(G), perToken: bytes(G, 1, 1), uncapped: bytes(G, t) });
  const example = exampleInputs({ nHeads: h, nKvHeads: g, headDim: d, tokens: EXAMPLE_TOKENS.length });
  const gqa = core.attention({ ...example, nHeads: h, nKvHeads: g, headDim: d, causal: true, returnWeights: true });
  const copied = core.attention({ q: example.q, k: repeatKv(example.k, { nHeads: h, nKvHeads: g, headDim: d }),
    v: repeatKv(example.v, { nHeads: h, nKvHeads: g, headDim: d }), nHeads: h, nKvHeads: h, headDim: d, causal: true });
  const values = (G) => core.kvCacheBytes({ layers: 1, nKvHeads: G, headDim: d, tokens: 1, dtype: 'f32' }) / 4;
  const llama = core.modelKvCache({ model: 'llama-3.1-70b', tokens: 131072 });
  const tp = [];
  for (const degree of [1, 2, 4, 8, 16, 32, 64, 128]) {
    if (tp.length >= 5) break;
    try { tp.push({ tp: degree, ...core.tensorParallelKv({ nKvHeads: g, tp: degree }) }); } catch { /* uneven split: skip */ }
  }
  return {
    state: s,
    cache: { mha: entry(h), current: entry(g), mqa: entry(1), window: window ?? 0, cachedTokens: cached,
      maxMemoryBytes: core.info.maxMemoryBytes },
    example: { tokens: EXAMPLE_TOKENS, weights: gqa.weights },
    walk: {
      weights: exampleWeights(core, 8, 2, Math.min(d, 64)),
      cache: { 8: bytes(8), 2: bytes(2), 1: bytes(1) },
    },
    facts: {
      equalsMha: maxAbsDiff(gqa.out, copied.out),
      params: { mha: core.projectionParams({ nHeads: h, nKvHeads: h, headDim: d }), current: core.projectionParams({ nHeads: h, nKvHeads: g, headDim: d }) },
      kvValues: { mha: values(h), current: values(g), mqa: values(1) },
      decode: {
        current: core.decodeStepCost({ layers: l, nHeads: h, nKvHeads: g, headDim: d, tokens: t, dtype }),
        mha: core.decodeStepCost({ layers: l, nHeads: h, nKvHeads: h, headDim: d, tokens: t, dtype }),
      },
      llama70b: { mha: llama.variants[0].total, gqa: llama.total },
      tp,
      mla: {
        latent: core.modelKvCache({ model: 'deepseek-v3', tokens: 1 }).perToken,
        mha: core.kvCacheBytes({ layers: 61, nKvHeads: 128, headDim: 128, tokens: 1 }),
      },
    },
  };
}

/** The catalog with each model's per-token fp16 cache, for the "where it shows up" table. */
function models(core) {
  return core.models().map((m) => ({ ...m, perToken: core.modelKvCache({ model: m.id, tokens: 1 }).perToken }));
}

const methods = {
  info: (core) => ({ variant: core.variant, ...core.info }),
  ...(debug ? {
    debugAbort: (core) => core.debug.abort(),
    debugCrash: () => { setTimeout(() => { throw new Error('debug: the worker crashes on purpose'); }); },
  } : {}),
  attention: (core, args) => core.attention(args),
  models,
  snapshot,
};

self.onmessage = async ({ data }) => {
  const { id, method, args } = data ?? {};
  try {
    const core = await corePromise;
    if (!Object.hasOwn(methods, method)) throw new TypeError(`unknown worker method ${JSON.stringify(String(method))}`);
    self.postMessage({ id, result: methods[method](core, args) });
  } catch (err) {
    self.postMessage({ id, error: { name: err?.name ?? 'Error', message: String(err?.message ?? err) } });
  }
};
