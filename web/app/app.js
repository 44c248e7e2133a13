// app.js - the playground as a mountable object. It renders the chosen sections into any container
// (an element of the page, of embed.html, or inside a <gqa-playground>'s shadow root), asks the core
// for one snapshot per state and hands it to the sections. Hosts decide what the state is tied to
// (the URL hash, the element's attributes) through onState, and read progress through onCore and
// onRender.
import { el, mount } from './dom.js';
import { decodeRecord, encodeRecord } from './record.js';
import { DEFAULTS, normalize } from './state.js';
import { SECTION_NAMES, buildSections, comparedWithMha } from './sections.js';
import { formatBytes, kernelLabel, kindLabel } from '../lib/format.js';

const SHAPE_KEYS = ['h', 'g', 'd', 'l'];

export class App {
  #state;
  #parts;
  #client;
  #core = null;        // the client, once the core answered
  #models = [];
  #catalog = [];       // the core's catalog; #models adds the models imported from config.json files
  #imported = new Map();  // id -> model record, from config.json files pasted or dropped on the page
  #recordProblem = null;  // why the input's record (URL hash, attribute) was refused, for #resolve
  #requestNo = 0;
  #input = null;       // the element's partial input, resolved again once the catalog is known
  #unsubscribe = null;
  #resolveReady;
  #rejectReady;
  #hooks;

