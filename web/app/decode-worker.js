// decode-worker.js - one Web Worker of the page's parallel decode (../lib/decode-shard.js).
import { loadCore } from '../core/core.js';
import { shardHandler } from '../lib/decode-shard.js';

const ready = loadCore().then((core) => { core.warmUp(); return shardHandler(core); });
self.onmessage = async ({ data }) => {
  const [reply, transfer] = (await ready)(data);
  self.postMessage(reply, transfer);
};
