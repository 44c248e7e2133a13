// The budget solver as models are served (tensor parallelism, paged blocks, a shared prefix)
// through the JS API and the CLI, against arithmetic done here from the published configs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadCore } from 'gqa-playground';

const core = await loadCore();
const CLI = fileURLToPath(new URL('../../dist/cli.mjs', import.meta.url));
const run = (...args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

test('Llama-3.1-70B on 4 × H100 at bf16: weights / 4 and 2 of 8 K/V heads on each device', () => {
  assert.ok(core.devices().some((d) => d.id === 'h100-80gb'));
  const one = core.solveBudget({ model: 'llama-3.1-70b', device: 'h100-80gb', weightDtype: 'bf16' });
  assert.equal(one.weightsFit, false, '141.2 GB of weights on one 80 GB device');
  const r = core.solveBudget({ model: 'llama-3.1-70b', device: 'h100-80gb', weightDtype: 'bf16', gpus: 4, tokens: 8192 });
  const weights = 70.6e9 * 2 / 4, perToken = 2 * 80 * 2 * 128 * 2, budget = 80e9 * 0.9 - weights;
  assert.equal(r.gpus, 4);
  assert.equal(r.weightBytes, weights);
  assert.equal(r.kvHeadsPerDevice, 2);
  assert.equal(r.kvReplication, 1);
  assert.equal(r.kvBytesPerToken, perToken);
  assert.equal(r.weightsFit, true);
  assert.equal(r.maxContext, 131072);
  assert.equal(r.maxBatch, Math.floor(budget / (perToken * 8192)));
  // the what-ifs split too: MHA's 64 heads are 16 per device, MQA's one head is on all four
  assert.deepEqual(r.variants.map((v) => [v.nKvHeads, v.kvHeadsPerDevice, v.kvReplication]), [[64, 16, 1], [8, 2, 1], [1, 1, 4]]);
  assert.throws(() => core.solveBudget({ model: 'llama-3.1-70b', device: 'h100-80gb', gpus: 3 }),
    /gpus \(3\) must divide llama-3\.1-70b's nKvHeads \(8\) or be a multiple of it/);
  assert.throws(() => core.solveBudget({ model: 'llama-3.1-70b', device: 'h100-80gb', gpus: 2.5 }), /gpus \(2\.5\) must be an integer/);
  assert.throws(() => core.solveBudget({ model: 'llama-3.1-70b', device: 'h100-80gb', gpus: 0 }), /gpus \(0\) must be an integer from 1 to 4096/);
});

test('an MLA latent is replicated on every device', () => {
  const r = core.solveBudget({ model: 'deepseek-v3', device: 'h200', weightDtype: 'fp8', gpus: 8 });
  assert.equal(r.weightBytes, 671e9 / 8);
  assert.equal(r.kvBytesPerToken, 61 * 576 * 2);
  assert.equal(r.kvReplication, 8);
  // its MHA baseline's 128 heads split 16 per device
  assert.equal(r.variants.find((v) => v.row === 'mha').kvBytesPerToken, 61 * 16 * (192 + 128) * 2);
});

test('paged KV: 16-token blocks by default, the waste shown; a shared prefix stored once', () => {
  const perToken = 2 * 32 * 8 * 128 * 2;
  const r = core.solveBudget({ model: 'llama-3.1-8b', device: 'h100-80gb', tokens: 1000, batch: 4 });
  assert.equal(r.blockTokens, 16);
  assert.equal(core.info.defaultBlockTokens, 16);
  assert.equal(r.kvBytesPerSequence, 1008 * perToken);
  assert.equal(r.pagedWasteBytes, 4 * 8 * perToken);
  const s = core.solveBudget({ model: 'llama-3.1-8b', device: 'h100-80gb', tokens: 1000, batch: 4, sharedPrefix: 600 });
  assert.equal(s.sharedPrefixBytes, 592 * perToken);  // 37 whole blocks; the prefix's last 8 tokens are each sequence's
  assert.equal(s.requestKvBytes, (592 + 4 * 416) * perToken);
  assert.equal(s.requestExactKvBytes, (600 + 4 * 400) * perToken);
  assert.equal(s.unsharedKvBytes, 4 * 1000 * perToken);
  const exact = core.solveBudget({ model: 'llama-3.1-8b', device: 'h100-80gb', tokens: 1000, batch: 4, blockTokens: 1 });
  assert.equal(exact.pagedWasteBytes, 0);
  assert.throws(() => core.solveBudget({ model: 'llama-3.1-8b', device: 'h100-80gb', tokens: 1000, sharedPrefix: 1001 }),
    /sharedPrefix \(1001\) must be an integer from 0 to 1000/);
  assert.throws(() => core.solveBudget({ model: 'llama-3.1-8b', device: 'h100-80gb', blockTokens: '16' }), /blockTokens \("16"\) must be an integer/);
});

test('CLI: --gpus, --block and --shared-prefix', () => {
  const r = run('kv', 'llama-3.1-70b', '--device', 'h100-80gb', '--gpus', '4', '--weight-dtype', 'bf16', '--tokens', '8192');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /budget on 4 × NVIDIA H100 SXM 80 GB: bf16 weights 35\.3 GB each/);
  assert.match(r.stdout, /tensor parallel: 2 of 8 K\/V heads per device \(80 KiB per token on each\)/);
  const j = JSON.parse(run('kv', 'llama-3.1-70b', '--device', 'h100-80gb', '--gpus', '4', '--weight-dtype', 'bf16', '--json').stdout);
  assert.equal(j.solver.weightBytes, 70.6e9 * 2 / 4);
  assert.equal(j.solver.kvHeadsPerDevice, 2);
  const ds = run('kv', 'deepseek-v3', '--device', 'h200', '--gpus', '8', '--weight-dtype', 'fp8');
  assert.match(ds.stdout, /the MLA latent is replicated on all 8 devices \(68\.6 KiB per token on each\)/);
  const p = run('kv', 'llama-3.1-8b', '--device', 'h100-80gb', '--tokens', '1000', '--batch', '4', '--shared-prefix', '600');
  assert.match(p.stdout, /in 16-token blocks \(waste 7 MiB over the exact 275 MiB\); the 600-token prefix stored once \(74 MiB\)/);
  const bad = run('kv', 'llama-3.1-70b', '--device', 'h100-80gb', '--gpus', '3');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /gpus \(3\) must divide llama-3\.1-70b's nKvHeads \(8\)/);
});
