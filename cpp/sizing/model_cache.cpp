// model_cache.cpp - see model_cache.h.
#include "sizing/model_cache.h"

#include "base/memory_budget.h"

namespace gqa {

namespace {

/// `layers` layers of group `g` holding `tokens` tokens (or their state) for `batch` sequences.
Status group_bytes(const LayerGroup& g, int layers, int64_t tokens, int64_t batch, CacheDtype dtype, uint64_t* out) {
  if (g.kind == LayerKind::kLinear) {
    // numbers = layers · state · batch, at the dtype's width, no scales
    uint64_t bits = 0;
    if (!(checked_mul(uint64_t(layers), uint64_t(g.state_elements), &bits) && checked_mul(bits, uint64_t(batch), &bits) &&
          checked_mul(bits, uint64_t(cache_dtype_bits(dtype)), &bits))) {
      return Status::error(StatusCode::kOverflow, "the linear-attention state size overflows 64 bits");
    }
    *out = bits / 8 + (bits % 8 ? 1 : 0);
    return Status::ok();
  }
  KvSize size;
  GQA_RETURN_IF_ERROR(kv_cache_size({layers, g.n_kv_heads, g.head_dim, tokens, batch, dtype, g.kv_factor, g.value_dim}, &size));
  *out = size.total_bytes;
  return Status::ok();
}

Status add(uint64_t a, uint64_t* sum) {
  if (*sum + a < *sum) return Status::error(StatusCode::kOverflow, "the KV cache size overflows 64 bits");
  *sum += a;
  return Status::ok();
}

}  // namespace

Status model_kv_cache(const ModelCacheQuery& q, ModelCache* out) {
  const ModelSpec& m = q.model;
  GQA_RETURN_IF_ERROR(check_model(m, "model"));
  GQA_RETURN_IF_ERROR(check_range("tokens", q.tokens, 1, kMaxModelTokens));
  GQA_RETURN_IF_ERROR(check_range("batch", q.batch, 1, kMaxBatch));
  ModelCache r;
  LayerGroup groups[kLayerKindCount];
  r.kind_count = layer_groups(m, groups);
  for (int i = 0; i < r.kind_count; ++i) {
    KindCache& k = r.kinds[i];
    k.group = groups[i];
    k.cached_tokens = group_cached_tokens(k.group, q.tokens);
    if (k.group.kind != LayerKind::kLinear) GQA_RETURN_IF_ERROR(group_bytes(k.group, k.group.layers, 1, 1, q.dtype, &k.per_token));
    GQA_RETURN_IF_ERROR(group_bytes(k.group, k.group.layers, k.cached_tokens, 1, q.dtype, &k.per_sequence));
    GQA_RETURN_IF_ERROR(group_bytes(k.group, k.group.layers, k.cached_tokens, q.batch, q.dtype, &k.total));
    if (k.cached_tokens > r.cached_tokens) r.cached_tokens = k.cached_tokens;
    GQA_RETURN_IF_ERROR(add(k.per_token, &r.per_token));
    GQA_RETURN_IF_ERROR(add(k.per_sequence, &r.per_sequence));
    GQA_RETURN_IF_ERROR(add(k.total, &r.total));
  }
  // the uniform formula: one group, every layer keeping every token
  LayerGroup uniform[kLayerKindCount];
  layer_groups(uniform_model(m), uniform);
  GQA_RETURN_IF_ERROR(group_bytes(uniform[0], m.layers, q.tokens, 1, q.dtype, &r.uncapped_per_sequence));
  GQA_RETURN_IF_ERROR(group_bytes(uniform[0], m.layers, q.tokens, q.batch, q.dtype, &r.uncapped_total));
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
                           "nKvHeads: %s uses MLA (one cached latent), so a K/V-head what-if does not apply", m.id.c_str());
    }
    out[(*count)++] = {KvVariantRow::kMha, m.n_heads};
    out[(*count)++] = {KvVariantRow::kPublished, m.n_kv_heads};
    return Status::ok();
  }
  if (has_what_if) {
    GQA_RETURN_IF_ERROR(check_range("nKvHeads", what_if, 1, m.n_heads));
    if (m.n_heads % what_if != 0) {
      return Status::error(StatusCode::kOutOfRange, "nKvHeads (%lld) must divide %s's %d query heads", (long long)what_if,
                           m.id.c_str(), m.n_heads);
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
