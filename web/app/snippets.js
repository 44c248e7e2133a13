// snippets.js - the permalink, the iframe snippet and the element snippet for a state: what the
// page's "Share / embed" dialog offers. `base` is the URL of the site's folder (ending in '/').
import { DEFAULTS, toHash } from './state.js';

/** <gqa-playground> attribute -> state key, in the order snippets write them. */
export const ATTRIBUTES = Object.freeze({
  heads: 'h', 'kv-heads': 'g', 'head-dim': 'd', seq: 't', layers: 'l', batch: 'b', dtype: 'dtype', model: 'model', step: 'step', theme: 'theme',
  device: 'device', gpus: 'gpus', 'weight-dtype': 'wdtype', block: 'block', 'shared-prefix': 'prefix', record: 'record',
});

/** The message embed.html posts to its parent whenever its height changes. */
export const HEIGHT_MESSAGE = 'gqa-playground:height';

/** The host's one line: size every iframe that says how tall it is. */
export const HEIGHT_LISTENER = `<script>addEventListener('message', (e) => { if (e.data?.type === '${HEIGHT_MESSAGE}') ` +
  `for (const f of document.querySelectorAll('iframe')) if (f.contentWindow === e.source) f.height = e.data.height; });</script>`;

const escapeAttr = (v) => String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function permalink(base, state) {
  return new URL(base).href + toHash(state);
}

export function iframeSnippet(base, state) {
  const src = new URL('embed.html', base).href + toHash(state);
  return `<iframe src="${escapeAttr(src)}" title="GQA playground" sandbox="allow-scripts" width="100%" height="640" loading="lazy"></iframe>\n${HEIGHT_LISTENER}`;
}

export function elementSnippet(base, state) {
  const attrs = Object.entries(ATTRIBUTES)
    .filter(([name, key]) => name === 'heads' || name === 'kv-heads' || state[key] !== DEFAULTS[key])
    .map(([name, key]) => ` ${name}="${escapeAttr(state[key])}"`).join('');
  return `<script type="module" src="${escapeAttr(new URL('gqa-playground.js', base).href)}"></script>\n<gqa-playground${attrs}></gqa-playground>`;
}
