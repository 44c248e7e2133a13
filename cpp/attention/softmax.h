// softmax.h - the numerically safe softmax the prefill path uses, and the visible-key rule.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>

namespace gqa {

/// y[j] = exp(x[j] - max x) / Σ exp(x[i] - max x) over one row of n scores.
/// Entries of -Infinity are masked keys and get weight 0; at least one entry must be finite,
/// which the caller guarantees (every query sees at least one key). Max-subtraction keeps
/// every exponent <= 0, so finite input never overflows and the largest term is exactly 1.
inline void softmax_row(const float* x, int64_t n, float* y) {
  float mx = -INFINITY;
  for (int64_t j = 0; j < n; ++j) mx = x[j] > mx ? x[j] : mx;
  float sum = 0.0f;
  for (int64_t j = 0; j < n; ++j) {
    y[j] = std::exp(x[j] - mx);  // exp(-inf) = 0 for masked keys
    sum += y[j];
  }
  const float inv = 1.0f / sum;  // sum >= 1: the max term contributes exactly 1
  for (int64_t j = 0; j < n; ++j) y[j] *= inv;
}

/// The keys [lo, hi) that query row i of tq may see among tk keys. The causal mask is aligned
/// bottom-right, as when decoding with a cache: query i sits at position i + tk - tq, sees keys
/// j <= i + tk - tq, and with a sliding window also only j > i + tk - tq - window.
inline void visible_keys(int64_t i, int64_t tq, int64_t tk, bool causal, int64_t window,
                         int64_t* lo, int64_t* hi) {
  const int64_t pos = i + tk - tq;
  *hi = causal ? pos + 1 : tk;
  *lo = window > 0 ? pos - window + 1 : 0;
  if (*lo < 0) *lo = 0;
  if (*hi > tk) *hi = tk;
}

/// True for finite floats (no NaN, no ±Infinity), without relying on -ffast-math semantics.
inline bool is_finite(float x) { return std::fabs(x) <= FLT_MAX; }

}  // namespace gqa
