// mla.js - multi-head latent attention through the JS face: the arguments of core.mlaAttention and
// the MLA cache (one owner, one delete()). Shapes and array lengths are checked here; ranges and
// their messages come from the core.
import { NativeHandle } from './handle.js';
import { bool, checkKeys, exactly, integer, oneOf, optionalFinite, rows, unwrap } from './validate.js';

/** The widths both entry points take: integers (here), within the core's ranges (the core asks). */
function widths(args, { limits, module }, fixed = {}) {
  const w = { ...fixed };
  for (const name of ['nHeads', 'kvLoraRank', 'qkRopeHeadDim', 'qkNopeHeadDim', 'vHeadDim']) {
    w[name] ??= integer(name, args[name], [1, name === 'nHeads' ? limits.heads : limits.headDim]);
  }
  unwrap(module().validateMlaWidths(w.nHeads, w.kvLoraRank, w.qkRopeHeadDim, w.qkNopeHeadDim, w.vHeadDim));
  return w;
}

/** q_nope (tq, H, dn) sets tq; the query side's other arrays must match it. */
function queryArrays(args, { nHeads: H, qkNopeHeadDim: dn, qkRopeHeadDim: dr, kvLoraRank: r, vHeadDim: dv }) {
  const tq = rows('qNope', args.qNope, H * dn, `[tq][nHeads=${H}][qkNopeHeadDim=${dn}]`);
  exactly('qRope', args.qRope, tq * H * dr, `[tq=${tq}][nHeads=${H}][qkRopeHeadDim=${dr}]`);
  exactly('wUk', args.wUk, H * dn * r, `[nHeads=${H}][qkNopeHeadDim=${dn}][kvLoraRank=${r}]`);
  exactly('wUv', args.wUv, H * dv * r, `[nHeads=${H}][vHeadDim=${dv}][kvLoraRank=${r}]`);
  return tq;
}

/** core.mlaAttention's arguments → [MlaArgs, arrays] for the module. */
export function mlaAttentionArgs(args, core) {
  checkKeys('mlaAttention', args, ['qNope', 'qRope', 'latent', 'kRope', 'wUk', 'wUv', 'nHeads', 'kvLoraRank',
    'qkNopeHeadDim', 'qkRopeHeadDim', 'vHeadDim', 'causal', 'scale', 'absorb']);
  const w = widths(args, core);
  const causal = bool('causal', args.causal, false);
  const absorb = bool('absorb', args.absorb, true);
  const scale = optionalFinite('scale', args.scale);
  const tq = queryArrays(args, w);
  const tk = rows('latent', args.latent, w.kvLoraRank, `[tk][kvLoraRank=${w.kvLoraRank}]`);
  exactly('kRope', args.kRope, tk * w.qkRopeHeadDim, `[tk=${tk}][qkRopeHeadDim=${w.qkRopeHeadDim}]`);
  return [{ ...w, tq, tk, causal, absorb, hasScale: scale !== undefined, scale: scale ?? 0 },
    [args.qNope, args.qRope, args.latent, args.kRope, args.wUk, args.wUv]];
}

/**
 * One absorbed decode step over `tokens` latents, one layer, the cache in dtype 'f32' | 'f16':
 * { kvBytes, multiplyAdds, intensity } from the core's cost model.
 */
export function mlaDecodeStepCost(args, core) {
  checkKeys('mlaDecodeStepCost', args, ['nHeads', 'kvLoraRank', 'qkRopeHeadDim', 'qkNopeHeadDim', 'vHeadDim', 'tokens', 'dtype']);
  const w = widths(args, core);
  const tokens = integer('tokens', args.tokens, [1, core.limits.tokens]);
  const dtype = oneOf('dtype', args.dtype, core.dtypes.cache, 'f32');  // the core refuses int8 for MLA
  return unwrap(core.module().mlaDecodeStepCost(w.nHeads, w.kvLoraRank, w.qkRopeHeadDim, w.qkNopeHeadDim, w.vHeadDim, tokens, dtype));
}

/**
 * An MLA cache in the WASM heap: one row [latent | kRope] of kvLoraRank + qkRopeHeadDim numbers per
 * token. One owner; call delete() to return its memory.
 */
export class MlaCache {
  #handle;
  #core;  // { guard, alive, limits, module } from the Core that made it
  #r;
  #dr;

  constructor(native, kvLoraRank, qkRopeHeadDim, core) {
    this.#handle = new NativeHandle(native, core, { kind: 'MlaCache', noun: 'MLA cache', remedy: 'core.createMlaCache()' });
    this.#core = core;
    this.#r = kvLoraRank;
    this.#dr = qkRopeHeadDim;
  }

  #live(method) { return this.#handle.live(method); }

  /** Appends n tokens: latent (n, kvLoraRank) and kRope (n, qkRopeHeadDim), Float32Array. */
  append(latent, kRope) {
    const native = this.#live('append');
    const n = rows('latent', latent, this.#r, `[n][kvLoraRank=${this.#r}]`);
    exactly('kRope', kRope, n * this.#dr, `[n=${n}][qkRopeHeadDim=${this.#dr}]`);
    unwrap(native.append(latent, kRope, n));  // the core refuses past the capacity
  }

  /**
   * Attention of the last tq appended tokens' queries over the cache (causal), by the absorbed
   * path: { qNope (tq, nHeads, qkNopeHeadDim), qRope (tq, nHeads, qkRopeHeadDim), wUk, wUv, nHeads,
   * qkNopeHeadDim, vHeadDim, scale? } → Float32Array (tq, nHeads, vHeadDim).
   */
  attend(args) {
    const native = this.#live('attend');
    checkKeys('attend', args, ['qNope', 'qRope', 'wUk', 'wUv', 'nHeads', 'qkNopeHeadDim', 'vHeadDim', 'scale']);
    const w = widths(args, this.#core, { kvLoraRank: this.#r, qkRopeHeadDim: this.#dr });
    const scale = optionalFinite('scale', args.scale);
    const tq = queryArrays(args, w);
    return unwrap(native.attend(args.qNope, args.qRope, args.wUk, args.wUv, {
      tq, nHeads: w.nHeads, qkNopeHeadDim: w.qkNopeHeadDim, vHeadDim: w.vHeadDim,
      hasScale: scale !== undefined, scale: scale ?? 0,
    }));
  }

  /** Forgets every token; keeps the memory. */
  clear() { this.#live('clear').clear(); }

  /** Returns the cache's memory to the WASM heap. Safe to call twice. */
  delete() { this.#handle.delete(); }

  get deleted() { return this.#handle.deleted; }
  get length() { return this.#live('length').length(); }
  get capacity() { return this.#live('capacity').capacity(); }
  get dtype() { return this.#live('dtype').dtype(); }
  /** Exact bytes held: capacity · (kvLoraRank + qkRopeHeadDim) · bytes per element. */
  get bytes() { return this.#live('bytes').bytes(); }
  get kvLoraRank() { return this.#r; }
  get qkRopeHeadDim() { return this.#dr; }
}
