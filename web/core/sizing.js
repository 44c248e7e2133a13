// sizing.js - the memory model, the catalogs, the budget solver and the cost model as the JS
// face offers them (Core's kvCacheSize, modelKvCache, solveBudget, ... call these). Each takes the
// live module `m` and core.info: the checks here are what the core cannot see (types, integers,
// the what-if's model), ranges and sizes come from the core.
import { checkKeys, integer, oneOf, optionalFinite, show, unwrap } from './validate.js';

const SIZE_KEYS = ['layers', 'nKvHeads', 'headDim', 'tokens', 'batch', 'dtype'];

/** Exact sizes of a KV cache: { dataBytes, scaleBytes, totalBytes, bitsPerElement, quantized }. */
export function kvCacheSize(m, info, args) {
  checkKeys('kvCacheSize', args, [...SIZE_KEYS, 'kvFactor']);
  return kvSize(m, info, args);
}

/** 2 · layers · nKvHeads · headDim · tokens · batch · bytes per element, exact. */
export function kvCacheBytes(m, info, args) {
  checkKeys('kvCacheBytes', args, SIZE_KEYS);
  return kvSize(m, info, args).dataBytes;
}

function kvSize(m, { limits, dtypes }, args) {
  return unwrap(m.kvCacheSize({
    layers: integer('layers', args.layers, [1, limits.layers]),
    nKvHeads: integer('nKvHeads', args.nKvHeads, [1, limits.heads]),
    headDim: integer('headDim', args.headDim, [1, limits.headDim]),
    tokens: integer('tokens', args.tokens, [1, limits.modelTokens]),
    batch: integer('batch', args.batch, [1, limits.batch], 1),
    dtype: oneOf('dtype', args.dtype, dtypes.memory, 'f16'),
    kvFactor: integer('kvFactor', args.kvFactor, [1, limits.kvFactor], limits.kvFactor),
  }));
}

/** Weights of one layer's projections: { query, keyValue, output } (dModel defaults to nHeads · headDim). */
export function projectionParams(m, { limits }, args) {
  checkKeys('projectionParams', args, ['dModel', 'nHeads', 'nKvHeads', 'headDim']);
  const nHeads = integer('nHeads', args.nHeads, [1, limits.heads]);
  const headDim = integer('headDim', args.headDim, [1, limits.headDim]);
  const nKvHeads = integer('nKvHeads', args.nKvHeads, [1, limits.heads]);
  const dModel = integer('dModel', args.dModel, [1, limits.modelWidth], nHeads * headDim);
  return unwrap(m.projectionParams(dModel, nHeads, nKvHeads, headDim));
}

/** One decode step over `tokens` cached tokens, all layers: { kvBytes, multiplyAdds, intensity }. */
export function decodeStepCost(m, { limits, dtypes }, args) {
  checkKeys('decodeStepCost', args, ['layers', 'nHeads', 'nKvHeads', 'headDim', 'tokens', 'dtype']);
  const layers = integer('layers', args.layers, [1, limits.layers], 1);
  const nHeads = integer('nHeads', args.nHeads, [1, limits.heads]);
  const nKvHeads = integer('nKvHeads', args.nKvHeads, [1, limits.heads]);
  const headDim = integer('headDim', args.headDim, [1, limits.headDim]);
  const tokens = integer('tokens', args.tokens, [1, limits.modelTokens]);
  const dtype = oneOf('dtype', args.dtype, dtypes.memory, 'f16');
  return unwrap(m.decodeStepCost(layers, nHeads, nKvHeads, headDim, tokens, dtype));
}

/** K/V heads per device under tensor parallelism of degree tp: { headsPerDevice, replication }. */
export function tensorParallelKv(m, { limits }, args) {
  checkKeys('tensorParallelKv', args, ['nKvHeads', 'tp']);
  const nKvHeads = integer('nKvHeads', args.nKvHeads, [1, limits.heads]);
  return unwrap(m.tensorParallelKv(nKvHeads, integer('tp', args.tp, [1, limits.tensorParallel])));
}

/** The catalog entry for `id`, or a RangeError naming the closest ids. */
export function model(m, id) {
  return findById('model', id, m.models());
}

/**
 * A model argument: a catalog id, or a model record (what model() or modelFromConfig() returns,
 * perhaps edited). Returns { spec, key }: the record as the core reads it, and what the core's
 * calls take for it (the id, or the record's JSON, which the core reads and checks field by field).
 */
function modelArg(m, value) {
  if (typeof value === 'string') return { spec: model(m, value), key: value };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`model (${show(value)}) must be a catalog id such as 'llama-3.1-70b' or a model record (core.model(id), core.modelFromConfig(json))`);
  }
  const key = toJson('model', value);
  return { spec: unwrap(m.modelRecord(key)), key };
}

