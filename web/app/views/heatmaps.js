// heatmaps.js - attention weights per query head, drawn from the core's own output, with the
// heads that share a K/V head side by side. Viridis: dark = 0, yellow = 1.
//
// At most 16 maps at a time (PAGE_HEADS): up to 16 query heads all of them; above, a picker selects
// whole K/V groups that fit in 16 heads, or 16 heads of one group when a group is larger (MQA with
// 128 heads). Each map is drawn at 1:1 (its SVG as wide in px as its viewBox), so the 11-unit token
// labels are 11 px, and says on its axes that rows are queries and columns are keys.
import { el, groupColor, svg, viridis } from '../dom.js';

const PAGE_HEADS = 16;
const CELL = 14, AXIS = 13, ROW_LABELS = 26, COL_LABELS = 26;  // px: two maps side by side in a 390 px phone's view

/** How a K/V head is named: "K/V head 3"; an MLA model's one latent names itself. */
const kvHeadName = (j) => `K/V head ${j}`;

/**
 * The selections a picker offers for H query heads on G K/V heads: [{ first, last, label }] query
 * heads first..last, whole groups where up to 16 heads hold them, else 16 heads of one group.
 * name(j) says what the group shares (default "K/V head j").
 */
export function headPages(h, g, name = kvHeadName) {
  const m = h / g, pages = [];
  if (m <= PAGE_HEADS) {
    const per = Math.floor(PAGE_HEADS / m);
    for (let j = 0; j < g; j += per) {
      const k = Math.min(g, j + per) - 1, first = j * m, last = (k + 1) * m - 1;
      pages.push({ first, last, label: `${j === k ? name(j) : `K/V heads ${j}–${k}`}: query heads ${first}–${last}` });
    }
  } else {
    for (let j = 0; j < g; j++) {
      for (let a = 0; a < m; a += PAGE_HEADS) {
        const first = j * m + a, last = first + Math.min(PAGE_HEADS, m - a) - 1;
        pages.push({ first, last, label: `${name(j)}: query heads ${first}–${last} (of its ${m})` });
      }
    }
  }
  return pages;
}

/** One head's (T, T) weights: rows are queries, columns keys, with axis titles and token labels. */
function weightMap(i, j, tokens, weights, name) {
  const T = tokens.length, x0 = AXIS + ROW_LABELS, y0 = AXIS + COL_LABELS;
  const width = x0 + T * CELL + 10, height = y0 + T * CELL + 2;  // room on the right for the last rotated key label
  const map = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'heatmap', role: 'img', 'data-head': i,
    'aria-label': `query head ${i} (${name(j)}): attention weights, rows the ${T} query tokens, columns the ${T} key tokens` });
  map.append(svg('text', { x: x0, y: 11, class: 'axis-title' }, 'keys →'),
    svg('text', { x: 11, y: y0, class: 'axis-title', transform: `rotate(-90 11 ${y0})`, 'text-anchor': 'end' }, '← queries'));
  for (let q = 0; q < T; q++) {
    const word = tokens[q].slice(0, 4);
    map.append(svg('text', { x: x0 - 3, y: y0 + q * CELL + CELL - 4, class: 'tok', 'text-anchor': 'end' }, word),
      svg('text', { x: x0 + q * CELL + CELL / 2 + 3, y: y0 - 3, class: 'tok', transform: `rotate(-60 ${x0 + q * CELL + CELL / 2 + 3} ${y0 - 3})` }, word));
    for (let k = 0; k < T; k++) {
      const w = weights[(i * T + q) * T + k];
      map.append(svg('rect', { x: x0 + k * CELL, y: y0 + q * CELL, width: CELL, height: CELL, fill: viridis(w), 'data-w': w },
        svg('title', {}, `head ${i}: “${tokens[q]}” → “${tokens[k]}” ${w.toFixed(3)}`)));
    }
  }
  return el('figure', { class: 'heatmap-cell' }, map, el('figcaption', {}, `q${i}`));
}

/**
 * weights: (H, T, T) from core.attention(..., returnWeights). page: the index into headPages(h, g)
 * to draw (clamped); onPage(index) is called when the reader picks another. name(j): what group j
 * shares (default "K/V head j"; an MLA model: its latent).
 */
export function heatmaps({ h, g, tokens, weights, highlight = -1, page = 0, onPage, name = kvHeadName }) {
  const m = h / g, pages = headPages(h, g, name);
  const shown = pages[Math.min(Math.max(0, page), pages.length - 1)];
  const groups = [];
  for (let j = Math.floor(shown.first / m); j <= Math.floor(shown.last / m); j++) {
    const maps = [];
    for (let i = Math.max(j * m, shown.first); i <= Math.min((j + 1) * m - 1, shown.last); i++) maps.push(weightMap(i, j, tokens, weights, name));
    groups.push(el('div', { class: `heatmap-group${highlight >= 0 && highlight !== j ? ' dim' : ''}`, 'data-group': j },
      el('div', { class: 'heatmap-group-title' }, el('span', { class: 'swatch', 'data-color': j }), name(j)),
      el('div', { class: 'heatmap-row' }, maps)));
  }
  const picker = pages.length > 1 ? el('label', { class: 'field heatmap-picker' },
    el('span', {}, `Query heads shown (${shown.last - shown.first + 1} of ${h})`),
    el('select', { name: 'heatmap-heads', onchange: (e) => onPage?.(Number(e.target.value)) },
      pages.map((p, n) => el('option', { value: n, selected: p === shown }, p.label)))) : null;
  const legend = el('div', { class: 'legend' }, 'weight 0', el('span', { class: 'ramp', role: 'presentation' }), '1');
  return el('div', { class: 'heatmaps', 'data-first': shown.first, 'data-last': shown.last }, picker, groups, legend);
}

/** Paint the group swatches (CSSOM, allowed under the CSP; no inline style attributes). */
export function paintSwatches(root) {
  for (const s of root.querySelectorAll('.swatch[data-color]')) s.style.background = groupColor(Number(s.dataset.color));
}
