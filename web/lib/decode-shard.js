// decode-shard.js - what one parallel-decode worker does, for node worker threads and Web
// Workers alike: hold a slice of the cache in its own WASM instance, and run decode steps on it.
//   { init: { nKvHeads, headDim, dtype, nHeads, k, v, q, partial } } -> { ready: true }
//   { step: true } -> { out, kernelMs } or, with partial, { out, max, sum, kernelMs } (softmax
//                     statistics to merge; kernelMs: the attend call's time in the worker)
//   { probe: { bytes, reps, iters } } -> { bytesPerSecond, maddsPerSecond } (core.probeMachine)

/** A message handler bound to one core: returns [reply, transferables]. */
export function shardHandler(core) {
  let cache = null, q = null, nHeads = 0, partial = false;
  return (msg) => {
    try {
      if (msg.init) {
        const s = msg.init;
        cache?.delete();
        cache = core.createKvCache({ nKvHeads: s.nKvHeads, headDim: s.headDim, capacity: s.k.length / (s.nKvHeads * s.headDim), dtype: s.dtype });
        cache.append(s.k, s.v);
        q = s.q;
        nHeads = s.nHeads;
        partial = Boolean(s.partial);
        return [{ ready: true }, []];
      }
      if (msg.step) {
        // the step's own time in this worker, so that the caller can tell the kernel from the round trip
        const t0 = performance.now();
        const r = partial ? cache.attendPartial(q, { nHeads }) : { out: cache.attend(q, { nHeads }) };
        r.kernelMs = performance.now() - t0;
        return [r, [r.out.buffer, ...(partial ? [r.max.buffer, r.sum.buffer] : [])]];
      }
      if (msg.probe) return [core.probeMachine(msg.probe), []];
      return [{ error: 'unknown message' }, []];
    } catch (err) {
      return [{ error: err.message }, []];
    }
  };
}
