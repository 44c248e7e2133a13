// Types for `import ... from 'gqa-playground'`: the attention core (dist/core/core.js).
// Shapes are row-major Float32Arrays; (a, b, c) below names the dimensions, outermost first.
// Every invalid argument throws a TypeError (wrong kind of value) or RangeError (out of range)
// whose message names the field, the value and what was expected.

/** Storage types of the KV cache object itself. */
export type CacheDtype = 'f32' | 'f16' | 'int8';
/** Storage types the memory model knows. */
export type MemoryDtype = 'f32' | 'f16' | 'bf16' | 'fp8' | 'int8' | 'int4';
export type AttentionKind = 'MHA' | 'GQA' | 'MQA' | 'MLA';

/** The storage types the memory model accepts, as a runtime list (= core.info.dtypes.memory). */
export const MEMORY_DTYPES: readonly MemoryDtype[];

/** The instruction sets the core is built for: relaxed SIMD (fused multiply-add), SIMD128, none. */
export type CoreIsa = 'relaxed' | 'simd128' | 'scalar';

export interface LoadCoreOptions {
  /** Default: the best this engine runs ('relaxed', else 'simd128', else 'scalar'); one it lacks throws. */
  isa?: CoreIsa;
  /** The older switch (not with isa): false is isa 'scalar', true is 'simd128'. */
  simd?: boolean;
  /** The .wasm bytes, to skip the fetch (browsers) or the file read (node). */
  wasmBinary?: BufferSource;
  /** Adds core.debug.abort(), which traps the instance on purpose (recovery tests). */
  debug?: boolean;
}

/** Loads the core: the relaxed-SIMD build where relaxed SIMD exists, else SIMD128, else scalar. */
export function loadCore(options?: LoadCoreOptions): Promise<Core>;
/** True if this engine runs WebAssembly SIMD128. */
export function simdSupported(): boolean;
/** True if this engine runs WebAssembly relaxed SIMD (node 20: --experimental-wasm-relaxed-simd). */
export function relaxedSupported(): boolean;
/** The ISAs this engine runs, best first ('scalar' always last). */
export function supportedIsas(): CoreIsa[];
/** The ids of `items` closest to `id`, best first (for "did you mean" messages). */
export function closestIds(id: string, items: ReadonlyArray<{ id: string }>, count?: number): string[];
/** A short, safe rendering of any value for an error message. */
export function show(value: unknown): string;

/** Thrown when the WebAssembly instance trapped; a fresh instance serves the next call. */
export class CoreAbortedError extends Error {
  name: 'CoreAbortedError';
}

/** Every limit the core checks (from its C++ headers); refusals name the same numbers. */
export interface CoreLimits {
  /** Query or K/V heads (attention, the KV cache, the memory model). */
  heads: number;
  headDim: number;
  /** Tokens of one attention call or KV cache, and the largest window. */
  tokens: number;
  /** Live sequences of one paged KV cache. */
  sequences: number;
  /** The memory model: layers, tokens per sequence, sequences. */
  layers: number;
  modelTokens: number;
  batch: number;
  /** 2: a K and a V vector per K/V head (1 for MLA's latent). */
  kvFactor: number;
  /** projectionParams' largest dModel (heads · headDim). */
  modelWidth: number;
  /** tensorParallelKv's largest tp, and solveBudget's most gpus. */
  tensorParallel: number;
  /** solveBudget's largest paged-KV block (tokens). */
  blockTokens: number;
  /** A model's most layers, and the longest config.json text modelFromConfig reads (bytes). */
  modelLayers: number;
  configBytes: number;
  /** The most one request may allocate, and the most the WASM memory may grow to. */
  requestBytes: number;
  memoryBytes: number;
  /** The quality lab: conversion (dModel), the conversion-error experiment's layer and data. */
  dModel: number;
  experimentHeads: number;
  experimentHeadDim: number;
  seqLen: number;
  samples: number;
  /** The recall task and model: keys or values, pairs per sequence, dModel and dFf. */
  vocab: number;
  pairs: number;
  width: number;
  /** Training: sequences per step, held-out sequences, steps per call. */
  trainBatch: number;
  evalSequences: number;
  steps: number;
}

