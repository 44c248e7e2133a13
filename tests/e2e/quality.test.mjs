// The quality lab in headless Chromium: the conversion curve and table equal the core's
// conversionError (computed here in node), the slider recomputes it, training runs in a worker
// with progress and cancel, its numbers equal node's run of the same experiment, and the Q&A
// answer on MQA's downside shows the live training curves.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore } from 'gqa-playground';
import { startHarness } from './harness.mjs';

let h, core;
before(async () => { h = await startHarness(); core = await loadCore(); });
after(async () => { await h?.close(); });

const clean = { console: [], failed: [], foreign: [] };
const table = (page, id) => page.$$eval(`#${id} tbody tr`, (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));

test('quality lab: conversion error as the core computes it, training per G, uptraining, Q&A figure', async () => {
  const { page, context, problems } = await h.open('/#h=8&g=2');
  await page.waitForSelector('#conversion-table');
  const expect = (similarity) => core.conversionError({ similarity }).reverse()
    .map((p) => [String(p.nKvHeads), p.mean.toFixed(3), p.first.toFixed(3), p.random.toFixed(3)]);
  assert.deepEqual(await table(page, 'conversion-table'), expect(0.5));
  assert.equal(await page.getAttribute('#conversion-table tr[data-g="2"]', 'data-current'), '', 'the reader’s G is marked');
  assert.match(await page.textContent('#conversion-summary'), /^At similarity 0\.50, going to G = 2 moves the output by [\d.]+% with mean-pooling/);
  assert.equal(await page.locator('#quality-lab .line-chart .series').count(), 3);
  assert.equal(await page.locator('[data-figure="conversion"] svg').count(), 1, 'the conversion Q&A shows the live curve');

  await page.fill('#similarity', '0.8');
  await page.waitForFunction(() => document.querySelector('#conversion-summary')?.textContent.startsWith('At similarity 0.80'));
  assert.deepEqual(await table(page, 'conversion-table'), expect(0.8));

  // cancel part-way
  await page.click('#quality-train');
  await page.waitForFunction(() => document.querySelector('#quality-progress').value > 0, null, { timeout: 60000 });
  await page.click('#quality-cancel');
  assert.equal(await page.textContent('#quality-status'), 'Training cancelled.');
  assert.equal(await page.isEnabled('#quality-train'), true);
  assert.equal(await page.isVisible('#quality-progress'), false);

  // the whole experiment
  await page.click('#quality-train');
  await page.waitForSelector('#uptraining-table', { timeout: 240000 });
  const rows = await table(page, 'training-table');
  assert.deepEqual(rows.map((r) => r[0]), ['8', '4', '2', '1']);
  for (const [g, row] of [[8, rows[0]], [1, rows[3]]]) {
    const run = core.trainRecall({ nKvHeads: g, steps: 200, evalEvery: 20 });
    assert.equal(row[3], run.final.loss.toFixed(3), `G = ${g}: the browser's held-out loss equals node's`);
    assert.equal(row[4], `${(100 * run.final.accuracy).toFixed(1)}%`);
    assert.equal(row[1], `${2 * g * 8} numbers`);
  }
  const up = await table(page, 'uptraining-table');
  assert.deepEqual(up.map((r) => r[0]), ['4', '2', '1']);
  for (const r of up) for (const cell of r.slice(1)) assert.match(cell, /^\d+\.\d% \(\d+\.\d{3}\)$/);
  assert.match(await page.textContent('#quality-status'), /^MHA \(G = 8\) (reached 90% recall at step \d+|did not reach 90% recall)/);
  assert.equal(await page.getAttribute('[data-figure="quality"] svg', 'data-kind'), 'training', 'the MQA-downside answer shows the training curves');
  assert.equal(await page.locator('[data-figure="quality"] svg .series').count(), 4);
  assert.deepEqual(problems, clean);
  await context.close();
});
