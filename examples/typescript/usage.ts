// usage.ts - the package's types in use, checked by `tsc --noEmit --strict` in tests/js/package.test.mjs
// (against the packed tarball installed into a fresh project).
import { CoreAbortedError, loadCore, type BudgetSolution, type ConversionPoint, type Core, type KvCache, type LayerGroup, type MlaCache, type Model, type ModelKvCache, type PagedKvCache, type PagedKvCacheStats, type RecallTrainer, type TrainRecallResult } from 'gqa-playground';
import type { GqaPlaygroundElement, PlaygroundState } from 'gqa-playground/element';

export async function kvCacheReport(): Promise<string> {
  const core: Core = await loadCore({ simd: false });
  const bytes: number = core.kvCacheBytes({ layers: 32, nKvHeads: 8, headDim: 128, tokens: 8192, dtype: 'f16' });
  const llama: ModelKvCache = core.modelKvCache({ model: 'llama-3.1-70b', tokens: 8192, batch: 8 });
  const fit: BudgetSolution = core.solveBudget({ model: 'llama-3.1-8b', device: 'h100-80gb', tokens: 8192 });
  const custom = core.solveBudget({ model: 'llama-3.1-8b', memoryGB: 24, bandwidthGBs: 1000 });
  return `${bytes} ${llama.variants.map((v) => v.label).join(', ')} ${fit.maxBatch} ${custom.device.name}`;
}

/** A pasted config.json, sized layer by layer, and the share each layer kind takes. */
export function fromConfig(core: Core, configJson: string): string {
  const model: Model = core.modelFromConfig(configJson, { params: 12e9 });
  const global: LayerGroup | undefined = model.layout.find((g) => g.kind === 'full');
  const kv: ModelKvCache = core.modelKvCache({ model, tokens: 131072 });
  const fit = core.solveBudget({ model, device: 'h100-80gb' });
  return `${model.layerPattern} ${global?.layerIndices?.join(',') ?? ''} ${kv.byKind.map((k) => `${k.kind}: ${k.perSequence}`).join('; ')} ` +
    `vs uniform ${kv.uncapped.perSequence}; ${fit.maxContext}`;
}

export function describe(core: Core, nHeads: number, nKvHeads: number): string {
  const kind: 'MHA' | 'GQA' | 'MQA' = core.attentionKind(nHeads, nKvHeads);
  const { limits, dtypes } = core.info;
  return `${kind}: up to ${limits.heads} heads of ${limits.headDim}, ${limits.modelTokens} tokens; ${dtypes.memory.join(', ')}`;
}

/** One prompt stored once, two continuations sharing its blocks (PagedAttention). */
export function sharedPrefix(core: Core, q: Float32Array, k: Float32Array, v: Float32Array): PagedKvCacheStats {
  const pool: PagedKvCache = core.createPagedKvCache({ nKvHeads: 2, headDim: 64, blockSize: 16, numBlocks: 64, dtype: 'f16' });
  try {
    const prompt: number = pool.addSequence();
    pool.append(prompt, k, v);
    const branch: number = pool.fork(prompt);
    pool.append(branch, k.subarray(0, 2 * 64), v.subarray(0, 2 * 64));
    const out: Float32Array = pool.attend(branch, q, { nHeads: 8, window: 128 });
    const table: number[] = pool.blockTable(branch);
    if (out.length !== q.length || table.length * pool.blockSize < pool.length(branch)) throw new Error('paged');
    pool.free(prompt);
    return pool.stats();
  } finally {
    pool.delete();
  }
}

export function decode(core: Core, q: Float32Array, k: Float32Array, v: Float32Array): Float32Array {
  const cache: KvCache = core.createKvCache({ nKvHeads: 2, headDim: 64, capacity: 4096, dtype: 'int8' });
  try {
    cache.append(k, v);
    const { out, weights } = core.attention({ q, k, v, nHeads: 8, nKvHeads: 2, headDim: 64, causal: true, returnWeights: true });
    if (weights && weights.length !== 0 && out.length !== q.length) throw new Error('shapes');
    const sinkLogits = new Float32Array(8).fill(-1);  // gpt-oss: each head may attend to nothing
    const sunk: Float32Array = core.attention({ q, k, v, nHeads: 8, nKvHeads: 2, headDim: 64, sinkLogits }).out;
    if (sunk.length !== q.length) throw new Error('shapes');
    const stream: KvCache = core.createKvCache({ nKvHeads: 2, headDim: 64, capacity: 256, streaming: { sinks: 4 } });
    try {
      stream.append(k, v);
      const kept: number = stream.length, seen: number = stream.seen;
      if (kept > seen || stream.streaming?.sinks !== 4) throw new Error('streaming');
    } finally {
      stream.delete();
    }
    return cache.attend(q, { nHeads: 8, sinkLogits });
  } catch (err) {
    if (err instanceof CoreAbortedError) return new Float32Array(q.length);
    throw err;
  } finally {
    cache.delete();
  }
}

