// sections.js - the parts of the playground a host may show, and what each one renders.
//
// Each entry builds its DOM once and returns a part: { nodes, render?(snapshot), coreReady?(models),
// destroy?() }. The App calls render with the core's snapshot for the current state. No part looks
// anything up by id in the document: it keeps references to what it built, so several instances
// live side by side (each <gqa-playground> in its own shadow root).
import { el, mount } from './dom.js';
import { cacheBars, cacheComparison } from './views/bars.js';
import { BudgetView } from './views/budget.js';
import { Controls } from './views/controls.js';
import { headDiagram } from './views/heads.js';
import { heatmaps, paintSwatches } from './views/heatmaps.js';
import { layoutView } from './views/layout.js';
import { QuestionsView, renderModels, renderTheory, typesetEquations } from './views/lesson-view.js';
import { Measure } from './views/measure.js';
import { QualityLab } from './views/quality.js';
import { ServingSection } from './views/serving.js';
import { Walkthrough } from './views/walkthrough.js';
import { formatBytes, formatFactor, kindLabel } from '../lib/format.js';
import { CONVERSION_DEFAULTS } from '../core/quality.js';

/** name: what it shows. The order is the order on the page. */
export const SECTIONS = Object.freeze({
  walkthrough: 'the five-step walkthrough from MHA to GQA',
  controls: 'the parameter form (real model, H, G, head_dim, T, L, batch, dtype)',
  heads: 'the head diagram and the attention weights per query head',
  cache: 'the KV-cache bars for MHA, the current G and MQA',
  budget: 'serving the model on accelerators: devices, tensor parallelism, weight dtype, paged blocks, a shared prompt (the budget solver)',
  bench: '"Measure on this machine": decode timed in a Web Worker',
  quality: 'the quality lab (MHA -> GQA conversion and recall)',
  serving: '"Serving the cache": attention sinks and a streaming window, a paged cache sharing a prompt, split-K decoding, each with its interview question',
  lesson: 'theory, equations, the kernel source and the real-models table',
  qa: 'interview questions with answers computed for the settings',
});
export const SECTION_NAMES = Object.freeze(Object.keys(SECTIONS));
/** The sections that live in the "Explore" block, around the controls. */
const EXPLORE = ['controls', 'heads', 'cache', 'budget', 'bench'];

/**
 * 'heads cache' or 'heads,cache' -> ['heads', 'cache'] in page order. Throws a RangeError that
 * names the field, the value and the expected names; `field` is how the caller spells it.
 */
export function parseSections(value, field = 'sections') {
  if (Array.isArray(value)) value = value.join(' ');
  if (typeof value !== 'string') throw new TypeError(`${field} (${typeof value}) must be a string of section names: ${SECTION_NAMES.join(', ')}`);
  const names = value.split(/[\s,]+/).filter(Boolean);
  if (names.length === 0) throw new RangeError(`${field} ("${value}") must name at least one of ${SECTION_NAMES.join(', ')}`);
  for (const n of names) {
    if (!SECTION_NAMES.includes(n)) throw new RangeError(`${field}: "${n.slice(0, 40)}" is not a section; expected some of ${SECTION_NAMES.join(', ')}`);
  }
  return SECTION_NAMES.filter((n) => names.includes(n));
}

/** A top-level section: a named <section> landmark on our own pages, a plain <div> inside a host's page. */
function block(ctx, name, heading, ...children) {
  const id = name;
  if (!heading) return el(ctx.landmarks ? 'section' : 'div', { id, part: `section section-${id}`, ...(ctx.landmarks ? { 'aria-label': 'Explore' } : {}) }, ...children);
  if (!ctx.landmarks) return el('div', { id, part: `section section-${id}` }, el('h2', { id: `${id}-h` }, heading), ...children);
  return el('section', { id, 'aria-labelledby': `${id}-h`, part: `section section-${id}` }, el('h2', { id: `${id}-h` }, heading), ...children);
}

const view = (name, wide, ...children) => el('div', { class: `view${wide ? ' wide' : ''}`, part: `view view-${name}` }, ...children);

/**
 * Builds the parts for `names`, in page order. ctx: { landmarks, state() -> the current state,
 * setState(next, { controls }), setStep(step), call(method, args) -> the core's answer }.
 */