export interface CoreInfo {
  /** The build's instruction set. */
  isa: CoreIsa;
  simd: boolean;
  /** = limits.requestBytes */
  maxRequestBytes: number;
  /** = limits.memoryBytes */
  maxMemoryBytes: number;
  /** = limits.heads */
  maxHeads: number;
  /** = limits.headDim */
  maxHeadDim: number;
  /** = limits.tokens */
  maxTokens: number;
  limits: Readonly<CoreLimits>;
  /** solveBudget's paged-KV block when none is given: 16 tokens, as vLLM. */
  defaultBlockTokens: number;
  /** The storage types of the KV cache object and of the memory model. */
  dtypes: { readonly cache: readonly CacheDtype[]; readonly memory: readonly MemoryDtype[] };
  /** The quality lab's K/V conversion methods (= CONVERT_METHODS). */
  convertMethods: readonly ConvertMethod[];
  /** The load sweep's settings, from cpp/lab/trainer.h (RECALL_SWEEP is the same, for code without a core). */
  recallSweep: Readonly<RecallSweepSettings>;
  /** The layer kinds of a model's layout, in the order its groups come. */
  layerKinds: readonly LayerKind[];
}

export interface AttentionArgs {
  /** (tq, nHeads, headDim) */
  q: Float32Array;
  /** (tk, nKvHeads, headDim) */
  k: Float32Array;
  /** (tk, nKvHeads, headDim) */
  v: Float32Array;
  nHeads: number;
  /** Must divide nHeads: nHeads = MHA, 1 = MQA, between = GQA. */
  nKvHeads: number;
  headDim: number;
  /** Query i sees key j iff j <= i + tk - tq (bottom-right, as when decoding with a cache). */
  causal?: boolean;
  /** Default 1/sqrt(headDim). */
  scale?: number;
  /** > 0: additionally only keys j > i + tk - tq - window. */
  window?: number;
  returnWeights?: boolean;
  returnScores?: boolean;
  /**
   * (nHeads): learned attention sinks (gpt-oss). Head h's softmax gets one more logit with no
   * value, p_j = e^(s_j) / (Σ_k e^(s_k) + e^(sinkLogits[h])), so a head can attend to nothing.
   */
  sinkLogits?: Float32Array;
}

export interface AttentionResult {
  /** (tq, nHeads, headDim) */
  out: Float32Array;
  /** (nHeads, tq, tk): softmax, rows sum to 1 (less with sinkLogits). Present when returnWeights. */
  weights?: Float32Array;
  /** (nHeads, tq, tk): scaled, masked entries -Infinity. Present when returnScores. */
  scores?: Float32Array;
}

export interface KvCacheArgs {
  nKvHeads: number;
  headDim: number;
  /** Tokens. */
  capacity: number;
  /** Default 'f32'. */
  dtype?: CacheDtype;
  /**
   * StreamingLLM: appending past the capacity keeps the first `sinks` tokens (0 <= sinks <
   * capacity) and evicts the oldest of the rest, so memory stays at capacity for any length.
   * Without it, appending past the capacity throws.
   */
  streaming?: { sinks: number };
}

export interface PartialAttendOptions {
  nHeads: number;
  scale?: number;
  window?: number;
}

export interface AttendOptions extends PartialAttendOptions {
  /** (nHeads): one extra logit per head with no value, as in AttentionArgs. */
  sinkLogits?: Float32Array;
}

export interface PartialAttention {
  /** (tq, nHeads, headDim) */
  out: Float32Array;
  /** (tq, nHeads): each row's softmax maximum. */
  max: Float32Array;
  /** (tq, nHeads): each row's softmax denominator (>= 1). */
  sum: Float32Array;
}

/** A KV cache in the WASM heap. One owner: call delete() to return its memory. */
export class KvCache {
  private constructor();
  /** Appends n tokens: k and v are (n, nKvHeads, headDim). All or nothing. */
  append(k: Float32Array, v: Float32Array): void;
  /** Queries of the last tq appended tokens (tq, nHeads, headDim) -> output shaped like q. */
  attend(q: Float32Array, options: AttendOptions): Float32Array;
  /** attend() plus each row's softmax statistics, for core.mergeAttention. No sinkLogits: a sink applies once, after the merge. */
  attendPartial(q: Float32Array, options: PartialAttendOptions): PartialAttention;
  /** Forgets every token; keeps the memory. */
  clear(): void;
  /** Returns the memory. Safe to call twice. */
  delete(): void;
  readonly deleted: boolean;
  /** Tokens kept (<= capacity). */
  readonly length: number;
  /** Tokens appended since creation or clear(), evicted ones included. */
  readonly seen: number;
  /** { sinks } for a streaming cache, else null. */
  readonly streaming: { readonly sinks: number } | null;
  readonly capacity: number;
  readonly dtype: CacheDtype;
  /** Exact bytes of storage, int8 scales included. */
  readonly bytes: number;
  readonly nKvHeads: number;
  readonly headDim: number;
}

