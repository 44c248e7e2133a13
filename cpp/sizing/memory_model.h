// memory_model.h - exact KV-cache sizes for any model, and what fits on an accelerator.
//
//   cache bytes = kv_factor · layers · n_kv_heads · head_dim · tokens · batch · bits / 8
//
// kv_factor is 2 (a K and a V vector per KV head) except for multi-head latent attention
// (DeepSeek's MLA), which caches one latent vector per token per layer (kv_factor 1). Values may
// be narrower than keys (value_dim; MLA's MHA baseline: keys 192, values 128): then the K and V
// vectors together are head_dim + value_dim wide.
// Everything is 64-bit; a size that would not fit in 64 bits is an error, never a wrap.
#pragma once

#include <cstdint>

#include "base/status.h"

namespace gqa {

enum class CacheDtype : int { kF32 = 0, kF16, kBf16, kFp8, kInt8, kInt4 };
constexpr int kCacheDtypeCount = 6;

const char* cache_dtype_name(CacheDtype t);
bool parse_cache_dtype(const char* s, CacheDtype* out);
/// Bits per stored element: 32, 16, 16, 8, 8, 4.
int cache_dtype_bits(CacheDtype t);
/// True for fp8, int8 and int4, which carry scales in the core's layout.
bool cache_dtype_quantized(CacheDtype t);

/// Limits of the memory model's inputs (far beyond any real model).
constexpr int64_t kMaxLayers = 100000;
constexpr int64_t kMaxModelTokens = int64_t(1) << 40;
constexpr int64_t kMaxBatch = int64_t(1) << 24;
constexpr int64_t kMaxKvFactor = 2;  // a K and a V vector per head (MLA: 1 latent)

struct KvSizeQuery {
  int64_t layers = 0, n_kv_heads = 0, head_dim = 0, tokens = 0, batch = 1;
  CacheDtype dtype = CacheDtype::kF16;
  int64_t kv_factor = 2;
  int64_t value_dim = 0;  // values' width when it is not head_dim (kv_factor 2 only); 0: head_dim
};

struct KvSize {
  uint64_t data_bytes = 0;   // the K/V (or latent) elements themselves
  uint64_t scale_bytes = 0;  // quantised dtypes: one f32 scale per token per KV head per K and V
                             // per layer, the layout of the core's own int8 cache
  uint64_t total_bytes = 0;  // data + scales
};

/// Validates the query (the message names the field) and computes the exact sizes.
Status kv_cache_size(const KvSizeQuery& q, KvSize* out);

}  // namespace gqa
