// serving-facts.js - what "Serving the cache" asks of the core: real caches built, used and deleted
// in one call. A streaming cache with attention sinks (which keys each query still sees, the memory
// that stays flat, the mass a learned sink logit takes), and one decode step split along T
// (split-K / flash-decoding) merged against the unsplit step. The worker's method table
// (core-methods.js) runs them; the views only draw what comes back.
import { exampleInputs } from './example.js';

/** Runs fn(own) and deletes every native object own(x) was handed, whatever fn did. */
function owning(fn) {
  const objects = [];
  try {
    return fn((x) => { objects.push(x); return x; });
  } finally {
    for (const x of objects) x.delete();
  }
}

const inputsMemo = new Map();  // `H/G/d/T` -> exampleInputs: at 128 heads of 576 they take ~100 ms; a slider then reuses them

/** exampleInputs for this shape, kept for the latest few shapes. */
function inputs(shape) {
  const key = `${shape.nHeads}/${shape.nKvHeads}/${shape.headDim}/${shape.tokens}`;
  if (!inputsMemo.has(key)) {
    if (inputsMemo.size >= 4) inputsMemo.delete(inputsMemo.keys().next().value);
    inputsMemo.set(key, exampleInputs(shape));
  }
  return inputsMemo.get(key);
}

/** Row t of a row-major (T, n) Float32Array, as a copy: (1, n). */
const row = (a, t, n) => a.slice(t * n, (t + 1) * n);

/**
 * The sinks-and-window example's inputs: the heatmap example's q and k (T, H, dh) and (T, G, dh),
 * and one-hot values v[t][g] = e_t, so a query's output row IS its weights over the original
 * positions (an evicted position gets exactly 0). dh = max(head_dim, T): room for T positions.
 */
export function sinkInputs({ nHeads, nKvHeads, headDim, tokens }) {
  const dh = Math.max(headDim, tokens);
  const { q, k } = inputs({ nHeads, nKvHeads, headDim: dh, tokens });
  const v = new Float32Array(tokens * nKvHeads * dh);
  for (let t = 0; t < tokens; t++) for (let g = 0; g < nKvHeads; g++) v[(t * nKvHeads + g) * dh + t] = 1;
  return { q, k, v, headDim: dh };
}

/**
 * StreamingLLM in the core. args: { h, g, d, tokens, sinks, window, sinkLogit, dtype, multiples }.
 * A streaming cache of capacity sinks + window gets the example's tokens one at a time; after each,
 * the token's own query attends over what the cache kept. → {
 *   weights (tokens, tokens): query head 0's weight on each original position (0 where evicted or
 *     in the future), read from the output row; kept[t]: the cache's length after token t;
 *   nothing (H): 1 − Σ weights of the last token's query per head with every head's sink logit at
 *     sinkLogit (the mass it gives to "nothing");
 *   memory: [{ seen, kept, streaming, plain }] at each multiple of the capacity: streaming is a real
 *     streaming cache's bytes (one layer, the reader's G and head_dim, f32 or f16), plain what
 *     core.kvCacheBytes gives a cache holding every token seen.
 * }
 */
