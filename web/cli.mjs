#!/usr/bin/env node
// cli.mjs - the KV-cache calculator and the quality lab on the command line, computed by the same
// core as the page.
//   npx gqa-playground kv llama-3.1-70b --tokens 8192 --batch 8 --dtype f16 [--device h100-80gb --gpus 4]
//   npx gqa-playground kv --config path/config.json --tokens 131072
//   npx gqa-playground quality [--steps 200] [--seed 1] [--similarity 0.5]
//   npx gqa-playground quality --sweep [--loads 16,32,48,64] [--kv-heads 8,4,2,1] [--steps 200] [--seed 1]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadCore, CONVERSION_DEFAULTS, MEMORY_DTYPES, RECALL_SWEEP, closestIds } from './core/core.js';
import { formatBytes, formatCount, formatDecimalBytes, formatFactor, formatPercent, formatSeconds, textTable } from './lib/format.js';
import { QUALITY_EXPERIMENT, RECALL_THRESHOLD, runQualityExperiment, schedule, sweepTable } from './lib/quality-experiment.js';

const USAGE = `usage: gqa-playground kv MODEL [options]     KV cache of a catalog model, with MHA/MQA what-ifs
       gqa-playground kv --config FILE [options]  ... of the model a Hugging Face config.json describes
       gqa-playground quality [options]      what sharing K/V costs: conversion error, recall per G
       gqa-playground --list                 the model and device catalogs

options for kv:
  --tokens N         tokens per sequence (default: min(context, 8192))
  --batch N          sequences (default 1)
  --dtype T          cache dtype: ${MEMORY_DTYPES.join(', ')} (default f16)
  --kv-heads N       what-if: this many K/V heads (must divide the query heads)
  --config FILE      a config.json instead of a catalog id (its layer layout read as the model does)
  --params N         with --config and a device: the parameter count (a config.json states none)
  --device ID        add the budget solver for this accelerator (see --list)
  --memory-gb X      ... or a custom accelerator: memory in GB
  --bandwidth-gbs X  ... and its memory bandwidth in GB/s
  --weight-dtype T   weights for the solver: bf16, fp8, int4, ... (default f16)
  --gpus N           tensor-parallel devices: weights / N each, K/V heads G / N (copied past G),
                     an MLA latent on every one (default 1)
  --block N          paged KV block in tokens; each sequence rounds up to whole blocks (default 16)
  --shared-prefix N  tokens every sequence shares (a system prompt), stored once (default 0)
  --reserve F        fraction of memory kept free (default 0.1)

options for quality (the page's experiment, G = ${QUALITY_EXPERIMENT.gs.join(', ')}):
  --steps N          training steps per model (default ${QUALITY_EXPERIMENT.steps}; uptraining takes 5% more)
  --seed N           seed of the weights and data (default ${QUALITY_EXPERIMENT.seed})
  --similarity S     how alike the synthetic layer's heads are, 0 to 1 (default ${CONVERSION_DEFAULTS.similarity})
  --sweep            the load sweep instead: one model per load and G, final held-out recall
                     (head_dim ${RECALL_SWEEP.headDim}, ${RECALL_SWEEP.queries} queries per sequence; --steps and --seed apply)
  --loads L          the sweep's loads, pairs per sequence (default ${RECALL_SWEEP.loads.join(',')})
  --kv-heads L       the sweep's G (default every divisor of ${RECALL_SWEEP.nHeads})

  --json             machine-readable output
  --help             this text`;

class UsageError extends Error {}

function integerFlag(name, value) {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value)) throw new UsageError(`--${name} (${JSON.stringify(value)}) must be a positive integer`);
  return Number(value);
}

function numberFlag(name, value) {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x)) throw new UsageError(`--${name} (${JSON.stringify(value)}) must be a number`);
  return x;
}

