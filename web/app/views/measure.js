// measure.js - "Measure on this machine": the decode benchmark in its own worker (bench-worker.js),
// with progress and cancel, drawn as bars with the roofline and the parallel-decode table.
import { el, mount } from '../dom.js';
import { startWorker } from '../worker-task.js';
import { cacheBars } from './bars.js';
import { scrollTable } from './table.js';
import { formatBytes, formatCount, formatFactor, formatSeconds, kernelLabel, kindLabel } from '../../lib/format.js';

export class Measure {
  #task = null;  // the benchmark's worker, while it runs

  /** parts: { button, cancel, progress, view } elements; state() gives the reader's state. */
  constructor({ button, cancel, progress, view }, { state }) {
    Object.assign(this, { button, cancel, progress, view, state });
    button.addEventListener('click', () => this.run());
    cancel.addEventListener('click', () => this.stop('Measurement cancelled.'));
  }

  /** The core is loaded: measuring may start. */
  enable() { this.button.disabled = false; }

  stop(message) {
    this.#task?.stop();
    this.#task = null;
    this.button.disabled = false;
    this.cancel.hidden = true;
    this.progress.hidden = true;
    if (message) mount(this.view, el('p', { class: 'fine' }, message));
  }

  run() {
    this.stop();
    const s = this.state();
    this.#task = startWorker(new URL('../bench-worker.js', import.meta.url), { state: s }, {
      onMessage: (data) => {
        if (data.progress) {
          this.progress.max = data.progress.total;
          this.progress.value = data.progress.done;
          this.progress.textContent = `${data.progress.done} of ${data.progress.total}`;
          mount(this.view, el('p', { class: 'fine' }, `measuring: ${data.progress.label}…`));
        } else if (data.result) {
          this.stop();
          mount(this.view, ...measurement(data.result, s));
        } else if (data.error) {
          this.stop(`Measurement failed: ${data.error.message}`);
        }
      },
      onError: (message) => this.stop(`Measurement failed: ${message ?? 'the worker stopped'}`),
    });
    if (!this.#task) {
      this.stop('Measuring needs a Web Worker, which this page may not start here (a sandboxed frame, or a script from another origin). Open the full playground to measure.');
      return;
    }
    this.button.disabled = true;
    this.cancel.hidden = false;
    this.progress.hidden = false;
    this.progress.value = 0;
  }

  destroy() { this.stop(); }
}

/** "2.5× faster" / "1.3× slower": time `base` against time `x`. */
function speedText(baseMs, xMs) {
  return baseMs >= xMs ? `${formatFactor(baseMs / xMs)} faster` : `${formatFactor(xMs / baseMs)} slower`;
}

const ms = (x) => formatSeconds(x / 1e3);

/**
 * Which regime the measured times show, from the variant with more K/V heads (the reader's GQA, else
 * MHA) against MQA: the fraction of the byte saving that became speed, in log terms. Returns
 * { regime: 'memory' | 'between' | 'compute', text } quoting the numbers it rests on, or null (H = 1).
 */
export function regimeSentence(best, { h, g }) {
  const mqa = best.find((x) => x.kind === 'MQA'), wide = best.find((x) => x.nKvHeads === (g > 1 && g < h ? g : h));
  if (!mqa || !wide || wide === mqa) return null;
  const bytes = wide.kvBytes / mqa.kvBytes, speed = wide.ms / mqa.ms;
  const share = speed > 1 ? Math.log(speed) / Math.log(bytes) : 0;
  const regime = share >= 0.6 ? 'memory' : share <= 0.25 ? 'compute' : 'between';
  const name = kindLabel(wide.kind, wide.nKvHeads);
  const step = speed >= 1.05 ? `its step was ${regime === 'memory' ? '' : 'only '}${speedText(wide.ms, mqa.ms)}`
    : speed > 0.95 ? 'its step took as long' : `its step was ${speedText(wide.ms, mqa.ms)}`;
  const facts = `MQA reads ${formatFactor(bytes)} fewer K/V bytes than ${name}${regime === 'memory' ? ' and' : ' but'} ${step} (${ms(mqa.ms)} against ${ms(wide.ms)})`;
  const madds = `every variant does the same ${formatCount(mqa.madds)} multiply-adds (2·H·T·d), at least ${ms(mqa.computeMs)} at this machine's measured rate`;
  const text = {
    memory: `Memory-bound here: ${facts}. Reading the cache is the step, so each cut in K/V heads still shortens it.`,
    between: `Between the two limits here: ${facts}, well short of the ${formatFactor(bytes)} the bytes alone would give, because ${madds}, a large part of the step.`,
    compute: `Compute-bound here: ${facts}. ${madds[0].toUpperCase()}${madds.slice(1)}, and that arithmetic, not the bytes, now sets most of the step: fewer K/V heads barely shorten it.`,
  }[regime];
  return { regime, bytes, speed, text };
}

