// model_cache.h - a model's KV cache at a context length and batch, layer by layer: each layer
// group (model_spec.h) keeps its own tokens (full: all, sliding: the window, chunked: the chunk,
// mla: a latent per token, linear: a fixed state), summed exactly in 64 bits. The figures the
// calculator, the page and the budget solver all show.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "sizing/memory_model.h"
#include "sizing/model_spec.h"

namespace gqa {

struct ModelCacheQuery {
  ModelSpec model{};  // as published, a what-if copy with another n_kv_heads, or its mha_baseline
  int64_t tokens = 0; // context per sequence
  int64_t batch = 1;  // sequences
  CacheDtype dtype = CacheDtype::kF16;
};

/// One layer kind's share of the cache.
struct KindCache {
  LayerGroup group;             // which layers, and their shape
  int64_t cached_tokens = 0;    // tokens each of these layers keeps (0 for linear: a state, not tokens)
  uint64_t per_token = 0;       // one more token, all of this kind's layers (0 for linear)
  uint64_t per_sequence = 0;    // one sequence at `tokens`
  uint64_t total = 0;           // `batch` sequences
};

/// Bytes are total_bytes of kv_cache_size (scales included), all layers. A linear layer's state is
/// stored at the cache dtype, without scales.
struct ModelCache {
  int64_t cached_tokens = 0;            // the most tokens any layer keeps (= tokens if a layer keeps them all)
  uint64_t per_token = 0;               // one token of one sequence in every layer that keeps tokens
  uint64_t per_sequence = 0;            // one sequence at `tokens`: the sum over layers
  uint64_t total = 0;                   // batch sequences
  uint64_t uncapped_per_sequence = 0;   // the uniform formula (uniform_model): every layer keeps every token
  uint64_t uncapped_total = 0;
  KindCache kinds[kLayerKindCount];     // per layer kind, in layer_groups' order
  int kind_count = 0;
};

/// Checks the query (check_model, sizes within the memory model's limits) and sizes the cache.
Status model_kv_cache(const ModelCacheQuery& q, ModelCache* out);

/// The K/V-head counts a model's cache is compared at, each G once, in this order: MHA (G = H),
/// as published, the what-if, MQA (G = 1); each applies to every attention layer, window and chunk
/// kept. An MLA model is compared only with its MHA baseline (mha_baseline: the full keys and values
/// its heads rebuild from the latent); G what-ifs and MQA at its widths are no design anyone
/// published, so they are not offered.
enum class KvVariantRow { kMha = 0, kPublished, kWhatIf, kMqa };
constexpr int kKvVariantRows = 4;
const char* kv_variant_row_name(KvVariantRow r);  // "mha", "published", "whatIf", "mqa"

struct KvVariant {
  KvVariantRow row;
  int n_kv_heads;
};

/// The variants of `published`, with a what-if G if has_what_if: refused for an MLA model, or
/// unless 1 <= what_if <= H and what_if divides H. *n_kv_heads: the G the answer is about (the
/// what-if, else the published G).
Status kv_variants(const ModelSpec& published, bool has_what_if, int64_t what_if, KvVariant out[kKvVariantRows],
                   int* count, int* n_kv_heads);

/// The model whose cache row `v` of `published` sizes: mha_baseline for kMha, else a copy with the row's G.
ModelSpec variant_model(const ModelSpec& published, const KvVariant& v);

}  // namespace gqa