function listCatalog(core, json) {
  const models = core.models(), devices = core.devices();
  if (json) return JSON.stringify({ models, devices }, null, 2);
  const m = textTable(['id', 'attention', 'layers', 'pattern', 'H', 'G', 'head_dim', 'context', 'params', 'KV/token (f16)'],
    models.map((x) => [x.id, x.attention, x.layers, x.layerPattern, x.nHeads, x.nKvHeads, x.headDim, x.maxContext, formatCount(x.params),
      formatBytes(core.modelKvCache({ model: x.id, tokens: 1 }).perToken)]));
  const d = textTable(['device', 'name', 'memory', 'bandwidth'], devices.map((x) => [x.id, x.name, `${x.memoryGB} GB`, `${x.bandwidthGBs} GB/s`]));
  return `models\n${m}\n\ndevices\n${d}`;
}

/** The model --config names: its file read and handed to the core, which checks every field. */
function configModel(core, values) {
  let text;
  try {
    text = readFileSync(values.config, 'utf8');
  } catch (err) {
    throw new UsageError(`--config ${JSON.stringify(values.config)} cannot be read: ${err.code ?? err.message}`);
  }
  const params = numberFlag('params', values.params);
  return core.modelFromConfig(text, params === undefined ? {} : { params });
}

/** One line per layer kind: how many layers, what each keeps, its share of a sequence's cache. */
function layoutLines(kv) {
  const m = kv.model;
  if (m.layout.length === 1 && m.layout[0].kind !== 'sliding' && m.layout[0].kind !== 'chunked') return [];
  const lines = ['', `layers by kind at ${kv.tokens} tokens (pattern ${m.layerPattern}, repeated from layer 0):`];
  for (const [i, g] of m.layout.entries()) {
    const k = kv.byKind[i];
    const keeps = g.kind === 'linear' ? `a fixed state of ${g.stateElements} numbers`
      : `${k.cachedTokens} tokens${g.window ? ` (window ${g.window})` : g.chunk ? ` (chunk ${g.chunk})` : ''}`;
    lines.push(`  ${g.kind.padEnd(8)} ${String(g.layers).padStart(4)} layers, each keeps ${keeps}: ${formatBytes(k.perSequence)} per sequence`);
  }
  if (kv.uncapped.total !== kv.total) {
    lines.push(`a uniform formula (every layer keeps every token) would say ${formatBytes(kv.uncapped.perSequence)} per sequence, ` +
      `${formatFactor(kv.uncapped.total / kv.total)} the real ${formatBytes(kv.perSequence)}`);
  }
  return lines;
}