/** What the MLA row trades, from its own numbers against MHA's and MQA's rows. */
function mlaSentence(best) {
  const mla = best.find((x) => x.kind === 'MLA'), mha = best.find((x) => x.kind === 'MHA'), mqa = best.find((x) => x.kind === 'MQA');
  if (!mla || !mha) return null;
  const w = mla.mla.widths;
  const than = (x) => (x.kvBytes >= mla.kvBytes ? `${formatFactor(x.kvBytes / mla.kvBytes)} fewer bytes than ${x.kind}` : `${formatFactor(mla.kvBytes / x.kvBytes)} more than ${x.kind}`);
  const per = (x) => +(x.madds / x.kvBytes).toPrecision(3);
  return `MLA (absorbed) caches one latent of ${w.kvLoraRank} + ${w.qkRopeHeadDim} numbers per token (${mla.mla.own ? `${mla.mla.from}'s widths` : `${mla.mla.from}'s latent`}, ${mla.dtype}): ` +
    `${than(mha)}${mqa && mqa !== mha ? ` and ${than(mqa)}` : ''}. In exchange all ${w.nHeads} heads read the whole latent: ` +
    `its step does ${formatCount(mla.madds)} multiply-adds, ${per(mla)} per byte read against MHA's ${per(mha)}, and took ${ms(mla.ms)}, ${speedText(mha.ms, mla.ms)} than MHA (${mla.bound}-bound by the roofline).`;
}

/** The rows' head_dim, in words when an MLA model's K/V heads are timed at their mean width. */
function headDim(r) {
  const mla = r.rows.find((x) => x.kind === 'MLA')?.mla;
  if (!mla?.own) return String(r.headDim);
  const w = mla.widths;
  return `${r.headDim} (the mean of ${mla.from}'s ${w.qkNopeHeadDim + w.qkRopeHeadDim}-wide keys and ${w.vHeadDim}-wide values its MHA baseline would cache)`;
}

function measurement(r, s) {
  const best = r.rows.filter((x) => x.variant === (r.simd ? 'simd' : 'scalar'));
  const mha = best.find((x) => x.kind === 'MHA');
  const scalarOf = (x) => r.rows.find((y) => y.variant === 'scalar' && y.kind === x.kind && y.nKvHeads === x.nKvHeads);
  const rows = best.map((x) => ({
    label: x.kind === 'MLA' ? 'MLA (absorbed)' : kindLabel(x.kind, x.nKvHeads), bytes: x.ms * 1e6, kind: x.kind,
    factor: x === mha ? undefined : mha.ms / x.ms, factorText: speedText(mha.ms, x.ms),
    note: `${formatBytes(x.kvBytes)} read · ${Math.round((100 * x.roofMs) / x.ms)}% of the roofline (${x.bound}-bound)` +
      (r.simd && scalarOf(x) ? ` · SIMD ${formatFactor(+(scalarOf(x).ms / x.ms).toPrecision(2))} faster than scalar` : ''),
  }));
  const regime = regimeSentence(best, s);
  const mla = mlaSentence(best);
  return [
    el('p', { class: 'fine', 'data-setup': true }, `One layer, H = ${s.h}, head_dim ${headDim(r)}, T = ${r.tokens.toLocaleString('en-US')} cached tokens, ${r.dtype} cache, ${kernelLabel(r.isa)} kernels; ` +
      `every figure below is this one setup. This machine: ${(r.probe.bytesPerSecond / 1e9).toFixed(1)} GB/s read, ${formatCount(r.probe.maddsPerSecond)} multiply-adds/s.`),
    cacheBars(rows, { caption: 'measured decode time per token', format: (b) => ms(b / 1e6) }),
    regime ? el('p', { class: 'fine', 'data-regime': regime.regime, 'data-bytes-ratio': regime.bytes, 'data-speedup': regime.speed }, regime.text) : null,
    mla ? el('p', { class: 'fine', 'data-mla': true }, mla) : null,
    parallelTable(r, best),
    r.tokens < r.requestedTokens ? el('p', { class: 'fine', 'data-capped': true }, `T was capped at ${r.tokens.toLocaleString('en-US')} for this measurement: ` +
      `at T = ${r.requestedTokens.toLocaleString('en-US')} one layer's MHA cache needs ${formatBytes(r.fullBytes)}, and a measurement here keeps its caches within ${formatBytes(r.budgetBytes)}.`) : null,
  ];
}

/** The parallel-decode results: time per token for each split and worker count; 1 worker is the bar's time. */
function parallelTable(r, best) {
  if (!r.parallel?.length) return null;
  const Gs = [...new Set(r.parallel.map((p) => p.G))];
  const row = (label, mode, workers, cell, speed) => el('tr', {}, el('th', { scope: 'row' }, label), el('td', {}, mode), el('td', {}, workers), el('td', {}, cell), el('td', {}, speed));
  const rows = Gs.flatMap((G) => {
    const one = best.find((x) => x.nKvHeads === G && x.kind !== 'MLA');
    const label = kindLabel(one.kind, G);
    return [row(label, '—', '1 (the bar)', ms(one.ms), ''), ...r.parallel.filter((p) => p.G === G).map((p) => row(label,
      p.mode === 'heads' ? 'K/V heads' : 'tokens', p.workers,
      p.skipped ? `— (${p.G} K/V head${p.G > 1 ? 's' : ''} cannot split ${p.workers} ways)` : ms(p.ms),
      p.skipped ? '' : speedText(one.ms, p.ms)))];
  });
  return scrollTable('Parallel decode', `The same step split across Web Workers (this browser reports ${r.cpus} logical cores); the 1-worker row is the bar above. ` +
    'Splitting by K/V heads is how tensor parallelism splits a layer; with fewer K/V heads than workers (MQA) only splitting the tokens and merging the partial softmaxes helps.',
    el('table', { class: 'models parallel' },
      el('thead', {}, el('tr', {}, ['variant', 'split by', 'workers', 'time per token', 'against 1 worker'].map((x) => el('th', { scope: 'col' }, x)))),
      el('tbody', {}, rows)));
}
