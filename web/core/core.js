// core.js - the JS face of the attention core, and the package's entry point.
//
//   import { loadCore } from 'gqa-playground';
//   const core = await loadCore();            // the relaxed-SIMD build, else SIMD128, else scalar
//   const { out, weights } = core.attention({ q, k, v, nHeads: 8, nKvHeads: 2, headDim: 64,
//                                             causal: true, returnWeights: true });
//
// It checks what the core cannot see before anything reaches Embind (which would silently turn
// "abc" into 0): types, integers, array lengths, unknown keys. Ranges, limits, dtypes and labels
// come from the core itself (core.info), and its refusals become thrown Errors. Every result is
// a copy, never a view into the WASM heap. The loader and trap guard live in loader.js, the KV
// cache in kv-cache.js, the paged cache in paged-kv-cache.js, multi-head latent attention in mla.js, the catalog and sizing functions in sizing.js, the quality lab in quality.js.
import { CoreAbortedError, ISA_VARIANTS, instantiateCore, relaxedSupported, simdSupported, supportedIsas } from './loader.js';
import { createNative } from './handle.js';
import { KvCache } from './kv-cache.js';
import { MlaCache, mlaAttentionArgs, mlaDecodeStepCost } from './mla.js';
import { PagedKvCache } from './paged-kv-cache.js';
import { RecallTrainer, conversionArgs, convertArgs, recallArgs, recallSweepWith, sweepArgs, sweepKvHeads, sweepLoad, trainRecallWith } from './quality.js';
import * as sizing from './sizing.js';
import { bool, checkKeys, exactly, int, integer, oneOf, optionalFinite, optionalSinkLogits, rows, show, unwrap } from './validate.js';

/**
 * Loads the core. Options: `isa` ('relaxed' | 'simd128' | 'scalar'; default: the best this engine
 * runs, in that order; one it lacks throws), `simd` (the older switch: false is isa 'scalar', true
 * is 'simd128'), `wasmBinary` (bytes of that build, to skip the fetch or file read), `debug` (adds
 * core.debug.abort(), which traps the instance on purpose, for recovery tests).
 */
export async function loadCore(options = {}) {
  checkKeys('loadCore', options, ['isa', 'simd', 'wasmBinary', 'debug']);
  const supported = supportedIsas();
  if (options.isa !== undefined && options.simd !== undefined) {
    throw new TypeError(`loadCore: isa (${show(options.isa)}) and simd (${show(options.simd)}) both given; isa alone says which build`);
  }
  const simd = bool('simd', options.simd, undefined);
  const isa = oneOf('isa', options.isa, Object.keys(ISA_VARIANTS), simd === undefined ? supported[0] : simd ? 'simd128' : 'scalar');
  const debug = bool('debug', options.debug, false);
  if (!supported.includes(isa)) {
    const missing = isa === 'relaxed' ? 'WebAssembly relaxed SIMD (node 20: --experimental-wasm-relaxed-simd)' : 'WebAssembly SIMD';
    throw new RangeError(`${options.isa !== undefined ? `isa (${show(isa)})` : 'simd (true)'} was requested but this engine has no ${missing}`);
  }
  const variant = ISA_VARIANTS[isa];
  return new Core(await instantiateCore(variant, options.wasmBinary), variant, { debug });
}

/** core.info from the core's buildInfo(), frozen all the way down. */
function freezeInfo(info) {
  const { cache, memory } = info.dtypes;
  return Object.freeze({
    ...info,
    limits: Object.freeze({ ...info.limits }),
    convertMethods: Object.freeze([...info.convertMethods]),
    recallSweep: Object.freeze({ ...info.recallSweep, loads: Object.freeze([...info.recallSweep.loads]) }),
    layerKinds: Object.freeze([...info.layerKinds]),
    dtypes: Object.freeze({ cache: Object.freeze([...cache]), memory: Object.freeze([...memory]) }),
  });
}

export class Core {
  #guarded;  // GuardedModule (loader.js): the live instance behind the trap guard

