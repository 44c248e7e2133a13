// Recovery from a WebAssembly trap: the JS face discards the aborted instance, serves the next
// call from a fresh one, says so once, and caches of the dead instance refuse clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreAbortedError, loadCore } from 'gqa-playground';
import { randomArray, referenceAttention, worstRatio } from './reference.mjs';

for (const simd of [true, false]) {
  test(`${simd ? 'simd' : 'scalar'}: an abort is contained and the next call runs on a fresh instance`, async (t) => {
    const warnings = [];
    t.mock.method(console, 'warn', (msg) => warnings.push(msg));
    const core = await loadCore({ simd, debug: true });
    const args = { q: randomArray(3 * 8 * 16, 1), k: randomArray(5 * 2 * 16, 2), v: randomArray(5 * 2 * 16, 3), nHeads: 8, nKvHeads: 2, headDim: 16, causal: true };
    const want = referenceAttention(args);
    const cache = core.createKvCache({ nKvHeads: 2, headDim: 16, capacity: 8 });
    cache.append(args.k, args.v);
    assert.equal(core.generation, 1);

    assert.throws(() => core.debug.abort(), (err) => err instanceof CoreAbortedError && /the core aborted \(.*unreachable.*\)/.test(err.message));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /the WebAssembly core aborted/);

    // the next call is served by a fresh instance, with correct numbers
    const out = core.attention(args).out;
    assert.ok(worstRatio(out, want.out, want.tol, 16) <= 1);
    assert.equal(core.generation, 2);
    assert.throws(() => cache.attend(args.q, { nHeads: 8 }), /this cache belonged to a core instance that aborted/);
    cache.delete();  // harmless

    // caches work on the new instance; a second abort is not announced again
    const fresh = core.createKvCache({ nKvHeads: 2, headDim: 16, capacity: 8 });
    fresh.append(args.k, args.v);
    assert.ok(worstRatio(fresh.attend(args.q, { nHeads: 8 }), want.out, want.tol, 16) <= 1);
    assert.throws(() => core.debug.abort(), CoreAbortedError);
    assert.equal(warnings.length, 1);
    assert.equal(core.kvCacheBytes({ layers: 1, nKvHeads: 1, headDim: 1, tokens: 1 }), 4);
    assert.equal(core.generation, 3);
  });
}

test('debug.abort exists only when asked for', async () => {
  const core = await loadCore();
  assert.equal(core.debug, undefined);
});

test('results are the same after the WASM memory grows', async () => {
  const core = await loadCore();
  const args = { q: randomArray(4 * 8 * 32, 7), k: randomArray(9 * 4 * 32, 8), v: randomArray(9 * 4 * 32, 9), nHeads: 8, nKvHeads: 4, headDim: 32, causal: true, returnWeights: true };
  const before = core.attention(args);
  const big = core.createKvCache({ nKvHeads: 8, headDim: 128, capacity: 2 ** 16 });  // 512 MiB: the heap grows
  const after = core.attention(args);
  big.delete();
  assert.deepEqual(after.out, before.out);
  assert.deepEqual(after.weights, before.weights);
});