export function sinkFacts(core, { h, g, d, tokens, sinks, window, sinkLogit, dtype, multiples }) {
  const capacity = sinks + window;
  const x = sinkInputs({ nHeads: h, nKvHeads: g, headDim: d, tokens });
  const dh = x.headDim, kvRow = g * dh, qRow = h * dh;
  return owning((own) => {
    const cache = own(core.createKvCache({ nKvHeads: g, headDim: dh, capacity, streaming: { sinks } }));
    const weights = new Float32Array(tokens * tokens), kept = [];
    let last = null;
    for (let t = 0; t < tokens; t++) {
      cache.append(row(x.k, t, kvRow), row(x.v, t, kvRow));
      last = row(x.q, t, qRow);
      const out = cache.attend(last, { nHeads: h });
      weights.set(out.subarray(0, tokens), t * tokens);  // query head 0: its output row is its weights
      kept.push(cache.length);
    }
    const sunk = cache.attend(last, { nHeads: h, sinkLogits: new Float32Array(h).fill(sinkLogit) });
    const nothing = new Float64Array(h);
    for (let i = 0; i < h; i++) {
      let s = 0;
      for (let c = 0; c < dh; c++) s += sunk[i * dh + c];
      nothing[i] = 1 - s;
    }
    // the memory: a streaming cache at the reader's shape, fed zeros capacity tokens at a time
    const memory = [], store = own(core.createKvCache({ nKvHeads: g, headDim: d, capacity, dtype, streaming: { sinks } }));
    const block = new Float32Array(capacity * g * d);
    for (const m of multiples) {
      while (store.seen < m * capacity) store.append(block, block);
      memory.push({ seen: store.seen, kept: store.length, streaming: store.bytes,
        plain: core.kvCacheBytes({ layers: 1, nKvHeads: g, headDim: d, tokens: store.seen, dtype }) });
    }
    return { tokens, sinks, window, capacity, headDim: dh, nHeads: h, weights, kept, sinkLogit, nothing, dtype, memory };
  });
}

/**
 * One decode step split along T (split-K, flash-decoding). args: { h, g, d, tokens, chunks, head }.
 * The example's last query attends over all `tokens` keys in one cache (unsplit), and over each
 * chunk of tokens / chunks keys in a cache of its own (attendPartial: output, max and sum per head);
 * core.mergeAttention combines the chunks. → { parts: [{ from, to, max, sum, share, out (d) }] for
 * query head `head`, share = sum·e^(max − M) / L its weight in the merge; M, L: the merged row's max
 * and sum; merged, unsplit (d): head `head`'s outputs; maxDelta: max |merged − unsplit| over all
 * heads and dimensions, largest: max |unsplit| }.
 */
export function splitKFacts(core, { h, g, d, tokens, chunks, head }) {
  const { q, k, v } = inputs({ nHeads: h, nKvHeads: g, headDim: d, tokens });
  const last = row(q, tokens - 1, h * d), per = tokens / chunks, kvRow = g * d;
  return owning((own) => {
    const full = own(core.createKvCache({ nKvHeads: g, headDim: d, capacity: tokens }));
    full.append(k, v);
    const unsplit = full.attend(last, { nHeads: h });
    const partials = [];
    for (let c = 0; c < chunks; c++) {
      const part = own(core.createKvCache({ nKvHeads: g, headDim: d, capacity: per }));
      part.append(k.subarray(c * per * kvRow, (c + 1) * per * kvRow), v.subarray(c * per * kvRow, (c + 1) * per * kvRow));
      partials.push(part.attendPartial(last, { nHeads: h }));
    }
    const merged = core.mergeAttention(partials, { nHeads: h, headDim: d });
    let maxDelta = 0, largest = 0;
    for (let i = 0; i < merged.length; i++) {
      maxDelta = Math.max(maxDelta, Math.abs(merged[i] - unsplit[i]));
      largest = Math.max(largest, Math.abs(unsplit[i]));
    }
    // the merge's statistics for the drawn head: M = the largest chunk max, L = Σ sum·e^(max − M)
    const M = Math.max(...partials.map((p) => p.max[head]));
    const L = partials.reduce((s, p) => s + p.sum[head] * Math.exp(p.max[head] - M), 0);
    const parts = partials.map((p, c) => ({ from: c * per, to: (c + 1) * per - 1, max: p.max[head], sum: p.sum[head],
      share: (p.sum[head] * Math.exp(p.max[head] - M)) / L, out: p.out.slice(head * d, (head + 1) * d) }));
    return { tokens, chunks, per, nHeads: h, headDim: d, head, parts, M, L,
      merged: merged.slice(head * d, (head + 1) * d), unsplit: unsplit.slice(head * d, (head + 1) * d), maxDelta, largest };
  });
}

