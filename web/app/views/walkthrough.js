// walkthrough.js - the five steps, MHA -> MQA -> GQA -> attending with shared K/V -> the caches.
import { el, mount } from '../dom.js';
import { WALKTHROUGH } from '../lesson.js';
import { cacheBars } from './bars.js';
import { headDiagram } from './heads.js';
import { heatmaps, paintSwatches } from './heatmaps.js';

const kvHeads = (n) => `${n} K/V head${n > 1 ? 's' : ''}`;

export class Walkthrough {
  constructor(root, { onStep }) {
    this.root = root;
    this.onStep = onStep;
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

  render() {
    const spec = WALKTHROUGH[this.step - 1];
    const snap = this.snapshot;
    const parts = [
      el('h3', { class: 'step-title' }, `${this.step}. ${spec.title}`),
      el('p', { class: 'step-text' }, spec.text),
      headDiagram({ h: spec.heads, g: spec.kvHeads }),
    ];
    if (snap) {
      // the core's rows for this step's H, G descending, each with its kind and cache
      const rows = snap.walk.rows.filter((r) => r.nHeads === spec.heads);
      const mha = rows.find((r) => r.kind === 'MHA');
      const bar = (r, label) => ({ label, bytes: r.bytes, kind: r.kind, factor: r === mha ? undefined : mha.bytes / r.bytes });
      if (spec.example) {
        parts.push(heatmaps({ h: spec.heads, g: spec.kvHeads, tokens: snap.example.tokens, weights: snap.walk.weights }));
      } else if (spec.compare) {
        parts.push(cacheBars(rows.map((r) => bar(r, `${r.kind} (${kvHeads(r.nKvHeads)})`)), { caption: `KV cache for ${spec.heads} query heads` }));
      } else {
        const own = rows.find((r) => r.nKvHeads === spec.kvHeads);
        parts.push(cacheBars([bar(mha, `${mha.kind}: full cache`), ...(own === mha ? [] : [bar(own, `${own.kind}: ${kvHeads(own.nKvHeads)}`)])],
          { caption: 'KV cache' }));
      }
      const s = snap.state;
      parts.push(el('p', { class: 'fine' }, `Cache sizes for ${s.l} layers, head_dim ${s.d}, ${s.t} tokens, batch ${s.b}, ${s.dtype} (your settings below).`));
    }
    const body = el('div', { class: 'step anim-in', 'data-step': this.step }, parts);
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
