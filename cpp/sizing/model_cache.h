// model_cache.h - a catalog model's KV cache at a context length and batch, with the sliding
// window applied: the figures the calculator, the page and the budget solver all show.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "sizing/memory_model.h"
#include "sizing/model_catalog.h"

namespace gqa {

struct ModelCacheQuery {
  ModelSpec model{};  // as published, a what-if copy with another n_kv_heads, or its mha_baseline
  int64_t tokens = 0; // context per sequence
  int64_t batch = 1;  // sequences
  CacheDtype dtype = CacheDtype::kF16;
};

/// Bytes are total_bytes of kv_cache_size (scales included), all layers.
struct ModelCache {
  int64_t cached_tokens = 0;            // cached_tokens(model, tokens): the window caps the cache
  uint64_t per_token = 0;               // one token of one sequence
  uint64_t per_sequence = 0;            // cached_tokens of one sequence
  uint64_t total = 0;                   // batch sequences
  uint64_t uncapped_per_sequence = 0;   // as if the model had no window
  uint64_t uncapped_total = 0;
};

/// Checks the query (G divides H, sizes within the memory model's limits) and sizes the cache.
Status model_kv_cache(const ModelCacheQuery& q, ModelCache* out);

/// The K/V-head counts a model's cache is compared at, each G once, in this order: MHA (G = H),
/// as published, the what-if, MQA (G = 1). An MLA model is compared only with its MHA baseline
/// (mha_baseline: the full keys and values its heads rebuild from the latent); G what-ifs and MQA
/// at its widths are no design anyone published, so they are not offered.
enum class KvVariantRow { kMha = 0, kPublished, kWhatIf, kMqa };
constexpr int kKvVariantRows = 4;
const char* kv_variant_row_name(KvVariantRow r);  // "mha", "published", "whatIf", "mqa"

struct KvVariant {
  KvVariantRow row;
  int n_kv_heads;
};

/// The variants of `published` (a catalog model), with a what-if G if has_what_if: refused for an
/// MLA model, or unless 1 <= what_if <= H and what_if divides H. *n_kv_heads: the G the answer
/// is about (the what-if, else the published G).
Status kv_variants(const ModelSpec& published, bool has_what_if, int64_t what_if, KvVariant out[kKvVariantRows],
                   int* count, int* n_kv_heads);

/// The model whose cache row `v` of `published` sizes: mha_baseline for kMha, else a copy with the row's G.
ModelSpec variant_model(const ModelSpec& published, const KvVariant& v);

}  // namespace gqa
