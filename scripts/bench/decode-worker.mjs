// decode-worker.mjs - one worker thread of the parallel benchmark (web/lib/decode-shard.js).
import { parentPort } from 'node:worker_threads';
import { loadCore } from 'gqa-playground';
import { shardHandler } from '../../web/lib/decode-shard.js';

const core = await loadCore();
core.warmUp();
const handle = shardHandler(core);
parentPort.on('message', (msg) => {
  const [reply, transfer] = handle(msg);
  parentPort.postMessage(reply, transfer);
});
