// The command-line calculator: output, JSON and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../dist/cli.mjs', import.meta.url));
const run = (...args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

test('kv prints per token, per sequence and total with MHA/MQA what-ifs', () => {
  const r = run('kv', 'llama-3.1-70b', '--tokens', '8192', '--batch', '8', '--dtype', 'f16');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /as published \(GQA, G = 8\)\s+320 KiB\s+2\.50 GiB\s+20 GiB\s+8×/);
  assert.match(r.stdout, /MHA \(G = 64\)\s+2\.50 MiB\s+20 GiB\s+160 GiB\s+1×/);
  assert.match(r.stdout, /MQA \(G = 1\)\s+40 KiB\s+320 MiB\s+2\.50 GiB\s+64×/);
});

test('kv deepseek-v3: the MLA latent against its MHA baseline, the same figures as modelKvCache and solveBudget', () => {
  const r = run('kv', 'deepseek-v3', '--tokens', '8192', '--device', 'h200');
  assert.equal(r.status, 0, r.stderr);
  // latent 61 × 576 × 2 B = 70,272 B = 68.6 KiB per token; baseline 61 × 128 × (192 + 128) × 2 B = 4,997,120 B = 4.77 MiB
  assert.match(r.stdout, /one MLA latent of 576 per token per layer \(kv_lora_rank 512 \+ qk_rope_head_dim 64; per head: keys 128 \+ 64, values 128\)/);
  assert.match(r.stdout, /MHA baseline \(G = 128, K 128\+64, V 128\)\s+4\.77 MiB\s+38\.1 GiB\s+38\.1 GiB\s+1×/);
  assert.match(r.stdout, /as published \(MLA latent\)\s+68\.6 KiB\s+549 MiB\s+549 MiB\s+71\.1×/);
  assert.doesNotMatch(r.stdout, /MQA/);
  const j = JSON.parse(run('kv', 'deepseek-v3', '--tokens', '8192', '--device', 'h200', '--json').stdout);
  assert.deepEqual(j.variants.map((v) => [v.row, v.perToken]), [['mha', 4997120], ['published', 70272]]);
  assert.deepEqual(j.solver.variants.map((v) => [v.row, v.kvBytesPerToken]), [['mha', 4997120], ['published', 70272]]);
  assert.equal(j.perToken, 70272);
});

test('--device adds the solver, --kv-heads a what-if, --json is exact', () => {
  const r = run('kv', 'llama-3.1-8b', '--tokens', '8192', '--batch', '8', '--device', 'h100-80gb', '--kv-heads', '4', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.total, 2 * 32 * 4 * 128 * 8192 * 8 * 2);
  assert.deepEqual(j.variants.map((v) => v.nKvHeads), [32, 8, 4, 1]);
  assert.equal(j.solver.device.id, 'h100-80gb');
  assert.equal(j.solver.nKvHeads, 4);
  const text = run('kv', 'llama-3.1-405b', '--device', 'rtx-4090');
  assert.match(text.stdout, /the weights alone \(812 GB\) do not fit in the usable 21\.6 GB/);
});

test('--list prints both catalogs', () => {
  const r = run('--list');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^gemma-7b\s+MHA\s+28\s+F\s+16\s+16\s+256\s+8192\s+8\.54 B\s+448 KiB$/m);
  assert.match(r.stdout, /^gemma-3-27b\s+GQA\s+62\s+SSSSSF\s+32\s+16\s+128\s+131072\s/m);
  assert.match(r.stdout, /^h100-80gb\s+NVIDIA H100 SXM 80 GB\s+80 GB\s+3350 GB\/s$/m);
});