export function buildSections(names, ctx) {
  const parts = [];
  const has = (n) => names.includes(n);
  let form = null;  // the parameter form, when the host shows it: the walkthrough points there

  if (has('walkthrough')) {
    const walk = el('div', { id: 'walk', class: 'walk', tabindex: -1 });
    const explore = has('controls') ? () => {
      form.scrollIntoView({ block: 'start' });
      form.querySelector('select, input')?.focus({ preventScroll: true });
    } : null;
    const walkthrough = new Walkthrough(walk, { onStep: (step) => ctx.setStep(step), explore });
    walkthrough.step = ctx.state().step;
    walkthrough.render();
    parts.push({
      name: 'walkthrough',
      nodes: [block(ctx, 'walkthrough', 'Walkthrough: from MHA to GQA and MLA in six steps', walk)],
      stateChanged(state) { if (walkthrough.step !== state.step) { walkthrough.step = state.step; walkthrough.render(); } },
      render(snap) { walkthrough.snapshot = snap; walkthrough.render(); },
    });
  }

  if (EXPLORE.some(has)) {
    const explore = [];
    const views = [];
    if (has('controls')) {
      form = el('form', { id: 'controls', class: 'controls', 'aria-label': 'Attention parameters', part: 'controls' });
      const controls = new Controls(form, { onChange: (next) => ctx.setState(next, { controls: true }) });
      controls.render(ctx.state());
      explore.push(form, configImport(ctx));
      parts.push({
        name: 'controls',
        nodes: [],
        coreReady(models) { controls.models = models; controls.render(ctx.state()); },
        modelsChanged(models) { controls.models = models; controls.render(ctx.state()); },
        render(snap) { controls.labelKinds(snap); },
        stateChanged(state, { controls: redraw }) { if (redraw) controls.render(state); },
      });
    }
    if (has('heads')) {
      const headsView = el('div', { id: 'heads-view' }), heatmapView = el('div', { id: 'heatmap-view' });
      views.push(view('heads', false, el('h3', {}, 'Heads and their filing cabinets'), headsView),
        view('heatmaps', true, el('h3', {}, 'Attention weights per query head'),
          el('p', { class: 'fine' }, 'Causal attention over a six-token example, computed by the core for your H, G and head_dim: in each map a row is a query token and its weights over the key tokens (columns) sum to 1. Heads that share a K/V head are drawn together; above 16 heads, pick which to show.'),
          heatmapView));
      let last = null, page = 0;  // the latest snapshot, and which of headPages(H, G) the reader picked
      const drawHeatmaps = () => {
        const s = last.state;
        const hm = heatmaps({ h: s.h, g: s.g, tokens: last.example.tokens, weights: last.example.weights, page,
          ...(last.mla ? { name: () => 'the latent' } : {}),
          onPage: (n) => { page = n; drawHeatmaps(); heatmapView.querySelector('select')?.focus(); } });
        paintSwatches(hm);
        mount(heatmapView, hm);
      };
      parts.push({
        name: 'heads',
        nodes: [],
        render(snap) {
          const s = snap.state, prev = last, was = prev?.state;
          last = snap;
          // both draw only H, G, the MLA latent and (the weights) head_dim: a change of T, L, batch or dtype keeps them
          const mlaChanged = !!was && !!prev.mla !== !!snap.mla;
          if (was && was.h === s.h && was.g === s.g && was.d === s.d && !mlaChanged) return;
          if (was?.h !== s.h || was?.g !== s.g || mlaChanged) {
            page = 0;
            mount(headsView, headDiagram({ h: s.h, g: s.g, mla: snap.mla }));
          }
          drawHeatmaps();
        },
      });
    }
    if (has('cache')) {
      const cacheView = el('div', { id: 'cache-view', 'aria-describedby': 'cache-note' });
      const cacheNote = el('p', { id: 'cache-note', class: 'fine' });
      const layoutBox = el('div', { id: 'layout-view' });  // a non-uniform or MLA model's layers
      views.splice(has('heads') ? 1 : 0, 0, view('cache', false, el('h3', {}, 'KV cache'), cacheView, cacheNote, layoutBox));
      parts.push({ name: 'cache', nodes: [], render: (snap) => renderCache(snap, cacheView, cacheNote, layoutBox) });
    }
    if (has('budget')) {
      const root = el('div', { id: 'budget-view' });
      const budget = new BudgetView(root, { state: ctx.state, setState: (next) => ctx.setState(next, { controls: false }), setParams: ctx.setParams });
      views.push(view('budget', true, el('h3', {}, 'Serving it on accelerators'),
        el('p', { class: 'fine' }, 'The core’s budget solver for the selected model at your T, batch and cache dtype: the weights split over tensor-parallel devices, the K/V heads split (and copied once there are more devices than heads), the cache in paged blocks, a shared prompt stored once.'),
        root));
      parts.push({ name: 'budget', nodes: [], render: (snap) => budget.render(snap) });
    }
    if (has('bench')) {
      const button = el('button', { type: 'button', id: 'measure', class: 'btn primary', disabled: true, part: 'button button-primary' }, 'Measure on this machine');
      const cancel = el('button', { type: 'button', id: 'measure-cancel', class: 'btn', hidden: true, part: 'button' }, 'Cancel');
      const progress = el('progress', { id: 'measure-progress', max: 1, value: 0, hidden: true, 'aria-label': 'Measurement progress' }, '0');
      const out = el('div', { id: 'measure-view', 'aria-live': 'polite' });
      views.push(view('bench', true, el('h3', {}, 'Decode speed on this machine'),
        el('p', { class: 'fine' }, 'One generated token over the cache, one layer, your H, G, head_dim and cache dtype (f32 for the dtypes the cache does not store), timed in a Web Worker on your CPU with the same kernels, SIMD and scalar, against this machine\'s roofline.'),
        el('div', { class: 'measure-row' }, button, cancel, progress), out));
      const measure = new Measure({ button, cancel, progress, view: out }, { state: ctx.state });
      parts.push({ name: 'bench', nodes: [], coreReady: () => measure.enable(), destroy: () => measure.destroy() });
    }
    if (views.length) explore.push(el('div', { class: 'views' }, views));
    // the parts above draw into this one section (they have no nodes of their own)
    parts.push({
      name: 'explore',
      // without the form the block is just views: its heading would only be noise
      nodes: [block(ctx, 'explore', has('controls') ? 'Explore' : null, explore)],
    });
  }

  let lab = null;
  if (has('quality')) {
    const root = el('div', { id: 'quality-lab' });
    lab = new QualityLab(root, { call: ctx.call });
    parts.push({
      name: 'quality',
      nodes: [block(ctx, 'quality', 'What does it cost? Quality, measured', root)],
      coreReady: () => lab.start(),
      stateChanged: (state) => lab.update(state),
      destroy: () => lab.destroy(),
    });
  }

  if (has('serving')) {
    const root = el('div', { id: 'serving-view' });
    const serving = new ServingSection(root, { call: ctx.call });
    parts.push({
      name: 'serving',
      nodes: [block(ctx, 'serving', 'Serving the cache: sinks, paged blocks and split-K', root)],
      render: (snap) => serving.update(snap),
      destroy: () => serving.destroy(),
    });
  }

  if (has('lesson')) {
    const theory = el('div', { id: 'theory' }), modelsView = el('div', { id: 'models-view' });
    renderTheory(theory);
    let typeset = false;
    parts.push({
      name: 'lesson',
      nodes: [block(ctx, 'lesson', 'The lesson', theory, el('h3', {}, 'Real models'), modelsView)],
      coreReady(models) { renderModels(modelsView, models); },
      render() { if (!typeset) { typeset = true; typesetEquations(theory); } },
    });
  }

  if (has('qa')) {
    const qaView = el('div', { id: 'qa-view' });
    // answers that name a quality-lab figure show it live when the lab is on the page too; without
    // the lab, the answer on MQA's cost still quotes the lab's conversion experiment, asked of the
    // core once the first snapshot is drawn (it does not delay it)
    const qa = new QuestionsView(qaView, lab ? { figure: (kind) => lab.figure(kind) } : {});
    let last = null, own = null;
    const results = () => (lab ? lab.results() : { conversion: own?.points ? own : null, runs: [] });
    const convert = () => {
      own = { similarity: CONVERSION_DEFAULTS.similarity, points: null };
      ctx.call('conversionError', { similarity: own.similarity })
        .then((points) => { own = { ...own, points }; qa.render(last, results()); }, () => { own = null; });
    };
    if (lab) lab.onChange = () => { qa.drawFigures(); qa.render(last, results()); };
    parts.push({
      name: 'qa',
      nodes: [block(ctx, 'qa', 'Interview questions, with answers computed for your settings', qaView)],
      render(snap) {
        last = snap;
        qa.render(snap, results());
        if (!lab && !own) convert();
      },
    });
  }
  return parts;
}

