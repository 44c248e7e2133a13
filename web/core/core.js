// core.js - the JS face of the attention core.
//
//   import { loadCore } from 'gqa-playground';
//   const core = await loadCore();            // SIMD build where WebAssembly SIMD exists
//   const { out, weights } = core.attention({ q, k, v, nHeads: 8, nKvHeads: 2, headDim: 64,
//                                             causal: true, returnWeights: true });
//
// It picks the SIMD or scalar WASM variant, checks every argument before it reaches Embind
// (which would silently turn "abc" into 0), and turns the core's refusals into thrown Errors.
// Every result is a copy, never a view into the WASM heap.
import { bool, checkKeys, exactly, int, oneOf, optionalFinite, refusal, rows, show, unwrap } from './validate.js';
import { NativeHandle } from './handle.js';
import { RecallTrainer, conversionArgs, convertArgs, recallArgs, trainRecallWith } from './quality.js';

/** A 1-function module whose body is a v128.const: valid only where WebAssembly SIMD is. */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // \0asm, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,        // type: () -> v128
  0x03, 0x02, 0x01, 0x00,                          // one function of that type
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c,        // code: v128.const ...
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b,
]);

/** True if this engine runs WebAssembly SIMD128. */
export function simdSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

/** The limits the core enforces (also in buildInfo()); the JS checks use the same numbers. */
const LIMITS = { heads: 1024, headDim: 4096, tokens: 2 ** 24 };
const DTYPES = ['f32', 'f16', 'int8'];
/** Storage types the memory model knows (the KV cache object itself stores the first three). */
export const MEMORY_DTYPES = ['f32', 'f16', 'bf16', 'fp8', 'int8', 'int4'];
const MODEL_LIMITS = { layers: 100000, tokens: 2 ** 40, batch: 2 ** 24 };

/** Thrown when the WebAssembly instance aborted (a trap); the core replaces it on the next call. */
export class CoreAbortedError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'CoreAbortedError';
  }
}

/** The compiled module for `variant`, from bytes, the file (node) or the server (browsers). */
async function compileWasm(variant, bytes) {
  const url = new URL(`./gqa_core_${variant}.wasm`, import.meta.url);
  if (bytes) return WebAssembly.compile(bytes);
  if (isNode) {
    // Emscripten 3.1.6's web build would use node's fetch, which cannot read file: URLs.
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`loadCore: ${url} answered HTTP ${response.status}`);
  return WebAssembly.compileStreaming ? WebAssembly.compileStreaming(response) : WebAssembly.compile(await response.arrayBuffer());
}

/**
 * Loads the core. Options: `simd` (default: detected; false forces the scalar build; true
 * throws where SIMD is missing), `wasmBinary` (bytes, to skip the fetch or file read), `debug`
 * (adds core.debug.abort(), which traps the instance on purpose, for recovery tests).
 */
export async function loadCore(options = {}) {
  checkKeys('loadCore', options, ['simd', 'wasmBinary', 'debug']);
  const hasSimd = simdSupported();
  const simd = bool('simd', options.simd, hasSimd);
  const debug = bool('debug', options.debug, false);
  if (simd && !hasSimd) throw new RangeError('simd (true) was requested but this engine has no WebAssembly SIMD');
  const variant = simd ? 'simd' : 'scalar';
  const [{ default: factory }, wasmModule] = await Promise.all([import(`./gqa_core_${variant}.mjs`), compileWasm(variant, options.wasmBinary)]);
  // One compiled module, instantiated through Emscripten's instantiateWasm hook: asynchronously
  // the first time, synchronously when an aborted instance must be replaced inside a call.
  const instantiate = (sync) => {
    const args = {
      instantiateWasm(imports, receive) {
        if (sync) {
          const instance = new WebAssembly.Instance(wasmModule, imports);
          receive(instance, wasmModule);
          return instance.exports;
        }
        WebAssembly.instantiate(wasmModule, imports).then((instance) => receive(instance, wasmModule));
        return {};
      },
    };
    return { args, ready: factory(args) };
  };
  const module = await instantiate(false).ready;
  const recreate = () => {
    const { args } = instantiate(true);
    if (typeof args.attention !== 'function') throw new CoreAbortedError('the core could not be re-created synchronously; load it again with loadCore()');
    return args;
  };
  return new Core(module, variant, { recreate, debug });
}

