// The npm package as a user gets it: `npm pack`, then `npm install <tarball>` (offline: it has no
// dependencies) into a fresh project; the core from node, the CLI through npx, and the published
// types checked with tsc against examples/typescript/usage.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
let tmp, project, packed;

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (r.error) throw r.error;
  return r;
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gqa-package-'));
  const pack = run('npm', ['pack', '--json', '--pack-destination', tmp], ROOT);
  assert.equal(pack.status, 0, pack.stderr);
  [packed] = JSON.parse(pack.stdout);
  project = join(tmp, 'study-site');
  await mkdir(project);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'study-site', private: true, type: 'module' }));
  const install = run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--cache', join(tmp, 'npm-cache'), join(tmp, packed.filename)], project);
  assert.equal(install.status, 0, install.stderr);
});
after(async () => { if (tmp) await rm(tmp, { recursive: true, force: true }); });

test('the tarball holds dist/ (core, the three .wasm, element, CLI), the types and the README, and no sources or build output', () => {
  const files = packed.files.map((f) => f.path);
  for (const f of ['dist/core/core.js', 'dist/core/gqa_core_relaxed.wasm', 'dist/core/gqa_core_simd.wasm', 'dist/core/gqa_core_scalar.wasm', 'dist/gqa-playground.js',
    'dist/app/generated/styles.js', 'dist/embed.html', 'dist/cli.mjs', 'index.d.ts', 'element.d.ts', 'README.md', 'package.json']) {
    assert.ok(files.includes(f), `${f} in the tarball`);
  }
  assert.deepEqual(files.filter((f) => /^(cpp|tests|build|scripts|web|node_modules)\//.test(f)), []);
  assert.ok(packed.size < 2 * 2 ** 20, `packed size ${packed.size}`);
});

test('node: import { loadCore } from "gqa-playground" in the fresh project computes against a formula', async () => {
  const script = join(project, 'check.mjs');
  await writeFile(script, `
    import { loadCore, CoreAbortedError } from 'gqa-playground';
    const core = await loadCore();
    const bytes = core.kvCacheBytes({ layers: 80, nKvHeads: 8, headDim: 128, tokens: 32768, batch: 4, dtype: 'f16' });
    // two query heads share one K/V head over two keys
    const r = core.attention({ q: new Float32Array([1, 0, 0, 1]), k: new Float32Array([1, 0, 0, 2]), v: new Float32Array([10, 0, 0, 10]),
      nHeads: 2, nKvHeads: 1, headDim: 2, returnWeights: true });
    let refused = '';
    try { core.kvCacheBytes({ layers: 0, nKvHeads: 1, headDim: 1, tokens: 1 }); } catch (e) { refused = e.name + ': ' + e.message; }
    console.log(JSON.stringify({ bytes, weights: Array.from(r.weights), variant: core.variant, refused, abortedIsError: new CoreAbortedError('x') instanceof Error }));
  `);
  const r = run(process.execPath, [script], project);
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.equal(got.bytes, 2 * 80 * 8 * 128 * 32768 * 4 * 2);
  const s = Math.SQRT1_2, row = (a, b) => [a / (a + b), b / (a + b)];
  const want = [...row(Math.exp(s), 1), ...row(1, Math.exp(2 * s))];
  got.weights.forEach((w, i) => assert.ok(Math.abs(w - want[i]) < 1e-6, `weight ${i}: ${w} vs ${want[i]}`));
  assert.equal(got.variant, 'simd');  // node 20 without --experimental-wasm-relaxed-simd
  assert.match(got.refused, /^RangeError: layers \(0\)/);
  assert.equal(got.abortedIsError, true);
});

test('the CLI through npx in the fresh project', () => {
  const r = run('npx', ['--no-install', 'gqa-playground', 'kv', 'llama-3.1-8b', '--tokens', '8192', '--batch', '2', '--json'], project);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.total, 2 * 32 * 8 * 128 * 8192 * 2 * 2);
  assert.equal(j.model.id, 'llama-3.1-8b');
  const bad = run('npx', ['--no-install', 'gqa-playground', 'kv', 'gemma-7b', '--tokens', 'abc'], project);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--tokens \("abc"\) must be a positive integer/);
});

test('the published types compile against examples/typescript/usage.ts, and reject wrong calls', async () => {
  assert.ok(existsSync(TSC), 'typescript is a devDependency (npm ci)');
  const source = await readFile(join(ROOT, 'examples', 'typescript', 'usage.ts'), 'utf8');
  await writeFile(join(project, 'usage.ts'), source);
  const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2022,dom'];
  const ok = run(process.execPath, [TSC, ...flags, 'usage.ts'], project);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  // without the @ts-expect-error lines the same file must fail, once per wrong call
  const expected = source.split('\n').filter((l) => l.includes('@ts-expect-error')).length;
  assert.ok(expected >= 4);
  await writeFile(join(project, 'wrong.ts'), source.split('\n').filter((l) => !l.includes('@ts-expect-error')).join('\n'));
  const wrong = run(process.execPath, [TSC, ...flags, 'wrong.ts'], project);
  assert.notEqual(wrong.status, 0);
  const errors = wrong.stdout.split('\n').filter((l) => /^wrong\.ts\(\d+,\d+\): error TS/.test(l));
  assert.equal(errors.length, expected, wrong.stdout);
});