/** JSON.stringify, or a TypeError naming the field (a cycle, a BigInt). */
function toJson(field, value) {
  try {
    return JSON.stringify(value);
  } catch (e) {
    throw new TypeError(`${field} (${show(value)}) cannot be written as JSON: ${e.message}`);
  }
}

const FROM_CONFIG_KEYS = ['id', 'name', 'params', 'activeParams'];

/**
 * The model record a Hugging Face config.json describes (a string, or the parsed object): read,
 * interpreted and checked by the core (cpp/sizing/model_config.h), usable everywhere a catalog id
 * is. A config.json states no parameter count, so params is null unless given in `options`
 * ({ id, name, params, activeParams }); the budget solver needs it.
 */
export function modelFromConfig(m, { limits }, json, options = {}) {
  checkKeys('modelFromConfig options', options, FROM_CONFIG_KEYS);
  let text = json;
  if (typeof json !== 'string') {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new TypeError(`config (${show(json)}) must be a config.json's text or its parsed object`);
    }
    text = toJson('config', json);
  }
  // the core refuses it too; a string this long is not copied into the module to be told so
  if (text.length > limits.configBytes) {
    throw new RangeError(`config (${text.length} characters) is over the limit of ${limits.configBytes} bytes`);
  }
  const record = unwrap(m.modelFromConfig(text));
  if (options.id !== undefined && (typeof options.id !== 'string' || options.id === '')) throw new TypeError(`id (${show(options.id)}) must be a non-empty string`);
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) throw new TypeError(`name (${show(options.name)}) must be a non-empty string`);
  const params = optionalFinite('params', options.params);
  const activeParams = optionalFinite('activeParams', options.activeParams);
  if (activeParams !== undefined && params === undefined) throw new TypeError('activeParams needs params');
  if (options.id === undefined && options.name === undefined && params === undefined) return record;
  const edited = { ...record, id: options.id ?? record.id, name: options.name ?? record.name };
  if (params !== undefined) Object.assign(edited, { params, activeParams: activeParams ?? params });
  return unwrap(m.modelRecord(toJson('model', edited)));  // the core checks the edited record (0 <= activeParams <= params)
}

/**
 * A model's KV cache for `tokens` per sequence and `batch` sequences, with what-ifs:
 * { model, nKvHeads, attention, dtype, tokens, batch, cachedTokens, perToken, perSequence, total,
 * uncapped, byKind, variants }. Bytes are totalBytes (scales included), summed over the layers by
 * the core, each layer group keeping its own tokens (byKind: [{ kind, layers, cachedTokens,
 * perToken, perSequence, total }]); `uncapped` is the uniform formula, every layer keeping every token.
 */
export function modelKvCache(m, { limits, dtypes }, args) {
  checkKeys('modelKvCache', args, ['model', 'tokens', 'batch', 'dtype', 'nKvHeads']);
  const { spec, key } = modelArg(m, args.model);
  const tokens = integer('tokens', args.tokens, [1, limits.modelTokens]);
  const batch = integer('batch', args.batch, [1, limits.batch], 1);
  const dtype = oneOf('dtype', args.dtype, dtypes.memory, 'f16');
  const { nKvHeads: G, variants: rows } = variantsOf(m, spec, key, args.nKvHeads);
  const cache = (row, nKvHeads) => unwrap(m.modelKvCache({ model: key, row, nKvHeads, tokens, batch, dtype }));
  const variants = rows.map(({ row, label, nKvHeads, attention }) => {
    const c = cache(row, nKvHeads);
    return { row, label, nKvHeads, attention, perToken: c.perToken, total: c.total };
  });
  const mha = variants.find((v) => v.row === 'mha') ?? variants[0];
  for (const v of variants) v.reductionVsMha = mha.total / v.total;
  const c = cache(args.nKvHeads === undefined ? 'published' : 'whatIf', G);
  return {
    model: spec, nKvHeads: G, attention: c.attention, dtype, tokens, batch, cachedTokens: c.cachedTokens,
    perToken: c.perToken, perSequence: c.perSequence, total: c.total, uncapped: c.uncapped, byKind: c.byKind, variants,
  };
}

/**
 * What fits on one accelerator: max context at `batch`, max batch at `tokens`, and a roofline
 * decode estimate (bytes per step over bandwidth), for the model as published and what-ifs.
 * Give `device` (an id from devices()) or `memoryGB` and `bandwidthGBs`.
 */