export interface PagedKvCacheArgs {
  nKvHeads: number;
  headDim: number;
  /** Tokens per block. */
  blockSize: number;
  /** Blocks in the pool; numBlocks · blockSize is at most limits.tokens. */
  numBlocks: number;
  /** Default 'f32'. */
  dtype?: CacheDtype;
}

export interface PagedKvCacheStats {
  /** Blocks held by at least one sequence; usedBlocks + freeBlocks = numBlocks. */
  usedBlocks: number;
  freeBlocks: number;
  /** Blocks held by more than one sequence (a shared prefix). */
  sharedBlocks: number;
}

/**
 * A paged KV cache (PagedAttention) in the WASM heap: one pool of blocks shared by sequences,
 * named by the integer ids addSequence() and fork() return. One owner: call delete().
 */
export class PagedKvCache {
  private constructor();
  /** A new empty sequence -> its id (ids count up from 0 and are never reused). */
  addSequence(): number;
  /** A new sequence sharing every block of sequence id -> its id. Takes no block. */
  fork(id: number): number;
  /**
   * Appends n tokens to sequence id: k and v are (n, nKvHeads, headDim). A shared, partly filled
   * last block is copied first. All or nothing: without enough free blocks it throws.
   */
  append(id: number, k: Float32Array, v: Float32Array): void;
  /** Queries of sequence id's last tq tokens (tq, nHeads, headDim) -> output shaped like q. */
  attend(id: number, q: Float32Array, options: AttendOptions): Float32Array;
  /** Sequence id's physical block ids, one per blockSize tokens. */
  blockTable(id: number): number[];
  /** Sequence id's tokens. */
  length(id: number): number;
  /** Ends sequence id: its blocks lose a reference; those no sequence holds are free again. */
  free(id: number): void;
  stats(): PagedKvCacheStats;
  /** Returns the pool's memory. Safe to call twice. */
  delete(): void;
  readonly deleted: boolean;
  readonly blockSize: number;
  readonly numBlocks: number;
  readonly dtype: CacheDtype;
  /** Exact bytes of the pool (numBlocks · blockSize tokens of K and V), int8 scales included. */
  readonly bytes: number;
  readonly nKvHeads: number;
  readonly headDim: number;
}

/** The widths of multi-head latent attention (DeepSeek-V2/V3, Kimi K2). */
export interface MlaWidths {
  nHeads: number;
  /** r: the cached latent's width. */
  kvLoraRank: number;
  /** dr: the rotary key part, cached beside the latent and shared by every head. */
  qkRopeHeadDim: number;
  /** dn: each head's key width without RoPE. */
  qkNopeHeadDim: number;
  /** dv: each head's value width. */
  vHeadDim: number;
}

export interface MlaAttentionArgs extends MlaWidths {
  /** (tq, nHeads, qkNopeHeadDim) */
  qNope: Float32Array;
  /** (tq, nHeads, qkRopeHeadDim) */
  qRope: Float32Array;
  /** (tk, kvLoraRank) */
  latent: Float32Array;
  /** (tk, qkRopeHeadDim) */
  kRope: Float32Array;
  /** (nHeads, qkNopeHeadDim, kvLoraRank): rebuilds each head's keys from the latent. */
  wUk: Float32Array;
  /** (nHeads, vHeadDim, kvLoraRank): rebuilds each head's values from the latent. */
  wUv: Float32Array;
  /** Bottom-right aligned, as attention(). Default false. */
  causal?: boolean;
  /** Default 1 / sqrt(qkNopeHeadDim + qkRopeHeadDim). */
  scale?: number;
  /** Default true: wUk folded into the queries, wUv applied after the softmax; false rebuilds K and V. */
  absorb?: boolean;
}