/**
 * PagedAttention in the core. args: { h, g, d, dtype, blockSize, prompt, continuations, maxLength }.
 * A system prompt of `prompt` tokens is appended to one sequence, forked once per continuation, and
 * freed; each fork then appends its own continuation (its first append copies a shared, partly
 * filled last block). Beside it, the same sequences in a pool where each stores its own prompt, and
 * each sequence in a plain cache. → {
 *   sequences: [{ id, length, table }] (the block tables), stats (shared pool), alone (the pool
 *   without sharing): { usedBlocks, freeBlocks, sharedBlocks }; numBlocks, blockSize;
 *   emptySlots: slots of the used blocks no token fills (the last, partial blocks);
 *   contiguousEmpty: Σ (maxLength − length), what reserving maxLength per sequence leaves empty;
 *   blockBytes, tokenBytes: core.kvCacheBytes of one layer at blockSize and 1 token; poolBytes;
 *   maxDelta: max |paged − plain| of each sequence's last query over all heads
 * }
 */
export function pagedFacts(core, { h, g, d, dtype, blockSize, prompt, continuations, maxLength }) {
  const n = continuations.length, total = continuations.reduce((a, b) => a + b, prompt);
  const { q, k, v } = inputs({ nHeads: h, nKvHeads: g, headDim: d, tokens: total });
  const kvRow = g * d, span = (a, from, to) => a.subarray(from * kvRow, to * kvRow);
  const starts = continuations.map((_, i) => continuations.slice(0, i).reduce((a, b) => a + b, prompt));
  // enough blocks for every sequence to hold its own prompt: the pool without sharing fits too
  const numBlocks = n * Math.ceil((prompt + Math.max(...continuations)) / blockSize);
  const pool = (own) => own(core.createPagedKvCache({ nKvHeads: g, headDim: d, blockSize, numBlocks, dtype }));
  return owning((own) => {
    const shared = pool(own), root = shared.addSequence();
    shared.append(root, span(k, 0, prompt), span(v, 0, prompt));
    const ids = continuations.map(() => shared.fork(root));
    shared.free(root);
    ids.forEach((id, i) => shared.append(id, span(k, starts[i], starts[i] + continuations[i]), span(v, starts[i], starts[i] + continuations[i])));

    const alone = pool(own);
    let maxDelta = 0;
    continuations.forEach((c, i) => {
      const id = alone.addSequence(), plain = own(core.createKvCache({ nKvHeads: g, headDim: d, capacity: prompt + c, dtype }));
      const tokens = (put) => { put(span(k, 0, prompt), span(v, 0, prompt)); put(span(k, starts[i], starts[i] + c), span(v, starts[i], starts[i] + c)); };
      tokens((kk, vv) => plain.append(kk, vv));
      tokens((kk, vv) => alone.append(id, kk, vv));
      const last = row(q, starts[i] + c - 1, h * d);
      const a = shared.attend(ids[i], last, { nHeads: h }), b = plain.attend(last, { nHeads: h });
      for (let j = 0; j < a.length; j++) maxDelta = Math.max(maxDelta, Math.abs(a[j] - b[j]));
    });

    const sequences = ids.map((id) => ({ id, length: shared.length(id), table: shared.blockTable(id) }));
    const fill = new Map();  // physical block -> tokens in it, over every table that holds it
    for (const s of sequences) s.table.forEach((b, j) => fill.set(b, Math.max(fill.get(b) ?? 0, Math.min(blockSize, s.length - j * blockSize))));
    const bytes = (tokens) => core.kvCacheBytes({ layers: 1, nKvHeads: g, headDim: d, tokens, dtype });
    return {
      nHeads: h, blockSize, prompt, maxLength, numBlocks, dtype, sequences,
      stats: shared.stats(), alone: alone.stats(),
      emptySlots: [...fill.values()].reduce((a, f) => a + blockSize - f, 0),
      contiguousEmpty: sequences.reduce((a, s) => a + maxLength - s.length, 0),
      blockBytes: bytes(blockSize), tokenBytes: bytes(1), poolBytes: shared.bytes, maxDelta,
    };
  });
}
