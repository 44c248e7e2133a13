// quality.js - the JS face of the quality lab: checkpoint conversion (MHA → GQA/MQA as in
// Ainslie et al. 2023), the conversion-error experiment, and the associative-recall model trained
// per G. Core (core.js) exposes these as core.convertKvHeads, core.conversionError,
// core.createRecallTrainer and core.trainRecall; the checks here run before anything reaches
// Embind, so every refusal names the field, the value and what was expected. The limits are the
// core's own (core.info.limits, from cpp/lab/*.h).
import { NativeHandle } from './handle.js';
import { checkKeys, exactly, int, integer, oneOf, show, unwrap } from './validate.js';

/** The conversion methods, for code without a core; every check uses core.info.convertMethods. */
export const CONVERT_METHODS = Object.freeze(['mean', 'first', 'random']);
const MAX_SEED = Number.MAX_SAFE_INTEGER;  // seeds cross as exact JS numbers

/** The recall experiment's defaults: the page's settings, and node's unless told otherwise. */
export const RECALL_DEFAULTS = Object.freeze({
  keyVocab: 64, valueVocab: 64, pairs: 16, queries: 8,          // the task
  dModel: 64, nHeads: 8, nKvHeads: 8, headDim: 8, dFf: 128,     // the model
  batch: 32, lr: 3e-3, clip: 1, evalSequences: 256, seed: 1,    // training
});
const RECALL_KEYS = Object.keys(RECALL_DEFAULTS);

