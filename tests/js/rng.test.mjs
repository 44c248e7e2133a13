// The one seeded generator of the JS side (web/lib/rng.js): its stream is pinned, because the page's
// example, the benchmark's inputs (which the native bench regenerates in C++) and the tests' data
// all depend on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillUniform, mulberry32 } from '../../web/lib/rng.js';
import { stepInputs } from '../../web/lib/bench-data.js';

test('mulberry32: the published stream, mapped to [-1, 1)', () => {
  // mulberry32(1) in [0, 1) starts 0.6270739405881613, 0.002735721180215478, 0.5274470399599522
  const next = mulberry32(1);
  assert.deepEqual([next(), next(), next()], [0.6270739405881613, 0.002735721180215478, 0.5274470399599522].map((u) => u * 2 - 1));
  const wrapped = mulberry32(2 ** 32 + 1);  // seeds are taken as uint32
  assert.equal(wrapped(), 0.6270739405881613 * 2 - 1);
});

test('fillUniform: the stream, scaled, stored into the array', () => {
  assert.deepEqual(Array.from(fillUniform(new Float32Array(3), 123456789)),
    [-0.48441851139068604, 0.941544234752655, 0.5706560015678406]);
  const next = mulberry32(9);
  const scaled = fillUniform(new Float64Array(4), 9, 0.5);
  for (const x of scaled) assert.equal(x, next() * 0.5);
  // the benchmark's q for H = 1, G = 1, d = 3, T = 1 is the stream of seed 7919 + 104729 + 3 · 1299709 + 1
  assert.deepEqual(stepInputs({ H: 1, G: 1, d: 3, T: 1 }).q, fillUniform(new Float32Array(3), 4011776));
});
