// The benchmark's code paths at --quick sizes: every implementation it times must return the
// output of an independent float64 reference, so a fast wrong kernel cannot win.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stepInputs } from '../../web/lib/bench-data.js';
import { referenceAttention } from './reference.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('npm run bench --quick: every implementation matches the float64 reference', () => {
  const text = execFileSync(process.execPath, ['scripts/bench.mjs', '--quick', '--json', '--outputs'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const result = JSON.parse(text);
  assert.ok(result.rows.length >= 9);
  const expected = ['wasm-scalar', 'wasm-simd'];
  if (existsSync(`${root}build/bench/gqa_bench_v2`)) expected.push('native-v2', 'native-native');
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
    }
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
  for (const p of result.parallel) {
    if (p.skipped) { assert.ok(p.mode === 'heads' && p.workers > p.G); continue; }
    const input = stepInputs({ H: result.H, G: p.G, d: p.d, T: p.T });
    const ref = referenceAttention({ ...input, nHeads: result.H, nKvHeads: p.G, headDim: p.d });
    let err = 0;
    for (let i = 0; i < p.out.length; i++) err = Math.max(err, Math.abs(p.out[i] - ref.out[i]));
    assert.ok(err <= 2e-5, `parallel ${p.mode} x${p.workers} G=${p.G}: ${err}`);
  }
  assert.ok(result.parallel.some((p) => p.G === 1 && p.mode === 'T' && p.workers === 4 && !p.skipped));
  assert.ok(result.probes.wasm.bytesPerSecond > 0 && result.probes.wasm.maddsPerSecond > 0);
});
