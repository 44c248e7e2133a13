// quality-runner.js - the quality lab's jobs run in quality-worker.js (workers with their own core):
// the training experiment in one worker, the load sweep's cells spread over one worker per core;
// starting them, their messages turned into calls, cancelling them. views/quality.js only draws
// what arrives.
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

/**
 * Runs the load sweep `sweep` ({ loads, nKvHeads, steps, seed, inspect }, see core.recallSweep)
 * one cell per job on `workers` workers, the largest loads first so no core idles at the end.
 * on: { progress(fraction of the sweep's steps done), row(row) per cell as each finishes, done(rows)
 * in the order core.recallSweep gives them, fail(message) }. Returns { cancel(), workers }, or null
 * where no module worker can be started.
 */
export function startSweep(sweep, on, { workerUrl = WORKER_URL, workers = 2 } = {}) {
  const { loads, nKvHeads, ...common } = sweep;
  const order = loads.flatMap((pairs) => nKvHeads.map((g) => ({ pairs, nKvHeads: g })));
  const queue = [...order].sort((a, b) => b.pairs - a.pairs || b.nKvHeads - a.nKvHeads);
  const steps = order.length * sweep.steps, rows = [];
  let stepsDone = 0, ended = false;
  const tasks = [];
  const end = () => { ended = true; for (const t of tasks) t?.stop(); };
  const spawn = () => {
    let current = queue.shift(), reached = 0;
    const task = startWorker(workerUrl, { cell: { ...common, ...current } }, {
      onMessage(data) {
        if (ended) return;  // cancelled or failed: a message already on its way is dropped
        if (data.error) { end(); on.fail(data.error.message); return; }
        if (data.progress) {
          stepsDone += data.progress.step - reached;
          reached = data.progress.step;
          on.progress(stepsDone / steps);
        }
        if (data.row) {
          rows.push(data.row);
          on.row(data.row);
          if (rows.length === order.length) {
            end();
            on.done(order.map((c) => rows.find((r) => r.pairs === c.pairs && r.nKvHeads === c.nKvHeads)));
            return;
          }
          current = queue.shift();
          reached = 0;
          if (current) task.post({ cell: { ...common, ...current } }); else task.stop();
        }
      },
      onError(message) { end(); on.fail(`a sweep worker stopped (${message ?? 'unknown error'})`); },
    });
    return task;
  };
  const n = Math.max(1, Math.min(workers, order.length));
  for (let i = 0; i < n; i++) {
    const task = spawn();
    if (!task) { end(); return null; }
    tasks.push(task);
  }
  return { cancel: end, workers: n };
}
