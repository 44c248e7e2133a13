// reference.mjs - float64 grouped attention in plain JavaScript, written independently of the
// core, and deterministic test data.
import { fillUniform } from '../../web/lib/rng.js';

/** Deterministic uniform numbers in [-amp, amp) (mulberry32, web/lib/rng.js). */
export function randomArray(n, seed, amp = 1) {
  return fillUniform(new Float32Array(n), seed, amp);
}

/**
 * q (tq, H, d), k/v (tk, G, d). Query head h reads K/V head floor(h / (H / G)); query i sits at
 * position i + tk - tq; sinkLogits (H), optional: one extra logit per head with no value. Returns out (tq, H, d), weights and scores (H, tq, tk) as Float64Array,
 * and tol (tq, H): the float32 error budget of each output row.
 */
export function referenceAttention({ q, k, v, nHeads: H, nKvHeads: G, headDim: d, causal = false, window = 0, scale, sinkLogits }) {
  const tq = q.length / (H * d), tk = k.length / (G * d);
  const sc = scale ?? 1 / Math.sqrt(d);
  const out = new Float64Array(tq * H * d);
  const weights = new Float64Array(H * tq * tk);
  const scores = new Float64Array(H * tq * tk).fill(-Infinity);
  const tol = new Float64Array(tq * H);
  const eps = 2 ** -24;
  for (let h = 0; h < H; h++) {
    const g = Math.floor(h / (H / G));
    for (let i = 0; i < tq; i++) {
      const pos = i + tk - tq;
      let mx = -Infinity, smag = 0, vmax = 0;
      const s = new Float64Array(tk).fill(-Infinity);
      for (let j = 0; j < tk; j++) {
        if ((causal && j > pos) || (window > 0 && j <= pos - window)) continue;
        let dot = 0, mag = 0;
        for (let c = 0; c < d; c++) {
          const a = q[(i * H + h) * d + c], b = k[(j * G + g) * d + c];
          dot += a * b;
          mag += Math.abs(a * b);
        }
        s[j] = dot * sc;
        mx = Math.max(mx, s[j]);
        smag = Math.max(smag, mag * Math.abs(sc));
        for (let c = 0; c < d; c++) vmax = Math.max(vmax, Math.abs(v[(j * G + g) * d + c]));
      }
      // a sink logit (gpt-oss) joins the softmax with no value: M is the max over scores and sink
      const top = sinkLogits ? Math.max(mx, sinkLogits[h]) : mx;
      let sum = sinkLogits ? Math.exp(sinkLogits[h] - top) : 0;
      for (let j = 0; j < tk; j++) if (s[j] !== -Infinity) sum += Math.exp(s[j] - top);
      for (let j = 0; j < tk; j++) {
        const w = s[j] === -Infinity ? 0 : Math.exp(s[j] - top) / sum;
        scores[(h * tq + i) * tk + j] = s[j];
        weights[(h * tq + i) * tk + j] = w;
        for (let c = 0; c < d; c++) out[(i * H + h) * d + c] += w * v[(j * G + g) * d + c];
      }
      tol[i * H + h] = vmax * eps * (8 * Math.sqrt(d) * (smag + 1) + 8 * Math.sqrt(tk) + 16);
    }
  }
  return { out, weights, scores, tol };
}

/** max |got - want| / tol(row) over rows of d elements; <= 1 passes. */
export function worstRatio(got, want, tol, d) {
  let worst = 0;
  for (let e = 0; e < want.length; e++) worst = Math.max(worst, Math.abs(got[e] - want[e]) / Math.max(tol[Math.floor(e / d)], 1e-30));
  return worst;
}

export function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Multi-head latent attention in float64, the explicit formula: per head h, keys
 * kn[t] = wUk[h]·latent[t] and values v[t] = wUv[h]·latent[t]; scores (qNope·kn + qRope·kRope)·scale,
 * scale 1/√(dn + dr) unless given; bottom-right causal mask. → { out (tq, H, dv), tol (tq, H) }.
 */
export function referenceMla({ qNope, qRope, latent, kRope, wUk, wUv, nHeads: H, kvLoraRank: r, qkRopeHeadDim: dr,
  qkNopeHeadDim: dn, vHeadDim: dv, causal = false, scale }) {
  const tq = qNope.length / (H * dn), tk = latent.length / r;
  const sc = scale ?? 1 / Math.sqrt(dn + dr);
  const out = new Float64Array(tq * H * dv), tol = new Float64Array(tq * H);
  const eps = 2 ** -24;
  for (let h = 0; h < H; h++) {
    const kn = new Float64Array(tk * dn), v = new Float64Array(tk * dv);
    let vmax = 0;
    for (let t = 0; t < tk; t++) {
      for (let a = 0; a < dn; a++) { let x = 0; for (let b = 0; b < r; b++) x += wUk[(h * dn + a) * r + b] * latent[t * r + b]; kn[t * dn + a] = x; }
      for (let a = 0; a < dv; a++) {
        let x = 0;
        for (let b = 0; b < r; b++) x += wUv[(h * dv + a) * r + b] * latent[t * r + b];
        v[t * dv + a] = x;
        vmax = Math.max(vmax, Math.abs(x));
      }
    }
    for (let i = 0; i < tq; i++) {
      const pos = i + tk - tq, s = new Float64Array(tk).fill(-Infinity);
      let mx = -Infinity, smag = 0;
      for (let t = 0; t < tk; t++) {
        if (causal && t > pos) continue;
        let dot = 0, mag = 0;
        for (let a = 0; a < dn; a++) { const x = qNope[(i * H + h) * dn + a] * kn[t * dn + a]; dot += x; mag += Math.abs(x); }
        for (let a = 0; a < dr; a++) { const x = qRope[(i * H + h) * dr + a] * kRope[t * dr + a]; dot += x; mag += Math.abs(x); }
        s[t] = dot * sc;
        mx = Math.max(mx, s[t]);
        smag = Math.max(smag, mag * Math.abs(sc));
      }
      let sum = 0;
      for (let t = 0; t < tk; t++) if (s[t] !== -Infinity) sum += Math.exp(s[t] - mx);
      for (let t = 0; t < tk; t++) {
        if (s[t] === -Infinity) continue;
        const w = Math.exp(s[t] - mx) / sum;
        for (let a = 0; a < dv; a++) out[(i * H + h) * dv + a] += w * v[t * dv + a];
      }
      // attention()'s budget with sqrt(r) more rounding: each key, value and absorbed query sums r products
      const width = Math.sqrt(dn + dr) + Math.sqrt(r);
      tol[i * H + h] = vmax * eps * (8 * width * Math.sqrt(r) * (smag + 1) + 8 * Math.sqrt(tk) + 16);
    }
  }
  return { out, tol };
}
