// bench-worker.js - "Measure on this machine": the decode benchmark in its own Web Worker, so
// the page stays responsive and Cancel can simply terminate it.
// In: { state }. Out: { progress: { done, total, label } } ... then { result } or { error }.
//
// One setup for everything: the reader's H, head_dim and dtype at one T (capped so MHA's cache
// fits the budget). Each variant is timed once per build; the parallel table reuses the
// single-thread SIMD time as its 1-worker row instead of measuring it again.
import { loadCore } from '../core/core.js';
import { filledCache, stepInputs } from '../lib/bench-data.js';
import { stepBounds } from '../lib/bounds.js';
import { stepCost } from '../lib/core-facts.js';
import { parallelDecode } from '../lib/parallel.js';
import { fillUniform } from '../lib/rng.js';
import { medianMs } from '../lib/timing.js';

/** The largest cache (MHA's) a measurement allocates: T is capped to keep within it. */
const BUDGET_BYTES = 256 * 2 ** 20;
/** The MLA row's latent when the reader is not on an MLA model: DeepSeek-V3's, from the catalog. */
const MLA_REFERENCE = 'deepseek-v3';
const TIMING = { maxReps: 31, budgetMs: 250 };

/** A nested Web Worker running ../lib/decode-shard.js: { call(msg), terminate() }. */
function spawnWebWorker() {
  const worker = new Worker(new URL('./decode-worker.js', import.meta.url), { type: 'module' });
  return {
    call: (msg) => new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => (data.error ? reject(new Error(data.error)) : resolve(data));
      worker.onerror = (e) => { e.preventDefault(); reject(new Error(e.message ?? 'decode worker failed')); };
      worker.postMessage(msg);
    }),
    terminate: () => worker.terminate(),
  };
}

/**
 * The MLA row's shape at the reader's H and T: the state's model's widths if it is an MLA model,
 * else DeepSeek-V3's latent (r, dr) with query and value heads of the reader's head_dim.
 */
function mlaShape(core, s) {
  const own = s.model ? core.models().find((m) => m.id === s.model && m.mla) : undefined;
  const ref = own ?? core.model(MLA_REFERENCE);
  const { kvLoraRank, qkRopeHeadDim } = ref.mla;
  const heads = own ? { qkNopeHeadDim: own.mla.qkNopeHeadDim, vHeadDim: own.mla.vHeadDim } : { qkNopeHeadDim: s.d, vHeadDim: s.d };
  return { from: ref.name, own: Boolean(own), widths: { nHeads: s.h, kvLoraRank, qkRopeHeadDim, ...heads } };
}

/** One absorbed MLA decode step's timing on `core`: an MLA cache of T tokens, the queries of one new token. */
async function timeMla(core, { widths: m }, T, dtype) {
  const seed = 9176 + m.nHeads;
  const rows = (n, width, k, amp = 1) => fillUniform(new Float32Array(n * width), seed + k, amp);
  const cache = core.createMlaCache({ kvLoraRank: m.kvLoraRank, qkRopeHeadDim: m.qkRopeHeadDim, capacity: T, dtype });
  try {
    const chunk = Math.max(1, Math.floor(2 ** 20 / m.kvLoraRank));
    const latent = rows(chunk, m.kvLoraRank, 1), kRope = rows(chunk, m.qkRopeHeadDim, 2);
    for (let filled = 0; filled < T; filled += chunk) {
      const n = Math.min(chunk, T - filled);
      cache.append(latent.subarray(0, n * m.kvLoraRank), kRope.subarray(0, n * m.qkRopeHeadDim));
    }
    const q = { qNope: rows(1, m.nHeads * m.qkNopeHeadDim, 3), qRope: rows(1, m.nHeads * m.qkRopeHeadDim, 4),
      wUk: rows(m.nHeads * m.qkNopeHeadDim, m.kvLoraRank, 5, 1 / 16), wUv: rows(m.nHeads * m.vHeadDim, m.kvLoraRank, 6, 1 / 16),
      nHeads: m.nHeads, qkNopeHeadDim: m.qkNopeHeadDim, vHeadDim: m.vHeadDim };
    return { ms: await medianMs(() => cache.attend(q), TIMING), kvBytes: cache.bytes };
  } finally {
    cache.delete();
  }
}

