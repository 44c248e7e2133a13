// rng.js - mulberry32, the one seeded generator of the JS side: the page's example inputs, the
// benchmark's inputs (the same stream as fill() in tests/bench/native_bench.cpp) and the tests' data.

/** A generator of uniform numbers in [-1, 1), deterministic for a 32-bit seed. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

/** `out` filled with the stream of `seed`, each number times `amp`; returns `out`. */
export function fillUniform(out, seed, amp = 1) {
  const next = mulberry32(seed);
  for (let i = 0; i < out.length; i++) out[i] = next() * amp;
  return out;
}
