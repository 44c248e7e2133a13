// core-client.js - a handle on the core: call(method, args) -> Promise, whatever runs it.
//
// Normally the core lives in a Web Worker, so no computation blocks the page. If the worker itself
// dies, a new one replaces it; calls in flight fail with a WorkerRestarted error and every
// restart listener is told, so the views can say so and ask again.
//
// Where no module worker can be started (a sandboxed iframe has an opaque origin, and a page that
// loads the element from another origin may not start workers from that origin) the client falls
// back to running the same method table (core-methods.js) on the main thread: slower for huge
// shapes, identical numbers.

/** A client whose calls run in a Web Worker, or on the main thread where that is impossible. */
export class CoreClient {
  #worker = null;
  #url;
  #debug;
  #next = 1;
  #pending = new Map();
  #restartListeners = new Set();
  #local = null;  // Promise<{ core, methods, runMethod }> in main-thread mode

  /** 'worker' or 'main-thread': where the core runs. */
  mode = 'worker';

  constructor({ debug = false, worker = true } = {}) {
    this.#debug = debug;
    this.#url = new URL(`./worker.js${debug ? '?debug' : ''}`, import.meta.url);
    if (!worker || typeof Worker !== 'function' || !this.#start()) this.mode = 'main-thread';
  }

  /** Calls `listener(err)` after the worker died and was replaced; returns an unsubscribe function. */
  onRestart(listener) {
    this.#restartListeners.add(listener);
    return () => this.#restartListeners.delete(listener);
  }

  /** Starts the worker; false if this context may not start one (a SecurityError, synchronously). */
  #start() {
    try {
      this.#worker = new Worker(this.#url, { type: 'module' });
    } catch {
      return false;
    }
    this.#worker.onmessage = ({ data }) => {
      const p = this.#pending.get(data.id);
      if (!p) return;
      this.#pending.delete(data.id);
      if (data.error) p.reject(rebuildError(data.error));
      else p.resolve(data.result);
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#worker.terminate();
      const err = new Error(`the core's worker stopped (${event.message ?? 'unknown error'}) and was restarted`);
      err.name = 'WorkerRestarted';
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
      this.#start();
      for (const listener of this.#restartListeners) listener(err);
    };
    return true;
  }

  /** The core and the method table on this thread, loaded once. */
  #loadLocal() {
    this.#local ??= Promise.all([import('../core/core.js'), import('./core-methods.js')])
      .then(async ([{ loadCore }, { coreMethods, runMethod }]) => ({
        core: await loadCore({ debug: this.#debug }),
        methods: coreMethods({ debug: this.#debug }),
        runMethod,
      }));
    return this.#local;
  }

  call(method, args) {
    if (this.mode === 'main-thread') {
      return this.#loadLocal().then(({ core, methods, runMethod }) => runMethod(methods, core, method, args));
    }
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, method, args });
    });
  }
}

/** The Error a worker's { name, message } stands for. */
function rebuildError({ name, message }) {
  const Kind = { TypeError, RangeError }[name] ?? Error;
  const err = new Kind(message);
  if (!(name in { TypeError: 1, RangeError: 1 })) err.name = name;
  return err;
}

let shared = null;

/**
 * The one client every view on this page shares: one worker, one WASM instance, however many
 * <gqa-playground> elements there are. The first caller's options decide.
 */
export function sharedClient(options) {
  shared ??= new CoreClient(options);
  return shared;
}
