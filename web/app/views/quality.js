// quality.js - "What does it cost?": the conversion-error curve with its similarity slider, the
// recall models trained per G with loss and accuracy curves, uptraining, and the load sweep with
// what its models' heads attend to. The conversion curve
// comes from the page's core (through its client); training runs in a worker of its own
// (quality-runner.js). This module draws what comes back; every count in its text is a parameter
// of the experiment (CONVERSION_DEFAULTS, RECALL_DEFAULTS, QUALITY_EXPERIMENT) or of a run.
import { el, mount, GROUP_COLORS } from '../dom.js';
import { QUALITY } from '../lesson.js';
import { startSweep, startTraining } from '../quality-runner.js';
import { formatCount, formatPercent } from '../../lib/format.js';
import { QUALITY_EXPERIMENT, RECALL_THRESHOLD, sweepGrid, sweepTable } from '../../lib/quality-experiment.js';
import { CONVERSION_DEFAULTS, RECALL_DEFAULTS, RECALL_SWEEP, divisorsDescending } from '../../core/quality.js';
import { lineChart } from './line-chart.js';
import { recallAttention, headHits } from './recall-attention.js';
import { scrollTable } from './table.js';

/** The page's load sweep: RECALL_SWEEP's loads and steps, every G, held-out sequence 0 traced in every cell. */
export const PAGE_SWEEP = Object.freeze({ loads: RECALL_SWEEP.loads, nKvHeads: divisorsDescending(RECALL_SWEEP.nHeads),
  steps: RECALL_SWEEP.steps, seed: RECALL_SWEEP.seed, inspect: 0 });

const METHODS = [['mean', 'mean-pool'], ['first', 'first head'], ['random', 'random init']];
const METHOD_COLORS = { mean: GROUP_COLORS[0], first: GROUP_COLORS[1], random: GROUP_COLORS[5] };
const G_COLORS = [GROUP_COLORS[0], GROUP_COLORS[2], GROUP_COLORS[1], GROUP_COLORS[5]];  // the runs in order, G descending

/** Mean of each window of `n` losses: the training loss is noisy batch to batch. */
function smooth(losses, n) {
  const out = [];
  for (let i = 0; i + n <= losses.length; i += n) {
    let s = 0;
    for (let j = i; j < i + n; j++) s += losses[j];
    out.push([i + n, s / n]);
  }
  return out;
}

/** A job's controls ({ run, cancel, progress, status }) while it runs: `message` says so. */
function busy(c, message) {
  c.run.disabled = true;
  c.cancel.hidden = false;
  c.progress.hidden = false;
  c.progress.value = 0;
  c.status.classList.remove('error');
  c.status.textContent = message;
}

/** The job ended (done, failed or cancelled): its button says `again`, its status `message`. */
function idle(c, again, message) {
  c.run.disabled = false;
  c.run.textContent = again;
  c.cancel.hidden = true;
  c.progress.hidden = true;
  c.status.classList.remove('error');
  c.status.textContent = message;
}

export class QualityLab {
  #root;
  #call;                  // (method, args) -> Promise: the page's core
  #training = null;       // the training run ({ cancel() }), while one runs
  #workerUrl;
  #conversionNo = 0;      // the newest conversion request (older answers are dropped)
  #similarity = CONVERSION_DEFAULTS.similarity;
  #conversion = null;     // [{ nKvHeads, mean, first, random }]
  #convertedAt = null;    // the similarity #conversion was computed at
  #runs = [];             // trained models, G descending
  #uptrain = null;        // { steps, from, rows }
  #sweeping = null;       // the load sweep ({ cancel() }), while it runs
  #sweep = null;          // its result: { steps, seed, rows } (PAGE_SWEEP's order)
  #sweepLoad = null;      // the load whose attention is drawn
  #workers = Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 2);
  #els = {};
  /** Called when results change (the Q&A shows them too). */
  onChange = null;

  /** root: where to draw; call(method, args): the core, as the page's CoreClient offers it; workerUrl: quality-runner.js's. */
  constructor(root, { call, workerUrl }) {
    this.#root = root;
    this.#call = call;
    this.#workerUrl = workerUrl;
    this.#build();
  }

  /** The core is ready: compute the conversion curve. */
  start() {
    this.#els.train.disabled = false;
    this.#els.sweep.disabled = false;
    this.#convert();
  }

