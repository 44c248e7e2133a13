// ab.mjs - two builds of the core in one node process, timed alternately on the same shapes:
// how a kernel change was judged on this noisy shared machine (docs/performance.md).
//
//   node scripts/bench/ab.mjs DIR_A DIR_B [G:d:T:dtype,...]
//
// DIR_A and DIR_B are copies of dist/core (cp -r dist/core /tmp/a before the change, build,
// then compare with dist/core). Prints per shape the medians of five alternating rounds, B/A, and
// the largest difference between the two outputs.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { filledCache, stepInputs } from '../../web/lib/bench-data.js';
import { medianMs } from '../../web/lib/timing.js';

const [dirA, dirB, list] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error('usage: node scripts/bench/ab.mjs DIR_A DIR_B [G:d:T:dtype,...]');
  process.exit(2);
}
const H = 32;
const shapes = (list ?? '32:128:8192:f32,8:128:8192:f32,1:128:8192:f32,32:128:8192:f16,32:128:8192:int8,8:128:8192:int8')
  .split(',').map((s) => { const [G, d, T, dtype] = s.split(':'); return { G: +G, d: +d, T: +T, dtype }; });

const cores = [];
for (const dir of [dirA, dirB]) {
  const { loadCore } = await import(pathToFileURL(path.resolve(dir, 'core.js')).href);
  const core = await loadCore({ simd: true });
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
  const times = [[], []];
  for (let round = 0; round < 5; round++) {
    for (const k of [0, 1]) times[k].push(medianMs(() => caches[k].attend(input.q, { nHeads: H }), { budgetMs: 250 }));
  }
  const [a, b] = times.map(median);
  console.log(`G=${shape.G} d=${shape.d} T=${shape.T} ${shape.dtype}: A ${a.toFixed(2)} ms  B ${b.toFixed(2)} ms  B/A ${(b / a).toFixed(3)}  max |A - B| ${maxDiff.toExponential(1)}`);
  caches.forEach((c) => c.delete());
}