/** A finite number (the core checks its range, and says `expected` too), or `fallback` when undefined. */
function finite(field, value, fallback, expected) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${field} (${show(value)}) must be ${expected}`);
  if (!Number.isFinite(value)) throw new RangeError(`${field} (${show(value)}) must be ${expected}`);
  return value;
}

const seedOf = (value, fallback = 1) => int('seed', value, 0, MAX_SEED, fallback);

/** nKvHeads must divide nHeads: one message for every entry point. */
function kvHeads(nHeads, value, fallback) {
  const g = int('nKvHeads', value, 1, nHeads, fallback);
  if (nHeads % g !== 0) throw new RangeError(`nKvHeads (${g}) must divide nHeads (${nHeads}): each K/V head serves a whole group of query heads`);
  return g;
}

/** convertKvHeads' arguments, checked before the weights' lengths depend on them. */
export function convertArgs(args, { limits, convertMethods }) {
  checkKeys('convertKvHeads', args, ['wk', 'wv', 'dModel', 'nHeads', 'headDim', 'nKvHeads', 'method', 'seed']);
  const dModel = int('dModel', args.dModel, 1, limits.dModel);
  const nHeads = int('nHeads', args.nHeads, 1, limits.heads);
  const headDim = int('headDim', args.headDim, 1, limits.headDim);
  const nKvHeads = kvHeads(nHeads, args.nKvHeads);
  const method = oneOf('method', args.method, convertMethods, 'mean');
  const seed = seedOf(args.seed);
  const shape = `[nHeads·headDim=${nHeads * headDim}][dModel=${dModel}] (nn.Linear layout)`;
  const maxWeights = limits.requestBytes / 4;  // floats in one request
  if (nHeads * headDim * dModel > maxWeights) {
    throw new RangeError(`wk (${nHeads * headDim} × ${dModel}) is over the 2^${Math.log2(maxWeights)} weights this converter takes at once`);
  }
  exactly('wk', args.wk, nHeads * headDim * dModel, shape);
  exactly('wv', args.wv, nHeads * headDim * dModel, shape);
  return [{ dModel, nHeads, headDim, nKvHeads, method, seed }, args.wk, args.wv];
}

export const CONVERSION_DEFAULTS = Object.freeze({ dModel: 64, nHeads: 8, headDim: 8, seqLen: 32, samples: 16, similarity: 0.5, seed: 1 });

/** conversionError's options, defaults filled in; the core checks the ranges. */
export function conversionArgs(args, limits) {
  checkKeys('conversionError', args, Object.keys(CONVERSION_DEFAULTS));
  const d = CONVERSION_DEFAULTS;
  return {
    dModel: integer('dModel', args.dModel, [1, limits.dModel], d.dModel),
    nHeads: integer('nHeads', args.nHeads, [1, limits.experimentHeads], d.nHeads),
    headDim: integer('headDim', args.headDim, [1, limits.experimentHeadDim], d.headDim),
    seqLen: integer('seqLen', args.seqLen, [1, limits.seqLen], d.seqLen),
    samples: integer('samples', args.samples, [1, limits.samples], d.samples),
    similarity: finite('similarity', args.similarity, d.similarity, 'a number from 0 to 1'),
    seed: seedOf(args.seed, d.seed),
  };
}

/** createRecallTrainer's options, defaults filled in. */
/**
 * createRecallTrainer's options, defaults filled in (pairs and queries follow the task). The core
 * checks the ranges but nHeads', which nKvHeads' message needs.
 */
export function recallArgs(args, limits, what = 'createRecallTrainer', extra = []) {
  checkKeys(what, args, [...RECALL_KEYS, ...extra]);
  const d = RECALL_DEFAULTS;
  const nHeads = int('nHeads', args.nHeads, 1, limits.heads, d.nHeads);
  const keyVocab = integer('keyVocab', args.keyVocab, [1, limits.vocab], d.keyVocab);
  const pairs = integer('pairs', args.pairs, [1, Math.min(keyVocab, limits.pairs)], Math.min(d.pairs, keyVocab));
  return {
    keyVocab,
    valueVocab: integer('valueVocab', args.valueVocab, [2, limits.vocab], d.valueVocab),
    pairs,
    queries: integer('queries', args.queries, [1, pairs], Math.min(d.queries, pairs)),
    dModel: integer('dModel', args.dModel, [1, limits.width], d.dModel),
    nHeads,
    nKvHeads: kvHeads(nHeads, args.nKvHeads, nHeads),
    headDim: integer('headDim', args.headDim, [1, limits.headDim], d.headDim),
    dFf: integer('dFf', args.dFf, [1, limits.width], d.dFf),
    batch: integer('batch', args.batch, [1, limits.trainBatch], d.batch),
    lr: finite('lr', args.lr, d.lr, 'a number above 0 and at most 1'),
    clip: finite('clip', args.clip, d.clip, '0 (off) or a positive number up to 1e6'),
    evalSequences: integer('evalSequences', args.evalSequences, [1, limits.evalSequences], d.evalSequences),
    seed: seedOf(args.seed, d.seed),
  };
}

/**
 * A recall model and its optimizer in the WASM heap. One owner; call delete() to return its
 * memory. Deterministic: the same options give the same losses, bit for bit.
 */
export class RecallTrainer {
  #handle;
  #make;  // (options, init) -> a new RecallTrainer from the Core that made this one
  #info;  // core.info of the Core that made it
  #options;

  /** core: { guard, alive, info, make } from the Core that made it. */
  constructor(native, options, core) {
    this.#handle = new NativeHandle(native, core, { kind: 'RecallTrainer', noun: 'trainer', remedy: 'core.createRecallTrainer()' });
    this.#make = core.make;
    this.#info = core.info;
    this.#options = Object.freeze({ ...options });
  }

  #live(method) { return this.#handle.live(method); }

  /** The options it was made with (nKvHeads as made; see nKvHeads for after a convert). */
  get options() { return this.#options; }

  /** `steps` Adam steps on fresh batches → Float32Array of each step's training loss. */
  train(steps) {
    const native = this.#live('train');
    return unwrap(native.train(integer('steps', steps, [1, this.#info.limits.steps])));
  }

  /**
   * `steps` steps with the held-out set evaluated before, every `evalEvery` steps (steps/10 by
   * default) and at the end: → { losses (Float32Array, one per step), evals [{ step, loss,
   * accuracy, correct, asked }] }. onProgress({ step, steps, eval }) follows each evaluation.
   */
  run(steps, { evalEvery, onProgress } = {}) {
    this.#live('run');
    steps = int('steps', steps, 1, this.#info.limits.steps);  // the losses array is allocated here
    evalEvery = int('evalEvery', evalEvery, 1, steps, Math.max(1, Math.round(steps / 10)));
    if (onProgress !== undefined && typeof onProgress !== 'function') {
      throw new TypeError(`onProgress (${show(onProgress)}) must be a function`);
    }
    const losses = new Float32Array(steps);
    const start = this.stepsDone;
    const evals = [{ step: start, ...this.evaluate() }];
    for (let done = 0; done < steps;) {
      const n = Math.min(evalEvery, steps - done);
      losses.set(this.train(n), done);
      done += n;
      evals.push({ step: start + done, ...this.evaluate() });
      onProgress?.({ step: done, steps, eval: evals.at(-1) });
    }
    return { losses, evals };
  }

  /**
   * Loss and recall accuracy on the fixed held-out set: { loss, accuracy, correct, asked, keyHits,
   * headReads }; keyHits of the headReads (query position, query head) put their largest attention
   * weight on the pair whose key is asked.
   */
  evaluate() { return this.#live('evaluate').evaluate(); }

  /**
   * What the model does on held-out sequence `sequence` (0 by default): → { pairs [{ key, value }]
   * in sequence order, queries [{ position, key, target, answer (the index of the pair asked
   * for), predicted }], nHeads, seqLen, weights (Float32Array (nHeads, queries, seqLen): each
   * query head's attention at each query position), stats (evaluate()'s, on this sequence) }.
   */
  inspect(sequence = 0) {
    const native = this.#live('inspect');
    const t = unwrap(native.trace(int('sequence', sequence, 0, this.#options.evalSequences - 1)));
    const { keyVocab } = this.#options;
    const pairs = [], queries = [];
    t.first.forEach((key, i) => {
      if (t.target[i] < 0) pairs.push({ key, value: t.second[i] - keyVocab });
    });
    t.positions.forEach((position, a) => queries.push({ position, key: t.first[position], target: t.target[position],
      answer: t.answers[a], predicted: t.predicted[a] }));
    return { pairs, queries, nHeads: this.#options.nHeads, seqLen: t.first.length, weights: t.weights, stats: t.stats };
  }

  /**
   * Uptraining's first step: a new trainer holding this model with its K/V projections
   * converted to nKvHeads heads by `method` (mean-pool by default), the same data stream and
   * step count, and fresh Adam moments. nKvHeads must divide this model's K/V heads. This
   * trainer is unchanged.
   */
  convert(args) {
    const native = this.#handle.raw('convert');  // Embind wants the object itself as an argument, not the guard's proxy
    checkKeys('convert', args, ['nKvHeads', 'method', 'seed']);
    const current = this.nKvHeads;
    const nKvHeads = int('nKvHeads', args.nKvHeads, 1, current);
    if (current % nKvHeads !== 0) throw new RangeError(`nKvHeads (${nKvHeads}) must divide the model's current K/V heads (${current})`);
    const method = oneOf('method', args.method, this.#info.convertMethods, 'mean');
    const seed = seedOf(args.seed);
    return this.#make({ ...this.#options, nKvHeads }, (fresh) => fresh.initConverted(native, nKvHeads, method, seed));
  }

  get stepsDone() { return this.#live('stepsDone').stepsDone(); }
  get parameterCount() { return this.#live('parameterCount').parameterCount(); }
  get nKvHeads() { return this.#live('nKvHeads').nKvHeads(); }
  get deleted() { return this.#handle.deleted; }

  /** Returns the trainer's memory to the WASM heap. Safe to call twice. */
  delete() { this.#handle.delete(); }
}

/**
 * The load sweep's settings, for code without a core (the page's words before it loads); every
 * run uses core.info.recallSweep, from cpp/lab/trainer.h, and tests/js/info.test.mjs keeps the
 * two equal. The recall model with head_dim 4, 16 queries per sequence, lr 1e-2; the load is the
 * pairs per sequence.
 */
export const RECALL_SWEEP = Object.freeze({
  keyVocab: 64, valueVocab: 64, queries: 16, dModel: 64, nHeads: 8, headDim: 4, dFf: 128,
  batch: 32, lr: 0.01, clip: 1, evalSequences: 256, seed: 1, steps: 200, loads: Object.freeze([16, 32, 48, 64]),
});

/** Every divisor of n, largest first: the G a sweep trains by default (MHA first, MQA last). */
export const divisorsDescending = (n) => Array.from({ length: n }, (_, i) => n - i).filter((g) => n % g === 0);

/** A non-empty array of distinct integers, each checked by `each(field, value)`. */
function list(field, value, fallback, each) {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value) || value.length === 0) throw new TypeError(`${field} (${show(value)}) must be a non-empty array`);
  const out = value.map((v, i) => each(`${field}[${i}]`, v));
  const twice = out.find((v, i) => out.indexOf(v) !== i);
  if (twice !== undefined) throw new RangeError(`${field} (${JSON.stringify(value)}) must not list ${twice} twice`);
  return out;
}

/** A load of the sweep `sweep`: pairs per sequence, from its queries to its keys (a sequence's keys are distinct). */
export const sweepLoad = (field, value, sweep) => int(field, value, sweep.queries, sweep.keyVocab);

/** A G of the sweep `sweep`: a divisor of its nHeads. */
export function sweepKvHeads(field, value, sweep) {
  const g = int(field, value, 1, sweep.nHeads);
  if (sweep.nHeads % g !== 0) throw new RangeError(`${field} (${g}) must divide nHeads (${sweep.nHeads}): each K/V head serves a whole group of query heads`);
  return g;
}

/** recallSweep's options, checked against the sweep's settings `sweep` (core.info.recallSweep). */
export function sweepArgs(args, sweep, limits) {
  checkKeys('recallSweep', args, ['loads', 'nKvHeads', 'steps', 'seed', 'inspect', 'onProgress']);
  const loads = list('loads', args.loads, sweep.loads, (field, v) => sweepLoad(field, v, sweep));
  const nKvHeads = list('nKvHeads', args.nKvHeads, divisorsDescending(sweep.nHeads), (field, v) => sweepKvHeads(field, v, sweep));
  const steps = int('steps', args.steps, 1, limits.steps, sweep.steps);
  const seed = seedOf(args.seed, sweep.seed);
  const inspect = args.inspect === undefined ? undefined : int('inspect', args.inspect, 0, sweep.evalSequences - 1);
  if (args.onProgress !== undefined && typeof args.onProgress !== 'function') {
    throw new TypeError(`onProgress (${show(args.onProgress)}) must be a function`);
  }
  return { loads, nKvHeads, steps, seed, inspect, onProgress: args.onProgress };
}

/**
 * The load sweep (see Core.recallSweep): one model per (load, G), load by load, G in the order
 * given. createCell(pairs, nKvHeads, seed) makes a sweep cell's trainer; kind(G) names it.
 */
export function recallSweepWith(createCell, kind, { loads, nKvHeads, steps, seed, inspect, onProgress }) {
  const rows = [];
  const cells = loads.length * nKvHeads.length, chunk = Math.max(1, Math.round(steps / 10));
  for (const pairs of loads) {
    for (const g of nKvHeads) {
      const trainer = createCell(pairs, g, seed);
      try {
        for (let done = 0; done < steps;) {
          const n = Math.min(chunk, steps - done);
          trainer.train(n);
          done += n;
          onProgress?.({ cell: rows.length, cells, pairs, nKvHeads: g, step: done, steps });
        }
        const e = trainer.evaluate();
        rows.push({ pairs, nKvHeads: g, kind: kind(g), accuracy: e.accuracy, loss: e.loss, correct: e.correct, asked: e.asked,
          keyHits: e.keyHits, headReads: e.headReads, ...(inspect === undefined ? {} : { inspect: trainer.inspect(inspect) }) });
      } finally {
        trainer.delete();
      }
    }
  }
  return { steps, seed, rows };
}

/**
 * One run of the recall experiment: a fresh model trained `steps` steps, evaluated every
 * `evalEvery` steps (see RecallTrainer.run), then deleted.
 */
export function trainRecallWith(createTrainer, args, limits) {
  const options = recallArgs(args, limits, 'trainRecall', ['steps', 'evalEvery', 'onProgress']);
  const trainer = createTrainer(options);
  try {
    const { losses, evals } = trainer.run(args.steps ?? 300, { evalEvery: args.evalEvery, onProgress: args.onProgress });
    return { options, steps: losses.length, losses, evals, final: evals.at(-1), parameterCount: trainer.parameterCount };
  } finally {
    trainer.delete();
  }
}
