// handle.js - one native Embind object owned by one JS wrapper (KvCache, PagedKvCache, MlaCache, RecallTrainer). Every
// call goes through the core's trap guard; after delete(), or once the WASM instance it lived in
// has aborted, each call throws an Error that says so and how to get a new one.
import { refusal } from './validate.js';

/**
 * A new native object of class `kind` ('KvCache' | 'PagedKvCache' | 'MlaCache' | 'RecallTrainer') in the guarded module,
 * initialised by init(native); a refusal deletes it and is thrown.
 * → [native, { guard, alive }]: what its NativeHandle needs.
 */
export function createNative(guarded, kind, init) {
  const native = new guarded.module[kind]();
  const r = guarded.guard(() => init(native));
  if (r !== undefined) {
    native.delete();
    throw refusal(r);
  }
  return [native, { guard: (fn) => guarded.guard(fn), alive: guarded.aliveCheck() }];
}

export class NativeHandle {
  #native;
  #core;   // { guard, alive } from the Core that made it
  #what;   // { kind: 'KvCache', noun: 'cache', remedy: 'core.createKvCache()' }

  constructor(native, core, what) {
    this.#native = native;
    this.#core = core;
    this.#what = what;
  }

  /** The native object behind the trap guard; throws if deleted or its instance aborted. */
  live(method) {
    const { kind, noun, remedy } = this.#what;
    if (!this.#native) throw new Error(`${kind}.${method}: this ${noun} was deleted; create a new one with ${remedy}`);
    if (!this.#core.alive()) {
      this.#native = null;
      throw new Error(`${kind}.${method}: this ${noun} belonged to a core instance that aborted; create a new one with ${remedy}`);
    }
    const native = this.#native, guard = this.#core.guard;
    return new Proxy(native, { get: (t, p) => (typeof t[p] === 'function' ? (...a) => guard(() => t[p](...a)) : t[p]) });
  }

  /** The native object itself, as an argument to another Embind call (live() checks first). */
  raw(method) {
    this.live(method);
    return this.#native;
  }

  /** Returns the native object's memory to the WASM heap. Safe to call twice. */
  delete() {
    if (this.#native && this.#core.alive()) this.#native.delete();
    this.#native = null;
  }

  get deleted() { return this.#native === null; }
}
