// core-client.js - the page's handle on the core in its Web Worker: call(method, args) -> Promise.
// If the worker itself dies, a new one replaces it; calls in flight fail with a WorkerRestarted
// error and `onRestart` lets the page say so and ask again.
export class CoreClient {
  #worker;
  #url;
  #next = 1;
  #pending = new Map();
  onRestart = null;

  constructor({ debug = false } = {}) {
    this.#url = new URL(`./worker.js${debug ? '?debug' : ''}`, import.meta.url);
    this.#start();
  }

  #start() {
    this.#worker = new Worker(this.#url, { type: 'module' });
    this.#worker.onmessage = ({ data }) => {
      const p = this.#pending.get(data.id);
      if (!p) return;
      this.#pending.delete(data.id);
      if (data.error) {
        const Kind = { TypeError, RangeError }[data.error.name] ?? Error;
        const err = new Kind(data.error.message);
        if (!(data.error.name in { TypeError: 1, RangeError: 1 })) err.name = data.error.name;
        p.reject(err);
      } else p.resolve(data.result);
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#worker.terminate();
      const err = new Error(`the core's worker stopped (${event.message ?? 'unknown error'}) and was restarted`);
      err.name = 'WorkerRestarted';
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
      this.#start();
      this.onRestart?.(err);
    };
  }

  call(method, args) {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, method, args });
    });
  }
}
