// Every invalid argument throws an Error naming the field, the value and what was expected,
// and the module keeps working right after each one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore } from 'gqa-playground';
import { randomArray, referenceAttention, worstRatio } from './reference.mjs';

const core = await loadCore();
const H = 8, G = 2, d = 4;
const good = () => ({ q: randomArray(2 * H * d, 1), k: randomArray(3 * G * d, 2), v: randomArray(3 * G * d, 3), nHeads: H, nKvHeads: G, headDim: d });
const want = referenceAttention(good());

/** The call throws `Kind` with a message matching `pattern`, then a valid call gives right numbers. */
function refuses(fn, Kind, pattern) {
  assert.throws(fn, (err) => err instanceof Kind && pattern.test(err.message), `expected ${Kind.name} matching ${pattern}`);
  const out = core.attention(good()).out;
  assert.ok(worstRatio(out, want.out, want.tol, d) <= 1, 'the module must still compute correctly');
}

test('attention: bad shapes and options', () => {
  refuses(() => core.attention({ ...good(), nHeads: 'abc' }), TypeError, /^nHeads \("abc"\) must be an integer from 1 to 1024$/);
  refuses(() => core.attention({ ...good(), nHeads: 2.5 }), RangeError, /^nHeads \(2\.5\) must be an integer/);
  refuses(() => core.attention({ ...good(), nHeads: 0 }), RangeError, /^nHeads \(0\) must be an integer from 1/);
  refuses(() => core.attention({ ...good(), nHeads: -8 }), RangeError, /^nHeads \(-8\)/);
  refuses(() => core.attention({ ...good(), nHeads: NaN }), RangeError, /^nHeads \(NaN\)/);
  refuses(() => core.attention({ ...good(), nHeads: 1e10 }), RangeError, /^nHeads \(10000000000\)/);
  refuses(() => core.attention({ ...good(), nKvHeads: 3 }), RangeError, /^nHeads \(8\) must be a multiple of nKvHeads \(3\)$/);
  refuses(() => core.attention({ ...good(), headDim: undefined }), TypeError, /^headDim \(undefined\) must be an integer/);
  refuses(() => core.attention({ ...good(), causal: 'yes' }), TypeError, /^causal \("yes"\) must be true or false$/);
  refuses(() => core.attention({ ...good(), scale: Infinity }), RangeError, /^scale \(Infinity\) must be a finite number$/);
  refuses(() => core.attention({ ...good(), scale: '1' }), TypeError, /^scale \("1"\) must be a finite number$/);
  refuses(() => core.attention({ ...good(), window: -1 }), RangeError, /^window \(-1\)/);
  refuses(() => core.attention({ ...good(), nHead: 8 }), TypeError, /unknown option "nHead"/);
  refuses(() => core.attention(null), TypeError, /expects an options object, got null/);
  refuses(() => core.attention({ ...good(), causal: true, q: randomArray(5 * H * d, 1) }), RangeError, /^tq \(5\) must not exceed tk \(3\) when causal/);
});

test('attention: typed arrays of the wrong type or length', () => {
  refuses(() => core.attention({ ...good(), q: Array.from(good().q) }), TypeError, /^q \(Array\(64\)\) must be a Float32Array \[tq\]\[nHeads=8\]\[headDim=4\]$/);
  refuses(() => core.attention({ ...good(), q: new Float64Array(64) }), TypeError, /^q \(Float64Array\(64\)\) must be a Float32Array/);
  refuses(() => core.attention({ ...good(), q: new Float32Array(10) }), RangeError, /^q\.length \(10\) must be a positive multiple of 32/);
  refuses(() => core.attention({ ...good(), k: new Float32Array(0) }), RangeError, /^k\.length \(0\) must be a positive multiple of 8/);
  refuses(() => core.attention({ ...good(), v: new Float32Array(16) }), RangeError, /^v\.length \(16\) must be 24/);
});

test('attention: NaN or Infinity in q, k or v', () => {
  for (const [field, bad] of [['q', NaN], ['k', Infinity], ['v', -Infinity]]) {
    const args = good();
    args[field][5] = bad;
    refuses(() => core.attention(args), RangeError, new RegExp(`^${field}\\[5\\] \\(${String(bad)}\\) must be a finite number$`));
  }
});

test('attention: scores that overflow float32 are an error, never Infinity or NaN', () => {
  const big = new Float32Array(8).fill(3e19);
  refuses(() => core.attention({ q: big, k: big, v: big, nHeads: 1, nKvHeads: 1, headDim: 8 }), Error, /overflows float32/);
});

test('KV cache: bad configs, appends past capacity, budget, calls after delete()', () => {
  refuses(() => core.createKvCache({ nKvHeads: 2, headDim: 4, capacity: 0 }), RangeError, /^capacity \(0\) must be an integer from 1/);
  refuses(() => core.createKvCache({ nKvHeads: 2, headDim: 4, capacity: 8, dtype: 'bf16' }), RangeError, /^dtype \("bf16"\) must be one of 'f32', 'f16', 'int8'$/);
  refuses(() => core.createKvCache({ nKvHeads: 2, headDim: 4, capacity: 8, dtype: 7 }), TypeError, /^dtype \(7\)/);
  refuses(() => core.createKvCache({ nKvHeads: 64, headDim: 128, capacity: 2 ** 20 }), RangeError,
    /^the KV cache needs 68719476736 bytes \(64\.00 GiB\), over the memory budget of 1073741824 bytes/);
  const cache = core.createKvCache({ nKvHeads: G, headDim: d, capacity: 3, dtype: 'f16' });
  const k = randomArray(3 * G * d, 2), v = randomArray(3 * G * d, 3);
  refuses(() => cache.attend(good().q.subarray(0, H * d), { nHeads: H }), RangeError, /^tq \(1\) must be from 1 to the cache length \(0\)/);
  cache.append(k.subarray(0, 2 * G * d), v.subarray(0, 2 * G * d));
  refuses(() => cache.append(k, v), RangeError, /^appending 3 tokens to a cache holding 2 would exceed its capacity \(3\)$/);
  assert.equal(cache.length, 2);
  const kbad = k.slice(0, G * d); kbad[1] = NaN;
  refuses(() => cache.append(kbad, v.subarray(0, G * d)), RangeError, /^k\[1\] \(NaN\) must be a finite number$/);
  const khuge = k.slice(0, G * d); khuge[0] = 1e6;
  refuses(() => cache.append(khuge, v.subarray(0, G * d)), RangeError, /^k\[0\] \(1e\+06\) is outside the f16 range/);
  assert.equal(cache.length, 2, 'a refused append changes nothing');
  refuses(() => cache.append(k.subarray(0, 5), v.subarray(0, 5)), RangeError, /^k\.length \(5\) must be a positive multiple of 8/);
  refuses(() => cache.attend(good().q, { nHeads: 7 }), RangeError, /^nHeads \(7\) must be a multiple of nKvHeads \(2\)$/);
  refuses(() => cache.attend(good().q, { nHeads: H, window: 'x' }), TypeError, /^window \("x"\)/);
  const out = cache.attend(good().q, { nHeads: H });
  assert.equal(out.length, 2 * H * d);
  cache.delete();
  refuses(() => cache.append(k, v), Error, /^KvCache\.append: this cache was deleted/);
  refuses(() => cache.attend(good().q, { nHeads: H }), Error, /^KvCache\.attend: this cache was deleted/);
  cache.delete();  // twice is harmless
});
