// main.js - page entry: start the core in its worker, report when it is ready.
import { CoreClient } from './core-client.js';

const status = document.getElementById('core-status');

function setStatus(state, text) {
  status.dataset.state = state;
  status.lastChild.textContent = ` ${text}`;
}

async function start() {
  if (typeof WebAssembly !== 'object' || typeof Worker !== 'function') {
    setStatus('error', 'This browser has no WebAssembly or Web Workers, which the playground needs to compute anything.');
    return;
  }
  try {
    const core = new CoreClient();
    const info = await core.call('info');
    document.documentElement.dataset.core = 'ready';
    document.documentElement.dataset.coreVariant = info.variant;
    setStatus('ready', `Core ready: ${info.variant === 'simd' ? 'WebAssembly SIMD' : 'scalar WebAssembly'} kernels (${info.isa}).`);
  } catch (err) {
    document.documentElement.dataset.core = 'error';
    setStatus('error', `The attention core failed to load: ${err.message}`);
  }
}

start();