export function solveBudget(m, { limits, dtypes }, args) {
  checkKeys('solveBudget', args, ['model', 'device', 'memoryGB', 'bandwidthGBs', 'weightDtype', 'kvDtype', 'reserve',
    'tokens', 'batch', 'nKvHeads']);
  const { spec, key } = modelArg(m, args.model);
  let device;
  if (args.device !== undefined) {
    if (args.memoryGB !== undefined || args.bandwidthGBs !== undefined) {
      throw new TypeError('solveBudget: give either device or memoryGB and bandwidthGBs, not both');
    }
    device = findById('device', args.device, m.devices());
  } else {
    const memoryGB = optionalFinite('memoryGB', args.memoryGB);
    const bandwidthGBs = optionalFinite('bandwidthGBs', args.bandwidthGBs);
    if (!(memoryGB > 0)) throw new RangeError(`memoryGB (${show(args.memoryGB)}) must be a positive number (or give device)`);
    if (!(bandwidthGBs > 0)) throw new RangeError(`bandwidthGBs (${show(args.bandwidthGBs)}) must be a positive number (or give device)`);
    device = { id: 'custom', name: `custom ${memoryGB} GB, ${bandwidthGBs} GB/s`, memoryGB, bandwidthGBs };
  }
  const reserve = optionalFinite('reserve', args.reserve) ?? 0.1;  // the core checks 0 <= reserve < 1
  const q = {
    model: key,
    weightDtype: oneOf('weightDtype', args.weightDtype, dtypes.memory, 'f16'),
    kvDtype: oneOf('kvDtype', args.kvDtype, dtypes.memory, 'f16'),
    memoryBytes: device.memoryGB * 1e9,
    bandwidth: device.bandwidthGBs * 1e9,
    reserve,
    tokens: integer('tokens', args.tokens, [1, limits.modelTokens], Math.min(spec.maxContext, 8192)),
    batch: integer('batch', args.batch, [1, limits.batch], 1),
  };
  const { nKvHeads: G, variants: rows } = variantsOf(m, spec, key, args.nKvHeads);
  const variants = rows.map(({ row, label, nKvHeads }) => ({ row, label, ...unwrap(m.solveBudget({ ...q, row, nKvHeads })) }));
  return { model: spec, device, weightDtype: q.weightDtype, kvDtype: q.kvDtype, reserve, tokens: q.tokens, batch: q.batch,
    estimate: 'roofline: a decode step reads the active weights and the whole KV cache once, at the stated bandwidth',
    ...variants.find((v) => v.nKvHeads === G), variants };
}

// ---- catalog helpers ------------------------------------------------------------------------

/**
 * How each of the core's variant rows is labelled. An MLA model's 'mha' row is its MHA baseline: a
 * key (qk_nope + qk_rope wide) and a value (v_head_dim) per query head, as the core sizes it.
 */
const ROW_LABELS = {
  mha: (spec) => (spec.mla ? `MHA baseline (G = ${spec.nHeads}, K ${spec.mla.qkNopeHeadDim}+${spec.mla.qkRopeHeadDim}, V ${spec.mla.vHeadDim})` : `MHA (G = ${spec.nHeads})`),
  published: (spec) => (spec.mla ? 'as published (MLA latent)' : `as published (${spec.attention}, G = ${spec.nKvHeads})`),
  whatIf: (spec, v) => `what-if (${v.attention}, G = ${v.nKvHeads})`,
  mqa: () => 'MQA (G = 1)',
};

/**
 * The core's comparison rows for a model (MHA, as published, a what-if nKvHeads, MQA; MLA: its MHA
 * baseline and as published), labelled: { nKvHeads (the G asked about), variants: [{ row, label, nKvHeads, attention }] }.
 */
function variantsOf(m, spec, key, nKvHeads) {
  const whatIf = nKvHeads !== undefined;
  const r = unwrap(m.kvVariants(key, whatIf, whatIf ? integer('nKvHeads', nKvHeads, [1, spec.nHeads]) : 0));
  return { nKvHeads: r.nKvHeads, variants: r.variants.map((v) => ({ row: v.row, label: ROW_LABELS[v.row](spec, v), nKvHeads: v.nKvHeads, attention: v.attention })) };
}

/** Edit distance, for "did you mean" lists. */
function editDistance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** The ids of `items` closest to `id`, best first. */
export function closestIds(id, items, count = 3) {
  const key = String(id).toLowerCase();
  return items.map((m) => [m.id, m.id.includes(key) || key.includes(m.id) ? -1 : editDistance(key, m.id)])
    .sort((a, b) => a[1] - b[1]).slice(0, count).map(([i]) => i);
}

/** The entry of `items` whose id is `id`, or an Error naming the closest ids. */
export function findById(field, id, items) {
  if (typeof id !== 'string') throw new TypeError(`${field} (${show(id)}) must be an id string such as '${items[0].id}'`);
  const found = items.find((m) => m.id === id);
  if (!found) throw new RangeError(`${field} (${show(id)}) is not in the catalog; closest: ${closestIds(id, items).join(', ')}`);
  return found;
}
