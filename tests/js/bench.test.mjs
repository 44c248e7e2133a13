// The benchmark's code paths at --quick sizes: every implementation it times must return the
// output of an independent float64 reference, so a fast wrong kernel cannot win; the bounds and
// targets it prints, against hand-computed values. No assertion on a time.
import os from 'node:os';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stepInputs } from '../../web/lib/bench-data.js';
import { boundFractions, stepBounds } from '../../web/lib/bounds.js';
import { countTargets, ratioCell } from '../../scripts/bench/targets.mjs';
import { referenceAttention } from './reference.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('npm run bench --quick: every implementation matches the float64 reference', () => {
  // (bench.mjs starts node again with the flag if this one lacks it)
  const text = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', 'scripts/bench.mjs', '--quick', '--json', '--outputs'],
    { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const result = JSON.parse(text);
  assert.ok(result.rows.length >= 9);
  // the run was saved before it was printed, and its table renders: every row, the skipped parallel splits too
  const table = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', 'scripts/bench.mjs', '--render', 'build/bench-last-quick.json'],
    { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.match(table, /targets at T >= \d+ \(issue #22\)/);
  assert.equal(table.match(/workers > \d+ K\/V heads to split/g)?.length, result.parallel.filter((p) => p.skipped).length);
  assert.ok(result.parallel.some((p) => p.skipped));
  const expected = ['wasm-scalar', 'wasm-simd', 'wasm-relaxed'];
  if (existsSync(`${root}build/bench/gqa_bench_v2`)) expected.push('native-v2', 'native-fma', 'native-native');
  const probeOf = { 'wasm-scalar': 'wasmScalar', 'wasm-simd': 'wasm', 'wasm-relaxed': 'wasmRelaxed', 'native-v2': 'v2', 'native-fma': 'fma', 'native-native': 'native' };
  const seen = new Set();
  for (const row of result.rows) {
    const input = stepInputs(row);
    const ref = referenceAttention({ ...input, nHeads: row.H, nKvHeads: row.G, headDim: row.d });
    for (const name of expected) assert.ok(row.impls[name], `${name} ran for G=${row.G} ${row.dtype}`);
    for (const [name, impl] of Object.entries(row.impls)) {
      seen.add(name);
      assert.equal(impl.out.length, row.H * row.d);
      let err = 0;
      for (let i = 0; i < impl.out.length; i++) err = Math.max(err, Math.abs(impl.out[i] - ref.out[i]));
      assert.ok(err <= impl.tol + 1e-6, `${name} G=${row.G} ${row.dtype}: max |Δ| ${err} vs tolerance ${impl.tol}`);
      assert.equal(impl.ok, true);
      assert.ok(impl.ms > 0 && impl.kvBytes > 0 && impl.roofline > 0);
      // each build against its own probe: bytes / bandwidth, multiply-adds / throughput, their sum
      const probe = result.probes[probeOf[name]];
      if (probe) {
        const memoryMs = (impl.kvBytes / probe.bytesPerSecond) * 1e3, computeMs = (row.madds / probe.maddsPerSecond) * 1e3;
        assert.ok(Math.abs(impl.memoryMs - memoryMs) <= 1e-9 * memoryMs && Math.abs(impl.computeMs - computeMs) <= 1e-9 * computeMs, name);
        assert.ok(Math.abs(impl.ofSum - (memoryMs + computeMs) / impl.ms) <= 1e-9 * impl.ofSum, name);
      }
    }
    const relaxed = row.impls['wasm-relaxed'];
    assert.ok(Math.abs(relaxed.vsSimd - row.impls['wasm-simd'].ms / relaxed.ms) <= 1e-12 * relaxed.vsSimd);
    // the row's kind and multiply-adds are the core's: checked against the textbook rule and 2·H·T·d
    assert.equal(row.kind, row.G === row.H ? 'MHA' : row.G === 1 ? 'MQA' : 'GQA', `G=${row.G}`);
    assert.equal(row.madds, 2 * row.H * row.T * row.d);
    if (row.impls.js) assert.equal(row.impls.js.kvBytes, 2 * row.G * row.T * row.d * 4);
    const simd = row.impls['wasm-simd'];
    const bits = { f32: 32, f16: 16, int8: 8 }[row.dtype];
    assert.equal(simd.kvBytes, 2 * row.G * row.T * row.d * bits / 8 + (row.dtype === 'int8' ? 2 * row.G * row.T * 4 : 0));
  }
  assert.ok(seen.has('js'));
  // the parallel splits: every run must reproduce the reference; heads cannot split past G
  assert.ok(result.parallel.length >= 18);
  const cores = os.cpus().length;
  for (const p of result.parallel) {
    if (p.skipped) { assert.ok(p.mode === 'heads' && p.workers > p.G); continue; }
    const input = stepInputs({ H: result.H, G: p.G, d: p.d, T: p.T });
    const ref = referenceAttention({ ...input, nHeads: result.H, nKvHeads: p.G, headDim: p.d });
    let err = 0;
    for (let i = 0; i < p.out.length; i++) err = Math.max(err, Math.abs(p.out[i] - ref.out[i]));
    assert.ok(err <= 2e-5, `parallel ${p.mode} x${p.workers} G=${p.G}: ${err}`);
    // against the bounds of its worker count: the probes run in that many workers at once
    const probe = result.parallelProbes[p.workers];
    const sumMs = (2 * p.G * p.T * p.d * 4 / probe.bytesPerSecond + 2 * result.H * p.T * p.d / probe.maddsPerSecond) * 1e3;
    assert.ok(Math.abs(p.sumMs - sumMs) <= 1e-9 * sumMs && Math.abs(p.ofSum - sumMs / p.ms) <= 1e-9 * p.ofSum, `parallel bounds x${p.workers}`);
    // and against the bounds probed in its own rounds: each round's fraction by hand, the median of them reported
    if (p.workers > cores) { assert.equal(p.interleaved, null, 'no interleaved bounds for more workers than cores'); continue; }
    const rounds = p.interleaved.rounds;
    assert.ok(rounds.length >= 2);
    const fractions = rounds.map((x) => (2 * p.G * p.T * p.d * 4 / x.bytesPerSecond + 2 * result.H * p.T * p.d / x.maddsPerSecond) * 1e3 / x.ms);
    fractions.forEach((f, i) => assert.ok(Math.abs(rounds[i].ofSum - f) <= 1e-9 * f, `round ${i}`));
    assert.ok(fractions.some((f) => Math.abs(p.interleaved.ofSum - f) <= 1e-9 * f), 'the median is one of the rounds');
    assert.equal(fractions.filter((f) => f < p.interleaved.ofSum * (1 - 1e-9)).length, rounds.length >> 1, "the median: half the rounds below it");
  }
  assert.ok(result.parallel.some((p) => p.G === 1 && p.mode === 'T' && p.workers === 4 && !p.skipped));
  assert.ok(result.probes.wasm.bytesPerSecond > 0 && result.probes.wasm.maddsPerSecond > 0);
  assert.ok(result.probes.wasmRelaxed.bytesPerSecond > 0 && result.probes.wasmRelaxed.maddsPerSecond > 0);
  assert.equal(result.parallelIsa, 'relaxed');  // the worker threads load the default build
});

test('the bounds of a step, by hand', () => {
  // 1 MiB of K/V at 2 GB/s: 0.524288 ms; 6e6 multiply-adds at 3e9/s: 2 ms
  const b = stepBounds({ kvBytes: 2 ** 20, multiplyAdds: 6e6 }, { bytesPerSecond: 2e9, maddsPerSecond: 3e9 });
  assert.deepEqual(b, { memoryMs: 0.524288, computeMs: 2, sumMs: 2.524288, roofMs: 2, regime: 'compute' });
  // MHA f32 at head_dim 128, T = 8192: 2·32·8192·128·4 bytes at 10 GB/s, 2·32·8192·128 multiply-adds at 20 G/s
  const mha = stepBounds({ kvBytes: 268435456, multiplyAdds: 67108864 }, { bytesPerSecond: 1e10, maddsPerSecond: 2e10 });
  assert.equal(mha.regime, 'memory');
  assert.ok(Math.abs(mha.memoryMs - 26.8435456) < 1e-12 && Math.abs(mha.computeMs - 3.3554432) < 1e-12 && Math.abs(mha.sumMs - 30.1989888) < 1e-12);
  // a 40 ms step: 75.5 % of the sum bound, 67.1 % of the memory bound, 67.1 % of the roofline
  const f = boundFractions(40, mha);
  assert.ok(Math.abs(f.ofSum - 0.75497472) < 1e-12 && Math.abs(f.ofMemory - 0.67108864) < 1e-12 && f.ofRoof === f.ofMemory);
});

test('the targets, counted over made-up rows', () => {
  const impl = (ms, memoryMs, computeMs, extra = {}) => ({ ms, memoryMs, computeMs, sumMs: memoryMs + computeMs,
    ofSum: (memoryMs + computeMs) / ms, ofMemory: memoryMs / ms, regime: memoryMs >= computeMs ? 'memory' : 'compute', ...extra });
  const row = (G, dtype, T, impls) => ({ H: 32, G, d: 128, T, dtype, kind: G === 32 ? 'MHA' : G === 1 ? 'MQA' : 'GQA', impls });
  const rows = [
    // MHA f32: SIMD128 at 90 % of the sum, 81 % of the memory bound; relaxed 0.99x (slower): JS 25x, ort 2.7x (3.4x allowed)
    row(32, 'f32', 8192, { js: impl(1000, 0, 0), ort: impl(110, 0, 0), 'wasm-simd': impl(40, 32.4, 3.6), 'wasm-relaxed': impl(40.4, 32.4, 2.7, { vsSimd: 40 / 40.4 }),
      'native-v2': impl(30, 0, 0), 'native-fma': impl(32, 0, 0) }),
    // MQA f32: relaxed 1.3x SIMD128; JS only 18x possible (memory bound 1/18 of JS): forbidden
    row(1, 'f32', 8192, { js: impl(18, 0, 0), 'wasm-simd': impl(6.5, 1, 4), 'wasm-relaxed': impl(5, 1, 3, { vsSimd: 1.3 }), 'native-fma': impl(3, 0, 0) }),
    // too short to count
    row(1, 'f32', 512, { 'wasm-simd': impl(1, 1, 1) }),
  ];
  const t = countTargets(rows);
  assert.deepEqual(t.sum85, { simd: [1, 2], relaxed: [1, 2] });  // 36/40 = 90 %, 5/6.5 = 77 %; 35.1/40.4 = 87 %, 4/5 = 80 %
  assert.deepEqual(t.memory80, { simd: [1, 1], relaxed: [1, 1] });  // 32.4/40 = 81 %, 32.4/40.4 = 80.2 %
  assert.deepEqual(t.relaxedCompute, [1, 1]);
  assert.deepEqual(t.relaxedElsewhere, [0, 1]);
  assert.deepEqual(t.vsJs20x, [1, 1, 1]);
  assert.deepEqual(t.vsOrt3x, [0, 1, 0]);
  assert.deepEqual(t.vsNative128, [0, 1]);  // 40 > 1.3 · 30 = 39
  assert.deepEqual(t.vsNativeFma, [1, 2]);  // 40.4 <= 41.6; 5 > 3.9
  assert.equal(ratioCell(rows[1].impls.js, rows[1].impls['wasm-relaxed'], 20), '3.6× (bound 18.0×)');
  assert.equal(ratioCell(rows[0].impls.js, rows[0].impls['wasm-relaxed'], 20), '24.8×');
});