export interface MlaCacheArgs {
  kvLoraRank: number;
  qkRopeHeadDim: number;
  /** Tokens. */
  capacity: number;
  /** Default 'f32'; 'int8' is refused. */
  dtype?: 'f32' | 'f16';
}

export interface MlaAttendArgs {
  /** (tq, nHeads, qkNopeHeadDim): the queries of the last tq appended tokens. */
  qNope: Float32Array;
  /** (tq, nHeads, qkRopeHeadDim) */
  qRope: Float32Array;
  wUk: Float32Array;
  wUv: Float32Array;
  nHeads: number;
  qkNopeHeadDim: number;
  vHeadDim: number;
  scale?: number;
}

/** An MLA cache in the WASM heap: one row [latent | kRope] per token. One owner: call delete(). */
export class MlaCache {
  private constructor();
  /** Appends n tokens: latent (n, kvLoraRank), kRope (n, qkRopeHeadDim). All or nothing. */
  append(latent: Float32Array, kRope: Float32Array): void;
  /** Causal attention of the last tq tokens' queries, absorbed path -> (tq, nHeads, vHeadDim). */
  attend(args: MlaAttendArgs): Float32Array;
  clear(): void;
  delete(): void;
  readonly deleted: boolean;
  readonly length: number;
  readonly capacity: number;
  readonly dtype: 'f32' | 'f16';
  /** capacity · (kvLoraRank + qkRopeHeadDim) · bytes per element. */
  readonly bytes: number;
  readonly kvLoraRank: number;
  readonly qkRopeHeadDim: number;
}

export interface KvCacheBytesArgs {
  layers: number;
  nKvHeads: number;
  headDim: number;
  tokens: number;
  /** Default 1. */
  batch?: number;
  /** Default 'f16'. */
  dtype?: MemoryDtype;
}

export interface KvCacheSizeArgs extends KvCacheBytesArgs {
  /** 2 for K and V (default), 1 for a single cached latent (MLA). */
  kvFactor?: 1 | 2;
}

export interface KvCacheSize {
  dataBytes: number;
  scaleBytes: number;
  totalBytes: number;
  bitsPerElement: number;
  quantized: boolean;
}

export interface Model {
  id: string;
  name: string;
  family: string;
  layers: number;
  nHeads: number;
  nKvHeads: number;
  /** Per head, as the config states it; for MLA the cached width, kvLoraRank + qkRopeHeadDim (576 for DeepSeek-V3). */
  headDim: number;
  maxContext: number;
  /** Total parameters; null for a model read from a config.json (it states none) unless given to modelFromConfig. */
  params: number | null;
  /** Parameters a token uses: params less the routed experts it does not use (the embedding table counts); = params if dense. */
  activeParams: number | null;
  attention: AttentionKind;
  kvFactor: 1 | 2;
  /** One letter per layer, repeated from layer 0: F full, S sliding, C chunked, M mla, L linear ('SSSSSF': Gemma 3). */
  layerPattern: string;
  /** The layers grouped by kind, in the order full, sliding, chunked, mla, linear (kinds with no layer left out). */
  layout: LayerGroup[];
  /** Only for MLA models: the widths of config.json. */
  mla?: MlaWidths;
  /** Only for models with linear-attention layers (Qwen3-Next's Gated DeltaNet): config.json's linear_* widths. */
  linear?: LinearWidths;
  /** Where the numbers come from. */
  source: string;
}

/** core.info.layerKinds. At T tokens a layer keeps: full T, sliding min(T, window), chunked min(T, chunk), mla T latents, linear a fixed state. */
export type LayerKind = 'full' | 'sliding' | 'chunked' | 'mla' | 'linear';

export interface LayerGroup {
  kind: LayerKind;
  layers: number;
  /** The model's G for attention kinds (mla: 1, one latent); 0 for linear. */
  nKvHeads: number;
  /** Keys' width (mla: kvLoraRank + qkRopeHeadDim); 0 for linear. */
  headDim: number;
  /** Values' width when it is not headDim. */
  valueDim?: number;
  /** Sliding layers: the window, in tokens. */
  window?: number;
  /** Chunked layers: the chunk, in tokens. */
  chunk?: number;
  /** Linear layers: numbers each keeps per sequence, v·dk·dv + (2·k·dk + v·dv)·(kernel − 1). */
  stateElements?: number;
  /** Which layers (0-based), when the model has more than one kind. */
  layerIndices?: number[];
}

