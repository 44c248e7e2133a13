// kv_cache.h - a fixed-capacity KV cache for one attention layer, stored for the decode kernel.
//
// Layout (kv_store.h): each KV head's keys (and, separately, values) are contiguous, so the
// decode kernel streams one head's rows front to back:
//   k  (G, capacity, d) in dtype          v  (G, capacity, d) in dtype
//   k_scale (G, capacity) f32, int8 only  v_scale (G, capacity) f32, int8 only
//
// Streaming (StreamingLLM, Xiao et al. 2023): past the capacity, the first `sinks` tokens stay
// and the oldest of the rest is evicted, so memory stays at `capacity` for any length. Rows
// [0, sinks) hold the sink tokens; rows [sinks, capacity) are a ring buffer of the last
// capacity − sinks tokens, so the kept tokens in order are at most three contiguous row ranges.
#pragma once

#include <cstdint>

#include "attention/decode.h"
#include "attention/dtype.h"
#include "attention/kv_store.h"
#include "base/status.h"

namespace gqa {

struct KvCacheConfig {
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t capacity = 0;  // tokens
  Dtype dtype = Dtype::kF32;
  bool streaming = false;  // false: appending past the capacity is refused
  int64_t sinks = 0;       // streaming: tokens kept from the start, 0 <= sinks < capacity
};

/// Bytes a cache of this config holds (K and V, scales included), in 64 bits; false on overflow.
bool kv_cache_storage_bytes(const KvCacheConfig& c, uint64_t* bytes);

class KvCache {
 public:
  /// Validates the config, checks its bytes against the memory budget, then allocates.
  Status init(const KvCacheConfig& c);

  /// Appends n tokens: k, v (n, G, d) f32. All or nothing: a refused append changes nothing.
  /// Streaming: any n; past the capacity the oldest non-sink tokens are overwritten.
  Status append(const float* k, const float* v, int64_t n);

  /// out (tq, H, d) = attention of q (tq, H, d), the queries of the last tq appended tokens,
  /// over the kept tokens in order (streaming: the sinks, then the most recent); causal with
  /// respect to them, optional sliding window.
  /// row_max, row_sum (tq, H), optional: each row's softmax statistics, for merge_partials.
  /// sink_logits (H,), optional: head h's softmax gets one more logit with no value (gpt-oss),
  /// applied from the kernel's row statistics (apply_sink_logits). Refused together with
  /// row_max/row_sum: a partial result must be merged first, then the sinks applied once.
  Status attend(const float* q, int64_t tq, int64_t n_heads, bool has_scale, float scale, int64_t window,
                Isa isa, float* out, float* row_max = nullptr, float* row_sum = nullptr,
                const float* sink_logits = nullptr) const;

  void clear() { length_ = 0; seen_ = 0; }
  /// Tokens kept: min(seen, capacity) when streaming.
  int64_t length() const { return length_; }
  /// Tokens appended since init or clear, evicted ones included.
  int64_t seen() const { return seen_; }
  bool streaming() const { return cfg_.streaming; }
  int64_t sinks() const { return cfg_.sinks; }
  int64_t capacity() const { return cfg_.capacity; }
  int64_t n_kv_heads() const { return cfg_.n_kv_heads; }
  int64_t head_dim() const { return cfg_.head_dim; }
  Dtype dtype() const { return cfg_.dtype; }
  uint64_t bytes() const { return store_.bytes(); }

  /// KV head g's stored rows [0, length) as the decode kernel reads them (in storage order).
  KvHeadView head(int64_t g) const { return store_.head(g); }

  /// The storage row of kept token i (0: the oldest kept); i itself unless streaming has wrapped.
  int64_t storage_row(int64_t i) const;

  /// Storage row t of KV head g, widened back to f32 (what the kernel sees after dequantisation).
  void read_row(int64_t g, int64_t t, bool value, float* dst) const { store_.read_row(g, t, value, dst); }

 private:
  /// The storage row of appended token number t (counting from 0 since init or clear).
  int64_t row_of_token(int64_t t) const;
  /// The kept tokens in order as runs of consecutive storage rows: at most 3; returns how many.
  int segments(RowSegment* segs) const;

  KvCacheConfig cfg_;
  int64_t length_ = 0;
  int64_t seen_ = 0;
  KvStore store_;  // (G, capacity, d) rows
};

}  // namespace gqa
