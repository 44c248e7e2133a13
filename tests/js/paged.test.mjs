// The paged KV cache (PagedAttention) through the JS API, every build this node runs: forks share blocks and an
// append copies a shared partly filled last block (block tables and counts as computed by hand),
// every sequence equals plain attention over its own tokens, f16 and int8 within their documented
// tolerances; running out of blocks and stale ids are refused by name and change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreAbortedError, loadCore } from 'gqa-playground';
import { maxAbsDiff, randomArray, referenceAttention, worstRatio } from './reference.mjs';
import { variants } from './variants.mjs';

const H = 8, G = 2, d = 8, row = G * d;

/** One cache and the tokens each of its sequences holds, so each can be checked against the reference. */
function tracked(core, options) {
  const cache = core.createPagedKvCache({ nKvHeads: G, headDim: d, ...options });
  const tokens = new Map();  // id -> { k: number[], v: number[] }
  let seed = 1;
  return {
    cache,
    add() { const id = cache.addSequence(); tokens.set(id, { k: [], v: [] }); return id; },
    fork(id) { const c = cache.fork(id); tokens.set(c, { k: [...tokens.get(id).k], v: [...tokens.get(id).v] }); return c; },
    append(id, n) {
      const k = randomArray(n * row, seed++), v = randomArray(n * row, seed++);
      cache.append(id, k, v);
      tokens.get(id).k.push(...k);
      tokens.get(id).v.push(...v);
    },
    free(id) { cache.free(id); tokens.delete(id); },
    /** Every live sequence against float64 attention over its own tokens; worst |Δ|/tol. */
    check(options = {}) {
      let worst = 0;
      for (const [id, { k, v }] of tokens) {
        const tq = Math.min(3, k.length / row);
        const q = randomArray(tq * H * d, 100 + id, 2);
        const want = referenceAttention({ q, k: Float32Array.from(k), v: Float32Array.from(v), nHeads: H, nKvHeads: G, headDim: d, causal: true, ...options });
        assert.equal(cache.length(id), k.length / row);
        worst = Math.max(worst, worstRatio(cache.attend(id, q, { nHeads: H, ...options }), want.out, want.tol, d));
      }
      assert.ok(worst <= 1, `worst |Δ|/tol = ${worst}`);
    },
  };
}

for (const core of variants) {
  test(`${core.variant}: forks share blocks, appends copy on write, every sequence equals plain attention`, () => {
    const t = tracked(core, { blockSize: 4, numBlocks: 16 });
    const { cache } = t;
    assert.equal(cache.bytes, 2 * G * 16 * 4 * d * 4);
    assert.deepEqual([cache.blockSize, cache.numBlocks, cache.dtype], [4, 16, 'f32']);
    const a = t.add();
    t.append(a, 6);
    assert.deepEqual(cache.blockTable(a), [0, 1]);
    assert.deepEqual(cache.stats(), { usedBlocks: 2, freeBlocks: 14, sharedBlocks: 0 });
    const b = t.fork(a);
    assert.deepEqual(cache.blockTable(b), [0, 1]);
    assert.deepEqual(cache.stats(), { usedBlocks: 2, freeBlocks: 14, sharedBlocks: 2 });
    const q = randomArray(H * d, 9);
    const before = cache.attend(a, q, { nHeads: H });
    t.append(b, 1);  // b's copy of block 1 is block 2; a reads what it read before
    assert.deepEqual(cache.blockTable(b), [0, 2]);
    assert.deepEqual(cache.blockTable(a), [0, 1]);
    assert.deepEqual(cache.stats(), { usedBlocks: 3, freeBlocks: 13, sharedBlocks: 1 });
    assert.deepEqual(cache.attend(a, q, { nHeads: H }), before);
    t.append(a, 5);  // in place, then a fresh block past the boundary
    assert.deepEqual(cache.blockTable(a), [0, 1, 3]);
    const c = t.fork(b);
    t.append(c, 1);  // copies b's block 2 into block 4
    assert.deepEqual(cache.blockTable(c), [0, 4]);
    assert.deepEqual(cache.stats(), { usedBlocks: 5, freeBlocks: 11, sharedBlocks: 1 });
    t.check();
    t.check({ window: 2, sinkLogits: randomArray(H, 5, 2) });
    t.check({ scale: 0.3 });
    t.free(b);  // block 2 goes back; block 0 is still a's and c's
    assert.deepEqual(cache.stats(), { usedBlocks: 4, freeBlocks: 12, sharedBlocks: 1 });
    const e = t.add();
    t.append(e, 9);  // the freed block first, then the untouched ones
    assert.deepEqual(cache.blockTable(e), [2, 5, 6]);
    t.check({ window: 5 });
    cache.delete();
    assert.equal(cache.deleted, true);
  });

  test(`${core.variant}: f16 and int8 pools stay within their documented tolerances through forks`, () => {
    // as kv-cache.test.mjs: 2 * scale * Σ|q| * max|Δk| + max|Δv| (+ float32 rounding), data in [-1, 1]
    const dk = { f16: 2 ** -11, int8: 1 / 254 };
    for (const dtype of ['f16', 'int8']) {
      const cache = core.createPagedKvCache({ nKvHeads: G, headDim: d, blockSize: 3, numBlocks: 12, dtype });
      const k = randomArray(10 * row, 41), v = randomArray(10 * row, 42), q = randomArray(H * d, 43);
      const a = cache.addSequence();
      cache.append(a, k.subarray(0, 7 * row), v.subarray(0, 7 * row));
      const b = cache.fork(a);
      cache.append(b, k.subarray(7 * row), v.subarray(7 * row));  // copies a's last block
      let qsum = 0;
      for (let h = 0; h < H; h++) { let s = 0; for (let i = 0; i < d; i++) s += Math.abs(q[h * d + i]); qsum = Math.max(qsum, s); }
      const bound = 2 * (1 / Math.sqrt(d)) * qsum * dk[dtype] + dk[dtype] + 1e-5;
      for (const [id, n] of [[a, 7], [b, 10]]) {
        const exact = referenceAttention({ q, k: k.subarray(0, n * row), v: v.subarray(0, n * row), nHeads: H, nKvHeads: G, headDim: d, causal: true });
        const err = maxAbsDiff(cache.attend(id, q, { nHeads: H }), exact.out);
        assert.ok(err <= bound, `${dtype} sequence ${id}: max |Δ| ${err} > bound ${bound}`);
      }
      assert.equal(cache.bytes, 2 * G * 36 * d * (dtype === 'f16' ? 2 : 1) + (dtype === 'int8' ? 2 * G * 36 * 4 : 0));
      cache.delete();
    }
  });
}

