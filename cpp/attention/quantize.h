// quantize.h - symmetric per-row integer quantisation, written once: the int8 KV cache rows
// (kv_cache.cpp) and the int16 queries the int8 score kernel reads (decode.cpp).
#pragma once

#include <cmath>
#include <cstdint>

namespace gqa {

/// out[i] = round(x[i] / s), clamped to [-qmax, qmax], s = max|x| / qmax (out all 0 for a row of
/// zeros); returns factor · s as a float — out (n,) int8_t or int16_t, x (n,) finite.
/// The inverse step and the returned scale are computed in double: qmax / max|x| overflows float
/// for a subnormal max|x|, and factor · max|x| (two floats) is exact in double, so a caller that
/// folds a factor into the scale (the query's attention scale) rounds once.
template <class T>
float quantize_row_symmetric(T* out, const float* x, int n, int32_t qmax, double factor = 1.0) {
  float amax = 0.0f;
  for (int i = 0; i < n; ++i) amax = std::fabs(x[i]) > amax ? std::fabs(x[i]) : amax;
  const double inv = amax > 0.0f ? double(qmax) / double(amax) : 0.0;
  for (int i = 0; i < n; ++i) {
    const double r = std::nearbyint(double(x[i]) * inv);
    out[i] = T(r > qmax ? qmax : r < -qmax ? -qmax : int(r));
  }
  return float(factor * double(amax) / double(qmax));
}

}  // namespace gqa
