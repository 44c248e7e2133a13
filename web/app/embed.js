// embed.js - embed.html: the playground with minimal chrome for an iframe. The state lives in the
// hash (#h=32&g=8&...&sections=heads,cache), and the page tells its parent how tall it is:
//   { type: 'gqa-playground:height', height } by postMessage, whenever the height changes.
// Works inside <iframe sandbox="allow-scripts">: there the core runs on the main thread (an opaque
// origin may not start workers), and the host serves the files with Access-Control-Allow-Origin.
import { App } from './app.js';
import { CoreClient } from './core-client.js';
import { SECTION_NAMES, parseSections } from './sections.js';
import { HEIGHT_MESSAGE } from './snippets.js';
import { parseHash, parseHashInput, toHash } from './state.js';

const html = document.documentElement;
const errorBox = document.getElementById('embed-error');

/** The sections named in the hash; a bad list is reported in the frame and shows everything. */
function sectionsFromHash() {
  const raw = new URLSearchParams(location.hash.slice(1)).get('sections');
  errorBox.hidden = true;
  if (raw === null) return [...SECTION_NAMES];
  try {
    return parseSections(raw, 'sections in the URL hash');
  } catch (err) {
    errorBox.textContent = `${err.message}; showing all sections.`;
    errorBox.hidden = false;
    return [...SECTION_NAMES];
  }
}

function applyTheme(theme) {
  if (theme === 'auto') delete html.dataset.theme; else html.dataset.theme = theme;
}

const sections = sectionsFromHash();
const sectionsPart = () => (sections.length === SECTION_NAMES.length ? '' : `&sections=${sections.join(',')}`);
const app = new App(document.getElementById('app'), {
  state: parseHash(location.hash),
  sections,
  client: new CoreClient(),
  onState: (state) => {
    applyTheme(state.theme);
    try { history.replaceState(null, '', toHash(state) + sectionsPart()); } catch { /* some sandboxes refuse; the state still applies */ }
  },
  onCore: ({ info }) => {
    html.dataset.core = info ? 'ready' : 'error';
    if (info) html.dataset.coreVariant = info.variant;
  },
  onRender: () => { html.dataset.view = 'ready'; postHeight(); },
});
app.setInput(parseHashInput(location.hash));  // a model's shape, then the hash's explicit keys
applyTheme(app.state.theme);
window.addEventListener('hashchange', () => {
  app.setInput(parseHashInput(location.hash));  // a model's shape, then the hash's explicit keys
  applyTheme(app.state.theme);
});

// Tell the parent our height (the host's one-line listener sizes the iframe to it): after each
// drawing, and on every resize. (Browsers skip rendering, and so ResizeObserver, in a cross-origin
// frame that is out of view; measuring after a drawing forces layout and works there too.)
let lastHeight = 0;
function postHeight() {
  const height = Math.ceil(html.getBoundingClientRect().height);
  if (height === lastHeight || window.parent === window) return;
  lastHeight = height;
  window.parent.postMessage({ type: HEIGHT_MESSAGE, height }, '*');
}
new ResizeObserver(postHeight).observe(html);
app.start();
