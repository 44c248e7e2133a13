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
};

export const DEFAULTS = Object.freeze({ h: 8, g: 2, d: 128, t: 8192, l: 32, b: 1, dtype: 'f16', model: '', step: 1, theme: 'auto' });

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
  s.model = typeof input.model === 'string' && /^[a-z0-9][a-z0-9._-]{0,39}$/.test(input.model) ? input.model : '';
  return s;
}

/**
 * '#h=8&g=2&model=...' -> the fields the hash names, as untrusted strings (whitelisted keys only;
 * unknown keys, duplicates and junk are dropped). A host hands this partial input to
 * App.setInput, which applies a catalog model's shape first and the explicit keys over it.
 */
export function parseHashInput(hash) {
  const raw = {};
  const text = String(hash ?? '').replace(/^#/, '').slice(0, 500);
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
  const keys = ['h', 'g', 'd', 't', 'l', 'b', 'dtype', 'model', 'step', 'theme'];
  return '#' + keys.filter((k) => k === 'h' || k === 'g' || s[k] !== DEFAULTS[k])
    .map((k) => `${k}=${encodeURIComponent(s[k])}`).join('&');
}
