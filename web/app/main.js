// main.js - page entry: state from the URL hash, the core in its worker, and the views.
import { CoreClient } from './core-client.js';
import { el, mount } from './dom.js';
import { DEFAULTS, DTYPES, HEAD_DIMS, RANGES, THEMES, divisors, kindLabel, normalize, parseHash, toHash } from './state.js';
import { cacheBars } from './views/bars.js';
import { headDiagram } from './views/heads.js';
import { heatmaps, paintSwatches } from './views/heatmaps.js';
import { renderModels, renderQuestions, renderTheory } from './views/lesson-view.js';
import { QualityLab } from './views/quality.js';
import { Walkthrough } from './views/walkthrough.js';
import { formatBytes, formatCount, formatFactor, formatSeconds } from '../lib/format.js';

const $ = (id) => document.getElementById(id);
let state = parseHash(location.hash);
let core = null;
let models = [];
let snapshot = null;
let requestNo = 0;

// ---- status and theme ---------------------------------------------------------------------------

function setStatus(kind, text) {
  const s = $('core-status');
  s.dataset.state = kind;
  s.querySelector('.status-text').textContent = ` ${text}`;
}

function applyTheme() {
  const root = document.documentElement;
  if (state.theme === 'auto') delete root.dataset.theme; else root.dataset.theme = state.theme;
  const b = $('theme-toggle');
  b.textContent = `Theme: ${state.theme}`;
  b.setAttribute('aria-label', `Theme: ${state.theme}${state.theme === 'auto' ? ' (follows the system)' : ''}, press to change`);
}

// ---- controls -----------------------------------------------------------------------------------

function numberField(key, label, help) {
  const [min, max] = RANGES[key];
  return el('label', { class: 'field' }, el('span', {}, label),
    el('input', { type: 'number', name: key, min, max, step: 1, inputmode: 'numeric', value: state[key], 'aria-describedby': help ? `${key}-help` : null }),
    help ? el('small', { id: `${key}-help` }, help) : null);
}

function selectField(key, label, options) {
  return el('label', { class: 'field' }, el('span', {}, label),
    el('select', { name: key }, options.map(([value, text]) => el('option', { value, selected: String(state[key]) === String(value) }, text))));
}

function renderControls() {
  const form = $('controls');
  const headDims = [...new Set([...HEAD_DIMS, state.d])].sort((a, b) => a - b);
  const kvOptions = divisors(state.h).map((g) => [g, `${g}${g === state.h ? ' (MHA)' : g === 1 ? ' (MQA)' : ` (GQA, ${state.h / g} per group)`}`]);
  mount(form,
    selectField('model', 'Real model', [['', 'custom settings'], ...models.map((m) => [m.id, `${m.name} (${m.attention})`])]),
    numberField('h', 'Query heads H'),
    selectField('g', 'K/V heads G', kvOptions),
    selectField('d', 'head_dim', headDims.map((d) => [d, String(d)])),
    numberField('t', 'Sequence length T', 'tokens per sequence'),
    numberField('l', 'Layers L'),
    numberField('b', 'Batch B'),
    selectField('dtype', 'Cache dtype', DTYPES.map((d) => [d, d])));
}

function readControls() {
  const f = new FormData($('controls'));
  const next = { ...state };
  for (const key of ['h', 'g', 'd', 't', 'l', 'b']) next[key] = f.get(key);
  next.dtype = f.get('dtype');
  next.model = f.get('model');
  return next;
}

function onControlChange(event) {
  const name = event.target.name;
  let next = readControls();
  if (name === 'model' && next.model) {
    const m = models.find((x) => x.id === next.model);
    if (m) next = { ...next, h: m.nHeads, g: m.nKvHeads, d: m.headDim, l: m.layers, t: Math.min(Number(next.t) || DEFAULTS.t, m.maxContext) };
  } else if (name !== 'model' && name !== 'dtype' && name !== 'b' && name !== 't') {
    next.model = '';  // the shape no longer is the model's
  }
  if (name === 'h') next.g = Math.min(Number(next.g) || 1, Number(next.h) || 1);
  update(normalize(next), { controls: true });
}

// ---- views --------------------------------------------------------------------------------------

