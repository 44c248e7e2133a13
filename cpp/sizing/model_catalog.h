// model_catalog.h - published attention shapes of real models, and accelerators to fit them on.
//
// head_dim is what each model's config states (Gemma-7B: 256, not hidden/heads = 192).
// Figures are checked against the sources named in each entry; tests pin the key ones.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gqa {

/// Multi-head latent attention's widths, named as in DeepSeek-V2/V3's config.json; all 0 for other models.
/// A token caches one latent of kv_lora_rank plus one RoPE key of qk_rope_head_dim per layer; each
/// query head rebuilds from the latent a key of qk_nope_head_dim (+ the shared RoPE key) and a value
/// of v_head_dim.
struct MlaWidths {
  int kv_lora_rank;      // the compressed latent c_KV, cached
  int qk_rope_head_dim;  // the decoupled RoPE key, cached beside the latent, shared by every query head
  int qk_nope_head_dim;  // per query head: the key part rebuilt from the latent
  int v_head_dim;        // per query head: the value rebuilt from the latent
};

struct ModelSpec {
  const char* id;
  const char* name;
  const char* family;
  int layers;
  int n_heads;          // query heads
  int n_kv_heads;       // K/V heads (MLA: 1 latent "head")
  int head_dim;         // per head, as the config states it (MLA: the cached width, kv_lora_rank + qk_rope_head_dim)
  int64_t max_context;  // max_position_embeddings
  double params;        // total parameters
  double active_params; // parameters read per token (MoE: the routed experts only); = params if dense
  int64_t sliding_window;  // 0: none
  MlaWidths mla;        // multi-head latent attention: one cached latent per token per layer; {} if not MLA
  const char* source;
  int value_dim = 0;    // values' width when it is not head_dim (only mha_baseline of an MLA model); 0: head_dim
};

/// True for a multi-head latent attention model (its MLA widths are set).
inline bool is_mla(const ModelSpec& m) { return m.mla.kv_lora_rank > 0; }

/// "MLA", else attention_kind(H, G) (attention_kind.h): "MHA", "GQA" or "MQA".
const char* attention_kind(const ModelSpec& m);
/// 2 (a K and a V vector per KV head), or 1 for MLA's single latent.
inline int kv_factor(const ModelSpec& m) { return is_mla(m) ? 1 : 2; }
/// The model with MHA's cache, its baseline: a K/V head per query head. For MLA, the keys
/// (qk_nope_head_dim + qk_rope_head_dim wide) and values (v_head_dim) its heads rebuild from the
/// latent, cached in full: H · (qk_nope + qk_rope + v_head) numbers per token per layer.
ModelSpec mha_baseline(const ModelSpec& m);
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
