// parallel.js - a decode step split across workers, each with its own WASM instance and its
// slice of the cache, the two ways inference engines split it:
//   heads: worker w holds G/W of the K/V heads and their query heads (tensor parallelism's
//          split); impossible once workers outnumber K/V heads (MQA: G = 1).
//   T:     worker w holds T/W of the tokens for every head and returns its softmax statistics;
//          the caller's core merges the parts (max, sum, output), as llama.cpp's split-K does.
// `spawn()` returns { call(msg) -> Promise<reply>, terminate() } for a worker running
// decode-shard.js: node worker threads in the benchmark, Web Workers in the page.
import { stepInputs } from './bench-data.js';
import { median, medianMs } from './timing.js';

/** Gathers K/V heads [g0, g1) of x (T, G, d) into (T, g1 - g0, d). */
function headSlice(x, { G, d, T }, g0, g1) {
  const out = new Float32Array(T * (g1 - g0) * d);
  for (let t = 0; t < T; t++) out.set(x.subarray((t * G + g0) * d, (t * G + g1) * d), t * (g1 - g0) * d);
  return out;
}

/** The init message of worker i of `workers` for `mode`. */
function shardOf(input, shape, mode, i, workers) {
  const { H, G, d, T, dtype } = shape;
  if (mode === 'heads') {
    const g0 = (G * i) / workers, g1 = (G * (i + 1)) / workers, m = H / G;
    return { nKvHeads: g1 - g0, headDim: d, dtype, nHeads: (g1 - g0) * m,
      k: headSlice(input.k, shape, g0, g1), v: headSlice(input.v, shape, g0, g1), q: input.q.slice(g0 * m * d, g1 * m * d) };
  }
  const t0 = Math.floor((T * i) / workers), t1 = Math.floor((T * (i + 1)) / workers);
  return { nKvHeads: G, headDim: d, dtype, nHeads: H, partial: true,
    k: input.k.slice(t0 * G * d, t1 * G * d), v: input.v.slice(t0 * G * d, t1 * G * d), q: input.q };
}

/**
 * The step against bounds measured in the same seconds: `rounds` times, the read and multiply-add
 * probes run in the step's own workers at once (each streaming as many bytes as its slice of the
 * cache holds), then one step is timed. This machine's bandwidth drifts by 2x within minutes, so a
 * bound probed once, before, can be far from the one the step met. Per round: the probes' summed
 * rates, the step's wall time and its slowest kernel.
 */
async function interleavedRounds(threads, step, kernels, { G, d, T }, { workers, rounds }) {
  const sliceBytes = Math.max(2 ** 20, Math.ceil((2 * G * T * d * 4) / workers));  // f32 K and V, one worker's part
  const per = [];
  for (let r = 0; r < rounds; r++) {
    const probes = await Promise.all(threads.map((w) => w.call({ probe: { bytes: sliceBytes, reps: 1, iters: 2e6 } })));
    kernels.length = 0;
    const t0 = performance.now();
    await step();
    const ms = performance.now() - t0;
    per.push({ ms, kernelMs: kernels[0], bytesPerSecond: probes.reduce((a, p) => a + p.bytesPerSecond, 0),
      maddsPerSecond: probes.reduce((a, p) => a + p.maddsPerSecond, 0) });
  }
  return per;
}

/**
 * The probes run in `workers` workers at once (each its own instance): bandwidth and multiply-add
 * throughput summed over them, the bounds of a step split `workers` ways ({ bytesPerSecond,
 * maddsPerSecond }, for bounds.js). `probe`: core.probeMachine's options.
 */
export async function parallelProbe({ workers, spawn, probe = {} }) {
  const threads = Array.from({ length: workers }, spawn);
  try {
    // a small probe first, so that every worker has loaded its core before the timed ones start together
    await Promise.all(threads.map((w) => w.call({ probe: { bytes: 2 ** 20, reps: 1, iters: 1e5 } })));
    const parts = await Promise.all(threads.map((w) => w.call({ probe })));
    const sum = (key) => parts.reduce((a, p) => a + p[key], 0);
    return { bytesPerSecond: sum('bytesPerSecond'), maddsPerSecond: sum('maddsPerSecond') };
  } finally {
    await Promise.all(threads.map((w) => w.terminate()));
  }
}

/**
 * Median ms per decode step (over `reps` batched samples, timing.js) with `workers` workers in
 * `mode` ('heads' | 'T'), the output, and where the time went: kernelMs (the slowest worker's own
 * attend call, median over the steps) and overheadMs (the rest: messages, wake-ups, the merge);
 * with `interleave` > 0, also `rounds`: that many rounds of probes and a step alternating;
 * null when the heads cannot be split that many ways.
 */
export async function parallelDecode(core, shape, { mode, workers, spawn, reps = 15, interleave = 0 }) {
  const { H, G, d } = shape;
  if (mode === 'heads' && G % workers !== 0) return null;
  const input = stepInputs(shape);
  const threads = Array.from({ length: workers }, spawn);
  try {
    await Promise.all(threads.map((w, i) => w.call({ init: shardOf(input, shape, mode, i, workers) })));
    const kernels = [];  // per step: the slowest worker's own attend time
    const step = async () => {
      const parts = await Promise.all(threads.map((w) => w.call({ step: true })));
      kernels.push(Math.max(...parts.map((p) => p.kernelMs)));
      if (mode === 'T') return core.mergeAttention(parts.map((p) => ({ out: p.out, max: p.max, sum: p.sum })), { nHeads: H, headDim: d });
      const out = new Float32Array(H * d);
      let at = 0;
      for (const p of parts) { out.set(p.out, at); at += p.out.length; }
      return out;
    };
    const out = await step();
    kernels.length = 0;
    const ms = await medianMs(step, { minReps: reps, maxReps: reps, budgetMs: 0 });
    // where a step's time goes: the slowest worker's kernel (the median over the timed steps), and
    // the rest (posting the query, waking the workers, sending the parts back, merging)
    const kernelMs = median(kernels);
    const rounds = interleave > 0 ? await interleavedRounds(threads, step, kernels, shape, { workers, rounds: interleave }) : null;
    return { ms, out, kernelMs, overheadMs: ms - kernelMs, ...(rounds ? { rounds } : {}) };
  } finally {
    await Promise.all(threads.map((w) => w.terminate()));
  }
}
