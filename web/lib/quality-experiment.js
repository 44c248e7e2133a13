// quality-experiment.js - the whole "what does sharing K/V cost?" training experiment, shared by
// the page's worker and node: one recall model per G trained from scratch with the same seed,
// data and steps, then uptraining (Ainslie et al. 2023): the trained MHA model's K/V heads
// mean-pooled to each smaller G and trained on for a few more steps.
import { RECALL_DEFAULTS } from '../core/quality.js';

/** The page's experiment: H = 8, G ∈ {8, 4, 2, 1}, 200 steps, uptraining for 5 % of them. */
export const QUALITY_EXPERIMENT = Object.freeze({ gs: [8, 4, 2, 1], steps: 200, uptrainSteps: 10, evalEvery: 20, seed: 1 });

/**
 * Runs it on `core`; post(message) receives { progress }, one { run } per G, then { uptrain }.
 * args: QUALITY_EXPERIMENT's fields plus any createRecallTrainer option (nHeads, pairs, ...).
 * The first G must be nHeads (MHA): uptraining starts from it.
 */
export function runQualityExperiment(core, args, post = () => {}) {
  const { gs, steps, uptrainSteps, evalEvery, ...options } = { ...QUALITY_EXPERIMENT, ...args };
  const nHeads = options.nHeads ?? RECALL_DEFAULTS.nHeads;
  if (!Array.isArray(gs) || gs.length === 0 || gs[0] !== nHeads) {
    throw new RangeError(`gs (${JSON.stringify(gs)}) must be a list of K/V head counts starting with nHeads (${nHeads}), the MHA model uptraining starts from`);
  }
  const runs = gs.length + 1;
  const results = [];
  let mha = null;
  try {
    for (const [i, nKvHeads] of gs.entries()) {
      const trainer = core.createRecallTrainer({ ...options, nHeads, nKvHeads });
      const { losses, evals } = trainer.run(steps, {
        evalEvery, onProgress: ({ step }) => post({ progress: { run: i, runs, step, steps, nKvHeads } }),
      });
      const run = { nKvHeads, losses, evals, final: evals.at(-1), parameterCount: trainer.parameterCount };
      results.push(run);
      post({ run });
      if (nKvHeads === nHeads) mha = trainer; else trainer.delete();
    }
    const uptrain = gs.slice(1).map((nKvHeads) => {
      const converted = mha.convert({ nKvHeads, method: 'mean' });
      try {
        const before = converted.evaluate();
        converted.train(uptrainSteps);
        const after = converted.evaluate();
        return { nKvHeads, before, after, scratch: results.find((r) => r.nKvHeads === nKvHeads).final };
      } finally {
        converted.delete();
      }
    });
    post({ progress: { run: runs - 1, runs, step: uptrainSteps, steps: uptrainSteps, nKvHeads: null } });
    post({ uptrain: { steps: uptrainSteps, from: steps, rows: uptrain } });
    return { runs: results, uptrain };
  } finally {
    mha?.delete();
  }
}
