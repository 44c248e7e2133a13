// heads.js - the head diagram: H query heads ("researchers") above G K/V heads ("filing
// cabinets"), each query head coloured by, and wired to, the cabinet it reads.
import { groupColor, onGroupColor, svg } from '../dom.js';

export function headDiagram({ h, g, highlight = -1, title }) {
  const cell = 34, gap = 6, pad = 12;
  const width = Math.max(h, 4) * (cell + gap) + 2 * pad;
  const qy = 26, ky = 120, boxH = 34;
  const m = h / g;
  const xOf = (i) => pad + i * (cell + gap) + (width - 2 * pad - h * (cell + gap)) / 2;
  const root = svg('svg', { viewBox: `0 0 ${width} 190`, class: 'head-diagram', role: 'img',
    'aria-label': title ?? `${h} query heads reading ${g} K/V head${g > 1 ? 's' : ''}: ${m} query head${m > 1 ? 's' : ''} per K/V head` });
  root.append(svg('text', { x: pad, y: 14, class: 'diagram-label' }, 'query heads (researchers)'));
  root.append(svg('text', { x: pad, y: 182, class: 'diagram-label' }, `K/V heads (filing cabinets): ${g}`));
  for (let j = 0; j < g; j++) {
    // the cabinet sits under the middle of its group
    const first = xOf(j * m), last = xOf((j + 1) * m - 1) + cell;
    const w = Math.max(cell, Math.min(last - first, 4 * cell));
    const cx = (first + last) / 2;
    const dim = highlight >= 0 && highlight !== j;
    const group = svg('g', { class: dim ? 'dim' : null, 'data-group': j });
    for (let i = j * m; i < (j + 1) * m; i++) {
      group.append(svg('line', { x1: xOf(i) + cell / 2, y1: qy + cell, x2: cx, y2: ky, stroke: groupColor(j), 'stroke-width': 1.5, class: 'wire' }));
      group.append(svg('rect', { x: xOf(i), y: qy, width: cell, height: cell, rx: 6, fill: groupColor(j), class: 'qhead', 'data-head': i },
        svg('title', {}, `query head ${i} reads K/V head ${j}`)));
      if (h <= 32) group.append(svg('text', { x: xOf(i) + cell / 2, y: qy + cell / 2 + 4, class: 'head-num', fill: onGroupColor(j), 'text-anchor': 'middle' }, `q${i}`));
    }
    group.append(svg('rect', { x: cx - w / 2, y: ky, width: w, height: boxH, rx: 4, fill: 'none', stroke: groupColor(j), 'stroke-width': 3, class: 'cabinet' },
      svg('title', {}, `K/V head ${j}: shared by query heads ${j * m}–${(j + 1) * m - 1}`)));
    if (g <= 32) group.append(svg('text', { x: cx, y: ky + boxH / 2 + 4, class: 'head-num cabinet-num', 'text-anchor': 'middle' }, `kv${j}`));
    root.append(group);
  }
  return root;
}
