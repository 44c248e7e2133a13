// parallel.mjs - node worker threads for web/lib/parallel.js.
import { Worker } from 'node:worker_threads';

const WORKER = new URL('./decode-worker.mjs', import.meta.url);

/** A worker thread answering one message at a time: { call(msg), terminate() }. */
export function spawnThread() {
  const worker = new Worker(WORKER);
  return {
    call: (msg) => new Promise((resolve, reject) => {
      const onError = (err) => { worker.off('message', onMessage); reject(err); };
      const onMessage = (m) => { worker.off('error', onError); if (m.error) reject(new Error(m.error)); else resolve(m); };
      worker.once('message', onMessage);
      worker.once('error', onError);
      worker.postMessage(msg);
    }),
    terminate: () => worker.terminate(),
  };
}
