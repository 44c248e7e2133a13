// worker.js - the core lives here, so no computation ever blocks the page.
// Protocol: { id, method, args } in; { id, result } or { id, error: { name, message } } out.
import { loadCore } from '../core/core.js';

const corePromise = loadCore();

const methods = {
  info: (core) => ({ variant: core.variant, ...core.info }),
  attention: (core, args) => core.attention(args),
};

self.onmessage = async ({ data }) => {
  const { id, method, args } = data ?? {};
  try {
    const core = await corePromise;
    if (!Object.hasOwn(methods, method)) throw new TypeError(`unknown worker method ${JSON.stringify(String(method))}`);
    self.postMessage({ id, result: methods[method](core, args) });
  } catch (err) {
    self.postMessage({ id, error: { name: err?.name ?? 'Error', message: String(err?.message ?? err) } });
  }
};
