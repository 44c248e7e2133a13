// quality-worker.js - the quality lab's training in its own Web Worker (its own core), so the
// page stays responsive while models train and Cancel can simply terminate it.
// In:  { train: { gs, steps, uptrainSteps, seed, ...options } }
//                                             Out: { progress: { run, runs, step, steps } } ...
//                                                  { run: { nKvHeads, losses, evals, final, parameterCount } } per G
//                                                  { uptrain: [{ nKvHeads, before, after, scratch }] }, { done: true }
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
  } catch (err) {
    self.postMessage({ error: { name: err.name, message: err.message } });
  }
};
