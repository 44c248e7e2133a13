// heatmaps.js - attention weights per query head, drawn from the core's own output, with the
// heads that share a K/V head side by side. Viridis: dark = 0, yellow = the row's largest weight.
import { el, groupColor, svg, viridis } from '../dom.js';

/** weights: (H, T, T) from core.attention(..., returnWeights). */
export function heatmaps({ h, g, tokens, weights, highlight = -1 }) {
  const T = tokens.length, m = h / g, cell = 14, lab = 30;
  const groups = [];
  for (let j = 0; j < g; j++) {
    const maps = [];
    for (let i = j * m; i < (j + 1) * m; i++) {
      const size = T * cell + lab;
      const map = svg('svg', { viewBox: `0 0 ${size} ${size}`, class: 'heatmap', role: 'img', 'data-head': i,
        'aria-label': `query head ${i} (K/V head ${j}): attention weights of ${T} query tokens over ${T} key tokens` });
      for (let q = 0; q < T; q++) {
        map.append(svg('text', { x: lab - 3, y: lab + q * cell + cell - 3, class: 'tok', 'text-anchor': 'end' }, tokens[q].slice(0, 4)));
        map.append(svg('text', { x: lab + q * cell + cell / 2, y: lab - 4, class: 'tok', 'text-anchor': 'start',
          transform: `rotate(-60 ${lab + q * cell + cell / 2} ${lab - 4})` }, tokens[q].slice(0, 4)));
        for (let k = 0; k < T; k++) {
          const w = weights[(i * T + q) * T + k];
          map.append(svg('rect', { x: lab + k * cell, y: lab + q * cell, width: cell, height: cell, fill: viridis(w), 'data-w': w },
            svg('title', {}, `head ${i}: “${tokens[q]}” → “${tokens[k]}” ${w.toFixed(3)}`)));
        }
      }
      maps.push(el('figure', { class: 'heatmap-cell' }, map, el('figcaption', {}, `q${i}`)));
    }
    groups.push(el('div', { class: `heatmap-group${highlight >= 0 && highlight !== j ? ' dim' : ''}`, 'data-group': j },
      el('div', { class: 'heatmap-group-title' }, el('span', { class: 'swatch', 'data-color': j }), `K/V head ${j}`),
      el('div', { class: 'heatmap-row' }, maps)));
  }
  const legend = el('div', { class: 'legend' }, 'weight 0', el('span', { class: 'ramp', role: 'presentation' }), '1');
  return el('div', { class: 'heatmaps' }, groups, legend);
}

/** Paint the group swatches (CSSOM, allowed under the CSP; no inline style attributes). */
export function paintSwatches(root) {
  for (const s of root.querySelectorAll('.swatch[data-color]')) s.style.background = groupColor(Number(s.dataset.color));
}
