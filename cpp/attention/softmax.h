// softmax.h - the numerically safe softmax the prefill path uses, and the visible-key rule.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>

namespace gqa {

/// The share of a row's attention its keys keep when a learned sink logit joins the softmax
/// (gpt-oss): one more logit with no value, so p_j = e^(x_j) / (Σ_k e^(x_k) + e^sink) and the
/// weights sum to s / (s + e^(sink − m)) < 1. m: the row's max score, s = Σ e^(x_k − m) >= 1.
/// Written 1 / (1 + e^(sink − m − ln s)) in double: a sink far above every score gives 0 (e^x
/// overflows to infinity, never NaN), far below gives 1. The one place prefill and the cache
/// apply a sink.
inline double sink_keep(double m, double s, double sink) { return 1.0 / (1.0 + std::exp(sink - m - std::log(s))); }

/// y[j] = exp(x[j] - max x) / Σ exp(x[i] - max x) over one row of n scores.
/// Entries of -Infinity are masked keys and get weight 0; at least one entry must be finite,
/// which the caller guarantees (every query sees at least one key). Max-subtraction keeps
/// every exponent <= 0, so finite input never overflows and the largest term is exactly 1.
/// With a sink logit (sink != nullptr) the row gets that extra logit: every weight is scaled by
/// sink_keep and the row sums to less than 1.
inline void softmax_row(const float* x, int64_t n, float* y, const float* sink = nullptr) {
  float mx = -INFINITY;
  for (int64_t j = 0; j < n; ++j) mx = x[j] > mx ? x[j] : mx;
  float sum = 0.0f;
  for (int64_t j = 0; j < n; ++j) {
    y[j] = std::exp(x[j] - mx);  // exp(-inf) = 0 for masked keys
    sum += y[j];
  }
  // sum >= 1: the max term contributes exactly 1
  const float inv = sink ? float(sink_keep(mx, sum, *sink) / sum) : 1.0f / sum;
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