/** Gated DeltaNet widths, named as config.json's linear_num_key_heads, ... linear_conv_kernel_dim. */
export interface LinearWidths {
  numKeyHeads: number;
  numValueHeads: number;
  keyHeadDim: number;
  valueHeadDim: number;
  convKernelDim: number;
}

/** What modelFromConfig may set that a config.json does not state. */
export interface ModelFromConfigOptions {
  id?: string;
  name?: string;
  /** Total parameters (the budget solver needs them). */
  params?: number;
  /** Parameters read per token (MoE); defaults to params. */
  activeParams?: number;
}

/**
 * Multi-head latent attention (DeepSeek-V2/V3), named as in config.json. A token caches one latent
 * (kvLoraRank) and one RoPE key (qkRopeHeadDim) per layer; each query head rebuilds from it a key of
 * qkNopeHeadDim + qkRopeHeadDim and a value of vHeadDim, which the MHA baseline would cache in full.
 */
export interface MlaWidths {
  kvLoraRank: number;
  qkRopeHeadDim: number;
  qkNopeHeadDim: number;
  vHeadDim: number;
}

/**
 * Which comparison row: 'mha' (G = H; for MLA the MHA baseline, H keys of qkNope + qkRope and H
 * values of vHeadDim per layer), 'published', 'whatIf' (the asked nKvHeads), 'mqa' (G = 1; not for MLA).
 */
export type KvVariantRow = 'mha' | 'published' | 'whatIf' | 'mqa';

export interface Device {
  id: string;
  name: string;
  memoryGB: number;
  bandwidthGBs: number;
}

export interface ModelKvCacheArgs {
  /** A catalog id, e.g. 'llama-3.1-70b', or a model record (core.model(id), core.modelFromConfig(json)). */
  model: string | Model;
  tokens: number;
  batch?: number;
  dtype?: MemoryDtype;
  /** What-if: this many K/V heads (must divide the model's query heads; not for MLA). */
  nKvHeads?: number;
}

export interface KvVariant {
  row: KvVariantRow;
  label: string;
  nKvHeads: number;
  attention: AttentionKind;
  perToken: number;
  total: number;
  reductionVsMha: number;
}

export interface ModelKvCache {
  model: Model;
  nKvHeads: number;
  attention: AttentionKind;
  dtype: MemoryDtype;
  tokens: number;
  batch: number;
  /** The most tokens any layer keeps: tokens, unless every attention layer is capped (Mistral 7B's window). */
  cachedTokens: number;
  /** One more token in every layer that keeps tokens (linear layers keep none). */
  perToken: number;
  /** One sequence at `tokens`, summed over the layers exactly. */
  perSequence: number;
  total: number;
  /** The uniform formula 2·L·G·d·T: every layer keeping every token. */
  uncapped: { perSequence: number; total: number };
  /** Per layer kind, in the layout's order. */
  byKind: KindCache[];
  variants: KvVariant[];
}

export interface KindCache {
  kind: LayerKind;
  layers: number;
  /** Tokens each of these layers keeps (0 for linear: a state). */
  cachedTokens: number;
  perToken: number;
  perSequence: number;
  total: number;
}

interface SolveBudgetCommon {
  /** A catalog id or a model record with params. */
  model: string | Model;
  weightDtype?: MemoryDtype;
  kvDtype?: MemoryDtype;
  /** Fraction of memory kept free, 0 <= reserve < 1 (default 0.1). */
  reserve?: number;
  tokens?: number;
  batch?: number;
  nKvHeads?: number;
  /** Tensor-parallel devices, each of `device` (default 1): weights / gpus, K/V heads G / gpus (copied past G), an MLA latent on every one. */
  gpus?: number;
  /** Paged KV: each sequence rounds up to whole blocks of this many tokens (default info.defaultBlockTokens, 16). */
  blockTokens?: number;
  /** Tokens at the start of every sequence (a system prompt) stored once for the batch, 0 <= sharedPrefix <= tokens (default 0). */
  sharedPrefix?: number;
}
/** Give a catalog `device`, or `memoryGB` and `bandwidthGBs`, not both. */
export type SolveBudgetArgs =
  | (SolveBudgetCommon & { device: string; memoryGB?: never; bandwidthGBs?: never })
  | (SolveBudgetCommon & { device?: never; memoryGB: number; bandwidthGBs: number });