  /**
   * container: the element to render into (its children are replaced).
   * options: { state (partial; normalized), sections (names, default all), landmarks (false: sections are
   *            <div>s, not <section> landmarks, as inside an element on someone else's page), client (a CoreClient),
   *            onState(state, { source }), onCore({ info } | { error }), onRender(snapshot), onModelError(message|null) }
   */
  constructor(container, { state = {}, sections = SECTION_NAMES, landmarks = true, client, onState, onCore, onRender, onModelError } = {}) {
    if (!client) throw new TypeError('App: client (a CoreClient) is required');
    this.container = container;
    this.sections = [...sections];
    this.#client = client;
    this.#hooks = { onState, onCore, onRender, onModelError };
    this.#state = normalize(state);
    /** Resolves after the first drawing with the core's numbers; rejects if the core cannot load. */
    this.ready = new Promise((resolve, reject) => { this.#resolveReady = resolve; this.#rejectReady = reject; });
    this.ready.catch(() => {});  // a host that never awaits it must not see an unhandled rejection

    this.status = el('p', { id: 'core-status', class: 'status', role: 'status', 'data-state': 'loading', part: 'status' },
      el('span', { class: 'spinner', 'aria-hidden': 'true' }), el('span', { class: 'status-text' }, ' Loading the attention core…'));
    this.notice = el('p', { id: 'notice', class: 'notice', role: 'status', hidden: true, part: 'notice' }, el('span', { class: 'notice-text' }),
      el('button', { type: 'button', id: 'notice-close', class: 'btn', part: 'button', onclick: () => { this.notice.hidden = true; } }, 'Dismiss'));
    this.announcer = el('div', { id: 'announcer', class: 'visually-hidden', 'aria-live': 'polite' });
    this.#parts = buildSections(this.sections, {
      landmarks,
      state: () => this.#state,
      setState: (next, opts) => this.update(next, { ...opts, source: 'controls' }),
      setStep: (step) => this.update({ ...this.#state, step }, { source: 'walkthrough' }),
      call: (method, args) => this.#client.call(method, args),
      importConfig: (text) => this.importConfig(text),
      setParams: (id, params) => this.setParams(id, params),
    });
    mount(container, this.status, this.notice, this.#parts.flatMap((p) => p.nodes), this.announcer);
  }

  /** The current state: { h, g, d, t, l, b, dtype, model, step, theme }. */
  get state() { return this.#state; }

  /** The model catalog, once the core has loaded (else []). */
  get models() { return this.#models; }

  /**
   * Sets the whole state. `controls` redraws the form; `source` is passed to onState ('host' for
   * changes the host made itself, which it need not hear about again).
   */
  update(next, { controls = false, source = 'host' } = {}) {
    const shapeChanged = next.h !== this.#state.h;
    // until the catalog is here the record given is kept: start() imports it
    this.#state = this.#core ? this.#withRecord(next) : normalize(next);
    if (this.#core) this.#refresh();  // the core computes while the form and the host catch up
    for (const p of this.#parts) p.stateChanged?.(this.#state, { controls: controls || shapeChanged || source === 'host' });
    if (source !== 'host') this.#hooks.onState?.(this.#state, { source });
  }

  /**
   * Adds the model a config.json describes (its text) to the selector and selects it, with its
   * shape; resolves to its record. Rejects with the core's refusal (naming the field) for a config
   * it cannot read. A second config with the same id replaces the first.
   */
  async importConfig(text) {
    if (!this.#core) throw new Error('the core is still loading; try again in a moment');
    const m = this.#adopt(await this.#core.call('modelFromConfig', text));
    this.update({ ...this.#state, model: m.id, h: m.nHeads, g: m.nKvHeads, d: m.headDim, l: m.layers,
      t: Math.min(this.#state.t, m.maxContext) }, { controls: true, source: 'controls' });
    return m;
  }

  /**
   * Gives the imported model `id` a parameter count (a config.json states none; the budget solver
   * needs one); the core checks the edited record. Resolves to it.
   */
  async setParams(id, params) {
    const record = this.#imported.get(id);
    if (!record) throw new RangeError(`model ("${String(id).slice(0, 40)}") is not an imported model`);
    const m = this.#adopt(await this.#core.call('modelRecord', JSON.stringify({ ...record, params, activeParams: params })));
    this.update({ ...this.#state }, { source: 'controls' });
    return m;
  }

  /** `state`, normalized, with its model's record: an imported model travels with it (the URL keeps it), any other has none. */
  #withRecord(state) {
    const imported = this.#imported.get(state.model);
    return normalize({ ...state, record: imported ? encodeRecord(imported) : '' });
  }

  /** Adds (or replaces) an imported model in the selector; refuses a catalog model's id. */
  #adopt(record) {
    if (this.#catalog.some((m) => m.id === record.id)) throw new RangeError(`model id ("${record.id}") is a catalog model's`);
    this.#imported.set(record.id, record);
    this.#models = [...this.#catalog, ...this.#imported.values()];
    for (const p of this.#parts) p.modelsChanged?.(this.#models);
    return record;
  }

  /**
   * The record an input carries (the URL hash's, an attribute's): the core reads it, and it joins
   * the selector under its id, which must be the input's model. A refusal is reported by
   * onModelError, naming the field, and the input's model is then unknown.
   */
  async #importInputRecord(input) {
    if (!input?.record || !input.model) return;
    const known = this.#imported.get(input.model);
    if (known && encodeRecord(known) === input.record) return;
    try {
      const record = await this.#core.call('modelRecord', decodeRecord(input.record));
      if (record.id !== input.model) throw new RangeError(`record (id "${record.id.slice(0, 40)}") is not model "${input.model}"'s`);
      this.#adopt(record);
      this.#recordProblem = null;
    } catch (err) {
      this.#recordProblem = `the URL's record for model "${input.model}" was refused: ${err.message}`;
    }
  }

  /** A model the input names but nobody knows (null: none): the host's to show, else the page's notice. */
  #modelError(message) {
    if (this.#hooks.onModelError) this.#hooks.onModelError(message);
    else if (message) this.#notice(message);
  }

  /**
   * A partial input, as an element's attributes give it: DEFAULTS, then the catalog model's shape
   * when `model` is set, then the explicit fields. A shape that differs from the model's drops the
   * model (its label would no longer be true).
   */
  setInput(input) {
    const mine = { ...input };
    this.#input = mine;
    if (this.#core && mine.record) {
      // a record arrives with the input (a new hash): the core reads it first
      this.#importInputRecord(mine).then(() => { if (this.#input === mine) this.update(this.#resolve(mine)); });
      return;
    }
    this.update(this.#resolve(this.#input));
  }

  #resolve(input) {
    const next = { ...DEFAULTS, step: this.#state.step, ...input };
    if (!input.model) return normalize(next);
    if (!this.#models.length) return normalize(next);  // the catalog is not here yet: resolved again in start()
    const m = this.#models.find((x) => x.id === input.model);
    if (!m) {
      this.#modelError(input.record && this.#recordProblem ? this.#recordProblem
        : `model ("${String(input.model).slice(0, 40)}") is not in the catalog; expected one of ${this.#models.map((x) => x.id).join(', ')}` +
          (input.record ? '' : ' (a model imported from a config.json travels with its record: use the Share dialog’s link)'));
      return normalize({ ...next, model: '' });
    }
    this.#modelError(null);
    const shape = { h: m.nHeads, g: m.nKvHeads, d: m.headDim, l: m.layers };
    const resolved = normalize({ ...next, ...shape, ...pick(input, SHAPE_KEYS), t: input.t ?? Math.min(DEFAULTS.t, m.maxContext) });
    if (SHAPE_KEYS.some((k) => resolved[k] !== shape[k])) resolved.model = '';
    return resolved;
  }

  #setStatus(kind, text) {
    this.status.dataset.state = kind;
    this.status.querySelector('.status-text').textContent = ` ${text}`;
  }

  #notice(text) {
    this.notice.hidden = false;
    this.notice.querySelector('.notice-text').textContent = text;
  }

  /** Loads the core (through the client) and draws the first snapshot. */
  async start() {
    if (typeof WebAssembly !== 'object') {
      const message = 'This browser has no WebAssembly, which the playground needs to compute anything.';
      this.#setStatus('error', message);
      this.#hooks.onCore?.({ error: new Error(message) });
      this.#rejectReady(new Error(message));
      return;
    }
    try {
      this.#unsubscribe = this.#client.onRestart(() => {
        this.#notice('The attention core’s worker stopped and was restarted. Your settings are kept.');
        this.#refresh();
      });
      // both questions in flight at once; then the first snapshot is asked before anything else
      // the sections ask at coreReady (the quality lab's conversion curve), so it is drawn first
      const [info, models] = await Promise.all([this.#client.call('info'), this.#client.call('models')]);
      this.#catalog = models;
      this.#models = [...models, ...this.#imported.values()];
      this.#core = this.#client;
      await this.#importInputRecord(this.#input);
      this.#state = this.#withRecord(this.#input ? this.#resolve(this.#input) : this.#state);
      const first = this.#refresh();
      this.#setStatus('ready', `Core ready: ${kernelLabel(info.isa)} kernels.`);
      for (const p of this.#parts) p.coreReady?.(this.#models);
      this.#hooks.onCore?.({ info });
      for (const p of this.#parts) p.stateChanged?.(this.#state, { controls: true });
      await first;
    } catch (err) {
      this.#setStatus('error', `The attention core failed to load: ${err.message}`);
      this.#hooks.onCore?.({ error: err });
      this.#rejectReady(err);
    }
  }

  async #refresh(retry = true) {
    const mine = ++this.#requestNo;
    try {
      const imported = this.#imported.get(this.#state.model);
      const snap = await this.#core.call('snapshot', imported ? { ...this.#state, imported } : this.#state);
      if (mine !== this.#requestNo) return;  // a newer request is on its way
      for (const p of this.#parts) p.render?.(snap);
      this.#announce(snap);
      this.#hooks.onRender?.(snap);
      this.#resolveReady(snap);
    } catch (err) {
      if (retry && (err.name === 'CoreAbortedError' || err.name === 'WorkerRestarted')) {
        this.#notice('The attention core hit an internal error and was restarted. Your settings are kept.');
        return this.#refresh(false);
      }
      if (mine === this.#requestNo) this.#setStatus('error', `The core refused these settings: ${err.message}`);
    }
  }

  #announce(snap) {
    const c = snap.cache;
    this.announcer.textContent = `${kindLabel(c.current.kind, c.current.nKvHeads)}: KV cache ${formatBytes(c.current.bytes)}; ${comparedWithMha(c)}.`;
  }

  /** Stops measurements and listeners; the container keeps its last drawing. */
  destroy() {
    this.#unsubscribe?.();
    for (const p of this.#parts) p.destroy?.();
    this.#requestNo++;
    this.#core = null;
  }
}

function pick(obj, keys) {
  return Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]]));
}
