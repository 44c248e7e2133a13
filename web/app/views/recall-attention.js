// recall-attention.js - what the trained recall models attend to: for one held-out sequence (a
// RecallTrainer.inspect() result), each query head's attention weights at the query positions,
// models side by side (G = H and G = 1), the cell of the pair each query asks for marked.
// Rows are the queries, columns the sequence (the pairs, then the queries). A map is drawn as
// wide as its column (scaled; no text inside it), so 80 positions fit a 390 px phone; the
// labels are HTML around it, and each row's tooltip names the pair asked for.
import { el, svg, viridis } from '../dom.js';
import { QUALITY } from '../lesson.js';

const ROW = 6;         // px per query row
const VISIBLE = 0.02;  // weights below this are left as the dark background (and leave the asked pair's red showing)

/** "k13→v14": a pair as the lesson writes it. */
export const pairLabel = (p) => `k${p.key}→v${p.value}`;

/** How many of head h's query rows put their largest weight on the asked pair: { hits, of }. */
export function headHits(trace, h) {
  const { queries, seqLen, weights } = trace, Q = queries.length;
  let hits = 0;
  queries.forEach((q, a) => {
    const row = weights.subarray((h * Q + a) * seqLen, (h * Q + a + 1) * seqLen);
    let top = 0;
    for (let j = 1; j < row.length; j++) if (row[j] > row[top]) top = j;
    hits += top === q.answer;
  });
  return { hits, of: Q };
}

/** One head's (queries, seqLen) map. */
function headMap(trace, h, label) {
  const { queries, pairs, seqLen, weights } = trace, Q = queries.length, P = pairs.length;
  const map = svg('svg', { viewBox: `0 0 ${seqLen} ${Q}`, preserveAspectRatio: 'none', class: 'recall-map', height: Q * ROW,
    role: 'img', 'aria-label': `${label}, query head ${h}: attention of the ${Q} queries over the ${seqLen} positions` });
  queries.forEach((q, a) => {
    const p = pairs[q.answer];
    const row = svg('g', {}, svg('title', {}, `query ${a + 1} asks k${q.key}: the pair at position ${q.answer + 1} (${pairLabel(p)}); ` +
      `answered v${q.predicted}${q.predicted === q.target ? ' (right)' : ''}`));
    // the asked pair's cell in red, under the weights: it shows where the head put (almost) nothing
    row.append(svg('rect', { x: q.answer, y: a, width: 1, height: 1, class: 'answer' }));
    for (let j = 0; j <= q.position; j++) {
      const w = weights[(h * Q + a) * seqLen + j];
      if (w > VISIBLE) row.append(svg('rect', { x: j, y: a, width: 1, height: 1, fill: viridis(w) }));
    }
    map.append(row);
  });
  map.prepend(svg('rect', { x: 0, y: 0, width: seqLen, height: Q, fill: viridis(0) }));
  map.append(svg('line', { x1: P, x2: P, y1: 0, y2: Q, class: 'divider', 'vector-effect': 'non-scaling-stroke' }));
  const { hits, of } = headHits(trace, h);
  return el('figure', { class: 'recall-head', 'data-head': h, 'data-hits': hits },
    el('figcaption', {}, `q${h}: ${hits} of ${of} on the asked pair`), map);
}

/**
 * models: [{ label ("G = 8 (MHA)"), nKvHeads, trace }], all on the same held-out sequence. Returns
 * the side-by-side panels, an axis note and the sequence written out.
 */
export function recallAttention(models) {
  const { pairs, queries, seqLen } = models[0].trace;
  const panels = models.map((m) => el('div', { class: 'recall-panel', 'data-g': m.nKvHeads },
    el('div', { class: 'heatmap-group-title' }, m.label),
    Array.from({ length: m.trace.nHeads }, (_, h) => headMap(m.trace, h, m.label))));
  const note = el('p', { class: 'fine' }, QUALITY.attentionNote({ queries: queries.length, seqLen, pairs: pairs.length, visible: VISIBLE }));
  const sequence = el('details', { class: 'recall-sequence' }, el('summary', {}, 'The sequence, written out'),
    el('p', { class: 'fine' }, `Pairs: ${pairs.map((p, i) => `${i + 1} ${pairLabel(p)}`).join(', ')}.`),
    el('p', { class: 'fine' }, `Queries: ${queries.map((q) => `k${q.key}? (pair ${q.answer + 1}, v${q.target})`).join(', ')}.`));
  const legend = el('div', { class: 'legend' }, 'weight 0', el('span', { class: 'ramp', role: 'presentation' }), '1');
  return el('div', { class: 'recall-attention' }, note, el('div', { class: 'recall-panels' }, panels), legend, sequence);
}
