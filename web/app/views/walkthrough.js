// walkthrough.js - the five steps, MHA -> MQA -> GQA -> attending with shared K/V -> the caches.
import { el, mount } from '../dom.js';
import { WALKTHROUGH } from '../lesson.js';
import { cacheBars } from './bars.js';
import { headDiagram } from './heads.js';
import { heatmaps, paintSwatches } from './heatmaps.js';

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
      const c = snap.walk.cache;
      if (spec.example) {
        parts.push(heatmaps({ h: 8, g: 2, tokens: snap.example.tokens, weights: snap.walk.weights }));
      } else if (spec.compare) {
        parts.push(cacheBars([
          { label: 'MHA (8 K/V heads)', bytes: c[8], kind: 'mha' },
          { label: 'GQA (2 K/V heads)', bytes: c[2], factor: c[8] / c[2], kind: 'gqa' },
          { label: 'MQA (1 K/V head)', bytes: c[1], factor: c[8] / c[1], kind: 'mqa' },
        ], { caption: 'KV cache for 8 query heads' }));
      } else {
        const rows = [{ label: 'MHA: full cache', bytes: c[8], kind: 'mha' }];
        if (spec.kvHeads !== 8) rows.push({ label: `${spec.kvHeads === 1 ? 'MQA' : 'GQA'}: ${spec.kvHeads} K/V head${spec.kvHeads > 1 ? 's' : ''}`, bytes: c[spec.kvHeads], factor: c[8] / c[spec.kvHeads], kind: spec.kvHeads === 1 ? 'mqa' : 'gqa' });
        parts.push(cacheBars(rows, { caption: 'KV cache' }));
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