self.onmessage = async ({ data }) => {
  try {
    const s = data.state;
    const { h, g, t, dtype: wanted } = s;
    const cores = { simd: null, scalar: null };
    const cpus = Math.max(1, Math.min(4, self.navigator?.hardwareConcurrency ?? 2));
    const workerCounts = [...new Set([2, cpus])];
    const variants = [...new Set([h, g, 1])];
    const parallelPlan = [...new Set([g, 1])].flatMap((G) => ['heads', 'T'].flatMap((mode) => workerCounts.map((w) => [mode, G, w])));
    const builds = ['simd', 'scalar'];
    const total = 1 + (variants.length + 1) * builds.length + parallelPlan.length;
    let done = 0;
    const progress = (label) => self.postMessage({ progress: { done, total, label } });

    progress('loading the cores');
    cores.simd = await loadCore().catch(() => null);
    cores.scalar = await loadCore({ simd: false });
    const main = cores.simd ?? cores.scalar;
    // an MLA model's state carries its latent width as head_dim: its K/V rows are timed as the MHA
    // baseline's heads instead, keys dn + dr and values dv wide (the kernel takes one width: their mean,
    // the same bytes and multiply-adds)
    const mla = mlaShape(main, s);
    const w = mla.widths;
    const d = mla.own ? Math.round((w.qkNopeHeadDim + w.qkRopeHeadDim + w.vHeadDim) / 2) : s.d;
    const dtype = main.info.dtypes.cache.includes(wanted) ? wanted : 'f32';  // the dtypes a KV cache stores
    const mlaDtype = ['f32', 'f16'].includes(dtype) ? dtype : 'f16';       // the dtypes an MLA cache stores
    const probe = main.probeMachine({ bytes: 64 * 2 ** 20, reps: 3, iters: 1e7 });
    main.warmUp();
    if (cores.simd) cores.scalar.warmUp();
    done++;
    // one T for every variant, keeping the largest (MHA) cache within the budget
    const mhaBytesPerToken = stepCost(main, { H: h, G: h, d, T: 1, dtype }).kvBytes;
    const T = Math.max(16, Math.min(t, 16384, Math.floor(BUDGET_BYTES / mhaBytesPerToken)));
    const roof = (kvBytes, madds) => {
      const b = stepBounds({ kvBytes, multiplyAdds: madds }, probe);
      return { memMs: b.memoryMs, computeMs: b.computeMs, roofMs: b.roofMs, bound: b.regime };
    };
    const rows = [];
    for (const variant of builds) {
      const core = cores[variant];
      for (const G of variants) {
        progress(`${variant === 'simd' ? 'SIMD' : 'scalar'} kernel, ${G} K/V head${G > 1 ? 's' : ''}`);
        if (core) {
          const shape = { H: h, G, d, T, dtype };
          const input = stepInputs(shape);
          const cache = filledCache(core, input, shape);
          try {
            const ms = await medianMs(() => cache.attend(input.q, { nHeads: h }), TIMING);
            const madds = stepCost(core, shape).multiplyAdds;
            rows.push({ variant, nKvHeads: G, kind: main.attentionKind(h, G), tokens: T, ms, kvBytes: cache.bytes, madds, ...roof(cache.bytes, madds) });
          } finally {
            cache.delete();
          }
        }
        done++;
      }
      // MLA (absorbed) at the same H and T
      progress(`${variant === 'simd' ? 'SIMD' : 'scalar'} kernel, MLA (absorbed)`);
      if (core) {
        const { ms, kvBytes } = await timeMla(core, mla, T, mlaDtype);
        const madds = core.mlaDecodeStepCost({ ...w, tokens: T, dtype: mlaDtype }).multiplyAdds;
        rows.push({ variant, kind: 'MLA', mla, dtype: mlaDtype, tokens: T, ms, kvBytes, madds, ...roof(kvBytes, madds) });
      }
      done++;
    }
    // parallel decode at the same T: the cache split over Web Workers by K/V heads or by tokens
    const parallel = [];
    for (const [mode, G, workers] of parallelPlan) {
      progress(`${workers} workers, split by ${mode === 'heads' ? 'K/V heads' : 'tokens'}, ${G} K/V head${G > 1 ? 's' : ''}`);
      const r = await parallelDecode(main, { H: h, G, d, T, dtype }, { mode, workers, spawn: spawnWebWorker, reps: 7 });
      parallel.push(r ? { mode, G, kind: main.attentionKind(h, G), workers, ms: r.ms } : { mode, G, kind: main.attentionKind(h, G), workers, skipped: true });
      done++;
    }

    // what the MHA cache at the reader's full T would need (one layer), when T had to be capped
    const fullBytes = main.kvCacheBytes({ layers: 1, nKvHeads: h, headDim: d, tokens: t, dtype });
    self.postMessage({ result: { dtype, headDim: d, tokens: T, requestedTokens: t, fullBytes, budgetBytes: BUDGET_BYTES, isa: main.info.isa, simd: Boolean(cores.simd), probe, rows,
      parallel, cpus: self.navigator?.hardwareConcurrency ?? 0 } });
  } catch (err) {
    self.postMessage({ error: { name: err?.name ?? 'Error', message: String(err?.message ?? err) } });
  }
};
