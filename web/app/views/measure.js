// measure.js - "Measure on this machine": the decode benchmark in its own worker (bench-worker.js),
// with progress and cancel, drawn as bars with the roofline and the parallel-decode table.
import { el, mount } from '../dom.js';
import { startWorker } from '../worker-task.js';
import { cacheBars } from './bars.js';
import { scrollTable } from './table.js';
import { formatBytes, formatCount, formatSeconds, kernelLabel, kindLabel } from '../../lib/format.js';

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

function measurement(r, s) {
  const best = r.rows.filter((x) => x.variant === (r.simd ? 'simd' : 'scalar'));
  const mha = best.find((x) => x.kind === 'MHA');
  const scalarOf = (G) => r.rows.find((x) => x.variant === 'scalar' && x.nKvHeads === G);
  const rows = best.map((x) => ({
    label: kindLabel(x.kind, x.nKvHeads), bytes: x.ms * 1e6, kind: x.kind,
    factor: x === mha ? undefined : mha.ms / x.ms,
    note: `${x.ms.toFixed(3)} ms per token · ${Math.round((100 * x.roofMs) / x.ms)}% of the roofline (${x.bound}-bound)` +
      (r.simd && scalarOf(x.nKvHeads) ? ` · SIMD ${(scalarOf(x.nKvHeads).ms / x.ms).toFixed(1)}× faster than scalar` : ''),
  }));
  const mqa = best.at(-1);
  const why = mqa.bound === 'compute'
    ? `Why MQA stops scaling here: every variant does the same ${formatCount(mqa.madds)} multiply-adds (2·H·T·d); once the K/V bytes take less time to read than that arithmetic (${formatSeconds(mqa.roofMs / 1e3)} at ${formatCount(r.probe.maddsPerSecond)} multiply-adds/s), fewer K/V heads no longer make the step faster on a CPU.`
    : 'Every variant here is still memory-bound: each halving of the K/V bytes shortens the step.';
  return [
    cacheBars(rows, { caption: 'measured decode time per token', format: (b) => formatSeconds(b / 1e9) }),
    el('p', { class: 'fine' }, `One layer, H = ${s.h}, head_dim ${s.d}, T = ${r.tokens.toLocaleString('en-US')} cached tokens, ${r.dtype} cache, ${kernelLabel(r.simd)} kernels. ` +
      `This machine: ${(r.probe.bytesPerSecond / 1e9).toFixed(1)} GB/s read, ${formatCount(r.probe.maddsPerSecond)} multiply-adds/s. ÷ shows the speed-up over MHA.`),
    el('p', { class: 'fine' }, why),
    parallelTable(r),
    r.tokens < r.requestedTokens ? el('p', { class: 'fine', 'data-capped': true }, `T was capped at ${r.tokens.toLocaleString('en-US')} for this measurement: ` +
      `at T = ${r.requestedTokens.toLocaleString('en-US')} one layer's MHA cache needs ${formatBytes(r.fullBytes)}, and a measurement here keeps its caches within ${formatBytes(r.budgetBytes)}.`) : null,
  ];
}

/** The parallel-decode results: time per token for each split and worker count. */
function parallelTable(r) {
  if (!r.parallel?.length) return null;
  const rows = r.parallel.map((p) => el('tr', {},
    el('th', { scope: 'row' }, kindLabel(p.kind, p.G)), el('td', {}, p.mode === 'heads' ? 'K/V heads' : 'tokens'), el('td', {}, p.workers),
    el('td', {}, p.skipped ? `— (${p.G} K/V head${p.G > 1 ? 's' : ''} cannot split ${p.workers} ways)` : `${p.ms.toFixed(3)} ms`),
    el('td', {}, p.skipped ? '' : `${p.speedup.toFixed(2)}×`)));
  return scrollTable('Parallel decode', `Parallel decode across Web Workers (T = ${r.parallelTokens.toLocaleString('en-US')}; this browser reports ${r.cpus} logical cores). ` +
    'Splitting by K/V heads is how tensor parallelism splits a layer; with fewer K/V heads than workers (MQA) only splitting the tokens and merging the partial softmaxes helps.',
    el('table', { class: 'models parallel' },
      el('thead', {}, el('tr', {}, ['variant', 'split by', 'workers', 'time per token', 'speed-up'].map((x) => el('th', { scope: 'col' }, x)))),
      el('tbody', {}, rows)));
}