function kvReport(core, values, id) {
  const tokensFlag = integerFlag('tokens', values.tokens);
  const model = values.config !== undefined ? configModel(core, values) : core.model(id);
  const tokens = tokensFlag ?? Math.min(model.maxContext, 8192);
  const args = { model: values.config !== undefined ? model : id, tokens, batch: integerFlag('batch', values.batch) ?? 1, dtype: values.dtype ?? 'f16' };
  const kvHeads = integerFlag('kv-heads', values['kv-heads']);
  if (kvHeads !== undefined) args.nKvHeads = kvHeads;
  const kv = core.modelKvCache(args);
  let solver;
  const custom = values['memory-gb'] !== undefined || values['bandwidth-gbs'] !== undefined;
  if (values.device !== undefined || custom) {
    const s = { model: args.model, tokens, batch: args.batch, kvDtype: args.dtype, weightDtype: values['weight-dtype'] ?? 'f16',
      reserve: numberFlag('reserve', values.reserve) ?? 0.1, gpus: integerFlag('gpus', values.gpus),
      blockTokens: integerFlag('block', values.block), sharedPrefix: integerFlag('shared-prefix', values['shared-prefix']) };
    if (args.nKvHeads !== undefined) s.nKvHeads = args.nKvHeads;
    if (custom) { s.memoryGB = numberFlag('memory-gb', values['memory-gb']); s.bandwidthGBs = numberFlag('bandwidth-gbs', values['bandwidth-gbs']); }
    else s.device = values.device;
    solver = core.solveBudget(s);
  }
  if (values.json) return JSON.stringify(solver ? { ...kv, solver } : kv, null, 2);

  const m = kv.model;
  const out = [];
  out.push(`${m.name} (${m.id}): ${m.layers} layers, ${m.nHeads} query heads, ` + (m.mla
    ? `one MLA latent of ${m.headDim} per token per layer (kv_lora_rank ${m.mla.kvLoraRank} + qk_rope_head_dim ${m.mla.qkRopeHeadDim}; ` +
      `per head: keys ${m.mla.qkNopeHeadDim} + ${m.mla.qkRopeHeadDim}, values ${m.mla.vHeadDim}), context ${m.maxContext}`
    : `${m.nKvHeads} KV heads (${m.attention}), head_dim ${m.headDim}, context ${m.maxContext}`));
  out.push(`KV cache in ${kv.dtype}, ${kv.tokens} tokens × batch ${kv.batch}` +
    (kv.cachedTokens < kv.tokens ? ` (sliding window: ${kv.cachedTokens} tokens cached per sequence)` : ''));
  out.push(...layoutLines(kv));
  out.push('');
  out.push(textTable(['variant', 'per token', 'per sequence', 'total', 'vs MHA'], kv.variants.map((v) => [
    v.label, formatBytes(v.perToken), formatBytes(v.total / kv.batch), formatBytes(v.total), formatFactor(v.reductionVsMha)])));
  if (kv.cachedTokens < kv.tokens && m.layout.length === 1) {
    out.push('', `without the window cap: ${formatBytes(kv.uncapped.perSequence)} per sequence, ${formatBytes(kv.uncapped.total)} in all`);
  }
  if (solver) {
    const each = solver.gpus > 1 ? ' each' : '';
    out.push('', `budget on ${solver.gpus > 1 ? `${solver.gpus} × ` : ''}${solver.device.name}: ${solver.weightDtype} weights ` +
      `${formatDecimalBytes(solver.weightBytes)}${each}, ${Math.round(solver.reserve * 100)}% reserved, ` +
      `${formatDecimalBytes(Math.max(0, solver.kvBudgetBytes))}${each} left for the cache`);
    if (solver.gpus > 1) out.push(tensorParallelLine(m, solver));
    out.push(servedLine(solver));
    if (!solver.weightsFit) {
      out.push(`the weights alone (${formatDecimalBytes(solver.weightBytes)}) do not fit in the usable ${formatDecimalBytes(solver.usableBytes)}`);
    }
    out.push('');
    out.push(textTable(['variant', `max context @ batch ${solver.batch}`, `max batch @ ${solver.tokens}`, 'fits?', 'tok/s per seq', 'tok/s total', 'step'],
      solver.variants.map((v) => (v.refused ? [v.label, '—', '—', '—', '—', '—', '—'] : [v.label,
        v.maxContext + (v.maxContextMemoryBound ? '' : ' (model limit)'), v.maxBatch, v.requestFits ? 'yes' : 'no',
        ...(v.weightsFit ? [v.tokensPerSecond.toFixed(1), v.aggregateTokensPerSecond.toFixed(1), formatSeconds(v.stepSeconds)] : ['—', '—', '—'])]))));
    for (const v of solver.variants.filter((x) => x.refused)) out.push(`${v.label}: ${v.refused}`);
    out.push('', `estimate: ${solver.estimate}${m.activeParams < m.params ? ` (MoE: ${formatCount(m.activeParams)} active parameters per token)` : ''}`);
  }
  return out.join('\n');
}

/** How the cache splits over the tensor-parallel devices, from the solver's answer. */
function tensorParallelLine(m, s) {
  if (m.mla) return `tensor parallel: the MLA latent is replicated on all ${s.gpus} devices (${formatBytes(s.kvBytesPerToken)} per token on each)`;
  return `tensor parallel: ${s.kvHeadsPerDevice} of ${m.nKvHeads} K/V heads per device` +
    (s.kvReplication > 1 ? `, each head copied to ${s.kvReplication} devices (more devices than K/V heads)` : '') +
    ` (${formatBytes(s.kvBytesPerToken)} per token on each)`;
}

