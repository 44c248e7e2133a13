// quality-worker.js - the quality lab's training in its own Web Worker (its own core), so the
// page stays responsive while models train and Cancel can simply terminate it.
// In:  { train: { gs, steps, uptrainSteps, seed, ...options } }
//                                             Out: { progress: { run, runs, step, steps } } ...
//                                                  { run: { nKvHeads, losses, evals, final, parameterCount } } per G
//                                                  { uptrain: [{ nKvHeads, before, after, scratch }] }, { done: true }
//      { cell: { pairs, nKvHeads, steps, seed, inspect } }   one cell of the load sweep (the worker
//                                             stays for the next)  Out: { progress: { step, steps } } ...
//                                                  { row: core.recallSweep's row }
//      any failure                            Out: { error: { name, message } }
import { loadCore } from '../core/core.js';
import { runQualityExperiment } from '../lib/quality-experiment.js';

let core = null;

self.onmessage = async ({ data }) => {
  try {
    core ??= await loadCore();
    if (data.train) {
      runQualityExperiment(core, data.train, (msg) => self.postMessage(msg));
      self.postMessage({ done: true });
    }
    if (data.cell) {
      const { pairs, nKvHeads, ...rest } = data.cell;
      const { rows: [row] } = core.recallSweep({ ...rest, loads: [pairs], nKvHeads: [nKvHeads],
        onProgress: ({ step, steps }) => self.postMessage({ progress: { step, steps } }) });
      self.postMessage({ row });
    }
  } catch (err) {
    self.postMessage({ error: { name: err.name, message: err.message } });
  }
};
