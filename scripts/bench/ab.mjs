// ab.mjs - two builds of the core in one node process, timed alternately on the same shapes:
// how a kernel change was judged on this noisy shared machine (docs/performance.md).
//
//   node scripts/bench/ab.mjs DIR_A DIR_B [G:d:T:dtype,...]
//
// DIR_A and DIR_B are copies of dist/core (cp -r dist/core /tmp/a before the change, build,
// then compare with dist/core). Prints per shape the median times, the median of the pairwise
// ratios B/A over alternating calls, and the largest difference between the two outputs.
// AB_BUDGET_MS sets the time per shape (3000); AB_ISA=relaxed compares the relaxed builds (node
// --experimental-wasm-relaxed-simd), SIMD128 otherwise. Two identical builds give 0.93-1.00 on memory-bound
// shapes (the instance loaded second ran faster, whichever it was) and 0.98-1.00 on compute-bound
// ones: run a change both ways round before believing less than that.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { filledCache, stepInputs } from '../../web/lib/bench-data.js';

const [dirA, dirB, list] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error('usage: node scripts/bench/ab.mjs DIR_A DIR_B [G:d:T:dtype,...]');
  process.exit(2);
}
const H = 32;
const budgetMs = Number(process.env.AB_BUDGET_MS ?? 3000);  // per shape
const shapes = (list ?? '32:128:8192:f32,8:128:8192:f32,1:128:8192:f32,32:128:8192:f16,32:128:8192:int8,8:128:8192:int8')
  .split(',').map((s) => { const [G, d, T, dtype] = s.split(':'); return { G: +G, d: +d, T: +T, dtype }; });

const cores = [];
for (const dir of [dirA, dirB]) {
  const { loadCore } = await import(pathToFileURL(path.resolve(dir, 'core.js')).href);
  const core = await loadCore(process.env.AB_ISA ? { isa: process.env.AB_ISA } : { simd: true });  // AB_ISA=relaxed: that build
  core.warmUp();
  cores.push(core);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const shape of shapes) {
  const input = stepInputs({ H, ...shape });
  const caches = cores.map((core) => {
    const cache = filledCache(core, input, shape);
    for (let i = 0; i < 3; i++) cache.attend(input.q, { nHeads: H });
    return cache;
  });
  const [outA, outB] = caches.map((c) => c.attend(input.q, { nHeads: H }));
  let maxDiff = 0;
  for (let i = 0; i < outA.length; i++) maxDiff = Math.max(maxDiff, Math.abs(outA[i] - outB[i]));
  // A and B called alternately, one call each per pair, so a slow spell of this shared machine
  // hits both: the median of the pairwise ratios B/A is the figure to trust.
  const times = [[], []];
  const ratios = [];
  const start = performance.now();
  while (ratios.length < 15 || (ratios.length < 401 && performance.now() - start < budgetMs)) {
    const t = [0, 1].map((k) => {
      const t0 = performance.now();
      caches[k].attend(input.q, { nHeads: H });
      return performance.now() - t0;
    });
    times[0].push(t[0]);
    times[1].push(t[1]);
    ratios.push(t[1] / t[0]);
  }
  const [a, b] = times.map(median);
  console.log(`G=${shape.G} d=${shape.d} T=${shape.T} ${shape.dtype}: A ${a.toFixed(2)} ms  B ${b.toFixed(2)} ms  ` +
    `B/A ${(b / a).toFixed(3)}  pairwise ${median(ratios).toFixed(3)} (${ratios.length} pairs)  max |A - B| ${maxDiff.toExponential(1)}`);
  caches.forEach((c) => c.delete());
}
