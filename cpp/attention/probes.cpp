// probes.cpp - see probes.h.
#include "attention/probes.h"

#include "attention/simd.h"

namespace gqa {

// Each chain's step is a multiply, then an add that waits for it (6 cycles of latency here), so
// the chains must outnumber latency x throughput: with 8, the probe measured the latency (WASM
// SIMD 12.9-14.1 G multiply-adds/s, where 12-13 chains measured 16-22 G/s on the same machine).
// 12 chains and the 2 constants fit V8's 15 allocatable xmm registers; 14 or more spilled
// (9-11 G/s).
constexpr int kMaddChains = 12;

#if GQA_SIMD
float probe_stream_sum(const float* x, uint64_t n) {
  using namespace simd;
  f32x4 a0 = splat(0), a1 = splat(0), a2 = splat(0), a3 = splat(0);
  uint64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = add(a0, load(x + i));
    a1 = add(a1, load(x + i + 4));
    a2 = add(a2, load(x + i + 8));
    a3 = add(a3, load(x + i + 12));
  }
  float s = hsum(add(add(a0, a1), add(a2, a3)));
  for (; i < n; ++i) s += x[i];
  return s;
}

float probe_madd(uint64_t iters, float seed) {
  using namespace simd;
  const f32x4 b = splat(0.999999f), c = splat(1e-7f);
  f32x4 a[kMaddChains];
  for (int k = 0; k < kMaddChains; ++k) a[k] = splat(seed + float(k));
  for (uint64_t i = 0; i < iters; ++i) {
    for (int k = 0; k < kMaddChains; ++k) a[k] = madd(c, a[k], b);  // a = c + a*b: independent chains
  }
  f32x4 s = a[0];
  for (int k = 1; k < kMaddChains; ++k) s = add(s, a[k]);
  return hsum(s);
}
#else
float probe_stream_sum(const float* x, uint64_t n) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  uint64_t i = 0;
  for (; i + 4 <= n; i += 4) { s0 += x[i]; s1 += x[i + 1]; s2 += x[i + 2]; s3 += x[i + 3]; }
  for (; i < n; ++i) s0 += x[i];
  return (s0 + s1) + (s2 + s3);
}

float probe_madd(uint64_t iters, float seed) {
  float a[kMaddChains];
  for (int k = 0; k < kMaddChains; ++k) a[k] = seed + float(k);
  for (uint64_t i = 0; i < iters; ++i) {
    for (int k = 0; k < kMaddChains; ++k) a[k] = 1e-7f + a[k] * 0.999999f;
  }
  float s = 0;
  for (int k = 0; k < kMaddChains; ++k) s += a[k];
  return s;
}
#endif

int probe_madds_per_iter() { return GQA_SIMD ? 4 * kMaddChains : kMaddChains; }

}  // namespace gqa
