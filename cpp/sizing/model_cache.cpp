// model_cache.cpp - see model_cache.h.
#include "sizing/model_cache.h"

namespace gqa {

Status model_kv_cache(const ModelCacheQuery& q, ModelCache* out) {
  const ModelSpec& m = q.model;
  if (is_mla(m) && m.n_kv_heads != 1) {
    return Status::error(StatusCode::kOutOfRange, "nKvHeads (%d): %s caches one MLA latent, not K/V heads", m.n_kv_heads, m.id);
  }
  if (m.n_kv_heads < 1 || m.n_heads % m.n_kv_heads != 0) {
    return Status::error(StatusCode::kOutOfRange, "nKvHeads (%d) must divide the model's %d query heads",
                         m.n_kv_heads, m.n_heads);
  }
  // `tokens` of `batch` sequences of this model, all layers, scales included
  auto bytes = [&](int64_t tokens, int64_t batch, uint64_t* b) {
    KvSize size;
    GQA_RETURN_IF_ERROR(kv_cache_size({m.layers, m.n_kv_heads, m.head_dim, tokens, batch, q.dtype, kv_factor(m), m.value_dim}, &size));
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

const char* kv_variant_row_name(KvVariantRow r) {
  constexpr const char* kNames[kKvVariantRows] = {"mha", "published", "whatIf", "mqa"};
  return kNames[int(r)];
}

Status kv_variants(const ModelSpec& m, bool has_what_if, int64_t what_if, KvVariant out[kKvVariantRows], int* count,
                   int* n_kv_heads) {
  *count = 0;
  *n_kv_heads = m.n_kv_heads;
  if (is_mla(m)) {
    if (has_what_if) {
      return Status::error(StatusCode::kOutOfRange,
                           "nKvHeads: %s uses MLA (one cached latent), so a K/V-head what-if does not apply", m.id);
    }
    out[(*count)++] = {KvVariantRow::kMha, m.n_heads};
    out[(*count)++] = {KvVariantRow::kPublished, m.n_kv_heads};
    return Status::ok();
  }
  if (has_what_if) {
    GQA_RETURN_IF_ERROR(check_range("nKvHeads", what_if, 1, m.n_heads));
    if (m.n_heads % what_if != 0) {
      return Status::error(StatusCode::kOutOfRange, "nKvHeads (%lld) must divide %s's %d query heads", (long long)what_if,
                           m.id, m.n_heads);
    }
    *n_kv_heads = int(what_if);
  }
  const KvVariant rows[kKvVariantRows] = {{KvVariantRow::kMha, m.n_heads},
                                          {KvVariantRow::kPublished, m.n_kv_heads},
                                          {KvVariantRow::kWhatIf, *n_kv_heads},
                                          {KvVariantRow::kMqa, 1}};
  for (const KvVariant& v : rows) {
    bool seen = false;
    for (int i = 0; i < *count; ++i) seen = seen || out[i].n_kv_heads == v.n_kv_heads;
    if (!seen) out[(*count)++] = v;
  }
  return Status::ok();
}

ModelSpec variant_model(const ModelSpec& published, const KvVariant& v) {
  if (v.row == KvVariantRow::kMha) return mha_baseline(published);
  ModelSpec m = published;
  m.n_kv_heads = v.n_kv_heads;
  return m;
}

}  // namespace gqa