/**
 * "Add a model from its config.json": paste the text or drop (or pick) the file; the App asks the
 * core for its record, adds it to the model selector and selects it. The core's refusal, which
 * names the field, is shown as it is.
 */
function configImport(ctx) {
  const text = el('textarea', { id: 'config-text', rows: 4, spellcheck: 'false', 'aria-describedby': 'config-status',
    placeholder: '{ "model_type": "...", "num_hidden_layers": ..., ... }' });
  const status = el('p', { id: 'config-status', class: 'fine', role: 'status' });
  const add = async (source, json) => {
    status.textContent = `Reading ${source}…`;
    try {
      const m = await ctx.importConfig(json);
      status.textContent = `Added ${m.name} (${m.id}) from ${source}: ${m.layers} layers, ${m.layerPattern === 'F' ? 'every layer alike' : `pattern ${m.layerPattern}`}. It is selected above.`;
    } catch (err) {
      status.textContent = `Not added: ${err.message}`;
    }
  };
  const file = el('input', { type: 'file', id: 'config-file', accept: '.json,application/json',
    onchange: async () => { const f = file.files[0]; if (f) add(f.name, await f.text()); } });
  const box = el('details', { class: 'config-import', id: 'config-import' },
    el('summary', {}, 'Add a model from its config.json'),
    el('p', { class: 'fine' }, 'Paste a Hugging Face config.json, or drop the file here. The core reads its layers (sliding, chunked, MLA, linear) as it reads the catalog’s; nothing leaves this page.'),
    el('label', { class: 'field wide' }, el('span', {}, 'config.json text'), text),
    el('div', { class: 'measure-row' },
      el('button', { type: 'button', class: 'btn', id: 'config-add', part: 'button', onclick: () => add('the pasted text', text.value) }, 'Add model'),
      el('label', { class: 'btn', part: 'button' }, 'Choose a file…', file)),
    status);
  box.addEventListener('dragover', (e) => { e.preventDefault(); box.open = true; box.classList.add('dropping'); });
  box.addEventListener('dragleave', () => box.classList.remove('dropping'));
  box.addEventListener('drop', async (e) => {
    e.preventDefault();
    box.classList.remove('dropping');
    const f = e.dataTransfer?.files?.[0];
    if (f) add(f.name, await f.text());
  });
  return box;
}