export function latent(core: Core, qNope: Float32Array, qRope: Float32Array, latent: Float32Array, kRope: Float32Array,
  wUk: Float32Array, wUv: Float32Array): number {
  const widths = { nHeads: 128, kvLoraRank: 512, qkRopeHeadDim: 64, qkNopeHeadDim: 128, vHeadDim: 128 };
  const { out } = core.mlaAttention({ qNope, qRope, latent, kRope, wUk, wUv, ...widths, causal: true, absorb: false });
  const cache: MlaCache = core.createMlaCache({ kvLoraRank: 512, qkRopeHeadDim: 64, capacity: 4096, dtype: 'f16' });
  cache.append(latent, kRope);
  const step: Float32Array = cache.attend({ qNope, qRope, wUk, wUv, nHeads: 128, qkNopeHeadDim: 128, vHeadDim: 128 });
  cache.delete();
  return out.length + step.length + cache.bytes;
}

export function quality(core: Core, wk: Float32Array, wv: Float32Array): string {
  const pooled = core.convertKvHeads({ wk, wv, dModel: 64, nHeads: 8, headDim: 8, nKvHeads: 2, method: 'mean' });
  const curve: ConversionPoint[] = core.conversionError({ similarity: 0.8 });
  const run: TrainRecallResult = core.trainRecall({ nKvHeads: 1, steps: 100, onProgress: (p) => console.log(p.step, p.eval.accuracy) });
  const mha: RecallTrainer = core.createRecallTrainer({ nKvHeads: 8, seed: 2 });
  mha.train(200);
  const gqa = mha.convert({ nKvHeads: 2 });
  const { evals } = gqa.run(10, { evalEvery: 5 });
  gqa.delete();
  mha.delete();
  return `${pooled.wk.length} ${curve[0].mean} ${run.final.accuracy} ${evals.at(-1)?.loss}`;
}

export function element(): PlaygroundState | null {
  const el: GqaPlaygroundElement | null = document.querySelector('gqa-playground');
  if (!el) return null;
  el.kvHeads = 4;
  el.sections = ['controls', 'cache'];
  el.addEventListener('gqa-render', (e) => console.log(e.detail.state.g));
  return el.state;
}

export function wrongTypes(core: Core): void {
  // @ts-expect-error: the cache stores f32, f16 or int8, not fp8
  core.createKvCache({ nKvHeads: 2, headDim: 64, capacity: 16, dtype: 'fp8' });
  // @ts-expect-error: an MLA cache stores f32 or f16 latents
  core.createMlaCache({ kvLoraRank: 512, qkRopeHeadDim: 64, capacity: 16, dtype: 'int8' });
  // @ts-expect-error: the limits are read-only
  core.info.limits.heads = 4;
  // @ts-expect-error: attentionKind never answers MLA (that is a catalog model's property)
  const mla: 'MLA' = core.attentionKind(8, 1);
  // @ts-expect-error: nHeads is required
  core.attention({ q: new Float32Array(1), k: new Float32Array(1), v: new Float32Array(1), nKvHeads: 1, headDim: 1 });
  // @ts-expect-error: the conversion methods are mean, first and random
  core.convertKvHeads({ wk: new Float32Array(1), wv: new Float32Array(1), dModel: 1, nHeads: 1, headDim: 1, nKvHeads: 1, method: 'median' });
  // @ts-expect-error: a device id or memoryGB + bandwidthGBs, not both
  core.solveBudget({ model: 'llama-3.1-8b', device: 'h100-80gb', memoryGB: 80, bandwidthGBs: 3350 });
  const el = document.createElement('gqa-playground');
  // @ts-expect-error: not a section
  el.sections = ['heads', 'nonsense'];
}