test('running out of blocks and stale ids are refused by name, change nothing, and the cache keeps working', () => {
  const core = variants[0];
  const t = tracked(core, { blockSize: 2, numBlocks: 3 });
  const { cache } = t;
  const a = t.add();
  assert.throws(() => t.append(a, 7), { name: 'RangeError', message: 'out of blocks: appending 7 tokens to sequence 0 needs 4 free blocks, and 3 of 3 are free' });
  t.append(a, 5);
  const b = t.fork(a);
  const stats = cache.stats();
  assert.deepEqual(stats, { usedBlocks: 3, freeBlocks: 0, sharedBlocks: 3 });
  assert.throws(() => t.append(b, 1), { name: 'RangeError', message: /^out of blocks: appending 1 tokens to sequence 1 needs 1 free blocks \(one to copy its shared last block\), and 0 of 3 are free$/ });
  assert.deepEqual(cache.stats(), stats);
  assert.deepEqual(cache.blockTable(b), [0, 1, 2]);
  assert.equal(cache.length(b), 5);
  t.check();
  t.free(b);
  t.append(a, 1);
  t.check({ window: 3 });
  const freed = 'expected the id of a live sequence, from addSequence() or fork()';
  assert.throws(() => cache.attend(b, randomArray(H * d, 1), { nHeads: H }), { name: 'RangeError', message: `id (1) is a sequence that was freed: ${freed}` });
  for (const call of [() => cache.append(b, randomArray(row, 1), randomArray(row, 2)), () => cache.fork(b), () => cache.free(b), () => cache.blockTable(b), () => cache.length(b)]) {
    assert.throws(call, { name: 'RangeError', message: `id (1) is a sequence that was freed: ${freed}` });
  }
  assert.throws(() => cache.length(7), { name: 'RangeError', message: `id (7) is no sequence of this cache: ${freed}` });
  assert.throws(() => cache.length('0'), { name: 'TypeError', message: `id ("0") must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}` });
  assert.throws(() => cache.fork(0.5), { name: 'RangeError', message: /^id \(0\.5\) must be an integer/ });
  assert.throws(() => cache.fork(-1), { name: 'RangeError', message: /^id \(-1\) is no sequence of this cache/ });
  assert.equal(cache.addSequence(), 2, 'ids are never reused');
  cache.delete();
  assert.throws(() => cache.stats(), { message: 'PagedKvCache.stats: this paged cache was deleted; create a new one with core.createPagedKvCache()' });
  cache.delete();  // twice is harmless
});

