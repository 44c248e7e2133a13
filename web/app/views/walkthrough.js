// walkthrough.js - the six steps, MHA -> MQA -> GQA -> attending with shared K/V -> the caches -> MLA.
import { el, mount } from '../dom.js';
import { MLA_STEP, WALKTHROUGH, WALKTHROUGH_NEXT } from '../lesson.js';
import { formatBytes } from '../../lib/format.js';
import { cacheBars, cacheComparison } from './bars.js';
import { headDiagram } from './heads.js';
import { heatmaps, paintSwatches } from './heatmaps.js';
import { mlaDiagram } from './mla-diagram.js';

/** The MLA step's picture, at the catalog's widths once the core has answered. */
const mlaStepDiagram = (snap) => {
  if (!snap) return null;
  const w = snap.walk.mla.widths;
  return mlaDiagram({ h: w.nHeads, r: w.kvLoraRank, dr: w.qkRopeHeadDim, dn: w.qkNopeHeadDim, dv: w.vHeadDim });
};

const kvHeads = (n) => `${n} K/V head${n > 1 ? 's' : ''}`;

/** The settings a step's cache bars are computed for (the cache's tokens, capped by a sliding window). */
function settingsText(s, c) {
  const tokens = `${c.cachedTokens.toLocaleString('en-US')} tokens${c.cachedTokens < s.t ? ' (the model’s sliding window)' : ''}`;
  return `${s.l} layers, head_dim ${s.d}, ${tokens}, batch ${s.b}, ${s.dtype}`;
}

export class Walkthrough {
  #drawnStep = 0;  // the step drawn last

  /**
   * root: the element to render into; onStep(step) after the reader moved; explore: null when the
   * host shows no Explore section, else a function that brings it into view (the steps then point to it).
   */
  constructor(root, { onStep, explore = null }) {
    this.root = root;
    this.onStep = onStep;
    this.explore = explore;
    this.step = 1;
    this.snapshot = null;
    this.body = el('div', { class: 'step-body', 'aria-live': 'polite' });
    this.progress = el('ol', { class: 'step-dots', 'aria-label': 'Walkthrough progress' });
    this.counter = el('span', { class: 'step-counter' });
    this.prev = el('button', { type: 'button', class: 'btn', onclick: () => this.go(this.step - 1) }, '← Previous');
    this.next = el('button', { type: 'button', class: 'btn primary', onclick: () => this.go(this.step + 1) }, 'Next →');
    WALKTHROUGH.forEach((s, i) => this.progress.append(el('li', {},
      el('button', { type: 'button', class: 'dot', 'aria-label': `Step ${i + 1}: ${s.title}`, onclick: () => this.go(i + 1) }))));
    mount(root, this.body, el('div', { class: 'step-nav' }, this.prev, this.counter, this.progress, this.next));
    root.addEventListener('keydown', (e) => {
      if (e.target.closest('input, select, textarea')) return;
      if (e.key === 'ArrowRight') { this.go(this.step + 1); e.preventDefault(); }
      if (e.key === 'ArrowLeft') { this.go(this.step - 1); e.preventDefault(); }
    });
  }

  go(step) {
    const s = Math.min(WALKTHROUGH.length, Math.max(1, step));
    if (s === this.step) return;
    this.step = s;
    this.render();
    this.onStep(s);
  }

