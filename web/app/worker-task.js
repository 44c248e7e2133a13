// worker-task.js - one job in its own module Web Worker, so the page stays responsive and
// cancelling is terminating the worker. "Measure on this machine" (bench-worker.js) and the quality
// lab's training and load sweep (quality-worker.js, one worker per core) run this way.

/**
 * Starts `url` as a module worker and posts it `message`; onMessage(data) receives its replies,
 * onError(message) its failure (the message may be undefined). Returns { post(message), stop() },
 * or null where no module worker can be started (a sandboxed frame, a script from another origin).
 */
export function startWorker(url, message, { onMessage, onError }) {
  let worker;
  try {
    worker = new Worker(url, { type: 'module' });
  } catch {
    return null;
  }
  worker.onmessage = ({ data }) => onMessage(data);
  worker.onerror = (event) => { event.preventDefault(); onError(event.message); };
  worker.postMessage(message);
  return { post: (next) => worker.postMessage(next), stop: () => worker.terminate() };
}
