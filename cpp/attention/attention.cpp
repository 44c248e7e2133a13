// attention.cpp - prefill attention with Eigen (see attention.h).
#include "attention/attention.h"

#include <Eigen/Core>
#include <cmath>

#include "base/memory_budget.h"
#include "attention/softmax.h"

namespace gqa {

namespace {
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using StridedConst = Eigen::Map<const RowMat, 0, Eigen::OuterStride<>>;
using Strided = Eigen::Map<RowMat, 0, Eigen::OuterStride<>>;
using Dense = Eigen::Map<RowMat>;
}  // namespace

float effective_scale(const AttentionOptions& opts, int64_t head_dim) {
  return opts.has_scale ? opts.scale : float(1.0 / std::sqrt(double(head_dim)));
}

Status validate_heads(int64_t n_heads, int64_t n_kv_heads, int64_t head_dim) {
  GQA_RETURN_IF_ERROR(check_range("nHeads", n_heads, 1, kMaxHeads));
  GQA_RETURN_IF_ERROR(check_range("nKvHeads", n_kv_heads, 1, kMaxHeads));
  if (n_heads % n_kv_heads != 0) {
    return Status::error(StatusCode::kOutOfRange, "nHeads (%lld) must be a multiple of nKvHeads (%lld)",
                         (long long)n_heads, (long long)n_kv_heads);
  }
  GQA_RETURN_IF_ERROR(check_range("headDim", head_dim, 1, kMaxHeadDim));
  return Status::ok();
}

Status validate_tokens(int64_t tq, int64_t tk, bool causal) {
  GQA_RETURN_IF_ERROR(check_range("tq", tq, 1, kMaxTokens));
  GQA_RETURN_IF_ERROR(check_range("tk", tk, 1, kMaxTokens));
  if (causal && tq > tk) {
    return Status::error(StatusCode::kOutOfRange,
                         "tq (%lld) must not exceed tk (%lld) when causal: the first queries would see no key",
                         (long long)tq, (long long)tk);
  }
  return Status::ok();
}

Status validate_attention(const AttentionShape& s, const AttentionOptions& o) {
  GQA_RETURN_IF_ERROR(validate_heads(s.n_heads, s.n_kv_heads, s.head_dim));
  GQA_RETURN_IF_ERROR(validate_tokens(s.tq, s.tk, o.causal));
  GQA_RETURN_IF_ERROR(validate_options(o));
  return o.sink_logits ? check_finite(o.sink_logits, uint64_t(s.n_heads), "sinkLogits") : Status::ok();
}

Status validate_options(const AttentionOptions& o) {
  if (o.window < 0 || o.window > kMaxTokens) {
    return Status::error(StatusCode::kOutOfRange, "window (%lld) must be 0 (none) or a positive integer up to %lld",
                         (long long)o.window, (long long)kMaxTokens);
  }
  if (o.has_scale && !is_finite(o.scale)) {
    return Status::error(StatusCode::kOutOfRange, "scale (%s) must be a finite number", js_nonfinite(o.scale));
  }
  return Status::ok();
}

Status check_finite(const float* x, uint64_t n, const char* field) {
  for (uint64_t i = 0; i < n; ++i) {
    if (!is_finite(x[i])) {
      return Status::error(StatusCode::kOutOfRange, "%s[%llu] (%s) must be a finite number", field,
                           (unsigned long long)i, js_nonfinite(x[i]));
    }
  }
  return Status::ok();
}

Status attention_prefill(const AttentionShape& s, const AttentionOptions& o, const float* q, const float* k,
                         const float* v, float* out, float* scores, float* weights) {
  GQA_RETURN_IF_ERROR(validate_attention(s, o));
  const int64_t H = s.n_heads, G = s.n_kv_heads, d = s.head_dim, tq = s.tq, tk = s.tk;
  const float scale = effective_scale(o, d);

  // One head's (tq, tk) score and weight matrices when the caller does not keep them all.
  uint64_t plane = 0;
  if (!checked_mul(uint64_t(tq), uint64_t(tk), &plane)) plane = ~uint64_t(0);
  Buffer<float> tmp_scores, tmp_weights;
  if (!scores) GQA_RETURN_IF_ERROR(tmp_scores.allocate(plane, "the attention score matrix"));
  if (!weights) GQA_RETURN_IF_ERROR(tmp_weights.allocate(plane, "the attention weight matrix"));

  for (int64_t h = 0; h < H; ++h) {
    const int64_t g = kv_head_of(h, H, G);
    float* sh = scores ? scores + h * plane : tmp_scores.data();    // (tq, tk)
    float* wh = weights ? weights + h * plane : tmp_weights.data(); // (tq, tk)
    StridedConst Qh(q + h * d, tq, d, Eigen::OuterStride<>(H * d));  // (tq, d) rows of stride H*d
    StridedConst Kg(k + g * d, tk, d, Eigen::OuterStride<>(G * d));  // (tk, d) rows of stride G*d
    StridedConst Vg(v + g * d, tk, d, Eigen::OuterStride<>(G * d));  // (tk, d)
    Dense S(sh, tq, tk);
    Dense P(wh, tq, tk);
    // pass 1: scaled scores S = scale · Qh Kgᵀ
    S.noalias() = (Qh * Kg.transpose()) * scale;
    // pass 2: check, mask, softmax row by row
    for (int64_t i = 0; i < tq; ++i) {
      float* row = sh + i * tk;
      for (int64_t j = 0; j < tk; ++j) {
        if (!is_finite(row[j])) {
          return Status::error(StatusCode::kOverflow,
                               "attention score (head %lld, query %lld, key %lld) overflows float32: "
                               "scale * |q|*|k| is too large", (long long)h, (long long)i, (long long)j);
        }
      }
      int64_t lo, hi;
      visible_keys(i, tq, tk, o.causal, o.window, &lo, &hi);
      for (int64_t j = 0; j < lo; ++j) row[j] = -INFINITY;
      for (int64_t j = hi; j < tk; ++j) row[j] = -INFINITY;
      softmax_row(row, tk, wh + i * tk, o.sink_logits ? o.sink_logits + h : nullptr);
    }
    // pass 3: out_h = P Vg
    Strided Oh(out + h * d, tq, d, Eigen::OuterStride<>(H * d));
    Oh.noalias() = P * Vg;
  }
  uint64_t n_out = uint64_t(tq) * uint64_t(H) * uint64_t(d);
  for (uint64_t i = 0; i < n_out; ++i) {
    if (!is_finite(out[i])) {
      return Status::error(StatusCode::kOverflow, "attention output[%llu] overflows float32",
                           (unsigned long long)i);
    }
  }
  return Status::ok();
}

}  // namespace gqa