  /** A fine-print line; where the host shows Explore, it says the settings are set there. */
  #fine(text) {
    return el('p', { class: 'fine' }, text, this.explore ? ' You set them in Explore, below.' : '');
  }

  render() {
    const spec = WALKTHROUGH[this.step - 1];
    const snap = this.snapshot;
    const s = snap?.state;
    // the comparison is the reader's own H and G (once the core answered); the other steps are the lesson's
    const shape = spec.compare && s ? { h: s.h, g: s.g, mla: snap.mla } : { h: spec.heads, g: spec.kvHeads };
    const parts = [
      el('h3', { class: 'step-title' }, `${this.step}. ${spec.title}`),
      el('p', { class: 'step-text' }, spec.text),
      spec.mla ? mlaStepDiagram(snap) : headDiagram(shape),
    ];
    if (snap) {
      const c = snap.cache;
      if (spec.mla) {
        const mla = snap.walk.mla, [mha, , , latent] = mla.rows;
        parts.push(cacheBars(mla.rows.map((r) => ({ ...r, factor: r === mha ? undefined : mha.bytes / r.bytes })),
          { caption: `KV cache per token, all layers, ${s.dtype}` }));
        const e = MLA_STEP.example;
        parts.push(el('p', { class: 'fine mla-facts' },
          `DeepSeek-V3 caches ${formatBytes(latent.bytes)} per token in ${s.dtype} where MHA on its ${mla.widths.nHeads} heads would cache ` +
          `${formatBytes(mha.bytes)}. The two paths agree: on a ${snap.example.tokens.length}-token example with ${e.nHeads} heads ` +
          `and a ${e.kvLoraRank}-wide latent, the largest difference between rebuilding K and V and the absorbed form is ` +
          `${mla.maxDelta.toExponential(1)} (outputs up to ${mla.largest.toFixed(2)}): float32 rounding, nothing more.`));
      } else if (spec.example) {
        parts.push(heatmaps({ h: spec.heads, g: spec.kvHeads, tokens: snap.example.tokens, weights: snap.walk.weights }));
      } else if (spec.compare) {
        parts.push(cacheBars(cacheComparison(c, (e) => (e.kind === 'MLA' ? 'MLA (one latent)' : `${e.kind} (${kvHeads(e.nKvHeads)})`)), { caption: `KV cache for ${s.h} query heads` }));
        parts.push(this.#fine(`Cache sizes for your settings: H = ${s.h}, ${snap.mla ? 'an MLA latent' : `G = ${s.g}`}, ${settingsText(s, c)}.`));
      } else {
        // the core's rows for this step's H, G descending, each with its kind and cache
        const rows = snap.walk.rows.filter((r) => r.nHeads === spec.heads);
        const mha = rows.find((r) => r.kind === 'MHA'), own = rows.find((r) => r.nKvHeads === spec.kvHeads);
        const bar = (r, label) => ({ label, bytes: r.bytes, kind: r.kind, factor: r === mha ? undefined : mha.bytes / r.bytes });
        parts.push(cacheBars([bar(mha, `${mha.kind}: full cache`), ...(own === mha ? [] : [bar(own, `${own.kind}: ${kvHeads(own.nKvHeads)}`)])],
          { caption: 'KV cache' }));
        parts.push(this.#fine(`Cache sizes for this step’s ${spec.heads} query heads at your other settings: ${settingsText(s, c)}.`));
      }
    }
    if (this.step === WALKTHROUGH.length && this.explore) {
      parts.push(el('p', { class: 'step-next' }, el('a', { href: '#explore', onclick: (e) => { e.preventDefault(); this.explore(); } }, WALKTHROUGH_NEXT)));
    }
    // the step rises in when the reader moves to it, not when a control change redraws its numbers
    const body = el('div', { class: this.#drawnStep === this.step ? 'step' : 'step anim-in', 'data-step': this.step }, parts);
    this.#drawnStep = this.step;
    paintSwatches(body);
    mount(this.body, body);
    this.counter.textContent = `Step ${this.step} of ${WALKTHROUGH.length}`;
    this.prev.disabled = this.step === 1;
    this.next.disabled = this.step === WALKTHROUGH.length;
    [...this.progress.querySelectorAll('.dot')].forEach((d, i) => {
      d.classList.toggle('current', i + 1 === this.step);
      if (i + 1 === this.step) d.setAttribute('aria-current', 'step'); else d.removeAttribute('aria-current');
    });
  }
}