/** Bytes are one device's (with gpus = 1, the whole model's). */
export interface BudgetVariant {
  row: KvVariantRow;
  label: string;
  nKvHeads: number;
  attention: AttentionKind;
  weightBytes: number;
  usableBytes: number;
  kvBudgetBytes: number;
  weightsFit: boolean;
  kvBytesPerToken: number;
  cachedTokens: number;
  /** One sequence's own blocks at `tokens`, the shared prefix apart. */
  kvBytesPerSequence: number;
  /** The shared prefix's whole blocks, stored once. */
  sharedPrefixBytes: number;
  /** sharedPrefixBytes + batch · kvBytesPerSequence; the same tokens unpaged; the difference; batch whole sequences unpaged, unshared. */
  requestKvBytes: number;
  requestExactKvBytes: number;
  pagedWasteBytes: number;
  unsharedKvBytes: number;
  /** K/V heads on each device (an MLA latent: 1), and how many devices hold each. */
  kvHeadsPerDevice: number;
  kvReplication: number;
  maxContext: number;
  maxContextMemoryBound: boolean;
  maxBatch: number;
  requestFits: boolean;
  bytesPerStep: number;
  stepSeconds: number;
  tokensPerSecond: number;
  aggregateTokensPerSecond: number;
}

/** A what-if row whose K/V heads `gpus` cannot split or copy evenly: the core's refusal. */
export interface RefusedBudgetVariant {
  row: KvVariantRow;
  label: string;
  nKvHeads: number;
  refused: string;
}

export interface BudgetSolution extends BudgetVariant {
  model: Model;
  device: Device;
  weightDtype: MemoryDtype;
  kvDtype: MemoryDtype;
  reserve: number;
  tokens: number;
  batch: number;
  gpus: number;
  blockTokens: number;
  sharedPrefix: number;
  estimate: string;
  variants: (BudgetVariant | RefusedBudgetVariant)[];
}

export interface ProjectionParams { query: number; keyValue: number; output: number }
export interface DecodeStepCost { kvBytes: number; multiplyAdds: number; intensity: number }
export interface TensorParallelKv { headsPerDevice: number; replication: number }
export interface MachineProbe { bytesPerSecond: number; maddsPerSecond: number }

/** The loaded core. Results are copies, never views into the WASM heap. */
export class Core {
  private constructor();
  /** The build's file name: gqa_core_{variant}.wasm ('simd' is isa 'simd128'). */
  readonly variant: 'relaxed' | 'simd' | 'scalar';
  readonly info: Readonly<CoreInfo>;
  /** 1, +1 for every instance that replaced an aborted one. */
  readonly generation: number;
  /** Only with loadCore({ debug: true }). */
  readonly debug?: { abort(): void };

  /** Grouped-query attention over a whole sequence (prefill). */
  attention(args: AttentionArgs): AttentionResult;
  /** 'MHA' (nKvHeads = nHeads), 'MQA' (nKvHeads = 1) or 'GQA' (between); nKvHeads must divide nHeads. */
  attentionKind(nHeads: number, nKvHeads: number): 'MHA' | 'GQA' | 'MQA';
  createKvCache(args: KvCacheArgs): KvCache;
  /** A paged KV cache (PagedAttention): sequences share a pool of blocks; fork() shares a prefix. */
  createPagedKvCache(args: PagedKvCacheArgs): PagedKvCache;
  /** Multi-head latent attention, explicit or absorbed -> { out (tq, nHeads, vHeadDim) }. */
  mlaAttention(args: MlaAttentionArgs): { out: Float32Array };
  createMlaCache(args: MlaCacheArgs): MlaCache;
  /** Combines attendPartial results over disjoint key ranges (the split-K merge) -> (tq, nHeads, headDim). */
  mergeAttention(parts: PartialAttention[], shape: { nHeads: number; headDim: number; sinkLogits?: Float32Array }): Float32Array;

