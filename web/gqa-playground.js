// gqa-playground.js - the <gqa-playground> custom element: the playground (or some of its
// sections) in a shadow root, for a course page that has no build step.
//
//   <script type="module" src="https://example.org/gqa/gqa-playground.js"></script>
//   <gqa-playground heads="32" kv-heads="8" head-dim="128" seq="8192" sections="heads cache"></gqa-playground>
//
// Attributes (mirrored by properties): heads, kv-heads, head-dim, seq, layers, batch, dtype, model,
// step, sections, theme. Styles are constructable stylesheets (CSP-safe); hosts theme it with the
// --gqa-* custom properties and ::part(). Every instance on a page shares one core (one worker,
// one WebAssembly module). A bad attribute is reported inside the element, naming the attribute,
// the value and what was expected; the element keeps working with the default for that field.
import { App } from './app/app.js';
import { sharedClient } from './app/core-client.js';
import { APP_CSS, KATEX_CSS, KATEX_FONTS_CSS } from './app/generated/styles.js';
import { SECTION_NAMES, parseSections } from './app/sections.js';
import { ATTRIBUTES } from './app/snippets.js';
import { DEFAULTS, ID_PATTERN, RANGES, RECORD_PATTERN, THEMES, normalize } from './app/state.js';
import { MEMORY_DTYPES } from './core/dtypes.js';

const KATEX_BASE = new URL('./vendor/katex/', import.meta.url).href;
/** attribute -> property name */
const PROPERTIES = { ...Object.fromEntries(Object.keys(ATTRIBUTES).map((a) => [a, a.replace(/-([a-z])/g, (_, c) => c.toUpperCase())])), sections: 'sections' };
const INTEGER = new Set(['h', 'g', 'd', 't', 'l', 'b', 'step', 'gpus', 'block', 'prefix']);

let sheets = null;
/** The element's stylesheets, built once and adopted by every instance. */
function styleSheets() {
  if (!sheets) {
    const katex = new CSSStyleSheet();
    katex.replaceSync(KATEX_CSS);
    const app = new CSSStyleSheet();
    app.replaceSync(APP_CSS);
    sheets = [katex, app];
  }
  return sheets;
}

let fontsAdded = false;
/** @font-face is ignored inside shadow roots: KaTeX's fonts are declared once in the document. */
function addKatexFonts() {
  if (fontsAdded) return;
  fontsAdded = true;
  const fonts = new CSSStyleSheet();
  // relative url()s in a constructed sheet resolve against the document, not this script: make them absolute
  fonts.replaceSync(KATEX_FONTS_CSS.replaceAll('url(fonts/', `url(${KATEX_BASE}fonts/`));
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, fonts];
}

/** What an attribute's value must be, as a phrase, and the parsed value or undefined. */
function parseField(key, raw) {
  if (INTEGER.has(key)) {
    const [min, max] = RANGES[key];
    const n = /^\s*\d{1,9}\s*$/.test(raw) ? Number(raw) : NaN;
    return { value: n >= min && n <= max ? n : undefined, expected: `an integer from ${min} to ${max}` };
  }
  if (key === 'dtype' || key === 'wdtype') return { value: MEMORY_DTYPES.includes(raw) ? raw : undefined, expected: `one of ${MEMORY_DTYPES.join(', ')}` };
  if (key === 'theme') return { value: THEMES.includes(raw) ? raw : undefined, expected: `one of ${THEMES.join(', ')}` };
  if (key === 'model') return { value: ID_PATTERN.test(raw) ? raw : undefined, expected: 'a catalog model id such as llama-3.1-70b' };
  if (key === 'device') return { value: ID_PATTERN.test(raw) ? raw : undefined, expected: 'an accelerator id such as h100-80gb' };
  if (key === 'record') return { value: RECORD_PATTERN.test(raw) ? raw : undefined, expected: 'an imported model\'s record, as the Share dialog writes it' };
  return { value: undefined, expected: 'nothing' };
}

/** A value for an error message: numbers as they are, anything else quoted and cut short. */
const quote = (v) => (typeof v === 'number' ? String(v) : JSON.stringify(String(v).slice(0, 40)));

export class GqaPlaygroundElement extends HTMLElement {
  static observedAttributes = [...Object.keys(ATTRIBUTES), 'sections'];

  #app = null;
  #container;
  #errors;
  #reflecting = false;
  #attrProblems = [];
  #modelProblem = null;
  #sections = [...SECTION_NAMES];
  #sectionProblem = null;
  #ready;
  #resolveReady;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = styleSheets();
    this.#errors = document.createElement('div');
    this.#errors.className = 'attr-error';
    this.#errors.setAttribute('part', 'error');
    this.#errors.setAttribute('role', 'alert');
    this.#errors.hidden = true;
    this.#container = document.createElement('div');
    this.#container.className = 'gqa-app';
    this.#container.setAttribute('part', 'root');
    root.append(this.#errors, this.#container);
    this.#ready = new Promise((resolve) => { this.#resolveReady = resolve; });
  }

