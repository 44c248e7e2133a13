// bench.mjs - the decode step (one new token over a cache of T tokens) for a Llama-like layer,
// H = 32, measured in one run across implementations, against the machine's roofline.
//
//   node scripts/bench.mjs [--quick] [--json] [--outputs] [--no-native] [--no-ort] [--no-parallel] [--svg FILE]
//                          [--d 64,128] [--G 32,8] [--T 8192] [--dtype f32,int8]
//   node scripts/bench.mjs --render FILE     the table of a run saved as JSON (every run saves
//                                            build/bench-last.json, or -quick.json, before it prints)
//
// --d/--G/--T/--dtype each replace that axis of the grid (comma-separated), to time a subset.
//
// Implementations: plain JavaScript (f32), onnxruntime-web's com.microsoft GroupQueryAttention
// (f32), our scalar, SIMD128 and relaxed-SIMD WASM builds, and the same C++ natively (-march=native,
// 128-bit x86-64-v2, and x86-64-v2 with -mfma). Every output is checked against the JavaScript
// reference before its time counts. Each step is set against its bounds (web/lib/bounds.js) from
// probes of its own build: memory, compute, and their sum.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadCore, relaxedSupported } from 'gqa-playground';
import { filledCache, jsDecodeStep, stepInputs } from '../web/lib/bench-data.js';
import { stepCost } from '../web/lib/core-facts.js';
import { renderSvg } from './bench/chart.mjs';
import { spawnThread } from './bench/parallel.mjs';
import { parallelDecode, parallelProbe } from '../web/lib/parallel.js';
import { formatSeconds, kernelLabel, textTable } from '../web/lib/format.js';
import { median, medianMs } from '../web/lib/timing.js';
import { boundFractions, stepBounds } from '../web/lib/bounds.js';
import { countTargets, NOT_ALLOWED, ratioCell, TARGET_MIN_T } from './bench/targets.mjs';

