// bench-worker.js - "Measure on this machine": the decode benchmark in its own Web Worker, so
// the page stays responsive and Cancel can simply terminate it.
// In: { state }. Out: { progress: { done, total, label } } ... then { result } or { error }.
import { loadCore } from '../core/core.js';
import { stepCost } from '../lib/core-facts.js';
import { parallelDecode } from '../lib/parallel.js';
import { medianMs } from '../lib/timing.js';

/** The largest cache (MHA's) a measurement allocates: T is capped to keep within it. */
const BUDGET_BYTES = 256 * 2 ** 20;

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

self.onmessage = async ({ data }) => {
  try {
    const { h, g, d, t, dtype: wanted } = data.state;
    const cores = { simd: null, scalar: null };
    const cpus = Math.max(1, Math.min(4, self.navigator?.hardwareConcurrency ?? 2));
    const workerCounts = [...new Set([1, 2, cpus])];
    const parallelPlan = [...new Set([g, 1])].flatMap((G) => ['heads', 'T'].flatMap((mode) => workerCounts.map((w) => [mode, G, w])));
    const steps = [['probe', null], ...[...new Set([h, g, 1])].flatMap((G) => [['simd', G], ['scalar', G]]), ...parallelPlan.map((p) => ['parallel', p])];
    let done = 0;
    const progress = (label) => self.postMessage({ progress: { done, total: steps.length, label } });

    progress('loading the cores');
    cores.simd = await loadCore().catch(() => null);
    cores.scalar = await loadCore({ simd: false });
    const main = cores.simd ?? cores.scalar;
    const dtype = main.info.dtypes.cache.includes(wanted) ? wanted : 'f32';  // the dtypes a KV cache stores
    const probe = main.probeMachine({ bytes: 64 * 2 ** 20, reps: 3, iters: 1e7 });
    main.warmUp();
    if (cores.simd) cores.scalar.warmUp();
    done++;
    // one T for every variant, keeping the largest (MHA) cache within the budget
    const mhaBytesPerToken = stepCost(main, { H: h, G: h, d, T: 1, dtype }).kvBytes;
    const T = Math.max(16, Math.min(t, 16384, Math.floor(BUDGET_BYTES / mhaBytesPerToken)));
    const q = new Float32Array(h * d).map((_, i) => Math.cos(i * 0.11));
    const rows = [];
    for (const [variant, G] of steps.slice(1).filter(([v]) => v !== 'parallel')) {
      progress(`${variant === 'simd' ? 'SIMD' : 'scalar'} kernel, ${G} K/V head${G > 1 ? 's' : ''}`);
      const core = cores[variant];
      if (!core) { done++; continue; }
      const cache = core.createKvCache({ nKvHeads: G, headDim: d, capacity: T, dtype });
      try {
        const chunk = Math.max(1, Math.min(T, Math.floor(2 ** 20 / (G * d))));
        const kv = new Float32Array(chunk * G * d).map((_, i) => Math.sin(i * 0.37));
        for (let filled = 0; filled < T; filled += chunk) {
          const n = Math.min(chunk, T - filled);
          cache.append(kv.subarray(0, n * G * d), kv.subarray(0, n * G * d));
        }
        const ms = medianMs(() => cache.attend(q, { nHeads: h }), { maxReps: 31, budgetMs: 250 });
        const madds = stepCost(core, { H: h, G, d, T, dtype }).multiplyAdds;
        const memMs = (1e3 * cache.bytes) / probe.bytesPerSecond, computeMs = (1e3 * madds) / probe.maddsPerSecond;
        rows.push({ variant, nKvHeads: G, kind: main.attentionKind(h, G), tokens: T, ms, kvBytes: cache.bytes, madds, roofMs: Math.max(memMs, computeMs),
          bound: memMs >= computeMs ? 'memory' : 'compute' });
      } finally {
        cache.delete();
      }
      done++;
    }
    // parallel decode: the cache split over Web Workers by K/V heads or by tokens
    const parallel = [];
    const Tp = Math.min(T, 4096);
    for (const [mode, G, workers] of parallelPlan) {
      progress(`${workers} worker${workers > 1 ? 's' : ''}, split by ${mode === 'heads' ? 'K/V heads' : 'tokens'}, ${G} K/V head${G > 1 ? 's' : ''}`);
      const r = await parallelDecode(main, { H: h, G, d, T: Tp, dtype }, { mode, workers, spawn: spawnWebWorker, reps: 9 });
      const kind = main.attentionKind(h, G);
      parallel.push(r ? { mode, G, kind, workers, ms: r.ms } : { mode, G, kind, workers, skipped: true });
      done++;
    }
    for (const p of parallel) {
      const one = parallel.find((x) => x.G === p.G && x.workers === 1 && x.mode === 'heads');
      if (!p.skipped) p.speedup = one.ms / p.ms;
    }

    // what the MHA cache at the reader's full T would need (one layer), when T had to be capped
    const fullBytes = main.kvCacheBytes({ layers: 1, nKvHeads: h, headDim: d, tokens: t, dtype });
    self.postMessage({ result: { dtype, tokens: T, requestedTokens: t, fullBytes, budgetBytes: BUDGET_BYTES, isa: main.info.isa, simd: Boolean(cores.simd), probe, rows,
      parallel, parallelTokens: Tp, cpus: self.navigator?.hardwareConcurrency ?? 0 } });
  } catch (err) {
    self.postMessage({ error: { name: err?.name ?? 'Error', message: String(err?.message ?? err) } });
  }
};