test('createPagedKvCache and attend: bad arguments name the field, the value and what was expected', () => {
  const core = variants[1];
  const { limits } = core.info;
  assert.equal(limits.sequences, 65536);
  const good = { nKvHeads: G, headDim: d, blockSize: 4, numBlocks: 8 };
  assert.throws(() => core.createPagedKvCache({ ...good, capacity: 8 }), { name: 'TypeError', message: /^createPagedKvCache: unknown option "capacity" \(expected one of nKvHeads, headDim, blockSize, numBlocks, dtype\)$/ });
  assert.throws(() => core.createPagedKvCache({ ...good, blockSize: 0 }), { name: 'RangeError', message: `blockSize (0) must be an integer from 1 to ${limits.tokens}` });
  assert.throws(() => core.createPagedKvCache({ ...good, numBlocks: 'many' }), { name: 'TypeError', message: `numBlocks ("many") must be an integer from 1 to ${limits.tokens}` });
  assert.throws(() => core.createPagedKvCache({ ...good, dtype: 'bf16' }), { name: 'RangeError', message: /^dtype \("bf16"\) must be one of 'f32', 'f16', 'int8'$/ });
  assert.throws(() => core.createPagedKvCache({ ...good, blockSize: 4096, numBlocks: 8192 }), { name: 'RangeError', message: 'numBlocks · blockSize (8192 · 4096 = 33554432 tokens) must be at most 16777216 tokens' });
  assert.throws(() => core.createPagedKvCache({ nKvHeads: 64, headDim: 128, blockSize: 16, numBlocks: 65536 }), { name: 'RangeError', message: /^the paged KV cache needs 68719476736 bytes \(64\.00 GiB\), over the memory budget of 1073741824 bytes/ });
  const cache = core.createPagedKvCache(good);
  const id = cache.addSequence();
  const k = randomArray(2 * row, 1);
  assert.throws(() => cache.attend(id, randomArray(H * d, 1), { nHeads: H }), { name: 'RangeError', message: 'sequence 0 is empty: append tokens before attend' });
  assert.throws(() => cache.append(id, k, k.subarray(1)), { name: 'RangeError', message: /^v\.length \(31\) must be 32: v is \[n\]\[nKvHeads=2\]\[headDim=8\] like k$/ });
  assert.throws(() => cache.append(id, [1, 2], k), { name: 'TypeError', message: /^k \(Array\(2\)\) must be a Float32Array/ });
  const kbad = k.slice(); kbad[3] = Infinity;
  assert.throws(() => cache.append(id, kbad, k), { name: 'RangeError', message: 'k[3] (Infinity) must be a finite number' });
  assert.equal(cache.length(id), 0);
  cache.append(id, k, k);
  const q = randomArray(3 * H * d, 2);
  assert.throws(() => cache.attend(id, q, { nHeads: H }), { name: 'RangeError', message: /^tq \(3\) must be from 1 to the sequence's length \(2\): the queries are those of the last tq appended tokens$/ });
  assert.throws(() => cache.attend(id, q, { nHeads: H, causal: true }), { name: 'TypeError', message: /^attend: unknown option "causal"/ });
  assert.throws(() => cache.attend(id, q, { nHeads: 7 }), { name: 'RangeError', message: 'nHeads (7) must be a multiple of nKvHeads (2)' });
  assert.throws(() => cache.attend(id, q.subarray(0, H * d), { nHeads: H, sinkLogits: new Float32Array(3) }), { name: 'RangeError', message: /^sinkLogits\.length \(3\) must be 8/ });
  assert.throws(() => cache.attend(id, q.subarray(0, H * d), { nHeads: H, window: -1 }), { name: 'RangeError', message: /^window \(-1\) must be/ });
  assert.equal(cache.attend(id, q.subarray(0, 2 * H * d), { nHeads: H }).length, 2 * H * d);
  cache.delete();
});

test('a paged cache of an aborted instance refuses clearly; the next one works', async () => {
  const core = await loadCore({ debug: true, simd: false });
  const cache = core.createPagedKvCache({ nKvHeads: 1, headDim: 4, blockSize: 2, numBlocks: 2 });
  const id = cache.addSequence();
  const orig = console.warn;
  console.warn = () => {};
  try {
    assert.throws(() => core.debug.abort(), CoreAbortedError);
  } finally {
    console.warn = orig;
  }
  assert.throws(() => cache.length(id), /^Error: PagedKvCache\.length: this paged cache belonged to a core instance that aborted/);
  const fresh = core.createPagedKvCache({ nKvHeads: 1, headDim: 4, blockSize: 2, numBlocks: 2 });
  assert.equal(fresh.addSequence(), 0);
  fresh.delete();
});
