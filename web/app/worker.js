// worker.js - the core lives here, so no computation ever blocks the page.
// Protocol: { id, method, args } in; { id, result } or { id, error: { name, message } } out.
// The methods themselves are in core-methods.js (shared with the main-thread fallback).
import { loadCore } from '../core/core.js';
import { coreMethods, runMethod } from './core-methods.js';

// ?debug in the worker's URL (set by the page's ?debug) adds the recovery test hooks.
const debug = new URL(self.location.href).searchParams.has('debug');
const corePromise = loadCore({ debug });
const methods = coreMethods({
  debug,
  crash: () => { setTimeout(() => { throw new Error('debug: the worker crashes on purpose'); }); },
});

self.onmessage = async ({ data }) => {
  const { id, method, args } = data ?? {};
  try {
    const core = await corePromise;
    self.postMessage({ id, result: runMethod(methods, core, method, args) });
  } catch (err) {
    self.postMessage({ id, error: { name: err?.name ?? 'Error', message: String(err?.message ?? err) } });
  }
};