function renderExplore() {
  const s = snapshot.state;
  mount($('heads-view'), headDiagram({ h: s.h, g: s.g }));
  const c = snapshot.cache;
  mount($('cache-view'), cacheBars([
    { label: `MHA (G = ${s.h})`, bytes: c.mha.bytes, kind: 'mha' },
    ...(s.g !== s.h && s.g !== 1 ? [{ label: `${kindLabel(s.h, s.g)} (current)`, bytes: c.current.bytes, factor: c.mha.bytes / c.current.bytes, kind: 'gqa' }] : []),
    ...(s.h !== 1 ? [{ label: 'MQA (G = 1)', bytes: c.mqa.bytes, factor: c.mha.bytes / c.mqa.bytes, kind: 'mqa' }] : []),
  ], { caption: 'KV cache for the current settings' }));
  $('cache-note').textContent = `${s.l} layers × ${s.t.toLocaleString('en-US')} tokens × batch ${s.b}, ${s.dtype}. ` +
    `Current ${kindLabel(s.h, s.g)}: ${formatBytes(c.current.perToken)} per token; H/G = ${formatFactor(s.h / s.g)} smaller than MHA.` +
    (c.cachedTokens < s.t ? ` The model's ${c.window.toLocaleString('en-US')}-token sliding window caps the cache at ` +
      `${c.cachedTokens.toLocaleString('en-US')} tokens per sequence: ${formatBytes(c.current.bytes)} instead of ${formatBytes(c.current.uncapped)} uncapped.` : '') +
    (c.current.bytes > c.maxMemoryBytes ? ` A cache of ${formatBytes(c.current.bytes)} could not live in this page: its WebAssembly memory stops at ` +
      `${formatBytes(c.maxMemoryBytes)}, so these bars are computed, not allocated.` : '');
  const hm = heatmaps({ h: s.h, g: s.g, tokens: snapshot.example.tokens, weights: snapshot.example.weights });
  paintSwatches(hm);
  mount($('heatmap-view'), hm);
  renderQuestions($('qa-view'), snapshot, { figure: (kind) => quality.figure(kind) });
  quality.update(s);
  $('announcer').textContent = `${kindLabel(s.h, s.g)}: KV cache ${formatBytes(c.current.bytes)}, ${formatFactor(c.mha.bytes / c.current.bytes)} smaller than MHA.`;
}

function notice(text) {
  const n = $('notice');
  n.hidden = false;
  n.querySelector('.notice-text').textContent = text;
}

async function refresh(retry = true) {
  const mine = ++requestNo;
  try {
    const snap = await core.call('snapshot', state);
    if (mine !== requestNo) return;  // a newer request is on its way
    snapshot = snap;
    renderExplore();
    walkthrough.snapshot = snap;
    walkthrough.render();
    document.documentElement.dataset.view = 'ready';
  } catch (err) {
    if (retry && (err.name === 'CoreAbortedError' || err.name === 'WorkerRestarted')) {
      notice('The attention core hit an internal error and was restarted. Your settings are kept.');
      return refresh(false);
    }
    if (mine === requestNo) setStatus('error', `The core refused these settings: ${err.message}`);
  }
}

function update(next, { controls = false, hash = true } = {}) {
  const shapeChanged = next.h !== state.h;
  state = next;
  if (hash) history.replaceState(null, '', toHash(state));
  applyTheme();
  if (controls || shapeChanged) renderControls();
  if (core) refresh();
}

/** "Measure on this machine": the decode benchmark in its own worker, with progress and cancel. */
let benchWorker = null;

function stopMeasuring(message) {
  benchWorker?.terminate();
  benchWorker = null;
  $('measure').disabled = false;
  $('measure-cancel').hidden = true;
  $('measure-progress').hidden = true;
  if (message) mount($('measure-view'), el('p', { class: 'fine' }, message));
}

function measure() {
  stopMeasuring();
  const button = $('measure'), cancel = $('measure-cancel'), bar = $('measure-progress');
  button.disabled = true;
  cancel.hidden = false;
  bar.hidden = false;
  bar.value = 0;
  const s = state;
  benchWorker = new Worker(new URL('./bench-worker.js', import.meta.url), { type: 'module' });
  benchWorker.onmessage = ({ data }) => {
    if (data.progress) {
      bar.max = data.progress.total;
      bar.value = data.progress.done;
      bar.textContent = `${data.progress.done} of ${data.progress.total}`;
      mount($('measure-view'), el('p', { class: 'fine' }, `measuring: ${data.progress.label}…`));
    } else if (data.result) {
      stopMeasuring();
      renderMeasurement(data.result, s);
    } else if (data.error) {
      stopMeasuring(`Measurement failed: ${data.error.message}`);
    }
  };
  benchWorker.onerror = (e) => { e.preventDefault(); stopMeasuring(`Measurement failed: ${e.message ?? 'the worker stopped'}`); };
  benchWorker.postMessage({ state: s });
}