export class Core {
  #module;         // the live Emscripten module, or null after an abort
  #proxy;          // the module with every function guarded against traps
  #recreate;
  #generation = 1; // bumped on every replacement: caches of an older instance are gone
  #warned = false;

  constructor(module, variant, { recreate, debug = false } = {}) {
    this.#recreate = recreate;
    this.#adopt(module);
    /** 'simd' or 'scalar': which WASM build is running. */
    this.variant = variant;
    /** { isa, simd, maxRequestBytes, maxMemoryBytes, maxHeads, maxHeadDim, maxTokens } from the core itself. */
    this.info = Object.freeze({ ...module.buildInfo() });
    if (debug) {
      /** Debug only: trap the instance on purpose (as a bug would), to exercise recovery. */
      this.debug = Object.freeze({ abort: () => this.#m.debugAbort() });
    }
  }

  /** How many instances this core has used (1 until an abort forced a fresh one). */
  get generation() { return this.#generation; }

  #adopt(module) {
    this.#module = module;
    this.#proxy = new Proxy(module, {
      get: (target, prop) => {
        const value = target[prop];
        if (prop === 'KvCache' || prop === 'RecallTrainer' || typeof value !== 'function') return value;  // cache methods are guarded by KvCache
        return (...args) => this.#guard(() => value.apply(target, args));
      },
    });
  }

