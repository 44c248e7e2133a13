// line-chart.js - a small SVG line chart: a few named series over a shared x axis, each with its
// own colour, dash and marker shape (so it reads without colour), a legend and a text title.
// Drawn 300 units wide with 12-unit text; the stylesheet shows it at 1× (a 390 px phone's
// narrowest chart box) to 1.4×, so no label is under 12 px.
import { svg } from '../dom.js';

const MARKERS = ['circle', 'square', 'diamond', 'triangle'];
const DASHES = [null, '6 3', '2 3', '8 3 2 3'];

function marker(shape, x, y, color) {
  const r = 3.5;
  if (shape === 'circle') return svg('circle', { cx: x, cy: y, r, fill: color });
  if (shape === 'square') return svg('rect', { x: x - r, y: y - r, width: 2 * r, height: 2 * r, fill: color });
  const pts = shape === 'diamond' ? [[x, y - r - 1], [x + r + 1, y], [x, y + r + 1], [x - r - 1, y]]
    : [[x, y - r - 1], [x + r + 1, y + r], [x - r - 1, y + r]];
  return svg('polygon', { points: pts.map((p) => p.join(',')).join(' '), fill: color });
}

const niceStep = (span) => {
  const raw = span / 4, p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw);
};

/**
 * series: [{ name, color, points: [[x, y], ...] }]; x: { label, ticks?, log2? }; y: { label,
 * min?, max?, format? }. `markers` draws each point's marker (off for long curves).
 */
export function lineChart({ title, series, x, y, markers = true, width = 300, height = 200 }) {
  const legend = legendRows(series.map((s) => s.name), width - 8);
  const pad = { l: 50, r: 14, t: 10, b: 44 + 18 * legend.length };  // the legend runs along the bottom, in as many rows as it needs
  height += 18 * legend.length;
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const tx = x.log2 ? Math.log2 : (v) => v;
  const x0 = tx(Math.min(...xs)), x1 = tx(Math.max(...xs));
  const y0 = y.min ?? Math.min(0, ...ys), y1raw = y.max ?? Math.max(...ys);
  const step = niceStep((y1raw - y0) || 1), y1 = y.max ?? Math.ceil(y1raw / step) * step;
  const px = (v) => pad.l + ((tx(v) - x0) / ((x1 - x0) || 1)) * (width - pad.l - pad.r);
  const py = (v) => height - pad.b - ((v - y0) / ((y1 - y0) || 1)) * (height - pad.t - pad.b);
  const fmt = y.format ?? ((v) => String(Math.round(v * 1000) / 1000));
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'line-chart', role: 'img', 'aria-label': title });
  root.append(svg('title', {}, title));
  for (let v = y0; v <= y1 + 1e-9; v += step) {
    root.append(svg('line', { x1: pad.l, x2: width - pad.r, y1: py(v), y2: py(v), class: 'grid' }));
    root.append(svg('text', { x: pad.l - 6, y: py(v) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(v)));
  }
  for (const v of x.ticks ?? [...new Set(xs)]) {
    root.append(svg('text', { x: px(v), y: height - pad.b + 16, 'text-anchor': 'middle', class: 'tick' }, String(v)));
  }
  root.append(svg('text', { x: (pad.l + width - pad.r) / 2, y: height - pad.b + 34, 'text-anchor': 'middle', class: 'axis-label' }, x.label));
  root.append(svg('text', { x: 13, y: (pad.t + height - pad.b) / 2, 'text-anchor': 'middle', class: 'axis-label',
    transform: `rotate(-90 13 ${(pad.t + height - pad.b) / 2})` }, y.label));
  series.forEach((s, i) => {
    const d = s.points.map(([a, b], j) => `${j ? 'L' : 'M'}${px(a).toFixed(1)},${py(b).toFixed(1)}`).join('');
    const g = svg('g', { class: 'series', 'data-series': s.name, 'data-points': JSON.stringify(s.points) });
    g.append(svg('path', { d, fill: 'none', stroke: s.color, 'stroke-width': 2, 'stroke-dasharray': DASHES[i % DASHES.length] }));
    if (markers) for (const [a, b] of s.points) g.append(marker(MARKERS[i % MARKERS.length], px(a), py(b), s.color));
    root.append(g);
  });
  // legend along the bottom, one entry per series
  legend.forEach((row, r) => row.forEach(({ i, x: lx }) => {
    const s = series[i], ly = height - 8 - 18 * (legend.length - 1 - r);
    root.append(svg('line', { x1: lx, x2: lx + 22, y1: ly, y2: ly, stroke: s.color, 'stroke-width': 2, 'stroke-dasharray': DASHES[i % DASHES.length] }));
    root.append(marker(MARKERS[i % MARKERS.length], lx + 11, ly, s.color));
    root.append(svg('text', { x: lx + 28, y: ly + 4, class: 'legend-text' }, s.name));
  }));
  return root;
}

/**
 * The legend's entries in rows that fit `room` units: [[{ i, x }]]. An entry is its line sample (28)
 * and its name, estimated at 7 units a character of 12-unit text, then a gap of 12.
 */
function legendRows(names, room) {
  const rows = [[]];
  let x = 4;
  names.forEach((name, i) => {
    const w = 28 + 7 * name.length;
    if (x + w > room && rows.at(-1).length) { rows.push([]); x = 4; }
    rows.at(-1).push({ i, x });
    x += w + 12;
  });
  return rows;
}
