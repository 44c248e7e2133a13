// model_catalog.h - published attention shapes of real models, and accelerators to fit them on.
//
// head_dim is what each model's config states (Gemma-7B: 256, not hidden/heads = 192).
// Figures are checked against the sources named in each entry; tests pin the key ones.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gqa {

struct ModelSpec {
  const char* id;
  const char* name;
  const char* family;
  int layers;
  int n_heads;          // query heads
  int n_kv_heads;       // K/V heads (MLA: 1 latent "head")
  int head_dim;         // per head, as the config states it (MLA: latent 512 + RoPE key 64)
  int64_t max_context;  // max_position_embeddings
  double params;        // total parameters
  double active_params; // parameters read per token (MoE: the routed experts only); = params if dense
  int64_t sliding_window;  // 0: none
  bool mla;             // multi-head latent attention: one cached latent per token per layer
  const char* source;
};

/// "MLA", else attention_kind(H, G) (attention_kind.h): "MHA", "GQA" or "MQA".
const char* attention_kind(const ModelSpec& m);
/// 2 (a K and a V vector per KV head), or 1 for MLA's single latent.
inline int kv_factor(const ModelSpec& m) { return m.mla ? 1 : 2; }
/// Tokens a sequence of `tokens` keeps in the cache: min(tokens, sliding window) if the model has one.
inline int64_t cached_tokens(const ModelSpec& m, int64_t tokens) {
  return m.sliding_window > 0 && tokens > m.sliding_window ? m.sliding_window : tokens;
}

const ModelSpec* model_catalog(size_t* count);
const ModelSpec* find_model(const char* id);

struct DeviceSpec {
  const char* id;
  const char* name;
  double memory_gb;      // 1 GB = 1e9 bytes
  double bandwidth_gbs;  // GB/s
};

const DeviceSpec* device_catalog(size_t* count);
const DeviceSpec* find_device(const char* id);

}  // namespace gqa
