// controls.js - the parameter form: real model, H, G, head_dim, T, L, batch, cache dtype.
// It reads and writes whole states; the App decides what a change means.
import { el, mount } from '../dom.js';
import { DEFAULTS, HEAD_DIMS, RANGES, divisors, normalize } from '../state.js';
import { MEMORY_DTYPES } from '../../core/dtypes.js';

/**
 * A G option's text: the number, and once the core has named it, its kind (GQA with its group size);
 * an MLA model's one option is its latent, which is not a count of K/V heads.
 */
function kvOption(h, g, kind) {
  if (kind === 'MLA') return 'latent (MLA)';
  if (!kind) return String(g);
  return `${g} (${kind === 'GQA' ? `GQA, ${h / g} per group` : kind})`;
}

export class Controls {
  /** form: the <form> to render into; onChange(nextState) after the reader changed a field. */
  constructor(form, { onChange }) {
    this.form = form;
    this.models = [];
    this.kinds = { h: 0, byG: new Map() };  // the core's kind of each G, from the latest snapshot
    this.readerT = null;  // the T the reader typed last: a model pick keeps it where it fits
    form.addEventListener('change', (event) => onChange(this.#next(event.target.name)));
    form.addEventListener('submit', (e) => e.preventDefault());
  }

  render(state) {
    this.state = state;
    const headDims = [...new Set([...HEAD_DIMS, state.d])].sort((a, b) => a - b);
    const kinds = this.kinds.h === state.h ? this.kinds.byG : new Map();
    // an MLA model caches one latent: the core offers no K/V-head what-ifs for it, so neither does the form
    const mla = this.models.find((m) => m.id === state.model)?.attention === 'MLA';
    const kvOptions = mla ? [[state.g, kvOption(state.h, state.g, 'MLA')]] : divisors(state.h).map((g) => [g, kvOption(state.h, g, kinds.get(g))]);
    mount(this.form,
      this.#select('model', 'Real model', [['', 'custom settings'], ...this.models.map((m) => [m.id, `${m.name} (${m.attention})`])], { wide: true }),
      this.#number('h', 'Query heads H'),
      this.#select('g', 'K/V heads G', kvOptions, { wide: true,
        help: mla ? 'one cached latent per token per layer; pick custom settings to vary G' : null }),
      this.#select('d', 'head_dim', headDims.map((d) => [d, String(d)])),
      this.#number('t', 'Sequence length T', 'tokens per sequence'),
      this.#number('l', 'Layers L'),
      this.#number('b', 'Batch B'),
      this.#select('dtype', 'Cache dtype', MEMORY_DTYPES.map((d) => [d, d])));
  }

  /** Names each G option with the kind the snapshot's core computed, in place (the form keeps its focus). */
  labelKinds(snap) {
    const h = snap.state.h;
    this.kinds = { h, byG: new Map(snap.kinds.map((k) => [k.nKvHeads, k.kind])) };
    if (this.state?.h !== h) return;  // the form shows another H already: its snapshot is on its way
    for (const option of this.form.querySelectorAll('select[name=g] option')) {
      option.textContent = kvOption(h, Number(option.value), this.kinds.byG.get(Number(option.value)));
    }
  }

  #number(key, label, help) {
    const [min, max] = RANGES[key];
    return el('label', { class: 'field' }, el('span', {}, label),
      el('input', { type: 'number', name: key, min, max, step: 1, inputmode: 'numeric', value: this.state[key], 'aria-describedby': help ? `${key}-help` : null }),
      help ? el('small', { id: `${key}-help` }, help) : null);
  }

  /** wide: the field spans two columns, so option texts such as "2 (GQA, 4 per group)" are not cut. */
  #select(key, label, options, { wide = false, help = null } = {}) {
    return el('label', { class: wide ? 'field wide' : 'field' }, el('span', {}, label),
      el('select', { name: key, 'aria-describedby': help ? `${key}-help` : null },
        options.map(([value, text]) => el('option', { value, selected: String(this.state[key]) === String(value) }, text))),
      help ? el('small', { id: `${key}-help` }, help) : null);
  }

  /**
   * The T a model pick starts from: the reader's own T, typed here or given by the host, but not a
   * previous model's context that capped it (Falcon's 2,048 must not follow the reader to Llama).
   */
  #wantedT() {
    if (this.readerT) return this.readerT;
    const previous = this.models.find((x) => x.id === this.state.model);
    return previous && this.state.t === previous.maxContext ? DEFAULTS.t : this.state.t;
  }

  /** The state the form now asks for, after a change of field `name`. */
  #next(name) {
    const f = new FormData(this.form);
    let next = { ...this.state };
    for (const key of ['h', 'g', 'd', 't', 'l', 'b']) next[key] = f.get(key);
    next.dtype = f.get('dtype');
    next.model = f.get('model');
    if (name === 't') this.readerT = Number(next.t) || null;
    if (name === 'model' && next.model) {
      const m = this.models.find((x) => x.id === next.model);
      if (m) next = { ...next, h: m.nHeads, g: m.nKvHeads, d: m.headDim, l: m.layers, t: Math.min(this.#wantedT(), m.maxContext) };
    } else if (name !== 'model' && name !== 'dtype' && name !== 'b' && name !== 't') {
      next.model = '';  // the shape no longer is the model's
    }
    if (name === 'h') next.g = Math.min(Number(next.g) || 1, Number(next.h) || 1);
    return normalize(next);
  }
}
