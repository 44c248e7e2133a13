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
import { bool, checkKeys, exactly, int, oneOf, optionalFinite, rows, show } from './validate.js';

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

/** The Error the core's { error, name } refusal stands for. */
function refusal(r) {
  const Kind = r.name === 'TypeError' ? TypeError : r.name === 'RangeError' ? RangeError : Error;
  return new Kind(r.error);
}

function unwrap(r) {
  if (r !== null && typeof r === 'object' && typeof r.error === 'string') throw refusal(r);
  return r;
}

/**
 * Loads the core. Options: `simd` (default: detected; false forces the scalar build; true
 * throws where SIMD is missing), `wasmBinary` (bytes, to skip the fetch or file read).
 */
export async function loadCore(options = {}) {
  checkKeys('loadCore', options, ['simd', 'wasmBinary']);
  const hasSimd = simdSupported();
  const simd = bool('simd', options.simd, hasSimd);
  if (simd && !hasSimd) throw new RangeError('simd (true) was requested but this engine has no WebAssembly SIMD');
  const variant = simd ? 'simd' : 'scalar';
  const { default: factory } = await import(`./gqa_core_${variant}.mjs`);
  const wasmUrl = new URL(`./gqa_core_${variant}.wasm`, import.meta.url);
  const moduleArgs = {};
  if (options.wasmBinary) moduleArgs.wasmBinary = options.wasmBinary;
  else if (isNode) {
    // Emscripten 3.1.6's web build would use node's fetch, which cannot read file: URLs.
    const { readFile } = await import('node:fs/promises');
    moduleArgs.wasmBinary = await readFile(wasmUrl);
  } else moduleArgs.locateFile = (path) => new URL(path, import.meta.url).href;
  const module = await factory(moduleArgs);
  return new Core(module, variant);
}

export class Core {
  #m;
  constructor(module, variant) {
    this.#m = module;
    /** 'simd' or 'scalar': which WASM build is running. */
    this.variant = variant;
    /** { isa, simd, maxRequestBytes, maxHeads, maxHeadDim, maxTokens } from the core itself. */
    this.info = Object.freeze({ ...module.buildInfo() });
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

  /** A KV cache of fixed capacity (tokens) for nKvHeads heads of headDim, stored as dtype. */
  createKvCache(args) {
    checkKeys('createKvCache', args, ['nKvHeads', 'headDim', 'capacity', 'dtype']);
    const nKvHeads = int('nKvHeads', args.nKvHeads, 1, LIMITS.heads);
    const headDim = int('headDim', args.headDim, 1, LIMITS.headDim);
    const capacity = int('capacity', args.capacity, 1, LIMITS.tokens);
    const dtype = oneOf('dtype', args.dtype, DTYPES, 'f32');
    const native = new this.#m.KvCache();
    const r = native.init({ nKvHeads, headDim, capacity, dtype });
    if (r !== undefined) {
      native.delete();
      throw refusal(r);
    }
    return new KvCache(native, nKvHeads, headDim);
  }
}

/** A KV cache in the WASM heap. One owner; call delete() to return its memory. */
export class KvCache {
  #native;
  #nKvHeads;
  #headDim;
  constructor(native, nKvHeads, headDim) {
    this.#native = native;
    this.#nKvHeads = nKvHeads;
    this.#headDim = headDim;
  }

  #live(method) {
    if (!this.#native) throw new Error(`KvCache.${method}: this cache was deleted; create a new one with core.createKvCache()`);
    return this.#native;
  }

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
    return unwrap(native.attend(q, { tq, nHeads, window, scale: scale ?? 0, hasScale: scale !== undefined }));
  }

  /** Forgets every token; keeps the memory. */
  clear() { this.#live('clear').clear(); }

  /** Returns the cache's memory to the WASM heap. Safe to call twice. */
  delete() {
    if (this.#native) this.#native.delete();
    this.#native = null;
  }

  get deleted() { return this.#native === null; }
  get length() { return this.#live('length').length(); }
  get capacity() { return this.#live('capacity').capacity(); }
  get dtype() { return this.#live('dtype').dtype(); }
  /** Exact bytes of storage held for K and V, int8 scales included. */
  get bytes() { return this.#live('bytes').bytes(); }
  get nKvHeads() { return this.#nKvHeads; }
  get headDim() { return this.#headDim; }
}

export { show };
