// example.js - the deterministic inputs behind the heatmaps, shared by the worker and the tests.
import { mulberry32 } from '../lib/rng.js';

/**
 * q (T, H, d), k and v (T, G, d) for a T-token example. Keys carry a shared "position" direction
 * so that the heads show structure (recent tokens, the first token) rather than noise; queries
 * mix it in with a per-head strength, so heads in one group still differ.
 */
export function exampleInputs({ nHeads: H, nKvHeads: G, headDim: d, tokens: T, seed = 7 }) {
  const r = mulberry32(seed * 1000003 + H * 131 + G * 17 + d);
  const q = new Float32Array(T * H * d), k = new Float32Array(T * G * d), v = new Float32Array(T * G * d);
  // pos(t, c) = cos((c + 1)(t + 1)·0.7), once per (t, c): the heads reuse it, and at 128 heads of 576
  // dimensions recomputing it per head was most of the snapshot's time
  const pos = new Float64Array(d);
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < d; c++) pos[c] = Math.cos((c + 1) * (t + 1) * 0.7);
    for (let g = 0; g < G; g++) {
      for (let c = 0; c < d; c++) {
        k[(t * G + g) * d + c] = 0.6 * pos[c] + 0.8 * r();
        v[(t * G + g) * d + c] = r();
      }
    }
    for (let h = 0; h < H; h++) {
      const strength = 1.5 * Math.sin(h + 1);
      for (let c = 0; c < d; c++) q[(t * H + h) * d + c] = strength * pos[c] + 0.8 * r();
    }
  }
  return { q, k, v };
}

/** K and V repeated so each of the H query heads has its own copy: what `repeat_kv` builds. */
export function repeatKv(k, { nHeads: H, nKvHeads: G, headDim: d }) {
  const T = k.length / (G * d);
  const out = new Float32Array(T * H * d);
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < H; h++) {
      const src = (t * G + Math.floor((h * G) / H)) * d;
      out.set(k.subarray(src, src + d), (t * H + h) * d);
    }
  }
  return out;
}

/**
 * MLA inputs for a T-token example: qNope (T, H, dn), qRope (T, H, dr), latent (T, r), kRope (T, dr),
 * and up-projections wUk (H, dn, r), wUv (H, dv, r) scaled by 1/√r so keys and values stay of unit size.
 */
export function mlaExampleInputs({ nHeads: H, kvLoraRank: r, qkRopeHeadDim: dr, qkNopeHeadDim: dn, vHeadDim: dv, tokens: T, seed = 11 }) {
  const next = mulberry32(seed * 1000003 + H * 131 + r * 17 + dn);
  const fill = (n, amp = 1) => Float32Array.from({ length: n }, () => amp * next());
  return {
    qNope: fill(T * H * dn), qRope: fill(T * H * dr), latent: fill(T * r), kRope: fill(T * dr),
    wUk: fill(H * dn * r, 1 / Math.sqrt(r)), wUv: fill(H * dv * r, 1 / Math.sqrt(r)),
  };
}
