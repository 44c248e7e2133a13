// kv-cache.js - the KV cache in the WASM heap as JS owns it: one owner, one delete(). Shapes and
// array lengths are checked here; ranges and their messages come from the core.
import { NativeHandle } from './handle.js';
import { checkKeys, exactly, integer, optionalFinite, optionalSinkLogits, rows, unwrap } from './validate.js';

/** k and v (n, nKvHeads, headDim) of one append, checked alike → n. */
export function tokenRows(k, v, nKvHeads, headDim) {
  const shape = `[n][nKvHeads=${nKvHeads}][headDim=${headDim}]`;
  const n = rows('k', k, nKvHeads * headDim, shape);
  exactly('v', v, k.length, `${shape} like k`);
  return n;
}

/**
 * An attend's options for the module's AttendArgs: nHeads, scale, window checked (the heads by
 * the core, before q's length depends on them), tq from q (tq, nHeads, headDim).
 */
export function attendArgs(q, options, { limits, module }, nKvHeads, headDim) {
  const nHeads = integer('nHeads', options.nHeads, [1, limits.heads]);
  const scale = optionalFinite('scale', options.scale);
  const window = integer('window', options.window, [0, limits.tokens], 0);
  unwrap(module().validateHeads(nHeads, nKvHeads, headDim));
  const tq = rows('q', q, nHeads * headDim, `[tq][nHeads=${nHeads}][headDim=${headDim}]`);
  return { tq, nHeads, window, scale: scale ?? 0, hasScale: scale !== undefined };
}

/** A KV cache in the WASM heap. One owner; call delete() to return its memory. */
export class KvCache {
  #handle;
  #core;  // { guard, alive, limits, module } from the Core that made it
  #nKvHeads;
  #headDim;
  #streaming;

  constructor(native, nKvHeads, headDim, core, streaming = null) {
    this.#handle = new NativeHandle(native, core, { kind: 'KvCache', noun: 'cache', remedy: 'core.createKvCache()' });
    this.#core = core;
    this.#nKvHeads = nKvHeads;
    this.#headDim = headDim;
    this.#streaming = streaming;
  }

  #live(method) { return this.#handle.live(method); }

  /**
   * Appends n tokens: k and v are Float32Array (n, nKvHeads, headDim), n >= 1. Past the
   * capacity: refused, or (streaming) the oldest tokens after the sinks are evicted.
   */
  append(k, v) {
    const native = this.#live('append');
    const n = tokenRows(k, v, this.#nKvHeads, this.#headDim);
    unwrap(native.append(k, v, n));  // the core refuses past the capacity unless streaming
  }

  /**
   * Attention of q (tq, nHeads, headDim), the queries of the last tq appended tokens, over the
   * cache: causal with respect to it, optional sliding window, optional sinkLogits (nHeads): one
   * extra logit per head with no value (gpt-oss). → Float32Array shaped like q.
   */
  attend(q, options = {}) {
    const native = this.#live('attend');
    checkKeys('attend', options, ['nHeads', 'scale', 'window', 'sinkLogits']);
    const args = this.#attendArgs(q, options);
    return unwrap(native.attend(q, args, optionalSinkLogits(options.sinkLogits, args.nHeads)));
  }

  /**
   * attend() plus each row's softmax statistics, for splitting a cache along T across workers:
   * → { out (tq, nHeads, headDim), max (tq, nHeads), sum (tq, nHeads) }; see core.mergeAttention.
   * No sinkLogits: a sink belongs to the whole row, so it applies once, after the merge.
   */
  attendPartial(q, options = {}) {
    const native = this.#live('attendPartial');
    if (options !== null && typeof options === 'object' && 'sinkLogits' in options) {
      throw new TypeError('attendPartial: sinkLogits is not accepted: a sink applies once to the whole row, after the parts are merged (core.mergeAttention(parts, { ..., sinkLogits }))');
    }
    checkKeys('attendPartial', options, ['nHeads', 'scale', 'window']);
    return unwrap(native.attendPartial(q, this.#attendArgs(q, options)));
  }

  #attendArgs(q, options) {
    const args = attendArgs(q, options, this.#core, this.#nKvHeads, this.#headDim);
    if (args.tq > this.length) {
      throw new RangeError(`tq (${args.tq}) must be from 1 to the cache length (${this.length}): the queries are those of the last tq appended tokens`);
    }
    return args;
  }

  /** Forgets every token; keeps the memory. */
  clear() { this.#live('clear').clear(); }

  /** Returns the cache's memory to the WASM heap. Safe to call twice. */
  delete() { this.#handle.delete(); }

  get deleted() { return this.#handle.deleted; }
  /** Tokens kept (<= capacity). */
  get length() { return this.#live('length').length(); }
  /** Tokens appended since creation or clear(), evicted ones included. */
  get seen() { return this.#live('seen').seen(); }
  /** { sinks } for a streaming cache, else null. */
  get streaming() { return this.#streaming; }
  get capacity() { return this.#live('capacity').capacity(); }
  get dtype() { return this.#live('dtype').dtype(); }
  /** Exact bytes of storage held for K and V, int8 scales included. */
  get bytes() { return this.#live('bytes').bytes(); }
  get nKvHeads() { return this.#nKvHeads; }
  get headDim() { return this.#headDim; }
}
