// bench-data.js - the benchmark's deterministic inputs (the native bench generates the same ones) and
// the plain-JavaScript reference decode step.
import { fillUniform } from './rng.js';

/** Inputs of one decode step: q (H, d), k and v (T, G, d). Seeds depend on the shape only. */
export function stepInputs({ H, G, d, T }) {
  const seed = H * 7919 + G * 104729 + d * 1299709 + T;
  return {
    q: fillUniform(new Float32Array(H * d), seed),
    k: fillUniform(new Float32Array(T * G * d), seed + 1),
    v: fillUniform(new Float32Array(T * G * d), seed + 2),
  };
}

/** A KV cache of `core` holding stepInputs' k and v (appended 4 Mi floats at a time); the caller deletes it. */
export function filledCache(core, { k, v }, { G, d, T, dtype }) {
  const cache = core.createKvCache({ nKvHeads: G, headDim: d, capacity: T, dtype });
  const row = G * d, chunk = Math.max(1, Math.floor(2 ** 22 / row));
  for (let t = 0; t < T; t += chunk) {
    const end = Math.min(T, t + chunk);
    cache.append(k.subarray(t * row, end * row), v.subarray(t * row, end * row));
  }
  return cache;
}

/**
 * One decode step in plain JavaScript: out (H, d) = softmax(q·Kᵀ/√d) V per head, K/V head
 * h / (H/G). Two passes over the keys (scores, then weighted values), float64 accumulation.
 */
export function jsDecodeStep({ q, k, v }, { H, G, d, T }) {
  const out = new Float32Array(H * d);
  const scores = new Float64Array(T);
  const acc = new Float64Array(d);
  const scale = 1 / Math.sqrt(d), m = H / G;
  for (let h = 0; h < H; h++) {
    const g = Math.floor(h / m), qo = h * d;
    let mx = -Infinity;
    for (let t = 0; t < T; t++) {
      const ko = (t * G + g) * d;
      let s = 0;
      for (let c = 0; c < d; c++) s += q[qo + c] * k[ko + c];
      scores[t] = s * scale;
      if (scores[t] > mx) mx = scores[t];
    }
    acc.fill(0);
    let sum = 0;
    for (let t = 0; t < T; t++) {
      const w = Math.exp(scores[t] - mx), vo = (t * G + g) * d;
      sum += w;
      for (let c = 0; c < d; c++) acc[c] += w * v[vo + c];
    }
    for (let c = 0; c < d; c++) out[qo + c] = acc[c] / sum;
  }
  return out;
}
