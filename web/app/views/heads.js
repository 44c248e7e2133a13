// heads.js - the head diagram: H query heads ("researchers") above G K/V heads ("filing
// cabinets"), each query head coloured by, and wired to, the cabinet it reads.
//
// Drawn for 1-128 heads of either kind in a viewBox 300 units wide, which the stylesheet shows at
// 1× to 1.44× (the narrowest view, a 375 px phone's, is 300 px), so the 12-unit text is never under
// 12 px. Up to 9 query heads every head is a labelled square wired to its cabinet. Above that each
// K/V head is a block: the range of query heads it serves over its heads as small squares, a funnel,
// the cabinet. Past 12 blocks the middle groups fold into one "… N more" block, so MHA with 128
// heads shows kv0-kv9, the fold and kv127, and MQA with 128 heads one block of 128 squares.
import { groupColor, onGroupColor, svg } from '../dom.js';

const W = 300, PAD = 6;
const HEADS_MAX = 9;      // up to this many query heads, every one is drawn and labelled
const BLOCKS_MAX = 12;    // at most this many group blocks (3 rows of 4); beyond, the middle folds
const COLS = 4, GAP = 6;  // blocks per row, the gap between them
const LINE = 16;          // one line of 12-unit text

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * highlight: a K/V head to show at full strength, the others dimmed (-1: none). mla: an MLA model's
 * widths (a snapshot's `mla`: kvLoraRank, qkRopeHeadDim, width), drawn as one shared latent.
 */
export function headDiagram({ h, g, highlight = -1, title, mla = null }) {
  const m = h / g;
  const layout = mla ? groupBlocks(h, 1, highlight, mla) : h <= HEADS_MAX ? everyHead(h, g, highlight) : groupBlocks(h, g, highlight);
  const description = mla ? `${plural(h, 'query head')} reading one shared MLA latent of ${mla.width} numbers (${mla.kvLoraRank} compressed, ${mla.qkRopeHeadDim} RoPE key)`
    : `${plural(h, 'query head')} reading ${plural(g, 'K/V head')}: ${plural(m, 'query head')} per K/V head`;
  const root = svg('svg', { viewBox: `0 0 ${W} ${layout.height}`, class: 'head-diagram', role: 'img', 'data-layout': layout.name,
    'aria-label': title ?? description });
  root.append(...layout.nodes);
  return root;
}

const label = (x, y, text, attrs = {}) => svg('text', { x, y, class: 'diagram-label', ...attrs }, text);
const groupNode = (j, highlight) => svg('g', { class: highlight >= 0 && highlight !== j ? 'dim' : null, 'data-group': j });
const headTitle = (i, j) => svg('title', {}, `query head ${i} reads K/V head ${j}`);
const cabinetTitle = (j, m) => svg('title', {}, m === 1 ? `K/V head ${j}: read by query head ${j}` : `K/V head ${j}: shared by query heads ${j * m}–${(j + 1) * m - 1}`);

/** Every query head a labelled square in one row, wired to its cabinet below (H <= 9). */
function everyHead(h, g, highlight) {
  const m = h / g;
  const cell = Math.min(34, Math.floor((W - 2 * PAD) / Math.max(h, 4)) - 6), step = cell + 6;
  const qy = 24, ky = qy + cell + 50, boxH = 30;
  const xOf = (i) => (W - h * step + 6) / 2 + i * step;
  const nodes = [label(PAD, 14, `query heads (researchers): ${h}`)];
  for (let j = 0; j < g; j++) {
    // the cabinet sits under the middle of its group
    const first = xOf(j * m), last = xOf((j + 1) * m - 1) + cell;
    const w = Math.max(cell, Math.min(last - first, 4 * cell)), cx = (first + last) / 2;
    const group = groupNode(j, highlight);
    for (let i = j * m; i < (j + 1) * m; i++) {
      group.append(svg('line', { x1: xOf(i) + cell / 2, y1: qy + cell, x2: cx, y2: ky, stroke: groupColor(j), 'stroke-width': 1.5, class: 'wire' }),
        svg('rect', { x: xOf(i), y: qy, width: cell, height: cell, rx: 5, fill: groupColor(j), class: 'qhead', 'data-head': i }, headTitle(i, j)),
        svg('text', { x: xOf(i) + cell / 2, y: qy + cell / 2 + 4, class: 'head-num', fill: onGroupColor(j), 'text-anchor': 'middle' }, `q${i}`));
    }
    group.append(svg('rect', { x: cx - w / 2, y: ky, width: w, height: boxH, rx: 4, fill: 'none', stroke: groupColor(j), 'stroke-width': 3, class: 'cabinet' }, cabinetTitle(j, m)),
      svg('text', { x: cx, y: ky + boxH / 2 + 4, class: 'head-num cabinet-num', 'text-anchor': 'middle' }, `kv${j}`));
    nodes.push(group);
  }
  nodes.push(label(PAD, ky + boxH + 20, `K/V heads (filing cabinets): ${g}`));
  return { name: 'heads', height: ky + boxH + 28, nodes };
}

/** The largest squares (and their gap) that lay m heads out in at most 5 rows of `room` units. */
function squares(m, room) {
  for (const [size, gap] of [[10, 3], [7, 2], [5, 2]]) {
    const perRow = Math.max(1, Math.floor((room + gap) / (size + gap)));
    if (Math.ceil(m / perRow) <= 5) return { size, gap, perRow };
  }
  const size = 3, gap = 1;  // (never needed up to 128 heads; kept so any m still draws)
  return { size, gap, perRow: Math.max(1, Math.floor((room + gap) / (size + gap))) };
}

/**
 * Each K/V head a block of its query heads (H > 9); past 12 groups the middle ones fold into one block.
 * mla: the one block is the shared latent (g = 1).
 */
function groupBlocks(h, g, highlight, mla = null) {
  const m = h / g;
  const shown = g <= BLOCKS_MAX ? [...Array(g).keys()] : [...Array(BLOCKS_MAX - 2).keys(), null, g - 1];  // null: the fold
  const cols = Math.min(COLS, shown.length);
  const bw = Math.floor((W - 2 * PAD - (cols - 1) * GAP) / cols);
  const sq = squares(m, bw - 8);
  const rowsOfSquares = Math.ceil(m / sq.perRow);
  const squaresH = rowsOfSquares * (sq.size + sq.gap) - sq.gap;
  const funnel = 16, boxH = 24;
  const blockH = LINE + 4 + squaresH + funnel + boxH;
  const top = 24;
  const nodes = [label(PAD, 14, `query heads (researchers): ${h}`)];
  shown.forEach((j, n) => {
    const bx = PAD + (n % cols) * (bw + GAP) + (W - 2 * PAD - cols * bw - (cols - 1) * GAP) / 2;
    const by = top + Math.floor(n / cols) * (blockH + 10);
    const cx = bx + bw / 2, sy = by + LINE + 4, ky = sy + squaresH + funnel;
    if (j === null) { nodes.push(fold(g - BLOCKS_MAX + 1, m, { bx, by, bw, sy, squaresH, ky, boxH })); return; }
    const group = groupNode(j, highlight);
    const first = j * m;
    group.append(label(cx, by + 12, m === 1 ? `q${first}` : `q${first}–${first + m - 1}`, { 'text-anchor': 'middle', class: 'diagram-label head-range' }));
    const inRow = Math.min(m, sq.perRow), rowW = inRow * (sq.size + sq.gap) - sq.gap, x0 = cx - rowW / 2;
    for (let k = 0; k < m; k++) {
      const i = first + k;
      group.append(svg('rect', { x: x0 + (k % sq.perRow) * (sq.size + sq.gap), y: sy + Math.floor(k / sq.perRow) * (sq.size + sq.gap),
        width: sq.size, height: sq.size, rx: sq.size > 5 ? 2 : 1, fill: groupColor(j), class: 'qhead', 'data-head': i },
        mla ? svg('title', {}, `query head ${i} rebuilds its key and value from the latent`) : headTitle(i, j)));
    }
    const cw = Math.min(bw - 8, 64);
    group.append(svg('polygon', { points: `${x0},${sy + squaresH + 2} ${x0 + rowW},${sy + squaresH + 2} ${cx + cw / 2 - 4},${ky} ${cx - cw / 2 + 4},${ky}`,
      fill: groupColor(j), 'fill-opacity': 0.3, class: 'wire' }),
    svg('rect', { x: cx - cw / 2, y: ky, width: cw, height: boxH, rx: 4, fill: 'none', stroke: groupColor(j), 'stroke-width': 2.5, class: 'cabinet' },
      mla ? svg('title', {}, `the latent: ${mla.kvLoraRank} compressed numbers and a ${mla.qkRopeHeadDim}-wide RoPE key, shared by query heads 0–${h - 1}`) : cabinetTitle(j, m)),
    svg('text', { x: cx, y: ky + boxH / 2 + 4, class: 'head-num cabinet-num', 'text-anchor': 'middle' }, mla ? 'latent' : `kv${j}`));
    nodes.push(group);
  });
  const bottom = top + Math.ceil(shown.length / cols) * (blockH + 10) + 4;
  if (mla) {
    nodes.push(label(PAD, bottom + 12, `one shared latent (cached): ${mla.width} numbers`),
      label(PAD, bottom + 12 + LINE, `all ${h} query heads rebuild K and V from it`));
    return { name: 'latent', height: bottom + 12 + LINE + 8, nodes };
  }
  nodes.push(label(PAD, bottom + 12, `K/V heads (filing cabinets): ${g}`),
    label(PAD, bottom + 12 + LINE, `each read by ${plural(m, 'query head')}`));
  return { name: 'groups', height: bottom + 12 + LINE + 8, nodes };
}

/** The folded middle groups: their query heads' range, and how many K/V heads, where their blocks would be. */
function fold(count, m, { bx, by, bw, sy, squaresH, ky, boxH }) {
  const cx = bx + bw / 2, first = (BLOCKS_MAX - 2) * m, last = first + count * m - 1;
  return svg('g', { class: 'fold', 'data-folded': count },
    svg('title', {}, `K/V heads ${BLOCKS_MAX - 2}–${BLOCKS_MAX - 3 + count}, each with its own ${plural(m, 'query head')}, not drawn`),
    label(cx, by + 12, `q${first}–${last}`, { 'text-anchor': 'middle', class: 'diagram-label head-range' }),
    label(cx, sy + squaresH / 2 + 4, '…', { 'text-anchor': 'middle' }),
    svg('rect', { x: bx + 2, y: ky, width: bw - 4, height: boxH, rx: 4, fill: 'none', stroke: 'currentColor', 'stroke-dasharray': '3 3', class: 'fold-box' }),
    label(cx, ky + boxH / 2 + 4, `${count} more`, { 'text-anchor': 'middle' }));
}