  /** 2 · layers · nKvHeads · headDim · tokens · batch · bytes per element, exact. */
  kvCacheBytes(args: KvCacheBytesArgs): number;
  kvCacheSize(args: KvCacheSizeArgs): KvCacheSize;
  models(): Model[];
  /** The catalog entry, or a RangeError naming the closest ids. */
  model(id: string): Model;
  /**
   * The model a Hugging Face config.json describes (its text or parsed object), usable wherever a
   * catalog id is. Unknown architectures, missing, contradictory or absurd fields are a TypeError or
   * RangeError naming the field.
   */
  modelFromConfig(config: string | object, options?: ModelFromConfigOptions): Model;
  devices(): Device[];
  modelKvCache(args: ModelKvCacheArgs): ModelKvCache;
  solveBudget(args: SolveBudgetArgs): BudgetSolution;
  /** dModel defaults to nHeads · headDim. */
  projectionParams(args: { dModel?: number; nHeads: number; nKvHeads: number; headDim: number }): ProjectionParams;
  decodeStepCost(args: { layers?: number; nHeads: number; nKvHeads: number; headDim: number; tokens: number; dtype?: MemoryDtype }): DecodeStepCost;
  /**
   * One absorbed MLA decode step over `tokens` cached latents, one layer: kvBytes = tokens · (r + dr) · bytes,
   * multiplyAdds = nHeads · (dn·r + 2·tokens·(r + dr) + dv·r).
   */
  mlaDecodeStepCost(args: { nHeads: number; kvLoraRank: number; qkRopeHeadDim: number; qkNopeHeadDim: number; vHeadDim: number; tokens: number; dtype?: 'f32' | 'f16' }): DecodeStepCost;
  tensorParallelKv(args: { nKvHeads: number; tp: number }): TensorParallelKv;
  probeMachine(options?: { bytes?: number; reps?: number; iters?: number }): MachineProbe;
  /** Runs the kernels until the engine has optimised them; returns the milliseconds it took. */
  warmUp(options?: { calls?: number }): number;

  // ---- the quality lab
  /** MHA -> GQA/MQA checkpoint conversion of the K and V projections (nn.Linear layout). */
  convertKvHeads(args: ConvertKvHeadsArgs): { wk: Float32Array; wv: Float32Array };
  /** The conversion-error experiment: one point per divisor G of nHeads, G ascending. */
  conversionError(args?: ConversionErrorArgs): ConversionPoint[];
  /** A recall model and its Adam optimizer in the WASM heap; call delete() when done. */
  createRecallTrainer(args?: RecallOptions): RecallTrainer;
  /** One run of the recall experiment: a fresh model trained `steps` steps, evaluated on the way. */
  trainRecall(args?: TrainRecallArgs): TrainRecallResult;
  /** The load sweep: one model (info.recallSweep's settings) per load and G, final held-out recall. Deterministic for a seed. */
  recallSweep(args?: RecallSweepArgs): RecallSweepResult;
  /** The trainer of one cell of the load sweep. */
  createSweepTrainer(args: { pairs: number; nKvHeads: number; seed?: number }): RecallTrainer;
}

/** The load sweep's model, task and training (cpp/lab/trainer.h's RecallSweep); `loads` are pairs per sequence. */
export interface RecallSweepSettings {
  keyVocab: number; valueVocab: number; queries: number; dModel: number; nHeads: number; headDim: number; dFf: number;
  batch: number; lr: number; clip: number; evalSequences: number; seed: number; steps: number; loads: readonly number[];
}
export const RECALL_SWEEP: Readonly<RecallSweepSettings>;

export interface RecallSweepArgs {
  /** Pairs per sequence, each from info.recallSweep.queries to keyVocab. Default info.recallSweep.loads. */
  loads?: number[];
  /** Each must divide nHeads. Default every divisor, largest first. */
  nKvHeads?: number[];
  steps?: number;   // 200
  seed?: number;    // 1
  /** A held-out sequence to trace in every cell (RecallTrainer.inspect). */
  inspect?: number;
  onProgress?: (p: { cell: number; cells: number; pairs: number; nKvHeads: number; step: number; steps: number }) => void;
}
export interface RecallSweepRow extends RecallStats {
  pairs: number;
  nKvHeads: number;
  kind: 'MHA' | 'GQA' | 'MQA';
  inspect?: RecallInspection;
}
export interface RecallSweepResult { steps: number; seed: number; rows: RecallSweepRow[] }

