// mla-diagram.js - multi-head latent attention as a picture: each token's one cached latent row
// [c | kr], from which every query head rebuilds its own keys (W_uk) and values (W_uv).
//
// Drawn in a viewBox 300 units wide with 12-unit text, as heads.js, so it reads at 375 px. Four
// heads are drawn and the rest counted ("+124"); every head rebuilds its K and V the same way.
import { svg } from '../dom.js';

const W = 300;

/** h query heads; r and dr the latent's and the rotary key's widths; dn, dv each head's key and value widths. */
export function mlaDiagram({ h, r, dr, dn, dv }) {
  const shown = Math.min(h, 4), slot = (W - 12) / (shown + (h > shown ? 1 : 0));
  const text = (x, y, s, attrs = {}) => svg('text', { x, y, class: 'diagram-label', ...attrs }, s);
  const nodes = [
    text(6, 14, `cached per token: one row of ${r + dr} numbers`),
    svg('rect', { x: 6, y: 22, width: 200, height: 26, rx: 4, class: 'mla-latent', fill: 'none', stroke: 'var(--mla)', 'stroke-width': 3 }),
    text(106, 39, `latent c (${r})`, { 'text-anchor': 'middle', class: 'head-num' }),
    svg('rect', { x: 210, y: 22, width: 84, height: 26, rx: 4, fill: 'none', stroke: 'var(--mla)', 'stroke-width': 2 }),
    text(252, 39, `rope kr (${dr})`, { 'text-anchor': 'middle', class: 'head-num' }),
  ];
  nodes.push(text(W / 2, 68, 'each head: keys W_uk·c with kr, values W_uv·c', { 'text-anchor': 'middle' }));
  for (let i = 0; i < shown; i++) {
    const x = 6 + i * slot, cx = x + (slot - 6) / 2;
    nodes.push(
      svg('line', { x1: 106, y1: 48, x2: cx, y2: 56, stroke: 'var(--mla)', 'stroke-width': 1.5, class: 'wire' }),
      svg('line', { x1: cx, y1: 74, x2: cx, y2: 84, stroke: 'var(--mla)', 'stroke-width': 1.5, class: 'wire' }),
      svg('rect', { x, y: 84, width: slot - 6, height: 56, rx: 4, fill: 'none', stroke: 'var(--mla)', 'stroke-width': 2,
        class: 'mla-head', 'data-head': i }, svg('title', {}, `query head ${i}: keys W_uk·c (${dn}) with kr (${dr}), values W_uv·c (${dv})`)),
      text(cx, 100, `q${i}`, { 'text-anchor': 'middle', class: 'head-num' }),
      text(cx, 116, `k ${dn + dr}`, { 'text-anchor': 'middle', class: 'head-num' }),
      text(cx, 132, `v ${dv}`, { 'text-anchor': 'middle', class: 'head-num' }));
  }
  if (h > shown) nodes.push(text(6 + shown * slot + (slot - 6) / 2, 116, `+${h - shown}`, { 'text-anchor': 'middle' }));
  nodes.push(text(6, 156, `${h} query heads, one cached row per token`));
  const root = svg('svg', { viewBox: `0 0 ${W} 164`, class: 'head-diagram mla-diagram', role: 'img',
    'aria-label': `MLA: one cached latent of ${r} plus a ${dr}-wide rotary key per token; each of ${h} query heads rebuilds its keys and values from it` });
  root.append(...nodes);
  return root;
}