/**
 * The current cache against MHA's, in words that are true at every G: "H/G = 4× smaller than MHA",
 * at MHA itself "the MHA cache: one K/V head per query head", and for an MLA model "71.1× smaller
 * than its MHA baseline" (its latent is no count of K/V heads) (c: a snapshot's cache).
 */
export function comparedWithMha(c) {
  if (c.current.kind === 'MLA') return `${formatFactor(c.current.reductionVsMha)} smaller than its MHA baseline`;
  if (c.current.nKvHeads === c.mha.nKvHeads) return `the ${c.mha.kind} cache: one K/V head per query head`;
  return `H/G = ${formatFactor(c.mha.bytes / c.current.bytes)} smaller than MHA`;
}

/** A cache bar's name: "GQA-8", "MQA (G = 1)"; for an MLA model "MLA latent" and "MHA baseline (G = 128)". */
function cacheLabel(e, c) {
  if (e.kind === 'MLA') return 'MLA latent';
  if (c?.current.kind === 'MLA') return `${e.kind} baseline (G = ${e.nKvHeads})`;
  return c ? `${e.kind} (G = ${e.nKvHeads})` : kindLabel(e.kind, e.nKvHeads);
}

function renderCache(snapshot, cacheView, cacheNote, layoutBox) {
  mount(layoutBox, snapshot.layout ? layoutView(snapshot.layout, { name: snapshot.layout.compare.name }) : null);
  const s = snapshot.state, c = snapshot.cache;
  mount(cacheView, cacheBars(cacheComparison(c, (e) => (e === c.current ? `${cacheLabel(e)} (current)` : cacheLabel(e, c))),
    { caption: 'KV cache for the current settings' }));
  cacheNote.textContent = `${s.l} layers × ${s.t.toLocaleString('en-US')} tokens × batch ${s.b}, ${s.dtype}. ` +
    `Current ${kindLabel(c.current.kind, c.current.nKvHeads)}: ${formatBytes(c.current.perToken)} per token; ${comparedWithMha(c)}.` +
    (c.cachedTokens < s.t ? ` The model's ${c.window.toLocaleString('en-US')}-token sliding window caps the cache at ` +
      `${c.cachedTokens.toLocaleString('en-US')} tokens per sequence: ${formatBytes(c.current.bytes)} instead of ${formatBytes(c.current.uncapped)} uncapped.` : '');
}
