// main.js - the page: the App in <main>, its state in the URL hash (a permalink), the theme
// toggle and the Share / embed dialog in the masthead.
import { App } from './app.js';
import { CoreClient } from './core-client.js';
import { ShareDialog } from './share.js';
import { THEMES, parseHash, parseHashInput, toHash } from './state.js';

const $ = (id) => document.getElementById(id);
const debug = new URLSearchParams(location.search).has('debug');
const client = new CoreClient({ debug });
const html = document.documentElement;

function applyTheme(theme) {
  if (theme === 'auto') delete html.dataset.theme; else html.dataset.theme = theme;
  const b = $('theme-toggle');
  b.textContent = `Theme: ${theme}`;
  b.setAttribute('aria-label', `Theme: ${theme}${theme === 'auto' ? ' (follows the system)' : ''}, press to change`);
}

const app = new App($('app'), {
  state: parseHash(location.hash),
  client,
  onState: (state) => { history.replaceState(null, '', toHash(state)); applyTheme(state.theme); },
  onCore: ({ info }) => {
    html.dataset.core = info ? 'ready' : 'error';
    if (info) html.dataset.coreVariant = info.variant;
  },
  onRender: () => { html.dataset.view = 'ready'; },
});
const share = new ShareDialog($('share-dialog'), { state: () => app.state });

app.setInput(parseHashInput(location.hash));  // a model's shape, then the hash's explicit keys
applyTheme(app.state.theme);
$('theme-toggle').addEventListener('click', () => {
  const theme = THEMES[(THEMES.indexOf(app.state.theme) + 1) % THEMES.length];
  app.update({ ...app.state, theme }, { source: 'theme' });
});
$('share').addEventListener('click', () => share.open());
window.addEventListener('hashchange', () => {
  app.setInput(parseHashInput(location.hash));  // a model's shape, then the hash's explicit keys
  applyTheme(app.state.theme);
});
if (debug) window.__gqaDebug = { abort: () => client.call('debugAbort'), crash: () => client.call('debugCrash') };
app.start();
