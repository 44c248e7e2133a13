// loader.js - loading the WASM core and keeping it alive: which variant this engine runs (relaxed
// SIMD, SIMD128 or scalar), compiling it once, and the trap guard that replaces an aborted instance.
//
// A WebAssembly trap (a RuntimeError) leaves the instance's memory untrustworthy: GuardedModule
// discards it, throws a CoreAbortedError, and instantiates a fresh one synchronously from the
// already compiled module on the next call.

/** The Embind classes with native state: their methods are guarded by NativeHandle (handle.js). */
const NATIVE_CLASSES = new Set(['KvCache', 'PagedKvCache', 'MlaCache', 'RecallTrainer']);

/** A 1-function module whose body is a v128.const: valid only where WebAssembly SIMD is. */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // \0asm, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,        // type: () -> v128
  0x03, 0x02, 0x01, 0x00,                          // one function of that type
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c,        // code: v128.const ...
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b,
]);

/**
 * A 1-function module whose body is f32x4.relaxed_madd of three v128.const: valid only where
 * relaxed SIMD is (Chromium by default; node 20 with --experimental-wasm-relaxed-simd).
 */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // \0asm, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,        // type: () -> v128
  0x03, 0x02, 0x01, 0x00,                          // one function of that type
  0x0a, 0x3d, 0x01, 0x3b, 0x00,                    // code: 59 bytes, no locals
  ...[0, 1, 2].flatMap(() => [0xfd, 0x0c, ...new Array(16).fill(0)]),  // v128.const 0, three times
  0xfd, 0x85, 0x02, 0x0b,                          // f32x4.relaxed_madd (0xfd 0x105), end
]);

/** True if this engine runs WebAssembly SIMD128. */
export function simdSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

/** True if this engine runs WebAssembly relaxed SIMD (fused multiply-add). */
export function relaxedSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_PROBE);
}

/**
 * The instruction sets the core is built for, best first, each with the variant (file name) that
 * holds it: core.info.isa names the one running.
 */
export const ISA_VARIANTS = Object.freeze({ relaxed: 'relaxed', simd128: 'simd', scalar: 'scalar' });

/** The ISAs this engine runs, best first: some of 'relaxed', 'simd128', and always 'scalar'. */
export function supportedIsas() {
  return [...(relaxedSupported() ? ['relaxed'] : []), ...(simdSupported() ? ['simd128'] : []), 'scalar'];
}

/** The variant loadCore() picks by default here: 'relaxed', 'simd' or 'scalar'. */
export function bestVariant() {
  return ISA_VARIANTS[supportedIsas()[0]];
}

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

/** Thrown when the WebAssembly instance aborted (a trap); the core replaces it on the next call. */
export class CoreAbortedError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'CoreAbortedError';
  }
}

/** Where the `.wasm` of `variant` ('relaxed' | 'simd' | 'scalar') is, beside this module. */
export function wasmUrl(variant) {
  return new URL(`./gqa_core_${variant}.wasm`, import.meta.url);
}

/** The compiled module for `variant`, from bytes, the file (node) or the server (browsers). */
export async function compileWasm(variant, bytes) {
  const url = wasmUrl(variant);
  if (bytes) return WebAssembly.compile(bytes);
  if (isNode) {
    // Emscripten 3.1.6's web build would use node's fetch, which cannot read file: URLs.
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`loadCore: ${url} answered HTTP ${response.status}`);
  return WebAssembly.compileStreaming ? WebAssembly.compileStreaming(response) : WebAssembly.compile(await response.arrayBuffer());
}

/**
 * The Emscripten module of `variant` ('relaxed' | 'simd' | 'scalar'), instantiated, behind the trap guard.
 * `wasmBinary`: the bytes, to skip the fetch or file read.
 */
export async function instantiateCore(variant, wasmBinary) {
  const [{ default: factory }, wasmModule] = await Promise.all([import(`./gqa_core_${variant}.mjs`), compileWasm(variant, wasmBinary)]);
  // One compiled module, instantiated through Emscripten's instantiateWasm hook: asynchronously
  // the first time, synchronously when an aborted instance must be replaced inside a call.
  const instantiate = (sync) => {
    const args = {
      instantiateWasm(imports, receive) {
        if (sync) {
          const instance = new WebAssembly.Instance(wasmModule, imports);
          receive(instance, wasmModule);
          return instance.exports;
        }
        WebAssembly.instantiate(wasmModule, imports).then((instance) => receive(instance, wasmModule));
        return {};
      },
    };
    return { args, ready: factory(args) };
  };
  const module = await instantiate(false).ready;
  const recreate = () => {
    const { args } = instantiate(true);
    if (typeof args.attention !== 'function') throw new CoreAbortedError('the core could not be re-created synchronously; load it again with loadCore()');
    return args;
  };
  return new GuardedModule(module, recreate);
}

/** The live module, every function of it guarded against traps; replaced after an abort. */
export class GuardedModule {
  #module;         // the live Emscripten module, or null after an abort
  #proxy;          // the module with every function guarded against traps
  #recreate;
  #generation = 1; // bumped on every replacement: native objects of an older instance are gone
  #warned = false;

  constructor(module, recreate) {
    this.#recreate = recreate;
    this.#adopt(module);
  }

  /** How many instances have served (1 until an abort forced a fresh one). */
  get generation() { return this.#generation; }

  /** The live module (a fresh instance if the last one aborted), behind the trap guard. */
  get module() {
    if (!this.#module) {
      this.#adopt(this.#recreate());
      this.#generation++;
    }
    return this.#proxy;
  }

  /** For a native object made now: a check that its instance is still the live one. */
  aliveCheck() {
    const generation = this.#generation;
    return () => this.#module !== null && generation === this.#generation;
  }

  #adopt(module) {
    this.#module = module;
    this.#proxy = new Proxy(module, {
      get: (target, prop) => {
        const value = target[prop];
        if (NATIVE_CLASSES.has(prop) || typeof value !== 'function') return value;  // their methods are guarded by NativeHandle
        return (...args) => this.guard(() => value.apply(target, args));
      },
    });
  }

  /**
   * Runs fn; a WebAssembly trap (RuntimeError) means the instance's memory can no longer be
   * trusted, so it is discarded, a fresh one replaces it on the next call, and the caller gets
   * a CoreAbortedError. Said once on the console.
   */
  guard(fn) {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof WebAssembly.RuntimeError)) throw err;
      this.#module = null;
      if (!this.#warned) {
        this.#warned = true;
        console.warn(`gqa-playground: the WebAssembly core aborted (${err.message}); it was discarded and a fresh instance will serve the next call. KV caches created before are gone.`);
      }
      throw new CoreAbortedError(`the core aborted (${err.message}); a fresh instance will serve the next call`, { cause: err });
    }
  }
}
