// attention.h - grouped-query attention over a whole sequence (prefill), for any (H, G).
//
// One code path for the three names: G = n_kv_heads; G == H is multi-head attention (MHA),
// G == 1 is multi-query attention (MQA), anything between that divides H is grouped-query
// attention (GQA). Query head h reads K/V head g(h) = floor(h * G / H) = floor(h / (H / G)).
#pragma once

#include <cstdint>

#include "base/status.h"

namespace gqa {

/// Upper limits that keep every index within int32 and every request readable in an error.
constexpr int64_t kMaxHeads = 1024;
constexpr int64_t kMaxHeadDim = 4096;
constexpr int64_t kMaxTokens = int64_t(1) << 24;

struct AttentionShape {
  int64_t tq = 0;          // query positions
  int64_t tk = 0;          // key/value positions
  int64_t n_heads = 0;     // H, query heads
  int64_t n_kv_heads = 0;  // G, key/value heads; H % G == 0
  int64_t head_dim = 0;    // d
};

struct AttentionOptions {
  bool causal = false;     // bottom-right aligned: query i sees keys j <= i + tk - tq
  int64_t window = 0;      // > 0: also only keys j > i + tk - tq - window
  bool has_scale = false;  // false: scale = 1 / sqrt(head_dim)
  float scale = 0.0f;
  const float* sink_logits = nullptr;  // (H,) or nullptr: head h's softmax gets one more logit, with no value
};

/// The K/V head query head h reads.
inline int64_t kv_head_of(int64_t h, int64_t n_heads, int64_t n_kv_heads) { return h * n_kv_heads / n_heads; }

/// The scale actually used: opts.scale if given, else 1/sqrt(head_dim).
float effective_scale(const AttentionOptions& opts, int64_t head_dim);

/// Checks the shape (positive, within limits, H % G == 0) and options (sink logits finite, H of
/// them); the message names the field.
Status validate_heads(int64_t n_heads, int64_t n_kv_heads, int64_t head_dim);
/// tq and tk within limits, and tq <= tk when causal (the first queries would otherwise see no key).
Status validate_tokens(int64_t tq, int64_t tk, bool causal);
Status validate_attention(const AttentionShape& s, const AttentionOptions& o);
/// The window and the scale alone (prefill checks them with the shape; the cache per attend).
Status validate_options(const AttentionOptions& o);

/// Checks every element of x (n elements, named `field`) is finite.
Status check_finite(const float* x, uint64_t n, const char* field);

/// out = softmax(scale · Q Kᵀ + mask) V per query head, with K/V shared by groups of H/G heads.
///   q       (tq, H, d)      row-major
///   k, v    (tk, G, d)
///   out     (tq, H, d)
///   scores  (H, tq, tk) or nullptr: scaled scores, masked entries -Infinity
///   weights (H, tq, tk) or nullptr: softmax weights, each row sums to 1 (less with sink logits,
///           whose own weight is left out)
/// Matrix products use Eigen over strided maps of the inputs (no copies of q, k or v).
Status attention_prefill(const AttentionShape& s, const AttentionOptions& o, const float* q, const float* k,
                         const float* v, float* out, float* scores, float* weights);

}  // namespace gqa
