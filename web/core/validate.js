// validate.js - argument checks for the JS face. Release Embind converts "abc" to 0 and wraps
// 1e10, so every value is checked here first; the message names the field, the value and what
// was expected, and the error is a TypeError (wrong kind of value) or RangeError (out of range).

/** A short, safe rendering of any value for an error message. */
export function show(value) {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.length})`;
  if (Array.isArray(value)) return `Array(${value.length})`;
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}

/** Throws unless `args` is a plain object whose keys are all in `allowed`. */
export function checkKeys(what, args, allowed) {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    throw new TypeError(`${what} expects an options object, got ${show(args)}`);
  }
  for (const key of Object.keys(args)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${what}: unknown option ${show(key)} (expected one of ${allowed.join(', ')})`);
    }
  }
}

/**
 * A safe integer for the core, which checks its range: the JS face checks only what the core
 * cannot see (Embind turns "abc" into 0, and NaN or 1e300 into an undefined int64). [min, max]
 * is the core's range (from core.info.limits), named in the message; `fallback` when undefined.
 */
export function integer(field, value, [min, max], fallback) {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number') {
    throw new TypeError(`${field} (${show(value)}) must be an integer from ${min} to ${max}`);
  }
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${field} (${show(value)}) must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** An integer in [min, max], for what only the JS face checks; `fallback` when undefined. */
export function int(field, value, min, max, fallback) {
  integer(field, value, [min, max], fallback);
  if (value === undefined && fallback !== undefined) return fallback;
  if (value < min || value > max) {
    throw new RangeError(`${field} (${show(value)}) must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function bool(field, value, fallback) {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${field} (${show(value)}) must be true or false`);
  return value;
}

/** A finite number, or undefined when absent. */
export function optionalFinite(field, value) {
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw new TypeError(`${field} (${show(value)}) must be a finite number`);
  if (!Number.isFinite(value)) throw new RangeError(`${field} (${show(value)}) must be a finite number`);
  return value;
}

export function oneOf(field, value, choices, fallback) {
  if (value === undefined && fallback !== undefined) return fallback;
  if (!choices.includes(value)) {
    const err = typeof value === 'string' ? RangeError : TypeError;
    throw new err(`${field} (${show(value)}) must be one of ${choices.map((c) => `'${c}'`).join(', ')}`);
  }
  return value;
}

/** A Float32Array whose length is a positive multiple of `unit`; returns length / unit. */
export function rows(field, value, unit, shape) {
  if (!(value instanceof Float32Array)) {
    throw new TypeError(`${field} (${show(value)}) must be a Float32Array ${shape}`);
  }
  if (value.length === 0 || value.length % unit !== 0) {
    throw new RangeError(`${field}.length (${value.length}) must be a positive multiple of ${unit}: ${field} is ${shape}`);
  }
  return value.length / unit;
}

/** A Float32Array of exactly `length` elements. */
export function exactly(field, value, length, shape) {
  if (!(value instanceof Float32Array)) {
    throw new TypeError(`${field} (${show(value)}) must be a Float32Array ${shape}`);
  }
  if (value.length !== length) {
    throw new RangeError(`${field}.length (${value.length}) must be ${length}: ${field} is ${shape}`);
  }
  return value;
}

/**
 * Learned sink logits: undefined, or a Float32Array of one logit per query head (the core checks
 * that each is finite).
 */
export function optionalSinkLogits(value, nHeads) {
  return value === undefined ? undefined : exactly('sinkLogits', value, nHeads, `[nHeads=${nHeads}] (one logit per query head)`);
}

/** The Error the core's { error, name } refusal stands for. */
export function refusal(r) {
  const Kind = r.name === 'TypeError' ? TypeError : r.name === 'RangeError' ? RangeError : Error;
  return new Kind(r.error);
}

/** r, unless it is the core's refusal, which is thrown. */
export function unwrap(r) {
  if (r !== null && typeof r === 'object' && typeof r.error === 'string') throw refusal(r);
  return r;
}
