// paged-kv-cache.js - the paged KV cache (PagedAttention) in the WASM heap as JS owns it: one
// owner, one delete(). Sequences are the integer ids it hands out. Types, shapes and array
// lengths are checked here; ranges, ids and their messages come from the core.
import { NativeHandle } from './handle.js';
import { attendArgs, tokenRows } from './kv-cache.js';
import { checkKeys, integer, optionalSinkLogits, unwrap } from './validate.js';

/**
 * A pool of numBlocks blocks of blockSize tokens shared by sequences: fork(id) shares every
 * block of a sequence (a prompt stored once, many continuations), and an append to a shared,
 * partly filled last block copies it first. One owner; call delete() to return its memory.
 */
export class PagedKvCache {
  #handle;
  #core;  // { guard, alive, limits, module } from the Core that made it
  #nKvHeads;
  #headDim;

  constructor(native, nKvHeads, headDim, core) {
    this.#handle = new NativeHandle(native, core, { kind: 'PagedKvCache', noun: 'paged cache', remedy: 'core.createPagedKvCache()' });
    this.#core = core;
    this.#nKvHeads = nKvHeads;
    this.#headDim = headDim;
  }

  #live(method) { return this.#handle.live(method); }

  /** A sequence id: an integer the core checks (a freed or unknown one is refused by name). */
  #id(id) { return integer('id', id, [0, Number.MAX_SAFE_INTEGER]); }

  /** A new empty sequence → its id. */
  addSequence() { return unwrap(this.#live('addSequence').addSequence()); }

  /** A new sequence sharing every block (and token) of sequence id → its id. Takes no block. */
  fork(id) { return unwrap(this.#live('fork').fork(this.#id(id))); }

  /**
   * Appends n tokens to sequence id: k and v are Float32Array (n, nKvHeads, headDim), n >= 1.
   * All or nothing: without enough free blocks it throws and nothing changes.
   */
  append(id, k, v) {
    const native = this.#live('append');
    const seq = this.#id(id);
    const n = tokenRows(k, v, this.#nKvHeads, this.#headDim);
    unwrap(native.append(seq, k, v, n));
  }

  /**
   * Attention of q (tq, nHeads, headDim), the queries of sequence id's last tq tokens, over its
   * tokens: causal, optional sliding window, scale, sinkLogits (nHeads) as KvCache.attend.
   * → Float32Array shaped like q.
   */
  attend(id, q, options = {}) {
    const native = this.#live('attend');
    const seq = this.#id(id);
    checkKeys('attend', options, ['nHeads', 'scale', 'window', 'sinkLogits']);
    const args = attendArgs(q, options, this.#core, this.#nKvHeads, this.#headDim);  // tq is checked by the core
    return unwrap(native.attend(seq, q, args, optionalSinkLogits(options.sinkLogits, args.nHeads)));
  }

  /** Sequence id's block table: the physical block holding each run of blockSize tokens. */
  blockTable(id) { return Array.from(unwrap(this.#live('blockTable').blockTable(this.#id(id)))); }

  /** Sequence id's tokens. */
  length(id) { return unwrap(this.#live('length').length(this.#id(id))); }

  /** Ends sequence id: its blocks lose a reference, and those no sequence holds are free again. */
  free(id) { unwrap(this.#live('free').free(this.#id(id))); }

  /** { usedBlocks, freeBlocks, sharedBlocks }: usedBlocks + freeBlocks = numBlocks; shared: held by more than one sequence. */
  stats() { return this.#live('stats').stats(); }

  /** Returns the pool's memory to the WASM heap. Safe to call twice. */
  delete() { this.#handle.delete(); }

  get deleted() { return this.#handle.deleted; }
  get blockSize() { return this.#live('blockSize').blockSize(); }
  get numBlocks() { return this.#live('numBlocks').numBlocks(); }
  get dtype() { return this.#live('dtype').dtype(); }
  /** Exact bytes of the pool's K and V (numBlocks · blockSize tokens), int8 scales included. */
  get bytes() { return this.#live('bytes').bytes(); }
  get nKvHeads() { return this.#nKvHeads; }
  get headDim() { return this.#headDim; }
}
