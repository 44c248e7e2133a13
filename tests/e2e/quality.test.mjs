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
  const summary = await page.textContent('#uptraining-summary');
  for (const r of up) assert.ok(summary.includes(`G = ${r[0]}: ${r[1].split(' ')[0]} → ${r[2].split(' ')[0]}`), summary);
  assert.match(summary, /\(chance is 1\.6%\)/);
  assert.match(await page.textContent('#quality-status'), /^MHA \(G = 8\) (reached 90% recall at step \d+|did not reach 90% recall)/);
  assert.equal(await page.getAttribute('[data-figure="quality"] svg', 'data-kind'), 'training', 'the MQA-downside answer shows the training curves');
  assert.equal(await page.locator('[data-figure="quality"] svg .series').count(), 4);
  // and its live line adds the trained models' recall at G = 8 and G = 1, as the table shows it
  const live = await page.textContent('#qa-4 .live');
  assert.ok(live.includes(`trained from scratch for 200 steps, recall is ${rows[0][4]} with G = 8 (MHA) and ${rows[3][4]} with G = 1 (MQA)`), live);
  assert.deepEqual(problems, clean);
  await context.close();
});

test('quality lab inside <gqa-playground> (shadow DOM), and without Web Workers', async () => {
  const context = await h.browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route(`${h.origin}/lab.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: `<!doctype html>
    <html lang="en"><head><title>lab</title><script type="module" src="/gqa-playground.js"></script></head><body>
    <gqa-playground id="lab" heads="8" kv-heads="4" sections="quality qa"></gqa-playground></body></html>` }));
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${h.origin}/lab.html`);
  const inLab = (sel) => `#lab >> ${sel}`;  // playwright's CSS pierces open shadow roots
  await page.waitForSelector(inLab('#conversion-table tbody tr'));
  const rows = await page.$$eval('#lab', ([e]) => [...e.shadowRoot.querySelectorAll('#conversion-table tbody tr')].map((r) => [...r.children].map((c) => c.textContent)));
  assert.deepEqual(rows, core.conversionError().reverse().map((p) => [String(p.nKvHeads), p.mean.toFixed(3), p.first.toFixed(3), p.random.toFixed(3)]));
  assert.equal(await page.$eval('#lab', (e) => e.shadowRoot.querySelector('#conversion-table tr[data-g="4"]').hasAttribute('data-current')), true);
  assert.equal(await page.$eval('#lab', (e) => e.shadowRoot.querySelectorAll('[data-figure] svg').length), 2, 'both quality answers show a live figure');
  assert.equal(await page.$eval('#lab', (e) => e.shadowRoot.querySelectorAll('.walk, #cache-view').length), 0, 'only the sections asked for');

  // without workers: the curve is computed on the main thread; training says what it needs
  const bare = await context.newPage();
  await bare.addInitScript(() => { delete window.Worker; });
  bare.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await bare.goto(`${h.origin}/#h=8&g=1`);
  await bare.waitForSelector('#conversion-table tbody tr');
  assert.deepEqual(await table(bare, 'conversion-table'), core.conversionError().reverse().map((p) => [String(p.nKvHeads), p.mean.toFixed(3), p.first.toFixed(3), p.random.toFixed(3)]));
  await bare.click('#quality-train');
  assert.match(await bare.textContent('#quality-status'), /^Training needs a Web Worker, which this embedding does not allow/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('load sweep on a 390 px phone: cancel, then the whole default sweep on every core; chart, table, sentences and heatmaps agree', async () => {
  const { page, context, problems } = await h.open('/#h=8&g=1', { viewport: { width: 390, height: 844 } });
  await page.waitForSelector('#conversion-table');
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  assert.match(await page.textContent('#sweep-status'), new RegExp(`on ${Math.min(cores, 16)} workers? \\(one per core`));
  assert.match(await page.textContent('#qa-4 .live'), /run it to see it here\.$/, 'before the sweep the MQA answer says what will measure the gap');

  await page.click('#sweep-run');
  await page.waitForFunction(() => document.querySelector('#sweep-progress').value > 0, null, { timeout: 120000 });
  await page.click('#sweep-cancel');
  assert.equal(await page.textContent('#sweep-status'), 'Sweep cancelled.');
  assert.equal(await page.isEnabled('#sweep-run'), true);
  assert.equal(await page.isVisible('#sweep-progress'), false);
  assert.equal(await page.locator('#sweep-table').count(), 0);

  const started = Date.now();
  await page.click('#sweep-run');
  await page.waitForSelector('#sweep-table', { timeout: 600000 });
  console.log(`# the default load sweep (16 models) in Chromium on ${cores} cores: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.match(await page.textContent('#sweep-status'), /^16 models trained in [\d.]+ s on \d+ workers\.$/);

  // the table, the chart's points and the sentence are the same numbers
  const rows = await table(page, 'sweep-table');
  assert.deepEqual(rows.map((r) => r[0]), ['16', '32', '48', '64']);
  const header = await page.$$eval('#sweep-table thead th', (ths) => ths.map((t) => t.textContent));
  assert.deepEqual(header, ['pairs', 'G = 8', 'G = 4', 'G = 2', 'G = 1', 'G = 8 − G = 1']);
  const series = await page.$$eval('.quality-sweep .line-chart .series', (gs) => gs.map((g) => [g.dataset.series, JSON.parse(g.dataset.points)]));
  assert.deepEqual(series.map((s) => s[0]), ['G = 8 (MHA)', 'G = 4', 'G = 2', 'G = 1 (MQA)']);
  series.forEach(([, points], col) => points.forEach(([pairs, accuracy], i) => {
    assert.equal(pairs, Number(rows[i][0]));
    assert.equal(`${(100 * accuracy).toFixed(1)}%`, rows[i][col + 1]);
  }));
  const at = (pairs, g) => series[[8, 4, 2, 1].indexOf(g)][1].find((p) => p[0] === pairs)[1];
  const gap = (pairs) => at(pairs, 8) - at(pairs, 1);
  const pts = (x) => (Math.round(1000 * x) / 10 || 0).toFixed(1);
  const summary = await page.textContent('#sweep-summary');
  assert.ok(summary.startsWith(`At 64 pairs, G = 8 (MHA) recalls ${rows[3][1]} of the held-out queries and G = 1 (MQA) ${rows[3][4]}: ` +
    `${pts(gap(64))} points apart; at 16 pairs the gap is ${pts(gap(16))} points. `), summary);
  assert.equal(rows[3][5], `${pts(gap(64))} points`);
  const widens = [16, 32, 48, 64].every((p, i, all) => i === 0 || gap(p) >= gap(all[i - 1]));
  assert.equal(summary.includes('The gap widens with every step up in load'), widens && gap(64) > gap(16), summary);
  assert.equal(summary.includes('does not show the expected ordering'), gap(64) <= gap(16), summary);
  // the hardest load's two end cells, trained again in node: the same numbers as the browser's
  for (const [g, col] of [[8, 1], [1, 4]]) {
    const t = core.createSweepTrainer({ pairs: 64, nKvHeads: g });
    t.train(core.info.recallSweep.steps);
    assert.equal(rows[3][col], `${(100 * t.evaluate().accuracy).toFixed(1)}%`, `G = ${g} at 64 pairs`);
    t.delete();
  }

  // the MQA answer: the sweep's gap as its live line, the sweep's chart as its figure
  const live = await page.textContent('#qa-4 .live');
  assert.ok(live.includes(`at 64 pairs per sequence, held-out recall is ${rows[3][1]} with G = 8 (MHA) and ${rows[3][4]} with G = 1 (MQA), ` +
    `a gap of ${pts(gap(64))} points (${pts(gap(16))} points at 16 pairs)`), live);
  assert.equal(await page.getAttribute('[data-figure="quality"] svg', 'data-kind'), 'sweep');

  // what the heads attend to: G = 8 and G = 1 side by side, 8 heads each, hits as the sentence counts them
  const panels = await page.$$eval('.recall-panel', (ps) => ps.map((p) => ({ g: p.dataset.g,
    hits: [...p.querySelectorAll('.recall-head')].map((f) => Number(f.dataset.hits)), maps: p.querySelectorAll('svg.recall-map').length })));
  assert.deepEqual(panels.map((p) => [p.g, p.maps]), [['8', 8], ['1', 8]]);
  const said = await page.textContent('#attention-summary');
  for (const p of panels) {
    const sum = p.hits.reduce((a, b) => a + b, 0);
    assert.ok(said.includes(`G = ${p.g} (${p.g === '8' ? 'MHA' : 'MQA'}): its heads put their largest weight on the asked pair`), said);
    assert.ok(said.includes(`(${sum} of 128 in this sequence)`), `${said} / ${sum}`);
  }
  const boxes = await page.$$eval('.recall-panel', (ps) => ps.map((p) => p.getBoundingClientRect()).map((r) => [r.left, r.top, r.width]));
  assert.equal(boxes[0][1], boxes[1][1], 'side by side at 390 px');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'nothing wider than the phone');
  await page.selectOption('#attention-load', '16');
  assert.equal(await page.$eval('.recall-panel svg.recall-map', (s) => s.getAttribute('viewBox')), '0 0 32 16', '16 pairs + 16 queries');
  await page.locator('#quality-lab .quality-attention').screenshot({ path: new URL('../../test-output/quality-attention-390.png', import.meta.url).pathname });
  assert.deepEqual(problems, clean);
  await context.close();
});