// node 20 runs relaxed SIMD only with this flag, which NODE_OPTIONS may not carry: start again with it.
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
if (!relaxedSupported() && !process.execArgv.includes(RELAXED_FLAG)) {
  const again = spawnSync(process.execPath, [RELAXED_FLAG, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(again.status ?? 1);
}

const args = new Set(process.argv.slice(2));
const flag = (name) => args.has(`--${name}`);
const svgPath = (() => { const i = process.argv.indexOf('--svg'); return i > 0 ? process.argv[i + 1] : null; })();
const quick = flag('quick');
const log = (...m) => { if (!flag('json')) console.error(...m); };

const H = 32;
// dtype: null is every dtype the KV cache stores (core.info.dtypes.cache), filled in once a core is loaded
const GRID = quick
  ? { d: [64], G: [32, 8, 1], T: [256], dtype: null }
  : { d: [64, 128], G: [32, 8, 4, 1], T: [512, 2048, 8192, 32768], dtype: null };
for (const axis of Object.keys(GRID)) {  // --d 128 --G 32,8 ...: time a subset of the grid
  const i = process.argv.indexOf(`--${axis}`);
  if (i > 0) GRID[axis] = process.argv[i + 1].split(',').map((x) => (axis === 'dtype' ? x : Number(x)));
}
const root = fileURLToPath(new URL('..', import.meta.url));
const NATIVE = { native: `${root}build/bench/gqa_bench_native`, v2: `${root}build/bench/gqa_bench_v2`, fma: `${root}build/bench/gqa_bench_fma` };

/** Median ms of fn(); quick runs get a small time budget. */
const timeMedian = (fn, opts = {}) => medianMs(fn, { budgetMs: quick ? 50 : 400, ...opts });

/** Tolerance of a dtype's output against the f32 reference (docs/architecture.md). */
function tolerance(dtype, q, d) {
  let qsum = 0;
  for (let h = 0; h < H; h++) { let s = 0; for (let c = 0; c < d; c++) s += Math.abs(q[h * d + c]); qsum = Math.max(qsum, s); }
  const scale = 1 / Math.sqrt(d);
  if (dtype === 'f16') return 2 * scale * qsum * 2 ** -11 + 2 ** -11 + 1e-5;
  if (dtype === 'int8') return 2 * scale * qsum / 254 + 1 / 254 + 1e-5;
  return 2e-5;
}

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function wasmStep(core, input, shape) {
  const cache = filledCache(core, input, shape);
  try {
    for (let i = 0; i < 3; i++) cache.attend(input.q, { nHeads: H });  // let V8 tier the kernel up
    const out = cache.attend(input.q, { nHeads: H });
    const ms = await timeMedian(() => cache.attend(input.q, { nHeads: H }));
    return { ms, out, kvBytes: cache.bytes };
  } finally {
    cache.delete();
  }
}

function runNative(flavour, configs, probe) {
  const specs = configs.map((c) => `${H},${c.G},${c.d},${c.T},${c.dtype}`);
  const text = execFileSync(NATIVE[flavour], [...(probe ? ['--probe'] : []), ...specs], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const lines = text.trim().split('\n').map((l) => JSON.parse(l));
  return { probe: lines.find((l) => l.probe), rows: lines.filter((l) => !l.probe) };
}

async function main() {
  log('probing the machine (WASM relaxed SIMD, SIMD128, scalar)…');
  const relaxed = relaxedSupported() ? await loadCore({ isa: 'relaxed' }) : null;
  if (!relaxed) log('  (this node runs no relaxed SIMD: no wasm-relaxed column)');
  const simd = await loadCore({ isa: 'simd128' });
  const scalar = await loadCore({ isa: 'scalar' });
  const wasmBuilds = [['wasm-scalar', scalar, 'wasmScalar'], ['wasm-simd', simd, 'wasm'], ...(relaxed ? [['wasm-relaxed', relaxed, 'wasmRelaxed']] : [])];
  GRID.dtype ??= [...simd.info.dtypes.cache];
  const configs = [];
  for (const d of GRID.d) for (const T of GRID.T) for (const G of GRID.G) for (const dtype of GRID.dtype) configs.push({ H, G, d, T, dtype });
  const probes = {};
  for (const [, core, key] of wasmBuilds) probes[key] = core.probeMachine();
  for (const [, core] of wasmBuilds) core.warmUp();

  let ort = null;
  if (!flag('no-ort')) {
    try { ort = await (await import('./bench/ort-gqa.mjs')).createOrtGqa(); } catch (err) { log(`onnxruntime-web unavailable: ${err.message}`); }
  }

  // The native builds run per (d, T) group, just before that group's WASM timings: on a shared
  // machine whose speed drifts over minutes, the two sides of a ratio are measured together.
  const native = {};
  const nativeFlavours = [];
  for (const f of flag('no-native') ? [] : ['native', 'v2', 'fma']) {
    if (existsSync(NATIVE[f])) nativeFlavours.push(f); else log(`  (no ${NATIVE[f]}: run npm run bench to build it)`);
  }
  const nativeGroupsRun = new Set();  // `${d},${T}`

  const rows = [];
  const refCache = new Map();  // f32 reference output and JS time per shape
  for (const c of configs) {
    const shapeKey = `${c.G},${c.d},${c.T}`;
    if (nativeFlavours.length && !nativeGroupsRun.has(`${c.d},${c.T}`)) {
      nativeGroupsRun.add(`${c.d},${c.T}`);
      log(`native builds, d=${c.d} T=${c.T}…`);
      const group = configs.filter((x) => x.d === c.d && x.T === c.T);
      for (const flavour of nativeFlavours) {
        const r = runNative(flavour, group, !probes[flavour]);
        native[flavour] = [...(native[flavour] ?? []), ...r.rows];
        probes[flavour] ??= r.probe;
      }
    }
    log(`H=${H} G=${c.G} d=${c.d} T=${c.T} ${c.dtype}`);
    const input = stepInputs(c);
    if (!refCache.has(shapeKey)) {
      const ref = jsDecodeStep(input, c);
      const jsMs = await timeMedian(() => jsDecodeStep(input, c), { minReps: 1, maxReps: 5, budgetMs: quick ? 50 : 1500 });
      let ortResult = null;
      if (ort) {
        try { ortResult = await ort.run(input, c); } catch (err) { log(`  onnxruntime-web failed: ${err.message}`); }
      }
      refCache.clear();
      refCache.set(shapeKey, { ref, jsMs, ortResult });
    }
    const { ref, jsMs, ortResult } = refCache.get(shapeKey);
    const tol = tolerance(c.dtype, input.q, c.d);
    const madds = stepCost(simd, c).multiplyAdds;
    const impls = {};
    const add = (name, ms, out, kvBytes, probe, tolerance = tol) => {
      const err = maxAbsDiff(out, ref);
      const bounds = stepBounds({ kvBytes, multiplyAdds: madds }, probe);
      const { ofSum, ofMemory, ofRoof } = boundFractions(ms, bounds);
      impls[name] = { ms, kvBytes, gbs: kvBytes / ms / 1e6, ...bounds, ofSum, ofMemory, roofline: ofRoof,
        maxErr: err, tol: tolerance, ok: err <= tolerance };
      if (flag('outputs')) impls[name].out = Array.from(out);
    };
    if (c.dtype === 'f32') {
      const f32Bytes = stepCost(simd, c).kvBytes;  // what plain JS and onnxruntime-web read
      add('js', jsMs, ref, f32Bytes, probes.wasmScalar, 0);
      if (ortResult) add('ort', ortResult.ms, ortResult.out, f32Bytes, probes.wasm);
    }
    for (const [name, core, probe] of wasmBuilds) {  // SIMD128 and relaxed timed back to back: their ratio
      const r = await wasmStep(core, input, c);
      add(name, r.ms, r.out, r.kvBytes, probes[probe]);
    }
    if (impls['wasm-relaxed']) impls['wasm-relaxed'].vsSimd = impls['wasm-simd'].ms / impls['wasm-relaxed'].ms;
    for (const flavour of Object.keys(native)) {
      const n = native[flavour].find((x) => x.G === c.G && x.d === c.d && x.T === c.T && x.dtype === c.dtype);
      if (n) add(`native-${flavour}`, n.ms, Float32Array.from(n.out), n.kvBytes, probes[flavour]);
    }
    rows.push({ ...c, kind: simd.attentionKind(H, c.G), madds, impls });
  }

  // GQA and MQA speedups over MHA, measured and roofline-predicted, per implementation
  for (const r of rows) {
    const mha = rows.find((x) => x.d === r.d && x.T === r.T && x.dtype === r.dtype && x.kind === 'MHA');
    for (const [name, v] of Object.entries(r.impls)) {
      const base = mha?.impls[name];
      if (base) { v.speedup = base.ms / v.ms; v.predictedSpeedup = base.roofMs / v.roofMs; }
    }
  }

  // parallel decode: worker threads each with a WASM instance and a slice of the cache
  // Each worker count has its own bounds: the probes run in that many workers at once.
  const parallel = [];
  const parallelProbes = {};
  if (!flag('no-parallel')) {
    const T = quick ? 256 : 8192, d = quick ? 64 : 128;
    const counts = [1, 2, 4];
    // More workers than cores share them: their bounds are the cores' (a sum of each worker's best
    // rate would count moments when the others were not running).
    const probed = {};  // by the number of workers probed at once: at most one per core
    for (const workers of counts) {
      const n = Math.min(workers, os.cpus().length);
      log(`parallel probes: ${n} workers at once`);
      probed[n] ??= await parallelProbe({ workers: n, spawn: spawnThread, probe: quick ? { bytes: 16 * 2 ** 20, reps: 2, iters: 1e6 } : { reps: 3 } });
      parallelProbes[workers] = probed[n];
    }
    for (const G of [32, 8, 1]) {
      const shape = { H, G, d, T, dtype: 'f32' };
      const cost = stepCost(simd, shape);
      log(`parallel: G=${G} T=${T}`);
      const ref = jsDecodeStep(stepInputs(shape), shape);
      let base = null;
      for (const mode of ['heads', 'T']) {
        for (const workers of counts) {
          const r = await parallelDecode(simd, shape, { mode, workers, spawn: spawnThread, reps: quick ? 5 : 15, interleave: workers > os.cpus().length ? 0 : quick ? 2 : 9 });
          if (!r) { parallel.push({ G, d, T, mode, workers, skipped: `${workers} workers > ${G} K/V heads to split` }); continue; }
          const err = maxAbsDiff(r.out, ref);
          base ??= r.ms;
          const bounds = stepBounds(cost, parallelProbes[workers]);
          const { ofSum, ofMemory } = boundFractions(r.ms, bounds);
          parallel.push({ G, d, T, mode, workers, ms: r.ms, kernelMs: r.kernelMs, overheadMs: r.overheadMs, speedup: base / r.ms, ...bounds, ofSum, ofMemory,
            // interleaved bounds only where every worker has a core: more workers than cores take turns, and their summed probe rates would count that
            kernelOfMemory: bounds.memoryMs / r.kernelMs, interleaved: r.rounds ? interleavedFractions(cost, r.rounds) : null,
            maxErr: err, ok: err <= 2e-5, ...(flag('outputs') ? { out: Array.from(r.out) } : {}) });
        }
      }
    }
  }

  const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` };
  const result = { machine, H, quick, probes, rows, parallel, parallelProbes, parallelIsa: (relaxed ?? simd).info.isa, targets: countTargets(rows) };
  // saved first: a full run takes minutes, and printing it must not be able to lose it
  if (existsSync(`${root}build`)) writeFileSync(`${root}build/bench-last${quick ? '-quick' : ''}.json`, JSON.stringify(result));
  if (svgPath) writeFileSync(svgPath, renderSvg(result));
  if (flag('json')) { console.log(JSON.stringify(result)); return; }
  console.log(report(result));
}

/**
 * A parallel step against bounds probed in the same seconds (parallel.js interleavedRounds): per
 * round, its bounds from that round's probes and the fractions; the medians over the rounds.
 */
function interleavedFractions(cost, rounds) {
  const per = rounds.map((x) => {
    const b = stepBounds(cost, x);
    return { ...x, ...b, ...boundFractions(x.ms, b), kernelOfMemory: b.memoryMs / x.kernelMs };
  });
  const pick = (key) => median(per.map((x) => x[key]));
  return { rounds: per, ofSum: pick('ofSum'), ofMemory: pick('ofMemory'), kernelOfMemory: pick('kernelOfMemory'), bytesPerSecond: pick('bytesPerSecond') };
}

function report({ machine, probes, rows, parallel, parallelProbes, parallelIsa, targets: t }) {
  const impls = ['js', 'ort', 'wasm-scalar', 'wasm-simd', 'wasm-relaxed', 'native-v2', 'native-fma', 'native-native'];
  const gb = (p) => (p ? `${(p.bytesPerSecond / 1e9).toFixed(1)} GB/s, ${(p.maddsPerSecond / 1e9).toFixed(1)} G madd/s` : 'n/a');
  const ms = (x) => formatSeconds(x / 1e3);
  const pct = (x) => `${Math.round(100 * x)}%`;
  const lines = [
    `machine: ${machine.cpu} (${machine.cores} cores), ${machine.platform}, node ${machine.node}, one thread`,
    `probes: WASM relaxed SIMD ${gb(probes.wasmRelaxed)}; WASM SIMD128 ${gb(probes.wasm)}; WASM scalar ${gb(probes.wasmScalar)}; ` +
      `native ${gb(probes.native)}; native 128-bit ${gb(probes.v2)}; native 128-bit FMA ${gb(probes.fma)}`,
    '',
    'ms per token; relaxed/SIMD: the relaxed build\'s speed-up over SIMD128; vs JS, vs ort: the best WASM build\'s, ' +
      `"${NOT_ALLOWED}" where its memory bound alone is short of the target (20×, 3×)`,
  ];
  const header = ['d', 'G', 'T', 'dtype', 'K/V bytes', ...impls, 'relaxed/SIMD', 'vs JS', 'vs ort'];
  const body = rows.map((r) => {
    const best = r.impls['wasm-relaxed'] ?? r.impls['wasm-simd'];
    const f32 = rows.find((x) => x.d === r.d && x.T === r.T && x.G === r.G && x.dtype === 'f32')?.impls;
    return [r.d, r.G, r.T, r.dtype, `${(best.kvBytes / 2 ** 20).toFixed(1)} MiB`,
      ...impls.map((n) => (r.impls[n] ? `${ms(r.impls[n].ms)}${r.impls[n].ok ? '' : ' WRONG'}` : '—')),
      r.impls['wasm-relaxed'] ? `${r.impls['wasm-relaxed'].vsSimd.toFixed(2)}×` : '—',
      ratioCell(f32?.js, best, 20), ratioCell(f32?.ort, best, 3)];
  });
  lines.push(textTable(header, body), '');
  lines.push('bounds per step, each build from its own probes: memory = K/V bytes ÷ read bandwidth, compute = multiply-adds ÷ ' +
    'multiply-add throughput, sum = both (no overlap); the step as % of the sum bound, and of the memory bound where memory is the larger');
  const boundCells = (v) => (v ? [ms(v.memoryMs), ms(v.computeMs), ms(v.sumMs), pct(v.ofSum), v.regime === 'memory' ? pct(v.ofMemory) : '—'] : ['—', '—', '—', '—', '—']);
  lines.push(textTable(['d', 'G', 'T', 'dtype', 'SIMD mem', 'compute', 'sum', '% sum', '% mem', 'relaxed mem', 'compute', 'sum', '% sum', '% mem'],
    rows.map((r) => [r.d, r.G, r.T, r.dtype, ...boundCells(r.impls['wasm-simd']), ...boundCells(r.impls['wasm-relaxed'])])), '');
  const frac = ([a, b]) => `${a}/${b}`;
  const forbidden = (c) => (c[2] ? `, and ${c[2]} the memory bound forbids` : '');
  lines.push(`targets at T >= ${TARGET_MIN_T} (issue #22), met/counted:`);
  lines.push(textTable(['target', 'relaxed', 'SIMD128'], [
    ['every step >= 85% of its sum bound', frac(t.sum85.relaxed), frac(t.sum85.simd)],
    ['memory-bound steps (MHA f32/f16) >= 80% of the memory bound', frac(t.memory80.relaxed), frac(t.memory80.simd)],
    ['relaxed >= 1.25x SIMD128 on compute-bound steps (MQA, GQA-4 f32/f16)', frac(t.relaxedCompute), ''],
    ['relaxed not slower than SIMD128 on the other steps', frac(t.relaxedElsewhere), ''],
    ['best build >= 3x onnxruntime-web where the memory bound allows', `${frac(t.vsOrt3x)}${forbidden(t.vsOrt3x)}`, ''],
    ['best build >= 20x plain JS where the memory bound allows', `${frac(t.vsJs20x)}${forbidden(t.vsJs20x)}`, ''],
    ['within 1.3x of native 128-bit (SIMD128) / 128-bit FMA (relaxed)', frac(t.vsNativeFma), frac(t.vsNative128)],
    ['f16/int8 faster than f32 where memory-bound', '', frac(t.quantFaster)],
  ]));
  if (parallel.length) {
    lines.push('', `parallel decode (${kernelLabel(parallelIsa)}, f32, head_dim ${parallel[0].d}, T = ${parallel[0].T}; ${machine.cores} cores): worker threads, each with its own instance and cache slice`);
    lines.push(`bounds per worker count, from the probes run in that many workers at once: ${Object.entries(parallelProbes).map(([w, p]) => `${w}: ${gb(p)}`).join('; ')}`);
    lines.push('kernel: the slowest worker\'s own attend call (median over the steps); round trip: the rest of a step (messages, wake-ups, the merge)');
    lines.push('interleaved: probes run in the step\'s own workers (each streaming its slice\'s bytes) alternating with single steps; medians over the rounds of each round\'s fraction');
    const mem = (p, x) => (p.regime === 'memory' ? pct(x) : '');
    lines.push(textTable(['G', 'split', 'workers', 'ms / token', 'speed-up vs 1', 'sum bound', '% sum', '% mem', 'kernel', 'round trip',
      'interleaved GB/s', '% sum', '% mem', 'kernel % mem'],
      parallel.map((p) => (p.skipped ? [p.G, p.mode === 'heads' ? 'K/V heads' : 'tokens (T)', p.workers, `— (${p.skipped})`, ...Array(10).fill('')] : [
        p.G, p.mode === 'heads' ? 'K/V heads' : 'tokens (T)', p.workers, `${p.ms.toFixed(2)}${p.ok ? '' : ' WRONG'}`, `${p.speedup.toFixed(2)}×`,
        ms(p.sumMs), pct(p.ofSum), mem(p, p.ofMemory), ms(p.kernelMs), ms(p.overheadMs),
        ...(p.interleaved ? [(p.interleaved.bytesPerSecond / 1e9).toFixed(1), pct(p.interleaved.ofSum), mem(p, p.interleaved.ofMemory), mem(p, p.interleaved.kernelOfMemory)]
          : ['— (more workers than cores)', '', '', ''])]))));
  }
  const wrong = rows.flatMap((r) => Object.entries(r.impls).filter(([, v]) => !v.ok).map(([n, v]) => `${n} d=${r.d} G=${r.G} T=${r.T} ${r.dtype}: max |Δ| ${v.maxErr.toExponential(2)} > ${v.tol.toExponential(2)}`));
  wrong.push(...parallel.filter((p) => p.ok === false).map((p) => `parallel ${p.mode} x${p.workers} G=${p.G}: max |Δ| ${p.maxErr.toExponential(2)}`));
  lines.push(wrong.length ? `WRONG OUTPUTS:\n${wrong.join('\n')}` : 'every implementation matched the reference');
  return lines.join('\n');
}

const renderPath = (() => { const i = process.argv.indexOf('--render'); return i > 0 ? process.argv[i + 1] : null; })();
if (renderPath) console.log(report(JSON.parse(readFileSync(renderPath, 'utf8'))));
else await main();
