// bounds.js - how fast a decode step could be on this machine: its lower bounds from the probes
// (cpp/attention/probes.h), compiled like the kernel that is timed. Shared by `npm run bench` and
// the page's measurement.

/**
 * A step's lower bounds in ms, from its cost { kvBytes, multiplyAdds } (the core's cost model)
 * and a probe { bytesPerSecond, maddsPerSecond } of the same build:
 *   memoryMs  = K/V bytes ÷ read bandwidth
 *   computeMs = multiply-adds ÷ multiply-add throughput
 *   sumMs     = memoryMs + computeMs: nothing overlaps (what a one-thread step here reaches)
 *   roofMs    = max(memoryMs, computeMs): everything overlaps (the roofline)
 *   regime    = 'memory' or 'compute': the larger of the two
 */
export function stepBounds({ kvBytes, multiplyAdds }, { bytesPerSecond, maddsPerSecond }) {
  const memoryMs = (1e3 * kvBytes) / bytesPerSecond;
  const computeMs = (1e3 * multiplyAdds) / maddsPerSecond;
  return { memoryMs, computeMs, sumMs: memoryMs + computeMs, roofMs: Math.max(memoryMs, computeMs),
    regime: memoryMs >= computeMs ? 'memory' : 'compute' };
}

/** A step of `ms` against its bounds: each as a fraction of the time (1 = at the bound). */
export function boundFractions(ms, { memoryMs, sumMs, roofMs }) {
  return { ofSum: sumMs / ms, ofMemory: memoryMs / ms, ofRoof: roofMs / ms };
}