  /** The live module (a fresh instance if the last one aborted), behind the trap guard. */
  get #m() {
    if (!this.#module) {
      this.#adopt(this.#recreate());
      this.#generation++;
    }
    return this.#proxy;
  }

  /**
   * Runs fn; a WebAssembly trap (RuntimeError) means the instance's memory can no longer be
   * trusted, so it is discarded, a fresh one replaces it on the next call, and the caller gets
   * a CoreAbortedError. Said once on the console.
   */
  #guard(fn) {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof WebAssembly.RuntimeError)) throw err;
      this.#module = null;
      if (!this.#warned) {
        this.#warned = true;
        console.warn(`gqa-playground: the WebAssembly core aborted (${err.message}); it was discarded and a fresh instance will serve the next call. KV caches created before are gone.`);
      }
      throw new CoreAbortedError(`the core aborted (${err.message}); a fresh instance will serve the next call`, { cause: err });
    }
  }

  /**
   * Grouped-query attention over a whole sequence (prefill).
   *   q (tq, nHeads, headDim), k and v (tk, nKvHeads, headDim): Float32Array, row-major.
   *   → { out (tq, nHeads, headDim), weights? and scores? (nHeads, tq, tk) }
   */
  attention(args) {
    checkKeys('attention', args, ['q', 'k', 'v', 'nHeads', 'nKvHeads', 'headDim', 'causal', 'scale', 'window',
      'returnWeights', 'returnScores']);
    const nHeads = int('nHeads', args.nHeads, 1, LIMITS.heads);
    const nKvHeads = int('nKvHeads', args.nKvHeads, 1, LIMITS.heads);
    const headDim = int('headDim', args.headDim, 1, LIMITS.headDim);
    if (nHeads % nKvHeads !== 0) throw new RangeError(`nHeads (${nHeads}) must be a multiple of nKvHeads (${nKvHeads})`);
    const causal = bool('causal', args.causal, false);
    const window = int('window', args.window, 0, LIMITS.tokens, 0);
    const scale = optionalFinite('scale', args.scale);
    const returnWeights = bool('returnWeights', args.returnWeights, false);
    const returnScores = bool('returnScores', args.returnScores, false);
    const tq = rows('q', args.q, nHeads * headDim, `[tq][nHeads=${nHeads}][headDim=${headDim}]`);
    const tk = rows('k', args.k, nKvHeads * headDim, `[tk][nKvHeads=${nKvHeads}][headDim=${headDim}]`);
    exactly('v', args.v, args.k.length, `[tk=${tk}][nKvHeads=${nKvHeads}][headDim=${headDim}] like k`);
    if (causal && tq > tk) {
      throw new RangeError(`tq (${tq}) must not exceed tk (${tk}) when causal: the first queries would see no key`);
    }
    const r = unwrap(this.#m.attention({
      tq, tk, nHeads, nKvHeads, headDim, window, causal, returnWeights, returnScores,
      hasScale: scale !== undefined, scale: scale ?? 0,
    }, args.q, args.k, args.v));
    const result = { out: r.out };
    if (returnWeights) result.weights = r.weights;
    if (returnScores) result.scores = r.scores;
    return result;
  }

  // ---- memory model ----------------------------------------------------------------------------

  /** Exact sizes of a KV cache: { dataBytes, scaleBytes, totalBytes, bitsPerElement, quantized }. */
  kvCacheSize(args) {
    checkKeys('kvCacheSize', args, ['layers', 'nKvHeads', 'headDim', 'tokens', 'batch', 'dtype', 'kvFactor']);
    return this.#kvSize(args);
  }

  /** 2 · layers · nKvHeads · headDim · tokens · batch · bytes per element, exact. */
  kvCacheBytes(args) {
    checkKeys('kvCacheBytes', args, ['layers', 'nKvHeads', 'headDim', 'tokens', 'batch', 'dtype']);
    return this.#kvSize(args).dataBytes;
  }

  #kvSize(args) {
    const q = {
      layers: int('layers', args.layers, 1, MODEL_LIMITS.layers),
      nKvHeads: int('nKvHeads', args.nKvHeads, 1, LIMITS.heads),
      headDim: int('headDim', args.headDim, 1, LIMITS.headDim),
      tokens: int('tokens', args.tokens, 1, MODEL_LIMITS.tokens),
      batch: int('batch', args.batch, 1, MODEL_LIMITS.batch, 1),
      dtype: oneOf('dtype', args.dtype, MEMORY_DTYPES, 'f16'),
      kvFactor: int('kvFactor', args.kvFactor, 1, 2, 2),
    };
    return unwrap(this.#m.kvCacheSize(q));
  }

  /** Weights of one layer's projections: { query, keyValue, output } (dModel defaults to nHeads · headDim). */
  projectionParams(args) {
    checkKeys('projectionParams', args, ['dModel', 'nHeads', 'nKvHeads', 'headDim']);
    const nHeads = int('nHeads', args.nHeads, 1, LIMITS.heads);
    const headDim = int('headDim', args.headDim, 1, LIMITS.headDim);
    const nKvHeads = int('nKvHeads', args.nKvHeads, 1, LIMITS.heads);
    const dModel = int('dModel', args.dModel, 1, LIMITS.heads * LIMITS.headDim, nHeads * headDim);
    return unwrap(this.#m.projectionParams(dModel, nHeads, nKvHeads, headDim));
  }

  /** One decode step over `tokens` cached tokens, all layers: { kvBytes, multiplyAdds, intensity }. */
  decodeStepCost(args) {
    checkKeys('decodeStepCost', args, ['layers', 'nHeads', 'nKvHeads', 'headDim', 'tokens', 'dtype']);
    const layers = int('layers', args.layers, 1, MODEL_LIMITS.layers, 1);
    const nHeads = int('nHeads', args.nHeads, 1, LIMITS.heads);
    const nKvHeads = int('nKvHeads', args.nKvHeads, 1, LIMITS.heads);
    const headDim = int('headDim', args.headDim, 1, LIMITS.headDim);
    const tokens = int('tokens', args.tokens, 1, MODEL_LIMITS.tokens);
    const dtype = oneOf('dtype', args.dtype, MEMORY_DTYPES, 'f16');
    return unwrap(this.#m.decodeStepCost(layers, nHeads, nKvHeads, headDim, tokens, dtype));
  }

  /** K/V heads per device under tensor parallelism of degree tp: { headsPerDevice, replication }. */
  tensorParallelKv(args) {
    checkKeys('tensorParallelKv', args, ['nKvHeads', 'tp']);
    return unwrap(this.#m.tensorParallelKv(int('nKvHeads', args.nKvHeads, 1, LIMITS.heads), int('tp', args.tp, 1, 4096)));
  }

  /**
   * Roofline probes, run with this build's own compiler and SIMD width: streaming read bandwidth
   * from a buffer of `bytes` (best of `reps`) and multiply-add throughput.
   * → { bytesPerSecond, maddsPerSecond }
   */
  probeMachine({ bytes = 256 * 2 ** 20, reps = 5, iters = 2e7 } = {}) {
    int('bytes', bytes, 2 ** 20, this.info.maxRequestBytes);
    int('reps', reps, 1, 100);
    int('iters', iters, 1, 2 ** 40);
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
  warmUp({ calls = 300 } = {}) {
    int('calls', calls, 1, 100000);
    const t0 = performance.now();
    const H = 8, G = 2, d = 64, T = 48;
    const k = new Float32Array(T * G * d).map((_, i) => Math.sin(i)), q = new Float32Array(H * d).map((_, i) => Math.cos(i));
    for (const dtype of DTYPES) {
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

  /** The model catalog: [{ id, name, family, layers, nHeads, nKvHeads, headDim, maxContext, params, ... }]. */
  models() { return this.#m.models(); }

  /** Accelerators for the budget solver: [{ id, name, memoryGB, bandwidthGBs }]. */
  devices() { return this.#m.devices(); }

  /** The catalog entry for `id`, or a RangeError naming the closest ids. */
  model(id) {
    return findById('model', id, this.models());
  }

  /**
   * A model's KV cache for `tokens` per sequence and `batch` sequences, with what-ifs:
   * { model, nKvHeads, attention, perToken, cachedTokens, perSequence, total, uncapped, variants }.
   * perToken / perSequence / total are totalBytes (scales included). Sliding-window models cap
   * the cache at the window; `uncapped` gives the figure without the cap.
   */
  modelKvCache(args) {
    checkKeys('modelKvCache', args, ['model', 'tokens', 'batch', 'dtype', 'nKvHeads']);
    const model = this.model(args.model);
    const tokens = int('tokens', args.tokens, 1, MODEL_LIMITS.tokens);
    const batch = int('batch', args.batch, 1, MODEL_LIMITS.batch, 1);
    const dtype = oneOf('dtype', args.dtype, MEMORY_DTYPES, 'f16');
    const G = this.#whatIfHeads(model, args.nKvHeads);
    const size = (nKvHeads, t, b) => this.#kvSize({ layers: model.layers, nKvHeads, headDim: model.headDim, tokens: t,
      batch: b, dtype, kvFactor: model.kvFactor }).totalBytes;
    const cachedTokens = model.slidingWindow ? Math.min(tokens, model.slidingWindow) : tokens;
    const describe = (label, nKvHeads) => ({
      label, nKvHeads, attention: kindOf(model, nKvHeads),
      perToken: size(nKvHeads, 1, 1), total: size(nKvHeads, cachedTokens, batch),
    });
    const variants = whatIfs(model, G).map(([label, g]) => describe(label, g));
    const mha = variants.find((v) => v.nKvHeads === model.nHeads) ?? variants[0];
    for (const v of variants) v.reductionVsMha = mha.total / v.total;
    return {
      model, nKvHeads: G, attention: kindOf(model, G), dtype, tokens, batch, cachedTokens,
      perToken: size(G, 1, 1),
      perSequence: size(G, cachedTokens, 1),
      total: size(G, cachedTokens, batch),
      uncapped: { perSequence: size(G, tokens, 1), total: size(G, tokens, batch) },
      variants,
    };
  }

  /**
   * What fits on one accelerator: max context at `batch`, max batch at `tokens`, and a roofline
   * decode estimate (bytes per step over bandwidth), for the model as published and what-ifs.
   * Give `device` (an id from devices()) or `memoryGB` and `bandwidthGBs`.
   */
  solveBudget(args) {
    checkKeys('solveBudget', args, ['model', 'device', 'memoryGB', 'bandwidthGBs', 'weightDtype', 'kvDtype', 'reserve',
      'tokens', 'batch', 'nKvHeads']);
    const model = this.model(args.model);
    let device;
    if (args.device !== undefined) {
      if (args.memoryGB !== undefined || args.bandwidthGBs !== undefined) {
        throw new TypeError('solveBudget: give either device or memoryGB and bandwidthGBs, not both');
      }
      device = findById('device', args.device, this.devices());
    } else {
      const memoryGB = optionalFinite('memoryGB', args.memoryGB);
      const bandwidthGBs = optionalFinite('bandwidthGBs', args.bandwidthGBs);
      if (!(memoryGB > 0)) throw new RangeError(`memoryGB (${show(args.memoryGB)}) must be a positive number (or give device)`);
      if (!(bandwidthGBs > 0)) throw new RangeError(`bandwidthGBs (${show(args.bandwidthGBs)}) must be a positive number (or give device)`);
      device = { id: 'custom', name: `custom ${memoryGB} GB, ${bandwidthGBs} GB/s`, memoryGB, bandwidthGBs };
    }
    const reserve = optionalFinite('reserve', args.reserve) ?? 0.1;
    if (!(reserve >= 0 && reserve < 1)) throw new RangeError(`reserve (${show(reserve)}) must be a fraction from 0 to below 1`);
    const q = {
      model: model.id,
      weightDtype: oneOf('weightDtype', args.weightDtype, MEMORY_DTYPES, 'f16'),
      kvDtype: oneOf('kvDtype', args.kvDtype, MEMORY_DTYPES, 'f16'),
      memoryBytes: device.memoryGB * 1e9,
      bandwidth: device.bandwidthGBs * 1e9,
      reserve,
      tokens: int('tokens', args.tokens, 1, MODEL_LIMITS.tokens, Math.min(model.maxContext, 8192)),
      batch: int('batch', args.batch, 1, MODEL_LIMITS.batch, 1),
    };
    const G = this.#whatIfHeads(model, args.nKvHeads);
    const variants = whatIfs(model, G).map(([label, nKvHeads]) => ({ label, ...unwrap(this.#m.solveBudget({ ...q, nKvHeads })) }));
    return { model, device, weightDtype: q.weightDtype, kvDtype: q.kvDtype, reserve, tokens: q.tokens, batch: q.batch,
      estimate: 'roofline: a decode step reads the active weights and the whole KV cache once, at the stated bandwidth',
      ...variants.find((v) => v.nKvHeads === G), variants };
  }

  #whatIfHeads(model, nKvHeads) {
    if (nKvHeads === undefined) return model.nKvHeads;
    if (model.attention === 'MLA') throw new RangeError(`nKvHeads: ${model.id} uses MLA (one cached latent), so a K/V-head what-if does not apply`);
    const g = int('nKvHeads', nKvHeads, 1, model.nHeads);
    if (model.nHeads % g !== 0) throw new RangeError(`nKvHeads (${g}) must divide ${model.id}'s ${model.nHeads} query heads`);
    return g;
  }

  /**
   * Combines attention computed over disjoint key ranges (the split-K merge): parts are
   * KvCache.attendPartial results for the same queries, each over its own slice of the tokens.
   *   out = Σ_p sum_p · e^(max_p − M) · out_p / Σ_p sum_p · e^(max_p − M), M = max_p max_p
   */
  mergeAttention(parts, { nHeads, headDim }) {
    if (!Array.isArray(parts) || parts.length < 1 || parts.length > 1024) {
      throw new TypeError(`mergeAttention: parts (${show(parts)}) must be an array of 1 to 1024 attendPartial results`);
    }
    int('nHeads', nHeads, 1, LIMITS.heads);
    int('headDim', headDim, 1, LIMITS.headDim);
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
    return unwrap(this.#m.mergeAttention(parts, n, headDim));
  }

  // ---- the quality lab (quality.js) ----------------------------------------------------------

  /**
   * MHA → GQA/MQA checkpoint conversion (Ainslie et al. 2023): wk and wv, Float32Array in
   * nn.Linear layout [nHeads·headDim][dModel], become [nKvHeads·headDim][dModel] by 'mean'
   * (mean-pool each group's heads), 'first' (keep each group's first head) or 'random' (fresh
   * init, uniform in ±1/sqrt(dModel), from `seed`). → { wk, wv }
   */
  convertKvHeads(args) {
    const [q, wk, wv] = convertArgs(args);
    return unwrap(this.#m.convertKvHeads(q, wk, wv));
  }

  /**
   * The conversion-error experiment: a synthetic MHA layer whose K/V heads correlate by
   * `similarity`, converted to every divisor G of nHeads by each method; the relative error of
   * the attention output against the original on held-out inputs.
   * → [{ nKvHeads, mean, first, random }], G ascending.
   */
  conversionError(args = {}) {
    return unwrap(this.#m.conversionError(conversionArgs(args)));
  }

  /** A recall model and its Adam optimizer (options and defaults: RECALL_DEFAULTS). */
  createRecallTrainer(args = {}) {
    return this.#makeTrainer(recallArgs(args), (native, o) => native.init(o));
  }

  /**
   * One run of the recall experiment: → { options, steps, losses (Float32Array per step),
   * evals [{ step, loss, accuracy, correct, asked }], final, parameterCount }.
   * Options: createRecallTrainer's, plus steps (300), evalEvery (steps/10), onProgress.
   */
  trainRecall(args = {}) {
    return trainRecallWith((o) => this.createRecallTrainer(o), args);
  }

  #makeTrainer(options, init) {
    const native = new this.#m.RecallTrainer();
    const r = this.#guard(() => init(native, options));
    if (r !== undefined) {
      native.delete();
      throw refusal(r);
    }
    const generation = this.#generation;
    return new RecallTrainer(native, options, {
      guard: (fn) => this.#guard(fn),
      alive: () => this.#module !== null && generation === this.#generation,
      make: (o, init) => this.#makeTrainer(o, init),
    });
  }

  /** A KV cache of fixed capacity (tokens) for nKvHeads heads of headDim, stored as dtype. */
  createKvCache(args) {
    checkKeys('createKvCache', args, ['nKvHeads', 'headDim', 'capacity', 'dtype']);
    const nKvHeads = int('nKvHeads', args.nKvHeads, 1, LIMITS.heads);
    const headDim = int('headDim', args.headDim, 1, LIMITS.headDim);
    const capacity = int('capacity', args.capacity, 1, LIMITS.tokens);
    const dtype = oneOf('dtype', args.dtype, DTYPES, 'f32');
    const native = new this.#m.KvCache();
    const r = this.#guard(() => native.init({ nKvHeads, headDim, capacity, dtype }));
    if (r !== undefined) {
      native.delete();
      throw refusal(r);
    }
    const generation = this.#generation;
    return new KvCache(native, nKvHeads, headDim, {
      guard: (fn) => this.#guard(fn),
      alive: () => this.#module !== null && generation === this.#generation,
    });
  }
}

// ---- catalog helpers ------------------------------------------------------------------------

function kindOf(model, nKvHeads) {
  if (model.attention === 'MLA') return 'MLA';
  return nKvHeads === model.nHeads ? 'MHA' : nKvHeads === 1 ? 'MQA' : 'GQA';
}

/** [label, nKvHeads] rows: MHA, the published G, a what-if G, MQA; MLA models only as published. */
function whatIfs(model, G) {
  if (model.attention === 'MLA') return [['as published (MLA)', model.nKvHeads]];
  const rows = [[`MHA (G = ${model.nHeads})`, model.nHeads], [`as published (${model.attention}, G = ${model.nKvHeads})`, model.nKvHeads]];
  if (G !== model.nKvHeads) rows.push([`what-if (${kindOf(model, G)}, G = ${G})`, G]);
  rows.push(['MQA (G = 1)', 1]);
  const seen = new Set();
  return rows.filter(([, g]) => (seen.has(g) ? false : seen.add(g)));
}

/** Edit distance, for "did you mean" lists. */
function editDistance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** The ids of `items` closest to `id`, best first. */
export function closestIds(id, items, count = 3) {
  const key = String(id).toLowerCase();
  return items.map((m) => [m.id, m.id.includes(key) || key.includes(m.id) ? -1 : editDistance(key, m.id)])
    .sort((a, b) => a[1] - b[1]).slice(0, count).map(([i]) => i);
}

function findById(field, id, items) {
  if (typeof id !== 'string') throw new TypeError(`${field} (${show(id)}) must be an id string such as '${items[0].id}'`);
  const found = items.find((m) => m.id === id);
  if (!found) throw new RangeError(`${field} (${show(id)}) is not in the catalog; closest: ${closestIds(id, items).join(', ')}`);
  return found;
}

/** A KV cache in the WASM heap. One owner; call delete() to return its memory. */
export class KvCache {
  #handle;
  #nKvHeads;
  #headDim;
  /** core: { guard, alive } from the Core that made it. */
  constructor(native, nKvHeads, headDim, core) {
    this.#handle = new NativeHandle(native, core, { kind: 'KvCache', noun: 'cache', remedy: 'core.createKvCache()' });
    this.#nKvHeads = nKvHeads;
    this.#headDim = headDim;
  }

  #live(method) { return this.#handle.live(method); }

  /** Appends n tokens: k and v are Float32Array (n, nKvHeads, headDim), n >= 1. */
  append(k, v) {
    const native = this.#live('append');
    const shape = `[n][nKvHeads=${this.#nKvHeads}][headDim=${this.#headDim}]`;
    const n = rows('k', k, this.#nKvHeads * this.#headDim, shape);
    exactly('v', v, k.length, `${shape} like k`);
    if (n > this.capacity - this.length) {
      throw new RangeError(`appending ${n} tokens to a cache holding ${this.length} would exceed its capacity (${this.capacity})`);
    }
    unwrap(native.append(k, v, n));
  }

  /**
   * Attention of q (tq, nHeads, headDim), the queries of the last tq appended tokens, over the
   * cache: causal with respect to it, optional sliding window. → Float32Array shaped like q.
   */
  attend(q, options = {}) {
    const native = this.#live('attend');
    checkKeys('attend', options, ['nHeads', 'scale', 'window']);
    const { nHeads, scale, window, tq } = this.#attendArgs(q, options);
    return unwrap(native.attend(q, { tq, nHeads, window, scale: scale ?? 0, hasScale: scale !== undefined }));
  }

  #attendArgs(q, options) {
    const nHeads = int('nHeads', options.nHeads, 1, LIMITS.heads);
    if (nHeads % this.#nKvHeads !== 0) {
      throw new RangeError(`nHeads (${nHeads}) must be a multiple of nKvHeads (${this.#nKvHeads})`);
    }
    const scale = optionalFinite('scale', options.scale);
    const window = int('window', options.window, 0, LIMITS.tokens, 0);
    const tq = rows('q', q, nHeads * this.#headDim, `[tq][nHeads=${nHeads}][headDim=${this.#headDim}]`);
    if (tq > this.length) {
      throw new RangeError(`tq (${tq}) must be from 1 to the cache length (${this.length}): the queries are those of the last tq appended tokens`);
    }
    return { nHeads, scale, window, tq };
  }

  /**
   * attend() plus each row's softmax statistics, for splitting a cache along T across workers:
   * → { out (tq, nHeads, headDim), max (tq, nHeads), sum (tq, nHeads) }; see core.mergeAttention.
   */
  attendPartial(q, options = {}) {
    const native = this.#live('attendPartial');
    checkKeys('attendPartial', options, ['nHeads', 'scale', 'window']);
    const { nHeads, scale, window, tq } = this.#attendArgs(q, options);
    return unwrap(native.attendPartial(q, { tq, nHeads, window, scale: scale ?? 0, hasScale: scale !== undefined }));
  }

  /** Forgets every token; keeps the memory. */
  clear() { this.#live('clear').clear(); }

  /** Returns the cache's memory to the WASM heap. Safe to call twice. */
  delete() { this.#handle.delete(); }

  get deleted() { return this.#handle.deleted; }
  get length() { return this.#live('length').length(); }
  get capacity() { return this.#live('capacity').capacity(); }
  get dtype() { return this.#live('dtype').dtype(); }
  /** Exact bytes of storage held for K and V, int8 scales included. */
  get bytes() { return this.#live('bytes').bytes(); }
  get nKvHeads() { return this.#nKvHeads; }
  get headDim() { return this.#headDim; }
}

export { show };
export { RECALL_DEFAULTS, CONVERSION_DEFAULTS, CONVERT_METHODS, RecallTrainer } from './quality.js';
