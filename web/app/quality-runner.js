// quality-runner.js - the quality lab's training experiment run in quality-worker.js (a worker with
// its own core): starting it, its messages turned into calls, cancelling it. views/quality.js only
// draws what arrives.
import { startWorker } from './worker-task.js';

const WORKER_URL = new URL('./quality-worker.js', import.meta.url);

/**
 * Trains `experiment` (QUALITY_EXPERIMENT's fields, see web/lib/quality-experiment.js) in a worker.
 * on: { progress({ run, runs, step, steps, nKvHeads }), run(run) once per G, uptrain({ steps, from, rows }),
 *       done(), fail(message) }; after done or fail the worker is gone.
 * Returns { cancel() }, or null where no module worker can be started (then nothing is called).
 */
export function startTraining(experiment, on, { workerUrl = WORKER_URL } = {}) {
  let task = null;
  const end = () => { task?.stop(); task = null; };
  task = startWorker(workerUrl, { train: { ...experiment } }, {
    onMessage(data) {
      if (!task) return;  // cancelled: a message already on its way is dropped
      if (data.error) { end(); on.fail(data.error.message); return; }
      if (data.progress) on.progress(data.progress);
      if (data.run) on.run(data.run);
      if (data.uptrain) on.uptrain(data.uptrain);
      if (data.done) { end(); on.done(); }
    },
    onError(message) { end(); on.fail(`the training worker stopped (${message ?? 'unknown error'})`); },
  });
  return task && { cancel: end };
}
