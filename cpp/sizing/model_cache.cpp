// model_cache.cpp - see model_cache.h.
#include "sizing/model_cache.h"

namespace gqa {

Status model_kv_cache(const ModelCacheQuery& q, ModelCache* out) {
  const ModelSpec& m = q.model;
  if (m.n_kv_heads < 1 || m.n_heads % m.n_kv_heads != 0) {
    return Status::error(StatusCode::kOutOfRange, "nKvHeads (%d) must divide the model's %d query heads",
                         m.n_kv_heads, m.n_heads);
  }
  // `tokens` of `batch` sequences of this model, all layers, scales included
  auto bytes = [&](int64_t tokens, int64_t batch, uint64_t* b) {
    KvSize size;
    GQA_RETURN_IF_ERROR(kv_cache_size({m.layers, m.n_kv_heads, m.head_dim, tokens, batch, q.dtype, kv_factor(m)}, &size));
    *b = size.total_bytes;
    return Status::ok();
  };
  ModelCache r;
  r.cached_tokens = cached_tokens(m, q.tokens);
  GQA_RETURN_IF_ERROR(bytes(1, 1, &r.per_token));
  GQA_RETURN_IF_ERROR(bytes(r.cached_tokens, 1, &r.per_sequence));
  GQA_RETURN_IF_ERROR(bytes(r.cached_tokens, q.batch, &r.total));
  GQA_RETURN_IF_ERROR(bytes(q.tokens, 1, &r.uncapped_per_sequence));
  GQA_RETURN_IF_ERROR(bytes(q.tokens, q.batch, &r.uncapped_total));
  *out = r;
  return Status::ok();
}

}  // namespace gqa
