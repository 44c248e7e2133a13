// core-facts.js - questions the page, the CLI and the benchmark ask the core alike, in the shapes
// they use. Each is one call into the core: the answer is the core's, never worked out here.

/** K/V numbers one token adds to one layer's cache with `nKvHeads` K/V heads of `headDim`. */
export function kvNumbersPerToken(core, { nKvHeads, headDim }) {
  const size = core.kvCacheSize({ layers: 1, nKvHeads, headDim, tokens: 1, dtype: 'f32' });
  return (8 * size.dataBytes) / size.bitsPerElement;
}

/**
 * One layer's decode step over T cached tokens, for the benchmark's shape { H, G, d, T, dtype }:
 * { kvBytes, multiplyAdds, intensity } from the core's cost model.
 */
export function stepCost(core, { H, G, d, T, dtype }) {
  return core.decodeStepCost({ layers: 1, nHeads: H, nKvHeads: G, headDim: d, tokens: T, dtype });
}
