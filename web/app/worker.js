// worker.js - the core lives here, so no computation ever blocks the page.
// Protocol: { id, method, args } in; { id, result } or { id, error: { name, message } } out.
// The methods themselves are in core-methods.js (shared with the main-thread fallback).
//
// A worker cannot preload its modules, and the core's module graph is three imports deep: the
// .wasm of this engine's variant is fetched first, while those modules load, and handed to loadCore.
import { bestVariant, wasmUrl } from '../core/loader.js';

// ?debug in the worker's URL (set by the page's ?debug) adds the recovery test hooks.
const debug = new URL(self.location.href).searchParams.has('debug');
const wasm = fetch(wasmUrl(bestVariant()))
  .then((response) => (response.ok ? response.arrayBuffer() : undefined), () => undefined);  // else loadCore fetches it, and says what failed
const ready = Promise.all([import('../core/core.js'), import('./core-methods.js'), wasm])
  .then(async ([{ loadCore }, { coreMethods, runMethod }, wasmBinary]) => ({
    core: await loadCore({ debug, ...(wasmBinary ? { wasmBinary } : {}) }),
    methods: coreMethods({
      debug,
      crash: () => { setTimeout(() => { throw new Error('debug: the worker crashes on purpose'); }); },
    }),
    runMethod,
  }));

self.onmessage = async ({ data }) => {
  const { id, method, args } = data ?? {};
  try {
    const { core, methods, runMethod } = await ready;
    self.postMessage({ id, result: runMethod(methods, core, method, args) });
  } catch (err) {
    self.postMessage({ id, error: { name: err?.name ?? 'Error', message: String(err?.message ?? err) } });
  }
};
