// core-client.js - the page's handle on the core in its Web Worker: call(method, args) -> Promise.
export class CoreClient {
  #worker;
  #next = 1;
  #pending = new Map();

  constructor() {
    this.#worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.#worker.onmessage = ({ data }) => {
      const p = this.#pending.get(data.id);
      if (!p) return;
      this.#pending.delete(data.id);
      if (data.error) {
        const Kind = { TypeError, RangeError }[data.error.name] ?? Error;
        p.reject(new Kind(data.error.message));
      } else p.resolve(data.result);
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      const err = new Error(`the core's worker failed: ${event.message ?? 'unknown error'}`);
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
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
