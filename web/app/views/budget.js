// budget.js - "Serving it on accelerators": the selected model on `gpus` tensor-parallel devices of
// one kind, at the reader's T, batch and cache dtype. A small form (device, how many, weights'
// dtype, paged block, shared prompt) writes the state; every figure below it is the core's budget
// solver's (snapshot.budget, core-methods.js budgetFacts). Memory is in decimal GB throughout, as
// accelerators are sold.
import { el, mount } from '../dom.js';
import { scrollTable } from './table.js';
import { RANGES, normalize } from '../state.js';
import { MEMORY_DTYPES } from '../../core/dtypes.js';
import { formatCount, formatDecimalBytes, formatSeconds } from '../../lib/format.js';

const GPU_COUNTS = [1, 2, 4, 8, 16, 32, 64];
const BLOCKS = [1, 16, 32, 64, 128, 256];
const n = (x) => x.toLocaleString('en-US');

/** "4 × NVIDIA H100 80 GB" or the device's name alone. */
const devicesText = (s) => `${s.gpus > 1 ? `${s.gpus} × ` : ''}${s.device.name}`;

/** The weights against the memory: what fits, what is left for the cache. */
export function weightsSentence(s) {
  const each = s.gpus > 1 ? ' per device' : '';
  const head = `On ${devicesText(s)}, the weights of ${s.name}, ${formatCount(s.params)} parameters in ${s.weightDtype}, take ` +
    `${formatDecimalBytes(s.weightBytes)}${each} of the ${formatDecimalBytes(s.usableBytes)} usable (${Math.round(s.reserve * 100)}% kept free)`;
  return s.weightsFit ? `${head}, leaving ${formatDecimalBytes(s.kvBudgetBytes)}${each} for the KV cache.`
    : `${head}: the weights alone do not fit, so no sequence does. More devices, or a smaller weight dtype, would make room.`;
}

/** How the cache divides over the devices (tensor parallel), from the solver's answer. */
export function splitSentence(s) {
  if (s.gpus === 1) return `One device holds the whole cache (${s.mla ? 'the MLA latent' : `${s.modelKvHeads} K/V head${s.modelKvHeads === 1 ? '' : 's'}`}): ${formatDecimalBytes(s.kvBytesPerToken)} per token.`;
  if (s.mla) return `An MLA latent is not split by heads: each of the ${s.gpus} devices keeps the whole latent, ${formatDecimalBytes(s.kvBytesPerToken)} per token.`;
  return `Tensor parallel gives each device ${s.kvHeadsPerDevice} of the ${s.modelKvHeads} K/V heads` +
    (s.kvReplication > 1 ? `, and with more devices than K/V heads each head is copied to ${s.kvReplication} devices` : '') +
    `: ${formatDecimalBytes(s.kvBytesPerToken)} per token on each.`;
}

/** The request as served: its blocks, their waste, the prompt kept once, and whether it fits. */
export function requestSentence(s) {
  const each = s.gpus > 1 ? ' per device' : '';
  const waste = s.pagedWasteBytes > 0 ? `of which ${formatDecimalBytes(s.pagedWasteBytes)} is the empty end of last blocks`
    : 'every block full (the tokens are whole blocks)';
  const blocks = s.blockTokens > 1 ? `in ${n(s.blockTokens)}-token blocks ${formatDecimalBytes(s.requestKvBytes)}${each}, ${waste}`
    : `${formatDecimalBytes(s.requestKvBytes)}${each} (no paging)`;
  const prefix = s.sharedPrefix > 0 ? `; the ${n(s.sharedPrefix)}-token shared prompt is stored once (${formatDecimalBytes(s.sharedPrefixBytes)}), ` +
    `not ${n(s.batch)} times: ${formatDecimalBytes(s.requestExactKvBytes)} instead of ${formatDecimalBytes(s.unsharedKvBytes)}` : '';
  const fits = !s.weightsFit ? '' : s.requestFits ? ' It fits.'
    : ` It does not fit: at ${n(s.tokens)} tokens at most ${n(s.maxBatch)} sequence${s.maxBatch === 1 ? '' : 's'} do${s.maxBatch === 1 ? 'es' : ''}.`;
  return `${n(s.batch)} sequence${s.batch === 1 ? '' : 's'} of ${n(s.tokens)} tokens in ${s.kvDtype}: ${blocks}${prefix}.${fits}`;
}

export class BudgetView {
  /** root: the element to draw into; setState(next) writes the form's fields; setParams(id, params) names an imported model's count. */
  constructor(root, { state, setState, setParams }) {
    this.root = root;
    this.state = state;
    this.setParams = setParams;
    this.form = el('form', { class: 'controls budget-form', 'aria-label': 'Serving: accelerators, weights, paging, shared prompt' });
    this.form.addEventListener('submit', (e) => e.preventDefault());
    this.form.addEventListener('change', () => setState(this.#next()));
    this.out = el('div', { class: 'budget-out', 'aria-live': 'polite' });
    this.devices = [];
    mount(root, this.form, this.out);
  }

  /** The state the form asks for. */
  #next() {
    const f = new FormData(this.form);
    const s = this.state();
    return normalize({ ...s, device: f.get('device'), gpus: f.get('gpus'), wdtype: f.get('wdtype'), block: f.get('block'), prefix: f.get('prefix') });
  }

  #field(label, control, help) {
    return el('label', { class: 'field' }, el('span', {}, label), control, help ? el('small', {}, help) : null);
  }

