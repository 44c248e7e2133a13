// memory_model.cpp - see memory_model.h.
#include "sizing/memory_model.h"

#include <cstring>

#include "attention/attention.h"
#include "base/memory_budget.h"

namespace gqa {

namespace {
struct DtypeInfo { const char* name; int bits; bool quantized; };
constexpr DtypeInfo kDtypes[kCacheDtypeCount] = {
    {"f32", 32, false}, {"f16", 16, false}, {"bf16", 16, false},
    {"fp8", 8, true},   {"int8", 8, true},  {"int4", 4, true},
};
}  // namespace

const char* cache_dtype_name(CacheDtype t) { return kDtypes[int(t)].name; }
int cache_dtype_bits(CacheDtype t) { return kDtypes[int(t)].bits; }
bool cache_dtype_quantized(CacheDtype t) { return kDtypes[int(t)].quantized; }

bool parse_cache_dtype(const char* s, CacheDtype* out) {
  for (int i = 0; i < kCacheDtypeCount; ++i) {
    if (std::strcmp(s, kDtypes[i].name) == 0) { *out = CacheDtype(i); return true; }
  }
  return false;
}

Status kv_cache_size(const KvSizeQuery& q, KvSize* out) {
  GQA_RETURN_IF_ERROR(check_range("layers", q.layers, 1, kMaxLayers));
  GQA_RETURN_IF_ERROR(check_range("nKvHeads", q.n_kv_heads, 1, kMaxHeads));
  GQA_RETURN_IF_ERROR(check_range("headDim", q.head_dim, 1, kMaxHeadDim));
  GQA_RETURN_IF_ERROR(check_range("tokens", q.tokens, 1, kMaxModelTokens));
  GQA_RETURN_IF_ERROR(check_range("batch", q.batch, 1, kMaxBatch));
  GQA_RETURN_IF_ERROR(check_range("kvFactor", q.kv_factor, 1, kMaxKvFactor));
  GQA_RETURN_IF_ERROR(check_range("valueDim", q.value_dim, 0, kMaxHeadDim));
  if (q.value_dim > 0 && q.kv_factor != 2) {
    return Status::error(StatusCode::kOutOfRange, "valueDim (%lld) needs kvFactor 2 (a K and a V vector), not %lld",
                         (long long)q.value_dim, (long long)q.kv_factor);
  }
  // vectors = layers · heads · tokens · batch; rows = kv_factor of them each: one K (or V, or latent) vector
  uint64_t vectors = 1;
  bool ok = checked_mul(vectors, uint64_t(q.layers), &vectors) && checked_mul(vectors, uint64_t(q.n_kv_heads), &vectors) &&
            checked_mul(vectors, uint64_t(q.tokens), &vectors) && checked_mul(vectors, uint64_t(q.batch), &vectors);
  // numbers per vector position: kv_factor · head_dim, or a key and a value of their own widths
  const uint64_t width = q.value_dim > 0 ? uint64_t(q.head_dim + q.value_dim) : uint64_t(q.kv_factor * q.head_dim);
  uint64_t rows = 0, bits = 0, scale = 0;
  ok = ok && checked_mul(vectors, uint64_t(q.kv_factor), &rows);
  ok = ok && checked_mul(vectors, width, &bits) && checked_mul(bits, uint64_t(cache_dtype_bits(q.dtype)), &bits);
  if (ok && cache_dtype_quantized(q.dtype)) ok = checked_mul(rows, 4, &scale);
  if (!ok) return Status::error(StatusCode::kOverflow, "the KV cache size overflows 64 bits");
  out->data_bytes = bits / 8 + (bits % 8 ? 1 : 0);  // int4 with an odd element count rounds up
  out->scale_bytes = scale;
  out->total_bytes = out->data_bytes + out->scale_bytes;
  if (out->total_bytes < out->data_bytes) return Status::error(StatusCode::kOverflow, "the KV cache size overflows 64 bits");
  return Status::ok();
}

}  // namespace gqa