  constructor(guarded, variant, { debug = false } = {}) {
    this.#guarded = guarded;
    /** 'relaxed', 'simd' or 'scalar': which WASM build is running (core.info.isa names its ISA). */
    this.variant = variant;
    /** { isa, simd, maxRequestBytes, maxMemoryBytes, maxHeads, maxHeadDim, maxTokens, limits, dtypes, convertMethods } from the core itself. */
    this.info = freezeInfo(guarded.module.buildInfo());
    if (debug) {
      /** Debug only: trap the instance on purpose (as a bug would), to exercise recovery. */
      this.debug = Object.freeze({ abort: () => this.#m.debugAbort() });
    }
  }

  /** How many instances this core has used (1 until an abort forced a fresh one). */
  get generation() { return this.#guarded.generation; }

  /** The live module (a fresh instance if the last one aborted), behind the trap guard. */
  get #m() { return this.#guarded.module; }

  /**
   * Grouped-query attention over a whole sequence (prefill).
   *   q (tq, nHeads, headDim), k and v (tk, nKvHeads, headDim): Float32Array, row-major.
   *   → { out (tq, nHeads, headDim), weights? and scores? (nHeads, tq, tk) }
   * sinkLogits (nHeads) Float32Array, optional: learned attention sinks (gpt-oss), one extra
   * logit per head with no value, so a head can attend to nothing; weights then sum to < 1.
   */
  attention(args) {
    checkKeys('attention', args, ['q', 'k', 'v', 'nHeads', 'nKvHeads', 'headDim', 'causal', 'scale', 'window',
      'returnWeights', 'returnScores', 'sinkLogits']);
    const { limits } = this.info;
    const nHeads = integer('nHeads', args.nHeads, [1, limits.heads]);
    const nKvHeads = integer('nKvHeads', args.nKvHeads, [1, limits.heads]);
    const headDim = integer('headDim', args.headDim, [1, limits.headDim]);
    unwrap(this.#m.validateHeads(nHeads, nKvHeads, headDim));  // before the lengths below depend on it
    const causal = bool('causal', args.causal, false);
    const window = integer('window', args.window, [0, limits.tokens], 0);
    const scale = optionalFinite('scale', args.scale);
    const returnWeights = bool('returnWeights', args.returnWeights, false);
    const returnScores = bool('returnScores', args.returnScores, false);
    const tq = rows('q', args.q, nHeads * headDim, `[tq][nHeads=${nHeads}][headDim=${headDim}]`);
    const tk = rows('k', args.k, nKvHeads * headDim, `[tk][nKvHeads=${nKvHeads}][headDim=${headDim}]`);
    exactly('v', args.v, args.k.length, `[tk=${tk}][nKvHeads=${nKvHeads}][headDim=${headDim}] like k`);
    const sinkLogits = optionalSinkLogits(args.sinkLogits, nHeads);
    const r = unwrap(this.#m.attention({
      tq, tk, nHeads, nKvHeads, headDim, window, causal, returnWeights, returnScores,
      hasScale: scale !== undefined, scale: scale ?? 0,
    }, args.q, args.k, args.v, sinkLogits));
    const result = { out: r.out };
    if (returnWeights) result.weights = r.weights;
    if (returnScores) result.scores = r.scores;
    return result;
  }

  /** 'MHA' (nKvHeads = nHeads), 'MQA' (nKvHeads = 1) or 'GQA' (between; it must divide nHeads). */
  attentionKind(nHeads, nKvHeads) {
    const { limits } = this.info;
    return unwrap(this.#m.attentionKind(integer('nHeads', nHeads, [1, limits.heads]), integer('nKvHeads', nKvHeads, [1, limits.heads])));
  }

  /**
   * A KV cache of fixed capacity (tokens) for nKvHeads heads of headDim, stored as dtype.
   * streaming: { sinks } (StreamingLLM): appending past the capacity keeps the first `sinks`
   * tokens and evicts the oldest of the rest, so memory stays at capacity for any length.
   */
  createKvCache(args) {
    checkKeys('createKvCache', args, ['nKvHeads', 'headDim', 'capacity', 'dtype', 'streaming']);
    const { limits, dtypes } = this.info;
    const nKvHeads = integer('nKvHeads', args.nKvHeads, [1, limits.heads]);
    const headDim = integer('headDim', args.headDim, [1, limits.headDim]);
    const capacity = integer('capacity', args.capacity, [1, limits.tokens]);
    const dtype = oneOf('dtype', args.dtype, dtypes.cache, 'f32');
    let streaming = null;
    if (args.streaming !== undefined) {
      checkKeys('createKvCache: streaming', args.streaming, ['sinks']);
      streaming = Object.freeze({ sinks: integer('streaming.sinks', args.streaming.sinks, [0, capacity - 1]) });
    }
    const [native, owner] = createNative(this.#guarded, 'KvCache', (n) => n.init({
      nKvHeads, headDim, capacity, dtype, streaming: streaming !== null, sinks: streaming?.sinks ?? 0,
    }));
    return new KvCache(native, nKvHeads, headDim, { ...owner, limits, module: () => this.#m }, streaming);
  }

  /**
   * A paged KV cache (PagedAttention): a pool of numBlocks blocks of blockSize tokens, stored as
   * dtype, shared by sequences; fork(id) shares a sequence's blocks, an append copies a shared
   * partly filled last block before writing (copy on write).
   */
  createPagedKvCache(args) {
    checkKeys('createPagedKvCache', args, ['nKvHeads', 'headDim', 'blockSize', 'numBlocks', 'dtype']);
    const { limits, dtypes } = this.info;
    const nKvHeads = integer('nKvHeads', args.nKvHeads, [1, limits.heads]);
    const headDim = integer('headDim', args.headDim, [1, limits.headDim]);
    const blockSize = integer('blockSize', args.blockSize, [1, limits.tokens]);
    const numBlocks = integer('numBlocks', args.numBlocks, [1, limits.tokens]);
    const dtype = oneOf('dtype', args.dtype, dtypes.cache, 'f32');
    const [native, owner] = createNative(this.#guarded, 'PagedKvCache', (n) => n.init({ nKvHeads, headDim, blockSize, numBlocks, dtype }));
    return new PagedKvCache(native, nKvHeads, headDim, { ...owner, limits, module: () => this.#m });
  }

  /**
   * Multi-head latent attention (DeepSeek-V2/V3, Kimi K2), row-major Float32Arrays:
   *   qNope (tq, nHeads, qkNopeHeadDim), qRope (tq, nHeads, qkRopeHeadDim), latent (tk, kvLoraRank),
   *   kRope (tk, qkRopeHeadDim), wUk (nHeads, qkNopeHeadDim, kvLoraRank), wUv (nHeads, vHeadDim, kvLoraRank)
   *   → { out (tq, nHeads, vHeadDim) }.
   * absorb (true) folds wUk into the queries and wUv after the softmax (what a server caching the
   * latent runs); false rebuilds every head's keys and values. scale defaults to 1/√(dn + dr).
   */
  mlaAttention(args) {
    const [a, arrays] = mlaAttentionArgs(args, { limits: this.info.limits, module: () => this.#m });
    return unwrap(this.#m.mlaAttention(a, ...arrays));
  }

  /** An MLA cache of `capacity` tokens, one latent row (kvLoraRank + qkRopeHeadDim) each, in dtype 'f32' | 'f16'. */
  createMlaCache(args) {
    checkKeys('createMlaCache', args, ['kvLoraRank', 'qkRopeHeadDim', 'capacity', 'dtype']);
    const { limits, dtypes } = this.info;
    const kvLoraRank = integer('kvLoraRank', args.kvLoraRank, [1, limits.headDim]);
    const qkRopeHeadDim = integer('qkRopeHeadDim', args.qkRopeHeadDim, [1, limits.headDim]);
    const capacity = integer('capacity', args.capacity, [1, limits.tokens]);
    const dtype = oneOf('dtype', args.dtype, dtypes.cache, 'f32');  // the core refuses int8 for MLA
    const [native, owner] = createNative(this.#guarded, 'MlaCache', (n) => n.init({ kvLoraRank, qkRopeHeadDim, capacity, dtype }));
    return new MlaCache(native, kvLoraRank, qkRopeHeadDim, { ...owner, limits, module: () => this.#m });
  }

  /**
   * One absorbed MLA decode step (an MlaCache's attend) over `tokens` cached latents, one layer:
   * { kvBytes, multiplyAdds, intensity }. kvBytes = tokens · (kvLoraRank + qkRopeHeadDim) · bytes;
   * multiplyAdds = nHeads · (dn·r + 2·tokens·(r + dr) + dv·r).
   */
  mlaDecodeStepCost(args) {
    const { limits, dtypes } = this.info;
    return mlaDecodeStepCost(args, { limits, dtypes, module: () => this.#m });
  }

  /**
   * Combines attention computed over disjoint key ranges (the split-K merge): parts are
   * KvCache.attendPartial results for the same queries, each over its own slice of the tokens.
   *   out = Σ_p sum_p · e^(max_p − M) · out_p / Σ_p sum_p · e^(max_p − M), M = max_p max_p
   * sinkLogits (nHeads), optional: learned sinks applied once, to the merged rows (attendPartial
   * takes none: a sink belongs to the whole row).
   */
  mergeAttention(parts, { nHeads, headDim, sinkLogits }) {
    if (!Array.isArray(parts) || parts.length < 1 || parts.length > 1024) {
      throw new TypeError(`mergeAttention: parts (${show(parts)}) must be an array of 1 to 1024 attendPartial results`);
    }
    const { limits } = this.info;
    integer('nHeads', nHeads, [1, limits.heads]);
    integer('headDim', headDim, [1, limits.headDim]);
    unwrap(this.#m.validateHeads(nHeads, 1, headDim));
    const n = rows('parts[0].max', parts[0]?.max, nHeads, '(tq, nHeads) of softmax maxima') * nHeads;
    parts.forEach((p, i) => {
      checkKeys(`mergeAttention: parts[${i}]`, p, ['out', 'max', 'sum']);
      exactly(`parts[${i}].out`, p.out, n * headDim, `(tq, nHeads=${nHeads}, headDim=${headDim})`);
      exactly(`parts[${i}].max`, p.max, n, '(tq, nHeads)');
      exactly(`parts[${i}].sum`, p.sum, n, '(tq, nHeads)');
      for (let r = 0; r < n; r++) {
        if (!Number.isFinite(p.max[r])) throw new RangeError(`parts[${i}].max[${r}] (${show(p.max[r])}) must be a finite number`);
        if (!(p.sum[r] >= 1 && Number.isFinite(p.sum[r]))) throw new RangeError(`parts[${i}].sum[${r}] (${show(p.sum[r])}) must be a finite number >= 1 (the largest term is e^0)`);
      }
    });
    return unwrap(this.#m.mergeAttention(parts, n, headDim, optionalSinkLogits(sinkLogits, nHeads), nHeads));
  }

  // ---- memory model, catalogs, budget solver, cost model (sizing.js) ---------------------------

  /** Exact sizes of a KV cache: { dataBytes, scaleBytes, totalBytes, bitsPerElement, quantized }. */
  kvCacheSize(args) { return sizing.kvCacheSize(this.#m, this.info, args); }
  /** 2 · layers · nKvHeads · headDim · tokens · batch · bytes per element, exact. */
  kvCacheBytes(args) { return sizing.kvCacheBytes(this.#m, this.info, args); }
  /** The model catalog: [{ id, name, family, layers, nHeads, nKvHeads, headDim, maxContext, params, ... }]. */
  models() { return this.#m.models(); }
  /** Accelerators for the budget solver: [{ id, name, memoryGB, bandwidthGBs }]. */
  devices() { return this.#m.devices(); }
  /** The catalog entry for `id`, or a RangeError naming the closest ids. */
  model(id) { return sizing.model(this.#m, id); }
  /** The model record a config.json (text or object) describes, usable wherever a catalog id is. */
  modelFromConfig(json, options) { return sizing.modelFromConfig(this.#m, this.info, json, options); }
  /** A model's KV cache at a context and batch, layer by layer (windows, chunks, latents, linear states), with what-ifs. */
  modelKvCache(args) { return sizing.modelKvCache(this.#m, this.info, args); }
  /** What fits on one accelerator, and a roofline decode estimate. */
  solveBudget(args) { return sizing.solveBudget(this.#m, this.info, args); }
  /** Weights of one layer's projections: { query, keyValue, output }. */
  projectionParams(args) { return sizing.projectionParams(this.#m, this.info, args); }
  /** One decode step over `tokens` cached tokens, all layers: { kvBytes, multiplyAdds, intensity }. */
  decodeStepCost(args) { return sizing.decodeStepCost(this.#m, this.info, args); }
  /** K/V heads per device under tensor parallelism of degree tp: { headsPerDevice, replication }. */
  tensorParallelKv(args) { return sizing.tensorParallelKv(this.#m, this.info, args); }

  // ---- the machine -----------------------------------------------------------------------------

  /**
   * Roofline probes, run with this build's own compiler and SIMD width: streaming read bandwidth
   * from a buffer of `bytes` (best of `reps`) and multiply-add throughput.
   * → { bytesPerSecond, maddsPerSecond }
   */
  probeMachine(options = {}) {
    checkKeys('probeMachine', options, ['bytes', 'reps', 'iters']);
    const bytes = int('bytes', options.bytes, 2 ** 20, this.info.limits.requestBytes, 256 * 2 ** 20);
    const reps = int('reps', options.reps, 1, 100, 5);
    const iters = int('iters', options.iters, 1, 2 ** 40, 2e7);
    // V8 compiles WASM in tiers and swaps in the optimised code between calls, never inside a
    // running one: warm both probes up with small calls, then take the best of `reps` calls.
    for (let i = 0; i < 5; i++) { this.#m.probeBandwidth(2 ** 20, 1); this.#m.probeMaddThroughput(1e5, 1); }
    let bytesPerSecond = 0, maddsPerSecond = 0;
    for (let i = 0; i < reps; i++) {
      bytesPerSecond = Math.max(bytesPerSecond, unwrap(this.#m.probeBandwidth(bytes, 1)).bytesPerSecond);
      maddsPerSecond = Math.max(maddsPerSecond, unwrap(this.#m.probeMaddThroughput(iters, 1)).maddsPerSecond);
    }
    return { bytesPerSecond, maddsPerSecond };
  }

  /**
   * Runs the decode kernels a few hundred times on tiny caches (every dtype) so V8 has swapped
   * in its optimised WASM code before anything is timed. V8 first runs WASM from a fast baseline
   * compiler and tiers a function up between calls, never inside a running one; a benchmark that
   * skips this times the baseline code (2-3x slower). Returns the milliseconds it took.
   */
  warmUp(options = {}) {
    checkKeys('warmUp', options, ['calls']);
    const calls = int('calls', options.calls, 1, 100000, 300);
    const t0 = performance.now();
    const H = 8, G = 2, d = 64, T = 48;
    const k = new Float32Array(T * G * d).map((_, i) => Math.sin(i)), q = new Float32Array(H * d).map((_, i) => Math.cos(i));
    for (const dtype of this.info.dtypes.cache) {
      const cache = this.createKvCache({ nKvHeads: G, headDim: d, capacity: T, dtype });
      try {
        cache.append(k, k);
        for (let i = 0; i < calls; i++) cache.attend(q, { nHeads: H });
      } finally {
        cache.delete();
      }
    }
    return performance.now() - t0;
  }

  // ---- the quality lab (quality.js) ----------------------------------------------------------

  /**
   * MHA → GQA/MQA checkpoint conversion (Ainslie et al. 2023): wk and wv, Float32Array in
   * nn.Linear layout [nHeads·headDim][dModel], become [nKvHeads·headDim][dModel] by 'mean'
   * (mean-pool each group's heads), 'first' (keep each group's first head) or 'random' (fresh
   * init, uniform in ±1/sqrt(dModel), from `seed`). → { wk, wv }
   */
  convertKvHeads(args) {
    const [q, wk, wv] = convertArgs(args, this.info);
    return unwrap(this.#m.convertKvHeads(q, wk, wv));
  }

  /**
   * The conversion-error experiment: a synthetic MHA layer whose K/V heads correlate by
   * `similarity`, converted to every divisor G of nHeads by each method; the relative error of
   * the attention output against the original on held-out inputs.
   * → [{ nKvHeads, mean, first, random }], G ascending.
   */
  conversionError(args = {}) {
    return unwrap(this.#m.conversionError(conversionArgs(args, this.info.limits)));
  }

  /** A recall model and its Adam optimizer (options and defaults: RECALL_DEFAULTS). */
  createRecallTrainer(args = {}) {
    return this.#makeTrainer(recallArgs(args, this.info.limits), (native, o) => native.init(o));
  }

  /**
   * One run of the recall experiment: → { options, steps, losses (Float32Array per step),
   * evals [{ step, loss, accuracy, correct, asked }], final, parameterCount }.
   * Options: createRecallTrainer's, plus steps (300), evalEvery (steps/10), onProgress.
   */
  trainRecall(args = {}) {
    return trainRecallWith((o) => this.createRecallTrainer(o), args, this.info.limits);
  }

  /**
   * The load sweep: for each load (pairs per sequence) and each G, a fresh recall model (the sweep's
   * settings, core.info.recallSweep) trained `steps` steps on that load and scored on its
   * held-out set. Deterministic for a seed; every cell starts from the same weights outside K/V.
   * loads (default core.info.recallSweep.loads), each from its queries to its keyVocab;
   * nKvHeads (default every divisor of nHeads, largest first); steps; seed; inspect: a held-out
   * sequence to trace in every cell (RecallTrainer.inspect); onProgress({ cell, cells, pairs,
   * nKvHeads, step, steps }).
   * → { steps, seed, rows: [{ pairs, nKvHeads, kind, accuracy, loss, correct, asked, keyHits, headReads, inspect? }] }
   */
  recallSweep(args = {}) {
    const sweep = this.info.recallSweep;
    return recallSweepWith((pairs, nKvHeads, seed) => this.createSweepTrainer({ pairs, nKvHeads, seed }),
      (g) => this.attentionKind(sweep.nHeads, g), sweepArgs(args, sweep, this.info.limits));
  }

  /** The trainer of one cell of the load sweep: { pairs, nKvHeads, seed? } (see recallSweep). */
  createSweepTrainer(args) {
    checkKeys('createSweepTrainer', args, ['pairs', 'nKvHeads', 'seed']);
    const sweep = this.info.recallSweep;
    const pairs = sweepLoad('pairs', args.pairs, sweep), nKvHeads = sweepKvHeads('nKvHeads', args.nKvHeads, sweep);
    const seed = int('seed', args.seed, 0, Number.MAX_SAFE_INTEGER, sweep.seed);
    const { loads, steps, ...settings } = sweep;
    return this.#makeTrainer({ ...settings, pairs, nKvHeads, seed }, (native, o) => native.initSweep(o.pairs, o.nKvHeads, o.seed));
  }

  #makeTrainer(options, init) {
    const [native, owner] = createNative(this.#guarded, 'RecallTrainer', (n) => init(n, options));
    return new RecallTrainer(native, options, { ...owner, info: this.info, make: (o, i) => this.#makeTrainer(o, i) });
  }
}

export { CoreAbortedError, relaxedSupported, simdSupported, supportedIsas, KvCache, MlaCache, PagedKvCache, show };
export { closestIds } from './sizing.js';
export { MEMORY_DTYPES } from './dtypes.js';
export { RECALL_DEFAULTS, RECALL_SWEEP, CONVERSION_DEFAULTS, CONVERT_METHODS, RecallTrainer } from './quality.js';
