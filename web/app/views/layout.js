// layout.js - a model's layers as the cache sees them: a strip with one cell per layer, coloured by
// kind (full, sliding, chunked, mla, linear) with a legend, the cache split by kind, and one
// sentence on what a uniform formula would get wrong. Every figure is the core's (snapshot.layout).
import { el } from '../dom.js';
import { cacheBars } from './bars.js';
import { formatBytes, formatFactor } from '../../lib/format.js';

/** What each kind keeps, for the legend: 'sliding' with a 1024 window -> "sliding (window 1,024)". */
export function kindName(kind, span) {
  const n = span?.toLocaleString('en-US');
  if (kind === 'sliding') return `sliding (window ${n})`;
  if (kind === 'chunked') return `chunked (chunk ${n})`;
  if (kind === 'full') return 'full (global)';
  if (kind === 'mla') return 'MLA latent';
  return 'linear (fixed state)';
}

/**
 * "A uniform formula (every layer full attention) gives 62.0 GiB for one sequence at 131,072 tokens;
 * the layout gives 10.4 GiB: 5.96× too large." (compare: snapshot.layout.compare)
 */
export function uniformSentence({ tokens, mla, layout, uniform }) {
  const t = tokens.toLocaleString('en-US');
  const formula = mla ? 'a uniform formula that caches every head’s key and value (its MHA baseline, 2·L·H·d·T)'
    : 'a uniform formula (every layer full attention, 2·L·G·d·T)';
  const ratio = uniform >= layout ? `${formatFactor(uniform / layout)} too large` : `${formatFactor(layout / uniform)} too small`;
  return `For one sequence at ${t} tokens, ${formula} gives ${formatBytes(uniform)}; ` +
    `the ${mla ? 'latent' : 'layout'} gives ${formatBytes(layout)}: ${ratio}.`;
}

/** The strip, its legend, the cache by kind and the sentence, for snapshot.layout (non-null). */
export function layoutView(layout, { name }) {
  const kinds = [...new Set(layout.layers)];
  const span = Object.fromEntries(layout.groups.map((g) => [g.kind, g.span]));
  const count = (k) => layout.layers.filter((x) => x === k).length;
  const summary = kinds.map((k) => `${count(k)} ${kindName(k, span[k])}`).join(', ');
  const strip = el('div', { class: 'layer-strip', role: 'img', 'aria-label': `${name}: ${layout.layers.length} layers, ${summary}` },
    layout.layers.map((k, i) => el('span', { class: `layer-cell layer-${k}`, title: `layer ${i}: ${kindName(k, span[k])}`, 'data-kind': k })));
  const legend = el('ul', { class: 'layer-legend' }, kinds.map((k) =>
    el('li', {}, el('span', { class: `layer-swatch layer-${k}`, 'aria-hidden': 'true' }), `${kindName(k, span[k])} × ${count(k)}`)));
  const bars = cacheBars(layout.groups.map((g) => ({
    label: `${kindName(g.kind, g.span)}, ${g.layers} layers`,
    bytes: g.total,
    kind: `layer-${g.kind}`,
    note: g.kind === 'linear' ? 'a constant state per sequence, whatever T' : `${g.cachedTokens.toLocaleString('en-US')} tokens each`,
  })), { caption: 'KV cache by layer kind' });
  return el('div', { class: 'layout' },
    el('h4', {}, `Layer layout: ${layout.layers.length} layers`),
    strip, legend,
    el('p', { class: 'fine' }, 'Cache by layer kind at your settings:'), bars,
    el('p', { class: 'layout-sentence' }, uniformSentence(layout.compare)));
}
