// state.js - the reader's parameters, and the URL hash that holds them (a permalink).
// The hash is untrusted: only whitelisted keys are read, numbers are parsed strictly and
// clamped, strings must be one of the known values, and nothing ever reaches innerHTML.
// The ranges are the page's own choices; the cache dtypes are the core's memory-model dtypes.
import { MEMORY_DTYPES } from '../core/dtypes.js';

export const THEMES = ['auto', 'light', 'dark'];
export const HEAD_DIMS = [32, 64, 80, 96, 128, 160, 192, 256, 576];

/** key: [min, max] for the integer fields. */
export const RANGES = {
  h: [1, 128],        // query heads (the catalog reaches 128)
  g: [1, 128],        // K/V heads, snapped to a divisor of h
  d: [1, 1024],       // head_dim
  t: [1, 1048576],    // tokens per sequence (1M)
  l: [1, 256],        // layers
  b: [1, 1024],       // batch
  step: [1, 6],       // walkthrough step (lesson.js has six)
  gpus: [1, 4096],    // tensor-parallel accelerators (the core's limits.tensorParallel)
  block: [1, 1048576],  // paged-KV block, tokens (the core's limits.blockTokens)
  prefix: [0, 1048576],  // shared prompt tokens, stored once for the batch
};

/** A model or device id in the hash or an attribute (the core says whether it is one it knows). */
export const ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,39}$/;
/** An imported model's record in the hash: base64url of its JSON (record.js). */
export const RECORD_PATTERN = /^[A-Za-z0-9_-]{1,4000}$/;

export const DEFAULTS = Object.freeze({ h: 8, g: 2, d: 128, t: 8192, l: 32, b: 1, dtype: 'f16', model: '', step: 1, theme: 'auto',
  // serving on accelerators: the device, how many, the weights' dtype, the paged-KV block, the shared prompt
  device: 'h100-80gb', gpus: 1, wdtype: 'bf16', block: 16, prefix: 0,
  // a model imported from a config.json: its record (record.js), so that a reload or a link keeps it
  record: '' });

export function divisors(n) {
  const out = [];
  for (let i = 1; i <= n; i++) if (n % i === 0) out.push(i);
  return out;
}

function clampInt(value, [lo, hi], fallback) {
  if (typeof value === 'string') {
    if (!/^\d{1,9}$/.test(value)) return fallback;
    value = Number(value);
  }
  if (!Number.isInteger(value)) return fallback;
  return Math.min(hi, Math.max(lo, value));
}

/** A complete, valid state from any partial, untrusted input. */
export function normalize(input = {}) {
  const s = { ...DEFAULTS };
  for (const key of Object.keys(RANGES)) s[key] = clampInt(input[key], RANGES[key], DEFAULTS[key]);
  // G must divide H: take the largest divisor not above the request
  s.g = Math.max(...divisors(s.h).filter((x) => x <= s.g));
  s.dtype = MEMORY_DTYPES.includes(input.dtype) ? input.dtype : DEFAULTS.dtype;
  s.theme = THEMES.includes(input.theme) ? input.theme : DEFAULTS.theme;
  s.model = typeof input.model === 'string' && ID_PATTERN.test(input.model) ? input.model : '';
  s.device = typeof input.device === 'string' && ID_PATTERN.test(input.device) ? input.device : DEFAULTS.device;
  s.wdtype = MEMORY_DTYPES.includes(input.wdtype) ? input.wdtype : DEFAULTS.wdtype;
  s.record = s.model && typeof input.record === 'string' && RECORD_PATTERN.test(input.record) ? input.record : '';
  return s;
}

/**
 * '#h=8&g=2&model=...' -> the fields the hash names, as untrusted strings (whitelisted keys only;
 * unknown keys, duplicates and junk are dropped). A host hands this partial input to
 * App.setInput, which applies a catalog model's shape first and the explicit keys over it.
 */
export function parseHashInput(hash) {
  const raw = {};
  const text = String(hash ?? '').replace(/^#/, '').slice(0, 5000);  // an imported model's record is the long one
  for (const part of text.split('&')) {
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const key = part.slice(0, eq);
    let value;
    try { value = decodeURIComponent(part.slice(eq + 1)); } catch { continue; }
    if (Object.hasOwn(DEFAULTS, key) && !Object.hasOwn(raw, key)) raw[key] = value;
  }
  return raw;
}

/** '#h=8&g=2&...' -> state, without the catalog (a model's shape is App.setInput's to apply). */
export function parseHash(hash) {
  return normalize(parseHashInput(hash));
}

export function toHash(s) {
  const keys = ['h', 'g', 'd', 't', 'l', 'b', 'dtype', 'model', 'step', 'theme', 'device', 'gpus', 'wdtype', 'block', 'prefix', 'record'];
  return '#' + keys.filter((k) => k === 'h' || k === 'g' || s[k] !== DEFAULTS[k])
    .map((k) => `${k}=${encodeURIComponent(s[k])}`).join('&');
}
