// timing.js - the benchmark's clock, shared by `npm run bench` and the page's measurement.

/**
 * Median milliseconds of fn() over adaptive repetitions: at least minReps, then more while the
 * time budget lasts (many for a fast step, few for a slow one), at most maxReps.
 */
export function medianMs(fn, { minReps = 5, maxReps = 41, budgetMs = 400 } = {}) {
  const times = [];
  const start = performance.now();
  while (times.length < minReps || (times.length < maxReps && performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}
