// probes.cpp - see probes.h.
#include "probes.h"

#include "simd.h"

namespace gqa {

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
  f32x4 a[8];
  for (int k = 0; k < 8; ++k) a[k] = splat(seed + float(k));
  for (uint64_t i = 0; i < iters; ++i) {
    for (int k = 0; k < 8; ++k) a[k] = madd(c, a[k], b);  // a = c + a*b: 8 independent chains
  }
  return hsum(add(add(add(a[0], a[1]), add(a[2], a[3])), add(add(a[4], a[5]), add(a[6], a[7]))));
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
  float a[8];
  for (int k = 0; k < 8; ++k) a[k] = seed + float(k);
  for (uint64_t i = 0; i < iters; ++i) {
    for (int k = 0; k < 8; ++k) a[k] = 1e-7f + a[k] * 0.999999f;
  }
  float s = 0;
  for (int k = 0; k < 8; ++k) s += a[k];
  return s;
}
#endif

int probe_madds_per_iter() { return GQA_SIMD ? 32 : 8; }

}  // namespace gqa
