// quality-experiment.js - the whole "what does sharing K/V cost?" training experiment, shared by
// the page's worker and node: one recall model per G trained from scratch with the same seed,
// data and steps, then uptraining (Ainslie et al. 2023): the trained MHA model's K/V heads
// mean-pooled to each smaller G and trained on for a few more steps.
import { RECALL_DEFAULTS } from '../core/quality.js';
import { kvNumbersPerToken } from './core-facts.js';
import { formatPercent, formatPoints } from './format.js';

/**
 * The steps of a run of `steps` training steps: held-out evaluation every tenth of the run, and
 * uptraining for 5 % of it (the share Ainslie et al. 2023 used).
 */
export function schedule(steps) {
  return { steps, uptrainSteps: Math.max(1, Math.round(steps * 0.05)), evalEvery: Math.max(1, Math.round(steps / 10)) };
}

/** The page's experiment: RECALL_DEFAULTS' H = 8 query heads, G ∈ {8, 4, 2, 1}, 200 steps. */
export const QUALITY_EXPERIMENT = Object.freeze({ gs: [8, 4, 2, 1], seed: 1, ...schedule(200) });

/** A model "recalls" once its held-out accuracy reaches this (the page's and the CLI's summaries). */
export const RECALL_THRESHOLD = 0.9;

/**
 * Runs it on `core`; post(message) receives { progress }, one { run } per G, then { uptrain }. Each
 * run and uptraining row carries its attention kind ('MHA' | 'GQA' | 'MQA') as the core names it,
 * and a run the K/V numbers its model caches per token.
 * args: QUALITY_EXPERIMENT's fields plus any createRecallTrainer option (nHeads, pairs, ...).
 * The first G must be nHeads (MHA): uptraining starts from it.
 */
export function runQualityExperiment(core, args, post = () => {}) {
  const { gs, steps, uptrainSteps, evalEvery, ...options } = { ...QUALITY_EXPERIMENT, ...args };
  const nHeads = options.nHeads ?? RECALL_DEFAULTS.nHeads, headDim = options.headDim ?? RECALL_DEFAULTS.headDim;
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
      const run = { nKvHeads, kind: core.attentionKind(nHeads, nKvHeads), kvNumbersPerToken: kvNumbersPerToken(core, { nKvHeads, headDim }),
        losses, evals, final: evals.at(-1), parameterCount: trainer.parameterCount };
      results.push(run);
      post({ run });
      if (run.kind === 'MHA') mha = trainer; else trainer.delete();
    }
    const uptrain = gs.slice(1).map((nKvHeads) => {
      const converted = mha.convert({ nKvHeads, method: 'mean' });
      try {
        const before = converted.evaluate();
        converted.train(uptrainSteps);
        const after = converted.evaluate();
        return { nKvHeads, kind: core.attentionKind(nHeads, nKvHeads), before, after, scratch: results.find((r) => r.nKvHeads === nKvHeads).final };
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

/**
 * A load sweep's rows (core.recallSweep's) as a grid: { loads, gs (both in the order run),
 * cell(pairs, G) → its row, gaps: per load { pairs, high, low, gap }, the accuracy of the largest G
 * run less that of the smallest }. The page's table and chart and the CLI's table read it.
 */
export function sweepGrid(rows) {
  const loads = [...new Set(rows.map((r) => r.pairs))], gs = [...new Set(rows.map((r) => r.nKvHeads))];
  const cell = (pairs, g) => rows.find((r) => r.pairs === pairs && r.nKvHeads === g);
  const high = Math.max(...gs), low = Math.min(...gs);
  const gaps = loads.map((pairs) => {
    const a = cell(pairs, high), b = cell(pairs, low);
    return { pairs, high: a, low: b, gap: a && b ? a.accuracy - b.accuracy : null };
  });
  return { loads, gs, cell, gaps, high, low };
}

/** The sweep's table: a header and one row of strings per load (accuracy per G, then the gap in points). */
export function sweepTable(rows, percent = formatPercent) {
  const { loads, gs, cell, gaps, high, low } = sweepGrid(rows);
  const header = ['pairs', ...gs.map((g) => `G = ${g}`), ...(high !== low ? [`G = ${high} − G = ${low}`] : [])];
  const body = loads.map((pairs, i) => [String(pairs), ...gs.map((g) => (cell(pairs, g) ? percent(cell(pairs, g).accuracy) : '—')),
    ...(high !== low ? [gaps[i].gap === null ? '—' : `${formatPoints(gaps[i].gap)} points`] : [])]);
  return { header, body };
}