  #build() {
    const e = this.#els;
    e.slider = el('input', { type: 'range', min: 0, max: 1, step: 0.05, value: this.#similarity, id: 'similarity', name: 'similarity',
      'aria-describedby': 'similarity-value' });
    e.sliderValue = el('output', { id: 'similarity-value', for: 'similarity' }, this.#similarity.toFixed(2));
    e.slider.addEventListener('input', () => {
      this.#similarity = Number(e.slider.value);
      e.sliderValue.textContent = this.#similarity.toFixed(2);
      this.#convert();
    });
    e.conversion = el('div', { class: 'quality-conversion', 'aria-live': 'polite' }, el('p', { class: 'fine' }, 'computing…'));
    e.train = el('button', { type: 'button', class: 'btn primary', id: 'quality-train', disabled: true, part: 'button button-primary' }, `Train the ${QUALITY_EXPERIMENT.gs.length} models`);
    e.cancel = el('button', { type: 'button', class: 'btn', id: 'quality-cancel', hidden: true, part: 'button' }, 'Cancel');
    e.progress = el('progress', { id: 'quality-progress', max: 1, value: 0, hidden: true, 'aria-label': 'Training progress' });
    e.status = el('p', { class: 'fine', id: 'quality-status', 'aria-live': 'polite' }, QUALITY.pending(QUALITY_EXPERIMENT.gs));
    e.training = el('div', { class: 'quality-training' });
    e.uptraining = el('div', { class: 'quality-uptraining' });
    e.train.addEventListener('click', () => this.train());
    e.cancel.addEventListener('click', () => this.#stop('Training cancelled.'));
    const cells = PAGE_SWEEP.loads.length * PAGE_SWEEP.nKvHeads.length;
    e.sweep = el('button', { type: 'button', class: 'btn primary', id: 'sweep-run', disabled: true, part: 'button button-primary' }, 'Run the sweep');
    e.sweepCancel = el('button', { type: 'button', class: 'btn', id: 'sweep-cancel', hidden: true, part: 'button' }, 'Cancel');
    e.sweepProgress = el('progress', { id: 'sweep-progress', max: 1, value: 0, hidden: true, 'aria-label': 'Sweep progress' });
    e.sweepStatus = el('p', { class: 'fine', id: 'sweep-status', 'aria-live': 'polite' }, QUALITY.sweepPending(cells, Math.min(this.#workers, cells)));
    e.sweepResult = el('div', { class: 'quality-sweep' });
    e.attention = el('div', { class: 'quality-attention' });
    e.sweep.addEventListener('click', () => this.runSweep());
    e.sweepCancel.addEventListener('click', () => this.#stopSweep('Sweep cancelled.'));
    mount(this.#root,
      el('p', {}, QUALITY.intro),
      el('div', { class: 'view wide' },
        el('h3', {}, QUALITY.conversionTitle),
        el('p', { class: 'fine' }, QUALITY.conversion(CONVERSION_DEFAULTS)),
        el('label', { class: 'field slider' }, el('span', {}, `How alike the ${CONVERSION_DEFAULTS.nHeads} heads are (similarity)`), e.slider, e.sliderValue),
        e.conversion),
      el('div', { class: 'view wide' },
        el('h3', {}, QUALITY.trainingTitle),
        el('p', { class: 'fine', id: 'quality-training-text' }, QUALITY.training(this.#options(), QUALITY_EXPERIMENT.gs)),
        el('div', { class: 'measure-row' }, e.train, e.cancel, e.progress),
        e.status, e.training, e.uptraining),
      el('div', { class: 'view wide' },
        el('h3', {}, QUALITY.sweepTitle),
        el('p', { class: 'fine', id: 'sweep-text' }, QUALITY.sweep(RECALL_SWEEP, cells)),
        el('div', { class: 'measure-row' }, e.sweep, e.sweepCancel, e.sweepProgress),
        e.sweepStatus, e.sweepResult, e.attention));
  }

  #options() {
    return { ...RECALL_DEFAULTS, ...QUALITY_EXPERIMENT };
  }

  async #convert() {
    const mine = ++this.#conversionNo, similarity = this.#similarity;
    try {
      const points = await this.#call('conversionError', { similarity });
      if (mine !== this.#conversionNo) return;  // a newer slider position is on its way
      this.#conversion = points;
      this.#convertedAt = similarity;
      this.#renderConversion();
      this.onChange?.();
    } catch (err) {
      if (mine === this.#conversionNo) mount(this.#els.conversion, el('p', { class: 'error' }, `The core refused: ${err.message}`));
    }
  }

  /** Trains the models (one per G of QUALITY_EXPERIMENT) and uptrains them; results stream in. */
  train() {
    if (this.#training) return;
    const e = this.#els;
    const { gs } = QUALITY_EXPERIMENT;
    this.#training = startTraining(QUALITY_EXPERIMENT, {
      progress: (p) => {
        e.progress.value = (p.run + p.step / p.steps) / p.runs;
        e.status.textContent = p.nKvHeads === null ? 'uptraining…' : `training G = ${p.nKvHeads}: step ${p.step} of ${p.steps}`;
      },
      run: (run) => {
        this.#runs.push(run);
        this.#renderTraining();
        this.onChange?.();
      },
      uptrain: (u) => {
        this.#uptrain = u;
        this.#renderUptraining();
      },
      done: () => {
        this.#stop(QUALITY.trainingSummary(this.#runs, RECALL_THRESHOLD));
        this.onChange?.();
      },
      fail: (message) => {
        this.#stop(`The experiment failed: ${message}`);
        e.status.classList.add('error');
      },
    }, { workerUrl: this.#workerUrl });
    if (!this.#training) {
      // a sandboxed iframe or a script from another origin: no module worker, and training on the
      // main thread would freeze the page for many seconds
      e.status.textContent = QUALITY.noWorker;
      return;
    }
    this.#runs = [];
    this.#uptrain = null;
    busy({ run: e.train, cancel: e.cancel, progress: e.progress, status: e.status }, `training G = ${gs[0]}…`);
    mount(e.training);
    mount(e.uptraining);
  }

  /** Runs PAGE_SWEEP on one worker per core; rows arrive as cells finish, the chart once all have. */
  runSweep() {
    if (this.#sweeping) return;
    const e = this.#els, started = performance.now();
    this.#sweeping = startSweep(PAGE_SWEEP, {
      progress: (fraction) => {
        e.sweepProgress.value = fraction;
        e.sweepStatus.textContent = `training: ${Math.round(100 * fraction)}% of the sweep’s steps`;
      },
      row: () => {},
      done: (rows) => {
        this.#sweep = { steps: PAGE_SWEEP.steps, seed: PAGE_SWEEP.seed, rows };
        this.#sweepLoad = PAGE_SWEEP.loads.at(-1);
        this.#renderSweep();
        this.#stopSweep(`${rows.length} models trained in ${((performance.now() - started) / 1000).toFixed(1)} s on ${this.#sweepWorkers} workers.`);
        this.onChange?.();
      },
      fail: (message) => {
        this.#stopSweep(`The sweep failed: ${message}`);
        e.sweepStatus.classList.add('error');
      },
    }, { workerUrl: this.#workerUrl, workers: this.#workers });
    if (!this.#sweeping) {
      e.sweepStatus.textContent = QUALITY.noWorker;
      return;
    }
    this.#sweepWorkers = this.#sweeping.workers;
    busy(this.#sweepControls(), `training on ${this.#sweepWorkers} workers…`);
  }

  #sweepWorkers = 0;

  #stopSweep(message) {
    this.#sweeping?.cancel();
    this.#sweeping = null;
    idle(this.#sweepControls(), 'Run the sweep again', message);
  }

  #sweepControls() {
    const e = this.#els;
    return { run: e.sweep, cancel: e.sweepCancel, progress: e.sweepProgress, status: e.sweepStatus };
  }

  /** Final held-out recall against load, one line per G. */
  sweepChart() {
    const { gs, loads, cell } = sweepGrid(this.#sweep.rows);
    return lineChart({
      title: `Held-out recall after ${this.#sweep.steps} steps against load, per G`,
      series: gs.map((g, i) => ({ name: `G = ${g}${cell(loads[0], g).kind === 'GQA' ? '' : ` (${cell(loads[0], g).kind})`}`,
        color: G_COLORS[i % G_COLORS.length], points: loads.map((p) => [p, cell(p, g).accuracy]) })),
      x: { label: 'key→value pairs per sequence' },
      y: { label: 'recall accuracy', min: 0, max: 1, format: (v) => `${Math.round(v * 100)}%` },
    });
  }

  #renderSweep() {
    const { header, body } = sweepTable(this.#sweep.rows);
    const grid = sweepGrid(this.#sweep.rows);
    mount(this.#els.sweepResult,
      this.sweepChart(),
      scrollTable('Recall per load and G', `Held-out recall after ${this.#sweep.steps} steps, ${grid.cell(grid.loads[0], grid.gs[0]).asked.toLocaleString('en-US')} queries per model`,
        el('table', { class: 'models', id: 'sweep-table' },
          el('thead', {}, el('tr', {}, header.map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, body.map((r) => el('tr', { 'data-pairs': r[0] }, el('th', { scope: 'row' }, r[0]), r.slice(1).map((c) => el('td', {}, c))))))),
      el('p', { id: 'sweep-summary' }, QUALITY.sweepSummary(grid)));
    this.#renderAttention();
  }

  #renderAttention() {
    const grid = sweepGrid(this.#sweep.rows), pairs = this.#sweepLoad;
    const models = [grid.high, grid.low].filter((g, i, all) => all.indexOf(g) === i).map((g) => {
      const row = grid.cell(pairs, g), trace = row.inspect;
      let hits = 0;
      for (let h = 0; h < trace.nHeads; h++) hits += headHits(trace, h).hits;
      return { label: `G = ${g} (${row.kind})`, nKvHeads: g, row, trace, hits, reads: trace.nHeads * trace.queries.length };
    });
    const picker = el('select', { id: 'attention-load', name: 'attention-load' },
      grid.loads.map((p) => el('option', { value: p, selected: p === pairs }, `${p} pairs`)));
    picker.addEventListener('change', () => { this.#sweepLoad = Number(picker.value); this.#renderAttention(); });
    mount(this.#els.attention,
      el('h4', {}, QUALITY.attentionTitle),
      el('label', { class: 'field' }, el('span', {}, 'Load'), picker),
      el('p', { class: 'fine' }, QUALITY.attention(pairs, PAGE_SWEEP.inspect)),
      recallAttention(models),
      models.length > 1 ? el('p', { id: 'attention-summary' }, QUALITY.attentionSummary(models)) : null);
  }

  /** The run ended (done, failed or cancelled): the controls are ready again, the status says `message`. */
  #stop(message) {
    this.#training?.cancel();
    this.#training = null;
    idle({ run: this.#els.train, cancel: this.#els.cancel, progress: this.#els.progress, status: this.#els.status }, 'Train again', message);
  }

  // ---- drawing --------------------------------------------------------------------------------

  conversionChart() {
    const pts = this.#conversion;
    return lineChart({
      title: `Relative error of the attention output after converting ${CONVERSION_DEFAULTS.nHeads} heads to G, similarity ${this.#similarity.toFixed(2)}`,
      series: METHODS.map(([key, name]) => ({ name, color: METHOD_COLORS[key], points: pts.map((p) => [p.nKvHeads, p[key]]) })),
      x: { label: 'K/V heads G after conversion', log2: true },
      y: { label: 'relative error', format: (v) => v.toFixed(2) },
    });
  }

  #renderConversion() {
    const pts = this.#conversion;
    const rows = [...pts].reverse();
    const g2 = pts.find((p) => p.nKvHeads === 2) ?? pts[0];
    mount(this.#els.conversion,
      this.conversionChart(),
      scrollTable('Conversion error per G', `Relative error ‖O_G − O_MHA‖ / ‖O_MHA‖ over ${CONVERSION_DEFAULTS.samples} held-out sequences of ${CONVERSION_DEFAULTS.seqLen} tokens`,
        el('table', { class: 'models', id: 'conversion-table' },
          el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'G'), METHODS.map(([, n]) => el('th', { scope: 'col' }, n)))),
          el('tbody', {}, rows.map((p) => el('tr', { 'data-g': p.nKvHeads }, el('th', { scope: 'row' }, p.nKvHeads),
            METHODS.map(([k]) => el('td', { 'data-method': k }, p[k].toFixed(3)))))))),
      el('p', { id: 'conversion-summary' }, QUALITY.conversionSummary(g2, this.#similarity)));
    this.#markCurrent();
  }

  trainingChart() {
    return lineChart({
      title: 'Held-out recall accuracy during training, per G',
      series: this.#runs.map((r, i) => ({ name: `G = ${r.nKvHeads}${r.kind === 'GQA' ? '' : ` (${r.kind})`}`,
        color: G_COLORS[i % G_COLORS.length], points: r.evals.map((e) => [e.step, e.accuracy]) })),
      x: { label: 'training step', ticks: this.#runs[0].evals.filter((_, i) => i % 2 === 0).map((e) => e.step) },
      y: { label: 'recall accuracy', min: 0, max: 1, format: (v) => `${Math.round(v * 100)}%` },
      markers: true,
    });
  }

  lossChart() {
    const window = Math.max(1, Math.round(this.#runs[0].losses.length / 30));
    return lineChart({
      title: `Training loss per G (mean of each ${window} steps)`,
      series: this.#runs.map((r, i) => ({ name: `G = ${r.nKvHeads}`, color: G_COLORS[i % G_COLORS.length], points: smooth(r.losses, window) })),
      x: { label: 'training step', ticks: this.#runs[0].evals.filter((_, i) => i % 2 === 0).map((e) => e.step) },
      y: { label: 'cross-entropy', min: 0 },
      markers: false,
    });
  }

  #renderTraining() {
    const mha = this.#runs[0];
    mount(this.#els.training,
      el('div', { class: 'chart-pair' }, this.trainingChart(), this.lossChart()),
      scrollTable('Recall per G', `After ${mha.evals.at(-1).step} steps, on ${mha.final.asked.toLocaleString('en-US')} held-out queries`,
        el('table', { class: 'models', id: 'training-table' },
          el('thead', {}, el('tr', {}, ['G', 'K/V cache per token', 'parameters', 'held-out loss', 'recall accuracy', `first step ≥ ${Math.round(RECALL_THRESHOLD * 100)}%`]
            .map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, this.#runs.map((r) => el('tr', { 'data-g': r.nKvHeads },
            el('th', { scope: 'row' }, r.nKvHeads),
            el('td', {}, `${r.kvNumbersPerToken} numbers`),
            el('td', {}, formatCount(r.parameterCount)),
            el('td', {}, r.final.loss.toFixed(3)),
            el('td', { 'data-accuracy': r.final.accuracy }, formatPercent(r.final.accuracy)),
            el('td', {}, String(r.evals.find((e) => e.accuracy >= RECALL_THRESHOLD)?.step ?? '—'))))))));
    this.#markCurrent();
  }

  #renderUptraining() {
    const u = this.#uptrain;
    mount(this.#els.uptraining,
      el('h4', {}, QUALITY.uptrainingTitle),
      el('p', { class: 'fine' }, QUALITY.uptraining(u)),
      scrollTable('Uptraining', 'Recall accuracy (held-out loss)',
        el('table', { class: 'models', id: 'uptraining-table' },
          el('thead', {}, el('tr', {}, ['G', 'mean-pooled, before', `after ${u.steps} steps`, `from scratch, ${u.from} steps`].map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, u.rows.map((r) => el('tr', { 'data-g': r.nKvHeads },
            el('th', { scope: 'row' }, r.nKvHeads),
            ...[r.before, r.after, r.scratch].map((s) => el('td', { 'data-accuracy': s.accuracy }, `${formatPercent(s.accuracy)} (${s.loss.toFixed(3)})`))))))),
      el('p', { id: 'uptraining-summary' }, QUALITY.uptrainingSummary(u, 1 / this.#options().valueVocab)));
    this.#markCurrent();
  }

  /** A fresh figure for the Q&A: the accuracy curves once trained, else the conversion curve. */
  figure(kind) {
    let chart = null, name = 'conversion';
    if (kind === 'quality' && this.#sweep) [chart, name] = [this.sweepChart(), 'sweep'];
    else if (kind === 'quality' && this.#runs.length === QUALITY_EXPERIMENT.gs.length) [chart, name] = [this.trainingChart(), 'training'];
    else if (this.#conversion) chart = this.conversionChart();
    if (chart) chart.dataset.kind = name;
    return chart;
  }

  /**
   * What the lab has measured, for the Q&A: { conversion: { similarity, points } once computed, else
   * null; runs: the trained models so far, G descending; sweep: the load sweep's { steps, seed, rows }
   * once it has run, else null }.
   */
  results() {
    return { conversion: this.#conversion && { similarity: this.#convertedAt, points: this.#conversion }, runs: this.#runs, sweep: this.#sweep };
  }

  /** The page's state: when its H is the lab's, the rows of its G are marked as the reader's. */
  update(state) {
    this.#current = state && state.h === this.#options().nHeads ? state.g : null;
    this.#markCurrent();
  }

  #current = null;

  #markCurrent() {
    for (const row of this.#root.querySelectorAll('tr[data-g]')) {
      if (Number(row.dataset.g) === this.#current) row.dataset.current = ''; else delete row.dataset.current;
    }
  }

  destroy() {
    this.#training?.cancel();
    this.#training = null;
    this.#sweeping?.cancel();
    this.#sweeping = null;
  }
}