/** A held-out sequence and what a trained recall model does on it. */
export interface RecallInspection {
  pairs: { key: number; value: number }[];
  /** answer: the index in `pairs` of the pair asked for. */
  queries: { position: number; key: number; target: number; answer: number; predicted: number }[];
  nHeads: number;
  seqLen: number;
  /** (nHeads, queries, seqLen): each query head's attention at each query position. */
  weights: Float32Array;
  stats: RecallStats;
}

export type ConvertMethod = 'mean' | 'first' | 'random';
export const CONVERT_METHODS: readonly ConvertMethod[];

export interface ConvertKvHeadsArgs {
  /** (nHeads·headDim, dModel) each, row-major: PyTorch nn.Linear's weight layout. */
  wk: Float32Array;
  wv: Float32Array;
  dModel: number;
  nHeads: number;
  headDim: number;
  /** Must divide nHeads. */
  nKvHeads: number;
  /** Default 'mean' (mean-pool each group); 'first' keeps each group's first head; 'random' re-initialises. */
  method?: ConvertMethod;
  /** Seeds 'random'. Default 1. */
  seed?: number;
}

export interface ConversionErrorArgs {
  dModel?: number;     // 64
  nHeads?: number;     // 8
  headDim?: number;    // 8
  seqLen?: number;     // 32
  samples?: number;    // 16 held-out sequences
  /** How alike the synthetic layer's K/V heads are, 0 to 1. Default 0.5. */
  similarity?: number;
  seed?: number;       // 1
}
export const CONVERSION_DEFAULTS: Readonly<Required<ConversionErrorArgs>>;

/** ||O_G - O_MHA|| / ||O_MHA|| of the attention output for each method. */
export interface ConversionPoint { nKvHeads: number; mean: number; first: number; random: number }

export interface RecallOptions {
  keyVocab?: number;       // 64 distinct keys
  valueVocab?: number;     // 64 distinct values (the output classes)
  pairs?: number;          // 16 key->value pairs per sequence
  queries?: number;        // 8 keys asked for, among the pairs
  dModel?: number;         // 64
  nHeads?: number;         // 8
  /** Must divide nHeads. Default nHeads (MHA). */
  nKvHeads?: number;
  headDim?: number;        // 8
  dFf?: number;            // 128
  batch?: number;          // 32 sequences per step
  lr?: number;             // 3e-3 (Adam)
  clip?: number;           // 1: global gradient-norm clip; 0 turns it off
  evalSequences?: number;  // 256 held-out sequences
  seed?: number;           // 1
}
export const RECALL_DEFAULTS: Readonly<Required<RecallOptions>>;

/** keyHits of the headReads (query position, query head) put their largest weight on the pair asked for. */
export interface RecallStats { loss: number; accuracy: number; correct: number; asked: number; keyHits: number; headReads: number }
export interface RecallEval extends RecallStats { step: number }
export interface RecallProgress { step: number; steps: number; eval: RecallEval }

export class RecallTrainer {
  private constructor();
  readonly options: Readonly<Required<RecallOptions>>;
  readonly stepsDone: number;
  readonly parameterCount: number;
  /** The K/V heads now (after convert(), fewer than options.nKvHeads may say). */
  readonly nKvHeads: number;
  readonly deleted: boolean;
  /** `steps` Adam steps -> each step's training loss. */
  train(steps: number): Float32Array;
  /** Steps with held-out evaluations before, every `evalEvery` steps and at the end. */
  run(steps: number, options?: { evalEvery?: number; onProgress?: (p: RecallProgress) => void }): { losses: Float32Array; evals: RecallEval[] };
  /** Loss and recall accuracy on the fixed held-out set. */
  evaluate(): RecallStats;
  /** Held-out sequence `sequence` (default 0) and the model's attention and answers on it. */
  inspect(sequence?: number): RecallInspection;
  /** Uptraining: a new trainer with the K/V heads pooled to nKvHeads (must divide the current count). */
  convert(args: { nKvHeads: number; method?: ConvertMethod; seed?: number }): RecallTrainer;
  delete(): void;
}

export interface TrainRecallArgs extends RecallOptions {
  steps?: number;      // 300
  evalEvery?: number;  // steps / 10
  onProgress?: (p: RecallProgress) => void;
}

export interface TrainRecallResult {
  options: Readonly<Required<RecallOptions>>;
  steps: number;
  /** Training loss of every step. */
  losses: Float32Array;
  evals: RecallEval[];
  final: RecallEval;
  parameterCount: number;
}