/** The request's cache as served: blocks, the shared prefix, the paging waste. */
function servedLine(s) {
  return `cache for ${s.batch} × ${s.tokens} tokens${s.gpus > 1 ? ' per device' : ''}: ${formatBytes(s.requestKvBytes)} in ` +
    `${s.blockTokens}-token blocks (waste ${formatBytes(s.pagedWasteBytes)} over the exact ${formatBytes(s.requestExactKvBytes)})` +
    (s.sharedPrefix > 0 ? `; the ${s.sharedPrefix}-token prefix stored once (${formatBytes(s.sharedPrefixBytes)}): ` +
      `exactly ${formatBytes(s.requestExactKvBytes)} instead of ${formatBytes(s.unsharedKvBytes)} with a copy per sequence` : '');
}

function listFlag(name, value) {
  if (value === undefined) return undefined;
  return value.split(',').map((v) => integerFlag(name, v.trim()));
}

function sweepReport(core, values) {
  if (values.similarity !== undefined) throw new UsageError('--similarity belongs to the conversion experiment, not to --sweep');
  const progress = process.stderr.isTTY && !values.json
    ? (p) => process.stderr.write(`\rpairs ${p.pairs}, G = ${p.nKvHeads} (${p.cell + 1} of ${p.cells}): step ${p.step} of ${p.steps}   `) : undefined;
  const result = core.recallSweep({ loads: listFlag('loads', values.loads), nKvHeads: listFlag('kv-heads', values['kv-heads']),
    steps: integerFlag('steps', values.steps), seed: integerFlag('seed', values.seed), onProgress: progress });
  if (progress) process.stderr.write('\r\x1b[K');
  if (values.json) return JSON.stringify({ settings: core.info.recallSweep, ...result }, null, 2);
  const { header, body } = sweepTable(result.rows, formatPercent);
  const s = core.info.recallSweep;
  return [`load sweep: held-out recall after ${result.steps} steps per model, seed ${result.seed} ` +
    `(d_model ${s.dModel}, ${s.nHeads} query heads of ${s.headDim}, ${s.queries} queries per sequence, keys and values from ${s.keyVocab})`,
  textTable(header, body)].join('\n');
}

function qualityReport(core, values) {
  if (values.sweep) return sweepReport(core, values);
  for (const flag of ['loads', 'kv-heads']) if (values[flag] !== undefined) throw new UsageError(`--${flag} belongs to --sweep`);
  const steps = integerFlag('steps', values.steps) ?? QUALITY_EXPERIMENT.steps;
  const seed = integerFlag('seed', values.seed) ?? QUALITY_EXPERIMENT.seed;
  const similarity = numberFlag('similarity', values.similarity) ?? CONVERSION_DEFAULTS.similarity;
  const conversion = core.conversionError({ similarity, seed });
  const { uptrainSteps, evalEvery } = schedule(steps);
  const progress = process.stderr.isTTY && !values.json ? ({ progress: p }) => process.stderr.write(
    `\r${p.nKvHeads === null ? 'uptraining' : `training G = ${p.nKvHeads}`}: step ${p.step} of ${p.steps}   `) : () => {};
  const { runs, uptrain } = runQualityExperiment(core, { steps, seed, uptrainSteps, evalEvery },
    (m) => (m.progress ? progress(m) : null));
  if (process.stderr.isTTY && !values.json) process.stderr.write('\r\x1b[K');
  if (values.json) {
    return JSON.stringify({ similarity, seed, conversion, steps, uptrainSteps,
      runs: runs.map(({ losses, ...r }) => ({ ...r, losses: Array.from(losses) })), uptrain }, null, 2);
  }
  return [
    `conversion of a synthetic ${CONVERSION_DEFAULTS.nHeads}-head layer (similarity ${similarity}): relative error of the attention output`,
    textTable(['G', 'mean-pool', 'first head', 'random'], [...conversion].reverse().map((p) => [p.nKvHeads, p.mean.toFixed(3), p.first.toFixed(3), p.random.toFixed(3)])),
    '',
    `associative recall, ${steps} steps per model, seed ${seed}: held-out loss and recall accuracy`,
    textTable(['G', 'parameters', 'loss', 'accuracy', `first step >= ${Math.round(RECALL_THRESHOLD * 100)}%`], runs.map((r) => [r.nKvHeads, formatCount(r.parameterCount),
      r.final.loss.toFixed(3), formatPercent(r.final.accuracy), r.evals.find((e) => e.accuracy >= RECALL_THRESHOLD)?.step ?? '-'])),
    '',
    `uptraining: the MHA model mean-pooled to G, then ${uptrainSteps} more steps (accuracy)`,
    textTable(['G', 'pooled', `+${uptrainSteps} steps`, `from scratch`], uptrain.map((u) => [u.nKvHeads, formatPercent(u.before.accuracy), formatPercent(u.after.accuracy), formatPercent(u.scratch.accuracy)])),
  ].join('\n');
}

