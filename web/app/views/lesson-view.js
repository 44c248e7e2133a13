// lesson-view.js - theory, equations (KaTeX from this site), the core's kernel code, pitfalls,
// the real-models table and the interview Q&A with live computed answers.
import { el, mount } from '../dom.js';
import { EQUATIONS, PITFALLS, PYTORCH_EQUIVALENT, QUESTIONS, THEORY } from '../lesson.js';
import { scrollTable } from './table.js';
import { KERNEL_SOURCE } from '../generated/kernel-source.js';
import { formatBytes, formatCount, formatFactor, formatPercent } from '../../lib/format.js';

const FMT = { bytes: formatBytes, count: formatCount, factor: formatFactor, percent: formatPercent };

/** Lesson text with `code spans` (Markdown's backticks) -> text and <code> nodes. */
function prose(text) {
  return String(text).split(/`([^`]+)`/).map((part, i) => (i % 2 ? el('code', {}, part) : part));
}

export function renderTheory(root) {
  const eqs = EQUATIONS.map((e) => el('figure', { class: 'equation' }, el('div', { class: 'katex-target', 'data-tex': e.tex }, e.tex), el('figcaption', {}, e.label)));
  const kernel = KERNEL_SOURCE['decode-kernel'], loop = KERNEL_SOURCE['group-loop'];
  mount(root,
    ...THEORY.map((t) => el('div', { class: 'card' }, el('h3', {}, prose(t.title)), el('p', {}, prose(t.text)))),
    el('h3', {}, 'Key equations'),
    el('div', { class: 'equations' }, eqs),
    el('h3', {}, 'The code that runs'),
    el('p', {}, `The page computes with these lines of the core (${loop.file}, from line ${loop.firstLine}): every query position, every K/V head, one call that serves the whole group of query heads.`),
    el('pre', { class: 'code', tabindex: 0, 'aria-label': `${loop.file} excerpt` }, el('code', {}, loop.code)),
    el('details', {}, el('summary', {}, `The decode kernel itself (${kernel.file}, from line ${kernel.firstLine})`),
      el('pre', { class: 'code', tabindex: 0, 'aria-label': `${kernel.file} excerpt` }, el('code', {}, kernel.code))),
    el('p', {}, 'The same computation in PyTorch style, with the group as a tensor dimension instead of copies of K and V:'),
    el('pre', { class: 'code', tabindex: 0, 'aria-label': 'PyTorch-style equivalent' }, el('code', {}, PYTORCH_EQUIVALENT)),
    el('h3', {}, 'Common pitfalls'),
    el('ul', { class: 'pitfalls' }, PITFALLS.map((p) => el('li', {}, el('strong', {}, prose(p.title)), ' ', prose(p.text)))));
}

/**
 * Typesets renderTheory's equations with the KaTeX build served from this site. The lesson section
 * calls it once the first snapshot is drawn: loading KaTeX, typesetting and its fonts would compete
 * with the core's start for the first figure.
 */
export async function typesetEquations(root) {
  try {
    const { default: katex } = await import('../../vendor/katex/katex.mjs');
    for (const t of root.querySelectorAll('.katex-target')) katex.render(t.dataset.tex, t, { displayMode: true, throwOnError: false });
  } catch {
    /* the TeX source stays visible as text */
  }
}

export function renderModels(root, models) {
  const rows = models.map((m) => el('tr', {},
    el('th', { scope: 'row' }, m.name), el('td', {}, m.attention), el('td', {}, m.layers), el('td', {}, m.nHeads),
    el('td', {}, m.mla ? 'latent' : m.nKvHeads), el('td', {}, m.headDim),  // an MLA model caches one latent, not K/V heads el('td', {}, m.maxContext.toLocaleString('en-US')),
    el('td', {}, formatBytes(m.perToken))));
  mount(root, scrollTable('Real models', 'Where it shows up: published configs, KV cache per token at fp16 computed by the core',
    el('table', { class: 'models' },
      el('thead', {}, el('tr', {}, ['model', 'attention', 'layers', 'H', 'G', 'head_dim', 'context', 'KV / token'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows))));
}

/**
 * The interview Q&A, built once. render(snapshot, lab) rewrites only the live lines whose text
 * changed (lab: the quality lab's results for the answers about quality, see lesson.js);
 * drawFigures() redraws the figures. figure(kind) returns a live figure for answers that name one
 * (lesson.js), or null while it is being computed; without it (no quality lab beside the Q&A) those
 * answers show no figure, and their text does not speak of one.
 */
export class QuestionsView {
  #lines = [];    // the live line's text node of each question
  #figures = [];  // [kind, <figure>] of the answers that show one
  #figure;

  constructor(root, { figure } = {}) {
    this.#figure = figure;
    mount(root, QUESTIONS.map((item, i) => {
      const text = document.createTextNode('…');
      this.#lines.push(text);
      const shown = item.figure && figure ? el('figure', { class: 'qa-figure', 'data-figure': item.figure }) : null;
      if (shown) this.#figures.push([item.figure, shown]);
      return el('article', { class: 'qa card', id: `qa-${i + 1}` },
        el('h3', {}, prose(item.q)),
        el('p', {}, prose(item.a)),
        el('p', { class: 'live', 'data-live': i + 1 }, el('span', { class: 'live-tag' }, 'computed now'), ' ', text),
        shown);
    }));
    this.drawFigures();
  }

  render(snapshot, lab) {
    QUESTIONS.forEach((item, i) => {
      const text = snapshot ? item.live(snapshot, FMT, lab) : '…';
      if (this.#lines[i].data !== text) this.#lines[i].data = text;
    });
  }

  drawFigures() {
    for (const [kind, node] of this.#figures) {
      const chart = this.#figure(kind);
      mount(node, chart ?? el('p', { class: 'fine' }, 'The figure appears once the quality lab has computed it.'),
        el('figcaption', { class: 'fine' }, el('a', { href: '#quality' }, 'From the quality lab below'), ', computed in your browser',
          kind !== 'quality' || chart?.dataset.kind === 'sweep' ? '.'
            : chart?.dataset.kind === 'training' ? ': the load sweep’s recall against load replaces it once you run the sweep there.'
              : ': the training curves join it once you train the four models there, the load sweep’s once you run it.'));
    }
  }
}
