// bars.js - horizontal bars of computed byte counts, scaled to the largest.
import { el } from '../dom.js';
import { formatBytes, formatFactor } from '../../lib/format.js';

/**
 * A snapshot's cache as bar rows: MHA always, the current G when it is GQA (MHA and MQA have bars of
 * their own), MQA unless H = 1 makes it MHA; for an MLA model its MHA baseline and its latent (c.mqa
 * is null: no MQA at its widths was published). label(entry) names each; entry === c.current marks
 * the reader's GQA or MLA.
 */
export function cacheComparison(c, label) {
  const entries = [c.mha, ...(['GQA', 'MLA'].includes(c.current.kind) ? [c.current] : []), ...(c.mqa?.kind === 'MQA' ? [c.mqa] : [])];
  return entries.map((e) => ({ label: label(e), bytes: e.bytes, kind: e.kind, factor: e === c.mha ? undefined : c.mha.bytes / e.bytes }));
}

/**
 * rows: [{ label, bytes, factor?, factorText?, note?, kind?, tone? }], kind the core's 'MHA' | 'GQA' | 'MQA' |
 * 'MLA' (it picks the bar's colour), or tone a colour of the stylesheet's own ('plain'); `format` renders
 * the value (bytes by default); `max` the value of a full bar (default: the largest row); factor (against
 * the first row) reads "8× smaller" unless factorText says otherwise.
 */
export function cacheBars(rows, { caption, format = formatBytes, max = Math.max(...rows.map((r) => r.bytes)) } = {}) {
  const list = el('div', { class: 'bars', role: 'list', 'aria-label': caption ?? 'KV-cache size' });
  for (const r of rows) {
    const fill = el('span', { class: `bar-fill${r.kind ? ` kind-${r.kind.toLowerCase()}` : ''}${r.tone ? ` tone-${r.tone}` : ''}` });
    fill.style.width = `${Math.max(0.5, (100 * r.bytes) / max)}%`;
    list.append(el('div', { class: 'bar-row', role: 'listitem', 'data-bytes': r.bytes, 'data-label': r.label },
      el('span', { class: 'bar-label' }, r.label),
      el('span', { class: 'bar-track' }, fill),
      el('span', { class: 'bar-value' }, format(r.bytes), r.factor ? el('span', { class: 'bar-factor' }, r.factorText ?? `${formatFactor(r.factor)} smaller`) : null),
      r.note ? el('span', { class: 'bar-note' }, r.note) : null));
  }
  return list;
}
