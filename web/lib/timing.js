// timing.js - the benchmark's clock, shared by `npm run bench` and the page's measurement.
//
// A browser page that is not cross-origin isolated reads performance.now() in steps of 0.1 ms, so
// one 0.4 ms call reads 0.4 or 0.5. Every sample here times a batch of calls lasting at least
// BATCH_MS (0.1 ms in 10 ms: 1 % resolution) and divides by the batch's size.

/** The shortest batch one sample times. */
export const BATCH_MS = 10;

/** The middle value of xs (the upper one of an even count), xs unchanged. */
export const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Runs fn() n times; awaits it only when it returns a promise (a parallel step). */
async function runBatch(fn, n) {
  for (let i = 0; i < n; i++) {
    const r = fn();
    if (r && typeof r.then === 'function') await r;
  }
}

/**
 * Median milliseconds per call of fn() over adaptive samples: at least minReps, then more while
 * the time budget lasts (many for a fast step, few for a slow one), at most maxReps. Each sample
 * times a batch of calls lasting at least batchMs; the calibration that sizes the batch is the
 * warm-up.
 */
export async function medianMs(fn, { minReps = 5, maxReps = 41, budgetMs = 400, batchMs = BATCH_MS } = {}) {
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    await runBatch(fn, batch);
    const dt = performance.now() - t0;
    if (dt >= batchMs || batch >= 2 ** 20) break;
    batch = dt > 0 ? Math.max(batch + 1, Math.ceil((batch * 1.2 * batchMs) / dt)) : batch * 4;
  }
  const times = [];
  const start = performance.now();
  while (times.length < minReps || (times.length < maxReps && performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    await runBatch(fn, batch);
    times.push((performance.now() - t0) / batch);
  }
  return median(times);
}
