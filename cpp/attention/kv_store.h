// kv_store.h - K and V rows stored for the decode kernel, and attention over any order of them.
//
// Both caches keep their tokens here: the plain and streaming KvCache (kv_cache.h) and the paged
// cache (paged_kv_cache.h). Layout: each KV head's keys (and, separately, values) are
// contiguous, so the decode kernel streams one head's rows front to back:
//   k  (G, rows, d) in dtype          v  (G, rows, d) in dtype
//   k_scale (G, rows) f32, int8 only  v_scale (G, rows) f32, int8 only
// int8 is symmetric with one scale per token per KV head: x ≈ q · scale, scale = max|x| / 127.
//
// A cache's kept tokens, in their logical order, are a few runs of consecutive storage rows
// (RowSegment): one for a plain cache, up to three for a streaming one, up to one per block for
// a paged one. attend_segments maps each query's visible tokens to storage row ranges, attends
// each range with the unchanged kernel and combines them with the split-K merge (decode_ranges).
#pragma once

#include <cstdint>

#include "attention/decode.h"
#include "attention/dtype.h"
#include "base/memory_budget.h"
#include "base/status.h"

namespace gqa {

/// Stores x (d floats) as one row of `dtype` at dst; returns the row's int8 scale (1 otherwise).
float encode_row(Dtype dtype, void* dst, const float* x, int64_t d);
/// Refuses what a row of `dtype` cannot hold: a value that is not finite, or (f16) |x| >= 65520.
Status check_storable(Dtype dtype, const float* x, uint64_t n, const char* field);

/// Bytes of K and V for `rows` rows of G heads of d in dtype (int8 scales included), in 64 bits;
/// false on overflow.
bool kv_rows_bytes(int64_t n_kv_heads, int64_t rows, int64_t head_dim, Dtype dtype, uint64_t* bytes);

class KvStore {
 public:
  /// Checks the bytes against the memory budget (named `what` in a refusal), then allocates.
  /// Leaves the store as it was on a refusal.
  Status init(int64_t n_kv_heads, int64_t rows, int64_t head_dim, Dtype dtype, const char* what);

  /// Row t of every KV head: k and v (G, d) f32, the layout of one appended token.
  void store_token(int64_t t, const float* k, const float* v);
  /// Rows [src, src + n) of every head, K, V and scales, copied to rows [dst, dst + n) (disjoint).
  void copy_rows(int64_t dst, int64_t src, int64_t n);

  /// KV head g's rows as the decode kernel reads them.
  KvHeadView head(int64_t g) const;
  /// Row t of KV head g, widened back to f32 (what the kernel sees after dequantisation).
  void read_row(int64_t g, int64_t t, bool value, float* dst) const;

  int64_t n_kv_heads() const { return g_; }
  int64_t head_dim() const { return d_; }
  int64_t rows() const { return rows_; }
  Dtype dtype() const { return dtype_; }
  /// Exactly what is held for K and V, int8 scales included.
  uint64_t bytes() const { return bytes_; }

 private:
  int64_t g_ = 0, rows_ = 0, d_ = 0;
  Dtype dtype_ = Dtype::kF32;
  uint64_t bytes_ = 0;
  Buffer<uint8_t> k_, v_;           // (G, rows, d) in dtype
  Buffer<float> k_scale_, v_scale_; // (G, rows), int8 only
};

/// Kept tokens [token, token + count) are storage rows [row, row + count).
struct RowSegment {
  int64_t token, row, count;
};

/// The attend both caches run. out (tq, H, d) = attention of q (tq, H, d), the queries of the
/// last tq of `length` kept tokens, over them in order: causal with respect to them, optional
/// sliding window (0: none), scale 1/√d unless has_scale. segs (n_segs) cover [0, length) in
/// order. row_max, row_sum (tq, H), optional: each row's softmax statistics, for merge_partials.
/// sink_logits (H,), optional, refused together with row_max/row_sum (a partial result is merged
/// first, then the sinks applied once). `what` ("the KV cache", "sequence 3") and `length_name`
/// ("the cache length") name the cache in a refusal.
Status attend_segments(const KvStore& kv, const RowSegment* segs, int64_t n_segs, int64_t length, const char* what,
                       const char* length_name, const float* q, int64_t tq, int64_t n_heads, bool has_scale,
                       float scale, int64_t window, Isa isa, float* out, float* row_max, float* row_sum,
                       const float* sink_logits);

}  // namespace gqa