test('bad input: one line on stderr and exit status 2', () => {
  const cases = [
    [['kv', 'llama-3-70b'], /^gqa-playground: model \("llama-3-70b"\) is not in the catalog; closest: .*llama-3\.1-70b/],
    [['kv', 'gemma-7b', '--bogus'], /^gqa-playground: unknown flag --bogus \(see --help\)$/],
    [['kv', 'gemma-7b', '--tokens', 'abc'], /^gqa-playground: --tokens \("abc"\) must be a positive integer$/],
    [['kv', 'gemma-7b', '--tokens'], /^gqa-playground: flag --tokens needs a value/],
    [['kv', 'gemma-7b', '--dtype', 'q3'], /dtype \("q3"\) must be one of/],
    [['kv', 'gemma-7b', '--kv-heads', '3'], /nKvHeads \(3\) must divide gemma-7b's 16 query heads/],
    [['kv'], /kv needs a model id/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['kv', 'gpt-2', '--device', 'tpu'], /device \("tpu"\) is not in the catalog/],
  ];
  for (const [args, pattern] of cases) {
    const r = run(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, args.join(' '));
    assert.match(r.stderr.trim(), pattern);
  }
});

test('kv --config: a config.json sized layer by layer, as the catalog model of the same config', () => {
  const config = fileURLToPath(new URL('../fixtures/configs/gemma-3-12b.json', import.meta.url));
  const r = run('kv', '--config', config, '--tokens', '131072');
  assert.equal(r.status, 0, r.stderr);
  // 8 global layers keep 131072 tokens, 40 sliding keep 1024: 2·8·256·2 B per layer per token
  assert.match(r.stdout, /layers by kind at 131072 tokens \(pattern SSSSSF, repeated from layer 0\):/);
  assert.match(r.stdout, /full\s+8 layers, each keeps 131072 tokens: 8 GiB per sequence/);
  assert.match(r.stdout, /sliding\s+40 layers, each keeps 1024 tokens \(window 1024\): 320 MiB per sequence/);
  assert.match(r.stdout, /a uniform formula \(every layer keeps every token\) would say 48 GiB per sequence, 5\.77× the real 8\.31 GiB/);
  const j = JSON.parse(run('kv', '--config', config, '--tokens', '131072', '--json').stdout);
  const k = JSON.parse(run('kv', 'gemma-3-12b', '--tokens', '131072', '--json').stdout);
  assert.deepEqual([j.perSequence, j.total, j.byKind], [k.perSequence, k.total, k.byKind]);
  const solved = run('kv', '--config', config, '--device', 'h100-80gb', '--params', '11.77e9', '--json');
  assert.equal(solved.status, 0, solved.stderr);
  assert.equal(JSON.parse(solved.stdout).solver.maxContext, JSON.parse(run('kv', 'gemma-3-12b', '--device', 'h100-80gb', '--json').stdout).solver.maxContext);
});

test('kv --config: unreadable, hostile or misused configs are one line on stderr, exit status 2', () => {
  const hostile = fileURLToPath(new URL('../fixtures/configs/SOURCES.md', import.meta.url));
  const config = fileURLToPath(new URL('../fixtures/configs/phi-4.json', import.meta.url));
  const cases = [
    [['kv', '--config', '/nonexistent/config.json'], /^gqa-playground: --config "\/nonexistent\/config\.json" cannot be read: ENOENT$/],
    [['kv', '--config', hostile], /^gqa-playground: config is not valid JSON at byte 0 \(line 1, column 1\): expected a value/],
    [['kv', 'phi-4', '--config', config], /give a model id or --config, not both/],
    [['kv', '--config', config, '--device', 'h100-80gb'], /params \(0\) of config-phi3 is unknown/],
    [['kv', 'phi-4', '--params', '14e9'], /--params goes with --config/],
  ];
  for (const [args, pattern] of cases) {
    const r = run(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr.trim(), pattern, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});

test('quality runs the page\'s experiment headless: the same numbers as the API', async () => {
  const { loadCore } = await import('gqa-playground');
  const core = await loadCore();
  const r = run('quality', '--steps', '20', '--seed', '3', '--similarity', '0.7', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.conversion, core.conversionError({ similarity: 0.7, seed: 3 }));
  assert.deepEqual(j.runs.map((x) => x.nKvHeads), [8, 4, 2, 1]);
  const mqa = core.trainRecall({ nKvHeads: 1, steps: 20, seed: 3, evalEvery: 2 });
  assert.deepEqual(j.runs[3].losses, Array.from(mqa.losses));
  assert.deepEqual(j.runs[3].final, mqa.final);
  assert.equal(j.uptrainSteps, 1);
  assert.deepEqual(j.uptrain.map((u) => u.nKvHeads), [4, 2, 1]);
  const text = run('quality', '--steps', '10');
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^conversion of a synthetic 8-head layer \(similarity 0\.5\)/);
  assert.match(text.stdout, /associative recall, 10 steps per model, seed 1/);
  const bad = run('quality', '--similarity', '2');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /similarity \(2\) must be a number from 0 to 1/);
});

test('quality --sweep prints the load sweep\'s table, the same numbers as core.recallSweep', async () => {
  const { loadCore } = await import('gqa-playground');
  const core = await loadCore();
  const want = core.recallSweep({ loads: [16, 24], nKvHeads: [8, 2, 1], steps: 3, seed: 2 });
  const j = run('quality', '--sweep', '--loads', '16,24', '--kv-heads', '8,2,1', '--steps', '3', '--seed', '2', '--json');
  assert.equal(j.status, 0, j.stderr);
  const parsed = JSON.parse(j.stdout);
  assert.deepEqual(parsed.rows, want.rows);
  assert.deepEqual(parsed.settings, JSON.parse(JSON.stringify(core.info.recallSweep)));
  const text = run('quality', '--sweep', '--loads', '16,24', '--kv-heads', '8,2,1', '--steps', '3', '--seed', '2');
  assert.equal(text.status, 0, text.stderr);
  const lines = text.stdout.trim().split('\n');
  assert.match(lines[0], /^load sweep: held-out recall after 3 steps per model, seed 2 \(d_model 64, 8 query heads of 4, 16 queries per sequence/);
  assert.deepEqual(lines[1].split(/\s{2,}/), ['pairs', 'G = 8', 'G = 2', 'G = 1', 'G = 8 − G = 1']);
  const pct = (x) => `${(100 * x).toFixed(1)}%`;
  for (const [k, pairs] of [[3, 16], [4, 24]]) {
    const row = (g) => want.rows.find((r) => r.pairs === pairs && r.nKvHeads === g);
    const gap = (Math.round(1000 * (row(8).accuracy - row(1).accuracy)) / 10 || 0).toFixed(1);
    assert.deepEqual(lines[k].trim().split(/\s{2,}/), [String(pairs), pct(row(8).accuracy), pct(row(2).accuracy), pct(row(1).accuracy), `${gap} points`]);
  }
  for (const [args, pattern] of [
    [['quality', '--sweep', '--loads', '8'], /^gqa-playground: loads\[0\] \(8\) must be an integer from 16 to 64$/],
    [['quality', '--sweep', '--kv-heads', '3'], /^gqa-playground: nKvHeads\[0\] \(3\) must divide nHeads \(8\)/],
    [['quality', '--sweep', '--loads', '16,x'], /^gqa-playground: --loads \("x"\) must be a positive integer$/],
    [['quality', '--sweep', '--similarity', '0.3'], /^gqa-playground: --similarity belongs to the conversion experiment, not to --sweep$/],
    [['quality', '--loads', '16'], /^gqa-playground: --loads belongs to --sweep$/],
  ]) {
    const r = run(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr.trim(), pattern);
  }
});