  #select(name, options, value) {
    return el('select', { name }, options.map(([v, text]) => el('option', { value: v, selected: String(v) === String(value) }, text)));
  }

  #drawForm(s) {
    const devices = this.devices.some((d) => d.id === s.device) ? this.devices : [...this.devices, { id: s.device, name: s.device }];
    const counts = [...new Set([...GPU_COUNTS, s.gpus])].sort((a, b) => a - b);
    const blocks = [...new Set([...BLOCKS, s.block])].sort((a, b) => a - b);
    mount(this.form,
      el('label', { class: 'field wide' }, el('span', {}, 'Accelerator'),
        this.#select('device', devices.map((d) => [d.id, d.name]), s.device)),
      this.#field('Devices (tensor parallel)', this.#select('gpus', counts.map((c) => [c, String(c)]), s.gpus)),
      this.#field('Weights dtype', this.#select('wdtype', MEMORY_DTYPES.map((d) => [d, d]), s.wdtype)),
      this.#field('Paged-KV block', this.#select('block', blocks.map((b) => [b, b === 1 ? '1 (no paging)' : `${b} tokens`]), s.block)),
      this.#field('Shared prompt', el('input', { type: 'number', name: 'prefix', min: RANGES.prefix[0], max: s.t, step: 1, inputmode: 'numeric', value: s.prefix }),
        'tokens every sequence starts with'));
  }

  render(snap) {
    const s = snap.state, b = snap.budget;
    this.devices = b.devices;
    // redrawn unless the reader is in it (a redraw would take the focus away)
    if (!this.form.contains(this.form.getRootNode().activeElement)) this.#drawForm(s);
    if (b.missing === 'model') {
      mount(this.out, el('p', { class: 'fine', 'data-budget': 'missing' }, 'Pick a published model above, or add one from its config.json, to size its serving: ' +
        'the weights need a parameter count, which H, G and head_dim alone do not give.'));
      return;
    }
    if (b.missing === 'params') {
      const input = el('input', { type: 'number', id: 'budget-params', min: 0.001, max: 100000, step: 'any', inputmode: 'decimal', placeholder: 'e.g. 12.2' });
      const status = el('p', { class: 'fine', role: 'status' });
      const use = async () => {
        const billions = Number(input.value);
        if (!(billions > 0)) { status.textContent = `Parameters (${JSON.stringify(input.value)}) must be a positive number of billions.`; return; }
        try { await this.setParams(s.model, Math.round(billions * 1e9)); } catch (err) { status.textContent = `Not used: ${err.message}`; }
      };
      mount(this.out,
        el('p', { class: 'fine', 'data-budget': 'missing' }, `A config.json states no parameter count, and the weights need one. How many parameters does ${b.name} have?`),
        el('div', { class: 'measure-row' }, el('label', { class: 'field' }, el('span', {}, 'Parameters (billions)'), input),
          el('button', { type: 'button', class: 'btn', id: 'budget-params-use', onclick: use }, 'Use')),
        status);
      return;
    }
    if (b.error) {
      mount(this.out, el('p', { class: 'error', 'data-budget': 'error' }, `The budget solver refused these settings: ${b.error}`));
      return;
    }
    const r = b.solution;
    const rows = r.variants.map((v) => el('tr', { 'data-row': v.row },
      el('th', { scope: 'row' }, v.label),
      ...(v.refused ? [el('td', { colspan: 6 }, v.refused)] : [
        el('td', {}, v.weightsFit ? n(v.maxBatch) : '—'),
        el('td', {}, v.weightsFit ? `${n(v.maxContext)}${v.maxContextMemoryBound ? '' : ' (model limit)'}` : '—'),
        el('td', {}, v.requestFits ? 'yes' : 'no'),
        el('td', {}, v.weightsFit ? formatSeconds(v.stepSeconds) : '—'),
        el('td', {}, v.weightsFit ? n(Math.round(v.tokensPerSecond)) : '—'),
        el('td', {}, v.weightsFit ? n(Math.round(v.aggregateTokensPerSecond)) : '—')])));
    const table = el('table', { class: 'models budget-table' },
      el('thead', {}, el('tr', {}, ['Variant', `Max batch at ${n(r.tokens)} tokens`, `Max context at batch ${n(r.batch)}`, 'Request fits',
        'Step (estimate)', 'Tokens/s per sequence', 'Tokens/s in all'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows));
    mount(this.out,
      el('p', { 'data-budget': 'weights' }, weightsSentence(r)),
      el('p', { 'data-budget': 'split' }, splitSentence(r)),
      r.weightsFit ? el('p', { 'data-budget': 'request' }, requestSentence(r)) : null,
      scrollTable('Budget per K/V variant', `${devicesText(r)}, ${r.weightDtype} weights, ${r.kvDtype} cache: the model as published and its what-ifs`, table),
      el('p', { class: 'fine' }, `Step: a roofline estimate. Each generated token reads ` +
        `${r.activeParams < r.params ? `the weights of the ${formatCount(r.activeParams)} active parameters (a mixture of experts)` : 'all the weights'} ` +
        `and the whole cache once, at ${n(r.device.bandwidthGBs)} GB/s per device; compute and communication between devices are not counted.`));
  }
}