export async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: {
      tokens: { type: 'string' }, batch: { type: 'string' }, dtype: { type: 'string' }, 'kv-heads': { type: 'string' },
      device: { type: 'string' }, 'memory-gb': { type: 'string' }, 'bandwidth-gbs': { type: 'string' },
      'weight-dtype': { type: 'string' }, reserve: { type: 'string' }, json: { type: 'boolean' }, list: { type: 'boolean' },
      config: { type: 'string' }, params: { type: 'string' }, gpus: { type: 'string' }, block: { type: 'string' },
      'shared-prefix': { type: 'string' },
      steps: { type: 'string' }, seed: { type: 'string' }, similarity: { type: 'string' }, sweep: { type: 'boolean' },
      loads: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    } });
  } catch (err) {
    const flag = /'([^']+)'/.exec(err.message)?.[1];
    const what = err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? `unknown flag ${flag}`
      : err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? `flag ${flag?.split(' ')[0] ?? ''} needs a value` : err.message.split('\n')[0];
    return { code: 2, err: `gqa-playground: ${what} (see --help)` };
  }
  const { values, positionals } = parsed;
  if (values.help) return { code: 0, out: USAGE };
  try {
    const core = await loadCore();
    if (values.list) return { code: 0, out: listCatalog(core, values.json) };
    const [command, id, ...rest] = positionals;
    if (command === 'quality') {
      if (id !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(id)}`);
      return { code: 0, out: qualityReport(core, values) };
    }
    if (command !== 'kv') throw new UsageError(command === undefined ? 'no command given; try: gqa-playground kv llama-3.1-8b' : `unknown command ${JSON.stringify(command)} (the commands are kv and quality)`);
    if (values.config !== undefined) {
      if (id !== undefined) throw new UsageError(`give a model id or --config, not both (got ${JSON.stringify(id)})`);
      return { code: 0, out: kvReport(core, values) };
    }
    if (values.params !== undefined) throw new UsageError('--params goes with --config (a catalog model has its own)');
    if (id === undefined) throw new UsageError(`kv needs a model id, e.g. ${closestIds('llama', core.models()).join(', ')} (--list shows all)`);
    if (rest.length) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
    return { code: 0, out: kvReport(core, values, id) };
  } catch (err) {
    if (err instanceof UsageError || err instanceof RangeError || err instanceof TypeError) {
      return { code: 2, err: `gqa-playground: ${err.message}` };
    }
    throw err;
  }
}

const { code, out, err } = await main(process.argv.slice(2));
if (out) console.log(out);
if (err) console.error(err);
process.exitCode = code;