function renderMeasurement(r, s) {
  const best = r.rows.filter((x) => x.variant === (r.simd ? 'simd' : 'scalar'));
  const mha = best[0];
  const scalarOf = (G) => r.rows.find((x) => x.variant === 'scalar' && x.nKvHeads === G);
  const rows = best.map((x) => ({
    label: kindLabel(s.h, x.nKvHeads), bytes: x.ms * 1e6, kind: x.nKvHeads === s.h ? 'mha' : x.nKvHeads === 1 ? 'mqa' : 'gqa',
    factor: x.nKvHeads === mha.nKvHeads ? undefined : mha.ms / x.ms,
    note: `${x.ms.toFixed(3)} ms per token · ${Math.round((100 * x.roofMs) / x.ms)}% of the roofline (${x.bound}-bound)` +
      (r.simd && scalarOf(x.nKvHeads) ? ` · SIMD ${(scalarOf(x.nKvHeads).ms / x.ms).toFixed(1)}× faster than scalar` : ''),
  }));
  const mqa = best.at(-1);
  const why = mqa.bound === 'compute'
    ? `Why MQA stops scaling here: every variant does the same ${formatCount(mqa.madds)} multiply-adds (2·H·T·d); once the K/V bytes take less time to read than that arithmetic (${formatSeconds(mqa.roofMs / 1e3)} at ${formatCount(r.probe.maddsPerSecond)} multiply-adds/s), fewer K/V heads no longer make the step faster on a CPU.`
    : 'Every variant here is still memory-bound: each halving of the K/V bytes shortens the step.';
  mount($('measure-view'),
    cacheBars(rows, { caption: 'measured decode time per token', format: (b) => formatSeconds(b / 1e9) }),
    el('p', { class: 'fine' }, `One layer, H = ${s.h}, head_dim ${s.d}, T = ${r.tokens.toLocaleString('en-US')} cached tokens, ${r.dtype} cache, ${r.isa} kernels. ` +
      `This machine: ${(r.probe.bytesPerSecond / 1e9).toFixed(1)} GB/s read, ${formatCount(r.probe.maddsPerSecond)} multiply-adds/s. ÷ shows the speed-up over MHA.`),
    el('p', { class: 'fine' }, why),
    parallelTable(r, s),
    r.tokens < r.requestedTokens ? el('p', { class: 'fine', 'data-capped': true }, `T was capped at ${r.tokens.toLocaleString('en-US')} for this measurement: ` +
      `at T = ${r.requestedTokens.toLocaleString('en-US')} one layer's MHA cache needs ${formatBytes(r.fullBytes)}, and a measurement here keeps its caches within 256 MiB.`) : null);
}

/** The parallel-decode results: time per token for each split and worker count. */
function parallelTable(r, s) {
  if (!r.parallel?.length) return null;
  const rows = r.parallel.map((p) => el('tr', {},
    el('th', { scope: 'row' }, kindLabel(s.h, p.G)), el('td', {}, p.mode === 'heads' ? 'K/V heads' : 'tokens'), el('td', {}, p.workers),
    el('td', {}, p.skipped ? `— (${p.G} K/V head${p.G > 1 ? 's' : ''} cannot split ${p.workers} ways)` : `${p.ms.toFixed(3)} ms`),
    el('td', {}, p.skipped ? '' : `${p.speedup.toFixed(2)}×`)));
  return el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Parallel decode' },
    el('table', { class: 'models parallel' },
      el('caption', {}, `Parallel decode across Web Workers (T = ${r.parallelTokens.toLocaleString('en-US')}; this browser reports ${r.cpus} logical cores). ` +
        'Splitting by K/V heads is how tensor parallelism splits a layer; with fewer K/V heads than workers (MQA) only splitting the tokens and merging the partial softmaxes helps.'),
      el('thead', {}, el('tr', {}, ['variant', 'split by', 'workers', 'time per token', 'speed-up'].map((x) => el('th', { scope: 'col' }, x)))),
      el('tbody', {}, rows)));
}

// ---- start --------------------------------------------------------------------------------------

const walkthrough = new Walkthrough($('walk'), { onStep: (step) => update({ ...state, step }) });
walkthrough.step = state.step;
walkthrough.render();
const quality = new QualityLab($('quality-lab'));
quality.onChange = () => renderQuestions($('qa-view'), snapshot, { figure: (kind) => quality.figure(kind) });
applyTheme();
renderControls();
renderTheory($('theory'));

$('controls').addEventListener('change', onControlChange);
$('controls').addEventListener('submit', (e) => e.preventDefault());
$('theme-toggle').addEventListener('click', () => update({ ...state, theme: THEMES[(THEMES.indexOf(state.theme) + 1) % THEMES.length] }));
$('measure').addEventListener('click', measure);
$('measure-cancel').addEventListener('click', () => stopMeasuring('Measurement cancelled.'));
$('notice-close').addEventListener('click', () => { $('notice').hidden = true; });
window.addEventListener('hashchange', () => {
  const next = parseHash(location.hash);
  walkthrough.step = next.step;
  update(next, { controls: true, hash: false });
});

async function start() {
  if (typeof WebAssembly !== 'object' || typeof Worker !== 'function') {
    setStatus('error', 'This browser has no WebAssembly or Web Workers, which the playground needs to compute anything.');
    return;
  }
  try {
    const debug = new URLSearchParams(location.search).has('debug');
    const client = new CoreClient({ debug });
    client.onRestart = () => { notice('The attention core’s worker stopped and was restarted. Your settings are kept.'); refresh(); };
    if (debug) window.__gqaDebug = { abort: () => client.call('debugAbort'), crash: () => client.call('debugCrash') };
    const info = await client.call('info');
    models = await client.call('models');
    core = client;
    document.documentElement.dataset.core = 'ready';
    document.documentElement.dataset.coreVariant = info.variant;
    setStatus('ready', `Core ready: ${info.variant === 'simd' ? 'WebAssembly SIMD' : 'scalar WebAssembly'} kernels (${info.isa}).`);
    renderControls();
    renderModels($('models-view'), models);
    $('measure').disabled = false;
    await refresh();
  } catch (err) {
    document.documentElement.dataset.core = 'error';
    setStatus('error', `The attention core failed to load: ${err.message}`);
  }
}

start();