  /** Resolves (with the element) after the first drawing with the core's numbers. */
  get ready() { return this.#ready; }

  /** The sections shown, in page order (all of them while the attribute is absent or invalid). */
  get sections() { return [...this.#sections]; }
  /** A string ('heads cache', 'heads,cache') or an array of names; a bad name is a RangeError. */
  set sections(value) {
    if (value === null || value === undefined) this.removeAttribute('sections');
    else this.setAttribute('sections', parseSections(value).join(' '));
  }

  /** The state the element shows: { h, g, d, t, l, b, dtype, model, step, theme }. */
  get state() { return { ...(this.#app?.state ?? this.#resolvedInput()) }; }

  connectedCallback() {
    if (!this.#app) this.#mount();
  }

  disconnectedCallback() {
    this.#app?.destroy();
    this.#app = null;
  }

  attributeChangedCallback(name) {
    if (this.#reflecting) return;
    if (name === 'sections') {
      this.#readSections();
      if (this.#app) { this.#app.destroy(); this.#mount(); }
      return;
    }
    if (this.#app) this.#app.setInput(this.#readInput());
  }

  #mount() {
    this.#readSections();
    const input = this.#readInput();
    if (this.#sections.includes('lesson')) addKatexFonts();
    const app = new App(this.#container, {
      state: normalize({ ...DEFAULTS, ...input }),
      sections: this.#sections,
      landmarks: false,  // a widget inside someone's page adds no landmarks of its own
      client: sharedClient(),
      onState: (state, { source }) => this.#reflect(state, source),
      onRender: (snapshot) => {
        if (app !== this.#app) return;
        this.#resolveReady(this);
        this.dispatchEvent(new CustomEvent('gqa-render', { detail: { state: { ...snapshot.state } } }));
      },
      onModelError: (message) => { this.#modelProblem = message; this.#showProblems(); },
    });
    this.#app = app;
    app.setInput(input);
    app.start();
  }

  #readSections() {
    const raw = this.getAttribute('sections');
    this.#sectionProblem = null;
    if (raw === null) { this.#sections = [...SECTION_NAMES]; return; }
    try {
      this.#sections = parseSections(raw);
    } catch (err) {
      this.#sectionProblem = `${err.message}; showing all sections`;
      this.#sections = [...SECTION_NAMES];
    }
  }

  /** The state fields the attributes give, each checked; problems are shown in the element. */
  #readInput() {
    const input = {};
    const problems = [];
    for (const [attr, key] of Object.entries(ATTRIBUTES)) {
      const raw = this.getAttribute(attr);
      if (raw === null) continue;
      const { value, expected } = parseField(key, raw);
      if (value === undefined) problems.push(`${attr} (${quote(raw)}) must be ${expected}; using the default`);
      else input[key] = value;
    }
    if (input.g !== undefined) {
      const h = input.h ?? (input.model ? undefined : DEFAULTS.h);
      if (h !== undefined && h % input.g !== 0) {
        problems.push(`kv-heads (${input.g}) must divide heads (${h}); using the largest divisor below it`);
      }
    }
    this.#attrProblems = problems;
    this.#showProblems();
    return input;
  }

  #resolvedInput() {
    return normalize({ ...DEFAULTS, ...this.#readInput() });
  }

  #showProblems() {
    const all = [this.#sectionProblem, ...this.#attrProblems, this.#modelProblem].filter(Boolean);
    this.#errors.replaceChildren(...all.map((text) => Object.assign(document.createElement('p'), { textContent: `<gqa-playground>: ${text}` })));
    this.#errors.hidden = all.length === 0;
  }

  /** A change made inside the element (its controls, its walkthrough) is written to the attributes. */
  #reflect(state, source) {
    const before = this.#resolvedInput();
    this.#reflecting = true;
    try {
      for (const [attr, key] of Object.entries(ATTRIBUTES)) {
        // an empty model or record is no attribute at all
        const empty = (key === 'model' || key === 'record') && !state[key];
        if (state[key] === before[key] && !(empty && this.hasAttribute(attr))) continue;
        if (empty) this.removeAttribute(attr);
        else this.setAttribute(attr, String(state[key]));
      }
    } finally {
      this.#reflecting = false;
    }
    this.#readInput();
    this.dispatchEvent(new CustomEvent('gqa-change', { detail: { state: { ...state }, source } }));
  }
}

// Properties mirror the attributes: reading gives the value in use (a number for the integer
// fields), writing checks the value (a TypeError or RangeError naming it) and sets the attribute.
for (const [attr, key] of Object.entries(ATTRIBUTES)) {
  Object.defineProperty(GqaPlaygroundElement.prototype, PROPERTIES[attr], {
    configurable: true,
    enumerable: true,
    get() { return this.state[key]; },
    set(value) {
      if (value === null || value === undefined) { this.removeAttribute(attr); return; }
      if (INTEGER.has(key) && typeof value !== 'number' && typeof value !== 'string') {
        throw new TypeError(`${PROPERTIES[attr]} (${typeof value}) must be a number`);
      }
      const { value: parsed, expected } = parseField(key, String(value));
      if (parsed === undefined) {
        throw new (INTEGER.has(key) || typeof value === 'string' ? RangeError : TypeError)(`${PROPERTIES[attr]} (${quote(value)}) must be ${expected}`);
      }
      this.setAttribute(attr, String(parsed));
    },
  });
}
if (!customElements.get('gqa-playground')) customElements.define('gqa-playground', GqaPlaygroundElement);
