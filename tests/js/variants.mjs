// variants.mjs - every WASM build this node runs, best first, for the tests that run the JS API in
// each: relaxed SIMD (node 20 needs --experimental-wasm-relaxed-simd, which scripts/test.sh
// passes, and then sets GQA_TEST_RELAXED=1 so that a lost flag fails rather than skips), SIMD128
// and scalar.
import { loadCore, supportedIsas } from 'gqa-playground';

if (process.env.GQA_TEST_RELAXED === '1' && !supportedIsas().includes('relaxed')) {
  throw new Error('GQA_TEST_RELAXED=1 but this node runs no relaxed SIMD: start it with --experimental-wasm-relaxed-simd');
}

/** One loaded core per ISA this engine runs: 'relaxed' (if it can), 'simd128', 'scalar'. */
export const variants = await Promise.all(supportedIsas().map((isa) => loadCore({ isa })));
